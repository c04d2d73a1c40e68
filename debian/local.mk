# SPDX-License-Identifier: BSD-3-Clause
# Debian integration: the pam-auth-update(8) profile, installed as
# $(datadir)/pam-configs/prefect (/usr/share/pam-configs/prefect with
# --prefix=/usr). Off by default; "pam-auth-update --enable prefect" puts the
# module into common-auth, common-session and common-session-noninteractive.
pamconfigsdir = $(datadir)/pam-configs
dist_pamconfigs_DATA = debian/pam-configs/prefect
# After the profile is gone, "pam-auth-update --package" takes the module
# out of common-* (if it was still enabled) and "prefect" out of
# /var/lib/pam/seen, as a package's removal does. Only for an uninstall from
# the place pam-auth-update reads (not under DESTDIR, not another prefix).
pp-uninstall-pam-configs:
	@if [ -z '$(DESTDIR)' ] && [ '$(pamconfigsdir)' = /usr/share/pam-configs ] \
	    && [ ! -e /usr/share/pam-configs/prefect ] \
	    && command -v pam-auth-update >/dev/null 2>&1 \
	    && grep -qx prefect /var/lib/pam/seen 2>/dev/null; then \
	    echo " DEBIAN_FRONTEND=noninteractive pam-auth-update --package"; \
	    DEBIAN_FRONTEND=noninteractive pam-auth-update --package </dev/null; \
	fi
PP_UNINSTALL_HOOKS += pp-uninstall-pam-configs
.PHONY: pp-uninstall-pam-configs
# tests/release/version.test reads the changelog in the release tarball too.
EXTRA_DIST += debian/changelog

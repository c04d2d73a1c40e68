# SPDX-License-Identifier: BSD-3-Clause
# The check program: asks Prefect Cloud for the module, the Slurm plugin and
# prefect-keys (lib/checkrun.h), root-only, outside PATH. check makes the
# process its own and detaches; check-cloud, which it starts, does the work
# and is the only one linked with the Cloud client, hence libcurl and
# json-c, which nothing else loads.
pkglibexec_PROGRAMS += checker/check checker/check-cloud
checker_check_SOURCES = checker/check.c
checker_check_CFLAGS = $(AM_CFLAGS)
checker_check_LDADD = lib/libpp.la
checker_check_cloud_SOURCES = checker/check_cloud.c
checker_check_cloud_CFLAGS = $(AM_CFLAGS)
checker_check_cloud_LDADD = lib/libppcloud.la lib/libpp.la
# Only root runs them (check makes itself root entirely and refuses otherwise).
pp-install-checker:
	chmod 0700 '$(DESTDIR)$(pkglibexecdir)/check' '$(DESTDIR)$(pkglibexecdir)/check-cloud'
PP_INSTALL_EXEC_HOOKS += pp-install-checker
.PHONY: pp-install-checker

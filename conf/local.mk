# SPDX-License-Identifier: BSD-3-Clause
# The configuration file: a commented pam_prefect.conf with every setting at
# its default, installed as $(sysconfdir)/security/pam_prefect.conf only when
# there is none (an administrator's file is never overwritten), mode 0644.
# "make uninstall" removes it only while it is still exactly the shipped one.
confsecuritydir = $(sysconfdir)/security
noinst_DATA = conf/pam_prefect.conf
CLEANFILES += conf/pam_prefect.conf
EXTRA_DIST += conf/pam_prefect.conf.in

conf/pam_prefect.conf: $(srcdir)/conf/pam_prefect.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) conf && \
	sed -e 's|@STORE@|$(localstatedir)/lib/pam_prefect|g' \
	    -e 's|@CACHE@|$(localstatedir)/cache/pam_prefect|g' \
	    -e 's|@CHECK_PROGRAM@|$(pkglibexecdir)/check|g' \
	    $(srcdir)/conf/pam_prefect.conf.in >$@.tmp && mv $@.tmp $@

pp-install-conf: conf/pam_prefect.conf
	@$(MKDIR_P) '$(DESTDIR)$(confsecuritydir)'
	@if [ -e '$(DESTDIR)$(confsecuritydir)/pam_prefect.conf' ] \
	    || [ -L '$(DESTDIR)$(confsecuritydir)/pam_prefect.conf' ]; then \
	    echo "keeping the existing $(DESTDIR)$(confsecuritydir)/pam_prefect.conf" \
	        "(the shipped one, all defaults, is conf/pam_prefect.conf in the build tree)"; \
	else \
	    echo " $(INSTALL_DATA) conf/pam_prefect.conf '$(DESTDIR)$(confsecuritydir)/pam_prefect.conf'"; \
	    $(INSTALL_DATA) conf/pam_prefect.conf '$(DESTDIR)$(confsecuritydir)/pam_prefect.conf'; \
	fi

pp-uninstall-conf: conf/pam_prefect.conf
	@f='$(DESTDIR)$(confsecuritydir)/pam_prefect.conf'; \
	if [ -f "$$f" ] && [ ! -L "$$f" ] && cmp -s conf/pam_prefect.conf "$$f"; then \
	    echo " rm -f '$$f'"; rm -f "$$f"; \
	elif [ -e "$$f" ]; then \
	    echo "keeping $$f: it was changed after installation"; \
	fi

PP_INSTALL_DATA_HOOKS += pp-install-conf
PP_UNINSTALL_HOOKS += pp-uninstall-conf
.PHONY: pp-install-conf pp-uninstall-conf

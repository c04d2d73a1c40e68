# SPDX-License-Identifier: BSD-3-Clause
# The check program: asks Prefect Cloud for the module, the Slurm plugin and
# prefect-keys (lib/checkrun.h), root-only, outside PATH. It is the only
# program linked with the Cloud client, hence libcurl and json-c, which
# nothing else loads.
pkglibexec_PROGRAMS += checker/check
checker_check_SOURCES = checker/check.c
checker_check_CFLAGS = $(AM_CFLAGS)
checker_check_LDADD = lib/libppcloud.la lib/libpp.la
# Only root runs it (it refuses to run as anything but root entirely).
pp-install-checker:
	chmod 0700 '$(DESTDIR)$(pkglibexecdir)/check'
PP_INSTALL_EXEC_HOOKS += pp-install-checker
.PHONY: pp-install-checker

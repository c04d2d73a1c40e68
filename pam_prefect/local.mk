# SPDX-License-Identifier: BSD-3-Clause
# The PAM module: glue only (entry points, arguments, conversation).
pammod_LTLIBRARIES += pam_prefect/pam_prefect.la
pam_prefect_pam_prefect_la_SOURCES = \
	pam_prefect/public.c \
	pam_prefect/session.c \
	pam_prefect/session.h \
	pam_prefect/conv.c \
	pam_prefect/conv.h
pam_prefect_pam_prefect_la_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS) -ffunction-sections -fdata-sections
# --gc-sections: the core library is linked whole (a libtool convenience
# library); what the module never calls (the store writer, formatting, ...)
# and the functions it imports are dropped. libpam opens modules RTLD_NOW,
# so every imported function is a symbol lookup at every pam_start
# (bench/README.md).
pam_prefect_pam_prefect_la_LDFLAGS = -module -avoid-version -shared -no-undefined \
	-Wl,--version-script=$(srcdir)/pam_prefect/pam_prefect.map -Wl,--gc-sections
pam_prefect_pam_prefect_la_LIBADD = lib/libpp.la $(PAM_LIBS)
EXTRA_DIST += pam_prefect/pam_prefect.map
# A PAM module is loaded by path, never linked against: no .la file beside
# it (and libtool's "add LIBDIR to LD_LIBRARY_PATH" advice is silenced in
# Makefile.am). Without the .la, libtool's uninstall would not know the .so:
# the hook removes it.
pp-install-module:
	rm -f '$(DESTDIR)$(pammoddir)/pam_prefect.la'
pp-uninstall-module:
	rm -f '$(DESTDIR)$(pammoddir)/pam_prefect.so'
PP_INSTALL_DATA_HOOKS += pp-install-module
PP_UNINSTALL_HOOKS += pp-uninstall-module
.PHONY: pp-install-module pp-uninstall-module

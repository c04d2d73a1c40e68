# SPDX-License-Identifier: BSD-3-Clause
# The core library: everything the module and prefect-keys share.
# A libtool convenience library, so the tests link the very same objects.
noinst_LTLIBRARIES += lib/libpp.la
lib_libpp_la_SOURCES = \
	lib/secret.c lib/secret.h \
	lib/log.c lib/log.h \
	lib/safefile.c lib/safefile.h lib/status.h \
	lib/conf.c lib/conf.h \
	lib/lcfg.c lib/lcfg.h \
	lib/lcfg_loader.c lib/lcfg_loader.h \
	lib/names.c lib/names.h \
	lib/timefmt.c lib/timefmt.h \
	lib/store.c lib/store.h \
	lib/store_write.c lib/store_write.h \
	lib/mapping.c lib/mapping.h \
	lib/nsslookup.c lib/nsslookup.h \
	lib/resolve.c lib/resolve.h \
	lib/outcome.c lib/outcome.h \
	lib/judge.c lib/judge.h \
	lib/verdict.c lib/verdict.h \
	lib/decide.c lib/decide.h \
	lib/checkmsg.c lib/checkmsg.h \
	lib/checkrun.c lib/checkrun.h \
	lib/cache.c lib/cache.h \
	lib/check.c lib/check.h \
	lib/checkask.c lib/checkask.h \
	lib/keymark.c lib/keymark.h \
	lib/pack.c lib/pack.h \
	lib/memo.c lib/memo.h
# One section per function, so that the module keeps only what it calls
# (pam_prefect/local.mk: --gc-sections).
lib_libpp_la_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(MD_CFLAGS) \
	-ffunction-sections -fdata-sections
# libconfig is not linked: lib/lcfg_loader.c opens it when a file must be
# parsed or written (only its header is used at build time). libmd (the
# key's SHA-256, secret.c) is small and linked. Nothing here talks to Cloud: that is
# the check program's (checker/), with libppcloud.la below.
lib_libpp_la_LIBADD = $(MD_LIBS) $(DL_LIBS)

# The Cloud client and the check program's side of a check, linked
# normally with libcurl and json-c: only checker/check (and the tests and
# tools that ask Cloud themselves) link it, never the module or the plugin.
noinst_LTLIBRARIES += lib/libppcloud.la
lib_libppcloud_la_SOURCES = \
	lib/cloud.c lib/cloud.h \
	lib/checkwork.c lib/checkwork.h
lib_libppcloud_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS)
lib_libppcloud_la_LIBADD = $(CURL_LIBS) $(JSONC_LIBS)

# SPDX-License-Identifier: BSD-3-Clause
# Tests: shared helpers here, each suite's rules in its own fragment.
# Test-only dependencies: cmocka, libpamtest, nss_wrapper.

TEST_EXTENSIONS = .test
# Environment every test gets: where the build is, and the test libraries.
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	NSS_WRAPPER_LIB='$(NSS_WRAPPER_SO)'; export NSS_WRAPPER_LIB; \
	PYTHON3='$(PYTHON3)'; export PYTHON3; OPENSSL='$(OPENSSL)'; export OPENSSL;
TEST_LOG_COMPILER = $(SHELL)
# Every test runs under a time limit (PP_TEST_TIMEOUT seconds, default 600):
# one that hangs fails instead of stalling make check. The .test scripts
# through the driver; the test programs through LOG_COMPILER (a run that
# sets LOG_COMPILER itself puts "timelimit --run" in front, as .ci/run does).
# LOG_DRIVER stays automake's, so that automake installs and distributes
# build-aux/test-driver.
TEST_LOG_DRIVER = $(SHELL) $(top_srcdir)/tests/lib/timelimit --driver $(top_srcdir)/build-aux/test-driver
LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/lib/timelimit --run

if HAVE_TEST_DEPS
check_LTLIBRARIES += tests/lib/libtestroot.la tests/lib/logcap.la tests/lib/libnss_pptest.la \
	tests/lib/allocpeak.la tests/lib/putenvfail.la tests/lib/pamconfdir.la
tests_lib_libtestroot_la_SOURCES = tests/lib/testroot.c tests/lib/testroot.h \
	tests/lib/capture.c tests/lib/capture.h
tests_lib_libtestroot_la_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_lib_logcap_la_SOURCES = tests/lib/logcap.c
tests_lib_logcap_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
# An NSS source that fails on demand (tests/lib/nss-pptest.sh loads it).
tests_lib_libnss_pptest_la_SOURCES = tests/lib/nss_pptest.c
tests_lib_libnss_pptest_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
EXTRA_DIST += tests/lib/nss-pptest.sh
tests_lib_allocpeak_la_SOURCES = tests/lib/allocpeak.c
tests_lib_allocpeak_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_lib_putenvfail_la_SOURCES = tests/lib/putenvfail.c
tests_lib_putenvfail_la_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS)
tests_lib_putenvfail_la_LIBADD = $(DL_LIBS)
tests_lib_putenvfail_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
# pam_start reads the services of $PP_PAM_CONFDIR (the tests' and the demo's PAM).
tests_lib_pamconfdir_la_SOURCES = tests/lib/pamconfdir.c
tests_lib_pamconfdir_la_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS)
tests_lib_pamconfdir_la_LIBADD = $(PAM_LIBS)
tests_lib_pamconfdir_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/lib
TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(PAMTEST_CFLAGS) $(LIBCONFIG_CFLAGS) $(JSONC_CFLAGS)
TEST_LIBS = lib/libpp.la tests/lib/libtestroot.la $(CMOCKA_LIBS)

include $(srcdir)/tests/unit/core.mk
include $(srcdir)/tests/unit/store.mk
include $(srcdir)/tests/session/local.mk
include $(srcdir)/tests/tool/local.mk
include $(srcdir)/tests/cloud/local.mk
include $(srcdir)/tests/e2e/local.mk
include $(srcdir)/tests/monitoring/local.mk
include $(srcdir)/tests/slurm/local.mk
endif
include $(srcdir)/tests/install/local.mk
include $(srcdir)/tests/release/local.mk
include $(srcdir)/tests/stress/local.mk

TESTS += tests/lib/timelimit.test
EXTRA_DIST += tests/lib/common.sh tests/lib/toolkit.sh tests/lib/timelimit tests/lib/timelimit.test

# SPDX-License-Identifier: BSD-3-Clause
# tests/session: the PAM module through the real libpam (libpamtest, the
# services read from the test's own directory), fake users and groups
# (nss_wrapper); the exported symbols;
# pamrun, the small PAM application the demo drives.
check_PROGRAMS += tests/session/session-test tests/session/pamrun
tests_session_session_test_SOURCES = tests/session/session-test.c \
	tests/session/fixture.c tests/session/fixture.h
tests_session_session_test_CPPFLAGS = $(TEST_CPPFLAGS)
tests_session_session_test_CFLAGS = $(TEST_CFLAGS) $(PAM_CFLAGS)
tests_session_session_test_LDADD = $(TEST_LIBS) $(PAMTEST_LIBS) $(PAM_LIBS)

tests_session_pamrun_SOURCES = tests/session/pamrun.c
tests_session_pamrun_CPPFLAGS = $(TEST_CPPFLAGS)
tests_session_pamrun_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS)
tests_session_pamrun_LDADD = lib/libpp.la $(PAM_LIBS)

TESTS += tests/session/session.test tests/session/symbols.test tests/session/property.test \
	tests/session/nss_failure.test tests/session/putenv.test
dist_check_SCRIPTS += tests/session/session.test tests/session/symbols.test \
	tests/session/property.test tests/session/nss_failure.test tests/session/putenv.test
EXTRA_DIST += tests/session/world/passwd tests/session/world/group \
	tests/session/property-compare.py

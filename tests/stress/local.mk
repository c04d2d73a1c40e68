# SPDX-License-Identifier: BSD-3-Clause
# tests/stress: the seeded stress test (stress.test drives driver.py: many
# logins through the real libpam while an administrator changes everything
# and Cloud flaps, checked against a model) and pamloop, a long-lived PAM
# application whose descriptors and memory must stay flat. See
# tests/stress/README.md for the soak mode.
check_PROGRAMS += tests/stress/pamloop
tests_stress_pamloop_SOURCES = tests/stress/pamloop.c
tests_stress_pamloop_CPPFLAGS = $(TEST_CPPFLAGS)
tests_stress_pamloop_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS)
tests_stress_pamloop_LDADD = lib/libpp.la $(PAM_LIBS)

TESTS += tests/stress/stress.test
dist_check_SCRIPTS += tests/stress/stress.test
EXTRA_DIST += tests/stress/driver.py tests/stress/README.md

# SPDX-License-Identifier: BSD-3-Clause
# tests/cloud: the Prefect Cloud stand-in (standin.py, certificates from
# mkcerts.sh) and the tests of the Cloud client, the cache and the check,
# driven through cloudprobe; session_*.test run them through the real libpam.
check_PROGRAMS += tests/cloud/cloudprobe
tests_cloud_cloudprobe_SOURCES = tests/cloud/cloudprobe.c
tests_cloud_cloudprobe_CPPFLAGS = $(TEST_CPPFLAGS)
tests_cloud_cloudprobe_CFLAGS = $(TEST_CFLAGS)
tests_cloud_cloudprobe_LDADD = lib/libpp.la
# The same with the Cloud client's own commands (workspaces, expiration),
# linked with libcurl and json-c as the check program is; cloudprobe, which
# stands for a login, is not.
check_PROGRAMS += tests/cloud/cloudclient
tests_cloud_cloudclient_SOURCES = tests/cloud/cloudprobe.c
tests_cloud_cloudclient_CPPFLAGS = $(TEST_CPPFLAGS) -DPP_PROBE_CLIENT=1
tests_cloud_cloudclient_CFLAGS = $(TEST_CFLAGS)
tests_cloud_cloudclient_LDADD = lib/libppcloud.la lib/libpp.la
# The caller of a login that stops it again and again (program.test).
check_PROGRAMS += tests/cloud/stepper
tests_cloud_stepper_SOURCES = tests/cloud/stepper.c
tests_cloud_stepper_CPPFLAGS = $(TEST_CPPFLAGS)
tests_cloud_stepper_CFLAGS = $(TEST_CFLAGS)

cloud_tests = \
	tests/cloud/client.test \
	tests/cloud/check.test \
	tests/cloud/grace.test \
	tests/cloud/session_cloud.test \
	tests/cloud/warm.test \
	tests/cloud/program.test \
	tests/cloud/trial.test
TESTS += $(cloud_tests)
EXTRA_DIST += $(cloud_tests) \
	tests/cloud/standin.py \
	tests/cloud/mkcerts.sh \
	tests/cloud/cloudlib.sh \
	tests/cloud/README.md

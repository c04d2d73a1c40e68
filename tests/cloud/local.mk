# SPDX-License-Identifier: BSD-3-Clause
# tests/cloud: the Prefect Cloud stand-in (standin.py, certificates from
# mkcerts.sh) and the tests of the Cloud client, the cache and the check,
# driven through cloudprobe; session_*.test run them through the real libpam.
check_PROGRAMS += tests/cloud/cloudprobe
tests_cloud_cloudprobe_SOURCES = tests/cloud/cloudprobe.c
tests_cloud_cloudprobe_CPPFLAGS = $(TEST_CPPFLAGS)
tests_cloud_cloudprobe_CFLAGS = $(TEST_CFLAGS)
tests_cloud_cloudprobe_LDADD = lib/libpp.la

cloud_tests = \
	tests/cloud/client.test \
	tests/cloud/check.test \
	tests/cloud/grace.test \
	tests/cloud/session_cloud.test \
	tests/cloud/warm.test \
	tests/cloud/trial.test
TESTS += $(cloud_tests)
EXTRA_DIST += $(cloud_tests) \
	tests/cloud/standin.py \
	tests/cloud/mkcerts.sh \
	tests/cloud/cloudlib.sh \
	tests/cloud/README.md

# SPDX-License-Identifier: BSD-3-Clause
# tests/unit: key entries, the mapping, the decision and the login memo
# (lib/store.c, lib/mapping.c, lib/resolve.c, lib/nsslookup.c, lib/decide.c,
# lib/memo.c).
# test_mapping runs through test_mapping.test, which preloads nss_wrapper
# with the users and groups in tests/unit/data.
check_PROGRAMS += tests/unit/test_store tests/unit/test_mapping tests/unit/test_decide \
	tests/unit/test_memo
TESTS += tests/unit/test_store tests/unit/test_mapping.test tests/unit/test_decide.test \
	tests/unit/test_memo
EXTRA_DIST += tests/unit/test_mapping.test tests/unit/test_decide.test tests/unit/with-nss.sh \
	tests/unit/data/passwd tests/unit/data/group

tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_store_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_store_LDADD = $(TEST_LIBS)

tests_unit_test_mapping_SOURCES = tests/unit/test_mapping.c
tests_unit_test_mapping_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_mapping_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_mapping_LDADD = $(TEST_LIBS)

# test_decide: the decision (lib/decide.c) for each outcome and scope reason,
# the outcome table, and that the man pages name every outcome and setting.
tests_unit_test_decide_SOURCES = tests/unit/test_decide.c
tests_unit_test_decide_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_decide_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_decide_LDADD = $(TEST_LIBS)

# test_memo: the login memo's data (pp_memo_pack, pp_memo_parse) and the
# settings image it carries (pp_config_from_image); nothing under PP_RUNDIR.
tests_unit_test_memo_SOURCES = tests/unit/test_memo.c
tests_unit_test_memo_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_memo_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_memo_LDADD = $(TEST_LIBS)

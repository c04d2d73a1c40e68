# tests/unit: key entries, the mapping and the decision (lib/store.c,
# lib/mapping.c, lib/decide.c).
# test_mapping runs through test_mapping.test, which preloads nss_wrapper
# with the users and groups in tests/unit/data.
check_PROGRAMS += tests/unit/test_store tests/unit/test_mapping tests/unit/test_decide
TESTS += tests/unit/test_store tests/unit/test_mapping.test tests/unit/test_decide.test
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

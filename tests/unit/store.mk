# tests/unit: key entries and the mapping (lib/store.c, lib/mapping.c).
# test_mapping runs through test_mapping.test, which preloads nss_wrapper
# with the users and groups in tests/unit/data.
check_PROGRAMS += tests/unit/test_store tests/unit/test_mapping
TESTS += tests/unit/test_store tests/unit/test_mapping.test
EXTRA_DIST += tests/unit/test_mapping.test tests/unit/data/passwd tests/unit/data/group

tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_store_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_store_LDADD = $(TEST_LIBS)

tests_unit_test_mapping_SOURCES = tests/unit/test_mapping.c
tests_unit_test_mapping_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_mapping_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_mapping_LDADD = $(TEST_LIBS)

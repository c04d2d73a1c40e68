# SPDX-License-Identifier: BSD-3-Clause
# tests/unit: cmocka tests of the core basics (secret, log, names, timefmt,
# safefile, config, pack) and the judge (lib/judge.c: tables of facts). They
# link lib/libpp.la, the very objects the module and prefect-keys use. test_safefile and test_config need root (they skip
# with 77 otherwise).
core_unit_tests = \
	tests/unit/test_secret \
	tests/unit/test_log \
	tests/unit/test_names \
	tests/unit/test_timefmt \
	tests/unit/test_safefile \
	tests/unit/test_config \
	tests/unit/test_lcfg_loader \
	tests/unit/test_pack \
	tests/unit/test_judge
check_PROGRAMS += $(core_unit_tests)
TESTS += $(core_unit_tests)

tests_unit_test_secret_SOURCES = tests/unit/test_secret.c
tests_unit_test_secret_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_secret_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_secret_LDADD = $(TEST_LIBS)

tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_log_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_log_LDADD = $(TEST_LIBS)

tests_unit_test_names_SOURCES = tests/unit/test_names.c
tests_unit_test_names_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_names_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_names_LDADD = $(TEST_LIBS)

tests_unit_test_timefmt_SOURCES = tests/unit/test_timefmt.c
tests_unit_test_timefmt_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_timefmt_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_timefmt_LDADD = $(TEST_LIBS)

tests_unit_test_safefile_SOURCES = tests/unit/test_safefile.c
tests_unit_test_safefile_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_safefile_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_safefile_LDADD = $(TEST_LIBS)

tests_unit_test_pack_SOURCES = tests/unit/test_pack.c
tests_unit_test_pack_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_pack_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_pack_LDADD = $(TEST_LIBS)

tests_unit_test_judge_SOURCES = tests/unit/test_judge.c
tests_unit_test_judge_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_judge_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_judge_LDADD = $(TEST_LIBS)

tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CPPFLAGS = $(TEST_CPPFLAGS) \
	-DPP_SHIPPED_CONF='"$(abs_top_builddir)/conf/pam_prefect.conf"'
tests_unit_test_config_DEPENDENCIES = lib/libpp.la tests/lib/libtestroot.la conf/pam_prefect.conf
tests_unit_test_config_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_config_LDADD = $(TEST_LIBS)

# test_lcfg_loader: libconfig cannot be loaded. Its own copy of
# lib/lcfg_loader.c opens a file that does not exist (PP_LIBCONFIG_OPEN is
# defined for this program only; the module's copy opens
# PP_LIBCONFIG_SONAME and reads no environment), so libpp.la's copy is not
# linked in. No libconfig is linked either: nothing may call it.
tests_unit_test_lcfg_loader_SOURCES = tests/unit/test_lcfg_loader.c lib/lcfg_loader.c
tests_unit_test_lcfg_loader_CPPFLAGS = $(TEST_CPPFLAGS) \
	-DPP_LIBCONFIG_OPEN='"/nonexistent/pam_prefect-test/libconfig.so.9"'
tests_unit_test_lcfg_loader_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_lcfg_loader_LDADD = $(TEST_LIBS)

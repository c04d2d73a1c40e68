/* SPDX-License-Identifier: BSD-3-Clause */
/* test_names.c: entry names, account names and Cloud ids. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "names.h"

static void test_entry_names(void **state)
{
    char name[PP_ENTRY_NAME_MAX + 2];

    (void)state;
    assert_true(pp_entry_name_valid("alice"));
    assert_true(pp_entry_name_valid("svc-batch_01.prod"));
    assert_true(pp_entry_name_valid("A"));
    assert_true(pp_entry_name_valid("..."));
    assert_true(pp_entry_name_valid(".hidden"));

    assert_false(pp_entry_name_valid(NULL));
    assert_false(pp_entry_name_valid(""));
    assert_false(pp_entry_name_valid("."));
    assert_false(pp_entry_name_valid(".."));
    assert_false(pp_entry_name_valid("a/b"));
    assert_false(pp_entry_name_valid("/"));
    assert_false(pp_entry_name_valid("../etc"));
    assert_false(pp_entry_name_valid("two words"));
    assert_false(pp_entry_name_valid("tab\there"));
    assert_false(pp_entry_name_valid("new\nline"));
    assert_false(pp_entry_name_valid("a:b"));
    assert_false(pp_entry_name_valid("caf\xc3\xa9"));
    assert_false(pp_entry_name_valid("x*"));

    memset(name, 'e', PP_ENTRY_NAME_MAX);
    name[PP_ENTRY_NAME_MAX] = '\0';
    assert_true(pp_entry_name_valid(name));            /* 64 */
    name[PP_ENTRY_NAME_MAX] = 'e';
    name[PP_ENTRY_NAME_MAX + 1] = '\0';
    assert_false(pp_entry_name_valid(name));           /* 65 */
}

static void test_account_names(void **state)
{
    char name[PP_ACCOUNT_NAME_MAX + 2];

    (void)state;
    assert_true(pp_account_name_valid("alice"));
    assert_true(pp_account_name_valid("prefect-users"));
    assert_true(pp_account_name_valid("DOMAIN\\user"));
    assert_true(pp_account_name_valid("user@example.com"));
    assert_true(pp_account_name_valid("machine$"));
    assert_true(pp_account_name_valid("..."));

    assert_false(pp_account_name_valid(NULL));
    assert_false(pp_account_name_valid(""));
    assert_false(pp_account_name_valid("."));
    assert_false(pp_account_name_valid(".."));
    assert_false(pp_account_name_valid("/"));
    assert_false(pp_account_name_valid("a/b"));
    assert_false(pp_account_name_valid("a:b"));
    assert_false(pp_account_name_valid("two words"));
    assert_false(pp_account_name_valid(" lead"));
    assert_false(pp_account_name_valid("tab\t"));
    assert_false(pp_account_name_valid("new\nline"));
    assert_false(pp_account_name_valid("bell\a"));
    assert_false(pp_account_name_valid("del\x7f"));
    assert_false(pp_account_name_valid("caf\xc3\xa9"));

    memset(name, 'u', PP_ACCOUNT_NAME_MAX);
    name[PP_ACCOUNT_NAME_MAX] = '\0';
    assert_true(pp_account_name_valid(name));          /* 256 */
    name[PP_ACCOUNT_NAME_MAX] = 'u';
    name[PP_ACCOUNT_NAME_MAX + 1] = '\0';
    assert_false(pp_account_name_valid(name));         /* 257 */
}

static void test_uuids(void **state)
{
    (void)state;
    assert_true(pp_uuid_valid("0a1b2c3d-4e5f-6789-abcd-ef0123456789"));
    assert_true(pp_uuid_valid("00000000-0000-0000-0000-000000000000"));

    assert_false(pp_uuid_valid(NULL));
    assert_false(pp_uuid_valid(""));
    assert_false(pp_uuid_valid("0A1B2C3D-4E5F-6789-ABCD-EF0123456789"));  /* uppercase */
    assert_false(pp_uuid_valid("0a1b2c3d-4e5f-6789-abcd-ef012345678"));   /* short */
    assert_false(pp_uuid_valid("0a1b2c3d-4e5f-6789-abcd-ef01234567890")); /* long */
    assert_false(pp_uuid_valid("0a1b2c3d4e5f-6789-abcd-ef0123456789-"));  /* dash moved */
    assert_false(pp_uuid_valid("0a1b2c3d-4e5f-6789-abcd_ef0123456789"));
    assert_false(pp_uuid_valid("0a1b2c3g-4e5f-6789-abcd-ef0123456789"));  /* 'g' */
    assert_false(pp_uuid_valid("{a1b2c3d-4e5f-6789-abcd-ef0123456789"));
    assert_false(pp_uuid_valid("0a1b2c3d-4e5f-6789-abcd-ef012345678\n"));
    assert_false(pp_uuid_valid("0a1b2c3d0a4e5f06789-abcd-ef01234567"));
}

static void test_key_and_text_rules(void **state)
{
    (void)state;
    assert_null(pp_key_problem("pnu_abc123"));
    assert_null(pp_key_problem("anything!printable~"));
    assert_string_equal(pp_key_problem(""), "the key is empty");
    assert_non_null(strstr(pp_key_problem("pnu_a b"), "space"));
    assert_non_null(strstr(pp_key_problem("pnu_a\tb"), "space"));
    assert_non_null(strstr(pp_key_problem("pnu_a\nb"), "control"));
    assert_non_null(strstr(pp_key_problem("pnu_\xc3\xa9"), "printable ASCII"));
    assert_true(pp_text_valid("caf\xc3\xa9, \"main\""));
    assert_false(pp_text_valid("two\nlines"));
    assert_false(pp_text_valid("del\x7f"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_names),
        cmocka_unit_test(test_account_names),
        cmocka_unit_test(test_uuids),
        cmocka_unit_test(test_key_and_text_rules),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

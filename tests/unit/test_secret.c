/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_secret.c: fingerprints (known SHA-256 vectors: the same digest and
 * hex encoding whatever library computes it, so records and marks written
 * by earlier versions still match) and wiping.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keymark.h"
#include "secret.h"

static void test_fingerprint_vectors(void **state)
{
    char fp[PP_FP_SIZE];

    (void)state;
    /* FIPS 180-2 test vectors: SHA-256("abc"), SHA-256(""). */
    assert_int_equal(pp_fingerprint("abc", fp), 0);
    assert_string_equal(fp, "ba7816bf8f01cfea");
    assert_int_equal(pp_fingerprint("", fp), 0);
    assert_string_equal(fp, "e3b0c44298fc1c14");
    assert_int_equal(pp_fingerprint("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", fp), 0);
    assert_string_equal(fp, "248d6a61d20638b8");
    assert_int_equal(strlen(fp), PP_FP_HEX);
}

static void test_fingerprint_long(void **state)
{
    char fp[PP_FP_SIZE];
    char *million;

    (void)state;
    /* FIPS 180-2: the 896-bit message (two blocks) and a million "a"s. */
    assert_int_equal(pp_fingerprint("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                                    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", fp), 0);
    assert_string_equal(fp, "cf5b16a778af8380");
    million = malloc(1000001);
    assert_non_null(million);
    memset(million, 'a', 1000000);
    million[1000000] = '\0';
    assert_int_equal(pp_fingerprint(million, fp), 0);
    assert_string_equal(fp, "cdc76e5c9914fb92");
    free(million);
}

static void test_fingerprint_differs(void **state)
{
    char a[PP_FP_SIZE], b[PP_FP_SIZE];

    (void)state;
    assert_int_equal(pp_fingerprint("pnu_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", a), 0);
    assert_int_equal(pp_fingerprint("pnu_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", b), 0);
    assert_string_not_equal(a, b);
    /* The fingerprint shows nothing of the key. */
    assert_null(strstr(a, "pnu_"));
}

static void test_fingerprint_null(void **state)
{
    char fp[PP_FP_SIZE];

    (void)state;
    assert_int_equal(pp_fingerprint(NULL, fp), -1);
    assert_string_equal(fp, "unknown");
}

static void test_wipe(void **state)
{
    char buf[32];
    const char zero[32] = { 0 };

    (void)state;
    memset(buf, 'k', sizeof(buf));
    pp_wipe(buf, 16);
    assert_memory_equal(buf, zero, 16);
    assert_int_equal(buf[16], 'k');
    pp_wipe(buf, sizeof(buf));
    assert_memory_equal(buf, zero, sizeof(buf));
    pp_wipe(NULL, 10);      /* must not crash */
    pp_wipe(buf, 0);
}

static void test_strdup_and_free(void **state)
{
    char *copy;
    char *buf;

    (void)state;
    copy = pp_strdup_secret("pnb_secretsecret");
    assert_non_null(copy);
    assert_string_equal(copy, "pnb_secretsecret");
    pp_free_secret(copy);
    assert_null(pp_strdup_secret(NULL));
    pp_free_secret(NULL);

    buf = malloc(8);
    assert_non_null(buf);
    memcpy(buf, "1234567", 8);
    pp_free_buf(buf, 8);
    pp_free_buf(NULL, 8);
}

/* keymark.h: pam_prefect's key is recognised by its mark, nothing else is. */
static void test_keymark(void **state)
{
    (void)state;
    /* "abc": the FIPS vector above. */
    assert_true(pp_keymark_matches("abc", "ba7816bf8f01cfea"));
    /* A key set by hand after the login: another fingerprint. */
    assert_false(pp_keymark_matches("abd", "ba7816bf8f01cfea"));
    /* Not a fingerprint: uppercase, short, long, trailing text, empty. */
    assert_false(pp_keymark_matches("abc", "BA7816BF8F01CFEA"));
    assert_false(pp_keymark_matches("abc", "ba7816bf8f01cfe"));
    assert_false(pp_keymark_matches("abc", "ba7816bf8f01cfeab"));
    assert_false(pp_keymark_matches("abc", "ba7816bf8f01cfea "));
    assert_false(pp_keymark_matches("abc", ""));
    /* No key, an empty key, no mark. */
    assert_false(pp_keymark_matches(NULL, "ba7816bf8f01cfea"));
    assert_false(pp_keymark_matches("", "e3b0c44298fc1c14"));
    assert_false(pp_keymark_matches("abc", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fingerprint_vectors),
        cmocka_unit_test(test_fingerprint_long),
        cmocka_unit_test(test_fingerprint_differs),
        cmocka_unit_test(test_fingerprint_null),
        cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_strdup_and_free),
        cmocka_unit_test(test_keymark),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

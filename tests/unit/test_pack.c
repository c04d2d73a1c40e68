/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pack.c: pack.h's promises. Values come back as they were put (and
 * in the documented layout); the reader never reads past its buffer (each
 * prefix of a valid buffer is read from a heap copy of exactly that size,
 * so valgrind and ASan see any over-read) and once bad stays bad; strings
 * with a NUL inside or without their final NUL, booleans other than 0 or
 * 1 and strings too long for pp_unpack_strcpy make it bad; the writer
 * stops at its cap and pp_packer_free leaves the struct zeroed.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pack.h"

#define LONG_LEN 5000

static const unsigned char nuls[] = { 'a', 0, 'b', 0, 0, 'c', 0 };

static void assert_packer_zeroed(const struct pp_packer *w)
{
    struct pp_packer zero;

    memset(&zero, 0, sizeof(zero));
    assert_memory_equal(w, &zero, sizeof(zero));
}

static char *long_string(void)
{
    char *s = malloc(LONG_LEN + 1);

    assert_non_null(s);
    for (size_t i = 0; i < LONG_LEN; i++)
        s[i] = (char)('a' + i % 26);
    s[LONG_LEN] = '\0';
    return s;
}

/* One of each kind of value, in an order the readers below repeat. */
static void pack_sample(struct pp_packer *w, const char *longs)
{
    pp_pack_u8(w, 0);
    pp_pack_u8(w, 1);
    pp_pack_u8(w, 255);
    pp_pack_i64(w, 0);
    pp_pack_i64(w, -1);
    pp_pack_i64(w, INT64_MIN);
    pp_pack_i64(w, INT64_MAX);
    pp_pack_i64(w, -1234567890123LL);
    pp_pack_str(w, "");
    pp_pack_str(w, NULL);
    pp_pack_str(w, "hello");
    pp_pack_str(w, longs);
    pp_pack_bytes(w, nuls, sizeof(nuls));
    pp_pack_bytes(w, "", 0);
    pp_pack_u8(w, 1);       /* read back as a boolean */
}

static void test_round_trip(void **state)
{
    char *longs = long_string();
    struct pp_packer w;
    struct pp_unpacker r;
    const char *s;
    const void *b;
    bool isnull;
    size_t n;

    (void)state;
    pp_packer_init(&w, 1024 * 1024);
    pack_sample(&w, longs);
    assert_false(w.overflow);
    assert_true(w.len <= w.cap && w.cap <= w.max);

    pp_unpacker_init(&r, w.buf, w.len);
    assert_int_equal(pp_unpack_u8(&r), 0);
    assert_int_equal(pp_unpack_u8(&r), 1);
    assert_int_equal(pp_unpack_u8(&r), 255);
    assert_true(pp_unpack_i64(&r) == 0);
    assert_true(pp_unpack_i64(&r) == -1);
    assert_true(pp_unpack_i64(&r) == INT64_MIN);
    assert_true(pp_unpack_i64(&r) == INT64_MAX);
    assert_true(pp_unpack_i64(&r) == -1234567890123LL);
    isnull = true;
    s = pp_unpack_str(&r, &isnull);
    assert_non_null(s);
    assert_false(isnull);
    assert_string_equal(s, "");
    s = pp_unpack_str(&r, &isnull);
    assert_null(s);
    assert_true(isnull);
    s = pp_unpack_str(&r, &isnull);
    assert_false(isnull);
    assert_string_equal(s, "hello");
    /* Strings are returned inside the buffer, not copied. */
    assert_true((const unsigned char *)s > w.buf && (const unsigned char *)s < w.buf + w.len);
    s = pp_unpack_str(&r, &isnull);
    assert_false(isnull);
    assert_non_null(s);
    assert_int_equal(strlen(s), LONG_LEN);
    assert_string_equal(s, longs);
    b = pp_unpack_bytes(&r, &n);
    assert_non_null(b);
    assert_int_equal(n, sizeof(nuls));
    assert_memory_equal(b, nuls, sizeof(nuls));
    n = 99;
    b = pp_unpack_bytes(&r, &n);
    assert_non_null(b);
    assert_int_equal(n, 0);
    assert_false(pp_unpack_done(&r));   /* one value left */
    assert_true(pp_unpack_bool(&r));
    assert_true(pp_unpack_done(&r));
    /* Nothing left: a further get makes the reader bad. */
    assert_int_equal(pp_unpack_u8(&r), 0);
    assert_false(pp_unpack_done(&r));

    pp_packer_free(&w);
    assert_packer_zeroed(&w);
    pp_packer_free(&w);     /* twice is harmless */
    free(longs);
}

/* The layout pack.h describes: little-endian, four-byte lengths, a NUL after strings. */
static void test_layout(void **state)
{
    static const unsigned char want[] = {
        0x7f,
        0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
        0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0x02, 0x00, 0x00, 0x00, 'a', 'b', 0x00,
        0xff, 0xff, 0xff, 0xff,
        0x03, 0x00, 0x00, 0x00, 'x', 0x00, 'y',
    };
    struct pp_packer w;

    (void)state;
    pp_packer_init(&w, 100);
    pp_pack_u8(&w, 0x7f);
    pp_pack_i64(&w, 0x0102030405060708LL);
    pp_pack_i64(&w, -2);
    pp_pack_str(&w, "ab");
    pp_pack_str(&w, NULL);
    pp_pack_bytes(&w, "x\0y", 3);
    assert_false(w.overflow);
    assert_int_equal(w.len, sizeof(want));
    assert_memory_equal(w.buf, want, sizeof(want));
    pp_packer_free(&w);
}

/*
 * Read the sample back from r. Returns how many values were right; after
 * the first wrong one, every later get must give 0 or NULL (checked here).
 */
static int read_sample(struct pp_unpacker *r, const char *longs)
{
    int good = 0;
    bool broken = false, isnull;
    const char *s;
    const void *b;
    size_t n;

/* One value: right, or (from the first wrong one on) 0 / NULL with r bad. */
#define STEP(ok, zero)                                  \
    do {                                                \
        bool ok_ = (ok);                                \
        if (!broken && ok_ && !r->bad) {                \
            good++;                                     \
        } else {                                        \
            broken = true;                              \
            assert_true(r->bad);                        \
            assert_true(zero);                          \
        }                                               \
    } while (0)

    {
        unsigned u = pp_unpack_u8(r);
        STEP(u == 0, u == 0);
        u = pp_unpack_u8(r);
        STEP(u == 1, u == 0);
        u = pp_unpack_u8(r);
        STEP(u == 255, u == 0);
    }
    {
        static const int64_t want[] = { 0, -1, INT64_MIN, INT64_MAX, -1234567890123LL };

        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
            int64_t v = pp_unpack_i64(r);
            STEP(v == want[i], v == 0);
        }
    }
    s = pp_unpack_str(r, &isnull);
    STEP(s != NULL && strcmp(s, "") == 0, s == NULL && !isnull);
    s = pp_unpack_str(r, &isnull);
    STEP(s == NULL && isnull, s == NULL && !isnull);
    s = pp_unpack_str(r, &isnull);
    STEP(s != NULL && strcmp(s, "hello") == 0, s == NULL && !isnull);
    s = pp_unpack_str(r, &isnull);
    STEP(s != NULL && strcmp(s, longs) == 0, s == NULL && !isnull);
    b = pp_unpack_bytes(r, &n);
    STEP(b != NULL && n == sizeof(nuls) && memcmp(b, nuls, n) == 0, b == NULL && n == 0);
    b = pp_unpack_bytes(r, &n);
    STEP(b != NULL && n == 0, b == NULL && n == 0);
    {
        bool v = pp_unpack_bool(r);
        STEP(v, !v);
    }
#undef STEP
    return good;
}

static void test_every_prefix(void **state)
{
    char *longs = long_string();
    struct pp_packer w;
    struct pp_unpacker r;
    int all;

    (void)state;
    pp_packer_init(&w, 1024 * 1024);
    pack_sample(&w, longs);
    assert_false(w.overflow);
    pp_unpacker_init(&r, w.buf, w.len);
    all = read_sample(&r, longs);
    assert_true(pp_unpack_done(&r));
    assert_int_equal(all, 15);

    for (size_t len = 0; len < w.len; len++) {
        /* A copy of exactly len bytes: an over-read is a heap error. */
        unsigned char *copy = malloc(len > 0 ? len : 1);
        int good;

        assert_non_null(copy);
        memcpy(copy, w.buf, len);
        pp_unpacker_init(&r, copy, len);
        good = read_sample(&r, longs);
        if (good >= all || pp_unpack_done(&r) || !r.bad)
            fail_msg("a prefix of %zu of %zu bytes was read as whole", len, w.len);
        /* Still bad, and 0 / NULL, from then on. */
        assert_int_equal(pp_unpack_u8(&r), 0);
        assert_false(pp_unpack_done(&r));
        free(copy);
    }
    pp_packer_free(&w);
    free(longs);
}

/* A string's four-byte length, then raw bytes. */
static void raw_str(struct pp_packer *w, uint32_t len, const void *bytes, size_t n)
{
    unsigned char b[4] = { (unsigned char)len, (unsigned char)(len >> 8),
                           (unsigned char)(len >> 16), (unsigned char)(len >> 24) };

    /* pp_pack_bytes would write its own length: put the parts as u8s. */
    for (size_t i = 0; i < 4; i++)
        pp_pack_u8(w, b[i]);
    for (size_t i = 0; i < n; i++)
        pp_pack_u8(w, ((const unsigned char *)bytes)[i]);
}

/* Read one string from w's buffer, which must make the reader bad. */
static void expect_bad_str(struct pp_packer *w)
{
    struct pp_unpacker r;
    bool isnull = true;

    assert_false(w->overflow);
    pp_unpacker_init(&r, w->buf, w->len);
    assert_null(pp_unpack_str(&r, &isnull));
    assert_false(isnull);
    assert_true(r.bad);
    assert_false(pp_unpack_done(&r));
    /* Later gets give nothing, even where bytes remain. */
    assert_int_equal(pp_unpack_u8(&r), 0);
    pp_packer_free(w);
}

/* pp_unpack_strcpy into an out already holding other text: r->bad and out as expected. */
static void expect_strcpy(struct pp_unpacker *r, char *out, size_t outlen, bool bad,
                          const char *want)
{
    memset(out, 'z', outlen - 1);
    out[outlen - 1] = '\0';
    pp_unpack_strcpy(r, out, outlen);
    assert_int_equal(r->bad, bad);
    assert_string_equal(out, want);
}

static void test_bad_strings(void **state)
{
    struct pp_packer w;
    struct pp_unpacker r;
    bool isnull;
    char out[8];

    (void)state;
    /* A NUL inside. */
    pp_packer_init(&w, 100);
    raw_str(&w, 3, "a\0b", 4);
    pp_pack_u8(&w, 7);
    expect_bad_str(&w);
    /* No final NUL. */
    pp_packer_init(&w, 100);
    raw_str(&w, 2, "abc", 3);
    pp_pack_u8(&w, 7);
    expect_bad_str(&w);
    /* A length past the end. */
    pp_packer_init(&w, 100);
    raw_str(&w, 50, "abc", 4);
    expect_bad_str(&w);
    /* A length past the end that would wrap around if added carelessly. */
    pp_packer_init(&w, 100);
    raw_str(&w, 0xfffffffeu, "abc", 4);
    expect_bad_str(&w);

    /* The same through pp_unpack_strcpy: out is "". */
    pp_packer_init(&w, 100);
    raw_str(&w, 3, "a\0b", 4);
    pp_unpacker_init(&r, w.buf, w.len);
    expect_strcpy(&r, out, sizeof(out), true, "");
    pp_packer_free(&w);

    /* Bytes whose length runs past the end. */
    pp_packer_init(&w, 100);
    raw_str(&w, 5, "abcd", 4);
    pp_unpacker_init(&r, w.buf, w.len);
    {
        size_t n = 99;

        assert_null(pp_unpack_bytes(&r, &n));
        assert_int_equal(n, 0);
    }
    assert_true(r.bad);
    pp_packer_free(&w);

    /* A truncated length. */
    pp_packer_init(&w, 100);
    pp_pack_u8(&w, 1);
    pp_pack_u8(&w, 0);
    pp_unpacker_init(&r, w.buf, w.len);
    assert_null(pp_unpack_str(&r, &isnull));
    assert_true(r.bad);
    pp_packer_free(&w);
}

static void test_bool(void **state)
{
    struct pp_packer w;
    struct pp_unpacker r;

    (void)state;
    pp_packer_init(&w, 100);
    pp_pack_u8(&w, 0);
    pp_pack_u8(&w, 1);
    pp_pack_u8(&w, 2);
    pp_pack_u8(&w, 1);
    pp_unpacker_init(&r, w.buf, w.len);
    assert_false(pp_unpack_bool(&r));
    assert_false(r.bad);
    assert_true(pp_unpack_bool(&r));
    assert_false(r.bad);
    assert_false(pp_unpack_bool(&r));
    assert_true(r.bad);
    /* The 1 after it is not read as true. */
    assert_false(pp_unpack_bool(&r));
    assert_false(pp_unpack_done(&r));
    pp_packer_free(&w);

    for (unsigned v = 2; v <= 255; v++) {
        unsigned char b = (unsigned char)v;

        pp_unpacker_init(&r, &b, 1);
        assert_false(pp_unpack_bool(&r));
        if (!r.bad)
            fail_msg("the boolean byte %u was accepted", v);
    }
}

static void test_strcpy(void **state)
{
    struct pp_packer w;
    struct pp_unpacker r;
    char out[4];

    (void)state;
    pp_packer_init(&w, 100);
    pp_pack_str(&w, "abc");         /* fits with its NUL */
    pp_pack_str(&w, "");
    pp_pack_str(&w, "abcd");        /* one too many */
    pp_pack_str(&w, "x");
    pp_unpacker_init(&r, w.buf, w.len);
    expect_strcpy(&r, out, sizeof(out), false, "abc");
    expect_strcpy(&r, out, sizeof(out), false, "");
    expect_strcpy(&r, out, sizeof(out), true, "");     /* "abcd" does not fit */
    expect_strcpy(&r, out, sizeof(out), true, "");     /* nothing after a bad one */
    pp_packer_free(&w);

    /* A packed NULL is not a string to copy. */
    pp_packer_init(&w, 100);
    pp_pack_str(&w, NULL);
    pp_unpacker_init(&r, w.buf, w.len);
    expect_strcpy(&r, out, sizeof(out), true, "");
    pp_packer_free(&w);
}

static void test_cap(void **state)
{
    char *longs = long_string();
    struct pp_packer w;
    struct pp_unpacker r;

    (void)state;
    /* Exactly max fits. */
    pp_packer_init(&w, 9);
    pp_pack_i64(&w, 42);
    pp_pack_u8(&w, 1);
    assert_false(w.overflow);
    assert_int_equal(w.len, 9);
    assert_true(w.cap <= w.max);
    pp_packer_free(&w);
    assert_packer_zeroed(&w);

    /* One more does not; nothing is put after an overflow, even what would fit. */
    pp_packer_init(&w, 10);
    pp_pack_i64(&w, 42);
    pp_pack_i64(&w, 43);
    assert_true(w.overflow);
    assert_int_equal(w.len, 8);
    pp_pack_u8(&w, 1);
    assert_true(w.overflow);
    assert_int_equal(w.len, 8);
    assert_true(w.cap <= w.max);
    /* What was put before is intact. */
    pp_unpacker_init(&r, w.buf, w.len);
    assert_true(pp_unpack_i64(&r) == 42);
    assert_true(pp_unpack_done(&r));
    pp_packer_free(&w);
    assert_packer_zeroed(&w);

    /* Growing past the first allocation, up to a cap that is not a power of two. */
    pp_packer_init(&w, 3 * LONG_LEN);
    for (int i = 0; i < 5; i++) {
        pp_pack_str(&w, longs);
        assert_true(w.len <= w.max);
        assert_true(w.cap <= w.max);
    }
    assert_true(w.overflow);
    /* Two strings fit (the third's length may have been put: overflow says not to use it). */
    assert_true(w.len >= 2 * (4 + LONG_LEN + 1) && w.len < 3 * (4 + LONG_LEN + 1));
    pp_unpacker_init(&r, w.buf, 2 * (4 + LONG_LEN + 1));
    assert_string_equal(pp_unpack_str(&r, &(bool){ false }), longs);
    assert_string_equal(pp_unpack_str(&r, &(bool){ false }), longs);
    assert_true(pp_unpack_done(&r));
    pp_packer_free(&w);
    assert_packer_zeroed(&w);

    /* No bytes from nowhere, before anything was allocated (UBSan checks the memcpy). */
    pp_packer_init(&w, 100);
    pp_pack_bytes(&w, NULL, 0);
    assert_false(w.overflow);
    assert_int_equal(w.len, 4);
    pp_unpacker_init(&r, w.buf, w.len);
    {
        size_t n = 99;

        assert_non_null(pp_unpack_bytes(&r, &n));
        assert_int_equal(n, 0);
    }
    assert_true(pp_unpack_done(&r));
    pp_packer_free(&w);

    /* Nothing at all fits. */
    pp_packer_init(&w, 0);
    pp_pack_u8(&w, 1);
    assert_true(w.overflow);
    assert_int_equal(w.len, 0);
    assert_null(w.buf);
    pp_packer_free(&w);
    assert_packer_zeroed(&w);
    free(longs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_bad_strings),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_strcpy),
        cmocka_unit_test(test_cap),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

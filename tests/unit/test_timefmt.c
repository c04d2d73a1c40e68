/* SPDX-License-Identifier: BSD-3-Clause */
/* test_timefmt.c: RFC 3339 parsing (every accepted and refused form) and formatting. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "timefmt.h"

#define T2026 ((time_t)1767225600)   /* 2026-01-01T00:00:00Z */

static time_t parse_ok(const char *s)
{
    time_t t = 12345;

    if (pp_time_parse(s, &t) != 0)
        fail_msg("\"%s\" was refused", s);
    return t;
}

static void test_utc(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2026-01-01T00:00:00Z"), T2026);
    assert_int_equal(parse_ok("2026-01-01t00:00:00z"), T2026);
    assert_int_equal(parse_ok("2026-01-01 00:00:00Z"), T2026);
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1);
    assert_int_equal(parse_ok("2024-02-29T12:34:56Z"), 1709210096);
    assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), 951782400);
    assert_int_equal(parse_ok("9999-12-31T23:59:59Z"), (time_t)253402300799LL);
    /* A leap second is a valid RFC 3339 time: the next second. */
    assert_int_equal(parse_ok("2016-12-31T23:59:60Z"), 1483228800);
}

static void test_offsets(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2026-01-01T01:30:00+01:30"), T2026);
    assert_int_equal(parse_ok("2025-12-31T20:00:00-04:00"), T2026);
    assert_int_equal(parse_ok("2026-01-01T00:00:00+00:00"), T2026);
    assert_int_equal(parse_ok("2026-01-01T00:00:00-00:00"), T2026);
    assert_int_equal(parse_ok("2026-01-01T23:59:00+23:59"), T2026);
    assert_int_equal(parse_ok("2025-12-31T00:01:00-23:59"), T2026);
}

static void test_fractions(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2026-01-01T00:00:00.5Z"), T2026);
    assert_int_equal(parse_ok("2026-01-01T00:00:00.000Z"), T2026);
    assert_int_equal(parse_ok("2026-01-01T00:00:00.999999Z"), T2026);
    assert_int_equal(parse_ok("2026-01-01T00:00:00.123456789012345678901234567890Z"), T2026);
    assert_int_equal(parse_ok("2026-01-01T01:00:00.25+01:00"), T2026);
}

static void test_date_only(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2026-01-01"), T2026);
    assert_int_equal(parse_ok("2024-02-29"), 1709164800);
}

static void test_invalid(void **state)
{
    static const char *const bad[] = {
        "",
        "2026",
        "2026-01",
        "2026-1-01",
        "2026-01-1",
        "26-01-01",
        "2026/01/01",
        "2026-01-01x",
        "2026-01-01T",
        "2026-01-01 ",
        " 2026-01-01",
        "+2026-01-01",
        "2026-00-10",
        "2026-13-01",
        "2026-01-00",
        "2026-01-32",
        "2026-02-29",               /* not a leap year */
        /* Instants outside 0000..9999 in UTC, which no file could hold
         * (found by fuzz/fuzz_time: they came back a second or hours off). */
        "9999-12-31T23:59:60Z",
        "9999-12-31T23:00:00-05:00",
        "0000-01-01T00:00:00+00:01",
        "2026-02-30",
        "2100-02-29",               /* century, not a leap year */
        "2026-04-31",
        "2026-01-01T24:00:00Z",
        "2026-01-01T23:60:00Z",
        "2026-01-01T23:59:61Z",
        "2026-01-01T00:00:00",      /* no zone */
        "2026-01-01T00:00Z",        /* no seconds */
        "2026-01-01T0:00:00Z",
        "2026-01-01T00:0:00Z",
        "2026-01-01T00:00:0Z",
        "2026-01-01T00-00-00Z",
        "2026-01-01X00:00:00Z",
        "2026-01-01T00:00:00.Z",    /* empty fraction */
        "2026-01-01T00:00:00,5Z",
        "2026-01-01T00:00:00ZZ",
        "2026-01-01T00:00:00Z ",
        "2026-01-01T00:00:00UTC",
        "2026-01-01T00:00:00+0100",
        "2026-01-01T00:00:00+01",
        "2026-01-01T00:00:00+1:00",
        "2026-01-01T00:00:00+01:0",
        "2026-01-01T00:00:00+01:00:00",
        "2026-01-01T00:00:00+24:00",
        "2026-01-01T00:00:00+01:60",
        "2026-01-01T00:00:00 +01:00",
        "2026-01-01T00:00:00+01:00Z",
        "2026-01-01T00:00:00.5",
        "2026-01-01T-1:00:00Z",
        "2026-01-01T00:00:00\nZ",
    };
    time_t t;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t = 777;
        if (pp_time_parse(bad[i], &t) != -1)
            fail_msg("\"%s\" was accepted", bad[i]);
        assert_int_equal(t, 777);   /* untouched */
    }
    assert_int_equal(pp_time_parse(NULL, &t), -1);
}

static void test_format(void **state)
{
    char out[PP_TIME_SIZE];

    (void)state;
    assert_string_equal(pp_time_format(0, out), "1970-01-01T00:00:00Z");
    assert_string_equal(pp_time_format(T2026, out), "2026-01-01T00:00:00Z");
    assert_string_equal(pp_time_format(1709210096, out), "2024-02-29T12:34:56Z");
    assert_string_equal(pp_time_format(-1, out), "1969-12-31T23:59:59Z");
    assert_string_equal(pp_time_format((time_t)-62135596800LL, out), "0001-01-01T00:00:00Z");
    assert_string_equal(pp_time_format((time_t)253402300799LL, out), "9999-12-31T23:59:59Z");
    /* Past year 9999 the format cannot hold it: clamped, never overflowing. */
    assert_string_equal(pp_time_format((time_t)253402300800LL, out), "9999-12-31T23:59:59Z");
    assert_string_equal(pp_time_format((time_t)INT64_MAX, out), "9999-12-31T23:59:59Z");
    assert_string_equal(pp_time_format((time_t)INT64_MIN, out), "0000-01-01T00:00:00Z");
    assert_int_equal(strlen(out), PP_TIME_SIZE - 1);
}

static void test_round_trip(void **state)
{
    static const time_t samples[] = { 0, 1, 86399, 951782400, 1709210096, 1767225600,
                                      2147483647, 4102444800 };
    char out[PP_TIME_SIZE];

    (void)state;
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
        assert_int_equal(parse_ok(pp_time_format(samples[i], out)), samples[i]);
}

/* Every deadline's clock: whole milliseconds since a monotonic start, across a second. */
static void test_ms_since(void **state)
{
    struct timespec start;
    long ms;

    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_in_range(pp_ms_since(&start), 0, 99);
    /* 1.9 s back, with the nanoseconds borrowing across a second. */
    start.tv_sec -= 2;
    start.tv_nsec += 100000000L;
    if (start.tv_nsec >= 1000000000L) {
        start.tv_sec++;
        start.tv_nsec -= 1000000000L;
    }
    ms = pp_ms_since(&start);
    assert_in_range(ms, 1900, 1999);   /* 2000: the nanoseconds ignored */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utc),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_fractions),
        cmocka_unit_test(test_date_only),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_ms_since),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

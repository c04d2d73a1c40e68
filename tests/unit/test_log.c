/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_log.c: the log helpers: user prefix, debug filter, priorities, the
 * default syslog sink (caught here by defining syslog itself), sanitising
 * and truncation; pp_log_safe.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "capture.h"
#include "log.h"

/* ---- the default sink: syslog, caught here ---- */

static struct {
    int calls;
    int priority;
    char fmt[16];
    char line[4096];
} sys;

static void sys_record(int priority, const char *fmt, va_list ap)
{
    sys.calls++;
    sys.priority = priority;
    snprintf(sys.fmt, sizeof(sys.fmt), "%s", fmt);
    vsnprintf(sys.line, sizeof(sys.line), fmt, ap);
}

void syslog(int priority, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sys_record(priority, fmt, ap);
    va_end(ap);
}

void vsyslog(int priority, const char *fmt, va_list ap)
{
    sys_record(priority, fmt, ap);
}

void __syslog_chk(int priority, int flag, const char *fmt, ...);
void __syslog_chk(int priority, int flag, const char *fmt, ...)
{
    va_list ap;

    (void)flag;
    va_start(ap, fmt);
    sys_record(priority, fmt, ap);
    va_end(ap);
}

void __vsyslog_chk(int priority, int flag, const char *fmt, va_list ap);
void __vsyslog_chk(int priority, int flag, const char *fmt, va_list ap)
{
    (void)flag;
    sys_record(priority, fmt, ap);
}

/* ---- tests ---- */

static void test_prefix_and_priorities(void **state)
{
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };

    (void)state;
    pp_error(&log, "plain %d", 1);
    log.user = "alice";
    pp_error(&log, "entry %s", "svc-batch");
    pp_warn(&log, "w");
    pp_notice(&log, "n");
    pp_info(&log, "i");
    pp_log(&log, LOG_CRIT, "c%s", "rit");
    assert_int_equal(c.n, 6);
    assert_string_equal(c.line[0], "plain 1");
    assert_int_equal(c.prio[0], LOG_ERR);
    assert_string_equal(c.line[1], "user=alice entry svc-batch");
    assert_int_equal(c.prio[1], LOG_ERR);
    assert_string_equal(c.line[2], "user=alice w");
    assert_int_equal(c.prio[2], LOG_WARNING);
    assert_int_equal(c.prio[3], LOG_NOTICE);
    assert_int_equal(c.prio[4], LOG_INFO);
    assert_string_equal(c.line[5], "user=alice crit");
    assert_int_equal(c.prio[5], LOG_CRIT);
    pp_capture_reset(&c);
}

static void test_debug_filter(void **state)
{
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, "bob" };

    (void)state;
    pp_debug(&log, "hidden %d", 1);
    pp_log(&log, LOG_DEBUG, "hidden too");
    assert_int_equal(c.n, 0);
    log.debug = true;
    pp_debug(&log, "shown %d", 2);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.line[0], "user=bob shown 2");
    assert_int_equal(c.prio[0], LOG_DEBUG);
    pp_capture_reset(&c);
}

static void test_user_sanitised(void **state)
{
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, "ev\nil user" };

    (void)state;
    pp_error(&log, "x");
    assert_int_equal(c.n, 1);
    assert_string_equal(c.line[0], "user=ev\\x0ail user x");
    pp_capture_reset(&c);
}

static void test_line_sanitised_and_not_a_format(void **state)
{
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };

    (void)state;
    /* An argument full of conversions is printed, never interpreted. */
    pp_error(&log, "path %s", "/etc/%s%n%x\nsecond line\t.");
    assert_int_equal(c.n, 1);
    assert_string_equal(c.line[0], "path /etc/%s%n%x?second line?.");
    pp_capture_reset(&c);
}

static void test_truncation(void **state)
{
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, "carol" };
    char big[5000];
    size_t len;

    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    pp_error(&log, "%s", big);
    assert_int_equal(c.n, 1);
    len = strlen(c.line[0]);
    assert_true(len > 1000 && len < sizeof(big));
    assert_memory_equal(c.line[0], "user=carol aaa", 14);
    assert_string_equal(c.line[0] + len - 4, "a...");
    pp_capture_reset(&c);
}

static void test_default_sink_syslog(void **state)
{
    struct pp_log log = { NULL, NULL, false, "dave" };

    (void)state;
    memset(&sys, 0, sizeof(sys));
    pp_warn(&log, "key %s not exported: %s", "svc", "100% rejected");
    assert_int_equal(sys.calls, 1);
    assert_int_equal(sys.priority, LOG_AUTHPRIV | LOG_WARNING);
    assert_string_equal(sys.fmt, "%s");
    assert_string_equal(sys.line, "user=dave key svc not exported: 100% rejected");

    /* A NULL log goes to syslog too, without a user; debug is dropped. */
    memset(&sys, 0, sizeof(sys));
    pp_debug(NULL, "dropped");
    assert_int_equal(sys.calls, 0);
    pp_error(NULL, "no user");
    assert_int_equal(sys.calls, 1);
    assert_int_equal(sys.priority, LOG_AUTHPRIV | LOG_ERR);
    assert_string_equal(sys.line, "no user");
}

static void test_log_safe(void **state)
{
    char out[64];
    char small[8];

    (void)state;
    assert_string_equal(pp_log_safe("alice", out, sizeof(out)), "alice");
    assert_string_equal(pp_log_safe("a b~", out, sizeof(out)), "a b~");
    assert_string_equal(pp_log_safe("a\nb\tc", out, sizeof(out)), "a\\x0ab\\x09c");
    assert_string_equal(pp_log_safe("\x1b[31m", out, sizeof(out)), "\\x1b[31m");
    assert_string_equal(pp_log_safe("caf\xc3\xa9", out, sizeof(out)), "caf\\xc3\\xa9");
    assert_string_equal(pp_log_safe("a\\x41", out, sizeof(out)), "a\\x5cx41");
    assert_string_equal(pp_log_safe("\x7f", out, sizeof(out)), "\\x7f");
    assert_string_equal(pp_log_safe("", out, sizeof(out)), "");
    assert_string_equal(pp_log_safe(NULL, out, sizeof(out)), "(null)");

    /* Exactly fits: 7 characters and the NUL. */
    assert_string_equal(pp_log_safe("1234567", small, sizeof(small)), "1234567");
    /* One more: cut, and "..." says so. */
    assert_string_equal(pp_log_safe("12345678", small, sizeof(small)), "1234...");
    /* An escape is never cut in half. */
    assert_string_equal(pp_log_safe("ab\x01zzzzzz", small, sizeof(small)), "ab...");
    assert_string_equal(pp_log_safe("abcd\x01", small, sizeof(small)), "abcd...");
    assert_string_equal(pp_log_safe("abcdef", small, 4), "...");
    assert_string_equal(pp_log_safe("abcdef", small, 2), ".");
    small[0] = 'x';
    pp_log_safe("abc", small, 0);
    assert_int_equal(small[0], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_and_priorities),
        cmocka_unit_test(test_debug_filter),
        cmocka_unit_test(test_user_sanitised),
        cmocka_unit_test(test_line_sanitised_and_not_a_format),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_default_sink_syslog),
        cmocka_unit_test(test_log_safe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

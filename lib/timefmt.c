/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * timefmt.c: RFC 3339 times (timefmt.h).
 *
 * The text is checked position by position: every field has exactly its
 * digits and is range-checked (the day against its month and the leap
 * year) before timegm turns it into seconds; nothing lenient, nothing
 * locale- or timezone-dependent.
 */
#include <config.h>

#include "timefmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/* "YYYY-MM-DD" at s into tm; -1 if malformed or out of range. */
static int parse_date(const char *s, struct tm *tm)
{
    int y = digits(s, 4), mo, d;

    if (y < 0 || s[4] != '-' || (mo = digits(s + 5, 2)) < 0 || s[7] != '-'
        || (d = digits(s + 8, 2)) < 0)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return -1;
    tm->tm_year = y - 1900;
    tm->tm_mon = mo - 1;
    tm->tm_mday = d;
    return 0;
}

/* "HH:MM:SS" at s into tm. A leap second (:60) is allowed, as in RFC 3339. */
static int parse_clock(const char *s, struct tm *tm)
{
    int h = digits(s, 2), mi, sec;

    if (h < 0 || s[2] != ':' || (mi = digits(s + 3, 2)) < 0 || s[5] != ':'
        || (sec = digits(s + 6, 2)) < 0)
        return -1;
    if (h > 23 || mi > 59 || sec > 60)
        return -1;
    tm->tm_hour = h;
    tm->tm_min = mi;
    tm->tm_sec = sec;
    return 0;
}

int pp_time_parse(const char *s, time_t *out)
{
    struct tm tm;
    const char *p;
    long offset = 0;
    time_t t;

    if (s == NULL)
        return -1;
    memset(&tm, 0, sizeof(tm));
    if (strnlen(s, 11) < 10 || parse_date(s, &tm) != 0)
        return -1;
    p = s + 10;
    if (*p != '\0') {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return -1;
        p++;
        if (strnlen(p, 8) < 8 || parse_clock(p, &tm) != 0)
            return -1;
        p += 8;
        if (*p == '.') {
            /* A fraction of any length; at least one digit; ignored. */
            p++;
            if (*p < '0' || *p > '9')
                return -1;
            while (*p >= '0' && *p <= '9')
                p++;
        }
        if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
            offset = 0;
        } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
            int oh = digits(p + 1, 2), om = digits(p + 4, 2);

            if (oh < 0 || om < 0 || oh > 23 || om > 59)
                return -1;
            offset = (oh * 60L + om) * 60L;
            if (*p == '-')
                offset = -offset;
        } else {
            return -1;      /* no zone, or something after it */
        }
    }
    /* Local time = UTC + offset, so UTC = local - offset. */
    t = timegm(&tm) - (time_t)offset;
    /* An instant outside what the format can write back is refused. */
    if (t < PP_TIME_MIN || t > PP_TIME_MAX)
        return -1;
    *out = t;
    return 0;
}

const char *pp_time_format(time_t t, char out[PP_TIME_SIZE])
{
    struct tm tm;

    /* Years outside 0..9999 do not fit the format: clamp to its ends. */
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year > 9999 - 1900 || tm.tm_year < -1900) {
        memcpy(out, t < 0 ? "0000-01-01T00:00:00Z" : "9999-12-31T23:59:59Z", PP_TIME_SIZE);
        return out;
    }
    snprintf(out, PP_TIME_SIZE, "%04u-%02u-%02uT%02u:%02u:%02uZ",
             (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
             (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
             (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
    return out;
}

long pp_days_left(time_t now, time_t t)
{
    long long left = (long long)t - (long long)now;
    long long half = PP_SECONDS_PER_DAY / 2;

    /* Floor division of (left + half) by a day, also for negative values. */
    left += half;
    if (left >= 0)
        return (long)(left / PP_SECONDS_PER_DAY);
    return (long)-((-left + PP_SECONDS_PER_DAY - 1) / PP_SECONDS_PER_DAY);
}

long pp_ms_since(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - start->tv_sec) * 1000L
        + (long)(now.tv_nsec - start->tv_nsec) / 1000000L;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * timefmt.h: RFC 3339 times, as Prefect Cloud and our files write them.
 *
 * Promises: parsing accepts "YYYY-MM-DDTHH:MM:SS" with an optional fraction
 * of any length and "Z" or "+HH:MM"/"-HH:MM" (also a lowercase t/z or a
 * space for T), and a plain date "YYYY-MM-DD" (midnight UTC); every field
 * is range-checked, and so is the instant (PP_TIME_MIN..PP_TIME_MAX, what
 * the format can write back: a leap second or an offset must not carry it
 * past 9999 or before 0000); nothing else is accepted. Formatting is
 * always UTC "YYYY-MM-DDTHH:MM:SSZ". Waits are measured in milliseconds on
 * CLOCK_MONOTONIC (pp_ms_since), the one clock every deadline uses.
 */
#ifndef PP_TIMEFMT_H
#define PP_TIMEFMT_H

#include <stddef.h>
#include <time.h>

#define PP_TIME_SIZE 21   /* "2026-01-01T00:00:00Z" + NUL */
#define PP_SECONDS_PER_DAY 86400L
#define PP_TIME_MIN ((time_t)-62167219200LL)   /* 0000-01-01T00:00:00Z */
#define PP_TIME_MAX ((time_t)253402300799LL)   /* 9999-12-31T23:59:59Z */

/* Returns 0 and *out, or -1 if s is not a valid time. */
int pp_time_parse(const char *s, time_t *out);

/* Write t as UTC RFC 3339 into out (PP_TIME_SIZE bytes). Returns out. */
const char *pp_time_format(time_t t, char out[PP_TIME_SIZE]);

/*
 * Whole days from now to t, rounded to the nearest day (half a day rounds
 * up): 4 days 23 hours is 5, 2 hours is 0; negative for the past. The one
 * rule for "days left" everywhere (log lines, notices, prefect-keys).
 */
long pp_days_left(time_t now, time_t t);

/* Milliseconds from start (CLOCK_MONOTONIC) to now, rounded down. */
long pp_ms_since(const struct timespec *start);

#endif

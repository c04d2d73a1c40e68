/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * clock.h: the two clocks of the benchmark's programs (driver.c, stepd.c),
 * header-only because bench/run compiles each program from its one file.
 * now_us: CLOCK_MONOTONIC in microseconds. cpu_us: the CPU time (user +
 * system) of this process and its waited-for descendants, in microseconds.
 * own_cpu_us: the CPU time of this process alone, as the scheduler counts
 * it to the nanosecond (CLOCK_PROCESS_CPUTIME_ID), in microseconds: what a
 * stretch of code in it costs, without the fork and exit around it.
 */
#ifndef PP_BENCH_CLOCK_H
#define PP_BENCH_CLOCK_H

#include <sys/resource.h>
#include <time.h>

static inline double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline double own_cpu_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline double cpu_us(void)
{
    struct rusage self, kids;
    double t = 0.0;

    if (getrusage(RUSAGE_SELF, &self) == 0)
        t += (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec) * 1e6
             + (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec);
    if (getrusage(RUSAGE_CHILDREN, &kids) == 0)
        t += (double)(kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) * 1e6
             + (double)(kids.ru_utime.tv_usec + kids.ru_stime.tv_usec);
    return t;
}

#endif

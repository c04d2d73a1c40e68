/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * logcap.c: an LD_PRELOAD library for the tests that appends every syslog
 * line of the process (the module's, libpam's, prefect-keys') to the file
 * named by PP_TEST_LOG, so that tests can assert the exact lines and that no
 * key ever reaches the log. Without PP_TEST_LOG lines are dropped: tests
 * never write to the machine's real log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static const char *cap_ident = "";

static void cap_write(int priority, const char *fmt, va_list ap)
{
    const char *path = getenv("PP_TEST_LOG");
    char line[4096];
    int saved = errno;
    int n, m, fd;

    if (path == NULL || *path == '\0')
        return;
    n = snprintf(line, sizeof(line), "<%d> %s: ", LOG_PRI(priority), cap_ident);
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    errno = saved;      /* for %m */
    m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    if (m < 0)
        return;
    n += m;
    if ((size_t)n > sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (write(fd, line, (size_t)n) < 0) {
        /* nothing to be done in a logger */
    }
    close(fd);
}

void openlog(const char *ident, int option, int facility)
{
    (void)option;
    (void)facility;
    cap_ident = ident != NULL ? ident : "";
}

void closelog(void)
{
}

void vsyslog(int priority, const char *fmt, va_list ap)
{
    cap_write(priority, fmt, ap);
}

void syslog(int priority, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cap_write(priority, fmt, ap);
    va_end(ap);
}

void __vsyslog_chk(int priority, int flag, const char *fmt, va_list ap);
void __vsyslog_chk(int priority, int flag, const char *fmt, va_list ap)
{
    (void)flag;
    cap_write(priority, fmt, ap);
}

void __syslog_chk(int priority, int flag, const char *fmt, ...);
void __syslog_chk(int priority, int flag, const char *fmt, ...)
{
    va_list ap;
    (void)flag;
    va_start(ap, fmt);
    cap_write(priority, fmt, ap);
    va_end(ap);
}

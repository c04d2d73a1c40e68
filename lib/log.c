/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.c: every line the core reports goes through here.
 *
 * A line is formatted once into a bounded buffer, prefixed with the
 * (sanitised) user, and handed to the sink; the default sink is syslog with
 * the authpriv facility, always through "%s" so that no text from the line
 * is ever used as a format. Control characters that slipped into a line
 * (e.g. from a path) become '?', so one call is one log line.
 */
#include <config.h>

#include "log.h"

#include <stdio.h>
#include <string.h>

/* Long enough for any line we write; longer ones end in "...". */
#define PP_LOG_LINE 2048
#define PP_LOG_USER 300   /* a valid account name fits */

const char *pp_log_safe(const char *s, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p;
    size_t need = 0, pos = 0, limit;

    if (out == NULL || outlen == 0)
        return out;
    if (s == NULL)
        s = "(null)";

    /* Does the whole escaped text fit? */
    for (p = (const unsigned char *)s; *p != '\0'; p++)
        need += (*p >= 0x20 && *p < 0x7f && *p != '\\') ? 1 : 4;
    limit = need < outlen ? need : (outlen > 4 ? outlen - 4 : 0);

    for (p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
            if (pos + 1 > limit)
                break;
            out[pos++] = (char)*p;
        } else {
            if (pos + 4 > limit)
                break;
            out[pos++] = '\\';
            out[pos++] = 'x';
            out[pos++] = hex[*p >> 4];
            out[pos++] = hex[*p & 0x0f];
        }
    }
    if (need >= outlen) {
        const char *dots = "...";
        while (*dots != '\0' && pos + 1 < outlen)
            out[pos++] = *dots++;
    }
    out[pos] = '\0';
    return out;
}

static void deliver(const struct pp_log *log, int priority, const char *line)
{
    if (log != NULL && log->sink != NULL)
        log->sink(log->ctx, priority, line);
    else
        syslog(LOG_AUTHPRIV | LOG_PRI(priority), "%s", line);
}

void pp_vlog(const struct pp_log *log, int priority, const char *fmt, va_list ap)
{
    char line[PP_LOG_LINE];
    char user[PP_LOG_USER];
    size_t pos = 0;
    int n;

    if (LOG_PRI(priority) == LOG_DEBUG && (log == NULL || !log->debug))
        return;

    if (log != NULL && log->user != NULL) {
        n = snprintf(line, sizeof(line), "user=%s ",
                     pp_log_safe(log->user, user, sizeof(user)));
        if (n > 0)
            pos = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    }
    n = vsnprintf(line + pos, sizeof(line) - pos, fmt, ap);
    if (n < 0) {
        line[pos] = '\0';
    } else if ((size_t)n >= sizeof(line) - pos) {
        /* Truncated: say so. */
        memcpy(line + sizeof(line) - 4, "...", 4);
    }
    for (char *c = line; *c != '\0'; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    }
    deliver(log, LOG_PRI(priority), line);
}

void pp_log(const struct pp_log *log, int priority, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    pp_vlog(log, priority, fmt, ap);
    va_end(ap);
}

#define PP_LOG_LEVEL(fn, prio)                                  \
    void fn(const struct pp_log *log, const char *fmt, ...)     \
    {                                                           \
        va_list ap;                                             \
        va_start(ap, fmt);                                      \
        pp_vlog(log, prio, fmt, ap);                            \
        va_end(ap);                                             \
    }

void pp_log_drop(void *ctx, int priority, const char *line)
{
    (void)ctx;
    (void)priority;
    (void)line;
}

PP_LOG_LEVEL(pp_error, LOG_ERR)
PP_LOG_LEVEL(pp_warn, LOG_WARNING)
PP_LOG_LEVEL(pp_notice, LOG_NOTICE)
PP_LOG_LEVEL(pp_info, LOG_INFO)
PP_LOG_LEVEL(pp_debug, LOG_DEBUG)

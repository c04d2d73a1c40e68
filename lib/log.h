/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * log.h: the one way core code reports anything.
 *
 * Promises: every line goes through the sink of a struct pp_log (the module
 * sends it to pam_syslog, prefect-keys to syslog(LOG_AUTHPRIV) and stderr);
 * every line starts with "user=NAME " when a user is set; debug lines are
 * dropped unless debug is on. Callers never pass a key: only fingerprints.
 */
#ifndef PP_LOG_H
#define PP_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

typedef void (*pp_log_sink)(void *ctx, int priority, const char *line);

struct pp_log {
    pp_log_sink sink;   /* NULL: vsyslog(LOG_AUTHPRIV | priority) */
    void *ctx;
    bool debug;
    const char *user;   /* prefix "user=%s " when not NULL (sanitised) */
};

#define PP_PRINTF(a, b) __attribute__((format(printf, a, b)))

void pp_log(const struct pp_log *log, int priority, const char *fmt, ...) PP_PRINTF(3, 4);
void pp_vlog(const struct pp_log *log, int priority, const char *fmt, va_list ap) PP_PRINTF(3, 0);
void pp_error(const struct pp_log *log, const char *fmt, ...) PP_PRINTF(2, 3);
void pp_warn(const struct pp_log *log, const char *fmt, ...) PP_PRINTF(2, 3);
void pp_notice(const struct pp_log *log, const char *fmt, ...) PP_PRINTF(2, 3);
void pp_info(const struct pp_log *log, const char *fmt, ...) PP_PRINTF(2, 3);
void pp_debug(const struct pp_log *log, const char *fmt, ...) PP_PRINTF(2, 3);

/* A sink that drops every line: { .sink = pp_log_drop } logs nothing. */
void pp_log_drop(void *ctx, int priority, const char *line);

/*
 * Copy s into out (size outlen) for logging an untrusted name: printable
 * ASCII kept, anything else as \xHH, truncated with "..." past outlen.
 * Returns out.
 */
const char *pp_log_safe(const char *s, char *out, size_t outlen);

#endif

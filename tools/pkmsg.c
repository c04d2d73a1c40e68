/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkmsg.c: prefect-keys' words to the administrator (pk.h): usage errors,
 * errors and warnings on stderr, and names shown safely (never a key).
 * Every verb (cmd_*.c) and the command line (prefect-keys.c) use them;
 * they use nothing of either.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pk.h"

static void say(const char *prefix, const char *fmt, va_list ap) PP_PRINTF(2, 0);
static void say(const char *prefix, const char *fmt, va_list ap)
{
    fprintf(stderr, "prefect-keys: %s", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void pk_usage(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say("", fmt, ap);
    va_end(ap);
}

void pk_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say("", fmt, ap);
    va_end(ap);
}

void pk_warning(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    say("warning: ", fmt, ap);
    va_end(ap);
}

bool pk_looks_like_key(const char *s)
{
    return s != NULL && (strncmp(s, "pnu_", 4) == 0 || strncmp(s, "pnb_", 4) == 0
                         || strstr(s, "pnu_") != NULL || strstr(s, "pnb_") != NULL);
}

const char *pk_show(const char *s, char *out, size_t outlen)
{
    if (pk_looks_like_key(s)) {
        snprintf(out, outlen, "(not shown: it looks like a key)");
        return out;
    }
    return pp_log_safe(s != NULL ? s : "", out, outlen);
}

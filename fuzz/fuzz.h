/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz.h: what the libFuzzer targets share: a log that drops every line
 * (but still formats it, so format bugs show), a NUL-terminated copy of the
 * input, and a check that aborts (a crash libFuzzer reports) when a
 * property of a parser's result does not hold.
 */
#ifndef PP_FUZZ_H
#define PP_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const struct pp_log fuzz_log = { pp_log_drop, NULL, true, NULL };

/* data as a malloc'd string (NUL-terminated; may hold other NULs). */
static char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#define FUZZ_ASSERT(cond)                                                         \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: property does not hold: %s\n", __FILE__,      \
                    __LINE__, #cond);                                             \
            abort();                                                              \
        }                                                                         \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture.c: the unit tests' log capture (see capture.h).
 */
#include <config.h>

#include "capture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

void pp_capture_sink(void *ctx, int priority, const char *line)
{
    struct pp_capture *c = ctx;

    if (c->forbid != NULL && strstr(line, c->forbid) != NULL)
        fail_msg("a forbidden text (a key?) reached the log: %s", line);
    if (c->n < PP_CAPTURE_LINES) {
        c->prio[c->n] = priority;
        snprintf(c->line[c->n], sizeof(c->line[c->n]), "%s", line);
    }
    c->n++;
}

void pp_capture_reset(struct pp_capture *c)
{
    const char *forbid = c->forbid;

    memset(c, 0, sizeof(*c));
    c->forbid = forbid;
}

void pp_capture_expect_line(const struct pp_capture *c, int prio, const char *text)
{
    if (c->n != 1 || strcmp(c->line[0], text) != 0)
        fail_msg("expected one log line \"%s\", got %d (first: \"%s\")", text, c->n,
                 c->n > 0 ? c->line[0] : "");
    assert_int_equal(c->prio[0], prio);
}

void pp_capture_expect_error_with(const struct pp_capture *c, const char *prefix,
                                  const char *word)
{
    if (c->n != 1)
        fail_msg("expected one log line \"%s...%s\", got %d (first: \"%s\")", prefix, word,
                 c->n, c->n > 0 ? c->line[0] : "");
    assert_int_equal(c->prio[0], LOG_ERR);
    if (strncmp(c->line[0], prefix, strlen(prefix)) != 0 || strstr(c->line[0], word) == NULL)
        fail_msg("log line \"%s\" does not start with \"%s\" and contain \"%s\"", c->line[0],
                 prefix, word);
}

void pp_capture_expect_no_lines(const struct pp_capture *c)
{
    if (c->n != 0)
        fail_msg("expected no log line, got %d (first: \"%s\")", c->n, c->line[0]);
}

int pp_capture_find(const struct pp_capture *c, const char *text)
{
    for (int i = 0; i < c->n && i < PP_CAPTURE_LINES; i++)
        if (strstr(c->line[i], text) != NULL)
            return i;
    return -1;
}

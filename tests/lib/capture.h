/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture.h: a log sink for the unit tests that keeps the lines, and the
 * assertions on them (cmocka).
 *
 * Use: struct pp_capture cap; struct pp_log log = { pp_capture_sink, &cap,
 * false, NULL }; ... pp_capture_reset(&cap) between cases. Lines past
 * PP_CAPTURE_LINES are counted but not kept. A line containing cap.forbid
 * (when set, e.g. a marker inside every test key) fails the test at once.
 */
#ifndef PP_TEST_CAPTURE_H
#define PP_TEST_CAPTURE_H

#define PP_CAPTURE_LINES 32

struct pp_capture {
    int n;
    int prio[PP_CAPTURE_LINES];
    char line[PP_CAPTURE_LINES][2048];
    const char *forbid;
};

/* A struct pp_log sink; ctx is a struct pp_capture. */
void pp_capture_sink(void *ctx, int priority, const char *line);

/* Forget every line (forbid is kept). */
void pp_capture_reset(struct pp_capture *c);

/* Exactly one line, with this priority and text. */
void pp_capture_expect_line(const struct pp_capture *c, int prio, const char *text);

/* Exactly one error line, starting with prefix and containing word. */
void pp_capture_expect_error_with(const struct pp_capture *c, const char *prefix,
                                  const char *word);

/* No line at all. */
void pp_capture_expect_no_lines(const struct pp_capture *c);

/* The index of the first kept line containing text, or -1. */
int pp_capture_find(const struct pp_capture *c, const char *text);

#endif

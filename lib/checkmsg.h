/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * checkmsg.h: what a login (or prefect-keys) and the check program
 * (checker/check.c) say to each other over the socket between them.
 *
 * One request, one answer, each a frame: a four-byte length (host order;
 * both ends are the same host) and a packed buffer (pack.h). The request
 * carries the settings the check needs, the entry (its key included: this
 * socket is the only way a key reaches the program, never its argv or
 * environment) and the time; the answer carries the verdict, or the
 * workspaces and expiration of a key being added, and the log lines the
 * program wrote, which the caller logs as its own.
 *
 * Promises: every buffer that held a request is wiped when freed; reading
 * a frame never waits past its deadline and never accepts one longer than
 * PP_CHECKMSG_MAX; a malformed frame is refused whole.
 */
#ifndef PP_CHECKMSG_H
#define PP_CHECKMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cloud.h"
#include "conf.h"
#include "log.h"
#include "store.h"
#include "judge.h"

#define PP_CHECKMSG_MAX (256 * 1024)
/* At most this many log lines travel back with an answer (the rest are dropped, counted). */
#define PP_CHECKMSG_LINES 48
/* At most this many workspaces travel back (a key sees a handful). */
#define PP_CHECKMSG_WS_MAX 512

enum pp_check_mode {
    PP_CHECK_MODE_CHECK = 1,    /* check an entry through the cache (check.h) */
    PP_CHECK_MODE_VALIDATE,     /* a key that is no entry yet: its workspaces, expiration */
};

#define PP_ASK_WORKSPACES 1u
#define PP_ASK_EXPIRATION 2u

struct pp_check_request {
    enum pp_check_mode mode;
    struct pp_config cfg;       /* only the settings a check uses are carried */
    struct pp_entry e;          /* e.key malloc'd (pp_strdup_secret) */
    time_t now;
    bool force;
    long timeout_ms;            /* cfg.timeout_ms */
    struct timespec start;      /* CLOCK_MONOTONIC: when the caller's check began (the
                                   program's time runs out with the caller's) */
    char user[64];              /* for log lines; "" when none */
    unsigned ask;               /* VALIDATE: PP_ASK_WORKSPACES and/or PP_ASK_EXPIRATION */
};

struct pp_check_line {
    int priority;
    char text[512];
};

struct pp_check_answer {
    int rc;                     /* 0: v says; 1: a local failure (why in v.reason); -1: error */
    struct pp_verdict v;
    char source[16];            /* cache, back-off, wait, cloud */
    /* VALIDATE */
    struct pp_cloud_answer ws_ans;
    struct pp_workspace *ws;    /* malloc'd */
    size_t nws;
    bool exp_read;
    struct pp_cloud_answer exp_ans;
    bool has_expires;
    time_t expires;
    /* the program's log lines */
    size_t nlines;
    size_t dropped;
    struct pp_check_line lines[PP_CHECKMSG_LINES];
};

/* Pack a request or answer into a frame (malloc'd, *len bytes). NULL if out of memory. */
unsigned char *pp_checkmsg_pack_request(const struct pp_check_request *rq, size_t *len);
unsigned char *pp_checkmsg_pack_answer(const struct pp_check_answer *a, size_t *len);

/* Unpack a frame's body. 0, or -1 when malformed (nothing to free then). */
int pp_checkmsg_unpack_request(const void *buf, size_t len, struct pp_check_request *rq);
int pp_checkmsg_unpack_answer(const void *buf, size_t len, struct pp_check_answer *a);

/* Free what an unpacked request or answer holds (the key wiped). */
void pp_checkmsg_request_clear(struct pp_check_request *rq);
void pp_checkmsg_answer_clear(struct pp_check_answer *a);

/* Write the whole frame to fd. 0 or -1 (errno). */
int pp_checkmsg_send(int fd, const unsigned char *frame, size_t len);

/*
 * Read one frame from fd, waiting at most ms in all. Returns 1 (*buf
 * malloc'd, *len bytes; free with pp_free_buf), 0 when the time ran out,
 * -1 when the other end closed or the frame is too long.
 */
int pp_checkmsg_recv(int fd, long ms, unsigned char **buf, size_t *len);

#endif

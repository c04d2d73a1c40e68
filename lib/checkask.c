/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * checkask.c: a check's start and its requests to the check program (see
 * checkask.h).
 */
#include <config.h>

#include "checkask.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checkmsg.h"
#include "checkrun.h"
#include "secret.h"
#include "timefmt.h"

/* Beyond timeout_ms, how long a caller waits for the program's answer to arrive. */
#define PP_REPLY_GRACE_MS 100

long pp_check_remaining_ms(const struct pp_check *c)
{
    return c->cfg->timeout_ms - pp_ms_since(&c->start);
}

int pp_check_begin(struct pp_check *c, const struct pp_config *cfg, const struct pp_entry *e,
                       time_t now, struct pp_verdict *v, const struct pp_log *log)
{
    memset(v, 0, sizeof(*v));
    memset(c, 0, sizeof(*c));
    c->cfg = cfg;
    c->e = e;
    c->now = now;
    c->log = log;
    c->source = "cache";
    /*
     * e->fp: from pp_cache_fingerprint, when the caller asked it (cache.h).
     * Else the key is hashed here: before the
     * clock of timeout_ms starts, as that bounds the wait for Cloud.
     */
    if (e == NULL || e->key == NULL) {
        pp_error(log, "check: no key to check");
        return -1;
    }
    if (e->fp[0] != '\0' && strcmp(e->fp, "unknown") != 0) {
        memcpy(c->fp, e->fp, sizeof(c->fp));
    } else if (pp_fingerprint(e->key, c->fp) != 0) {
        pp_error(log, "check: the key's fingerprint cannot be computed");
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &c->start);
    return 0;
}

/* A request of mode for e: the settings a check uses, the entry, its key. */
static void request(const struct pp_config *cfg, const struct pp_entry *e,
                    enum pp_check_mode mode, time_t now, const struct timespec *start,
                    struct pp_check_request *rq)
{
    memset(rq, 0, sizeof(*rq));
    rq->mode = mode;
    rq->cfg = *cfg;
    rq->e = *e;
    rq->e.record = NULL;
    rq->e.record_read = false;
    rq->e.comment = NULL;
    rq->now = now;
    rq->timeout_ms = cfg->timeout_ms;
    rq->start = *start;
}

/* The request of check c: its fingerprint, its user for the program's log lines. */
static void request_for(const struct pp_check *c, enum pp_check_mode mode, bool force,
                        struct pp_check_request *rq)
{
    request(c->cfg, c->e, mode, c->now, &c->start, rq);
    memcpy(rq->e.fp, c->fp, sizeof(rq->e.fp));
    rq->force = force;
    if (c->log != NULL && c->log->user != NULL)
        snprintf(rq->user, sizeof(rq->user), "%s", c->log->user);
}

int pp_check_ask(const struct pp_check *c, bool force, struct pp_verdict *v, char *why,
                 size_t whylen)
{
    struct pp_check_request rq;
    struct pp_check_answer ans;
    int r;

    request_for(c, PP_CHECK_MODE_CHECK, force, &rq);
    r = pp_checkrun(c->cfg, &rq, pp_check_remaining_ms(c) + PP_REPLY_GRACE_MS, &ans, why,
                    whylen, c->log);
    if (r == 0)
        snprintf(why, whylen, "the check did not finish within timeout_ms");
    if (r != 1)
        return 1;
    r = ans.rc < 0 ? -1 : ans.rc == 0 ? 0 : 1;
    if (r == 0)
        *v = ans.v;
    else if (r == 1)
        snprintf(why, whylen, "the check failed on this host: %s", ans.v.reason);
    pp_checkmsg_answer_clear(&ans);
    return r;
}

int pp_check_validate(const struct pp_config *cfg, const struct pp_entry *e, unsigned ask,
                      struct pp_check_answer *a, const struct pp_log *log)
{
    struct pp_check_request rq;
    struct timespec start;
    char why[300];
    int r;

    clock_gettime(CLOCK_MONOTONIC, &start);
    request(cfg, e, PP_CHECK_MODE_VALIDATE, time(NULL), &start, &rq);
    rq.ask = ask;
    r = pp_checkrun(cfg, &rq, cfg->timeout_ms + PP_REPLY_GRACE_MS, a, why, sizeof(why), log);
    if (r == 1 && a->rc == 0)
        return 0;
    if (r == 1) {
        snprintf(why, sizeof(why), "%s", a->v.reason);
        pp_checkmsg_answer_clear(a);
    } else if (r == 0) {
        snprintf(why, sizeof(why), "no answer within timeout_ms");
    }
    memset(a, 0, sizeof(*a));
    a->ws_ans.status = PP_CLOUD_UNREACHABLE;
    snprintf(a->ws_ans.reason, sizeof(a->ws_ans.reason), "%.*s",
             (int)sizeof(a->ws_ans.reason) - 1, why);
    a->exp_ans = a->ws_ans;
    return -1;
}

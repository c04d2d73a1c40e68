/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check.c: one entry's key checked with Prefect Cloud, through the cache
 * (see check.h): the caller's side, and what both sides share. The
 * outcome rules are the judge's (judge.h); this file gathers its facts.
 *
 * The order of a check:
 *   1. a fresh record for this key's fingerprint decides (no request);
 *      within the back-off window after an unreachable check, so does the
 *      unreachable record;
 *   2. otherwise the check program (checkrun.h) takes the entry's lock,
 *      asks Cloud and writes the record (checkwork.c); this process waits
 *      for its answer at most what is left of timeout_ms;
 *   3. without an answer (the program could not start, ran out of time or
 *      failed for a local reason) the record as it is now decides, as for
 *      an unreachable Cloud.
 * Timing uses the monotonic clock; the record's times use `now`.
 */
#include <config.h>

#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "checkmsg.h"
#include "checkrun.h"
#include "secret.h"
#include "timefmt.h"

/* Beyond timeout_ms, how long a caller waits for the program's answer to arrive. */
#define PP_REPLY_GRACE_MS 100

long pp_check_elapsed_ms(const struct pp_check *c)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - c->start.tv_sec) * 1000L
        + (long)(now.tv_nsec - c->start.tv_nsec) / 1000000L;
}

long pp_check_remaining_ms(const struct pp_check *c)
{
    return c->cfg->timeout_ms - pp_check_elapsed_ms(c);
}

void pp_check_facts(const struct pp_check *c, const struct pp_cache_record *r,
                    struct pp_facts *f)
{
    memset(f, 0, sizeof(*f));
    f->cfg = c->cfg;
    f->entry = c->e;
    f->record_read = true;
    f->record = r;
    f->network = true;
    f->entry_judged = true;
}

/* This key's record, if there is one: 0 (rec filled) or -1 (none, or another key's). */
int pp_check_read_own(const struct pp_check *c, struct pp_cache_record *rec, unsigned long *serial,
                    bool first)
{
    int rc;

    /* The first look may use the record pp_cache_fingerprint read just before. */
    if (first && c->e->record_read) {
        rc = c->e->record != NULL ? 0 : PP_ABSENT;
        if (rc == 0)
            *rec = *c->e->record;
    } else {
        rc = pp_cache_read(c->cfg, c->e->name, rec, c->log);
    }

    if (serial != NULL)
        *serial = rc == 0 ? rec->serial : 0;
    if (rc == 0 && pp_cache_record_is_for(rec, c->fp, c->e->account_id, c->e->workspace_id))
        return 0;
    if (rc == 0)
        pp_debug(c->log, "check: entry=%s: cached result is for another key (%s) or workspace; "
                 "ignored", c->e->name, rec->fingerprint);
    memset(rec, 0, sizeof(*rec));
    return -1;
}

void pp_check_log_result(const struct pp_check *c, const struct pp_verdict *v)
{
    pp_debug(c->log, "check: entry=%s fp=%s outcome=%s source=%s time=%ldms reason=%s",
             c->e->name, c->fp, pp_outcome_name(v->outcome), c->source, pp_check_elapsed_ms(c), v->reason);
}

/* Start a check of e at now (v cleared). 0, or -1 when there is no key (logged). */
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

int pp_check_cached(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                    struct pp_verdict *v, const struct pp_log *log)
{
    struct pp_check c;
    struct pp_cache_record rec;
    struct pp_facts f;
    bool have;

    if (pp_check_begin(&c, cfg, e, now, v, log) != 0)
        return -1;
    have = pp_check_read_own(&c, &rec, NULL, true) == 0;
    pp_check_facts(&c, have ? &rec : NULL, &f);
    f.network = false;
    pp_judge(&f, now, v);       /* without network the facts always decide */
    if (v->from_cache) {
        c.source = rec.outcome == PP_OUT_UNREACHABLE ? "back-off" : "cache";
        pp_check_log_result(&c, v);
    }
    return 0;
}


/* The request for e: the settings a check uses, the entry, its key. */
static void request_for(const struct pp_check *c, enum pp_check_mode mode, bool force,
                        struct pp_check_request *rq)
{
    memset(rq, 0, sizeof(*rq));
    rq->mode = mode;
    rq->cfg = *c->cfg;
    rq->e = *c->e;
    rq->e.record = NULL;
    rq->e.record_read = false;
    rq->e.comment = NULL;
    memcpy(rq->e.fp, c->fp, sizeof(rq->e.fp));
    rq->now = c->now;
    rq->force = force;
    rq->timeout_ms = c->cfg->timeout_ms;
    rq->start = c->start;
    if (c->log != NULL && c->log->user != NULL)
        snprintf(rq->user, sizeof(rq->user), "%s", c->log->user);
}

/*
 * No answer from the program (why): the record as it is now decides, as
 * for an unreachable Cloud. A check the program finished meanwhile (a new
 * serial) counts whatever its age.
 */
static void decide_without_answer(struct pp_check *c, bool force, unsigned long serial_before,
                                  const char *why, struct pp_verdict *v)
{
    struct pp_cache_record rec;
    struct pp_facts f;
    unsigned long serial_after = 0;
    bool have = pp_check_read_own(c, &rec, &serial_after, false) == 0;

    pp_check_facts(c, have ? &rec : NULL, &f);
    f.force = force;
    f.record_just_made = serial_after != serial_before;
    f.no_answer = why;
    pp_judge(&f, c->now, v);    /* with no_answer the facts always decide */
    if (!v->from_cache)
        c->source = "no-answer";
    pp_check_log_result(c, v);
}

int pp_check_entry(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                   bool force, struct pp_verdict *v, const struct pp_log *log)
{
    struct pp_check c;
    struct pp_cache_record rec;
    struct pp_check_request rq;
    struct pp_check_answer ans;
    struct pp_facts f;
    char why[300];
    bool have;
    unsigned long serial_before;
    int r;

    if (pp_check_begin(&c, cfg, e, now, v, log) != 0)
        return -1;
    have = pp_check_read_own(&c, &rec, &serial_before, true) == 0;
    pp_check_facts(&c, have ? &rec : NULL, &f);
    f.force = force;
    if (pp_judge(&f, now, v) == 0) {
        c.source = !v->from_cache                   ? "entry"
                   : rec.outcome == PP_OUT_UNREACHABLE ? "back-off"
                                                       : "cache";
        pp_check_log_result(&c, v);
        return 0;
    }

    /* Cloud must be asked: by the check program, never here. */
    request_for(&c, PP_CHECK_MODE_CHECK, force, &rq);
    r = pp_checkrun(cfg, &rq, pp_check_remaining_ms(&c) + PP_REPLY_GRACE_MS, &ans, why,
                    sizeof(why), log);
    if (r == 1 && ans.rc == 0) {
        *v = ans.v;
        pp_checkmsg_answer_clear(&ans);
        return 0;
    }
    if (r == 1 && ans.rc < 0) {
        pp_checkmsg_answer_clear(&ans);
        return -1;
    }
    if (r == 1) {
        snprintf(why, sizeof(why), "the check failed on this host: %s", ans.v.reason);
        pp_checkmsg_answer_clear(&ans);
    } else if (r == 0) {
        snprintf(why, sizeof(why), "the check did not finish within timeout_ms");
    }
    pp_warn(log, "check: entry=%s: no answer from Prefect Cloud (%s); deciding from the cache",
            e->name, why);
    decide_without_answer(&c, force, serial_before, why, v);
    return 0;
}

void pp_check_note_identity(const struct pp_config *cfg, const struct pp_entry *e,
                            const struct pp_log *log)
{
    struct pp_check c;
    struct pp_check_request rq;
    struct pp_verdict v;
    char why[300];

    if (pp_check_begin(&c, cfg, e, time(NULL), &v, log) != 0)
        return;
    request_for(&c, PP_CHECK_MODE_NOTE, false, &rq);
    if (pp_checkrun(cfg, &rq, -1, NULL, why, sizeof(why), log) < 0)
        pp_debug(log, "cache: entry=%s: the record does not name the entry file: %s", e->name,
                 why);
}

int pp_check_validate(const struct pp_config *cfg, const struct pp_entry *e, unsigned ask,
                      struct pp_check_answer *a, const struct pp_log *log)
{
    struct pp_check_request rq;
    char why[300];
    int r;

    memset(&rq, 0, sizeof(rq));
    rq.mode = PP_CHECK_MODE_VALIDATE;
    rq.cfg = *cfg;
    rq.e = *e;
    rq.e.record = NULL;
    rq.e.comment = NULL;
    rq.now = time(NULL);
    rq.timeout_ms = cfg->timeout_ms;
    clock_gettime(CLOCK_MONOTONIC, &rq.start);
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * checkwork.c: the check program's side of a check (see checkwork.h): the
 * entry's lock, Cloud's answer and the record. Only the check program runs
 * this (checker/check.c); the callers' side is check.c.
 *
 *   1. take the entry's lock, waiting for at most what is left of
 *      timeout_ms; a check that had to wait uses the record the lock's
 *      holder wrote (its serial tells it is new);
 *   2. otherwise ask Cloud: /me/workspaces, then, for a valid key whose
 *      entry records the ids, its expiration, with what is left of the
 *      same timeout_ms;
 *   3. write the record, release the lock.
 * A local failure (cloud.h: a file that cannot be opened, no descriptor,
 * no memory) is no answer of Cloud's: nothing is recorded, and the caller
 * decides from the cache.
 */
#include <config.h>

#include "checkwork.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "check.h"
#include "cloud.h"
#include "secret.h"
#include "timefmt.h"

/* Back-off after an unreachable check, and its ceiling for Retry-After. */
#define PP_BACKOFF_DEFAULT 30
#define PP_BACKOFF_MAX 300
/* Less time than this left: do not start a request. */
#define PP_CHECK_MIN_MS 100

static void set_reason(struct pp_cache_record *rec, const char *fmt, ...) PP_PRINTF(2, 3);

/* rec->reason, truncated if need be (reasons are for people, not parsers). */
static void set_reason(struct pp_cache_record *rec, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rec->reason, sizeof(rec->reason), fmt, ap);
    va_end(ap);
}

static bool has_expiration_ids(const struct pp_entry *e)
{
    return (e->user_id[0] != '\0' && e->key_id[0] != '\0') || e->service_account_id[0] != '\0';
}

/*
 * Whether a service account's record (its api_key.id, answered_id) is
 * about another key than the stored one: after "Rotate API key" in Prefect
 * Cloud the old key keeps working for a while, but the record describes
 * the new one. Unknown when the entry does not record its key's id.
 */
static bool record_is_another_key(const struct pp_entry *e, const char *answered_id)
{
    return e->sa_key_id[0] != '\0' && strcmp(e->sa_key_id, answered_id) != 0;
}

/*
 * The expiration of a valid key, from Cloud when the entry has the ids.
 * note: empty, or why Cloud's answer was not used (for the reason).
 */
static void read_expiration(struct pp_check *c, const struct pp_cache_record *prev,
                            struct pp_cache_record *rec, char *note, size_t notelen)
{
    struct pp_config cfg2 = *c->cfg;
    struct pp_cloud_answer ans;
    bool has = false;
    time_t when = 0;
    long left = pp_check_remaining_ms(c);
    bool bots = c->e->user_id[0] == '\0' || c->e->key_id[0] == '\0';

    note[0] = '\0';
    if (has_expiration_ids(c->e) && left >= PP_CHECK_MIN_MS) {
        cfg2.timeout_ms = left;
        if (pp_cloud_expiration_on(c->conn, &cfg2, c->e->key, c->e->account_id, c->e->user_id,
                                   c->e->key_id, c->e->service_account_id, &has, &when, &ans,
                                   c->log) != 0)
            ans.status = PP_CLOUD_UNREACHABLE;
        if (ans.status == PP_CLOUD_OK && bots && record_is_another_key(c->e, ans.key_id)) {
            snprintf(note, notelen, "the service account's record describes another key "
                     "(api_key.id %s, not the stored key's %s): its expiration is not used",
                     ans.key_id[0] ? ans.key_id : "missing", c->e->sa_key_id);
            pp_notice(c->log, "check: entry=%s: %s", c->e->name, note);
        } else if (ans.status == PP_CLOUD_OK) {
            rec->exp_source = PP_EXP_CLOUD;
            rec->has_expires = has;
            rec->expires = when;
            return;
        } else {
            pp_debug(c->log, "check: entry=%s: expiration not read from Prefect Cloud (%s); "
                     "using the %s one", c->e->name, ans.reason,
                     prev != NULL && prev->exp_source == PP_EXP_CLOUD ? "last read" : "recorded");
        }
    } else if (has_expiration_ids(c->e)) {
        pp_debug(c->log, "check: entry=%s: no time left to read the expiration", c->e->name);
    }
    if (prev != NULL && prev->exp_source == PP_EXP_CLOUD) {
        rec->exp_source = PP_EXP_CLOUD;
        rec->has_expires = prev->has_expires;
        rec->expires = prev->expires;
    } else {
        rec->exp_source = c->e->has_expires ? PP_EXP_ENTRY : PP_EXP_NONE;
        rec->has_expires = c->e->has_expires;
        rec->expires = c->e->has_expires ? c->e->expires : 0;
    }
}

/*
 * Ask Cloud (lock held). Fills rec (the new record) and v. Returns 0, or
 * -1 on a local failure (logged, why in v->reason; nothing to record).
 */
static int ask_cloud(struct pp_check *c, const struct pp_cache_record *prev, unsigned long serial,
                     struct pp_cache_record *rec, struct pp_verdict *v)
{
    struct pp_config cfg2 = *c->cfg;
    struct pp_cloud_answer ans;
    struct pp_workspace *ws = NULL;
    struct pp_facts f;
    size_t nws = 0, i;
    bool found = false;
    char note[200], how[sizeof(note) + 40];

    memset(rec, 0, sizeof(*rec));
    snprintf(rec->fingerprint, sizeof(rec->fingerprint), "%s", c->fp);
    snprintf(rec->account_id, sizeof(rec->account_id), "%s", c->e->account_id);
    snprintf(rec->workspace_id, sizeof(rec->workspace_id), "%s", c->e->workspace_id);
    rec->checked_at = c->now;
    rec->serial = serial + 1;
    if (prev != NULL) {
        rec->has_last_valid = prev->has_last_valid;
        rec->last_valid_at = prev->last_valid_at;
        if (prev->exp_source == PP_EXP_CLOUD) {
            rec->exp_source = PP_EXP_CLOUD;
            rec->has_expires = prev->has_expires;
            rec->expires = prev->expires;
        }
    }
    if (rec->exp_source != PP_EXP_CLOUD) {
        rec->exp_source = c->e->has_expires ? PP_EXP_ENTRY : PP_EXP_NONE;
        rec->has_expires = c->e->has_expires;
        rec->expires = c->e->has_expires ? c->e->expires : 0;
    }

    cfg2.timeout_ms = pp_check_remaining_ms(c);
    if (pp_cloud_workspaces_on(c->conn, &cfg2, c->e->key, &ws, &nws, &ans, c->log) != 0) {
        /* A local failure: no answer of Cloud's, nothing to record (the reason says why). */
        snprintf(v->reason, sizeof(v->reason), "%s", ans.reason);
        return -1;
    }
    rec->http_status = ans.http_status;
    c->source = "cloud";

    switch (ans.status) {
    case PP_CLOUD_OK:
        for (i = 0; i < nws && !found; i++)
            found = strcmp(ws[i].account_id, c->e->account_id) == 0
                && strcmp(ws[i].workspace_id, c->e->workspace_id) == 0;
        free(ws);
        if (!found) {
            rec->outcome = PP_OUT_NO_WORKSPACE;
            rec->has_last_valid = false;
            set_reason(rec, "key is valid but has no access to workspace %s/%s (it sees %zu)",
                     c->e->account_id, c->e->workspace_id, nws);
            pp_judge_set(v, PP_OUT_NO_WORKSPACE, rec->has_expires, rec->expires, "%s", rec->reason);
            return 0;
        }
        read_expiration(c, prev, rec, note, sizeof(note));
        snprintf(how, sizeof(how), "Prefect Cloud accepted the key%s%s", note[0] ? "; " : "",
                 note);
        pp_check_facts(c, rec, &f);
        pp_judge_valid(&f, c->now, rec->has_expires, rec->expires, how, v);
        rec->outcome = v->outcome;
        if (v->outcome == PP_OUT_EXPIRED) {
            rec->has_last_valid = false;
        } else {
            rec->has_last_valid = true;
            rec->last_valid_at = c->now;
        }
        set_reason(rec, "%s", v->reason);
        return 0;

    case PP_CLOUD_REJECTED:
        rec->has_last_valid = false;
        pp_judge_rejected(c->now, rec->has_expires, rec->expires, ans.reason, v);
        rec->outcome = v->outcome;
        set_reason(rec, "%s", v->reason);
        return 0;

    case PP_CLOUD_NOT_FOUND:
    case PP_CLOUD_UNREACHABLE:
    default:
        rec->outcome = PP_OUT_UNREACHABLE;
        rec->has_backoff = true;
        rec->backoff_until = c->now + (ans.retry_after > 0
                                       ? (ans.retry_after < PP_BACKOFF_MAX ? ans.retry_after
                                                                           : PP_BACKOFF_MAX)
                                       : PP_BACKOFF_DEFAULT);
        set_reason(rec, "%s", ans.reason);
        pp_check_facts(c, rec, &f);
        pp_judge_unreachable(&f, c->now, ans.reason, v);
        return 0;
    }
}

/*
 * Steps 1 to 3: the lock, a result that arrived while waiting for it, or
 * Cloud. have/rec: this key's record read before; serial_before its serial.
 * Returns 0 (v filled), 1 on a local failure (why in v->reason; nothing
 * recorded) or -1 (logged).
 */
static int locked_check(struct pp_check *c, bool force, bool have, struct pp_cache_record *rec,
                        unsigned long serial_before, struct pp_verdict *v)
{
    struct pp_cache_record result;
    struct pp_facts f;
    unsigned long serial_after;
    bool waited;
    long left;
    int lockfd, rc;

    /*
     * One check per entry at a time: wait for a running one. Then read the
     * record again: a check that ended meanwhile (a new serial) decides.
     */
    lockfd = pp_cache_lock(c->cfg, c->e->name, 0, c->log);
    waited = lockfd == PP_TIMED_OUT;
    if (waited) {
        c->source = "wait";
        left = pp_check_remaining_ms(c);
        lockfd = pp_cache_lock(c->cfg, c->e->name, left > 0 ? left : 0, c->log);
    }
    if (lockfd == -1) {
        snprintf(v->reason, sizeof(v->reason), "the entry's lock cannot be taken (logged)");
        return 1;
    }
    if (lockfd >= 0) {
        have = pp_check_read_own(c, rec, &serial_after, false) == 0;
        pp_check_facts(c, have ? rec : NULL, &f);
        f.force = force;
        f.record_just_made = serial_after != serial_before;
        if (pp_judge(&f, c->now, v) == 0) {
            close(lockfd);
            pp_check_log_result(c, v);
            return 0;
        }
        serial_before = serial_after;
    }
    if (lockfd == PP_TIMED_OUT || (waited && pp_check_remaining_ms(c) < PP_CHECK_MIN_MS)) {
        pp_check_facts(c, have ? rec : NULL, &f);
        pp_judge_unreachable(&f, c->now, "another check is still running", v);
        if (lockfd >= 0)
            close(lockfd);
        pp_check_log_result(c, v);
        return 0;
    }

    c->conn = pp_cloud_conn_new();     /* NULL: each request connects anew */
    rc = ask_cloud(c, have ? rec : NULL, serial_before, &result, v);
    pp_cloud_conn_free(c->conn);
    c->conn = NULL;
    if (rc == 0 && pp_cache_write(c->cfg, c->e->name, &result, c->log) != 0)
        pp_warn(c->log, "check: entry=%s: result not cached", c->e->name);
    close(lockfd);
    if (rc == 0)
        pp_check_log_result(c, v);
    return rc == 0 ? 0 : 1;
}


int pp_checkwork_check(const struct pp_check_request *rq, struct pp_check_answer *a,
                       const struct pp_log *log)
{
    struct pp_check c;
    struct pp_cache_record rec;
    struct pp_facts f;
    unsigned long serial_before;
    bool have;

    if (pp_check_begin(&c, &rq->cfg, &rq->e, rq->now, &a->v, log) != 0)
        return -1;
    c.start = rq->start;        /* the caller's clock: its wait and this check end together */
    if (pp_cache_prepare(&rq->cfg, log) != 0)
        return -1;
    /* The caller's look at the record may be old by now: look again. */
    have = pp_check_read_own(&c, &rec, &serial_before, false) == 0;
    pp_check_facts(&c, have ? &rec : NULL, &f);
    f.force = rq->force;
    if (pp_judge(&f, rq->now, &a->v) == 0) {
        c.source = !a->v.from_cache                 ? "entry"
                   : rec.outcome == PP_OUT_UNREACHABLE ? "back-off"
                                                       : "cache";
        pp_check_log_result(&c, &a->v);
        snprintf(a->source, sizeof(a->source), "%s", c.source);
        return 0;
    }
    a->rc = locked_check(&c, rq->force, have, &rec, serial_before, &a->v);
    snprintf(a->source, sizeof(a->source), "%s", c.source);
    return a->rc;
}

int pp_checkwork_validate(const struct pp_check_request *rq, struct pp_check_answer *a,
                          const struct pp_log *log)
{
    const struct pp_entry *e = &rq->e;
    struct pp_cloud_conn *conn = pp_cloud_conn_new();
    struct pp_config cfg1 = rq->cfg, cfg2 = rq->cfg;
    long spent;
    int rc = 0;

    spent = pp_ms_since(&rq->start);
    cfg1.timeout_ms = rq->cfg.timeout_ms - spent > 1 ? rq->cfg.timeout_ms - spent : 1;
    if (rq->ask & PP_ASK_WORKSPACES)
        rc = pp_cloud_workspaces_on(conn, &cfg1, e->key, &a->ws, &a->nws, &a->ws_ans, log);
    if (rc == 0 && (rq->ask & PP_ASK_EXPIRATION)
        && (!(rq->ask & PP_ASK_WORKSPACES) || a->ws_ans.status == PP_CLOUD_OK)) {
        spent = pp_ms_since(&rq->start);
        cfg2.timeout_ms = rq->cfg.timeout_ms - spent > 1 ? rq->cfg.timeout_ms - spent : 1;
        a->exp_read = true;
        if (pp_cloud_expiration_on(conn, &cfg2, e->key, e->account_id,
                                   e->user_id[0] ? e->user_id : NULL,
                                   e->key_id[0] ? e->key_id : NULL,
                                   e->service_account_id[0] ? e->service_account_id : NULL,
                                   &a->has_expires, &a->expires, &a->exp_ans, log) != 0)
            a->exp_ans.status = PP_CLOUD_UNREACHABLE;
    }
    pp_cloud_conn_free(conn);
    if (rc != 0)
        snprintf(a->v.reason, sizeof(a->v.reason), "%s", a->ws_ans.reason);
    a->rc = rc == 0 ? 0 : 1;
    return a->rc;
}

/*
 * check.c: one entry's key checked with Prefect Cloud, through the cache
 * (see check.h).
 *
 * The order of a check:
 *   1. a fresh record for this key's fingerprint decides (no request);
 *      within the back-off window after an unreachable check, so does the
 *      unreachable record;
 *   2. otherwise take the entry's lock in the cache directory, waiting for
 *      at most what is left of timeout_ms; a login that had to wait uses
 *      the record the lock's holder wrote (its serial tells it is new);
 *   3. otherwise ask Cloud: /me/workspaces, then, for a valid key whose
 *      entry records the ids, its expiration, with what is left of the
 *      same timeout_ms;
 *   4. write the record, release the lock.
 * Timing uses the monotonic clock; the record's times use `now`.
 */
#include <config.h>

#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cloud.h"
#include "secret.h"
#include "timefmt.h"

/* Back-off after an unreachable check, and its ceiling for Retry-After. */
#define PP_BACKOFF_DEFAULT 30
#define PP_BACKOFF_MAX 300
/* Less time than this left: do not start a request. */
#define PP_CHECK_MIN_MS 100

struct check {
    const struct pp_config *cfg;
    const struct pp_entry *e;
    time_t now;
    const struct pp_log *log;
    char fp[PP_FP_SIZE];
    struct timespec start;
    const char *source;         /* for the debug line: cache, back-off, wait, cloud */
    struct pp_cloud_conn *conn; /* the check's requests share one connection */
};

static long elapsed_ms(const struct check *c)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - c->start.tv_sec) * 1000L
        + (long)(now.tv_nsec - c->start.tv_nsec) / 1000000L;
}

static long remaining_ms(const struct check *c)
{
    return c->cfg->timeout_ms - elapsed_ms(c);
}

static void set_verdict(struct pp_verdict *v, enum pp_outcome o, bool has, time_t when,
                        const char *fmt, ...) PP_PRINTF(5, 6);

static void set_verdict(struct pp_verdict *v, enum pp_outcome o, bool has, time_t when,
                        const char *fmt, ...)
{
    va_list ap;

    v->outcome = o;
    v->export_key = pp_outcome_exports(o);
    v->has_expires = has;
    v->expires = has ? when : 0;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
    va_end(ap);
}

static void set_reason(struct pp_cache_record *rec, const char *fmt, ...) PP_PRINTF(2, 3);

/* rec->reason, truncated if need be (reasons are for people, not parsers). */
static void set_reason(struct pp_cache_record *rec, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rec->reason, sizeof(rec->reason), fmt, ap);
    va_end(ap);
}

/* The best known expiration: read from Cloud for this key, else the entry's. */
static void best_expiration(const struct check *c, const struct pp_cache_record *r,
                            bool *has, time_t *when)
{
    pp_best_expiration(r, c->e, has, when);
}

/* valid, expiring or expired, from an expiration and now. */
static void valid_verdict(const struct check *c, bool has, time_t when, const char *how,
                          struct pp_verdict *v)
{
    char t[PP_TIME_SIZE];

    if (has && when <= c->now) {
        set_verdict(v, PP_OUT_EXPIRED, true, when, "key expired on %s", pp_time_format(when, t));
    } else if (has && pp_expiry_warns(c->cfg, when, c->now)) {
        long days = pp_days_left(c->now, when);

        set_verdict(v, PP_OUT_EXPIRING, true, when, "key expires on %s (%ld day%s left)",
                    pp_time_format(when, t), days, days == 1 ? "" : "s");
    } else {
        set_verdict(v, PP_OUT_VALID, has, when, "%s", how);
    }
}

/*
 * Cloud could not be reached (why): stale-ok when the key's last valid
 * check is within offline_grace, else unreachable; expired if a known
 * expiration has passed.
 */
static void unreachable_verdict(const struct check *c, const struct pp_cache_record *r,
                                const char *why, struct pp_verdict *v)
{
    char t[PP_TIME_SIZE];
    bool has;
    time_t when;

    best_expiration(c, r, &has, &when);
    if (has && when <= c->now) {
        set_verdict(v, PP_OUT_EXPIRED, true, when, "key expired on %s", pp_time_format(when, t));
    } else if (r != NULL && r->has_last_valid && c->cfg->offline_grace > 0
               && r->last_valid_at <= c->now
               && c->now - r->last_valid_at <= (time_t)c->cfg->offline_grace) {
        set_verdict(v, PP_OUT_STALE_OK, has, when,
                    "Prefect Cloud unreachable (%s); last valid check %s is within offline_grace",
                    why, pp_time_format(r->last_valid_at, t));
    } else {
        set_verdict(v, PP_OUT_UNREACHABLE, has, when, "Prefect Cloud unreachable: %s", why);
    }
}

/*
 * What record r (this key's) says now without a request; false if it says
 * nothing. just_made: r was written by the check we waited for, so it
 * counts whatever its age.
 */
static bool from_record(const struct check *c, const struct pp_cache_record *r, bool just_made,
                        struct pp_verdict *v)
{
    char t[PP_TIME_SIZE], how[200];
    time_t age = c->now - r->checked_at;
    bool has;
    time_t when;

    switch (r->outcome) {
    case PP_OUT_VALID:
    case PP_OUT_EXPIRING:
        if (!just_made && (age < 0 || age >= (time_t)c->cfg->cache_ttl))
            return false;
        best_expiration(c, r, &has, &when);
        snprintf(how, sizeof(how), "Prefect Cloud accepted the key (checked %s)",
                 pp_time_format(r->checked_at, t));
        valid_verdict(c, has, when, how, v);
        return true;
    case PP_OUT_EXPIRED:
    case PP_OUT_REJECTED:
    case PP_OUT_NO_WORKSPACE:
        if (!just_made && (age < 0 || age >= (time_t)c->cfg->negative_cache_ttl))
            return false;
        best_expiration(c, r, &has, &when);
        set_verdict(v, r->outcome, has, when, "%s (checked %s)", r->reason,
                    pp_time_format(r->checked_at, t));
        return true;
    case PP_OUT_UNREACHABLE:
        if (!just_made && !(r->has_backoff && c->now < r->backoff_until && age >= 0))
            return false;
        if (just_made) {
            unreachable_verdict(c, r, r->reason, v);
        } else {
            char why[300];

            snprintf(why, sizeof(why), "%s; no new request before %s", r->reason,
                     pp_time_format(r->backoff_until, t));
            unreachable_verdict(c, r, why, v);
        }
        return true;
    default:
        return false;
    }
}

/* This key's record, if there is one: 0 (rec filled) or -1 (none, or another key's). */
static int read_own(const struct check *c, struct pp_cache_record *rec, unsigned long *serial,
                    bool first)
{
    int rc;

    /* The first look may use the record pp_cache_fingerprint read just before. */
    if (first && c->e->record_read) {
        rc = c->e->record != NULL ? 0 : -2;
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

static bool has_expiration_ids(const struct pp_entry *e)
{
    return (e->user_id[0] != '\0' && e->key_id[0] != '\0') || e->service_account_id[0] != '\0';
}

/* The expiration of a valid key, from Cloud when the entry has the ids. */
static void read_expiration(struct check *c, const struct pp_cache_record *prev,
                            struct pp_cache_record *rec)
{
    struct pp_config cfg2 = *c->cfg;
    struct pp_cloud_answer ans;
    bool has = false;
    time_t when = 0;
    long left = remaining_ms(c);

    if (has_expiration_ids(c->e) && left >= PP_CHECK_MIN_MS) {
        cfg2.timeout_ms = left;
        if (pp_cloud_expiration_on(c->conn, &cfg2, c->e->key, c->e->account_id, c->e->user_id,
                                   c->e->key_id, c->e->service_account_id, &has, &when, &ans,
                                   c->log) == 0
            && ans.status == PP_CLOUD_OK) {
            rec->exp_source = PP_EXP_CLOUD;
            rec->has_expires = has;
            rec->expires = when;
            return;
        }
        pp_debug(c->log, "check: entry=%s: expiration not read from Prefect Cloud (%s); "
                 "using the %s one", c->e->name, ans.reason,
                 prev != NULL && prev->exp_source == PP_EXP_CLOUD ? "last read" : "recorded");
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
 * -1 on a local error (logged; nothing to record).
 */
static int ask_cloud(struct check *c, const struct pp_cache_record *prev, unsigned long serial,
                     struct pp_cache_record *rec, struct pp_verdict *v)
{
    struct pp_config cfg2 = *c->cfg;
    struct pp_cloud_answer ans;
    struct pp_workspace *ws = NULL;
    size_t nws = 0, i;
    bool found = false;
    char t[PP_TIME_SIZE];

    memset(rec, 0, sizeof(*rec));
    snprintf(rec->fingerprint, sizeof(rec->fingerprint), "%s", c->fp);
    snprintf(rec->account_id, sizeof(rec->account_id), "%s", c->e->account_id);
    snprintf(rec->workspace_id, sizeof(rec->workspace_id), "%s", c->e->workspace_id);
    snprintf(rec->entry_file, sizeof(rec->entry_file), "%s", c->e->file_id);
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

    cfg2.timeout_ms = remaining_ms(c);
    if (pp_cloud_workspaces_on(c->conn, &cfg2, c->e->key, &ws, &nws, &ans, c->log) != 0)
        return -1;
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
            set_verdict(v, PP_OUT_NO_WORKSPACE, rec->has_expires, rec->expires, "%s", rec->reason);
            return 0;
        }
        read_expiration(c, prev, rec);
        valid_verdict(c, rec->has_expires, rec->expires, "Prefect Cloud accepted the key", v);
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
        if (rec->has_expires && rec->expires <= c->now) {
            rec->outcome = PP_OUT_EXPIRED;
            set_reason(rec, "Prefect Cloud rejected the key (%s); it expired on %s", ans.reason,
                     pp_time_format(rec->expires, t));
        } else {
            rec->outcome = PP_OUT_REJECTED;
            set_reason(rec, "Prefect Cloud rejected the key (%s): revoked, invalid or expired",
                     ans.reason);
        }
        set_verdict(v, rec->outcome, rec->has_expires, rec->expires, "%s", rec->reason);
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
        unreachable_verdict(c, rec, ans.reason, v);
        return 0;
    }
}

/*
 * The key's fingerprint: e->fp when pp_cache_fingerprint gave it (from the
 * cache record, cache.h), else the key hashed now (which may load
 * libcrypto). 0, or -1 (logged).
 */
static int key_fingerprint(const struct pp_entry *e, char fp[PP_FP_SIZE], const struct pp_log *log)
{
    if (e == NULL || e->key == NULL) {
        pp_error(log, "check: no key to check");
        return -1;
    }
    if (e->fp[0] != '\0' && strcmp(e->fp, "unknown") != 0) {
        memcpy(fp, e->fp, PP_FP_SIZE);
        return 0;
    }
    if (pp_fingerprint(e->key, fp) != 0) {
        pp_error(log, "check: the key's fingerprint cannot be computed");
        return -1;
    }
    return 0;
}

static void log_result(const struct check *c, const struct pp_verdict *v)
{
    pp_debug(c->log, "check: entry=%s fp=%s outcome=%s source=%s time=%ldms reason=%s",
             c->e->name, c->fp, pp_outcome_name(v->outcome), c->source, elapsed_ms(c), v->reason);
}

int pp_check_cached(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                    struct pp_verdict *v, const struct pp_log *log)
{
    struct check c;
    struct pp_cache_record rec;

    memset(v, 0, sizeof(*v));
    memset(&c, 0, sizeof(c));
    c.cfg = cfg;
    c.e = e;
    c.now = now;
    c.log = log;
    c.source = "cache";
    if (key_fingerprint(e, c.fp, log) != 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &c.start);
    if (read_own(&c, &rec, NULL, true) == 0 && from_record(&c, &rec, false, v)) {
        c.source = rec.outcome == PP_OUT_UNREACHABLE ? "back-off" : "cache";
        v->from_cache = true;
        log_result(&c, v);
        return 0;
    }
    return 1;
}

int pp_check_entry(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                   bool force, struct pp_verdict *v, const struct pp_log *log)
{
    struct check c;
    struct pp_cache_record rec, result;
    bool have, waited;
    unsigned long serial_before, serial_after;
    long left;
    int lockfd, rc;

    memset(v, 0, sizeof(*v));
    memset(&c, 0, sizeof(c));
    c.cfg = cfg;
    c.e = e;
    c.now = now;
    c.log = log;
    c.source = "cache";
    /* Before the clock of timeout_ms starts: that bounds the wait for Cloud. */
    if (key_fingerprint(e, c.fp, log) != 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &c.start);
    if (pp_cache_prepare(cfg, log) != 0)
        return -1;

    have = read_own(&c, &rec, &serial_before, true) == 0;
    if (!force && have && from_record(&c, &rec, false, v)) {
        c.source = rec.outcome == PP_OUT_UNREACHABLE ? "back-off" : "cache";
        v->from_cache = true;
        log_result(&c, v);
        return 0;
    }

    /*
     * One check per entry at a time: wait for a running one. Then read the
     * record again: a check that ended meanwhile (a new serial) decides.
     */
    lockfd = pp_cache_lock(cfg, e->name, 0, log);
    waited = lockfd == -2;
    if (waited) {
        c.source = "wait";
        left = remaining_ms(&c);
        lockfd = pp_cache_lock(cfg, e->name, left > 0 ? left : 0, log);
    }
    if (lockfd == -1)
        return -1;
    if (lockfd >= 0) {
        have = read_own(&c, &rec, &serial_after, false) == 0;
        if (!force && have && from_record(&c, &rec, serial_after != serial_before, v)) {
            v->from_cache = true;
            close(lockfd);
            log_result(&c, v);
            return 0;
        }
        serial_before = serial_after;
    }
    if (lockfd == -2 || (waited && remaining_ms(&c) < PP_CHECK_MIN_MS)) {
        unreachable_verdict(&c, have ? &rec : NULL, "another check is still running", v);
        if (lockfd >= 0)
            close(lockfd);
        log_result(&c, v);
        return 0;
    }

    c.conn = pp_cloud_conn_new();      /* NULL: each request connects anew */
    rc = ask_cloud(&c, have ? &rec : NULL, serial_before, &result, v);
    pp_cloud_conn_free(c.conn);
    if (rc == 0 && pp_cache_write(cfg, e->name, &result, log) != 0)
        pp_warn(log, "check: entry=%s: result not cached", e->name);
    close(lockfd);
    if (rc == 0)
        log_result(&c, v);
    return rc;
}

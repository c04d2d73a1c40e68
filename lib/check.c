/* SPDX-License-Identifier: BSD-3-Clause */
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
 * Steps 2 to 4 run in a checker process of their own when the caller of the
 * login (su, sudo: real uid not root) could signal this one (see
 * check_in_checker). Timing uses the monotonic clock, which the checker
 * shares; the record's times use `now`.
 */
#include <config.h>

#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
/* Beyond timeout_ms, how long a login waits for its checker's reply to arrive. */
#define PP_REPLY_GRACE_MS 100

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

    switch (pp_outcome_info(r->outcome)->life) {
    case PP_LIFE_CACHE_TTL:         /* valid, expiring */
        if (!just_made && (age < 0 || age >= (time_t)c->cfg->cache_ttl))
            return false;
        best_expiration(c, r, &has, &when);
        snprintf(how, sizeof(how), "Prefect Cloud accepted the key (checked %s)",
                 pp_time_format(r->checked_at, t));
        valid_verdict(c, has, when, how, v);
        return true;
    case PP_LIFE_NEGATIVE_TTL:      /* expired, rejected, no-workspace-access */
        if (!just_made && (age < 0 || age >= (time_t)c->cfg->negative_cache_ttl))
            return false;
        best_expiration(c, r, &has, &when);
        set_verdict(v, r->outcome, has, when, "%s (checked %s)", r->reason,
                    pp_time_format(r->checked_at, t));
        return true;
    case PP_LIFE_BACKOFF:           /* unreachable */
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
    case PP_LIFE_NOT_CACHED:
        break;
    }
    return false;
}

/* This key's record, if there is one: 0 (rec filled) or -1 (none, or another key's). */
static int read_own(const struct check *c, struct pp_cache_record *rec, unsigned long *serial,
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
static void read_expiration(struct check *c, const struct pp_cache_record *prev,
                            struct pp_cache_record *rec, char *note, size_t notelen)
{
    struct pp_config cfg2 = *c->cfg;
    struct pp_cloud_answer ans;
    bool has = false;
    time_t when = 0;
    long left = remaining_ms(c);
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
    char t[PP_TIME_SIZE], note[200], how[sizeof(note) + 40];

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
        read_expiration(c, prev, rec, note, sizeof(note));
        snprintf(how, sizeof(how), "Prefect Cloud accepted the key%s%s", note[0] ? "; " : "",
                 note);
        valid_verdict(c, rec->has_expires, rec->expires, how, v);
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

static void log_result(const struct check *c, const struct pp_verdict *v)
{
    pp_debug(c->log, "check: entry=%s fp=%s outcome=%s source=%s time=%ldms reason=%s",
             c->e->name, c->fp, pp_outcome_name(v->outcome), c->source, elapsed_ms(c), v->reason);
}

/* Start a check of e at now (v cleared). 0, or -1 when there is no key (logged). */
static int check_start(struct check *c, const struct pp_config *cfg, const struct pp_entry *e,
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
     * Else the key is hashed here, which may load libcrypto: before the
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
    struct check c;
    struct pp_cache_record rec;

    if (check_start(&c, cfg, e, now, v, log) != 0)
        return -1;
    if (read_own(&c, &rec, NULL, true) == 0 && from_record(&c, &rec, false, v)) {
        c.source = rec.outcome == PP_OUT_UNREACHABLE ? "back-off" : "cache";
        v->from_cache = true;
        log_result(&c, v);
        return 0;
    }
    return 1;
}

/*
 * Steps 2 to 4: the lock, a result that arrived while waiting for it, or
 * Cloud. have/rec: this key's record read before; serial_before its serial.
 */
static int locked_check(struct check *c, bool force, bool have, struct pp_cache_record *rec,
                        unsigned long serial_before, struct pp_verdict *v)
{
    struct pp_cache_record result;
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
        left = remaining_ms(c);
        lockfd = pp_cache_lock(c->cfg, c->e->name, left > 0 ? left : 0, c->log);
    }
    if (lockfd == -1)
        return -1;
    if (lockfd >= 0) {
        have = read_own(c, rec, &serial_after, false) == 0;
        if (!force && have && from_record(c, rec, serial_after != serial_before, v)) {
            v->from_cache = true;
            close(lockfd);
            log_result(c, v);
            return 0;
        }
        serial_before = serial_after;
    }
    if (lockfd == PP_TIMED_OUT || (waited && remaining_ms(c) < PP_CHECK_MIN_MS)) {
        unreachable_verdict(c, have ? rec : NULL, "another check is still running", v);
        if (lockfd >= 0)
            close(lockfd);
        log_result(c, v);
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
        log_result(c, v);
    return rc;
}

/* What the checker process sends back. */
struct checker_reply {
    int rc;
    struct pp_verdict v;
};

/*
 * In the checker process: credentials, limits and signals of its own, so
 * that the caller of su or sudo can neither stop, kill nor slow it (all its
 * uids are root), no terminal signal reaches it (a session of its own), and
 * what it makes is root:root with fixed modes whatever the caller's umask.
 */
static void become_checker(void)
{
    struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY }, none = { 0, 0 };
    struct sigaction dfl;
    sigset_t all;
    int sig;

    (void)setsid();
    if (setgroups(0, NULL) != 0 || setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0)
        return;     /* the caller (root) checks getresuid() after this */
    umask(077);
    (void)setrlimit(RLIMIT_FSIZE, &unlimited);
    (void)setrlimit(RLIMIT_CPU, &unlimited);
    (void)setrlimit(RLIMIT_CORE, &none);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP)
            (void)sigaction(sig, &dfl, NULL);
    }
    dfl.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &dfl, NULL);
    sigemptyset(&all);
    (void)sigprocmask(SIG_SETMASK, &all, NULL);
}

/* Whether the process's caller could signal it: a real or saved uid not root. */
static bool caller_can_signal(void)
{
    uid_t r, e, s;

    return getresuid(&r, &e, &s) != 0 || r != 0 || s != 0;
}

/* Read the reply from fd, waiting at most ms. 1 read, 0 none in time, -1 none at all. */
static int read_reply(int fd, struct checker_reply *rep, long ms)
{
    struct pollfd pfd = { fd, POLLIN, 0 };
    struct timespec start, now;
    size_t got = 0;

    clock_gettime(CLOCK_MONOTONIC, &start);
    while (got < sizeof(*rep)) {
        long left;
        ssize_t n;
        int r;

        clock_gettime(CLOCK_MONOTONIC, &now);
        left = ms - ((long)(now.tv_sec - start.tv_sec) * 1000L
                     + (long)(now.tv_nsec - start.tv_nsec) / 1000000L);
        if (left <= 0)
            return 0;
        r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        n = read(fd, (char *)rep + got, sizeof(*rep) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 1;
}

/*
 * locked_check in a checker process of its own (become_checker), when the
 * caller could signal this one: the entry's lock is then only ever held by
 * a process that no user can stop, so a stopped login (SIGSTOP on su)
 * stalls nobody else. The checker is a grandchild, so nothing is left to
 * reap; this process waits for its reply at most what is left of
 * timeout_ms (plus a moment to carry the reply over). The checker's own
 * requests end by the same deadline. Returns as locked_check.
 */
static int check_in_checker(struct check *c, bool force, bool have, struct pp_cache_record *rec,
                            unsigned long serial_before, struct pp_verdict *v)
{
    struct checker_reply rep;
    struct sigaction chld;
    pid_t pid;
    int p[2], r, status;

    if (pipe2(p, O_CLOEXEC) != 0) {
        pp_warn(c->log, "check: entry=%s: no pipe for the checker (%s); checking here",
                c->e->name, strerror(errno));
        return locked_check(c, force, have, rec, serial_before, v);
    }
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        if (fork() != 0)
            _exit(0);
        become_checker();
        memset(&rep, 0, sizeof(rep));
        if (caller_can_signal()) {
            pp_error(c->log, "check: entry=%s: the checker cannot become root entirely",
                     c->e->name);
            rep.rc = -1;
        } else {
            rep.rc = locked_check(c, force, have, rec, serial_before, &rep.v);
        }
        if (write(p[1], &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
            _exit(1);
        _exit(0);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        pp_warn(c->log, "check: entry=%s: cannot start the checker (%s); checking here",
                c->e->name, strerror(errno));
        return locked_check(c, force, have, rec, serial_before, v);
    }
    /*
     * The middle process ends at once: reap it (ECHILD if the application's
     * own handler did), unless SIGCHLD is ignored, when the kernel reaps it
     * and waitpid would wait for every other child of the application.
     */
    if (sigaction(SIGCHLD, NULL, &chld) == 0 && chld.sa_handler != SIG_IGN
        && (chld.sa_flags & SA_NOCLDWAIT) == 0) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    r = read_reply(p[0], &rep, remaining_ms(c) + PP_REPLY_GRACE_MS);
    close(p[0]);
    if (r == 1) {
        *v = rep.v;
        return rep.rc;
    }
    if (r == 0) {
        c->source = "checker";
        unreachable_verdict(c, have ? rec : NULL, "the check did not finish within timeout_ms",
                            v);
        log_result(c, v);
        return 0;
    }
    pp_error(c->log, "check: entry=%s: the checker ended without an answer", c->e->name);
    return -1;
}

int pp_check_entry(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                   bool force, struct pp_verdict *v, const struct pp_log *log)
{
    struct check c;
    struct pp_cache_record rec;
    bool have;
    unsigned long serial_before;

    if (check_start(&c, cfg, e, now, v, log) != 0)
        return -1;
    /* A record the login has just read (cache.h) was read from a checked directory. */
    if ((!e->record_read || e->record == NULL) && pp_cache_prepare(cfg, log) != 0)
        return -1;

    have = read_own(&c, &rec, &serial_before, true) == 0;
    if (!force && have && from_record(&c, &rec, false, v)) {
        c.source = rec.outcome == PP_OUT_UNREACHABLE ? "back-off" : "cache";
        v->from_cache = true;
        log_result(&c, v);
        return 0;
    }
    if (caller_can_signal())
        return check_in_checker(&c, force, have, &rec, serial_before, v);
    return locked_check(&c, force, have, &rec, serial_before, v);
}

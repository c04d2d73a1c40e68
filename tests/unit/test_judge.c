/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_judge.c: the judge (lib/judge.h) as tables of facts -> verdict:
 * every outcome rule and the order between them; a login's scope, and the
 * ruling a front end acts on (refusal, warning, the user's sentence, the
 * decision line). No file, no clock, no NSS: all times are relative to a
 * fixed NOW.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "judge.h"

#define NOW ((time_t)1767225600)    /* 2026-01-01T00:00:00Z */
#define DAY 86400L
#define TTL 300L
#define NEG_TTL 60L
#define GRACE 3600L
#define WARN_DAYS 14L

/* One case: the facts (times relative to NOW), and what the judge must say. */
struct row {
    const char *name;
    /* settings (default: validate, expiry_warn_days 14, offline_grace 3600) */
    bool no_validate, no_warn, no_grace;
    /* the entry's recorded expiration */
    bool e_has;
    long e_exp;
    /* this key's record */
    bool unread;                    /* the cache was not looked at */
    bool rec;
    enum pp_outcome r_out;
    long r_checked;
    bool r_cloud_exp;               /* the record holds Cloud's expiration (r_has, r_exp) */
    bool r_has;
    long r_exp;
    bool r_valid;                   /* last valid check at r_valid_at */
    long r_valid_at;
    bool r_backoff;
    long r_backoff_until;
    bool just_made, no_network, force, entry_judged;
    const char *no_answer;
    /* expected */
    int rc;                         /* 1: the facts do not decide */
    enum pp_outcome out;
    bool from_cache;
    bool has;
    long exp;
    const char *reason;             /* a part of the reason */
};

static const struct row rows[] = {
    /* 1. A recorded expiration that has passed comes first. */
    { "entry expired, fresh valid record", .e_has = true, .e_exp = -1, .rec = true,
      .r_out = PP_OUT_VALID, .r_checked = -10,
      .out = PP_OUT_EXPIRED, .has = true, .exp = -1, .reason = "recorded expiration" },
    { "entry expires exactly now", .e_has = true, .e_exp = 0, .unread = true,
      .out = PP_OUT_EXPIRED, .has = true, .exp = 0, .reason = "has passed" },
    { "entry expired, validate off", .no_validate = true, .e_has = true, .e_exp = -DAY,
      .unread = true, .out = PP_OUT_EXPIRED, .has = true, .exp = -DAY },
    { "entry expired, no network", .e_has = true, .e_exp = -5, .no_network = true,
      .out = PP_OUT_EXPIRED, .has = true, .exp = -5 },
    /* 2. Without validate only the recorded expiration is known. */
    { "validate off, no expiration", .no_validate = true, .unread = true,
      .out = PP_OUT_UNCHECKED, .reason = "no recorded expiration" },
    { "validate off, far expiration", .no_validate = true, .e_has = true, .e_exp = 20 * DAY,
      .unread = true, .out = PP_OUT_UNCHECKED, .has = true, .exp = 20 * DAY },
    { "validate off, within the warning window is expiring", .no_validate = true,
      .e_has = true, .e_exp = 3 * DAY, .unread = true,
      .out = PP_OUT_EXPIRING, .has = true, .exp = 3 * DAY, .reason = "expiry_warn_days" },
    { "validate off, warning window at its edge", .no_validate = true, .e_has = true,
      .e_exp = WARN_DAYS * DAY, .unread = true,
      .out = PP_OUT_EXPIRING, .has = true, .exp = WARN_DAYS * DAY },
    { "validate off, just beyond the warning window", .no_validate = true, .e_has = true,
      .e_exp = WARN_DAYS * DAY + 1, .unread = true,
      .out = PP_OUT_UNCHECKED, .has = true, .exp = WARN_DAYS * DAY + 1 },
    { "validate off, expiry_warn_days 0 never warns", .no_validate = true, .no_warn = true,
      .e_has = true, .e_exp = 3 * DAY, .unread = true,
      .out = PP_OUT_UNCHECKED, .has = true, .exp = 3 * DAY },
    /* With validate, the record must be looked at. */
    { "record not read yet", .unread = true, .rc = 1 },
    /* 3. A fresh record decides. */
    { "fresh valid record", .rec = true, .r_out = PP_OUT_VALID, .r_checked = -10,
      .out = PP_OUT_VALID, .from_cache = true, .reason = "accepted the key" },
    { "valid record within the warning window is expiring", .rec = true,
      .r_out = PP_OUT_VALID, .r_checked = -10, .r_cloud_exp = true, .r_has = true,
      .r_exp = 2 * DAY, .out = PP_OUT_EXPIRING, .from_cache = true, .has = true,
      .exp = 2 * DAY, .reason = "2 days left" },
    { "Cloud's expiration before the entry's", .e_has = true, .e_exp = 20 * DAY, .rec = true,
      .r_out = PP_OUT_VALID, .r_checked = -10, .r_cloud_exp = true, .r_has = true,
      .r_exp = 2 * DAY, .out = PP_OUT_EXPIRING, .from_cache = true, .has = true,
      .exp = 2 * DAY },
    { "Cloud says no expiration: the entry's does not count", .e_has = true, .e_exp = 2 * DAY,
      .rec = true, .r_out = PP_OUT_VALID, .r_checked = -10, .r_cloud_exp = true,
      .out = PP_OUT_VALID, .from_cache = true },
    { "no expiration from Cloud: the entry's", .e_has = true, .e_exp = 2 * DAY, .rec = true,
      .r_out = PP_OUT_VALID, .r_checked = -10, .out = PP_OUT_EXPIRING, .from_cache = true,
      .has = true, .exp = 2 * DAY },
    { "valid record, Cloud's expiration has passed", .rec = true, .r_out = PP_OUT_EXPIRING,
      .r_checked = -10, .r_cloud_exp = true, .r_has = true, .r_exp = -1,
      .out = PP_OUT_EXPIRED, .from_cache = true, .has = true, .exp = -1,
      .reason = "key expired on" },
    { "valid record at cache_ttl is stale", .rec = true, .r_out = PP_OUT_VALID,
      .r_checked = -TTL, .rc = 1 },
    { "valid record from the future is not fresh", .rec = true, .r_out = PP_OUT_VALID,
      .r_checked = 10, .rc = 1 },
    { "a record just made counts whatever its age", .rec = true, .r_out = PP_OUT_VALID,
      .r_checked = -10 * TTL, .just_made = true, .out = PP_OUT_VALID, .from_cache = true },
    { "fresh rejected record", .rec = true, .r_out = PP_OUT_REJECTED, .r_checked = -10,
      .out = PP_OUT_REJECTED, .from_cache = true, .reason = "(checked " },
    { "fresh no-workspace-access record", .rec = true, .r_out = PP_OUT_NO_WORKSPACE,
      .r_checked = -(NEG_TTL - 1), .out = PP_OUT_NO_WORKSPACE, .from_cache = true },
    { "rejected record at negative_cache_ttl is stale", .rec = true,
      .r_out = PP_OUT_REJECTED, .r_checked = -NEG_TTL, .rc = 1 },
    { "unreachable record within its back-off", .rec = true, .r_out = PP_OUT_UNREACHABLE,
      .r_checked = -5, .r_backoff = true, .r_backoff_until = 25,
      .out = PP_OUT_UNREACHABLE, .from_cache = true, .reason = "no new request before" },
    { "back-off, last valid within offline_grace", .rec = true,
      .r_out = PP_OUT_UNREACHABLE, .r_checked = -5, .r_backoff = true,
      .r_backoff_until = 25, .r_valid = true, .r_valid_at = -GRACE,
      .out = PP_OUT_STALE_OK, .from_cache = true, .reason = "within offline_grace" },
    { "back-off over", .rec = true, .r_out = PP_OUT_UNREACHABLE, .r_checked = -30,
      .r_backoff = true, .r_backoff_until = 0, .rc = 1 },
    { "an outcome never recorded decides nothing", .rec = true, .r_out = PP_OUT_ERROR,
      .r_checked = -10, .rc = 1 },
    /* 4. Cloud asked, no answer. */
    { "no answer, no record", .no_answer = "timed out", .out = PP_OUT_UNREACHABLE,
      .reason = "unreachable: timed out" },
    { "no answer, last valid within offline_grace", .rec = true, .r_out = PP_OUT_VALID,
      .r_checked = -TTL, .r_valid = true, .r_valid_at = -TTL, .no_answer = "timed out",
      .out = PP_OUT_STALE_OK },
    { "no answer, last valid beyond offline_grace", .rec = true, .r_out = PP_OUT_VALID,
      .r_checked = -(GRACE + 1), .r_valid = true, .r_valid_at = -(GRACE + 1),
      .no_answer = "timed out", .out = PP_OUT_UNREACHABLE },
    { "no answer, offline_grace 0", .no_grace = true, .rec = true, .r_out = PP_OUT_VALID,
      .r_checked = -TTL, .r_valid = true, .r_valid_at = -TTL, .no_answer = "timed out",
      .out = PP_OUT_UNREACHABLE },
    { "no answer, last valid in the future", .rec = true, .r_out = PP_OUT_VALID,
      .r_checked = -TTL, .r_valid = true, .r_valid_at = 10, .no_answer = "timed out",
      .out = PP_OUT_UNREACHABLE },
    { "no answer, Cloud's expiration has passed", .rec = true, .r_out = PP_OUT_VALID,
      .r_checked = -TTL, .r_cloud_exp = true, .r_has = true, .r_exp = -1, .r_valid = true,
      .r_valid_at = -TTL, .no_answer = "timed out", .out = PP_OUT_EXPIRED, .has = true,
      .exp = -1 },
    { "no answer, but the check just made a record", .rec = true, .r_out = PP_OUT_REJECTED,
      .r_checked = -1000, .just_made = true, .no_answer = "timed out",
      .out = PP_OUT_REJECTED, .from_cache = true },
    /* 5. No network: needs-check. */
    { "no network, no record", .e_has = true, .e_exp = 30 * DAY, .no_network = true,
      .out = PP_OUT_NEEDS_CHECK, .has = true, .exp = 30 * DAY, .reason = "would ask" },
    { "no network, stale record", .rec = true, .r_out = PP_OUT_VALID, .r_checked = -TTL,
      .no_network = true, .out = PP_OUT_NEEDS_CHECK },
    { "no network, fresh record", .rec = true, .r_out = PP_OUT_VALID, .r_checked = -1,
      .no_network = true, .out = PP_OUT_VALID, .from_cache = true },
    /* The check's side: the entry alone was judged before (validate is not known there). */
    { "entry judged: validate off does not apply", .entry_judged = true, .no_validate = true,
      .rec = true, .r_out = PP_OUT_VALID, .r_checked = -1, .out = PP_OUT_VALID,
      .from_cache = true },
    { "entry judged: no record, ask Cloud", .entry_judged = true, .no_validate = true,
      .rc = 1 },
    { "entry judged: a passed expiration still makes a valid record expired",
      .entry_judged = true, .e_has = true, .e_exp = -1, .rec = true, .r_out = PP_OUT_VALID,
      .r_checked = -1, .out = PP_OUT_EXPIRED, .from_cache = true, .has = true, .exp = -1,
      .reason = "key expired on" },
    { "entry judged, no answer, passed expiration", .entry_judged = true, .e_has = true,
      .e_exp = -1, .no_answer = "timed out", .out = PP_OUT_EXPIRED, .has = true, .exp = -1 },
    /* A forced check (prefect-keys check) asks Cloud whatever the facts. */
    { "force: a fresh record does not count", .force = true, .rec = true,
      .r_out = PP_OUT_VALID, .r_checked = -1, .rc = 1 },
    { "force: nor a passed recorded expiration", .force = true, .e_has = true, .e_exp = -1,
      .rc = 1 },
    { "force: nor validate off", .force = true, .no_validate = true, .rc = 1 },
    { "force, no answer, passed expiration", .force = true, .e_has = true, .e_exp = -1,
      .no_answer = "refused", .out = PP_OUT_EXPIRED, .has = true, .exp = -1 },
    { "force, no answer, just-made fresh record", .force = true, .rec = true,
      .r_out = PP_OUT_VALID, .r_checked = -1, .just_made = true, .r_valid = true,
      .r_valid_at = -1, .no_answer = "refused", .out = PP_OUT_STALE_OK },
};

static void facts_of(const struct row *r, struct pp_config *cfg, struct pp_entry *e,
                     struct pp_cache_record *rec, struct pp_facts *f)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->validate = !r->no_validate;
    cfg->expiry_warn_days = r->no_warn ? 0 : WARN_DAYS;
    cfg->cache_ttl = TTL;
    cfg->negative_cache_ttl = NEG_TTL;
    cfg->offline_grace = r->no_grace ? 0 : GRACE;

    memset(e, 0, sizeof(*e));               /* no key: the judge never reads it */
    e->has_expires = r->e_has;
    e->expires = r->e_has ? NOW + r->e_exp : 0;

    memset(rec, 0, sizeof(*rec));
    rec->outcome = r->r_out;
    rec->checked_at = NOW + r->r_checked;
    rec->exp_source = r->r_cloud_exp ? PP_EXP_CLOUD : PP_EXP_NONE;
    rec->has_expires = r->r_has;
    rec->expires = r->r_has ? NOW + r->r_exp : 0;
    rec->has_last_valid = r->r_valid;
    rec->last_valid_at = r->r_valid ? NOW + r->r_valid_at : 0;
    rec->has_backoff = r->r_backoff;
    rec->backoff_until = r->r_backoff ? NOW + r->r_backoff_until : 0;
    snprintf(rec->reason, sizeof(rec->reason), "what the check said");

    memset(f, 0, sizeof(*f));
    f->cfg = cfg;
    f->entry = e;
    f->record_read = !r->unread;
    f->record = r->rec ? rec : NULL;
    f->record_just_made = r->just_made;
    f->network = !r->no_network;
    f->force = r->force;
    f->entry_judged = r->entry_judged;
    f->no_answer = r->no_answer;
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];
        struct pp_config cfg;
        struct pp_entry e;
        struct pp_cache_record rec;
        struct pp_facts f;
        struct pp_verdict v, again;
        int rc;

        facts_of(r, &cfg, &e, &rec, &f);
        rc = pp_judge(&f, NOW, &v);
        if (rc != r->rc)
            fail_msg("%s: returned %d, expected %d (outcome %s)", r->name, rc, r->rc,
                     pp_outcome_name(v.outcome));
        if (rc != 0)
            continue;
        if (v.outcome != r->out)
            fail_msg("%s: outcome %s, expected %s (%s)", r->name, pp_outcome_name(v.outcome),
                     pp_outcome_name(r->out), v.reason);
        if (v.export_key != pp_outcome_exports(r->out) || v.from_cache != r->from_cache
            || v.has_expires != r->has || (r->has && v.expires != NOW + r->exp)
            || (!r->has && v.expires != 0))
            fail_msg("%s: export %d from_cache %d has_expires %d expires %+lld", r->name,
                     v.export_key, v.from_cache, v.has_expires, (long long)(v.expires - NOW));
        if (r->reason != NULL && strstr(v.reason, r->reason) == NULL)
            fail_msg("%s: reason \"%s\" lacks \"%s\"", r->name, v.reason, r->reason);
        /* The same facts and time, the same verdict. */
        assert_int_equal(pp_judge(&f, NOW, &again), 0);
        assert_memory_equal(&v, &again, sizeof(v));
    }
}

/* pp_expiry_warns: (0, expiry_warn_days] days ahead, never when 0. */
static void test_expiry_warns(void **state)
{
    static const struct {
        long days;
        long ahead;
        bool warns;
    } t[] = {
        { 14, 14 * DAY, true },  { 14, 14 * DAY + 1, false }, { 14, 1, true },
        { 14, 0, false },        { 14, -DAY, false },         { 0, 1, false },
        { 1, DAY, true },        { 1, DAY + 1, false },
    };
    struct pp_config cfg;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        cfg.expiry_warn_days = t[i].days;
        if (pp_expiry_warns(&cfg, NOW + t[i].ahead, NOW) != t[i].warns)
            fail_msg("expiry_warn_days %ld, %ld s ahead: expected %s", t[i].days, t[i].ahead,
                     t[i].warns ? "a warning" : "none");
    }
}

/* pp_expires_within (prefect-keys expiring --within): at most days ahead, or passed. */
static void test_expires_within(void **state)
{
    static const struct {
        long days;
        long ahead;
        bool within;
    } t[] = {
        { 14, 14 * DAY, true }, { 14, 14 * DAY + 1, false }, { 14, 0, true },
        { 14, -DAY, true },     { 0, 0, true },              { 0, 1, false },
        { 0, -1, true },        { 30, 30 * DAY - 1, true },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (pp_expires_within(t[i].days, NOW + t[i].ahead, NOW) != t[i].within)
            fail_msg("within %ld days, %ld s ahead: expected %s", t[i].days, t[i].ahead,
                     t[i].within ? "within" : "beyond");
}

/* Facts for judging Cloud's answer: an entry with no expiration, the warning window set. */
static void answer_facts(struct pp_config *cfg, struct pp_entry *e, struct pp_facts *f)
{
    memset(cfg, 0, sizeof(*cfg));
    memset(e, 0, sizeof(*e));
    memset(f, 0, sizeof(*f));
    cfg->expiry_warn_days = WARN_DAYS;
    f->cfg = cfg;
    f->entry = e;
}

/* Cloud's fresh answer (pp_judge_valid), as the check program judges it. */
static void test_valid(void **state)
{
    static const struct {
        bool has;
        long exp;
        enum pp_outcome out;
    } t[] = {
        { false, 0, PP_OUT_VALID },           { true, 30 * DAY, PP_OUT_VALID },
        { true, WARN_DAYS * DAY, PP_OUT_EXPIRING }, { true, 1, PP_OUT_EXPIRING },
        { true, 0, PP_OUT_EXPIRED },          { true, -DAY, PP_OUT_EXPIRED },
    };
    struct pp_config cfg;
    struct pp_entry e;
    struct pp_facts f;
    struct pp_verdict v;

    (void)state;
    answer_facts(&cfg, &e, &f);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        memset(&v, 0, sizeof(v));
        pp_judge_valid(&f, NOW, t[i].has, NOW + t[i].exp, "accepted", &v);
        if (v.outcome != t[i].out || v.export_key != pp_outcome_exports(t[i].out))
            fail_msg("expiration %+ld (%d): %s, expected %s", t[i].exp, t[i].has,
                     pp_outcome_name(v.outcome), pp_outcome_name(t[i].out));
    }
}

/* Cloud rejected the key (pp_judge_rejected): a passed expiration says why. */
static void test_rejected(void **state)
{
    static const struct {
        bool has;
        long exp;
        enum pp_outcome out;
        const char *reason;
    } t[] = {
        { false, 0, PP_OUT_REJECTED, "HTTP 401): revoked, invalid or expired" },
        { true, DAY, PP_OUT_REJECTED, "revoked" },
        { true, 0, PP_OUT_EXPIRED, "HTTP 401); it expired on 2026-01-01" },
        { true, -DAY, PP_OUT_EXPIRED, "it expired on 2025-12-31" },
    };
    struct pp_verdict v;

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        memset(&v, 0, sizeof(v));
        pp_judge_rejected(NOW, t[i].has, NOW + t[i].exp, "HTTP 401", &v);
        if (v.outcome != t[i].out || v.export_key || strstr(v.reason, t[i].reason) == NULL)
            fail_msg("expiration %+ld (%d): %s (%s), expected %s (%s)", t[i].exp, t[i].has,
                     pp_outcome_name(v.outcome), v.reason, pp_outcome_name(t[i].out),
                     t[i].reason);
    }
}

/* ---- a login's scope ---- */

static char *const only_sshd[] = { "sshd", NULL };

struct scope_row {
    const char *name;
    long euid;
    bool services_sshd;             /* services = sshd (else every service) */
    const char *service, *user;
    enum pp_nss nss;
    long uid;
    long minimum_uid;
    /* expected */
    enum pp_judged judged;
    enum pp_scope scope;
    enum pp_outcome out;
    int priority;
    const char *why;                /* a part of scope_why (and of the log line) */
};

static const struct scope_row scope_rows[] = {
    { "not root comes first", .euid = 1000, .services_sshd = true, .service = "cron",
      .judged = PP_JUDGED_SETTLED, .scope = PP_SCOPE_NOT_ROOT, .out = PP_OUT_OUT_OF_SCOPE,
      .priority = LOG_DEBUG, .why = "not running as root (euid 1000)" },
    { "a service not in services", .services_sshd = true, .service = "cron", .user = "alice",
      .judged = PP_JUDGED_SETTLED, .scope = PP_SCOPE_SERVICE, .out = PP_OUT_OUT_OF_SCOPE,
      .priority = LOG_DEBUG, .why = "not in services" },
    { "no service given: services does not apply", .services_sshd = true, .user = "alice",
      .judged = PP_JUDGED_ASK_NSS },
    { "a service in services", .services_sshd = true, .service = "sshd", .user = "alice",
      .judged = PP_JUDGED_ASK_NSS },
    { "no user name", .service = "sshd", .judged = PP_JUDGED_SETTLED,
      .scope = PP_SCOPE_NO_USER, .out = PP_OUT_OUT_OF_SCOPE, .priority = LOG_WARNING,
      .why = "no user name given" },
    { "an empty user name", .user = "", .judged = PP_JUDGED_SETTLED,
      .scope = PP_SCOPE_NO_USER, .out = PP_OUT_OUT_OF_SCOPE, .priority = LOG_WARNING },
    { "a name that cannot be an account's: before NSS", .user = "../root",
      .judged = PP_JUDGED_SETTLED, .scope = PP_SCOPE_BAD_NAME, .out = PP_OUT_OUT_OF_SCOPE,
      .priority = LOG_WARNING, .why = "not a valid account name" },
    { "NSS does not know the user", .user = "alice", .nss = PP_NSS_UNKNOWN,
      .judged = PP_JUDGED_SETTLED, .scope = PP_SCOPE_UNKNOWN_USER,
      .out = PP_OUT_OUT_OF_SCOPE, .priority = LOG_WARNING, .why = "no such user" },
    { "NSS failed: a local error, in scope", .user = "alice", .nss = PP_NSS_FAILED,
      .judged = PP_JUDGED_SETTLED, .scope = PP_SCOPE_IN, .out = PP_OUT_ERROR,
      .priority = LOG_ERR },
    { "uid below minimum_uid", .user = "alice", .nss = PP_NSS_KNOWN, .uid = 999,
      .minimum_uid = 1000, .judged = PP_JUDGED_SETTLED, .scope = PP_SCOPE_MINIMUM_UID,
      .out = PP_OUT_OUT_OF_SCOPE, .priority = LOG_DEBUG,
      .why = "uid 999 below minimum_uid 1000" },
    { "uid at minimum_uid is in scope", .user = "alice", .nss = PP_NSS_KNOWN, .uid = 1000,
      .minimum_uid = 1000, .judged = PP_JUDGED_GO_ON, .scope = PP_SCOPE_IN,
      .out = PP_OUT_OUT_OF_SCOPE },
};

static void test_scope(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(scope_rows) / sizeof(scope_rows[0]); i++) {
        const struct scope_row *t = &scope_rows[i];
        struct pp_config cfg;
        struct pp_facts f;
        struct pp_ruling r;
        enum pp_judged j;

        memset(&cfg, 0, sizeof(cfg));
        cfg.services = t->services_sshd ? (char **)only_sshd : NULL;
        cfg.minimum_uid = t->minimum_uid;
        memset(&f, 0, sizeof(f));
        f.cfg = &cfg;
        f.euid = (uid_t)t->euid;
        f.service = t->service;
        f.user = t->user;
        f.nss = t->nss;
        f.uid = (uid_t)t->uid;
        f.service_log = t->service != NULL ? t->service : "-";
        j = pp_judge_scope(&f, &r);
        if (j != t->judged)
            fail_msg("%s: judged %d, expected %d (%s)", t->name, j, t->judged, r.log_line);
        if (j == PP_JUDGED_ASK_NSS)
            continue;
        if (r.scope != t->scope || r.outcome != t->out)
            fail_msg("%s: scope %s outcome %s, expected %s %s", t->name,
                     pp_scope_name(r.scope), pp_outcome_name(r.outcome),
                     pp_scope_name(t->scope), pp_outcome_name(t->out));
        if (j == PP_JUDGED_GO_ON)
            continue;
        if (r.exports || r.log_priority != t->priority || r.log_line[0] == '\0')
            fail_msg("%s: exports %d, priority %d (expected %d), line \"%s\"", t->name,
                     r.exports, r.log_priority, t->priority, r.log_line);
        if (t->why != NULL && (strstr(r.scope_why, t->why) == NULL
                               || strstr(r.log_line, t->why) == NULL))
            fail_msg("%s: scope_why \"%s\" or line \"%s\" lacks \"%s\"", t->name, r.scope_why,
                     r.log_line, t->why);
        /* Out of scope is no failure: nothing is said, nothing refused. */
        if (r.scope != PP_SCOPE_IN && (r.say != PP_SAY_NOTHING || r.refuse))
            fail_msg("%s: out of scope, yet said %d refused %d", t->name, r.say, r.refuse);
    }
}

/* ---- the ruling: refusal, warning, sentence and line ---- */

struct ruling_row {
    const char *name;
    enum pp_match match;            /* the rule (PP_MATCH_NONE: none reached) */
    bool deny;                      /* on_failure = deny */
    /* the verdict, or (error) a local error with words */
    enum pp_outcome out;
    bool has;
    long exp;
    bool error;
    const char *words;
    /* expected */
    bool exports, refuse, warn;
    enum pp_say say;
    int priority;
    long days_left;
    const char *sentence;           /* a part of it; NULL: no sentence */
    const char *line;               /* a part of the decision line */
};

static const struct ruling_row ruling_rows[] = {
    { "valid, far from expiring: a notice, nothing said", .match = PP_MATCH_USER,
      .out = PP_OUT_VALID, .has = true, .exp = 30 * DAY, .exports = true,
      .priority = LOG_NOTICE, .days_left = 30,
      .line = "service=sshd entry=alice-key fingerprint=fp1 outcome=valid reason=why; "
              "exported PREFECT_API_KEY and PREFECT_API_URL (user rule)" },
    { "valid without an expiration", .match = PP_MATCH_DEFAULT, .out = PP_OUT_VALID,
      .exports = true, .priority = LOG_NOTICE, .line = "(default entry)" },
    { "expiring in 3 days: the user is told", .match = PP_MATCH_GROUP,
      .out = PP_OUT_EXPIRING, .has = true, .exp = 3 * DAY, .exports = true, .warn = true,
      .say = PP_SAY_INFO, .priority = LOG_NOTICE, .days_left = 3,
      .sentence = "Your Prefect API key (entry alice-key) expires on 2026-01-04, in 3 days.",
      .line = "(group rule batch)" },
    { "expiring in one day", .match = PP_MATCH_USER, .out = PP_OUT_EXPIRING, .has = true,
      .exp = DAY, .exports = true, .warn = true, .say = PP_SAY_INFO,
      .priority = LOG_NOTICE, .days_left = 1, .sentence = "in 1 day." },
    { "expiring within the day", .match = PP_MATCH_USER, .out = PP_OUT_UNCHECKED,
      .has = true, .exp = 3600, .exports = true, .warn = true, .say = PP_SAY_INFO,
      .priority = LOG_NOTICE, .sentence = "in less than a day." },
    { "expired, on_failure ignore: told, not refused", .match = PP_MATCH_USER,
      .out = PP_OUT_EXPIRED, .has = true, .exp = -DAY, .say = PP_SAY_ERROR,
      .priority = LOG_WARNING, .days_left = -1,
      .sentence = "pam_prefect: no Prefect API key was set for this session: entry "
                  "alice-key expired on 2025-12-31.",
      .line = "outcome=expired reason=why; no key exported, session continues without it "
              "(on_failure=ignore)" },
    { "rejected, on_failure deny: refused", .match = PP_MATCH_USER, .deny = true,
      .out = PP_OUT_REJECTED, .refuse = true, .say = PP_SAY_ERROR, .priority = LOG_ERR,
      .sentence = "The session is refused.", .line = "session refused (on_failure=deny)" },
    { "needs-check is no failure", .match = PP_MATCH_USER, .deny = true,
      .out = PP_OUT_NEEDS_CHECK, .priority = LOG_DEBUG, .line = "service=sshd why" },
    { "a local error with a matched rule names the entry", .match = PP_MATCH_USER,
      .error = true, .words = "is missing from the key store", .say = PP_SAY_ERROR,
      .priority = LOG_ERR,
      .sentence = "entry alice-key is missing from the key store.",
      .line = "entry=alice-key fingerprint=fp1 outcome=error" },
    { "a local error before any rule, ignore: nothing said", .error = true,
      .words = "the key mapping could not be read", .priority = LOG_ERR,
      .line = "entry=- fingerprint=fp1 outcome=error" },
    { "a local error before any rule, deny: told and refused", .deny = true, .error = true,
      .words = "the key mapping could not be read", .refuse = true, .say = PP_SAY_ERROR,
      .priority = LOG_ERR,
      .sentence = "session: the key mapping could not be read. The session is refused." },
};

static void test_ruling(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ruling_rows) / sizeof(ruling_rows[0]); i++) {
        const struct ruling_row *t = &ruling_rows[i];
        struct pp_config cfg;
        struct pp_resolution rule;
        struct pp_facts f;
        struct pp_verdict v;
        struct pp_ruling r;

        memset(&cfg, 0, sizeof(cfg));
        cfg.expiry_warn_days = WARN_DAYS;
        cfg.on_failure = t->deny ? PP_ON_FAILURE_DENY : PP_ON_FAILURE_IGNORE;
        memset(&rule, 0, sizeof(rule));
        rule.match = t->match;
        if (t->match != PP_MATCH_NONE)
            snprintf(rule.entry, sizeof(rule.entry), "alice-key");
        if (t->match == PP_MATCH_GROUP)
            snprintf(rule.group, sizeof(rule.group), "batch");
        memset(&f, 0, sizeof(f));
        f.cfg = &cfg;
        f.service_log = "sshd";
        f.rule = &rule;
        f.fingerprint = "fp1";
        memset(&r, 0, sizeof(r));
        if (t->error) {
            pp_judge_error(&f, NOW, "why", t->words, &r);
        } else {
            memset(&v, 0, sizeof(v));
            pp_judge_set(&v, t->out, t->has, NOW + t->exp, "why");
            pp_judge_settle(&f, NOW, &v, &r);
        }
        if (r.exports != t->exports || r.refuse != t->refuse || r.warn != t->warn
            || r.say != t->say || r.log_priority != t->priority)
            fail_msg("%s: exports %d refuse %d warn %d say %d priority %d", t->name,
                     r.exports, r.refuse, r.warn, r.say, r.log_priority);
        if (t->has && !t->error && r.days_left != t->days_left)
            fail_msg("%s: %ld days left, expected %ld", t->name, r.days_left, t->days_left);
        if (t->sentence == NULL ? r.sentence[0] != '\0'
                                : strstr(r.sentence, t->sentence) == NULL)
            fail_msg("%s: sentence \"%s\", expected \"%s\"", t->name, r.sentence,
                     t->sentence != NULL ? t->sentence : "");
        if (t->line != NULL && strstr(r.log_line, t->line) == NULL)
            fail_msg("%s: line \"%s\" lacks \"%s\"", t->name, r.log_line, t->line);
    }
}

/* No rule: nothing to do, said to no one, logged in debug. */
static void test_no_rule(void **state)
{
    struct pp_config cfg;
    struct pp_facts f;
    struct pp_ruling r;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    cfg.on_failure = PP_ON_FAILURE_DENY;
    memset(&f, 0, sizeof(f));
    f.cfg = &cfg;
    f.service_log = "su";
    memset(&r, 0, sizeof(r));
    pp_judge_no_rule(&f, NOW, &r);
    assert_int_equal(r.outcome, PP_OUT_NO_RULE);
    assert_false(r.exports || r.refuse);
    assert_int_equal(r.say, PP_SAY_NOTHING);
    assert_int_equal(r.log_priority, LOG_DEBUG);
    assert_string_equal(r.log_line,
                        "service=su no user, group or default rule in the mapping: nothing to do");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_expiry_warns),
        cmocka_unit_test(test_expires_within),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_rejected),
        cmocka_unit_test(test_scope),
        cmocka_unit_test(test_ruling),
        cmocka_unit_test(test_no_rule),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * judge.c: facts and the time to an outcome, without I/O (see judge.h).
 */
#include <config.h>

#include "judge.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "names.h"
#include "timefmt.h"

bool pp_expires_within(long days, time_t t, time_t now)
{
    return (long long)t - (long long)now <= (long long)days * PP_SECONDS_PER_DAY;
}

bool pp_expiry_warns(const struct pp_config *cfg, time_t t, time_t now)
{
    return cfg->expiry_warn_days > 0 && t > now
           && pp_expires_within(cfg->expiry_warn_days, t, now);
}

enum pp_exp_source pp_best_expiration(const struct pp_cache_record *rec,
                                      const struct pp_entry *e, bool *has, time_t *when)
{
    if (rec != NULL && rec->exp_source == PP_EXP_CLOUD) {
        *has = rec->has_expires;
        *when = rec->has_expires ? rec->expires : 0;
        return PP_EXP_CLOUD;
    }
    *has = e->has_expires;
    *when = e->has_expires ? e->expires : 0;
    return e->has_expires ? PP_EXP_ENTRY : PP_EXP_NONE;
}

void pp_judge_set(struct pp_verdict *v, enum pp_outcome o, bool has, time_t when,
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

void pp_judge_valid(const struct pp_facts *f, time_t now, bool has, time_t when,
                    const char *how, struct pp_verdict *v)
{
    char t[PP_TIME_SIZE];

    if (has && when <= now) {
        pp_judge_set(v, PP_OUT_EXPIRED, true, when, "key expired on %s", pp_time_format(when, t));
    } else if (has && pp_expiry_warns(f->cfg, when, now)) {
        long days = pp_days_left(now, when);

        pp_judge_set(v, PP_OUT_EXPIRING, true, when, "key expires on %s (%ld day%s left)",
                     pp_time_format(when, t), days, days == 1 ? "" : "s");
    } else {
        pp_judge_set(v, PP_OUT_VALID, has, when, "%s", how);
    }
}

void pp_judge_rejected(time_t now, bool has, time_t when, const char *why,
                       struct pp_verdict *v)
{
    char t[PP_TIME_SIZE];

    if (has && when <= now)
        pp_judge_set(v, PP_OUT_EXPIRED, true, when,
                     "Prefect Cloud rejected the key (%s); it expired on %s", why,
                     pp_time_format(when, t));
    else
        pp_judge_set(v, PP_OUT_REJECTED, has, when,
                     "Prefect Cloud rejected the key (%s): revoked, invalid or expired", why);
}

void pp_judge_unreachable(const struct pp_facts *f, time_t now, const char *why,
                          struct pp_verdict *v)
{
    const struct pp_cache_record *r = f->record;
    char t[PP_TIME_SIZE];
    bool has;
    time_t when;

    pp_best_expiration(r, f->entry, &has, &when);
    if (has && when <= now) {
        pp_judge_set(v, PP_OUT_EXPIRED, true, when, "key expired on %s", pp_time_format(when, t));
    } else if (r != NULL && r->has_last_valid && f->cfg->offline_grace > 0
               && r->last_valid_at <= now
               && now - r->last_valid_at <= (time_t)f->cfg->offline_grace) {
        pp_judge_set(v, PP_OUT_STALE_OK, has, when,
                     "Prefect Cloud unreachable (%s); last valid check %s is within "
                     "offline_grace", why, pp_time_format(r->last_valid_at, t));
    } else {
        pp_judge_set(v, PP_OUT_UNREACHABLE, has, when, "Prefect Cloud unreachable: %s", why);
    }
}

/* What f's record says at now without a request; false if it says nothing. */
static bool from_record(const struct pp_facts *f, time_t now, struct pp_verdict *v)
{
    const struct pp_cache_record *r = f->record;
    bool just_made = f->record_just_made;
    char t[PP_TIME_SIZE], how[200];
    time_t age = now - r->checked_at;
    bool has;
    time_t when;

    switch (pp_outcome_info(r->outcome)->life) {
    case PP_LIFE_CACHE_TTL:         /* valid, expiring */
        if (!just_made && (age < 0 || age >= (time_t)f->cfg->cache_ttl))
            return false;
        pp_best_expiration(r, f->entry, &has, &when);
        snprintf(how, sizeof(how), "Prefect Cloud accepted the key (checked %s)",
                 pp_time_format(r->checked_at, t));
        pp_judge_valid(f, now, has, when, how, v);
        return true;
    case PP_LIFE_NEGATIVE_TTL:      /* expired, rejected, no-workspace-access */
        if (!just_made && (age < 0 || age >= (time_t)f->cfg->negative_cache_ttl))
            return false;
        pp_best_expiration(r, f->entry, &has, &when);
        pp_judge_set(v, r->outcome, has, when, "%s (checked %s)", r->reason,
                     pp_time_format(r->checked_at, t));
        return true;
    case PP_LIFE_BACKOFF:           /* unreachable */
        if (!just_made && !(r->has_backoff && now < r->backoff_until && age >= 0))
            return false;
        if (just_made) {
            pp_judge_unreachable(f, now, r->reason, v);
        } else {
            char why[300];

            snprintf(why, sizeof(why), "%s; no new request before %s", r->reason,
                     pp_time_format(r->backoff_until, t));
            pp_judge_unreachable(f, now, why, v);
        }
        return true;
    case PP_LIFE_NOT_CACHED:
        break;
    }
    return false;
}

/* Rule 2: without validate, only the recorded expiration is known. */
static void unchecked(const struct pp_facts *f, time_t now, struct pp_verdict *v)
{
    const struct pp_entry *e = f->entry;
    char when[PP_TIME_SIZE];

    if (e->has_expires && pp_expiry_warns(f->cfg, e->expires, now))
        pp_judge_set(v, PP_OUT_EXPIRING, true, e->expires,
                     "not checked with Prefect Cloud (validate is off); "
                     "recorded expiration %s is within expiry_warn_days (%ld)",
                     pp_time_format(e->expires, when), f->cfg->expiry_warn_days);
    else if (e->has_expires)
        pp_judge_set(v, PP_OUT_UNCHECKED, true, e->expires,
                     "not checked with Prefect Cloud (validate is off); recorded expiration %s",
                     pp_time_format(e->expires, when));
    else
        pp_judge_set(v, PP_OUT_UNCHECKED, false, 0,
                     "not checked with Prefect Cloud (validate is off); no recorded expiration");
}

int pp_judge(const struct pp_facts *f, time_t now, struct pp_verdict *v)
{
    const struct pp_entry *e = f->entry;
    char when[PP_TIME_SIZE];

    memset(v, 0, sizeof(*v));
    /* 1. A recorded expiration that has passed: no Cloud request. */
    if (!f->force && !f->entry_judged && e->has_expires && e->expires <= now) {
        pp_judge_set(v, PP_OUT_EXPIRED, true, e->expires, "recorded expiration %s has passed",
                     pp_time_format(e->expires, when));
        return 0;
    }
    /* 2. Without validate: only the recorded expiration is known. */
    if (!f->force && !f->entry_judged && !f->cfg->validate) {
        unchecked(f, now, v);
        return 0;
    }
    if (!f->record_read)
        return 1;
    /* 3. A fresh record of this key's check. */
    if (!f->force && f->record != NULL && from_record(f, now, v)) {
        v->from_cache = true;
        return 0;
    }
    memset(v, 0, sizeof(*v));
    /* 4. Cloud asked, no answer. */
    if (f->no_answer != NULL) {
        pp_judge_unreachable(f, now, f->no_answer, v);
        return 0;
    }
    /* 5. Cloud may not be asked. */
    if (!f->network) {
        pp_judge_set(v, PP_OUT_NEEDS_CHECK, e->has_expires, e->expires,
                     "no fresh cached check of this key: a login would ask Prefect Cloud now");
        return 0;
    }
    return 1;
}

/* ---- a login's scope and ruling ---- */

static const char *const scope_names[] = {
    [PP_SCOPE_IN] = "in",
    [PP_SCOPE_NOT_ROOT] = "not-root",
    [PP_SCOPE_SERVICE] = "services",
    [PP_SCOPE_NO_USER] = "no-user",
    [PP_SCOPE_BAD_NAME] = "invalid-user-name",
    [PP_SCOPE_UNKNOWN_USER] = "unknown-user",
    [PP_SCOPE_MINIMUM_UID] = "minimum_uid",
};

_Static_assert(sizeof(scope_names) / sizeof(scope_names[0]) == PP_SCOPE_COUNT,
               "every scope reason has a name");

const char *pp_scope_name(enum pp_scope s)
{
    if ((unsigned)s >= PP_SCOPE_COUNT)
        return "unknown";
    return scope_names[s];
}

static void fmt(char *out, size_t outlen, const char *f, ...) PP_PRINTF(3, 4);
static void fmt(char *out, size_t outlen, const char *f, ...)
{
    va_list ap;

    va_start(ap, f);
    vsnprintf(out, outlen, f, ap);
    va_end(ap);
}

/* "YYYY-MM-DD" (UTC) of t. */
static void date_of(time_t t, char out[16])
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, 16, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 16, "(unknown)");
}

void pp_judge_rule_words(const struct pp_resolution *res, char *out, size_t outlen)
{
    char group[PP_ACCOUNT_NAME_MAX + 8];

    switch (res != NULL ? res->match : PP_MATCH_NONE) {
    case PP_MATCH_USER:
        fmt(out, outlen, "user rule");
        return;
    case PP_MATCH_GROUP:
        fmt(out, outlen, "group rule %s", pp_log_safe(res->group, group, sizeof(group)));
        return;
    case PP_MATCH_DEFAULT:
        fmt(out, outlen, "default entry");
        return;
    case PP_MATCH_NONE:
        break;
    }
    fmt(out, outlen, "no rule");
}

/*
 * The decision line and the user's sentence, from r's outcome part and f.
 * words: the user's wording for a failure (NULL: the outcome row's).
 */
static void compose(const struct pp_facts *f, time_t now, const char *words,
                    struct pp_ruling *r)
{
    const struct pp_outcome_info *info = pp_outcome_info(r->outcome);
    const char *entry = f->rule != NULL && f->rule->match != PP_MATCH_NONE ? f->rule->entry
                                                                           : NULL;
    const char *service = f->service_log != NULL ? f->service_log : "-";
    const char *fp = f->fingerprint != NULL ? f->fingerprint : "-";
    char date[16], w[200], rule[PP_ACCOUNT_NAME_MAX + 32];

    r->exports = info->exports;
    r->refuse = info->failure && f->cfg->on_failure == PP_ON_FAILURE_DENY;
    r->say = PP_SAY_NOTHING;
    r->sentence[0] = '\0';
    r->warn = r->exports && r->has_expires && pp_expiry_warns(f->cfg, r->expires, now);

    if (r->exports) {
        pp_judge_rule_words(f->rule, rule, sizeof(rule));
        r->log_priority = LOG_NOTICE;
        fmt(r->log_line, sizeof(r->log_line),
            "service=%s entry=%s fingerprint=%s outcome=%s reason=%s; "
            "exported PREFECT_API_KEY and PREFECT_API_URL (%s)",
            service, entry != NULL ? entry : "-", fp, info->name, r->reason, rule);
        if (r->warn) {
            date_of(r->expires, date);
            r->say = PP_SAY_INFO;
            if (r->expires - now < PP_SECONDS_PER_DAY)
                fmt(r->sentence, sizeof(r->sentence),
                    "Your Prefect API key (entry %s) expires on %s, in less than a day.",
                    entry != NULL ? entry : "-", date);
            else
                fmt(r->sentence, sizeof(r->sentence),
                    "Your Prefect API key (entry %s) expires on %s, in %ld day%s.",
                    entry != NULL ? entry : "-", date, r->days_left,
                    r->days_left == 1 ? "" : "s");
        }
        return;
    }
    if (!info->failure) {
        /* Out of scope, no rule, needs-check: the reason says it all. */
        if (r->log_priority == 0)
            r->log_priority = LOG_DEBUG;
        if (r->log_line[0] == '\0')
            fmt(r->log_line, sizeof(r->log_line), "service=%s %s", service, r->reason);
        return;
    }

    if (words == NULL) {
        if (info->words_date && r->has_expires) {
            date_of(r->expires, date);
            fmt(w, sizeof(w), "%s on %s", info->words, date);
        } else {
            fmt(w, sizeof(w), "%s", info->words != NULL ? info->words : "could not be used");
        }
        words = w;
    }
    r->log_priority = r->refuse || r->outcome == PP_OUT_ERROR ? LOG_ERR : LOG_WARNING;
    fmt(r->log_line, sizeof(r->log_line),
        "service=%s entry=%s fingerprint=%s outcome=%s reason=%s; no key exported, %s",
        service, entry != NULL ? entry : "-", fp, info->name, r->reason,
        r->refuse ? "session refused (on_failure=deny)"
                  : "session continues without it (on_failure=ignore)");
    if (entry != NULL) {
        r->say = PP_SAY_ERROR;
        fmt(r->sentence, sizeof(r->sentence),
            "pam_prefect: no Prefect API key was set for this session: entry %s %s.%s",
            entry, words, r->refuse ? " The session is refused." : "");
    } else if (r->refuse) {
        r->say = PP_SAY_ERROR;
        fmt(r->sentence, sizeof(r->sentence),
            "pam_prefect: no Prefect API key was set for this session: %s. "
            "The session is refused.", words);
    }
}

/* r: out of scope for scope (why for the log line, at priority). */
static enum pp_judged out_of_scope(const struct pp_facts *f, enum pp_scope scope, int priority,
                                   const char *why, struct pp_ruling *r)
{
    r->scope = scope;
    r->outcome = PP_OUT_OUT_OF_SCOPE;
    r->log_priority = priority;
    fmt(r->scope_why, sizeof(r->scope_why), "%s", why);
    fmt(r->reason, sizeof(r->reason), "%s", why);
    compose(f, 0, NULL, r);     /* no time needed: nothing exported, nothing dated */
    return PP_JUDGED_SETTLED;
}

enum pp_judged pp_judge_scope(const struct pp_facts *f, struct pp_ruling *r)
{
    char why[256];

    memset(r, 0, sizeof(*r));
    r->scope = PP_SCOPE_IN;
    r->outcome = PP_OUT_OUT_OF_SCOPE;
    if (f->euid != 0) {
        fmt(why, sizeof(why), "not running as root (euid %ld): nothing to do", (long)f->euid);
        return out_of_scope(f, PP_SCOPE_NOT_ROOT, LOG_DEBUG, why, r);
    }
    if (f->service != NULL && !pp_config_service_in_scope(f->cfg, f->service))
        return out_of_scope(f, PP_SCOPE_SERVICE, LOG_DEBUG, "not in services: nothing to do", r);
    if (f->user == NULL || f->user[0] == '\0')
        return out_of_scope(f, PP_SCOPE_NO_USER, LOG_WARNING,
                            "no user name given by the caller: nothing exported", r);
    if (!pp_account_name_valid(f->user)) {
        fmt(why, sizeof(why), "user name refused: not a valid account name (no '/', "
            "whitespace, ':', control characters, \".\" or \"..\"; at most %d bytes): "
            "nothing exported", PP_ACCOUNT_NAME_MAX);
        return out_of_scope(f, PP_SCOPE_BAD_NAME, LOG_WARNING, why, r);
    }
    switch (f->nss) {
    case PP_NSS_NOT_ASKED:
        return PP_JUDGED_ASK_NSS;
    case PP_NSS_UNKNOWN:
        return out_of_scope(f, PP_SCOPE_UNKNOWN_USER, LOG_WARNING,
                            "no such user in the password database: nothing exported", r);
    case PP_NSS_FAILED:
        /* No time needed: r was zeroed, so no expiration is dated. */
        pp_judge_error(f, 0, "the user could not be looked up in the password database",
                       "the user could not be looked up", r);
        return PP_JUDGED_SETTLED;
    case PP_NSS_KNOWN:
        break;
    }
    if ((long long)f->uid < (long long)f->cfg->minimum_uid) {
        fmt(why, sizeof(why), "uid %ld below minimum_uid %ld: nothing to do", (long)f->uid,
            f->cfg->minimum_uid);
        return out_of_scope(f, PP_SCOPE_MINIMUM_UID, LOG_DEBUG, why, r);
    }
    return PP_JUDGED_GO_ON;
}

void pp_judge_settle(const struct pp_facts *f, time_t now, const struct pp_verdict *v,
                     struct pp_ruling *r)
{
    r->outcome = v->outcome;
    r->from_cache = v->from_cache;
    r->has_expires = v->has_expires;
    r->expires = v->has_expires ? v->expires : 0;
    r->days_left = v->has_expires ? pp_days_left(now, v->expires) : 0;
    fmt(r->reason, sizeof(r->reason), "%s", v->reason);
    r->log_line[0] = '\0';
    r->log_priority = 0;
    compose(f, now, NULL, r);
}

void pp_judge_error(const struct pp_facts *f, time_t now, const char *reason,
                    const char *words, struct pp_ruling *r)
{
    r->outcome = PP_OUT_ERROR;
    fmt(r->reason, sizeof(r->reason), "%s", reason);
    r->log_line[0] = '\0';
    r->log_priority = 0;
    compose(f, now, words, r);
}

void pp_judge_no_rule(const struct pp_facts *f, time_t now, struct pp_ruling *r)
{
    r->outcome = PP_OUT_NO_RULE;
    fmt(r->reason, sizeof(r->reason),
        "no user, group or default rule in the mapping: nothing to do");
    r->log_line[0] = '\0';
    r->log_priority = 0;
    compose(f, now, NULL, r);
}

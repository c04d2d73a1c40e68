/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * judge.c: facts and the time to an outcome, without I/O (see judge.h).
 */
#include <config.h>

#include "judge.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "timefmt.h"

bool pp_expiry_warns(const struct pp_config *cfg, time_t t, time_t now)
{
    return cfg->expiry_warn_days > 0 && t > now
           && (long long)(t - now) <= (long long)cfg->expiry_warn_days * PP_SECONDS_PER_DAY;
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

void pp_judge_rejected(const struct pp_facts *f, time_t now, bool has, time_t when,
                       const char *why, struct pp_verdict *v)
{
    char t[PP_TIME_SIZE];

    (void)f;
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

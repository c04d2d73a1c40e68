/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * verdict.c: may this entry's key be exported now, and why (or why not).
 *
 * The order is pam_prefect(8)'s: a recorded expiration that has passed decides
 * first (no Cloud request); then, with validate, the cached check of
 * check.h; without it the key is "unchecked" (or "expiring" when the
 * recorded expiration is within expiry_warn_days).
 */
#include <config.h>

#include "verdict.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "timefmt.h"

bool pp_expiry_warns(const struct pp_config *cfg, time_t t, time_t now)
{
    return cfg->expiry_warn_days > 0 && t > now
           && (long long)(t - now) <= (long long)cfg->expiry_warn_days * PP_SECONDS_PER_DAY;
}

int pp_verdict_for(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                   struct pp_verdict *v, const struct pp_log *log)
{
    return pp_verdict_with(cfg, e, now, PP_VERDICT_LOGIN, v, log);
}

int pp_verdict_with(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                    enum pp_verdict_mode mode, struct pp_verdict *v, const struct pp_log *log)
{
    char when[PP_TIME_SIZE];
    int rc;

    memset(v, 0, sizeof(*v));
    if (cfg == NULL || e == NULL || e->key == NULL) {
        pp_error(log, "internal error: no entry to decide on");
        return -1;
    }
    if (mode == PP_VERDICT_FORCE)
        return pp_check_entry(cfg, e, now, true, v, log);
    v->has_expires = e->has_expires;
    v->expires = e->expires;

    /* 1. A recorded expiration that has passed: no Cloud request. */
    if (e->has_expires && e->expires <= now) {
        v->outcome = PP_OUT_EXPIRED;
        v->export_key = false;
        snprintf(v->reason, sizeof(v->reason), "recorded expiration %s has passed",
                 pp_time_format(e->expires, when));
        return 0;
    }

    /* 2. With validate: the cached Cloud check decides. */
    if (cfg->validate) {
        if (mode == PP_VERDICT_CACHE_ONLY) {
            rc = pp_check_cached(cfg, e, now, v, log);
            if (rc < 0)
                return -1;
            if (rc > 0) {
                memset(v, 0, sizeof(*v));
                v->outcome = PP_OUT_NEEDS_CHECK;
                v->has_expires = e->has_expires;
                v->expires = e->expires;
                snprintf(v->reason, sizeof(v->reason),
                         "no fresh cached check of this key: a login would ask "
                         "Prefect Cloud now");
                return 0;
            }
        } else if (pp_check_entry(cfg, e, now, false, v, log) != 0) {
            return -1;
        }
        /* A valid key whose best known expiration is near is "expiring". */
        if (v->outcome == PP_OUT_VALID && v->has_expires
            && pp_expiry_warns(cfg, v->expires, now))
            v->outcome = PP_OUT_EXPIRING;
        v->export_key = pp_outcome_exports(v->outcome);
        return 0;
    }

    /* 3. Without validate: only the recorded expiration is known. */
    if (e->has_expires && pp_expiry_warns(cfg, e->expires, now)) {
        v->outcome = PP_OUT_EXPIRING;
        snprintf(v->reason, sizeof(v->reason),
                 "not checked with Prefect Cloud (validate is off); "
                 "recorded expiration %s is within expiry_warn_days (%ld)",
                 pp_time_format(e->expires, when), cfg->expiry_warn_days);
    } else if (e->has_expires) {
        v->outcome = PP_OUT_UNCHECKED;
        snprintf(v->reason, sizeof(v->reason),
                 "not checked with Prefect Cloud (validate is off); recorded expiration %s",
                 pp_time_format(e->expires, when));
    } else {
        v->outcome = PP_OUT_UNCHECKED;
        snprintf(v->reason, sizeof(v->reason),
                 "not checked with Prefect Cloud (validate is off); no recorded expiration");
    }
    v->export_key = true;
    return 0;
}

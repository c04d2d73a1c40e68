/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * verdict.h: may this entry's key be exported now, and why (or why not).
 *
 * Promises: one call decides, in pam_prefect(8)'s order: a recorded expiration
 * that has passed is "expired" with no Cloud request; otherwise, when
 * cfg->validate is set, a fresh cached result is used or Cloud is asked
 * (cloud.h, cache.h; one request per entry at a time on the host) and the
 * outcome cached; otherwise the key is "unchecked" but still subject to the
 * recorded expiration. Every outcome has one grep-able word (outcome.h).
 */
#ifndef PP_VERDICT_H
#define PP_VERDICT_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "outcome.h"
#include "store.h"

struct pp_verdict {
    enum pp_outcome outcome;
    bool export_key;          /* derived from outcome */
    bool has_expires;         /* the best known expiration */
    time_t expires;
    bool from_cache;
    char reason[256];         /* for the log line and the user's notice; never a key */
};

/* Whether an expiration at t, seen at now, is within expiry_warn_days. */
bool pp_expiry_warns(const struct pp_config *cfg, time_t t, time_t now);

/* How far a verdict may go to find out. */
enum pp_verdict_mode {
    PP_VERDICT_LOGIN = 0,    /* a fresh cached result, else ask Cloud (a login) */
    PP_VERDICT_CACHE_ONLY,   /* a fresh cached result, else "needs-check" (no network) */
    PP_VERDICT_FORCE,        /* ask Cloud whatever the cache says (prefect-keys check);
                                validate does not apply */
};

/* Decide for entry e at time now in mode. Returns 0 (v filled) or -1 (logged). */
int pp_verdict_with(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                    enum pp_verdict_mode mode, struct pp_verdict *v, const struct pp_log *log);

/* pp_verdict_with(..., PP_VERDICT_LOGIN, ...). */
int pp_verdict_for(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                   struct pp_verdict *v, const struct pp_log *log);

#endif

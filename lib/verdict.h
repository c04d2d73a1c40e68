/*
 * verdict.h: may this entry's key be exported now, and why (or why not).
 *
 * Promises: one call decides, in SPEC.md's order: a recorded expiration
 * that has passed is "expired" with no Cloud request; otherwise, when
 * cfg->validate is set, a fresh cached result is used or Cloud is asked
 * (cloud.h, cache.h; one request per entry at a time on the host) and the
 * outcome cached; otherwise the key is "unchecked" but still subject to the
 * recorded expiration. Every outcome has one grep-able word.
 */
#ifndef PP_VERDICT_H
#define PP_VERDICT_H

#include <stdbool.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "store.h"

enum pp_outcome {
    PP_OUT_VALID = 0,        /* checked with Cloud (or cached): export */
    PP_OUT_EXPIRING,         /* valid, expires within expiry_warn_days: export + warn */
    PP_OUT_UNCHECKED,        /* validate = false, not past the recorded expiration: export */
    PP_OUT_STALE_OK,         /* Cloud unreachable, last valid within offline_grace: export */
    PP_OUT_EXPIRED,          /* known expiration has passed: no export */
    PP_OUT_REJECTED,         /* Cloud said 401/403: no export */
    PP_OUT_NO_WORKSPACE,     /* key valid but lost access to the workspace: no export */
    PP_OUT_UNREACHABLE,      /* Cloud not reachable and no grace: no export */
};

struct pp_verdict {
    enum pp_outcome outcome;
    bool export_key;          /* derived from outcome */
    bool has_expires;         /* the best known expiration */
    time_t expires;
    bool from_cache;
    char reason[256];         /* for the log line and the user's notice; never a key */
};

/* "valid", "expiring", "unchecked", "stale-ok", "expired", "rejected",
 * "no-workspace-access", "unreachable". */
const char *pp_outcome_name(enum pp_outcome o);

/* Whether the outcome lets the key be exported. */
bool pp_outcome_exports(enum pp_outcome o);

/* Decide for entry e at time now. Returns 0 (v filled) or -1 (logged). */
int pp_verdict_for(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                   struct pp_verdict *v, const struct pp_log *log);

#endif

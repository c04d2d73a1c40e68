/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * outcome.h: what a login can get, as one table.
 *
 * Promises: every outcome of a decision (decide.h) is one enum value and
 * one row of the table: its grep-able name, whether the key is exported,
 * whether a Cloud check records it in the cache and which setting bounds
 * the record's life, whether it is a failure for a mapped user (a loud log
 * line, a notice to the user, a refused session under on_failure = deny),
 * whether prefect-keys check reports it as a problem, and the user's
 * wording. PP_OUT_COUNT counts the rows: code that handles outcomes walks
 * the table instead of a switch with a default, so a new outcome cannot be
 * dropped silently (tests/unit/test_decide.c checks that every row is
 * filled and that pam_prefect(8) names every outcome).
 */
#ifndef PP_OUTCOME_H
#define PP_OUTCOME_H

#include <stdbool.h>

enum pp_outcome {
    PP_OUT_VALID = 0,        /* checked with Cloud (or cached): export */
    PP_OUT_EXPIRING,         /* valid, expires within expiry_warn_days: export + warn */
    PP_OUT_UNCHECKED,        /* validate = false, not past the recorded expiration: export */
    PP_OUT_STALE_OK,         /* Cloud unreachable, last valid within offline_grace: export */
    PP_OUT_EXPIRED,          /* known expiration has passed: no export */
    PP_OUT_REJECTED,         /* Cloud said 401/403: no export */
    PP_OUT_NO_WORKSPACE,     /* key valid but lost access to the workspace: no export */
    PP_OUT_UNREACHABLE,      /* Cloud not reachable and no grace: no export */
    PP_OUT_NEEDS_CHECK,      /* no network allowed and no fresh cached result: a login
                                would ask Cloud now (prefect-keys explain without --check) */
    PP_OUT_ERROR,            /* a local error (store, mapping, NSS, memory): no export */
    PP_OUT_NO_RULE,          /* in scope, but no rule of the mapping gives an entry */
    PP_OUT_OUT_OF_SCOPE,     /* not the module's business (judge.h: enum pp_scope) */
    PP_OUT_COUNT
};

/* Which setting bounds the life of a cached record of this outcome. */
enum pp_cache_life {
    PP_LIFE_NOT_CACHED = 0,  /* never written to the cache */
    PP_LIFE_CACHE_TTL,       /* cache_ttl */
    PP_LIFE_NEGATIVE_TTL,    /* negative_cache_ttl */
    PP_LIFE_BACKOFF,         /* the record's own backoff_until */
};

struct pp_outcome_info {
    const char *name;        /* "valid", "no-workspace-access", ... */
    bool exports;            /* the key is exported */
    bool failure;            /* a mapped user's key is not exported: loud, notice, deny */
    bool problem;            /* prefect-keys check exits 1 */
    enum pp_cache_life life; /* recorded by a Cloud check, and for how long */
    const char *words;       /* the user's notice after "entry NAME ", NULL: none */
    bool words_date;         /* append " on YYYY-MM-DD" (the expiration) to words */
};

/* The row of o (a row of "unknown" values for an out-of-range o). */
const struct pp_outcome_info *pp_outcome_info(enum pp_outcome o);

/* The row's name. */
const char *pp_outcome_name(enum pp_outcome o);

/* Whether the outcome lets the key be exported. */
bool pp_outcome_exports(enum pp_outcome o);

/* The outcome called name among those a check records; -1 if none. */
int pp_outcome_recorded_by_name(const char *name);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * verdict.h: may this entry's key be exported now, and why (or why not).
 *
 * Promises: one call gathers what the judge (judge.h, where the rules and
 * their order are) needs, as far as mode allows: the entry's recorded
 * expiration first; with validate, this key's cached check (cache.h,
 * check.h) and, when only Cloud can say, a request through the check
 * program (one per entry at a time on the host), whose outcome is cached.
 * Every outcome has one grep-able word (outcome.h).
 */
#ifndef PP_VERDICT_H
#define PP_VERDICT_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "judge.h"
#include "log.h"
#include "outcome.h"
#include "store.h"

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

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * judge.h: the facts a decision depends on, and the one judge that turns
 * them and the time into an outcome.
 *
 * Promises: the judge does no I/O (no file, no clock, no NSS, no log, no
 * allocation): the same facts and time always give the same verdict, so
 * its tests are tables (tests/unit/test_judge.c). Every outcome rule of
 * pam_prefect(8)'s "Outcomes" is here and nowhere else, in this order:
 *   1. a recorded expiration that has passed is "expired" (no Cloud request);
 *   2. without validate the key is "unchecked", or "expiring" when the
 *      recorded expiration is within expiry_warn_days;
 *   3. a fresh record of this key's last check decides: cache_ttl for
 *      valid and expiring, negative_cache_ttl for expired, rejected and
 *      no-workspace-access, the record's back-off for unreachable; a record
 *      the check this process waited for has just written counts whatever
 *      its age;
 *   4. Cloud asked and no answer: "stale-ok" when the key's last valid
 *      check is within offline_grace, else "unreachable";
 *   5. no network allowed: "needs-check".
 * Whatever says the key is valid, the best known expiration (Cloud's for
 * this key, else the entry's) decides between "expired", "expiring" and
 * "valid". Rules 1 and 2 do not apply to a forced check (prefect-keys
 * check), nor does a fresh record; nor do rules 1 and 2 once the entry
 * alone has been judged and a check asked for (entry_judged: the check
 * program, which is not told validate, and check.c's side).
 * The facts are gathered by the callers (verdict.c, check.c, checkwork.c);
 * HACKING.md ("Issue 21 in progress") says where this is going.
 */
#ifndef PP_JUDGE_H
#define PP_JUDGE_H

#include <stdbool.h>
#include <time.h>

#include "cache.h"
#include "conf.h"
#include "log.h"
#include "outcome.h"
#include "store.h"

/* The outcome for one entry's key, and why. */
struct pp_verdict {
    enum pp_outcome outcome;
    bool export_key;          /* derived from outcome */
    bool has_expires;         /* the best known expiration */
    time_t expires;
    bool from_cache;          /* a record of an earlier check decided */
    char reason[256];         /* for the log line and the user's notice; never a key */
};

/* Everything the judge looks at. Zero it, then fill what is known. */
struct pp_facts {
    const struct pp_config *cfg;            /* the settings */
    const struct pp_entry *entry;           /* its recorded expiration (the key is not read) */
    bool record_read;                       /* the cache was looked at (record is the answer) */
    const struct pp_cache_record *record;   /* this key's record; NULL: none, or another key's */
    bool record_just_made;                  /* written by the check this caller waited for */
    bool network;                           /* Cloud may be asked */
    bool force;                             /* a forced check (prefect-keys check) */
    bool entry_judged;                      /* rules 1 and 2 were applied before asking
                                               for a check (check.h's side): skip them */
    const char *no_answer;                  /* Cloud was to be asked, no answer: why (else NULL) */
};

/*
 * Judge f at now. Returns 0 with v filled, or 1 when the facts do not
 * decide yet (v zeroed): the record was not read, or network is allowed
 * and only Cloud can say (no fresh record, no no_answer).
 */
int pp_judge(const struct pp_facts *f, time_t now, struct pp_verdict *v);

/* Cloud accepted the key (how: for the reason); the best known expiration is (has, when). */
void pp_judge_valid(const struct pp_facts *f, time_t now, bool has, time_t when,
                    const char *how, struct pp_verdict *v);

/*
 * Cloud rejected the key (why: its answer); the best known expiration is
 * (has, when): "expired" when that has passed, else "rejected".
 */
void pp_judge_rejected(const struct pp_facts *f, time_t now, bool has, time_t when,
                       const char *why, struct pp_verdict *v);

/* Cloud was not asked or not reached (why), with f->record as it is. */
void pp_judge_unreachable(const struct pp_facts *f, time_t now, const char *why,
                          struct pp_verdict *v);

/*
 * The best known expiration of entry e, whose key's record is rec (NULL:
 * none, or not this key's): the one read from Cloud for this key, else the
 * entry's recorded one. Returns where it comes from.
 */
enum pp_exp_source pp_best_expiration(const struct pp_cache_record *rec,
                                      const struct pp_entry *e, bool *has, time_t *when);

/* Whether an expiration at t, seen at now, is within expiry_warn_days. */
bool pp_expiry_warns(const struct pp_config *cfg, time_t t, time_t now);

/* v: outcome o (export from it), expiration (has, when), reason from fmt. */
void pp_judge_set(struct pp_verdict *v, enum pp_outcome o, bool has, time_t when,
                  const char *fmt, ...) PP_PRINTF(5, 6);

#endif

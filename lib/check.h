/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check.h: an entry's key checked with Prefect Cloud, through the host-wide
 * cache in cfg->cache_dir.
 *
 * Promises (pam_prefect(8), "Outcomes"; decide.h says where this fits):
 * - a fresh cached result for this key (keyed by the key's fingerprint, so
 *   a rotated key is never judged by its predecessor's result) is used
 *   without a request: cache_ttl for valid, negative_cache_ttl for rejected;
 * - otherwise one check per entry at a time on the host: a login that finds
 *   a check running waits for its result (never longer than timeout_ms)
 *   instead of sending its own request;
 * - after an unreachable result, logins within a short back-off window do
 *   not wait on the network again;
 * - unreachable with a last valid check within offline_grace is stale-ok;
 * - the cache never holds a key, and is written atomically.
 * The outcome goes into v (judge.h, which holds the rules); v->export_key
 * follows the outcome.
 *
 * Who does what: the calling process (a login, the Slurm plugin,
 * prefect-keys) only reads the cache. Whenever Cloud must be asked it runs
 * the check program (cfg->check_program, checker/check.c) and waits for its
 * answer at most what is left of timeout_ms; only that program takes an
 * entry's lock and writes records, so a caller that can be stopped (su,
 * sudo: the user may signal them) never holds what other logins wait for.
 * When the program cannot be started, gives no answer in time or fails for
 * a local reason (a file it cannot open, no memory), the caller decides
 * from the cache as for an unreachable Cloud and logs why; nothing is
 * recorded for a local failure.
 */
#ifndef PP_CHECK_H
#define PP_CHECK_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "store.h"
#include "checkask.h"
#include "judge.h"

/*
 * Check e at time now. force: ignore a fresh cached result (prefect-keys
 * check). Returns 0 (v filled) or -1 on a local error (logged).
 */
int pp_check_entry(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                   bool force, struct pp_verdict *v, const struct pp_log *log);

/*
 * What the cache alone says about e at time now, without a request or a
 * lock (prefect-keys explain without --check): 0 (v filled; "needs-check"
 * when no fresh record of this key decides) or -1 on a local error.
 */
int pp_check_cached(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                    struct pp_verdict *v, const struct pp_log *log);

/*
 * Internals shared with the check program's side (checkwork.h): the
 * record of a check in progress (checkask.h) and the judge's facts.
 */
struct pp_cache_record;

/* This key's record: 0 (rec filled) or -1 (none, or another key's; rec zeroed). */
int pp_check_read_own(const struct pp_check *c, struct pp_cache_record *rec,
                      unsigned long *serial, bool first);
/*
 * The judge's facts for c with this key's record r (NULL: none): network
 * allowed; the entry alone already judged (a check was asked for).
 */
void pp_check_facts(const struct pp_check *c, const struct pp_cache_record *r,
                    struct pp_facts *f);
void pp_check_log_result(const struct pp_check *c, const struct pp_verdict *v);

#endif

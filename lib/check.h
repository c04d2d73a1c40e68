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
 * The outcome goes into v (verdict.h); v->export_key follows the outcome.
 */
#ifndef PP_CHECK_H
#define PP_CHECK_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "store.h"
#include "verdict.h"

/*
 * Check e at time now. force: ignore a fresh cached result (prefect-keys
 * check). Returns 0 (v filled) or -1 on a local error (logged).
 */
int pp_check_entry(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                   bool force, struct pp_verdict *v, const struct pp_log *log);

/*
 * What the cache alone says about e at time now, without a request or a
 * lock (prefect-keys explain without --check): 0 (v filled) when a fresh
 * record of this key decides, 1 when none does, -1 on a local error.
 */
int pp_check_cached(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                    struct pp_verdict *v, const struct pp_log *log);

#endif

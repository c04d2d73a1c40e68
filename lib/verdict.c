/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * verdict.c: may this entry's key be exported now (see verdict.h): the
 * facts, gathered only as far as the judge (judge.h) needs them.
 */
#include <config.h>

#include "verdict.h"

#include <string.h>

#include "check.h"

int pp_verdict_with(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                    enum pp_verdict_mode mode, struct pp_verdict *v, const struct pp_log *log)
{
    struct pp_facts f;

    memset(v, 0, sizeof(*v));
    if (cfg == NULL || e == NULL || e->key == NULL) {
        pp_error(log, "internal error: no entry to decide on");
        return -1;
    }
    /* The entry alone may decide (an expiration that has passed, validate off). */
    memset(&f, 0, sizeof(f));
    f.cfg = cfg;
    f.entry = e;
    f.network = mode != PP_VERDICT_CACHE_ONLY;
    f.force = mode == PP_VERDICT_FORCE;
    if (pp_judge(&f, now, v) == 0)
        return 0;
    /* Else this key's cached check, then (with network) Cloud. */
    if (mode == PP_VERDICT_CACHE_ONLY)
        return pp_check_cached(cfg, e, now, v, log);
    return pp_check_entry(cfg, e, now, f.force, v, log);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check.c: one entry's key checked with Prefect Cloud, through the cache
 * (see check.h): the caller's policy, and what both sides share. The
 * outcome rules are the judge's (judge.h); this file gathers its facts.
 *
 * The order of a check:
 *   1. a fresh record for this key's fingerprint decides (no request);
 *      within the back-off window after an unreachable check, so does the
 *      unreachable record;
 *   2. otherwise the check program (checkask.h) takes the entry's lock,
 *      asks Cloud and writes the record (checkwork.c); this process waits
 *      for its answer at most what is left of timeout_ms;
 *   3. without an answer (the program could not start, ran out of time or
 *      failed for a local reason) the record as it is now decides, as for
 *      an unreachable Cloud.
 * Timing uses the monotonic clock; the record's times use `now`.
 */
#include <config.h>

#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "timefmt.h"

void pp_check_facts(const struct pp_check *c, const struct pp_cache_record *r,
                    struct pp_facts *f)
{
    memset(f, 0, sizeof(*f));
    f->cfg = c->cfg;
    f->entry = c->e;
    f->record_read = true;
    f->record = r;
    f->network = true;
    f->entry_judged = true;
}

/* This key's record, if there is one: 0 (rec filled) or -1 (none, or another key's). */
int pp_check_read_own(const struct pp_check *c, struct pp_cache_record *rec, unsigned long *serial,
                    bool first)
{
    int rc;

    /* The first look may use the record pp_cache_fingerprint read just before. */
    if (first && c->e->record_read) {
        rc = c->e->record != NULL ? 0 : PP_ABSENT;
        if (rc == 0)
            *rec = *c->e->record;
    } else {
        rc = pp_cache_read(c->cfg, c->e->name, rec, c->log);
    }

    if (serial != NULL)
        *serial = rc == 0 ? rec->serial : 0;
    if (rc == 0 && pp_cache_record_is_for(rec, c->fp, c->e->account_id, c->e->workspace_id))
        return 0;
    if (rc == 0)
        pp_debug(c->log, "check: entry=%s: cached result is for another key (%s) or workspace; "
                 "ignored", c->e->name, rec->fingerprint);
    memset(rec, 0, sizeof(*rec));
    return -1;
}

void pp_check_log_result(const struct pp_check *c, const struct pp_verdict *v)
{
    pp_debug(c->log, "check: entry=%s fp=%s outcome=%s source=%s time=%ldms reason=%s",
             c->e->name, c->fp, pp_outcome_name(v->outcome), c->source,
             pp_ms_since(&c->start), v->reason);
}

int pp_check_cached(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                    struct pp_verdict *v, const struct pp_log *log)
{
    struct pp_check c;
    struct pp_cache_record rec;
    struct pp_facts f;
    bool have;

    if (pp_check_begin(&c, cfg, e, now, v, log) != 0)
        return -1;
    have = pp_check_read_own(&c, &rec, NULL, true) == 0;
    pp_check_facts(&c, have ? &rec : NULL, &f);
    f.network = false;
    pp_judge(&f, now, v);       /* without network the facts always decide */
    if (v->from_cache) {
        c.source = rec.outcome == PP_OUT_UNREACHABLE ? "back-off" : "cache";
        pp_check_log_result(&c, v);
    }
    return 0;
}


/*
 * No answer from the program (why): the record as it is now decides, as
 * for an unreachable Cloud. A check the program finished meanwhile (a new
 * serial) counts whatever its age.
 */
static void decide_without_answer(struct pp_check *c, bool force, unsigned long serial_before,
                                  const char *why, struct pp_verdict *v)
{
    struct pp_cache_record rec;
    struct pp_facts f;
    unsigned long serial_after = 0;
    bool have = pp_check_read_own(c, &rec, &serial_after, false) == 0;

    pp_check_facts(c, have ? &rec : NULL, &f);
    f.force = force;
    f.record_just_made = serial_after != serial_before;
    f.no_answer = why;
    pp_judge(&f, c->now, v);    /* with no_answer the facts always decide */
    if (!v->from_cache)
        c->source = "no-answer";
    pp_check_log_result(c, v);
}

int pp_check_entry(const struct pp_config *cfg, const struct pp_entry *e, time_t now,
                   bool force, struct pp_verdict *v, const struct pp_log *log)
{
    struct pp_check c;
    struct pp_cache_record rec;
    struct pp_facts f;
    char why[300];
    bool have;
    unsigned long serial_before;
    int r;

    if (pp_check_begin(&c, cfg, e, now, v, log) != 0)
        return -1;
    have = pp_check_read_own(&c, &rec, &serial_before, true) == 0;
    pp_check_facts(&c, have ? &rec : NULL, &f);
    f.force = force;
    if (pp_judge(&f, now, v) == 0) {
        c.source = !v->from_cache                   ? "entry"
                   : rec.outcome == PP_OUT_UNREACHABLE ? "back-off"
                                                       : "cache";
        pp_check_log_result(&c, v);
        return 0;
    }

    /* Cloud must be asked: by the check program, never here. */
    r = pp_check_ask(&c, force, v, why, sizeof(why));
    if (r <= 0)
        return r;
    pp_warn(log, "check: entry=%s: no answer from Prefect Cloud (%s); deciding from the cache",
            e->name, why);
    decide_without_answer(&c, force, serial_before, why, v);
    return 0;
}

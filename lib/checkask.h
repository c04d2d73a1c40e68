/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * checkask.h: a check in progress, and what it asks the check program
 * (checkrun.h runs it; checkmsg.h is the conversation).
 *
 * Promises: a check starts by knowing its key's fingerprint and starting
 * its clock (timeout_ms runs from there, for this process and the
 * program); a request carries the settings a check uses, the entry and its
 * key, never the entry's cache record or comment; the caller waits for an
 * answer at most what is left of timeout_ms and a short grace for the
 * answer to arrive. When is the program asked, and what no answer means,
 * is check.h's.
 */
#ifndef PP_CHECKASK_H
#define PP_CHECKASK_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "judge.h"
#include "log.h"
#include "store.h"

struct pp_cloud_conn;

/* One check in progress (shared with the check program's side, checkwork.h). */
struct pp_check {
    const struct pp_config *cfg;
    const struct pp_entry *e;
    time_t now;
    const struct pp_log *log;
    char fp[PP_FP_SIZE];
    struct timespec start;
    const char *source;         /* for the debug line: cache, back-off, wait, cloud */
    struct pp_cloud_conn *conn; /* the check's requests share one connection */
};

/* Start a check of e at now (v cleared). 0, or -1 when there is no key (logged). */
int pp_check_begin(struct pp_check *c, const struct pp_config *cfg, const struct pp_entry *e,
                   time_t now, struct pp_verdict *v, const struct pp_log *log);
long pp_check_remaining_ms(const struct pp_check *c);

/*
 * Have the check program check c's key with Cloud (force: whatever the
 * cache says). 0 with v the program's verdict; -1 a local error (logged);
 * 1 no answer (the program could not start, ran out of time or failed
 * for a local reason): why says why, v is untouched.
 */
int pp_check_ask(const struct pp_check *c, bool force, struct pp_verdict *v, char *why,
                 size_t whylen);

/*
 * Ask Cloud about a key that is no entry yet (prefect-keys add, rotate),
 * through the check program (checkmsg.h: PP_CHECK_MODE_VALIDATE): ask says
 * what (PP_ASK_WORKSPACES, PP_ASK_EXPIRATION, the latter from e's ids);
 * e->key is the key. Returns 0 with a filled (a->ws_ans, a->ws, a->exp_*;
 * pp_checkmsg_answer_clear it), or -1 when there is no answer (why says
 * why; a->ws_ans then says unreachable and why).
 */
struct pp_check_answer;
int pp_check_validate(const struct pp_config *cfg, const struct pp_entry *e, unsigned ask,
                      struct pp_check_answer *a, const struct pp_log *log);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * checkwork.h: what the check program (checker/check.c) does for a request
 * (checkmsg.h). Linked into that program only, with the Cloud client: the
 * module, the Slurm plugin and prefect-keys reach it through checkrun.h.
 *
 * Promises: only here is an entry's lock taken and a record written; a
 * local failure (a file that cannot be opened, no descriptor, no memory) is
 * answered as such (rc 1) and never recorded as Cloud's answer nor as a
 * back-off; log lines go through log (the program sends them back).
 */
#ifndef PP_CHECKWORK_H
#define PP_CHECKWORK_H

#include "checkmsg.h"
#include "log.h"

/*
 * MODE_CHECK: check rq->e through the cache (check.h). Returns, and sets
 * a->rc to, 0 (a->v says), 1 (a local failure; a->v.reason says why) or -1.
 */
int pp_checkwork_check(const struct pp_check_request *rq, struct pp_check_answer *a,
                       const struct pp_log *log);

/*
 * MODE_VALIDATE: with PP_ASK_WORKSPACES in rq->ask, the workspaces
 * rq->e.key sees (a->ws_ans, a->ws); with PP_ASK_EXPIRATION (and, if both,
 * a valid key), its expiration from rq->e's ids (a->exp_read, a->exp_ans,
 * a->has_expires, a->expires). Nothing is recorded. a->rc: 0, or 1 on a
 * local failure (a->v.reason).
 */
int pp_checkwork_validate(const struct pp_check_request *rq, struct pp_check_answer *a,
                          const struct pp_log *log);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * checkrun.h: running the check program (checker/check.c) from a login,
 * the Slurm plugin or prefect-keys.
 *
 * The program is cfg->check_program; it must be a regular file owned by
 * root that neither its group nor others may write, or it is not run. It is
 * started with posix_spawn: a session of its own, every signal at its
 * default and none blocked, an empty environment, an argv of its path
 * alone (it starts check-cloud from the same directory), and no
 * descriptor of the caller but one end of a socket pair as its standard
 * input, over which the request (checkmsg.h; the key only
 * ever travels there) goes and the answer comes back. The program resets
 * everything else itself (checker/check.c), and detaches from the caller at
 * once, so the caller reaps it without waiting for the check.
 *
 * Promises: never waits for the answer longer than wait_ms; never blocks
 * on the program otherwise (a program that has not detached by then, e.g.
 * one the user stopped before it became root, is killed and reaped);
 * leaves no descriptor, child or zombie behind; the request's buffer is
 * wiped.
 */
#ifndef PP_CHECKRUN_H
#define PP_CHECKRUN_H

#include <stddef.h>

#include "checkmsg.h"
#include "conf.h"
#include "log.h"

/*
 * Whether path may be run as the check program (or its check-cloud): an
 * absolute path to a regular executable file owned by root that neither
 * its group nor others may write. 0, or -1 with why (whylen bytes).
 */
int pp_checkrun_program_safe(const char *path, char *why, size_t whylen);

/*
 * Run the program with rq and wait at most wait_ms for its answer (wait_ms
 * < 0: send the request and do not wait; a is then not used and may be
 * NULL). The program's log lines are logged through log. Returns 1 (a
 * filled; pp_checkmsg_answer_clear it), 0 when no answer came in time, -1
 * when the program could not be run or ended without an answer (why says
 * why, whylen bytes; also logged).
 */
int pp_checkrun(const struct pp_config *cfg, const struct pp_check_request *rq, long wait_ms,
                struct pp_check_answer *a, char *why, size_t whylen, const struct pp_log *log);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * checkrun.h: running the check program (checker/check.c) from a login,
 * the Slurm plugin or prefect-keys.
 *
 * The program is cfg->check_program; it must be a regular file owned by
 * root that neither its group nor others may write, or it is not run. It
 * is started detached: a short-lived child of the caller, made with vfork
 * (no copy of the caller's memory), makes all its ids root and sets the
 * program's own resource limits, nice value, scheduling policy, I/O
 * priority, umask 077 and working directory /, then starts the program
 * with posix_spawn and ends; the caller reaps that child only, at once.
 * The program gets a session of its own, every signal at its default and
 * none blocked, an empty environment, an argv of its path alone, and no
 * descriptor of the caller but one end of a socket pair as its standard
 * input (/dev/null as output and error), over which the request
 * (checkmsg.h; the key only ever travels there) goes and the answer comes
 * back. So nothing the caller set (ids, limits, priorities, descriptors,
 * signal handlers or mask, environment) reaches it, and the user behind
 * su can neither signal nor trace it.
 *
 * Promises: never waits for the answer longer than wait_ms; never blocks
 * on the program otherwise; leaves no descriptor, child or zombie behind
 * (the program is not the caller's child, and still ends its check and
 * records it when the caller has stopped waiting); the request's buffer
 * is wiped.
 */
#ifndef PP_CHECKRUN_H
#define PP_CHECKRUN_H

#include <stddef.h>

#include "checkmsg.h"
#include "conf.h"
#include "log.h"

/*
 * Run the program with rq and wait at most wait_ms for its answer (none
 * when wait_ms <= 0). The program's log lines are logged through log. Returns 1 (a
 * filled; pp_checkmsg_answer_clear it), 0 when no answer came in time, -1
 * when the program could not be run or ended without an answer (why says
 * why, whylen bytes; also logged).
 */
int pp_checkrun(const struct pp_config *cfg, const struct pp_check_request *rq, long wait_ms,
                struct pp_check_answer *a, char *why, size_t whylen, const struct pp_log *log);

#endif

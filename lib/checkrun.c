/* SPDX-License-Identifier: BSD-3-Clause */
/* checkrun.c: running the check program and reading its answer (see checkrun.h). */
#include <config.h>

#include "checkrun.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "secret.h"

/*
 * How long a started program may take to detach once its answer is in (or
 * late, or not awaited: a note). A program detaches as soon as it has
 * started, but starting (loading libcurl and its dependencies) can take
 * far longer on a loaded host than on an idle one, and a program killed
 * before it detached does not do its work (a note is lost). Only one that
 * the caller's user stopped before it became root waits this long.
 */
#define PP_DETACH_GRACE_MS 1000

int pp_checkrun_program_safe(const char *path, char *why, size_t whylen)
{
    struct stat st;

    if (path == NULL || path[0] != '/') {
        snprintf(why, whylen, "check_program is not an absolute path");
        return -1;
    }
    if (stat(path, &st) != 0) {
        snprintf(why, whylen, "cannot use the check program %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0
        || (st.st_mode & 0100) == 0) {
        snprintf(why, whylen, "the check program %s is not an executable file owned by root "
                 "and writable only by root", path);
        return -1;
    }
    return 0;
}

/* Start the program with sock as its standard input: its pid, or -1 (why set). */
static pid_t spawn_program(const char *path, int sock, char *why, size_t whylen)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, all;
    /* argv[0] is the path: the program starts check-cloud from its directory. */
    char *const argv[] = { (char *)path, NULL };
    char *const envp[] = { NULL };
    pid_t pid = -1;
    int rc;

    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
        snprintf(why, whylen, "cannot start the check program: %s", strerror(rc));
        return -1;
    }
    if ((rc = posix_spawnattr_init(&at)) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        snprintf(why, whylen, "cannot start the check program: %s", strerror(rc));
        return -1;
    }
    rc = posix_spawn_file_actions_adddup2(&fa, sock, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_addclosefrom_np(&fa, 1);
    if (rc == 0)
        rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK
                                      | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0)
        rc = posix_spawnattr_setsigmask(&at, &none);
    if (rc == 0)
        rc = posix_spawnattr_setsigdefault(&at, &all);
    if (rc == 0)
        rc = posix_spawn(&pid, path, &fa, &at, argv, envp);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(why, whylen, "cannot start the check program %s: %s", path, strerror(rc));
        return -1;
    }
    return pid;
}

/*
 * Reap the program: it detaches at once, so it has normally ended. One
 * that has not within a moment (stopped before it could detach) is killed:
 * it held nothing yet.
 */
static void reap(pid_t pid)
{
    struct timespec pause = { 0, 1000000L };
    int status, i;

    for (i = 0; i < PP_DETACH_GRACE_MS; i++) {
        pid_t r = waitpid(pid, &status, WNOHANG);

        if (r == pid || (r < 0 && errno != EINTR))
            return;     /* reaped, or by someone else (ECHILD) */
        if (r == 0)
            nanosleep(&pause, NULL);
    }
    (void)kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
}

static void relog(const struct pp_check_answer *a, const struct pp_log *log)
{
    size_t i;

    for (i = 0; i < a->nlines; i++)
        pp_log(log, a->lines[i].priority, "%s", a->lines[i].text);
    if (a->dropped > 0)
        pp_debug(log, "check: %zu more lines of the check program not shown", a->dropped);
}

int pp_checkrun(const struct pp_config *cfg, const struct pp_check_request *rq, long wait_ms,
                struct pp_check_answer *a, char *why, size_t whylen, const struct pp_log *log)
{
    unsigned char *frame, *buf = NULL;
    size_t flen = 0, blen = 0;
    int sv[2], r, sent;
    pid_t pid;

    if (pp_checkrun_program_safe(cfg->check_program, why, whylen) != 0) {
        pp_error(log, "check: %s", why);
        return -1;
    }
    if ((frame = pp_checkmsg_pack_request(rq, &flen)) == NULL) {
        snprintf(why, whylen, "out of memory");
        pp_error(log, "check: cannot make the request for the check program: out of memory");
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(why, whylen, "no socket for the check program: %s", strerror(errno));
        pp_free_buf(frame, flen);
        pp_error(log, "check: %s", why);
        return -1;
    }
    pid = spawn_program(cfg->check_program, sv[1], why, whylen);
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        pp_free_buf(frame, flen);
        pp_error(log, "check: %s", why);
        return -1;
    }
    /* A program that died at once must not kill the caller with SIGPIPE. */
    r = send(sv[0], frame, flen, MSG_NOSIGNAL) == (ssize_t)flen ? 0 : -1;
    pp_free_buf(frame, flen);
    if (r != 0 && wait_ms < 0) {
        snprintf(why, whylen, "the check program did not take the request");
        close(sv[0]);
        reap(pid);
        pp_error(log, "check: %s", why);
        return -1;
    }
    if (wait_ms < 0) {
        close(sv[0]);
        reap(pid);
        return 1;
    }
    /*
     * Read its answer even when it did not take the request: a program that
     * could not do the check answers why and ends, maybe before a slow
     * caller (under a debugger, on a loaded host) has sent anything.
     */
    sent = r;
    r = pp_checkmsg_recv(sv[0], wait_ms, &buf, &blen);
    if (sent != 0 && r < 0) {
        close(sv[0]);
        reap(pid);
        snprintf(why, whylen, "the check program did not take the request");
        pp_error(log, "check: %s", why);
        return -1;
    }
    close(sv[0]);
    reap(pid);
    if (r == 0)
        return 0;
    if (r < 0 || pp_checkmsg_unpack_answer(buf, blen, a) != 0) {
        pp_free_buf(buf, blen);
        snprintf(why, whylen, "the check program ended without an answer");
        pp_error(log, "check: %s", why);
        return -1;
    }
    pp_free_buf(buf, blen);
    relog(a, log);
    return 1;
}

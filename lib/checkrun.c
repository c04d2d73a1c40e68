/* SPDX-License-Identifier: BSD-3-Clause */
/* checkrun.c: running the check program and reading its answer (see checkrun.h). */
#include <config.h>

#include "checkrun.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "secret.h"

/*
 * Whether path may be run as the check program: an absolute path to a
 * regular executable file owned by root that neither its group nor others
 * may write. 0, or -1 with why (whylen bytes).
 */
static int program_safe(const char *path, char *why, size_t whylen)
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

/* The program's own limits, whatever its caller's were. */
static const struct {
    int resource;
    rlim_t soft, hard;
} limits[] = {
    { RLIMIT_AS, RLIM_INFINITY, RLIM_INFINITY },
    { RLIMIT_CORE, 0, 0 },
    { RLIMIT_CPU, RLIM_INFINITY, RLIM_INFINITY },
    { RLIMIT_DATA, RLIM_INFINITY, RLIM_INFINITY },
    { RLIMIT_FSIZE, RLIM_INFINITY, RLIM_INFINITY },
    { RLIMIT_LOCKS, RLIM_INFINITY, RLIM_INFINITY },
    { RLIMIT_MEMLOCK, 8L * 1024 * 1024, 8L * 1024 * 1024 },
    { RLIMIT_MSGQUEUE, 819200, 819200 },
    { RLIMIT_NICE, 0, 0 },
    { RLIMIT_NOFILE, 1024, 1024 },
    { RLIMIT_NPROC, RLIM_INFINITY, RLIM_INFINITY },
    { RLIMIT_RSS, RLIM_INFINITY, RLIM_INFINITY },
    { RLIMIT_RTPRIO, 0, 0 },
    { RLIMIT_RTTIME, RLIM_INFINITY, RLIM_INFINITY },
    { RLIMIT_SIGPENDING, 4096, 4096 },
    /* The program's threads (libcurl's resolver) get this stack too. */
    { RLIMIT_STACK, 8L * 1024 * 1024, RLIM_INFINITY },
};

/*
 * In the go-between (below): the ids, limits and priorities the program
 * starts with. Only system calls that act on the calling process alone:
 * the go-between shares the caller's memory, so glibc's setresuid, which
 * also changes every other thread of the caller (slurmstepd has many), is
 * not used. A call that fails (no CAP_SYS_RESOURCE in a container, a
 * caller that is not root) leaves what it cannot change: the program
 * refuses to run as anything but root, and a limit it could not raise
 * stays the nearest the hard limit allows.
 */
static void own_process(void)
{
    struct sched_param sp = { 0 };
    cpu_set_t cpus;
    size_t i;

    (void)syscall(SYS_setgroups, 0, NULL);
    (void)syscall(SYS_setresgid, 0, 0, 0);
    (void)syscall(SYS_setresuid, 0, 0, 0);
    for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        struct rlimit rl = { limits[i].soft, limits[i].hard }, cur;

        if (setrlimit(limits[i].resource, &rl) == 0 || getrlimit(limits[i].resource, &cur) != 0)
            continue;
        rl.rlim_max = cur.rlim_max;
        if (rl.rlim_cur > cur.rlim_max)
            rl.rlim_cur = cur.rlim_max;
        (void)setrlimit(limits[i].resource, &rl);
    }
    (void)setpriority(PRIO_PROCESS, 0, 0);
    (void)sched_setscheduler(0, SCHED_OTHER, &sp);
    /* Every CPU (the kernel keeps those the cpuset allows): a caller that
     * pinned itself to a busy one does not pin the program there. */
    memset(&cpus, 0xff, sizeof(cpus));
    (void)sched_setaffinity(0, sizeof(cpus), &cpus);
    (void)syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, 0 /* the default */);
    umask(077);
    (void)(chdir("/") == 0);
}

/*
 * The go-between: a child of the caller made with vfork (no copy of the
 * caller's memory; the caller waits until it ends), which makes the ids,
 * limits and priorities the program's own, starts the program with
 * posix_spawn and ends at once, so that the program is nobody's child and
 * the caller reaps the go-between only. Every signal is blocked across it
 * (the caller's handlers must not run in a process that shares its
 * memory). Returns the go-between's pid, or -1 with errno.
 */
static pid_t go_between(const char *path, const posix_spawn_file_actions_t *fa,
                        const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{
    pid_t pid = vfork();

    if (pid == 0) {
        pid_t prog;

        own_process();
        _exit(posix_spawn(&prog, path, fa, at, argv, envp) & 0xff);
    }
    return pid;
}

/*
 * Start the program, detached, with sock as its standard input, /dev/null
 * as its output and error, and nothing else. 0, or -1 with why.
 */
static int start_program(const char *path, int sock, char *why, size_t whylen)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, all, dfl, was;
    char *const argv[] = { (char *)path, NULL };
    char *const envp[] = { NULL };
    int rc, status = 0;
    pid_t pid;

    sigemptyset(&none);
    sigfillset(&all);
    dfl = all;
    sigdelset(&dfl, SIGKILL);
    sigdelset(&dfl, SIGSTOP);
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
        rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY | O_NOCTTY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (rc == 0)
        rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK
                                      | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0)
        rc = posix_spawnattr_setsigmask(&at, &none);
    if (rc == 0)
        rc = posix_spawnattr_setsigdefault(&at, &dfl);
    if (rc == 0) {
        pthread_sigmask(SIG_SETMASK, &all, &was);
        pid = go_between(path, &fa, &at, argv, envp);
        rc = pid < 0 ? errno : 0;
        /*
         * It has ended (vfork): reap it before the caller's SIGCHLD handler
         * can see it. ECHILD when the caller ignores SIGCHLD (the kernel
         * reaped it) or reaps children elsewhere: its status is then lost,
         * and a program that did not start gives no answer instead.
         */
        if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status)
            && WEXITSTATUS(status) != 0)
            rc = WEXITSTATUS(status);
        pthread_sigmask(SIG_SETMASK, &was, NULL);
    }
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(why, whylen, "cannot start the check program %s: %s", path, strerror(rc));
        return -1;
    }
    return 0;
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

    if (program_safe(cfg->check_program, why, whylen) != 0)
        goto fail;
    if ((frame = pp_checkmsg_pack_request(rq, &flen)) == NULL) {
        snprintf(why, whylen, "out of memory");
        pp_error(log, "check: cannot make the request for the check program: out of memory");
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(why, whylen, "no socket for the check program: %s", strerror(errno));
        pp_free_buf(frame, flen);
        goto fail;
    }
    r = start_program(cfg->check_program, sv[1], why, whylen);
    close(sv[1]);
    if (r != 0) {
        close(sv[0]);
        pp_free_buf(frame, flen);
        goto fail;
    }
    /* A program that died at once must not kill the caller with SIGPIPE. */
    r = send(sv[0], frame, flen, MSG_NOSIGNAL) == (ssize_t)flen ? 0 : -1;
    pp_free_buf(frame, flen);
    /*
     * Read its answer even when it did not take the request: a program that
     * could not do the check answers why and ends, maybe before a slow
     * caller (under a debugger, on a loaded host) has sent anything.
     */
    sent = r;
    r = pp_checkmsg_recv(sv[0], wait_ms > 0 ? wait_ms : 0, &buf, &blen);
    close(sv[0]);
    if (sent != 0 && r < 0) {
        snprintf(why, whylen, "the check program did not take the request");
        goto fail;
    }
    if (r == 0)
        return 0;
    if (r < 0 || pp_checkmsg_unpack_answer(buf, blen, a) != 0) {
        pp_free_buf(buf, blen);
        snprintf(why, whylen, "the check program ended without an answer");
        goto fail;
    }
    pp_free_buf(buf, blen);
    relog(a, log);
    return 1;

fail:
    pp_error(log, "check: %s", why);
    return -1;
}

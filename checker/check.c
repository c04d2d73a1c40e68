/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check.c: the check program, installed root-only outside PATH
 * ($(pkglibexecdir)/check). The module, the Slurm plugin and prefect-keys
 * run it (lib/checkrun.h) whenever Prefect Cloud must be asked; it alone
 * (through check-cloud, below) takes entry locks and writes check records
 * (lib/checkwork.h), so that a login its caller can stop (su, sudo) never
 * holds what other logins wait for.
 *
 * Its standard input is a socket: one request comes in, one answer goes
 * out (lib/checkmsg.h). Before anything else it makes sure that nothing its
 * caller set reaches it:
 *   - every descriptor but the socket is closed; standard output and error
 *     are /dev/null (the caller's terminal, pipes and files stay its own);
 *   - all user and group ids are root, no supplementary groups: the user
 *     behind su may neither signal, trace nor slow it;
 *   - a session of its own: no terminal signal reaches it;
 *   - every resource limit is set to its own value (the table below), and
 *     the nice value, the scheduling policy and the I/O priority to the
 *     defaults: a caller's `ulimit -n 8` or `-v` can no longer turn into a
 *     record saying Cloud is unreachable;
 *   - every signal at its default, none blocked, SIGPIPE and SIGXFSZ
 *     ignored (a write that fails is an error, never a death); umask
 *     077; working directory /;
 *   - its environment was empty already (checkrun.c) and is never read.
 * Then it detaches: it starts check-cloud (checker/check_cloud.c, in the
 * same directory), which inherits all of the above, and ends, so that its
 * caller reaps it at once. check-cloud reads the request, does the work
 * and answers. When the caller has gone (it waits at most timeout_ms), the
 * check still ends and records its result, and the log lines go to syslog.
 *
 * This program links neither libcurl nor json-c: only check-cloud does.
 * Detaching is a new process, and one made from a process that has libcurl
 * and its thirty-odd libraries mapped costs a copy of all their page
 * tables and a fault for every page either side writes afterwards, in the
 * time a cold login waits; starting check-cloud from this small process
 * costs an exec only.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "checkmsg.h"
#include "checkrun.h"
#include "log.h"

/* The program that does the check: check-cloud, in this program's directory. */
#define WORKER_NAME "check-cloud"
/* The stack the program and its threads (libcurl's resolver) get. */
#define STACK_SIZE (8L * 1024 * 1024)

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
    { RLIMIT_STACK, STACK_SIZE, RLIM_INFINITY },
};

/* Descriptors: the socket on 0, /dev/null on 1 and 2, nothing else. 0 or -1. */
static int own_descriptors(void)
{
    struct stat st;
    int fd;

    if (fstat(0, &st) != 0 || !S_ISSOCK(st.st_mode))
        return -1;
    if (syscall(SYS_close_range, 1U, ~0U, 0U) != 0) {
        for (fd = 1; fd < 65536; fd++)
            (void)close(fd);
    }
    fd = open("/dev/null", O_RDWR | O_NOCTTY);
    if (fd != 1 || dup2(1, 2) != 2)
        return -1;
    return 0;
}

/* Credentials, limits, priorities and signals of its own. 0, or -1 with why. */
static int own_process(const char **why)
{
    struct sched_param sp;
    struct sigaction sa;
    sigset_t none;
    uid_t r, e, s;
    gid_t gr, ge, gs;
    size_t i;
    int sig;

    if (setgroups(0, NULL) != 0 || setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0
        || getresuid(&r, &e, &s) != 0 || getresgid(&gr, &ge, &gs) != 0
        || r != 0 || e != 0 || s != 0 || gr != 0 || ge != 0 || gs != 0) {
        *why = "the check program must be run by root";
        return -1;
    }
    /*
     * Raising a hard limit needs CAP_SYS_RESOURCE, which root normally has;
     * where it lacks it (a container), the soft limit goes as near to the
     * program's value as the hard limit allows.
     */
    for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        struct rlimit rl = { limits[i].soft, limits[i].hard }, cur;

        if (setrlimit(limits[i].resource, &rl) == 0 || getrlimit(limits[i].resource, &cur) != 0)
            continue;
        rl.rlim_max = cur.rlim_max;
        if (rl.rlim_cur > cur.rlim_max)
            rl.rlim_cur = cur.rlim_max;
        (void)setrlimit(limits[i].resource, &rl);
    }
    errno = 0;
    if (setpriority(PRIO_PROCESS, 0, 0) != 0) {
        *why = "the check program cannot reset its nice value";
        return -1;
    }
    memset(&sp, 0, sizeof(sp));
    (void)sched_setscheduler(0, SCHED_OTHER, &sp);
    (void)syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, 0 /* the default */);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP)
            (void)sigaction(sig, &sa, NULL);
    }
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &sa, NULL);
    /* A file size limit it could not raise fails the write, never the program. */
    (void)sigaction(SIGXFSZ, &sa, NULL);
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    umask(077);
    if (chdir("/") != 0) {
        *why = "the check program cannot change to /";
        return -1;
    }
    (void)setsid();
    return 0;
}

/*
 * An answer with one error line, for a check that cannot be done; syslog
 * if the caller has gone. rc as checkwork.h's: -1 an error, 1 a local
 * failure (the caller decides from the cache), whose reason is the line.
 */
static void answer_error(int rc, const char *fmt, ...) PP_PRINTF(2, 3);

static void answer_error(int rc, const char *fmt, ...)
{
    static struct pp_check_answer a;
    unsigned char *frame;
    size_t len = 0;
    va_list ap;

    memset(&a, 0, sizeof(a));
    a.rc = rc;
    a.nlines = 1;
    a.lines[0].priority = LOG_ERR;
    va_start(ap, fmt);
    vsnprintf(a.lines[0].text, sizeof(a.lines[0].text), fmt, ap);
    va_end(ap);
    if (rc > 0) {   /* the reason: the line without its "check: " */
        const char *r = a.lines[0].text + (strncmp(a.lines[0].text, "check: ", 7) == 0 ? 7 : 0);
        size_t n = strnlen(r, sizeof(a.v.reason) - 1);

        memcpy(a.v.reason, r, n);
        a.v.reason[n] = '\0';
    }
    frame = pp_checkmsg_pack_answer(&a, &len);
    if (frame == NULL || pp_checkmsg_send(0, frame, len) != 0) {
        openlog("pam_prefect(check)", LOG_PID, LOG_AUTHPRIV);
        syslog(LOG_ERR, "%s", a.lines[0].text);
        closelog();
    }
    free(frame);
}

/*
 * Start check-cloud, the file WORKER_NAME beside this program (self: this
 * program's absolute path, as the caller ran it), with what this process
 * has made its own and an empty environment. It must be root's and
 * writable by root only, as the caller demands of this program. 0, or -1
 * with why (whylen bytes).
 */
static int start_worker(const char *self, char *why, size_t whylen)
{
    char *const argv[] = { (char *)WORKER_NAME, NULL };
    char *const envp[] = { NULL };
    const char *slash = self != NULL ? strrchr(self, '/') : NULL;
    char path[4096];
    pid_t pid;
    int rc;

    if (self == NULL || self[0] != '/' || slash == NULL
        || (size_t)(slash - self) + sizeof("/" WORKER_NAME) > sizeof(path)) {
        snprintf(why, whylen, "the check program was not run by its absolute path");
        return -1;
    }
    memcpy(path, self, (size_t)(slash - self));
    memcpy(path + (slash - self), "/" WORKER_NAME, sizeof("/" WORKER_NAME));
    if (pp_checkrun_program_safe(path, why, whylen) != 0)
        return -1;
    if ((rc = posix_spawn(&pid, path, NULL, NULL, argv, envp)) != 0) {
        snprintf(why, whylen, "cannot start %s: %s", path, strerror(rc));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *why = NULL;
    char buf[4200];

    if (argc != 1 || own_descriptors() != 0) {
        fprintf(stderr, "check: this program is run by pam_prefect, the Slurm plugin and "
                "prefect-keys, with a socket as its standard input\n");
        return 2;
    }
    if (own_process(&why) != 0) {
        answer_error(-1, "check: %s", why);
        return 1;
    }
    /* Detach: the caller reaps this process now; check-cloud does the check. */
    if (start_worker(argv[0], buf, sizeof(buf)) != 0) {
        answer_error(1, "check: %s", buf);
        return 1;
    }
    return 0;
}

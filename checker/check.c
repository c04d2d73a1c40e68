/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check.c: the check program, installed root-only outside PATH
 * ($(pkglibexecdir)/check). The module, the Slurm plugin and prefect-keys
 * run it (lib/checkrun.h) whenever Prefect Cloud must be asked; it alone
 * takes entry locks and writes check records (lib/checkwork.h), so that a
 * login its caller can stop (su, sudo) never holds what other logins wait
 * for.
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
 *     077; working directory /; not dumpable (it holds a key);
 *   - its environment was empty already (checkrun.c) and is never read.
 * Then it detaches (a child of its own does the check) so that its caller
 * reaps it at once, reads the request, does the work and answers. When the
 * caller has gone (it waits at most timeout_ms), the check still ends and
 * records its result, and the log lines go to syslog.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "checkmsg.h"
#include "checkwork.h"
#include "secret.h"

/* How long the caller has to send its request. */
#define REQUEST_WAIT_MS 5000
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

static struct pp_check_answer answer;

/* The log sink: lines travel back with the answer. */
static void collect(void *ctx, int priority, const char *line)
{
    (void)ctx;
    if (answer.nlines >= PP_CHECKMSG_LINES) {
        answer.dropped++;
        return;
    }
    answer.lines[answer.nlines].priority = priority;
    snprintf(answer.lines[answer.nlines].text, sizeof(answer.lines[0].text), "%s", line);
    answer.nlines++;
}

/* The caller is gone: its lines go to syslog, as the module's would. */
static void to_syslog(const char *user)
{
    size_t i;

    openlog("pam_prefect(check)", LOG_PID, LOG_AUTHPRIV);
    for (i = 0; i < answer.nlines; i++) {
        if (user[0] != '\0')
            syslog(answer.lines[i].priority, "user=%s %s", user, answer.lines[i].text);
        else
            syslog(answer.lines[i].priority, "%s", answer.lines[i].text);
    }
    closelog();
}

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
    pthread_attr_t attr;
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
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
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
    /* Threads made from now on get a whole stack, whatever the caller's limit was. */
    if (pthread_attr_init(&attr) == 0) {
        (void)pthread_attr_setstacksize(&attr, (size_t)STACK_SIZE);
        (void)pthread_setattr_default_np(&attr);
        pthread_attr_destroy(&attr);
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

static void send_answer(const char *user)
{
    unsigned char *frame;
    size_t len = 0;

    frame = pp_checkmsg_pack_answer(&answer, &len);
    if (frame == NULL || pp_checkmsg_send(0, frame, len) != 0)
        to_syslog(user);
    free(frame);
}

int main(int argc, char **argv)
{
    struct pp_log log = { collect, NULL, false, NULL };
    struct pp_check_request rq;
    const char *why = NULL;
    unsigned char *buf = NULL;
    size_t len = 0;
    pid_t pid;

    (void)argv;
    if (argc != 1 || own_descriptors() != 0) {
        fprintf(stderr, "check: this program is run by pam_prefect, the Slurm plugin and "
                "prefect-keys, with a socket as its standard input\n");
        return 2;
    }
    memset(&answer, 0, sizeof(answer));
    if (own_process(&why) != 0) {
        answer.rc = -1;
        pp_error(&log, "check: %s", why);
        send_answer("");
        return 1;
    }
    /* Detach: the caller reaps this process now; the child does the check. */
    pid = fork();
    if (pid > 0)
        _exit(0);

    if (pp_checkmsg_recv(0, REQUEST_WAIT_MS, &buf, &len) != 1
        || pp_checkmsg_unpack_request(buf, len, &rq) != 0) {
        pp_free_buf(buf, len);
        answer.rc = -1;
        pp_error(&log, "check: no valid request from the caller");
        send_answer("");
        return 1;
    }
    pp_free_buf(buf, len);
    log.debug = rq.cfg.debug;
    switch (rq.mode) {
    case PP_CHECK_MODE_CHECK:
        answer.rc = pp_checkwork_check(&rq, &answer, &log);
        break;
    case PP_CHECK_MODE_NOTE:
        pp_checkwork_note(&rq, &log);
        break;
    case PP_CHECK_MODE_VALIDATE:
        answer.rc = pp_checkwork_validate(&rq, &answer, &log);
        break;
    }
    if (rq.mode == PP_CHECK_MODE_NOTE)
        to_syslog(rq.user);
    else
        send_answer(rq.user);
    pp_checkmsg_request_clear(&rq);
    pp_checkmsg_answer_clear(&answer);
    return 0;
}

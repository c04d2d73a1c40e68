/* SPDX-License-Identifier: BSD-3-Clause */
#include <config.h>
/*
 * driver.c: the benchmark's PAM application. Runs full PAM transactions
 * through the real libpam -- pam_start, pam_setcred(PAM_ESTABLISH_CRED),
 * pam_open_session, pam_getenvlist, pam_close_session, pam_end -- for one
 * service and a list of users, and reports what they cost.
 *
 * The service files come from CONFDIR (-c), through libpam's own
 * pam_start_confdir(3), so /etc/pam.d is never read or touched (the tests
 * do the same through tests/lib/pamconfdir.so). Fake users come from
 * NSS files in bench/run's private mount namespace. The driver never prints an
 * environment value, only whether a variable was exported.
 *
 * Modes (output is "key=value" lines for bench/run to parse):
 *   loop      -n N -r R [-w W]: W warm-up logins, then R rounds of N logins,
 *             cycling through the users; one line per round with the wall
 *             time and the CPU time (user + system, with every child
 *             process) per login, and login_cpu_us: the CPU of the PAM
 *             transaction alone (one_login) in the process that ran it,
 *             per login; then a summary line.
 *   each      -n N -1: N logins, one "login=i us=X exported=0|1" line each.
 *   parallel  -P N: N processes, released together, one login each; the
 *             parent reports the wall time and each login's time.
 * -F runs every login of loop and each mode in a fresh child process; with
 * -L that process first looks the user up (getpwnam), as login programs do
 * before they run PAM; -G (implies -L) also reads the user's groups
 * (getgrouplist), as su and login do for initgroups before the session.
 * Exit status: 0 if every PAM call succeeded (and, with -e VAR, every login
 * got VAR), 1 otherwise, 2 on usage errors.
 *
 * Built with -DBENCH_WITH_LIBCRYPTO (and -lcrypto), the driver stands for a
 * program that has OpenSSL's libcrypto loaded before it runs PAM, as sshd
 * has (libcrypto.so.3 is one of its DT_NEEDED libraries, and it uses it for
 * its host keys and key exchange): libcrypto is mapped and relocated once,
 * at exec, set up at start, and every login process forked from the driver
 * inherits it, so a module that needs libcrypto does not load it again.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef BENCH_WITH_LIBCRYPTO
#include <openssl/crypto.h>
#endif

#include "clock.h"

struct opts {
    const char *confdir;
    const char *service;
    char **users;
    size_t nusers;
    long iterations;
    long rounds;
    long warmup;
    long procs;
    bool each;
    bool fresh;
    bool lookup;
    bool groups;
    const char *expect_var;
};

struct login_result {
    bool ok;
    bool exported;
    double us;
    double cpu_us;      /* the CPU of one_login alone, in the login process */
    long maxrss_kb;     /* -F: peak RSS of the login process or its children; else 0 */
};

/* The first failure is reported once per process, the rest only counted. */
static bool reported_failure;


/*
 * Answers informational messages (what pam_prefect's user notices are) and
 * refuses prompts: nothing in a benchmarked stack may ask for input.
 */
static int bench_conv(int num_msg, const struct pam_message **msg,
                      struct pam_response **resp, void *appdata)
{
    long *messages = appdata;
    struct pam_response *r;
    int i;

    if (num_msg <= 0 || num_msg > PAM_MAX_NUM_MSG)
        return PAM_CONV_ERR;
    for (i = 0; i < num_msg; i++)
        if (msg[i]->msg_style != PAM_TEXT_INFO && msg[i]->msg_style != PAM_ERROR_MSG)
            return PAM_CONV_ERR;
    r = calloc((size_t)num_msg, sizeof(*r));
    if (r == NULL)
        return PAM_BUF_ERR;
    *messages += num_msg;
    *resp = r;
    return PAM_SUCCESS;
}

static void report_failure(pam_handle_t *pamh, const char *what, const char *user, int rc)
{
    if (reported_failure)
        return;
    reported_failure = true;
    if (pamh != NULL)
        fprintf(stderr, "driver: %s for user %s: %s\n", what, user, pam_strerror(pamh, rc));
    else
        fprintf(stderr, "driver: %s for user %s failed (PAM status %d)\n", what, user, rc);
}

/*
 * One full transaction. Never prints a value of the environment. Never
 * inlined: bench/run counts instructions with callgrind from this
 * function's entry to its return (--toggle-collect=one_login), which is one
 * login and nothing of the driver around it.
 */
__attribute__((noinline))
static struct login_result one_login(const struct opts *o, const char *user, long *messages)
{
    struct pam_conv conv = { bench_conv, messages };
    struct login_result res = { false, false, 0.0, 0.0, 0 };
    pam_handle_t *pamh = NULL;
    char **env;
    double t0 = now_us(), c0 = own_cpu_us();
    int rc, status = PAM_SUCCESS;

    rc = pam_start_confdir(o->service, user, &conv, o->confdir, &pamh);
    if (rc != PAM_SUCCESS) {
        report_failure(pamh, "pam_start", user, rc);
        if (pamh != NULL)
            pam_end(pamh, rc);
        res.us = now_us() - t0;
        res.cpu_us = own_cpu_us() - c0;
        return res;
    }
    rc = pam_setcred(pamh, PAM_ESTABLISH_CRED);
    if (rc != PAM_SUCCESS) {
        report_failure(pamh, "pam_setcred(ESTABLISH)", user, rc);
        status = rc;
    }
    rc = pam_open_session(pamh, 0);
    if (rc != PAM_SUCCESS) {
        report_failure(pamh, "pam_open_session", user, rc);
        status = rc;
    }
    env = pam_getenvlist(pamh);
    if (env != NULL) {
        size_t vlen = o->expect_var != NULL ? strlen(o->expect_var) : 0;

        for (char **e = env; *e != NULL; e++) {
            if (vlen > 0 && strncmp(*e, o->expect_var, vlen) == 0 && (*e)[vlen] == '=')
                res.exported = true;
            /* The values may be keys: wipe them before they are freed. */
            explicit_bzero(*e, strlen(*e));
            free(*e);
        }
        free(env);
    }
    if (status == PAM_SUCCESS) {
        rc = pam_close_session(pamh, 0);
        if (rc != PAM_SUCCESS) {
            report_failure(pamh, "pam_close_session", user, rc);
            status = rc;
        }
    }
    rc = pam_end(pamh, status);
    if (rc != PAM_SUCCESS) {
        report_failure(NULL, "pam_end", user, rc);
        status = rc;
    }
    res.ok = status == PAM_SUCCESS;
    res.us = now_us() - t0;
    res.cpu_us = own_cpu_us() - c0;
    return res;
}

static long max_rss_kb(int who)
{
    struct rusage ru;

    if (getrusage(who, &ru) != 0)
        return -1;
    return ru.ru_maxrss;
}

/* -G: the user's groups, as initgroups(3) reads them. */
static bool user_groups(const char *user, gid_t gid)
{
    gid_t some[64], *groups = some;
    int n = (int)(sizeof(some) / sizeof(some[0]));
    bool ok = true;

    if (getgrouplist(user, gid, groups, &n) < 0) {
        groups = calloc((size_t)n, sizeof(*groups));
        ok = groups != NULL && getgrouplist(user, gid, groups, &n) >= 0;
        free(groups);
    }
    if (!ok)
        fprintf(stderr, "driver: getgrouplist(%s) failed\n", user);
    return ok;
}

/*
 * One login, in this process or (-F) in a fresh child process, as sshd,
 * su or login run each login: then every module and every library it
 * needs is loaded anew, and the time includes fork and exit (the same for
 * every stack).
 */
static struct login_result login(const struct opts *o, const char *user, long *messages)
{
    struct login_result r = { false, false, 0.0, 0.0, 0 };
    struct { struct login_result r; long messages; } rec;
    int fds[2], status;
    double t0;
    pid_t pid;
    ssize_t n;

    if (!o->fresh)
        return one_login(o, user, messages);
    if (pipe(fds) != 0) {
        perror("driver: pipe");
        return r;
    }
    fflush(stdout);
    t0 = now_us();
    pid = fork();
    if (pid < 0) {
        perror("driver: fork");
        close(fds[0]);
        close(fds[1]);
        return r;
    }
    if (pid == 0) {
        struct login_result res;
        long child_messages = 0;

        close(fds[0]);
        /*
         * -L: what sshd, su, login, cron and sudo all do in the process
         * that then runs PAM: look the user up first. It sets up glibc's
         * NSS (nsswitch.conf, the nscd probe) in that process, as it is
         * set up there when a module looks the user up again.
         */
        if (o->lookup) {
            struct passwd *pw = getpwnam(user);

            if (pw == NULL) {
                fprintf(stderr, "driver: getpwnam(%s) found nobody\n", user);
                _exit(4);
            }
            if (o->groups && !user_groups(user, pw->pw_gid))
                _exit(4);
        }
        res = one_login(o, user, &child_messages);
        memset(&rec, 0, sizeof(rec));       /* no uninitialised padding on the pipe */
        rec.r.ok = res.ok;
        rec.r.exported = res.exported;
        rec.r.us = res.us;
        rec.r.cpu_us = res.cpu_us;
        /* the login process, or the largest program it ran (pam_exec) */
        rec.r.maxrss_kb = max_rss_kb(RUSAGE_SELF);
        if (max_rss_kb(RUSAGE_CHILDREN) > rec.r.maxrss_kb)
            rec.r.maxrss_kb = max_rss_kb(RUSAGE_CHILDREN);
        rec.messages = child_messages;
        _exit(write(fds[1], &rec, sizeof(rec)) == (ssize_t)sizeof(rec) ? 0 : 3);
    }
    close(fds[1]);
    do
        n = read(fds[0], &rec, sizeof(rec));
    while (n < 0 && errno == EINTR);
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof(rec) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (!reported_failure) {
            reported_failure = true;
            fprintf(stderr, "driver: the login process for %s died (status 0x%x)\n", user, status);
        }
        r.us = now_us() - t0;
        return r;
    }
    *messages += rec.messages;
    r = rec.r;
    r.us = now_us() - t0;
    return r;
}


static bool good(const struct opts *o, const struct login_result *r)
{
    return r->ok && (o->expect_var == NULL || r->exported);
}

/*
 * With -F, the peak RSS reported is the largest of the measured logins'
 * processes: not of the warm-up logins, which may be the one login that
 * fills a cache (and loads what a warm login does not).
 */
static int run_loop(const struct opts *o)
{
    long messages = 0, failed = 0, exported = 0, logins = 0, peak_kb = 0;
    size_t u = 0;

    for (long i = 0; i < o->warmup; i++) {
        struct login_result r = login(o, o->users[u], &messages);

        u = (u + 1) % o->nusers;
        if (!good(o, &r))
            failed++;
    }
    for (long round = 0; round < o->rounds; round++) {
        double t0 = now_us(), c0 = cpu_us(), own = 0.0;

        for (long i = 0; i < o->iterations; i++) {
            struct login_result r = login(o, o->users[u], &messages);

            u = (u + 1) % o->nusers;
            logins++;
            own += r.cpu_us;
            if (r.maxrss_kb > peak_kb)
                peak_kb = r.maxrss_kb;
            if (r.exported)
                exported++;
            if (!good(o, &r))
                failed++;
        }
        printf("round=%ld us_per_login=%.2f cpu_us_per_login=%.2f login_cpu_us=%.2f\n", round,
               (now_us() - t0) / (double)o->iterations,
               (cpu_us() - c0) / (double)o->iterations, own / (double)o->iterations);
        fflush(stdout);
    }
    printf("summary logins=%ld failed=%ld exported=%ld messages=%ld maxrss_kb=%ld\n",
           logins, failed, exported, messages, o->fresh ? peak_kb : max_rss_kb(RUSAGE_SELF));
    return failed == 0 ? 0 : 1;
}

static int run_each(const struct opts *o)
{
    long messages = 0, failed = 0;
    size_t u = 0;

    for (long i = 0; i < o->iterations; i++) {
        struct login_result r = login(o, o->users[u], &messages);

        u = (u + 1) % o->nusers;
        if (!good(o, &r))
            failed++;
        printf("login=%ld us=%.2f ok=%d exported=%d\n", i, r.us, r.ok, r.exported);
        fflush(stdout);
    }
    printf("summary logins=%ld failed=%ld messages=%ld maxrss_kb=%ld\n",
           o->iterations, failed, messages,
           max_rss_kb(o->fresh ? RUSAGE_CHILDREN : RUSAGE_SELF));
    return failed == 0 ? 0 : 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/*
 * N children block on a pipe until the parent closes its end, so that the
 * logins really start together; each writes its result back as one
 * fixed-size record (atomic on a pipe).
 */
static int run_parallel(const struct opts *o)
{
    int go[2], back[2];
    pid_t *pids;
    double *times;
    long failed = 0, exported = 0, got = 0;
    double t0;

    if (pipe(go) != 0 || pipe(back) != 0) {
        perror("driver: pipe");
        return 1;
    }
    pids = calloc((size_t)o->procs, sizeof(*pids));
    times = calloc((size_t)o->procs, sizeof(*times));
    if (pids == NULL || times == NULL) {
        perror("driver: calloc");
        return 1;
    }
    fflush(stdout);
    for (long i = 0; i < o->procs; i++) {
        pids[i] = fork();
        if (pids[i] < 0) {
            perror("driver: fork");
            for (long j = 0; j < i; j++)
                kill(pids[j], SIGKILL);
            return 1;
        }
        if (pids[i] == 0) {
            long messages = 0;
            struct login_result r, res;
            char c;

            free(pids);
            free(times);
            close(go[1]);
            close(back[0]);
            if (read(go[0], &c, 1) < 0)
                _exit(3);
            res = one_login(o, o->users[(size_t)i % o->nusers], &messages);
            memset(&r, 0, sizeof(r));       /* no uninitialised padding on the pipe */
            r.ok = res.ok;
            r.exported = res.exported;
            r.us = res.us;
            if (write(back[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
                _exit(3);
            _exit(good(o, &r) ? 0 : 1);
        }
    }
    close(go[0]);
    close(back[1]);
    t0 = now_us();
    close(go[1]);           /* release every child at once */
    for (;;) {
        struct login_result r;
        ssize_t n = read(back[0], &r, sizeof(r));

        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("driver: read");
            break;
        }
        if (n != (ssize_t)sizeof(r) || got >= o->procs)
            break;
        times[got++] = r.us;
        if (r.exported)
            exported++;
        if (!good(o, &r))
            failed++;
    }
    for (long i = 0; i < o->procs; i++) {
        int status;

        while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
            ;
    }
    {
        double wall = now_us() - t0;

        failed += o->procs - got;
        qsort(times, (size_t)got, sizeof(*times), cmp_double);
        printf("parallel procs=%ld wall_us=%.2f median_us=%.2f max_us=%.2f\n", o->procs, wall,
               got > 0 ? times[got / 2] : 0.0, got > 0 ? times[got - 1] : 0.0);
    }
    printf("summary logins=%ld failed=%ld exported=%ld maxrss_kb=%ld\n", got, failed, exported,
           max_rss_kb(RUSAGE_CHILDREN));
    free(pids);
    free(times);
    return failed == 0 ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: driver -c CONFDIR -s SERVICE (-u USER ... | -U FILE) [-e VAR]\n"
            "              [-n ITERATIONS] [-r ROUNDS] [-w WARMUP] [-1] [-F [-L | -G]] [-P PROCS]\n");
    exit(2);
}

static long num_arg(const char *s, long min)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min) {
        fprintf(stderr, "driver: bad number \"%s\" (at least %ld)\n", s, min);
        exit(2);
    }
    return v;
}

static void add_user(struct opts *o, const char *name)
{
    char **n = realloc(o->users, (o->nusers + 1) * sizeof(*n));

    if (n == NULL || (n[o->nusers] = strdup(name)) == NULL) {
        perror("driver");
        exit(2);
    }
    o->users = n;
    o->nusers++;
}

/* One user name per line. */
static void read_users(struct opts *o, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];

    if (f == NULL) {
        fprintf(stderr, "driver: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != '\0')
            add_user(o, line);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    struct opts o = { .iterations = 1000, .rounds = 1, .warmup = 0, .procs = 0 };
    int c, rc;

    while ((c = getopt(argc, argv, "c:s:u:U:e:n:r:w:1FLGP:")) != -1) {
        switch (c) {
        case 'c': o.confdir = optarg; break;
        case 's': o.service = optarg; break;
        case 'u': add_user(&o, optarg); break;
        case 'U': read_users(&o, optarg); break;
        case 'e': o.expect_var = optarg; break;
        case 'n': o.iterations = num_arg(optarg, 1); break;
        case 'r': o.rounds = num_arg(optarg, 1); break;
        case 'w': o.warmup = num_arg(optarg, 0); break;
        case '1': o.each = true; break;
        case 'F': o.fresh = true; break;
        case 'L': o.lookup = true; break;
        case 'G': o.lookup = o.groups = true; break;
        case 'P': o.procs = num_arg(optarg, 1); break;
        default: usage();
        }
    }
    if (o.confdir == NULL || o.service == NULL || o.nusers == 0 || optind != argc
        || (o.lookup && !o.fresh))
        usage();
#ifdef BENCH_WITH_LIBCRYPTO
    /* What a program using libcrypto has done by the time it runs PAM. */
    if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1) {
        fprintf(stderr, "driver: OPENSSL_init_crypto failed\n");
        return 2;
    }
#endif
    if (o.procs > 0)
        rc = run_parallel(&o);
    else if (o.each)
        rc = run_each(&o);
    else
        rc = run_loop(&o);
    for (size_t i = 0; i < o.nusers; i++)
        free(o.users[i]);
    free(o.users);
    return rc;
}

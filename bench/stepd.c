/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stepd.c: the benchmark's slurmstepd. Runs a job step's SPANK calls into
 * the Slurm plugin (spank_prefect.so) the way slurmstepd makes them on a
 * node, and reports what the steps cost; it is the Slurm row of bench/run's
 * "cost over the floor".
 *
 * A step is a fresh child process (slurmd starts a slurmstepd for every
 * step), which dlopens the plugin (-p; RTLD_LAZY, as Slurm's plugin loader),
 * calls in slurmstepd's order those of its callbacks it defines --
 * slurm_spank_init, slurm_spank_init_post_opt, slurm_spank_user_init, then
 * for task 0 slurm_spank_task_init_privileged, slurm_spank_task_init,
 * slurm_spank_task_post_fork, slurm_spank_task_exit, and slurm_spank_exit --
 * in the remote context with the plugstack.conf arguments given by -a, then
 * dlcloses it (slurmstepd runs the task callbacks in the task's process;
 * here they run in the step's). Without -p the step does everything else
 * and calls no plugin: the floor. With -L the step process looks the job's
 * user up (getpwuid) before the plugin runs. The job's uid is given as a number (-i):
 * the parent never looks a user up, so no step inherits glibc's NSS set-up.
 *
 * The SPANK API the plugin calls (spank_get_item, spank_getenv, spank_setenv,
 * spank_unsetenv, spank_option_register, spank_context, spank_remote,
 * spank_strerror, slurm_info, slurm_error) is this program's, exported to
 * the plugin (-rdynamic): a job environment of a few variables, the uid,
 * the task id, and a log file (-l; slurm_info and slurm_error append one
 * line each, as slurmstepd's log does). The driver never prints a value of
 * the job's environment, only whether -e VAR was set; every value is wiped
 * before it is freed.
 *
 * Output, as bench/driver.c's loop mode: one "round=R us_per_login=X
 * cpu_us_per_login=Y login_cpu_us=Z" line per round (wall time and CPU
 * time, user + system of this process and its steps, per step; and the CPU
 * of the step's SPANK calls alone, one_step, in the step process), then a
 * summary line. Exit
 * status: 0 if every step ran (and, with -e, got VAR), 1 otherwise, 2 on
 * usage errors.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <slurm/spank.h>

#include "clock.h"

/* The job's environment as slurmstepd holds it: "NAME=value" strings. */
struct spank_handle {
    char **env;
    size_t n;
    size_t cap;
    uid_t uid;
    bool in_task;
};

static int log_fd = STDERR_FILENO;

/* What a step's environment holds before any plugin runs. */
static const char *const job_env[] = {
    "PATH=/usr/local/bin:/usr/bin:/bin",
    "HOME=/nonexistent",
    "SHELL=/bin/sh",
    "LANG=C.UTF-8",
    "SLURM_JOB_ID=4242",
    "SLURM_JOB_NAME=bench",
    "SLURM_JOB_NODELIST=localhost",
    "SLURM_JOB_NUM_NODES=1",
    "SLURM_NTASKS=1",
    "SLURM_STEP_ID=0",
    "SLURM_SUBMIT_DIR=/tmp",
    "SLURM_CLUSTER_NAME=bench",
};

static void wipe_free(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static void logv(const char *prefix, const char *fmt, va_list ap)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "slurmstepd: %s", prefix);

    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    n = (int)strlen(line);
    line[n++] = '\n';
    if (write(log_fd, line, (size_t)n) < 0)
        return;
}

void slurm_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    logv("", fmt, ap);
    va_end(ap);
}

void slurm_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    logv("error: ", fmt, ap);
    va_end(ap);
}

spank_context_t spank_context(void)
{
    return S_CTX_REMOTE;
}

int spank_remote(spank_t sp)
{
    return sp != NULL ? 1 : -1;
}

spank_err_t spank_option_register(spank_t sp, struct spank_option *opt)
{
    return sp != NULL && opt != NULL && opt->name != NULL ? ESPANK_SUCCESS : ESPANK_BAD_ARG;
}

const char *spank_strerror(spank_err_t err)
{
    if (err == ESPANK_SUCCESS)
        return "Success";
    if (err == ESPANK_BAD_ARG)
        return "Bad argument";
    if (err == ESPANK_ENV_EXISTS)
        return "Environment variable exists";
    if (err == ESPANK_ENV_NOEXIST)
        return "No such environment variable";
    if (err == ESPANK_NOSPACE)
        return "Buffer too small";
    if (err == ESPANK_NOT_AVAIL)
        return "Item not available from this callback";
    return "Generic error";
}

spank_err_t spank_get_item(spank_t sp, spank_item_t item, ...)
{
    spank_err_t rc = ESPANK_SUCCESS;
    va_list ap;

    if (sp == NULL)
        return ESPANK_BAD_ARG;
    va_start(ap, item);
    switch (item) {
    case S_JOB_UID:
        *va_arg(ap, uid_t *) = sp->uid;
        break;
    case S_TASK_GLOBAL_ID:
        if (sp->in_task)
            *va_arg(ap, uint32_t *) = 0;
        else
            rc = ESPANK_NOT_TASK;
        break;
    default:
        rc = ESPANK_NOT_AVAIL;
        break;
    }
    va_end(ap);
    return rc;
}

static size_t env_find(spank_t sp, const char *var)
{
    size_t len = strlen(var);

    for (size_t i = 0; i < sp->n; i++)
        if (strncmp(sp->env[i], var, len) == 0 && sp->env[i][len] == '=')
            return i;
    return sp->n;
}

spank_err_t spank_getenv(spank_t sp, const char *var, char *buf, int len)
{
    const char *v;
    size_t i, vlen;

    if (sp == NULL || var == NULL || buf == NULL || len <= 0)
        return ESPANK_BAD_ARG;
    i = env_find(sp, var);
    if (i == sp->n)
        return ESPANK_ENV_NOEXIST;
    v = sp->env[i] + strlen(var) + 1;
    vlen = strlen(v);
    if (vlen >= (size_t)len) {
        memcpy(buf, v, (size_t)len - 1);
        buf[len - 1] = '\0';
        return ESPANK_NOSPACE;
    }
    memcpy(buf, v, vlen + 1);
    return ESPANK_SUCCESS;
}

spank_err_t spank_setenv(spank_t sp, const char *var, const char *val, int overwrite)
{
    size_t i, vl, al;
    char *s;

    if (sp == NULL || var == NULL || val == NULL || var[0] == '\0' || strchr(var, '=') != NULL)
        return ESPANK_BAD_ARG;
    i = env_find(sp, var);
    if (i < sp->n && !overwrite)
        return ESPANK_ENV_EXISTS;
    vl = strlen(var);
    al = strlen(val);
    s = malloc(vl + al + 2);
    if (s == NULL)
        return ESPANK_ERROR;
    memcpy(s, var, vl);
    s[vl] = '=';
    memcpy(s + vl + 1, val, al + 1);
    if (i < sp->n) {
        wipe_free(sp->env[i]);
        sp->env[i] = s;
        return ESPANK_SUCCESS;
    }
    if (sp->n == sp->cap) {
        size_t cap = sp->cap * 2 + 8;
        char **e = realloc(sp->env, cap * sizeof(*e));

        if (e == NULL) {
            wipe_free(s);
            return ESPANK_ERROR;
        }
        sp->env = e;
        sp->cap = cap;
    }
    sp->env[sp->n++] = s;
    return ESPANK_SUCCESS;
}

spank_err_t spank_unsetenv(spank_t sp, const char *var)
{
    size_t i;

    if (sp == NULL || var == NULL)
        return ESPANK_BAD_ARG;
    i = env_find(sp, var);
    if (i < sp->n) {
        wipe_free(sp->env[i]);
        sp->env[i] = sp->env[--sp->n];
    }
    return ESPANK_SUCCESS;
}

struct opts {
    const char *plugin;
    int ac;
    char **av;
    uid_t uid;
    long iterations;
    long rounds;
    long warmup;
    bool lookup;
    const char *expect_var;
};



static int call(void *h, const char *name, spank_t sp, const struct opts *o)
{
    spank_f *f = (spank_f *)dlsym(h, name);

    /* Slurm calls what the plugin defines and skips the rest. */
    return f != NULL ? f(sp, o->ac, o->av) : 0;
}

/*
 * One step's SPANK calls, in the step process: 0 (the step ran, and with -e
 * got the variable), 1 (it did not: a message on standard error). Never
 * inlined: bench/run counts instructions with callgrind from this
 * function's entry to its return (--toggle-collect=one_step).
 */
__attribute__((noinline))
static int one_step(const struct opts *o)
{
    struct spank_handle sp = { NULL, 0, 0, o->uid, false };
    void *h = NULL;
    int rc = 0;

    for (size_t i = 0; i < sizeof(job_env) / sizeof(job_env[0]) && rc == 0; i++) {
        const char *eq = strchr(job_env[i], '=');
        char name[64];

        snprintf(name, sizeof(name), "%.*s", (int)(eq - job_env[i]), job_env[i]);
        if (spank_setenv(&sp, name, eq + 1, 1) != ESPANK_SUCCESS)
            rc = 1;
    }
    if (rc == 0 && o->plugin != NULL) {
        h = dlopen(o->plugin, RTLD_LAZY);
        if (h == NULL) {
            fprintf(stderr, "stepd: %s\n", dlerror());
            rc = 1;
        }
    }
    if (h != NULL) {
        static const char *const step_calls[] = {
            "slurm_spank_init", "slurm_spank_init_post_opt", "slurm_spank_user_init",
        };
        static const char *const task_calls[] = {
            "slurm_spank_task_init_privileged", "slurm_spank_task_init",
            "slurm_spank_task_post_fork", "slurm_spank_task_exit",
        };

        for (size_t i = 0; i < sizeof(step_calls) / sizeof(step_calls[0]) && rc == 0; i++)
            if (call(h, step_calls[i], &sp, o) != 0) {
                fprintf(stderr, "stepd: %s failed\n", step_calls[i]);
                rc = 1;
            }
        sp.in_task = true;
        for (size_t i = 0; i < sizeof(task_calls) / sizeof(task_calls[0]) && rc == 0; i++)
            if (call(h, task_calls[i], &sp, o) != 0) {
                fprintf(stderr, "stepd: %s failed\n", task_calls[i]);
                rc = 1;
            }
        sp.in_task = false;
        if (rc == 0 && call(h, "slurm_spank_exit", &sp, o) != 0) {
            fprintf(stderr, "stepd: slurm_spank_exit failed\n");
            rc = 1;
        }
    }
    if (rc == 0 && o->expect_var != NULL && env_find(&sp, o->expect_var) == sp.n) {
        fprintf(stderr, "stepd: the step did not get %s\n", o->expect_var);
        rc = 1;
    }
    if (h != NULL)
        dlclose(h);
    for (size_t i = 0; i < sp.n; i++)
        wipe_free(sp.env[i]);
    free(sp.env);
    return rc;
}

/*
 * One step in a fresh child process: true if it ran and got what -e asks;
 * *cpu: the CPU of its one_step, added.
 */
static bool step(const struct opts *o, double *cpu)
{
    double spent = 0.0;
    int fds[2], status;
    ssize_t n;
    pid_t pid;

    if (pipe(fds) != 0) {
        perror("stepd: pipe");
        return false;
    }
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        perror("stepd: fork");
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid == 0) {
        double c0;
        int rc;

        close(fds[0]);
        if (o->lookup && getpwuid(o->uid) == NULL) {
            fprintf(stderr, "stepd: getpwuid(%ld) found nobody\n", (long)o->uid);
            _exit(4);
        }
        c0 = own_cpu_us();
        rc = one_step(o);
        spent = own_cpu_us() - c0;
        _exit(write(fds[1], &spent, sizeof(spent)) == (ssize_t)sizeof(spent) ? rc : 3);
    }
    close(fds[1]);
    do
        n = read(fds[0], &spent, sizeof(spent));
    while (n < 0 && errno == EINTR);
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (n == (ssize_t)sizeof(spent))
        *cpu += spent;
    return n == (ssize_t)sizeof(spent) && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static long num_arg(const char *s, long min)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min) {
        fprintf(stderr, "stepd: bad number \"%s\" (at least %ld)\n", s, min);
        exit(2);
    }
    return v;
}

static void usage(void)
{
    fprintf(stderr, "usage: stepd -i UID [-p PLUGIN [-a ARG]...] [-e VAR] [-l LOGFILE]\n"
                    "             [-n STEPS] [-r ROUNDS] [-w WARMUP] [-L]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct opts o = { .iterations = 100, .rounds = 1, .warmup = 0 };
    long failed = 0, steps = 0;
    bool have_uid = false;
    int c;

    o.av = calloc((size_t)argc, sizeof(*o.av));
    if (o.av == NULL) {
        perror("stepd");
        return 2;
    }
    while ((c = getopt(argc, argv, "i:p:a:e:l:n:r:w:L")) != -1) {
        switch (c) {
        case 'i': o.uid = (uid_t)num_arg(optarg, 0); have_uid = true; break;
        case 'p': o.plugin = optarg; break;
        case 'a': o.av[o.ac++] = optarg; break;
        case 'e': o.expect_var = optarg; break;
        case 'l':
            log_fd = open(optarg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
            if (log_fd < 0) {
                fprintf(stderr, "stepd: %s: %s\n", optarg, strerror(errno));
                return 2;
            }
            break;
        case 'n': o.iterations = num_arg(optarg, 1); break;
        case 'r': o.rounds = num_arg(optarg, 1); break;
        case 'w': o.warmup = num_arg(optarg, 0); break;
        case 'L': o.lookup = true; break;
        default: usage();
        }
    }
    if (!have_uid || optind != argc || (o.ac > 0 && o.plugin == NULL))
        usage();
    for (long i = 0; i < o.warmup; i++) {
        double ignored = 0.0;

        if (!step(&o, &ignored))
            failed++;
    }
    for (long round = 0; round < o.rounds; round++) {
        double t0 = now_us(), c0 = cpu_us(), own = 0.0;

        for (long i = 0; i < o.iterations; i++) {
            steps++;
            if (!step(&o, &own))
                failed++;
        }
        printf("round=%ld us_per_login=%.2f cpu_us_per_login=%.2f login_cpu_us=%.2f\n", round,
               (now_us() - t0) / (double)o.iterations, (cpu_us() - c0) / (double)o.iterations,
               own / (double)o.iterations);
        fflush(stdout);
    }
    printf("summary logins=%ld failed=%ld\n", steps, failed);
    free(o.av);
    return failed == 0 ? 0 : 1;
}

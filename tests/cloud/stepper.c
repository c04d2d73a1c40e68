/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stepper.c: runs a command (a login, as su runs it) and, as its caller
 * may, stops it again and again, each time looking in /proc/locks for a
 * lock it holds, until it ends. It stops it at every system call's entry
 * and exit (a lock is taken and let go only by system calls, so none is
 * missed) and, between system calls, about every --interval us (100). It
 * stops the command through ptrace, not by signals: a signal's stop waits
 * for the stepper to be scheduled, and on a loaded machine a short login
 * could end before the first one; the command cannot run on until the
 * stepper has looked.
 *
 *   stepper [--cgroup DIR] [--fill N] [--interval US] -- COMMAND ARG...
 *
 * --cgroup DIR: the command runs in that (pids) cgroup, with N sleeping
 * processes (--fill) put there first. Prints "stops=N held=N" (held: how
 * many stops found a lock of the command's pid); exits with the command's
 * status (128 + signal if killed).
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Whether /proc/locks lists a lock held (not waited for) by pid. */
static int holds_lock(pid_t pid)
{
    char line[512];
    FILE *f = fopen("/proc/locks", "r");
    int found = 0;

    if (f == NULL)
        return 0;
    while (!found && fgets(line, sizeof(line), f) != NULL) {
        char type[16], adv[16], rw[16];
        long p;

        if (strstr(line, "->") != NULL)
            continue;       /* a waiter, not a holder */
        if (sscanf(line, "%*s %15s %15s %15s %ld", type, adv, rw, &p) == 4 && p == (long)pid)
            found = 1;
    }
    fclose(f);
    return found;
}

static void join_cgroup(const char *dir, pid_t pid)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    f = fopen(path, "w");
    if (f == NULL || fprintf(f, "%ld\n", (long)pid) < 0 || fclose(f) != 0) {
        perror("stepper: cgroup.procs");
        exit(2);
    }
}

/*
 * Looks at the stopped command: counts the stop, and whether it holds a
 * lock.
 */
static void look(pid_t pid, long *stops, long *held)
{
    (*stops)++;
    if (holds_lock(pid))
        (*held)++;
}

int main(int argc, char **argv)
{
    const char *cgroup = NULL;
    long interval = 100, fill = 0, stops = 0, held = 0, i;
    pid_t pid, fillers[64];
    int status, a, go[2];
    char c = 0;

    for (a = 1; a < argc && strcmp(argv[a], "--") != 0; a++) {
        if (strcmp(argv[a], "--cgroup") == 0 && a + 1 < argc)
            cgroup = argv[++a];
        else if (strcmp(argv[a], "--fill") == 0 && a + 1 < argc)
            fill = atol(argv[++a]);
        else if (strcmp(argv[a], "--interval") == 0 && a + 1 < argc)
            interval = atol(argv[++a]);
        else {
            fprintf(stderr, "usage: stepper [--cgroup DIR] [--fill N] [--interval US] -- CMD...\n");
            return 2;
        }
    }
    if (a + 1 >= argc || fill < 0 || fill > 64 || interval < 1 || interval > 999999)
        return 2;
    for (i = 0; i < fill; i++) {
        fillers[i] = fork();
        if (fillers[i] == 0) {
            join_cgroup(cgroup, getpid());
            pause();
            _exit(0);
        }
    }
    usleep(100000);
    if (pipe(go) != 0) {
        perror("stepper: pipe");
        return 2;
    }
    pid = fork();
    if (pid == 0) {
        /* Runs only once the stepper traces it (or has gone). */
        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(127);
        close(go[0]);
        if (cgroup != NULL)
            join_cgroup(cgroup, getpid());
        execvp(argv[a + 1], argv + a + 1);
        perror("stepper: exec");
        _exit(127);
    }
    close(go[0]);
    if (pid < 0 || ptrace(PTRACE_SEIZE, pid, NULL,
                          (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) != 0) {
        perror("stepper: cannot trace the command");
        return 2;
    }
    if (write(go[1], &c, 1) != 1) {
        perror("stepper: write");
        return 2;
    }
    close(go[1]);
    for (;;) {
        int sig = 0, r;

        r = waitpid(pid, &status, __WALL | WNOHANG);
        if (r == 0) {
            /* Running: give it about an interval, then stop it. */
            struct timespec ts = { 0, interval * 1000L };

            nanosleep(&ts, NULL);
            r = waitpid(pid, &status, __WALL | WNOHANG);
            if (r == 0) {
                (void)ptrace(PTRACE_INTERRUPT, pid, NULL, NULL);
                while ((r = waitpid(pid, &status, __WALL)) < 0 && errno == EINTR)
                    ;
            }
        }
        if (r < 0) {
            perror("stepper: waitpid");
            return 2;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status))
            break;
        look(pid, &stops, &held);
        /* A signal for the command (not a stop of the stepper's making) is
         * passed on. */
        if (WSTOPSIG(status) != (SIGTRAP | 0x80) && (status >> 16) == 0)
            sig = WSTOPSIG(status);
        (void)ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig);
    }
    for (i = 0; i < fill; i++) {
        kill(fillers[i], SIGKILL);
        waitpid(fillers[i], NULL, 0);
    }
    printf("stops=%ld held=%ld\n", stops, held);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * keyinput.c: reading a key from standard input (without echo on a
 * terminal) or from --key-file, and checking it. Every buffer that held key
 * bytes is wiped; no message ever contains the key.
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "pk.h"
#include "secret.h"

/*
 * Terminal states: the user's, to put back if a signal arrives while echo
 * is off, and the quiet one, to set again when the process is continued.
 */
static struct termios saved_tty, quiet_tty;
static volatile sig_atomic_t tty_changed;

static void restore_tty_and_die(int sig)
{
    if (tty_changed)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

/*
 * Ctrl-Z: give the user's terminal back, stop, and once continued take
 * the handler back (on_continue has turned echo off again by then).
 */
static void stop_with_tty_restored(int sig)
{
    int saved_errno = errno;
    struct sigaction sa, dfl;
    sigset_t set;

    if (tty_changed)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, &sa);
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    sigaction(sig, &sa, NULL);
    errno = saved_errno;
}

/* Continued (fg, bg, kill -CONT): whatever the shell did to the terminal, echo off again. */
static void on_continue(int sig)
{
    int saved_errno = errno;

    (void)sig;
    if (tty_changed)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet_tty);
    errno = saved_errno;
}

static const struct {
    int sig;
    void (*handler)(int);
} tty_signals[] = {
    { SIGINT, restore_tty_and_die },
    { SIGTERM, restore_tty_and_die },
    { SIGHUP, restore_tty_and_die },
    { SIGQUIT, restore_tty_and_die },
    { SIGTSTP, stop_with_tty_restored },
    { SIGCONT, on_continue },
};

/* Read from fd until EOF (or a newline when line is set) into buf (size cap). */
static int read_fd(int fd, char *buf, size_t cap, bool line, size_t *len, bool *too_long)
{
    size_t n = 0;

    *too_long = false;
    for (;;) {
        ssize_t r;

        if (n == cap) {
            char c;
            /* One byte more tells "too long" from "exactly full". */
            r = read(fd, &c, 1);
            pp_wipe(&c, 1);
            if (r > 0)
                *too_long = true;
            break;
        }
        r = read(fd, buf + n, line ? 1 : cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            *len = n;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (line && buf[n - 1] == '\n')
            break;
    }
    *len = n;
    return 0;
}

static int read_tty(const char *name, char *buf, size_t cap, size_t *len, bool *too_long)
{
    struct sigaction sa, old[sizeof(tty_signals) / sizeof(tty_signals[0])];
    char show[96];
    int rc, saved_errno;

    if (tcgetattr(STDIN_FILENO, &saved_tty) != 0)
        return -1;
    quiet_tty = saved_tty;
    quiet_tty.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
    quiet_tty.c_lflag |= ICANON;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(tty_signals) / sizeof(tty_signals[0]); i++) {
        sa.sa_handler = tty_signals[i].handler;
        sigaction(tty_signals[i].sig, &sa, &old[i]);
    }

    fprintf(stderr, "Prefect API key for %s (not shown): ", pk_show(name, show, sizeof(show)));
    fflush(stderr);
    tty_changed = 1;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet_tty) != 0) {
        tty_changed = 0;
        rc = -1;
    } else {
        rc = read_fd(STDIN_FILENO, buf, cap, true, len, too_long);
    }
    saved_errno = errno;
    if (tty_changed) {
        /* Cleared first: a SIGCONT from here on must not turn echo off again. */
        tty_changed = 0;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    }
    for (size_t i = 0; i < sizeof(tty_signals) / sizeof(tty_signals[0]); i++)
        sigaction(tty_signals[i].sig, &old[i], NULL);
    fputc('\n', stderr);
    errno = saved_errno;
    return rc;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

const char *pk_key_problem(const char *key, bool force)
{
    const char *why = pp_key_problem(key);

    if (why != NULL)
        return why;
    if (!force && pp_key_kind_of(key) == PP_KIND_OTHER)
        return "the key does not start with pnu_ (user key) or pnb_ (service account key); "
               "use --force to store it anyway";
    return NULL;
}

char *pk_read_key(struct pk *pk, const char *name)
{
    char err[PP_ERRLEN];
    char *buf = NULL, *start, *end, *key = NULL;
    const char *problem;
    size_t len = 0, cap = PP_ENTRY_MAX;
    bool too_long = false;
    const char *source;

    if (pk_has(pk, OPT_KEY_FILE)) {
        int r;

        source = pk->o.key_file;
        if (source[0] != '/') {
            char show[96];
            pk_error("--key-file %s: give an absolute path",
                           pk_show(source, show, sizeof(show)));
            return NULL;
        }
        r = pp_read_file(source, PP_FILE_SECRET, PP_ENTRY_MAX, &buf, &len, err, sizeof(err));
        if (r != 0) {
            pk_error("--key-file %s%s", err,
                           r == -1 ? " (the key file must be a regular file owned by root, "
                                     "mode 0600 or stricter, in root-owned directories)"
                                   : "");
            return NULL;
        }
        cap = len + 1;
        if (strlen(buf) != len) {
            pk_error("--key-file %s: contains a NUL byte", source);
            goto out;
        }
    } else {
        source = "standard input";
        buf = malloc(cap + 1);
        if (buf == NULL) {
            pk_error("out of memory");
            return NULL;
        }
        cap += 1;
        if (isatty(STDIN_FILENO)) {
            if (read_tty(name, buf, cap - 1, &len, &too_long) != 0) {
                pk_error("cannot read the key from the terminal: %s", strerror(errno));
                goto out;
            }
        } else if (read_fd(STDIN_FILENO, buf, cap - 1, false, &len, &too_long) != 0) {
            pk_error("cannot read the key from standard input: %s", strerror(errno));
            goto out;
        }
        buf[len] = '\0';
        if (too_long) {
            pk_error("standard input holds more than %d bytes: that is not a key",
                           PP_ENTRY_MAX);
            goto out;
        }
        if (memchr(buf, '\0', len) != NULL) {
            pk_error("standard input contains a NUL byte: that is not a key");
            goto out;
        }
    }

    start = buf;
    while (is_space(*start))
        start++;
    end = start + strlen(start);
    while (end > start && is_space(end[-1]))
        end--;
    *end = '\0';
    if (start == end) {
        pk_error("no key on %s: give the key on standard input or with --key-file "
                       "(keys are read from standard input or --key-file, never from the "
                       "command line)", source);
        goto out;
    }
    problem = pk_key_problem(start, pk_has(pk, OPT_FORCE));
    if (problem != NULL) {
        pk_error("%s: %s", source, problem);
        goto out;
    }
    key = pp_strdup_secret(start);
    if (key == NULL)
        pk_error("out of memory");
out:
    pp_free_buf(buf, cap);
    return key;
}

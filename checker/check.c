/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check.c: the check program, installed root-only outside PATH
 * ($(pkglibexecdir)/check) and linked with the Cloud client (libcurl,
 * json-c). The module, the Slurm plugin and prefect-keys run it
 * (lib/checkrun.h) whenever Prefect Cloud must be asked; it alone takes
 * entry locks and writes check records (lib/checkwork.h), so that a login
 * its caller can stop (su, sudo) never holds what other logins wait for.
 *
 * checkrun.c starts it detached, already made its own: all ids root, a
 * session of its own, its own resource limits, nice value, scheduling
 * policy, I/O priority, umask and working directory, every signal at its
 * default and none blocked, an empty environment, and no descriptor of its
 * caller but a socket as its standard input (/dev/null as output and
 * error). It refuses to run otherwise. Here it ignores SIGPIPE and SIGXFSZ
 * (a write that fails is an error, never a death) and makes itself not
 * dumpable (it holds a key).
 *
 * It reads one request from the socket, does the work (the entry's lock,
 * Cloud's answer, the record) and answers, and only then syncs the
 * record's directory (the record itself is on disk before it is renamed
 * into place, so the caller reads it whole); when the caller has gone (it
 * waits at most timeout_ms), the check still ends and records its result,
 * and the log lines go to syslog.
 */
#include <config.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "checkmsg.h"
#include "checkwork.h"
#include "secret.h"
#include "store_write.h"

/* How long the caller has to send its request. */
#define REQUEST_WAIT_MS 5000

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

/* After the answer: an error goes to syslog. */
static void late_error(const char *user, const char *err)
{
    openlog("pam_prefect(check)", LOG_PID, LOG_AUTHPRIV);
    syslog(LOG_ERR, "user=%s check: %s", user, err);
    closelog();
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

/* All ids root, no supplementary group: as checkrun.c starts it. */
static bool all_root(void)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;

    return getresuid(&r, &e, &s) == 0 && getresgid(&gr, &ge, &gs) == 0
        && r == 0 && e == 0 && s == 0 && gr == 0 && ge == 0 && gs == 0
        && getgroups(0, NULL) == 0;
}

int main(int argc, char **argv)
{
    struct pp_log log = { collect, NULL, false, NULL };
    struct pp_check_request rq;
    unsigned char *buf = NULL;
    struct sigaction sa;
    char err[PP_ERRLEN];
    struct stat st;
    size_t len = 0;

    (void)argv;
    if (argc != 1 || fstat(0, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        fprintf(stderr, "check: this program is run by pam_prefect, the Slurm plugin and "
                "prefect-keys, with a socket as its standard input\n");
        return 2;
    }
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGPIPE, &sa, NULL);
    /* A file size limit it could not raise fails the write, never the program. */
    (void)sigaction(SIGXFSZ, &sa, NULL);
    memset(&answer, 0, sizeof(answer));
    /* The caller waits for the answer, not for the disk: the record's
     * directory is synced after the answer (store_write.h). */
    pp_dirsync_defer();
    if (!all_root()) {
        answer.rc = -1;
        pp_error(&log, "check: the check program must be run by root");
        send_answer("");
        return 1;
    }
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
    case PP_CHECK_MODE_VALIDATE:
        answer.rc = pp_checkwork_validate(&rq, &answer, &log);
        break;
    }
    send_answer(rq.user);
    if (pp_dirsync_flush(err, sizeof(err)) != 0)
        late_error(rq.user, err);
    pp_checkmsg_request_clear(&rq);
    pp_checkmsg_answer_clear(&answer);
    return 0;
}

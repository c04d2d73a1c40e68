/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * check_cloud.c: check-cloud, the check program's other half, installed
 * beside it ($(pkglibexecdir)/check-cloud), root-only, linked with the
 * Cloud client (libcurl, json-c). Only the check program (check.c) starts
 * it, after making its descriptors, ids, session, limits, priorities,
 * signals, umask and working directory its own and detaching from its
 * caller: all of that carries over the exec. What an exec resets is set
 * again here: it is not dumpable (it holds a key), and the threads it makes
 * (libcurl's resolver) get the stack the check program's limit gives.
 *
 * It reads one request from its standard input (a socket), does the work
 * (lib/checkwork.h: the entry's lock, Cloud's answer, the record) and
 * answers; when the caller has gone, the log lines go to syslog.
 */
#include <config.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "checkmsg.h"
#include "checkwork.h"
#include "secret.h"

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

static void send_answer(const char *user)
{
    unsigned char *frame;
    size_t len = 0;

    frame = pp_checkmsg_pack_answer(&answer, &len);
    if (frame == NULL || pp_checkmsg_send(0, frame, len) != 0)
        to_syslog(user);
    free(frame);
}

/* Run as the check program runs it: root, a socket as standard input. */
static bool started_by_check(void)
{
    uid_t r, e, s;
    struct stat st;

    return getresuid(&r, &e, &s) == 0 && r == 0 && e == 0 && s == 0
        && fstat(0, &st) == 0 && S_ISSOCK(st.st_mode);
}

int main(int argc, char **argv)
{
    struct pp_log log = { collect, NULL, false, NULL };
    struct pp_check_request rq;
    unsigned char *buf = NULL;
    pthread_attr_t attr;
    struct rlimit stack;
    size_t len = 0;

    (void)argv;
    if (argc != 1 || !started_by_check()) {
        fprintf(stderr, "check-cloud: this program is started by the check program only\n");
        return 2;
    }
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    /* Threads get a whole stack, as the main one has (the check program's limit). */
    if (getrlimit(RLIMIT_STACK, &stack) == 0 && stack.rlim_cur != RLIM_INFINITY
        && pthread_attr_init(&attr) == 0) {
        (void)pthread_attr_setstacksize(&attr, (size_t)stack.rlim_cur);
        (void)pthread_setattr_default_np(&attr);
        pthread_attr_destroy(&attr);
    }
    memset(&answer, 0, sizeof(answer));
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session.c: the work behind open_session and setcred (see session.h).
 *
 * PAM glue only: skip quietly when not root or when the configuration
 * cannot be loaded (the loader logged why); take the service and the user
 * from the handle; let pp_decide (decide.h) decide everything else; then set both variables or
 * neither, log the decision line, say the decision's sentence, and map the
 * outcome to a PAM return code. The decision (and with it the key) is
 * wiped on every path.
 */
#include <config.h>

#include "session.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_ext.h>

#include "conv.h"
#include "decide.h"
#include "keymark.h"
#include "log.h"
#include "secret.h"

/* The per-handle marker: the first call's result. */
#define PP_MARKER "pam_prefect_session_result"

enum pp_result {
    PP_RES_SKIPPED,         /* nothing to do (out of scope, unmapped, no config) */
    PP_RES_EXPORTED,        /* both variables set */
    PP_RES_FAILED_OPEN,     /* a mapped key not exported, on_failure = ignore */
    PP_RES_REFUSED,         /* a mapped key not exported, on_failure = deny */
};

struct pp_marker {
    enum pp_result result;
    bool debug;
};

/* One call's state. */
struct pp_session {
    pam_handle_t *pamh;
    int flags;
    struct pp_log log;
    struct pp_config cfg;
    bool have_cfg;
    time_t now;
};

static void marker_cleanup(pam_handle_t *pamh, void *data, int status)
{
    (void)pamh;
    (void)status;
    free(data);
}

static void log_sink(void *ctx, int priority, const char *line)
{
    pam_syslog((pam_handle_t *)ctx, priority, "%s", line);
}

static const char *rc_name(int rc)
{
    switch (rc) {
    case PAM_SUCCESS:
        return "PAM_SUCCESS";
    case PAM_IGNORE:
        return "PAM_IGNORE";
    case PAM_SESSION_ERR:
        return "PAM_SESSION_ERR";
    case PAM_CRED_ERR:
        return "PAM_CRED_ERR";
    default:
        return "other";
    }
}

/* The handle's user for trace lines (NULL if none yet). */
static const char *handle_user(pam_handle_t *pamh)
{
    const void *item = NULL;

    if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS)
        return NULL;
    return item;
}

static int result_code(enum pp_result r, enum pp_pam_call call)
{
    switch (r) {
    case PP_RES_EXPORTED:
        return PAM_SUCCESS;
    case PP_RES_REFUSED:
        return call == PP_CALL_SETCRED ? PAM_CRED_ERR : PAM_SESSION_ERR;
    case PP_RES_SKIPPED:
    case PP_RES_FAILED_OPEN:
        break;
    }
    return PAM_IGNORE;
}

/*
 * What the decision says to the user, through the conversation. The expiry
 * warning (PP_SAY_INFO) goes out as PAM_ERROR_MSG too, never PAM_TEXT_INFO:
 * sudo and misc_conv (su, login) print PAM_TEXT_INFO on standard output,
 * where "$(sudo -i -u USER CMD)" would capture it, and su drops
 * PAM_TEXT_INFO altogether when it runs a command. Standard error reaches
 * the terminal of an interactive login and never a command's output
 * (pam_prefect(8), CAVEATS).
 */
static void say(struct pp_session *s, const struct pp_decision *d)
{
    if (d->say != PP_SAY_NOTHING)
        pp_conv_say(s->pamh, s->flags, PAM_ERROR_MSG, &s->log, "%s", d->sentence);
}

/*
 * Set both variables and the key's mark (keymark.h), or none of them. The
 * "NAME=value" buffer of the key is wiped.
 */
static int export_env(struct pp_session *s, const struct pp_decision *d)
{
    static const char key_name[] = "PREFECT_API_KEY=";
    char mark[sizeof(PP_KEYMARK_VAR) + PP_FP_SIZE + 1];
    char *url = NULL;
    char *kv;
    size_t keylen = strlen(d->key);
    size_t kvlen = sizeof(key_name) + keylen;   /* with the NUL */
    int rc;

    if (asprintf(&url, "PREFECT_API_URL=%s", d->url) < 0) {
        pp_error(&s->log, "out of memory building PREFECT_API_URL");
        return -1;
    }
    kv = malloc(kvlen);
    if (kv == NULL) {
        free(url);
        pp_error(&s->log, "out of memory building PREFECT_API_KEY");
        return -1;
    }
    memcpy(kv, key_name, sizeof(key_name) - 1);
    memcpy(kv + sizeof(key_name) - 1, d->key, keylen + 1);

    rc = pam_putenv(s->pamh, url);
    free(url);
    if (rc != PAM_SUCCESS) {
        pp_free_buf(kv, kvlen);
        pp_error(&s->log, "cannot set PREFECT_API_URL in the PAM environment: %s",
                 pam_strerror(s->pamh, rc));
        return -1;
    }
    rc = pam_putenv(s->pamh, kv);
    pp_free_buf(kv, kvlen);
    if (rc != PAM_SUCCESS) {
        pp_error(&s->log, "cannot set PREFECT_API_KEY in the PAM environment: %s; "
                 "PREFECT_API_URL removed again", pam_strerror(s->pamh, rc));
        pam_putenv(s->pamh, "PREFECT_API_URL");
        return -1;
    }
    /* The mark that lets sbatch/srun recognise this key (keymark.h). */
    snprintf(mark, sizeof(mark), "%s=%s", PP_KEYMARK_VAR, d->fingerprint);
    rc = pam_putenv(s->pamh, mark);
    if (rc != PAM_SUCCESS) {
        pp_error(&s->log, "cannot set %s in the PAM environment: %s; "
                 "PREFECT_API_KEY and PREFECT_API_URL removed again", PP_KEYMARK_VAR,
                 pam_strerror(s->pamh, rc));
        pam_putenv(s->pamh, "PREFECT_API_KEY");
        pam_putenv(s->pamh, "PREFECT_API_URL");
        return -1;
    }
    return 0;
}

static enum pp_result run(struct pp_session *s, const char *fn, int argc, const char **argv)
{
    const void *item = NULL;
    struct pp_decide_in in;
    struct pp_decision d;
    enum pp_result result;
    char why[PP_ERRLEN];

    if (geteuid() != 0) {
        s->log.debug = pp_config_args_debug(argc, argv);
        pp_debug(&s->log, "%s: not running as root (euid %ld): nothing to do", fn,
                 (long)geteuid());
        return PP_RES_SKIPPED;
    }
    memset(&in, 0, sizeof(in));
    in.now = s->now;
    in.network = true;
    if (pam_get_item(s->pamh, PAM_SERVICE, &item) != PAM_SUCCESS || item == NULL)
        item = "";
    in.service = item;
    item = NULL;
    if (pam_get_item(s->pamh, PAM_USER, &item) == PAM_SUCCESS && item != NULL)
        in.user = item;

    /* A warm login: the login memo decides while nothing it read has changed. */
    s->log.user = in.user;      /* pp_log prints it sanitised */
    if (pp_decide_warm(&in, argc, argv, &s->cfg, &d, why, sizeof(why), &s->log) == 1) {
        s->have_cfg = true;
        in.cfg = &s->cfg;
        pp_debug(&s->log, "%s: entry (flags=%#x): decided from the login memo", fn,
                 (unsigned)s->flags);
    } else {
        /* Lines about the configuration are not about the user. */
        s->log.user = NULL;
        if (pp_config_load(&s->cfg, NULL, argc, argv, &s->log) != 0)
            return PP_RES_SKIPPED;      /* the loader logged why */
        s->have_cfg = true;
        in.cfg = &s->cfg;
        pp_debug(&s->log, "%s: entry (flags=%#x)", fn, (unsigned)s->flags);
        s->log.user = in.user;
        if (why[0] != '\0')
            pp_debug(&s->log, "login memo not used: %s", why);
        if (pp_decide(&in, &d, &s->log) != 0)
            return PP_RES_SKIPPED;      /* logged */
        pp_decide_remember(&in, &d, &s->log);
    }
    if (d.exports && export_env(s, &d) != 0)
        pp_decision_fail(&s->cfg, &d, "the session environment could not be set",
                         "could not be set in the session environment");
    pp_decision_log(&d, &s->log);
    say(s, &d);
    if (d.exports)
        result = PP_RES_EXPORTED;
    else if (pp_outcome_info(d.outcome)->failure)
        result = d.refuse ? PP_RES_REFUSED : PP_RES_FAILED_OPEN;
    else
        result = PP_RES_SKIPPED;
    pp_decision_free(&d);
    return result;
}

int pp_session_run(pam_handle_t *pamh, enum pp_pam_call call, const char *fn, int flags,
                   int argc, const char **argv)
{
    struct pp_session s;
    const void *data = NULL;
    struct pp_marker *marker;
    enum pp_result result;
    int rc;

    memset(&s, 0, sizeof(s));
    s.pamh = pamh;
    s.flags = flags;
    s.log.sink = log_sink;
    s.log.ctx = pamh;
    s.now = time(NULL);

    /* The work is done once per handle: repeat the first result. */
    if (pam_get_data(pamh, PP_MARKER, &data) == PAM_SUCCESS && data != NULL) {
        const struct pp_marker *first = data;

        rc = result_code(first->result, call);
        s.log.debug = first->debug;
        s.log.user = handle_user(pamh);
        pp_debug(&s.log, "%s: entry (flags=%#x): already done in this PAM handle", fn,
                 (unsigned)flags);
        pp_debug(&s.log, "%s: exit (%s)", fn, rc_name(rc));
        return rc;
    }

    result = run(&s, fn, argc, argv);
    rc = result_code(result, call);
    pp_debug(&s.log, "%s: exit (%s)", fn, rc_name(rc));

    marker = malloc(sizeof(*marker));
    if (marker != NULL) {
        marker->result = result;
        marker->debug = s.log.debug;
        if (pam_set_data(pamh, PP_MARKER, marker, marker_cleanup) != PAM_SUCCESS)
            free(marker);
    }
    if (s.have_cfg)
        pp_config_free(&s.cfg);
    return rc;
}

void pp_session_trace(pam_handle_t *pamh, const char *fn, int flags, int rc)
{
    const void *data = NULL;
    struct pp_log log;

    if (pam_get_data(pamh, PP_MARKER, &data) != PAM_SUCCESS || data == NULL)
        return;
    memset(&log, 0, sizeof(log));
    log.sink = log_sink;
    log.ctx = pamh;
    log.debug = ((const struct pp_marker *)data)->debug;
    log.user = handle_user(pamh);
    pp_debug(&log, "%s: entry (flags=%#x): nothing to do; exit (%s)", fn, (unsigned)flags,
             rc_name(rc));
}

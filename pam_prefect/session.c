/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session.c: the work behind acct_mgmt, open_session and setcred (see
 * session.h).
 *
 * PAM glue only: skip quietly when not root or when the configuration
 * cannot be loaded (the loader logged why); take the service and the user
 * from the handle; let pp_decide (decide.h) decide everything else; then set both variables or
 * neither, log the decision line, say the decision's sentence, and map the
 * outcome to a PAM return code. The decision (and with it the key) is
 * wiped on every path.
 *
 * The account stage decides without exporting; a decision that does not
 * refuse is held in the handle's marker (with its configuration) until
 * setcred or open_session for the same user through the same service
 * exports it, and wiped with the handle otherwise.
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

/* The per-handle marker: the first decision and what came of it. */
#define PP_MARKER "pam_prefect_session_result"

enum pp_result {
    PP_RES_SKIPPED,         /* nothing to do (out of scope, unmapped, no config) */
    PP_RES_EXPORTED,        /* both variables set */
    PP_RES_FAILED_OPEN,     /* a mapped key not exported, on_failure = ignore */
    PP_RES_REFUSED,         /* a mapped key not exported, on_failure = deny */
};

struct pp_marker {
    enum pp_result result;  /* when done */
    bool debug;
    bool done;              /* decided and acted on (exported, refused or skipped) */
    /* A decision the account stage made and did not act on (done false):
     * whom it is for, and the decision and configuration it needs. */
    char *user;
    char *service;
    struct pp_config *cfg;
    struct pp_decision *d;  /* holds the key: wiped by marker_cleanup */
};

/* One call's state. */
struct pp_session {
    pam_handle_t *pamh;
    int flags;
    struct pp_log log;
    struct pp_config cfg;
    time_t now;
};

/* Drop a held decision (the key wiped) and its configuration. */
static void marker_release(struct pp_marker *m)
{
    if (m->d != NULL) {
        pp_decision_free(m->d);
        free(m->d);
        m->d = NULL;
    }
    if (m->cfg != NULL) {
        pp_config_free(m->cfg);
        free(m->cfg);
        m->cfg = NULL;
    }
    free(m->user);
    free(m->service);
    m->user = NULL;
    m->service = NULL;
}

static void marker_cleanup(pam_handle_t *pamh, void *data, int status)
{
    (void)pamh;
    (void)status;
    if (data != NULL)
        marker_release(data);
    free(data);
}

/* Store m as the handle's marker (replacing and freeing any other). */
static void marker_store(pam_handle_t *pamh, struct pp_marker *m)
{
    if (pam_set_data(pamh, PP_MARKER, m, marker_cleanup) != PAM_SUCCESS) {
        marker_release(m);
        free(m);
    }
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
    case PAM_PERM_DENIED:
        return "PAM_PERM_DENIED";
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

/* A string PAM item ("" when unset). */
static const char *handle_item(pam_handle_t *pamh, int type)
{
    const void *item = NULL;

    if (pam_get_item(pamh, type, &item) != PAM_SUCCESS || item == NULL)
        return "";
    return item;
}

static int result_code(enum pp_result r, enum pp_pam_call call)
{
    switch (r) {
    case PP_RES_EXPORTED:
        return PAM_SUCCESS;
    case PP_RES_REFUSED:
        /* Not PAM_SESSION_ERR: sudo runs the command after an
         * open_session that failed with it (pam_limits' refusal is
         * PAM_PERM_DENIED too). */
        return call == PP_CALL_SETCRED ? PAM_CRED_ERR : PAM_PERM_DENIED;
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
    if (d->ruling.say != PP_SAY_NOTHING)
        pp_conv_say(s->pamh, s->flags, PAM_ERROR_MSG, &s->log, "%s", d->ruling.sentence);
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

/*
 * Decide for the handle's user through its service (pp_decide_login; with
 * deny_only, the account stage). Returns 0 with d filled (pair with
 * pp_decision_free), or 1 when there is nothing to decide (not root, no
 * configuration, the account stage without on_failure "deny": logged).
 * s->cfg is freed by the caller either way.
 */
static int decide(struct pp_session *s, const char *fn, bool deny_only, int argc,
                  const char **argv, struct pp_decision *d)
{
    const void *item = NULL;
    struct pp_decide_in in;
    char what[64];
    int rc;

    if (geteuid() != 0) {
        s->log.debug = pp_config_args_debug(argc, argv);
        pp_debug(&s->log, "%s: not running as root (euid %ld): nothing to do", fn,
                 (long)geteuid());
        return 1;
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
    s->log.user = in.user;      /* pp_log prints it sanitised */
    snprintf(what, sizeof(what), "%s: entry (flags=%#x)", fn, (unsigned)s->flags);
    rc = pp_decide_login(&in, deny_only ? PP_STAGE_ACCOUNT : PP_STAGE_SESSION, argc, argv, what,
                         &s->cfg, d, &s->log);
    if (rc == 2)
        pp_debug(&s->log, "%s: on_failure is not \"deny\": nothing to do", fn);
    return rc == 0 ? 0 : 1;
}

/* Act on a decision for setcred / open_session: export, log, tell the user. */
static enum pp_result act(struct pp_session *s, const struct pp_config *cfg,
                          struct pp_decision *d)
{
    enum pp_result result;

    if (d->ruling.exports && export_env(s, d) != 0)
        pp_decision_fail(cfg, d, "the session environment could not be set",
                         "could not be set in the session environment");
    pp_decision_log(d, &s->log);
    say(s, d);
    if (d->ruling.exports)
        result = PP_RES_EXPORTED;
    else if (pp_outcome_info(d->ruling.outcome)->failure)
        result = d->ruling.refuse ? PP_RES_REFUSED : PP_RES_FAILED_OPEN;
    else
        result = PP_RES_SKIPPED;
    return result;
}

static void session_init(struct pp_session *s, pam_handle_t *pamh, int flags)
{
    memset(s, 0, sizeof(*s));
    s->pamh = pamh;
    s->flags = flags;
    s->log.sink = log_sink;
    s->log.ctx = pamh;
    s->now = time(NULL);
}

/* A done marker with result r (NULL when out of memory). */
static struct pp_marker *marker_done(enum pp_result r, bool debug)
{
    struct pp_marker *m = calloc(1, sizeof(*m));

    if (m != NULL) {
        m->result = r;
        m->debug = debug;
        m->done = true;
    }
    return m;
}

/* Is the held decision in m for the handle's present user and service? */
static bool marker_same_login(pam_handle_t *pamh, const struct pp_marker *m)
{
    return m->user != NULL && m->service != NULL
           && strcmp(m->user, handle_item(pamh, PAM_USER)) == 0
           && strcmp(m->service, handle_item(pamh, PAM_SERVICE)) == 0;
}

int pp_session_run(pam_handle_t *pamh, enum pp_pam_call call, const char *fn, int flags,
                   int argc, const char **argv)
{
    struct pp_session s;
    const void *data = NULL;
    struct pp_marker *marker = NULL;
    struct pp_decision d;
    enum pp_result result;
    int rc;

    session_init(&s, pamh, flags);
    if (pam_get_data(pamh, PP_MARKER, &data) == PAM_SUCCESS && data != NULL)
        marker = (struct pp_marker *)data;

    /* The work is done once per handle: repeat the first result (an account
     * stage's refusal only for the user and service it was about). */
    if (marker != NULL && marker->done
        && (marker->user == NULL || marker_same_login(pamh, marker))) {
        rc = result_code(marker->result, call);
        s.log.debug = marker->debug;
        s.log.user = handle_user(pamh);
        pp_debug(&s.log, "%s: entry (flags=%#x): already done in this PAM handle", fn,
                 (unsigned)flags);
        pp_debug(&s.log, "%s: exit (%s)", fn, rc_name(rc));
        return rc;
    }

    /* The account stage decided for this user and service: act on that. */
    if (marker != NULL && !marker->done && marker->d != NULL
        && marker_same_login(pamh, marker)) {
        s.log.debug = marker->debug;
        s.log.user = handle_user(pamh);
        pp_debug(&s.log, "%s: entry (flags=%#x): decided by the account stage of this "
                 "PAM handle", fn, (unsigned)flags);
        result = act(&s, marker->cfg, marker->d);
        rc = result_code(result, call);
        pp_debug(&s.log, "%s: exit (%s)", fn, rc_name(rc));
        marker_release(marker);         /* the key wiped */
        marker->result = result;
        marker->done = true;
        return rc;
    }
    if (marker != NULL) {
        s.log.debug = marker->debug;
        s.log.user = handle_user(pamh);
        pp_debug(&s.log, "%s: the account stage decided for another user or service: "
                 "deciding again", fn);
    }

    memset(&d, 0, sizeof(d));
    if (decide(&s, fn, false, argc, argv, &d) == 0) {
        result = act(&s, &s.cfg, &d);
        pp_decision_free(&d);
    } else {
        result = PP_RES_SKIPPED;
    }
    rc = result_code(result, call);
    pp_debug(&s.log, "%s: exit (%s)", fn, rc_name(rc));

    /* (replaces a marker held for another user, wiping its decision) */
    marker = marker_done(result, s.log.debug);
    if (marker != NULL)
        marker_store(pamh, marker);
    pp_config_free(&s.cfg);
    return rc;
}

int pp_account_run(pam_handle_t *pamh, const char *fn, int flags, int argc, const char **argv)
{
    struct pp_session s;
    const void *data = NULL;
    const char *user, *ruser;
    struct pp_marker *marker;
    struct pp_decision d;
    enum pp_result result;
    int rc;

    session_init(&s, pamh, flags);
    s.log.user = handle_user(pamh);
    if (pam_get_data(pamh, PP_MARKER, &data) == PAM_SUCCESS && data != NULL) {
        const struct pp_marker *first = data;

        s.log.debug = first->debug;
        rc = first->done && first->result == PP_RES_REFUSED ? PAM_PERM_DENIED : PAM_IGNORE;
        pp_debug(&s.log, "%s: entry (flags=%#x): already decided in this PAM handle; "
                 "exit (%s)", fn, (unsigned)flags, rc_name(rc));
        return rc;
    }
    /*
     * A user acting as themselves (PAM_RUSER is PAM_USER): sudo checks the
     * account of the user who runs it, not of the target, whose session
     * comes later in the same handle under another PAM_USER. Not a login
     * into this account: nothing to decide here.
     */
    user = handle_item(pamh, PAM_USER);
    ruser = handle_item(pamh, PAM_RUSER);
    if (user[0] != '\0' && strcmp(user, ruser) == 0) {
        s.log.debug = pp_config_args_debug(argc, argv);
        pp_debug(&s.log, "%s: entry (flags=%#x): PAM_RUSER is PAM_USER (a caller's own "
                 "account, as sudo checks it): nothing to do; exit (PAM_IGNORE)", fn,
                 (unsigned)flags);
        return PAM_IGNORE;
    }

    memset(&d, 0, sizeof(d));
    if (decide(&s, fn, true, argc, argv, &d) != 0) {
        rc = PAM_IGNORE;
        pp_debug(&s.log, "%s: exit (%s)", fn, rc_name(rc));
        pp_config_free(&s.cfg);
        return rc;
    }

    if (d.ruling.refuse) {
        /* Refused here: logged and said once; later calls repeat it. */
        pp_decision_log(&d, &s.log);
        say(&s, &d);
        pp_decision_free(&d);
        result = PP_RES_REFUSED;
        rc = PAM_PERM_DENIED;
        pp_debug(&s.log, "%s: exit (%s)", fn, rc_name(rc));
        marker = marker_done(result, s.log.debug);
        if (marker != NULL) {
            marker->user = strdup(user);
            marker->service = strdup(handle_item(pamh, PAM_SERVICE));
            if (marker->user == NULL || marker->service == NULL) {
                /* Then the refusal holds for the whole handle. */
                free(marker->user);
                free(marker->service);
                marker->user = marker->service = NULL;
            }
            marker_store(pamh, marker);
        }
        pp_config_free(&s.cfg);
        return rc;
    }

    /* Held for setcred / open_session, which export it (nothing is set here). */
    rc = PAM_IGNORE;
    pp_debug(&s.log, "%s: decided; held for the session of this PAM handle; exit (%s)", fn,
             rc_name(rc));
    marker = calloc(1, sizeof(*marker));
    if (marker != NULL) {
        marker->debug = s.log.debug;
        marker->user = strdup(user);
        marker->service = strdup(handle_item(pamh, PAM_SERVICE));
        marker->cfg = malloc(sizeof(*marker->cfg));
        marker->d = malloc(sizeof(*marker->d));
    }
    if (marker == NULL || marker->user == NULL || marker->service == NULL
        || marker->cfg == NULL || marker->d == NULL) {
        /* The session decides again. */
        pp_decision_free(&d);
        pp_config_free(&s.cfg);
        if (marker != NULL) {
            free(marker->cfg);
            free(marker->d);
            marker->cfg = NULL;
            marker->d = NULL;
            marker_release(marker);
            free(marker);
        }
        return rc;
    }
    /* The structures move into the marker (no copy of the key is left here). */
    memcpy(marker->cfg, &s.cfg, sizeof(s.cfg));
    memcpy(marker->d, &d, sizeof(d));
    explicit_bzero(&d, sizeof(d));
    memset(&s.cfg, 0, sizeof(s.cfg));
    marker_store(pamh, marker);
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

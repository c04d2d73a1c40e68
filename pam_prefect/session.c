/*
 * session.c: the work behind open_session and setcred (see session.h).
 *
 * In SPEC.md's order: skip quietly when not root, when the configuration
 * cannot be loaded (the loader logged why), for a service or uid out of
 * scope; resolve the user's entry through the mapping (no rule: a debug
 * line and nothing else); load the entry from the store; ask verdict.h
 * whether its key may be exported; export both variables or neither. Every
 * decision about a mapped user is one log line; a key that is not exported
 * is also a notice to the user, and under on_failure = "deny" a refused
 * session. The entry (and with it the key) is wiped on every path.
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

#include "cache.h"
#include "conv.h"
#include "log.h"
#include "mapping.h"
#include "names.h"
#include "secret.h"
#include "store.h"
#include "verdict.h"

/* The per-handle marker: the first call's result. */
#define PP_MARKER "pam_prefect_session_result"

#define SECONDS_PER_DAY 86400L

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
    char service[128];      /* sanitised, for log lines */
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
 * Whether the stack line asks for debug. Only used before the configuration
 * is read (the module does not read it when not running as root).
 */
static bool args_say_debug(int argc, const char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (argv[i] != NULL
            && (strcmp(argv[i], "debug") == 0 || strcmp(argv[i], "debug=true") == 0))
            return true;
    }
    return false;
}

/* "YYYY-MM-DD" (UTC) of t. */
static void date_of(time_t t, char out[16])
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, 16, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 16, "(unknown)");
}

/* How a not-exported outcome reads in the user's notice. */
static void user_words(const struct pp_verdict *v, char *out, size_t outlen)
{
    char date[16];

    switch (v->outcome) {
    case PP_OUT_EXPIRED:
        date_of(v->expires, date);
        snprintf(out, outlen, "expired on %s", date);
        return;
    case PP_OUT_REJECTED:
        snprintf(out, outlen, "was rejected by Prefect Cloud (revoked, invalid or expired)");
        return;
    case PP_OUT_NO_WORKSPACE:
        snprintf(out, outlen, "no longer has access to its Prefect Cloud workspace");
        return;
    case PP_OUT_UNREACHABLE:
        snprintf(out, outlen, "could not be checked: Prefect Cloud could not be reached");
        return;
    case PP_OUT_VALID:
    case PP_OUT_EXPIRING:
    case PP_OUT_UNCHECKED:
    case PP_OUT_STALE_OK:
        break;
    }
    snprintf(out, outlen, "could not be used");
}

/*
 * A mapped user's key is not exported: one decision line (loud: the module
 * fails open, or refuses the session), and the user's notice when there is
 * an entry to name. Returns the result under on_failure.
 */
static enum pp_result not_exported(struct pp_session *s, const char *entry, const char *fp,
                                   const char *outcome, const char *reason,
                                   const char *words)
{
    bool deny = s->cfg.on_failure == PP_ON_FAILURE_DENY;
    bool local_error = strcmp(outcome, "error") == 0;

    pp_log(&s->log, deny || local_error ? LOG_ERR : LOG_WARNING,
           "service=%s entry=%s fingerprint=%s outcome=%s reason=%s; no key exported, %s",
           s->service, entry != NULL ? entry : "-", fp != NULL ? fp : "-", outcome, reason,
           deny ? "session refused (on_failure=deny)"
                : "session continues without it (on_failure=ignore)");
    if (entry != NULL && words != NULL)
        pp_conv_say(s->pamh, s->flags, PAM_ERROR_MSG, &s->log,
                    "pam_prefect: no Prefect API key was set for this session: entry %s %s.%s",
                    entry, words, deny ? " The session is refused." : "");
    else if (deny)
        pp_conv_say(s->pamh, s->flags, PAM_ERROR_MSG, &s->log,
                    "pam_prefect: no Prefect API key was set for this session: %s. "
                    "The session is refused.", words != NULL ? words : "an error occurred");
    return deny ? PP_RES_REFUSED : PP_RES_FAILED_OPEN;
}

/* Set both variables, or neither. The "NAME=key" buffer is wiped. */
static int export_env(struct pp_session *s, const struct pp_entry *e)
{
    static const char key_name[] = "PREFECT_API_KEY=";
    char *url = NULL;
    char *kv;
    size_t keylen = strlen(e->key);
    size_t kvlen = sizeof(key_name) + keylen;   /* with the NUL */
    int rc;

    if (asprintf(&url, "PREFECT_API_URL=%s/accounts/%s/workspaces/%s", s->cfg.api_url,
                 e->account_id, e->workspace_id) < 0) {
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
    memcpy(kv + sizeof(key_name) - 1, e->key, keylen + 1);

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
    return 0;
}

/* Which rule gave the entry, for the decision line. */
static void rule_words(const struct pp_resolution *res, char *out, size_t outlen)
{
    char group[PP_ACCOUNT_NAME_MAX + 8];

    switch (res->match) {
    case PP_MATCH_USER:
        snprintf(out, outlen, "user rule");
        return;
    case PP_MATCH_GROUP:
        snprintf(out, outlen, "group rule %s", pp_log_safe(res->group, group, sizeof(group)));
        return;
    case PP_MATCH_DEFAULT:
        snprintf(out, outlen, "default entry");
        return;
    case PP_MATCH_NONE:
        break;
    }
    snprintf(out, outlen, "no rule");
}

/* The user's entry is resolved: load it, decide, export. */
static enum pp_result handle_entry(struct pp_session *s, const struct pp_resolution *res)
{
    struct pp_entry e;
    struct pp_verdict v;
    char fp[PP_FP_SIZE] = "-";
    char rule[PP_ACCOUNT_NAME_MAX + 32];
    char words[160];
    enum pp_result result;
    int rc;

    memset(&e, 0, sizeof(e));
    memset(&v, 0, sizeof(v));
    rule_words(res, rule, sizeof(rule));

    rc = pp_entry_load(&s->cfg, res->entry, &e, &s->log);
    if (rc == -2) {
        result = not_exported(s, res->entry, NULL, "error",
                              "the mapped key entry is missing from the store",
                              "is missing from the key store");
        goto out;
    }
    if (rc != 0) {
        result = not_exported(s, res->entry, NULL, "error",
                              "the key entry cannot be used (see the line before)",
                              "could not be read from the key store");
        goto out;
    }
    /* From the cache record while the entry file is unchanged: no hashing (cache.h). */
    pp_cache_fingerprint(&s->cfg, &e, &s->log);
    snprintf(fp, sizeof(fp), "%s", e.fp);

    if (pp_verdict_for(&s->cfg, &e, s->now, &v, &s->log) != 0) {
        result = not_exported(s, res->entry, fp, "error",
                              "the key could not be checked (see the line before)",
                              "could not be checked");
        goto out;
    }
    if (!v.export_key) {
        user_words(&v, words, sizeof(words));
        result = not_exported(s, res->entry, fp, pp_outcome_name(v.outcome), v.reason, words);
        goto out;
    }
    if (export_env(s, &e) != 0) {
        result = not_exported(s, res->entry, fp, "error",
                              "the session environment could not be set",
                              "could not be set in the session environment");
        goto out;
    }

    pp_notice(&s->log,
              "service=%s entry=%s fingerprint=%s outcome=%s reason=%s; "
              "exported PREFECT_API_KEY and PREFECT_API_URL (%s)",
              s->service, res->entry, fp, pp_outcome_name(v.outcome), v.reason, rule);
    if (v.has_expires && v.expires > s->now && s->cfg.expiry_warn_days > 0
        && (long long)(v.expires - s->now)
               <= (long long)s->cfg.expiry_warn_days * SECONDS_PER_DAY) {
        /* Whole days, rounded: "in 5 days" for 4 days and 23 hours. */
        long left = (long)(v.expires - s->now);
        long days = (left + SECONDS_PER_DAY / 2) / SECONDS_PER_DAY;
        char date[16];

        date_of(v.expires, date);
        if (left < SECONDS_PER_DAY)
            pp_conv_say(s->pamh, s->flags, PAM_TEXT_INFO, &s->log,
                        "Your Prefect API key (entry %s) expires on %s, in less than a day.",
                        res->entry, date);
        else
            pp_conv_say(s->pamh, s->flags, PAM_TEXT_INFO, &s->log,
                        "Your Prefect API key (entry %s) expires on %s, in %ld day%s.",
                        res->entry, date, days, days == 1 ? "" : "s");
    }
    result = PP_RES_EXPORTED;

out:
    pp_entry_clear(&e);
    return result;
}

static enum pp_result run(struct pp_session *s, const char *fn, int argc, const char **argv)
{
    const void *item = NULL;
    const char *service, *user;
    struct pp_mapping map;
    struct pp_resolution res;
    enum pp_result result;
    uid_t uid = 0;
    gid_t gid = 0;
    int rc;

    if (geteuid() != 0) {
        s->log.debug = args_say_debug(argc, argv);
        pp_debug(&s->log, "%s: not running as root (euid %ld): nothing to do", fn,
                 (long)geteuid());
        return PP_RES_SKIPPED;
    }
    if (pp_config_load(&s->cfg, NULL, argc, argv, &s->log) != 0)
        return PP_RES_SKIPPED;      /* the loader logged why */
    s->have_cfg = true;
    pp_debug(&s->log, "%s: entry (flags=%#x)", fn, (unsigned)s->flags);

    if (pam_get_item(s->pamh, PAM_SERVICE, &item) != PAM_SUCCESS || item == NULL)
        item = "";
    service = item;
    pp_log_safe(service, s->service, sizeof(s->service));
    if (!pp_config_service_in_scope(&s->cfg, service)) {
        pp_debug(&s->log, "service=%s not in services: nothing to do", s->service);
        return PP_RES_SKIPPED;
    }

    item = NULL;
    if (pam_get_item(s->pamh, PAM_USER, &item) != PAM_SUCCESS || item == NULL
        || *(const char *)item == '\0') {
        pp_warn(&s->log, "service=%s no user name in the PAM handle: nothing exported",
                s->service);
        return PP_RES_SKIPPED;
    }
    user = item;
    s->log.user = user;     /* pp_log prints it sanitised */
    if (!pp_account_name_valid(user)) {
        pp_warn(&s->log, "service=%s user name refused: not a valid account name "
                "(no '/', whitespace, ':', control characters, \".\" or \"..\"; at most %d "
                "bytes): nothing exported", s->service, PP_ACCOUNT_NAME_MAX);
        return PP_RES_SKIPPED;
    }

    rc = pp_user_lookup(user, &uid, &gid, &s->log);
    if (rc == 0) {
        pp_warn(&s->log, "service=%s no such user in the password database: nothing exported",
                s->service);
        return PP_RES_SKIPPED;
    }
    if (rc < 0)
        return not_exported(s, NULL, NULL, "error",
                            "the user could not be looked up in the password database",
                            "the user could not be looked up");
    if ((long long)uid < (long long)s->cfg.minimum_uid) {
        pp_debug(&s->log, "service=%s uid %ld below minimum_uid %ld: nothing to do",
                 s->service, (long)uid, s->cfg.minimum_uid);
        return PP_RES_SKIPPED;
    }

    memset(&map, 0, sizeof(map));
    memset(&res, 0, sizeof(res));
    if (pp_mapping_load(&s->cfg, &map, &s->log) != 0) {
        result = not_exported(s, NULL, NULL, "error",
                              "the mapping cannot be used (see the line before)",
                              "the key mapping could not be read");
        goto out;
    }
    /* The user was looked up above: one NSS lookup of the user per login. */
    if (pp_mapping_resolve_known(&map, user, 1, gid, &res, &s->log, NULL, NULL) != 0) {
        result = not_exported(s, NULL, NULL, "error",
                              "the mapping could not be resolved for this user "
                              "(see the line before)",
                              "the key mapping could not be resolved");
        goto out;
    }
    if (res.match == PP_MATCH_NONE) {
        pp_debug(&s->log, "service=%s no user, group or default rule in the mapping: "
                 "nothing to do", s->service);
        result = PP_RES_SKIPPED;
        goto out;
    }
    pp_debug(&s->log, "service=%s mapped to entry %s", s->service, res.entry);
    result = handle_entry(s, &res);

out:
    pp_mapping_free(&map);
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

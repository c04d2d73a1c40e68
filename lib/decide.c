/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decide.c: what a login gets (see decide.h).
 *
 * Each step either settles the decision (finish_*) or hands on to the
 * next: scope, mapping, entry, verdict. The decision line and the user's
 * sentence are written once, at the end, from the fields, so every front
 * end logs and says the same.
 */
#include <config.h>

#include "decide.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "memo.h"
#include "verdict.h"

static const char *const scope_names[] = {
    [PP_SCOPE_IN] = "in",
    [PP_SCOPE_NOT_ROOT] = "not-root",
    [PP_SCOPE_SERVICE] = "services",
    [PP_SCOPE_NO_USER] = "no-user",
    [PP_SCOPE_BAD_NAME] = "invalid-user-name",
    [PP_SCOPE_UNKNOWN_USER] = "unknown-user",
    [PP_SCOPE_MINIMUM_UID] = "minimum_uid",
};

_Static_assert(sizeof(scope_names) / sizeof(scope_names[0]) == PP_SCOPE_COUNT,
               "every scope reason has a name");

const char *pp_scope_name(enum pp_scope s)
{
    if ((unsigned)s >= PP_SCOPE_COUNT)
        return "unknown";
    return scope_names[s];
}

static void fmt(char *out, size_t outlen, const char *f, ...) PP_PRINTF(3, 4);
static void fmt(char *out, size_t outlen, const char *f, ...)
{
    va_list ap;

    va_start(ap, f);
    vsnprintf(out, outlen, f, ap);
    va_end(ap);
}

/* "YYYY-MM-DD" (UTC) of t. */
static void date_of(time_t t, char out[16])
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, 16, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 16, "(unknown)");
}

static void rule_words(const struct pp_resolution *res, char *out, size_t outlen)
{
    char group[PP_ACCOUNT_NAME_MAX + 8];

    switch (res->match) {
    case PP_MATCH_USER:
        fmt(out, outlen, "user rule");
        return;
    case PP_MATCH_GROUP:
        fmt(out, outlen, "group rule %s", pp_log_safe(res->group, group, sizeof(group)));
        return;
    case PP_MATCH_DEFAULT:
        fmt(out, outlen, "default entry");
        return;
    case PP_MATCH_NONE:
        break;
    }
    fmt(out, outlen, "no rule");
}

static void wipe_export(struct pp_decision *d)
{
    if (d->key != NULL)
        pp_free_secret(d->key);
    d->key = NULL;
    free(d->url);
    d->url = NULL;
}

/*
 * The decision line and the user's sentence, from the fields. words: the
 * user's wording for a failure (NULL: the outcome row's).
 */
static void compose(const struct pp_config *cfg, struct pp_decision *d, const char *words)
{
    const struct pp_outcome_info *info = pp_outcome_info(d->outcome);
    const char *entry = d->rule.match != PP_MATCH_NONE ? d->rule.entry : NULL;
    char date[16], w[200];

    d->exports = info->exports;
    d->refuse = info->failure && cfg->on_failure == PP_ON_FAILURE_DENY;
    d->say = PP_SAY_NOTHING;
    d->sentence[0] = '\0';
    d->warn = d->exports && d->has_expires && pp_expiry_warns(cfg, d->expires, d->now);

    if (d->exports) {
        d->log_priority = LOG_NOTICE;
        fmt(d->log_line, sizeof(d->log_line),
            "service=%s entry=%s fingerprint=%s outcome=%s reason=%s; "
            "exported PREFECT_API_KEY and PREFECT_API_URL (%s)",
            d->service, d->rule.entry, d->fingerprint, info->name, d->reason, d->rule_words);
        if (d->warn) {
            date_of(d->expires, date);
            d->say = PP_SAY_INFO;
            if (d->expires - d->now < PP_SECONDS_PER_DAY)
                fmt(d->sentence, sizeof(d->sentence),
                    "Your Prefect API key (entry %s) expires on %s, in less than a day.",
                    d->rule.entry, date);
            else
                fmt(d->sentence, sizeof(d->sentence),
                    "Your Prefect API key (entry %s) expires on %s, in %ld day%s.",
                    d->rule.entry, date, d->days_left, d->days_left == 1 ? "" : "s");
        }
        return;
    }
    if (!info->failure) {
        /* Out of scope, no rule, needs-check: the reason says it all. */
        if (d->log_priority == 0)
            d->log_priority = LOG_DEBUG;
        if (d->log_line[0] == '\0')
            fmt(d->log_line, sizeof(d->log_line), "service=%s %s", d->service, d->reason);
        return;
    }

    if (words == NULL) {
        if (info->words_date && d->has_expires) {
            date_of(d->expires, date);
            fmt(w, sizeof(w), "%s on %s", info->words, date);
        } else {
            fmt(w, sizeof(w), "%s", info->words != NULL ? info->words : "could not be used");
        }
        words = w;
    }
    d->log_priority = d->refuse || d->outcome == PP_OUT_ERROR ? LOG_ERR : LOG_WARNING;
    fmt(d->log_line, sizeof(d->log_line),
        "service=%s entry=%s fingerprint=%s outcome=%s reason=%s; no key exported, %s",
        d->service, entry != NULL ? entry : "-", d->fingerprint, info->name, d->reason,
        d->refuse ? "session refused (on_failure=deny)"
                  : "session continues without it (on_failure=ignore)");
    if (entry != NULL) {
        d->say = PP_SAY_ERROR;
        fmt(d->sentence, sizeof(d->sentence),
            "pam_prefect: no Prefect API key was set for this session: entry %s %s.%s",
            entry, words, d->refuse ? " The session is refused." : "");
    } else if (d->refuse) {
        d->say = PP_SAY_ERROR;
        fmt(d->sentence, sizeof(d->sentence),
            "pam_prefect: no Prefect API key was set for this session: %s. "
            "The session is refused.", words);
    }
}

/* Settle d as out of scope (why for the log line, at priority). */
static void out_of_scope(struct pp_decision *d, enum pp_scope scope, int priority,
                         const char *why)
{
    d->scope = scope;
    d->outcome = PP_OUT_OUT_OF_SCOPE;
    d->log_priority = priority;
    fmt(d->scope_why, sizeof(d->scope_why), "%s", why);
    fmt(d->reason, sizeof(d->reason), "%s", why);
}

/* Settle d as a local error. */
static void local_error(struct pp_decision *d, const char *reason)
{
    d->outcome = PP_OUT_ERROR;
    fmt(d->reason, sizeof(d->reason), "%s", reason);
}

/* 1. Scope. Returns true when the login is in scope. */
static bool scope(const struct pp_decide_in *in, struct pp_decision *d,
                  const struct pp_log *log)
{
    const struct pp_config *cfg = in->cfg;
    char why[256];
    int rc;

    if (geteuid() != 0) {
        fmt(why, sizeof(why), "not running as root (euid %ld): nothing to do",
            (long)geteuid());
        out_of_scope(d, PP_SCOPE_NOT_ROOT, LOG_DEBUG, why);
        return false;
    }
    if (in->service != NULL && !pp_config_service_in_scope(cfg, in->service)) {
        out_of_scope(d, PP_SCOPE_SERVICE, LOG_DEBUG, "not in services: nothing to do");
        return false;
    }
    if (in->user == NULL || in->user[0] == '\0') {
        out_of_scope(d, PP_SCOPE_NO_USER, LOG_WARNING,
                     "no user name given by the caller: nothing exported");
        return false;
    }
    if (!pp_account_name_valid(in->user)) {
        fmt(why, sizeof(why), "user name refused: not a valid account name (no '/', "
            "whitespace, ':', control characters, \".\" or \"..\"; at most %d bytes): "
            "nothing exported", PP_ACCOUNT_NAME_MAX);
        out_of_scope(d, PP_SCOPE_BAD_NAME, LOG_WARNING, why);
        return false;
    }
    rc = pp_user_lookup(in->user, &d->uid, &d->gid, log);
    if (rc == 0) {
        out_of_scope(d, PP_SCOPE_UNKNOWN_USER, LOG_WARNING,
                     "no such user in the password database: nothing exported");
        return false;
    }
    if (rc < 0) {
        local_error(d, "the user could not be looked up in the password database");
        compose(cfg, d, "the user could not be looked up");
        return false;
    }
    d->known_user = true;
    if ((long long)d->uid < (long long)cfg->minimum_uid) {
        fmt(why, sizeof(why), "uid %ld below minimum_uid %ld: nothing to do", (long)d->uid,
            cfg->minimum_uid);
        out_of_scope(d, PP_SCOPE_MINIMUM_UID, LOG_DEBUG, why);
        return false;
    }
    return true;
}

/* 2. The mapping. Returns true when a rule matched (d->rule). */
static bool mapping(const struct pp_decide_in *in, struct pp_decision *d,
                    const struct pp_log *log)
{
    struct pp_mapping map;
    int rc;

    memset(&map, 0, sizeof(map));
    if (in->trace == NULL) {
        /* A login: a user rule is remembered while the mapping is unchanged (mapping.h). */
        rc = pp_mapping_resolve_login(in->cfg, in->user, d->known_user, d->uid, d->gid, &d->rule,
                                      d->mapping_id, log);
        if (rc == -2) {
            local_error(d, "the mapping cannot be used (see the line before)");
            compose(in->cfg, d, "the key mapping could not be read");
            return false;
        }
    } else {
        if (pp_mapping_load(in->cfg, &map, log) != 0) {
            local_error(d, "the mapping cannot be used (see the line before)");
            compose(in->cfg, d, "the key mapping could not be read");
            return false;
        }
        rc = pp_mapping_resolve_known(&map, in->user, d->known_user, d->uid, d->gid, &d->rule,
                                      log, in->trace, in->trace_ctx);
        pp_mapping_free(&map);
    }
    if (rc != 0) {
        memset(&d->rule, 0, sizeof(d->rule));
        local_error(d, "the mapping could not be resolved for this user (see the line before)");
        compose(in->cfg, d, "the key mapping could not be resolved");
        return false;
    }
    rule_words(&d->rule, d->rule_words, sizeof(d->rule_words));
    if (d->rule.match == PP_MATCH_NONE) {
        d->outcome = PP_OUT_NO_RULE;
        fmt(d->reason, sizeof(d->reason),
            "no user, group or default rule in the mapping: nothing to do");
        return false;
    }
    pp_debug(log, "service=%s mapped to entry %s", d->service, d->rule.entry);
    return true;
}

/*
 * 4. The verdict on the loaded entry d->entry (its fingerprint known), in
 * mode. Returns false, deciding nothing, only when decline_needs_check and
 * the verdict needs a check with Cloud.
 */
static bool verdict(const struct pp_decide_in *in, struct pp_decision *d,
                    enum pp_verdict_mode mode, bool decline_needs_check, const struct pp_log *log)
{
    const struct pp_config *cfg = in->cfg;
    struct pp_verdict v;

    memset(&v, 0, sizeof(v));
    if (pp_verdict_with(cfg, &d->entry, in->now, mode, &v, log) != 0) {
        local_error(d, "the key could not be checked (see the line before)");
        compose(cfg, d, "could not be checked");
        return true;
    }
    if (decline_needs_check && v.outcome == PP_OUT_NEEDS_CHECK)
        return false;
    d->outcome = v.outcome;
    d->from_cache = v.from_cache;
    d->has_expires = v.has_expires;
    d->expires = v.has_expires ? v.expires : 0;
    d->days_left = v.has_expires ? pp_days_left(in->now, v.expires) : 0;
    fmt(d->reason, sizeof(d->reason), "%s", v.reason);

    if (pp_outcome_exports(d->outcome)) {
        d->key = pp_strdup_secret(d->entry.key);
        if (d->key == NULL
            || asprintf(&d->url, "%s/accounts/%s/workspaces/%s", cfg->api_url,
                        d->entry.account_id, d->entry.workspace_id) < 0) {
            d->url = NULL;
            wipe_export(d);
            local_error(d, "out of memory building the session variables");
            compose(cfg, d, "could not be set in the session environment");
            return true;
        }
    }
    compose(cfg, d, NULL);
    return true;
}

/* 3 and 4. The entry and its verdict. */
static void entry_verdict(const struct pp_decide_in *in, struct pp_decision *d,
                          const struct pp_log *log)
{
    const struct pp_config *cfg = in->cfg;
    enum pp_verdict_mode mode;
    int rc;

    rc = pp_entry_load(cfg, d->rule.entry, &d->entry, log);
    if (rc == PP_ABSENT) {
        d->entry_missing = true;
        local_error(d, "the mapped key entry is missing from the store");
        compose(cfg, d, "is missing from the key store");
        return;
    }
    if (rc != 0) {
        local_error(d, "the key entry cannot be used (see the line before)");
        compose(cfg, d, "could not be read from the key store");
        return;
    }
    d->have_entry = true;
    /* From the cache record while the entry file is unchanged: no hashing (cache.h). */
    pp_cache_fingerprint(cfg, &d->entry, log);
    memcpy(d->fingerprint, d->entry.fp, sizeof(d->fingerprint));     /* both PP_FP_SIZE */

    mode = in->network ? PP_VERDICT_LOGIN : PP_VERDICT_CACHE_ONLY;
    verdict(in, d, mode, false, log);
}

/* Whether in is a login's (the memo's business): may ask Cloud, no trace. */
static bool is_login(const struct pp_decide_in *in)
{
    return in != NULL && in->network && in->trace == NULL;
}

/* The start of every decision. */
static void begin(const struct pp_decide_in *in, struct pp_decision *d)
{
    memset(d, 0, sizeof(*d));
    fmt(d->fingerprint, sizeof(d->fingerprint), "-");
    fmt(d->service, sizeof(d->service), "-");
    d->now = in->now;
    d->outcome = PP_OUT_OUT_OF_SCOPE;
    if (in->service != NULL)
        pp_log_safe(in->service, d->service, sizeof(d->service));
    rule_words(&d->rule, d->rule_words, sizeof(d->rule_words));
}

/*
 * pp_decide_warm's steps after the configuration: the same steps as
 * pp_decide, each from the memo while its file is unchanged. Returns why
 * the memo does not hold (d then half-filled), or NULL when d is decided.
 */
static const char *decide_remembered(const struct pp_decide_in *in, const struct pp_memo *m,
                                     struct pp_decision *d, const struct pp_log *log)
{
    /* A file that cannot be used sends the login the long way, which says why: once. */
    struct pp_log quiet = { .sink = pp_log_drop };
    struct pp_entry e;
    char id[PP_FILE_ID_SIZE];

    begin(in, d);
    /*
     * The files first: each only declines, and a memo that no longer holds
     * (right after a check rewrote the record, say) then costs the long way
     * no second NSS lookup.
     */
    if (pp_mapping_file_id(in->cfg, id, &quiet) != 0 || strcmp(id, m->mapping_id) != 0)
        return "the mapping file changed";
    /* The record before the entry: no key is read for a memo a check has just outdated. */
    if (m->have_record && (pp_cache_file_id(in->cfg, m->entry.name, id, &quiet) != 0
                           || strcmp(id, m->record_id) != 0))
        return "the cache record changed";
    if (!m->have_record && in->cfg->validate)
        return "no cache record remembered";
    e = m->entry;
    /* pp_mapping_file_id has just checked the store directory. */
    if (pp_entry_load_key(in->cfg, &e, m->entry.file_id, true, &quiet) != 0)
        return "the entry file changed";
    if (!scope(in, d, log)) {
        /* Decided from the configuration and NSS alone, as pp_decide would. */
        pp_entry_clear(&e);
        if (d->log_line[0] == '\0')
            compose(in->cfg, d, NULL);
        return NULL;
    }
    if (d->uid != m->uid || d->gid != m->gid) {
        pp_entry_clear(&e);
        return "NSS gives another uid or primary group";
    }
    d->rule = m->rule;
    memcpy(d->mapping_id, m->mapping_id, sizeof(d->mapping_id));
    rule_words(&d->rule, d->rule_words, sizeof(d->rule_words));
    pp_debug(log, "service=%s mapped to entry %s (login memo)", d->service, d->rule.entry);
    d->entry = e;
    d->have_entry = true;
    if (m->have_record) {
        d->entry.record = malloc(sizeof(*d->entry.record));
        if (d->entry.record == NULL)
            return "out of memory";
        *d->entry.record = m->record;
    }
    d->entry.record_read = true;
    memcpy(d->fingerprint, d->entry.fp, sizeof(d->fingerprint));     /* both PP_FP_SIZE */
    if (!verdict(in, d, PP_VERDICT_CACHE_ONLY, true, log))
        return "the cached check is not fresh";
    return NULL;
}

int pp_decide_warm(const struct pp_decide_in *in, int argc, const char **argv,
                   struct pp_config *cfg, struct pp_decision *d, char *why, size_t whylen,
                   struct pp_log *log)
{
    struct pp_decide_in win;
    struct pp_memo m;
    char id[PP_FILE_ID_SIZE], err[PP_ERRLEN];
    const char *path, *wrong = NULL;

    memset(cfg, 0, sizeof(*cfg));
    memset(d, 0, sizeof(*d));
    why[0] = '\0';
    if (!is_login(in) || pp_memo_read(in->user, in->service, &m, why, whylen) != 0)
        return 0;
    path = pp_config_file_of(NULL, argc, argv);
    if (path == NULL || strcmp(path, m.config_path) != 0)
        wrong = "made with another configuration file";
    else if (pp_file_id_of(path, PP_FILE_PUBLIC, PP_CONFIG_MAX, false, id, sizeof(id), err,
                           sizeof(err)) != 0 || strcmp(id, m.config_id) != 0)
        wrong = "the configuration file changed";
    else if (pp_config_from_image(cfg, path, m.image, m.image_len, argc, argv, log) != 0)
        wrong = "its settings cannot be used with these arguments";
    if (wrong == NULL) {
        win = *in;
        win.cfg = cfg;
        wrong = decide_remembered(&win, &m, d, log);
        if (wrong != NULL) {
            pp_decision_free(d);
            pp_config_free(cfg);
        }
    }
    pp_memo_free(&m);
    if (wrong != NULL) {
        snprintf(why, whylen, "%s", wrong);
        return 0;
    }
    return 1;
}

void pp_decide_remember(const struct pp_decide_in *in, const struct pp_decision *d,
                        const struct pp_log *log)
{
    if (!is_login(in) || in->cfg == NULL || d->scope != PP_SCOPE_IN || !d->known_user
        || !d->have_entry || d->outcome == PP_OUT_ERROR || d->outcome == PP_OUT_NEEDS_CHECK)
        return;
    pp_memo_save(in->cfg, in->user, in->service, d->uid, d->gid, d->mapping_id, &d->rule,
                 &d->entry, log);
}

int pp_decide(const struct pp_decide_in *in, struct pp_decision *d, const struct pp_log *log)
{
    memset(d, 0, sizeof(*d));
    fmt(d->fingerprint, sizeof(d->fingerprint), "-");
    fmt(d->service, sizeof(d->service), "-");
    if (in == NULL || in->cfg == NULL) {
        pp_error(log, "internal error: nothing to decide on");
        return -1;
    }
    begin(in, d);

    if (!scope(in, d, log)) {
        if (d->log_line[0] == '\0')
            compose(in->cfg, d, NULL);
        return 0;
    }
    if (!mapping(in, d, log)) {
        if (d->log_line[0] == '\0')
            compose(in->cfg, d, NULL);
        return 0;
    }
    entry_verdict(in, d, log);
    return 0;
}

void pp_decision_fail(const struct pp_config *cfg, struct pp_decision *d, const char *reason,
                      const char *words)
{
    wipe_export(d);
    local_error(d, reason);
    d->log_line[0] = '\0';
    d->log_priority = 0;
    compose(cfg, d, words);
}

void pp_decision_log(const struct pp_decision *d, const struct pp_log *log)
{
    if (d->log_line[0] != '\0')
        pp_log(log, d->log_priority, "%s", d->log_line);
}

void pp_decision_free(struct pp_decision *d)
{
    wipe_export(d);
    if (d->have_entry)
        pp_entry_clear(&d->entry);
    pp_wipe(d, sizeof(*d));
}

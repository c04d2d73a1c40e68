/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decide.c: what a login gets (see decide.h).
 *
 * The gatherer: each step reads what the next ruling needs (NSS, the
 * mapping, the entry, the verdict) and hands it to the judge (judge.h),
 * which either settles the decision or lets it go on: scope, mapping,
 * entry, verdict. The decision line and the user's sentence are the
 * judge's, so every front end logs and says the same.
 */
#include <config.h>

#include "decide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "mapping.h"
#include "memo.h"
#include "nsslookup.h"
#include "verdict.h"

static void wipe_export(struct pp_decision *d)
{
    if (d->key != NULL)
        pp_free_secret(d->key);
    d->key = NULL;
    free(d->url);
    d->url = NULL;
}

/* Whether in is a login's (the memo's business): may ask Cloud, no trace. */
static bool is_login(const struct pp_decide_in *in)
{
    return in != NULL && in->network && in->trace == NULL;
}

/* The facts the judge's ruling names, from d as far as it has got. */
static void ruling_facts(const struct pp_config *cfg, const struct pp_decision *d,
                         struct pp_facts *f)
{
    memset(f, 0, sizeof(*f));
    f->cfg = cfg;
    f->service_log = d->service;
    f->rule = &d->rule;
    f->fingerprint = d->fingerprint;
}

/* Settle d as a local error: reason for the log, words for the user (NULL: the outcome's). */
static void local_error(const struct pp_config *cfg, struct pp_decision *d, const char *reason,
                        const char *words)
{
    struct pp_facts f;

    ruling_facts(cfg, d, &f);
    pp_judge_error(&f, d->now, reason, words, &d->ruling);
}

/*
 * 1. Scope, the user looked up only when the judge asks and the caller has
 * not. Returns true when in scope.
 */
static bool scope(const struct pp_decide_in *in, struct pp_decision *d,
                  const struct pp_log *log)
{
    struct pp_facts f;
    enum pp_judged j;
    int rc;

    ruling_facts(in->cfg, d, &f);
    f.euid = geteuid();
    f.service = in->service;
    f.user = in->user;
    f.nss = in->nss;
    f.uid = in->uid;
    f.gid = in->gid;
    d->known_user = in->nss == PP_NSS_KNOWN;
    if (d->known_user) {
        d->uid = in->uid;
        d->gid = in->gid;
    }
    j = pp_judge_scope(&f, &d->ruling);
    if (j == PP_JUDGED_ASK_NSS) {
        rc = pp_user_lookup(in->user, &d->uid, &d->gid, log);
        d->known_user = rc > 0;
        f.nss = rc > 0 ? PP_NSS_KNOWN : rc == 0 ? PP_NSS_UNKNOWN : PP_NSS_FAILED;
        f.uid = d->uid;
        f.gid = d->gid;
        j = pp_judge_scope(&f, &d->ruling);
    }
    return j == PP_JUDGED_GO_ON;
}

/* Whether m has a rule for user of its own (then no group is looked at). */
static bool has_user_rule(const struct pp_mapping *m, const char *user)
{
    size_t i;

    for (i = 0; i < m->nusers; i++)
        if (strcmp(m->users[i].name, user) == 0)
            return true;
    return false;
}

/*
 * A login's NSS facts for its memo (memo.h), gathered before the mapping is
 * resolved: a change after this leaves a memo its next login does not
 * match. The groups only when the group rules will be walked: the user's
 * list and every group rule's group, as the walk asks for them. Quietly:
 * what NSS cannot answer, the walk says.
 */
static void gather_groups(const struct pp_decide_in *in, const struct pp_mapping *map,
                          struct pp_decision *d)
{
    struct pp_log quiet = { .sink = pp_log_drop };
    struct pp_rule_group *g;
    gid_t *list = NULL;
    int n = 0;
    size_t i;

    d->uid_min = 0;
    if (!is_login(in) || !d->known_user || has_user_rule(map, in->user))
        return;         /* no memo, or a user rule: no group is looked at */
    d->uid_min = map->broad_rules_uid_min;
    memcpy(d->login_defs_id, map->login_defs_id, sizeof(d->login_defs_id));
    if (d->uid_min > 0 && d->login_defs_id[0] == '\0') {
        d->uid_min = -1;    /* login.defs has no identity yet: no memo */
        return;
    }
    /* No group rules, or none for this uid (then no rule matches: no memo). */
    if (map->ngroups == 0 || (long long)d->uid < (long long)map->broad_rules_uid_min)
        return;
    d->uid_min = -1;    /* until gathered: no memo */
    if (pp_user_groups(in->user, d->gid, &list, &n, &quiet) != 0 || n < 1
        || (d->rule_groups = calloc(map->ngroups, sizeof(*d->rule_groups))) == NULL) {
        free(list);
        return;
    }
    d->groups = list;
    d->ngroups = (size_t)n;
    /* The groups the walk reads: up to the first that matches, none after it. */
    for (i = 0; i < map->ngroups; i++) {
        g = &d->rule_groups[i];
        snprintf(g->name, sizeof(g->name), "%s", map->groups[i].name);
        /* A group NSS cannot answer for fails the walk too (said there): no memo. */
        switch (pp_group_lookup(g->name, in->user, &g->gid, &g->listed, &quiet)) {
        case 1:
            g->found = true;
            break;
        case 0:
            g->gid = 0;
            g->listed = false;
            break;
        default:
            return;
        }
        if (g->found && pp_group_rule_holds(g->gid, g->listed, d->gid, list, (size_t)n)) {
            i++;
            break;
        }
    }
    d->nrule_groups = i;
    d->uid_min = map->broad_rules_uid_min;
}

/* 2. The mapping. Returns true when a rule matched (d->rule). */
static bool mapping(const struct pp_decide_in *in, struct pp_decision *d,
                    const struct pp_log *log)
{
    char path[PATH_MAX];
    struct pp_mapping map;
    struct pp_walk_nss nss;
    char *buf;
    size_t len;
    int rc;

    rc = pp_mapping_read(in->cfg, path, &buf, &len, d->mapping_id, log);
    if (rc < 0 || pp_mapping_from_text(in->cfg, rc == 0 ? buf : NULL, len, path, &map, log) != 0) {
        local_error(in->cfg, d, "the mapping cannot be used (see the line before)",
                    "the key mapping could not be read");
        return false;
    }
    gather_groups(in, &map, d);
    /* What gather_groups asked NSS, when it could, is not asked again. */
    nss.gids = d->groups;
    nss.ngids = d->ngroups;
    nss.groups = d->rule_groups;
    nss.ngroups = d->nrule_groups;
    rc = pp_mapping_resolve_known(&map, in->user, d->known_user, d->uid, d->gid,
                                  d->uid_min >= 0 && d->rule_groups != NULL ? &nss : NULL,
                                  &d->rule, log, in->trace, in->trace_ctx);
    pp_mapping_free(&map);
    if (rc != 0) {
        memset(&d->rule, 0, sizeof(d->rule));
        local_error(in->cfg, d,
                    "the mapping could not be resolved for this user (see the line before)",
                    "the key mapping could not be resolved");
        return false;
    }
    pp_judge_rule_words(&d->rule, d->rule_words, sizeof(d->rule_words));
    if (d->rule.match == PP_MATCH_NONE) {
        struct pp_facts f;

        ruling_facts(in->cfg, d, &f);
        pp_judge_no_rule(&f, d->now, &d->ruling);
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
    struct pp_facts f;

    memset(&v, 0, sizeof(v));
    if (pp_verdict_with(cfg, &d->entry, in->now, mode, &v, log) != 0) {
        local_error(cfg, d, "the key could not be checked (see the line before)",
                    "could not be checked");
        return true;
    }
    if (decline_needs_check && v.outcome == PP_OUT_NEEDS_CHECK)
        return false;
    ruling_facts(cfg, d, &f);
    pp_judge_settle(&f, in->now, &v, &d->ruling);
    if (d->ruling.exports) {
        d->key = pp_strdup_secret(d->entry.key);
        if (d->key == NULL
            || asprintf(&d->url, "%s/accounts/%s/workspaces/%s", cfg->api_url,
                        d->entry.account_id, d->entry.workspace_id) < 0) {
            d->url = NULL;
            wipe_export(d);
            local_error(cfg, d, "out of memory building the session variables",
                        "could not be set in the session environment");
        }
    }
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
        local_error(cfg, d, "the mapped key entry is missing from the store",
                    "is missing from the key store");
        return;
    }
    if (rc != 0) {
        local_error(cfg, d, "the key entry cannot be used (see the line before)",
                    "could not be read from the key store");
        return;
    }
    d->have_entry = true;
    pp_cache_fingerprint(cfg, &d->entry, log);
    memcpy(d->fingerprint, d->entry.fp, sizeof(d->fingerprint));     /* both PP_FP_SIZE */

    mode = in->network ? PP_VERDICT_LOGIN : PP_VERDICT_CACHE_ONLY;
    verdict(in, d, mode, false, log);
}

/* An empty decision: nothing known, "-" for the fingerprint and service. */
static void blank(struct pp_decision *d)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->fingerprint, sizeof(d->fingerprint), "-");
    snprintf(d->service, sizeof(d->service), "-");
}

/* The start of every decision. */
static void begin(const struct pp_decide_in *in, struct pp_decision *d)
{
    blank(d);
    d->now = in->now;
    d->ruling.outcome = PP_OUT_OUT_OF_SCOPE;
    if (in->service != NULL)
        pp_log_safe(in->service, d->service, sizeof(d->service));
    pp_judge_rule_words(&d->rule, d->rule_words, sizeof(d->rule_words));
}

/* Whether NSS and login.defs give what m was decided from (after scope() looked the user up). */
static const char *nss_differs(const struct pp_decide_in *in, const struct pp_memo *m,
                               const struct pp_decision *d)
{
    struct pp_log quiet = { .sink = pp_log_drop };
    char id[PP_FILE_ID_SIZE];
    gid_t *list = NULL;
    int n = 0;
    size_t i;
    bool same;

    if (d->uid != m->uid || d->gid != m->gid)
        return "NSS gives another uid or primary group";
    /* UID_MIN: 0 when the settings say so, else login.defs as it was read. */
    if (m->rule.match != PP_MATCH_USER) {
        if (in->cfg->broad_rules_for_system_accounts != (m->uid_min == 0))
            return "UID_MIN changed";
        pp_login_defs_id(PP_LOGIN_DEFS, id, sizeof(id));
        if (m->uid_min > 0 && (id[0] == '\0' || strcmp(id, m->login_defs_id) != 0))
            return "login.defs changed";
    }
    if (m->ngroups == 0)
        return NULL;
    if (pp_user_groups(in->user, d->gid, &list, &n, &quiet) != 0)
        return "NSS could not list the user's groups";
    same = (size_t)n == m->ngroups && memcmp(list, m->groups, m->ngroups * sizeof(*list)) == 0;
    free(list);
    if (!same)
        return "NSS gives another group list";
    for (i = 0; i < m->nrule_groups; i++) {
        const struct pp_rule_group *g = &m->rule_groups[i];
        bool listed = false;
        gid_t gid = 0;
        int r = pp_group_lookup(g->name, in->user, &gid, &listed, &quiet);

        if (r < 0)
            return "NSS could not answer for a group";
        if ((r == 1) != g->found || (r == 1 && (gid != g->gid || listed != g->listed)))
            return "NSS gives another group";
    }
    return NULL;
}

/*
 * decide_warm's steps after the configuration: the same steps as
 * pp_decide, the mapping and the record from the memo while their files
 * are unchanged, the entry read and its key hashed. Returns why the memo
 * does not hold (d then half-filled), or NULL when d is decided.
 */
static const char *decide_remembered(const struct pp_decide_in *in, const struct pp_memo *m,
                                     struct pp_decision *d, const struct pp_log *log)
{
    /* A file that cannot be used sends the login the long way, which says why: once. */
    struct pp_log quiet = { .sink = pp_log_drop };
    char id[PP_FILE_ID_SIZE], fp[PP_FP_SIZE];
    const char *wrong;

    begin(in, d);
    /* The files' identities first: each only declines, with no NSS lookup. */
    if (pp_mapping_file_id(in->cfg, id, &quiet) != 0 || strcmp(id, m->mapping_id) != 0)
        return "the mapping file changed";
    if (m->have_record && (pp_cache_file_id(in->cfg, m->rule.entry, id, &quiet) != 0
                           || strcmp(id, m->record_id) != 0))
        return "the cache record changed";
    if (!m->have_record && in->cfg->validate)
        return "no cache record remembered";
    if (!scope(in, d, log))
        return NULL;    /* decided from the configuration and NSS alone, as pp_decide would */
    if ((wrong = nss_differs(in, m, d)) != NULL)
        return wrong;
    /* The entry, read with the long way's checks: the key is exported from it. */
    switch (pp_entry_load_known(in->cfg, m->rule.entry, &m->entry, &d->entry,
                                &quiet)) {
    case 0:
        break;
    case 1:
        return "the entry file changed";
    default:
        return "the entry file cannot be read";
    }
    d->have_entry = true;
    /* Its key hashed every time: the identity alone never vouches for the key. */
    if (pp_fingerprint(d->entry.key, fp) != 0 || strcmp(fp, m->entry.fp) != 0)
        return "the key's hash is not the memo's";
    if (m->have_record && !pp_cache_record_is_for(&m->record, fp, d->entry.account_id,
                                                  d->entry.workspace_id))
        return "the cache record is not this key's";
    d->rule = m->rule;
    memcpy(d->mapping_id, m->mapping_id, sizeof(d->mapping_id));
    pp_judge_rule_words(&d->rule, d->rule_words, sizeof(d->rule_words));
    pp_debug(log, "service=%s mapped to entry %s (login memo)", d->service, d->rule.entry);
    memcpy(d->entry.fp, fp, sizeof(d->entry.fp));
    memcpy(d->fingerprint, fp, sizeof(d->fingerprint));     /* both PP_FP_SIZE */
    if (m->have_record) {
        d->entry.record = malloc(sizeof(*d->entry.record));
        if (d->entry.record == NULL)
            return "out of memory";
        *d->entry.record = m->record;
    }
    d->entry.record_read = true;
    if (!verdict(in, d, PP_VERDICT_CACHE_ONLY, true, log))
        return "the cached check is not fresh";
    return NULL;
}

/*
 * From the login memo: 1 with cfg and d filled, else 0 with both zeroed
 * and why saying why ("" when there is no memo).
 */
static int decide_warm(const struct pp_decide_in *in, int argc, const char **argv,
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

/* After pp_decide for a login: the login memo, when the decision allows one. */
static void remember(const struct pp_decide_in *in, const struct pp_decision *d,
                     const struct pp_log *log)
{
    struct pp_memo m;

    if (!is_login(in) || in->cfg == NULL || d->ruling.scope != PP_SCOPE_IN || !d->known_user
        || !d->have_entry || d->uid_min < 0 || d->ruling.outcome == PP_OUT_ERROR
        || d->ruling.outcome == PP_OUT_NEEDS_CHECK || d->entry.key == NULL)
        return;
    memset(&m, 0, sizeof(m));
    m.uid = d->uid;
    m.gid = d->gid;
    m.groups = d->groups;           /* borrowed: m is not freed */
    m.ngroups = d->ngroups;
    m.rule_groups = d->rule_groups;
    m.nrule_groups = d->nrule_groups;
    m.uid_min = d->uid_min;
    memcpy(m.login_defs_id, d->login_defs_id, sizeof(m.login_defs_id));
    memcpy(m.mapping_id, d->mapping_id, sizeof(m.mapping_id));
    m.rule = d->rule;
    m.entry = d->entry;
    m.entry.key = NULL;             /* never in the memo */
    m.entry.comment = NULL;
    m.entry.record = NULL;
    pp_memo_save(in->cfg, in->user, in->service, &m, log);
    pp_wipe(&m, sizeof(m));
}

int pp_decide(const struct pp_decide_in *in, struct pp_decision *d, const struct pp_log *log)
{
    if (in == NULL || in->cfg == NULL) {
        blank(d);
        pp_error(log, "internal error: nothing to decide on");
        return -1;
    }
    begin(in, d);

    if (!scope(in, d, log)) {
        return 0;
    }
    if (!mapping(in, d, log)) {
        return 0;
    }
    entry_verdict(in, d, log);
    return 0;
}

int pp_decide_login(const struct pp_decide_in *in, enum pp_login_stage stage, int argc,
                    const char **argv, const char *what, struct pp_config *cfg,
                    struct pp_decision *d, struct pp_log *log)
{
    const char *user = log->user;
    struct pp_decide_in lin = *in;
    char why[PP_ERRLEN] = "";
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    memset(d, 0, sizeof(*d));
    if (stage == PP_STAGE_SESSION
        && decide_warm(in, argc, argv, cfg, d, why, sizeof(why), log) == 1) {
        pp_debug(log, "%s: decided from the login memo", what);
        return 0;
    }
    log->user = NULL;
    rc = pp_config_load(cfg, NULL, argc, argv, log);
    if (rc == 0)
        pp_debug(log, "%s", what);
    log->user = user;
    if (rc != 0)
        return 1;       /* the loader logged why */
    if (stage == PP_STAGE_ACCOUNT && cfg->on_failure != PP_ON_FAILURE_DENY)
        return 2;
    if (why[0] != '\0')
        pp_debug(log, "login memo not used: %s", why);
    lin.cfg = cfg;
    if (pp_decide(&lin, d, log) != 0)
        return 1;       /* logged */
    remember(&lin, d, log);
    return 0;
}

void pp_decision_fail(const struct pp_config *cfg, struct pp_decision *d, const char *reason,
                      const char *words)
{
    wipe_export(d);
    local_error(cfg, d, reason, words);
}

void pp_decision_log(const struct pp_decision *d, const struct pp_log *log)
{
    if (d->ruling.log_line[0] != '\0')
        pp_log(log, d->ruling.log_priority, "%s", d->ruling.log_line);
}

void pp_decision_free(struct pp_decision *d)
{
    wipe_export(d);
    free(d->groups);
    free(d->rule_groups);
    if (d->have_entry)
        pp_entry_clear(&d->entry);
    pp_wipe(d, sizeof(*d));
}

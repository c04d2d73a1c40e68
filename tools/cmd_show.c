/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_show.c: the verbs that only read: list, explain, expiring. None of
 * them ever prints a key, only its fingerprint. Their --json forms are a
 * stable interface (documented in prefect-keys(8)): every object carries
 * "version": 1, fields are only ever added, absent values are null.
 */
#include <config.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "decide.h"
#include "nsslookup.h"
#include "judge.h"
#include "pk.h"
#include "secret.h"
#include "timefmt.h"

/* ---- small output helpers ---- */

static struct json_object *jstr(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_object_new_string(s) : NULL;
}

static struct json_object *jtime(bool has, time_t t)
{
    char buf[PP_TIME_SIZE];

    return has ? json_object_new_string(pp_time_format(t, buf)) : NULL;
}

/* ---- the last check, from the cache ---- */

/* 1 with rec filled if the cache holds a record for e's current key and workspace, 0 if not, -1 unreadable. */
static int last_check(struct pk *pk, const struct pp_entry *e, struct pp_cache_record *rec)
{
    char fp[PP_FP_SIZE];
    int r;

    r = pp_cache_read(&pk->cfg, e->name, rec, &pk->quiet);
    if (r == PP_ABSENT)
        return 0;
    if (r != 0)
        return -1;
    pp_fingerprint(e->key, fp);
    return pp_cache_record_is_for(rec, fp, e->account_id, e->workspace_id) ? 1 : 0;
}

struct json_object *pk_unusable_json(const char *name, const char *why)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "error", json_object_new_string(why));
    return o;
}

struct json_object *pk_last_check_json(struct pk *pk, const struct pp_entry *e)
{
    struct pp_cache_record rec;
    struct json_object *o;
    int r = last_check(pk, e, &rec);

    if (r == 0)
        return NULL;
    o = json_object_new_object();
    if (r < 0) {
        json_object_object_add(o, "error", json_object_new_string(pk->quiet_sink.last_error));
        return o;
    }
    json_object_object_add(o, "outcome", json_object_new_string(pp_outcome_name(rec.outcome)));
    json_object_object_add(o, "checked_at", jtime(true, rec.checked_at));
    json_object_object_add(o, "last_valid_at", jtime(rec.has_last_valid, rec.last_valid_at));
    json_object_object_add(o, "expires", jtime(rec.has_expires, rec.expires));
    json_object_object_add(o, "expires_source",
                           json_object_new_string(pp_exp_source_name(rec.exp_source)));
    json_object_object_add(o, "http_status", json_object_new_int64(rec.http_status));
    json_object_object_add(o, "reason", jstr(rec.reason));
    return o;
}

void pk_last_check_text(struct pk *pk, const struct pp_entry *e, char *out, size_t outlen)
{
    struct pp_cache_record rec;
    char t[PP_TIME_SIZE];
    int r = last_check(pk, e, &rec);

    if (r == 0)
        snprintf(out, outlen, "never checked (this key)");
    else if (r < 0)
        snprintf(out, outlen, "unknown: %s", pk->quiet_sink.last_error);
    else
        snprintf(out, outlen, "%s at %s%s%s", pp_outcome_name(rec.outcome),
                 pp_time_format(rec.checked_at, t), rec.reason[0] ? ": " : "", rec.reason);
}

enum pk_expiration pk_expiration_of(struct pk *pk, const struct pp_entry *e, time_t *t,
                                    const char **source)
{
    struct pp_cache_record rec;
    enum pp_exp_source from;
    bool has;

    from = pp_best_expiration(last_check(pk, e, &rec) == 1 ? &rec : NULL, e, &has, t);
    *source = pp_exp_source_name(from);
    if (has)
        return PK_EXP_DATE;
    return from == PP_EXP_CLOUD ? PK_EXP_NEVER : PK_EXP_UNKNOWN;
}

const char *pk_unknown_expiration_hint(const struct pp_entry *e)
{
    if (e->key_id[0] != '\0' || e->service_account_id[0] != '\0')
        return "not read from Prefect Cloud yet: prefect-keys check reads it through the "
               "key's ids";
    return "no --expires, and no ids to read it from Prefect Cloud: give the key's ids or "
           "--expires (prefect-keys(8), add)";
}

const char *pk_expiration_name(enum pk_expiration x)
{
    return x == PK_EXP_DATE ? "date" : x == PK_EXP_NEVER ? "never" : "unknown";
}

/* What is known of e's expiration, in words, for list and explain. */
static void expiration_text(struct pk *pk, const struct pp_entry *e, char *out, size_t outlen)
{
    char t[PP_TIME_SIZE];
    const char *source;
    time_t when;

    switch (pk_expiration_of(pk, e, &when, &source)) {
    case PK_EXP_DATE:
        snprintf(out, outlen, "%s (%ld days; %s)", pp_time_format(when, t),
                 pp_days_left(pk->now, when),
                 strcmp(source, "cloud") == 0 ? "from Prefect Cloud" : "recorded");
        return;
    case PK_EXP_NEVER:
        snprintf(out, outlen, "never (Prefect Cloud says so)");
        return;
    case PK_EXP_UNKNOWN:
        break;
    }
    snprintf(out, outlen, "unknown (%s)", pk_unknown_expiration_hint(e));
}

/* ---- list ---- */

static struct json_object *entry_json(struct pk *pk, const struct pp_entry *e)
{
    struct json_object *o = json_object_new_object();
    char fp[PP_FP_SIZE];

    pp_fingerprint(e->key, fp);
    json_object_object_add(o, "name", json_object_new_string(e->name));
    json_object_object_add(o, "kind", json_object_new_string(pp_key_kind_name(e->kind)));
    json_object_object_add(o, "account_id", jstr(e->account_id));
    json_object_object_add(o, "workspace_id", jstr(e->workspace_id));
    json_object_object_add(o, "fingerprint", json_object_new_string(fp));
    json_object_object_add(o, "expires", jtime(e->has_expires, e->expires));
    {
        const char *source;
        time_t when;

        json_object_object_add(o, "expiration", json_object_new_string(pk_expiration_name(
                                                    pk_expiration_of(pk, e, &when, &source))));
    }
    json_object_object_add(o, "user_id", jstr(e->user_id));
    json_object_object_add(o, "key_id", jstr(e->key_id));
    json_object_object_add(o, "service_account_id", jstr(e->service_account_id));
    json_object_object_add(o, "service_account_key_id", jstr(e->sa_key_id));
    json_object_object_add(o, "comment", jstr(e->comment));
    json_object_object_add(o, "added", jtime(e->has_added, e->added));
    json_object_object_add(o, "last_check", pk_last_check_json(pk, e));
    json_object_object_add(o, "error", NULL);
    return o;
}

static void entry_text(struct pk *pk, const struct pp_entry *e)
{
    char fp[PP_FP_SIZE], t[PP_TIME_SIZE], check[512], expires[256];

    pp_fingerprint(e->key, fp);
    printf("entry %s\n", e->name);
    printf("  kind:         %s\n", pp_key_kind_name(e->kind));
    printf("  workspace:    %s/%s\n", e->account_id, e->workspace_id);
    printf("  fingerprint:  %s\n", fp);
    expiration_text(pk, e, expires, sizeof(expires));
    printf("  expires:      %s\n", expires);
    if (e->user_id[0] != '\0')
        printf("  user id:      %s\n  key id:       %s\n", e->user_id, e->key_id);
    if (e->service_account_id[0] != '\0')
        printf("  service account id: %s%s%s\n", e->service_account_id,
               e->sa_key_id[0] ? ", key id (api_key.id) " : "", e->sa_key_id);
    if (e->comment != NULL)
        printf("  comment:      %s\n", e->comment);
    if (e->has_added)
        printf("  added:        %s\n", pp_time_format(e->added, t));
    pk_last_check_text(pk, e, check, sizeof(check));
    printf("  last check:   %s\n", check);
}

static struct json_object *rules_json(const struct pp_map_rule *r, size_t n)
{
    struct json_object *a = json_object_new_array();

    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(r[i].name));
        json_object_object_add(o, "entry", json_object_new_string(r[i].entry));
        json_object_array_add(a, o);
    }
    return a;
}

int pk_list(struct pk *pk, int argc, char **argv)
{
    struct json_object *root = NULL, *entries = NULL, *map;
    struct pp_mapping m;
    char **names = NULL;
    size_t n = 0;
    int rc = PK_OK;
    bool json = pk_has(pk, OPT_JSON);

    (void)argv;
    memset(&m, 0, sizeof(m));
    if (argc != 0) {
        pk_usage("usage: prefect-keys list [--json]");
        return PK_ERROR;
    }
    if (pp_store_list(&pk->cfg, &names, &n, &pk->log) != 0)
        return PK_ERROR;
    if (pp_mapping_load(&pk->cfg, &m, &pk->log) != 0) {
        pk_error("cannot read the store (prefect-keys verify says how to fix it)");
        pp_names_free(names, n);
        return PK_ERROR;
    }
    if (json) {
        root = pk_json_answer();
        entries = json_object_new_array();
        json_object_object_add(root, "store", json_object_new_string(pk->cfg.store));
        json_object_object_add(root, "entries", entries);
    } else if (n == 0) {
        printf("no entries in %s\n", pk->cfg.store);
    }
    for (size_t i = 0; i < n; i++) {
        struct pp_entry e;

        if (pp_entry_load(&pk->cfg, names[i], &e, &pk->quiet) != 0) {
            rc = PK_PROBLEM;
            if (json) {
                json_object_array_add(entries,
                                      pk_unusable_json(names[i], pk->quiet_sink.last_error));
            } else {
                printf("entry %s\n  UNUSABLE:     %s\n", names[i], pk->quiet_sink.last_error);
            }
            continue;
        }
        if (json)
            json_object_array_add(entries, entry_json(pk, &e));
        else
            entry_text(pk, &e);
        pp_entry_clear(&e);
    }
    if (json) {
        map = json_object_new_object();
        json_object_object_add(map, "users", rules_json(m.users, m.nusers));
        json_object_object_add(map, "groups", rules_json(m.groups, m.ngroups));
        json_object_object_add(map, "default", jstr(m.default_entry));
        json_object_object_add(root, "mapping", map);
        pk_json_print(root);
    } else {
        printf("\nmapping (a user's own rule, else the first group in this order, "
               "else the default):\n");
        if (m.nusers == 0 && m.ngroups == 0 && m.default_entry == NULL)
            printf("  (none)\n");
        for (size_t i = 0; i < m.nusers; i++)
            printf("  user %s -> %s%s\n", m.users[i].name, m.users[i].entry,
                   pp_entry_exists(&pk->cfg, m.users[i].entry) ? "" : "   (no such entry!)");
        for (size_t i = 0; i < m.ngroups; i++)
            printf("  group %s -> %s%s\n", m.groups[i].name, m.groups[i].entry,
                   pp_entry_exists(&pk->cfg, m.groups[i].entry) ? "" : "   (no such entry!)");
        if (m.default_entry != NULL)
            printf("  default -> %s%s\n", m.default_entry,
                   pp_entry_exists(&pk->cfg, m.default_entry) ? "" : "   (no such entry!)");
    }
    pp_names_free(names, n);
    pp_mapping_free(&m);
    return rc;
}

/* ---- explain ---- */

struct walk {
    struct json_object *steps;  /* --json */
    int n;
};

static void trace_step(void *ctx, enum pp_match rule, const char *name, const char *entry,
                       bool matched, const char *why)
{
    struct walk *w = ctx;

    w->n++;
    if (w->steps != NULL) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "rule", json_object_new_string(pp_match_name(rule)));
        json_object_object_add(o, "name", jstr(name));
        json_object_object_add(o, "entry", jstr(entry));
        json_object_object_add(o, "matched", json_object_new_boolean(matched));
        json_object_object_add(o, "why", json_object_new_string(why));
        json_object_array_add(w->steps, o);
    } else {
        printf("  %d. %s rule%s%s: %s%s\n", w->n, pp_match_name(rule),
               name[0] ? " " : "", name, matched ? "MATCH: " : "", why);
    }
}

/* The variables a login would get, for --json: values, the key only as its fingerprint. */
static struct json_object *exported_json(const struct pp_decision *d)
{
    struct json_object *o;

    if (!d->ruling.exports)
        return NULL;
    o = json_object_new_object();
    json_object_object_add(o, "PREFECT_API_URL", json_object_new_string(d->url));
    json_object_object_add(o, "PREFECT_API_KEY_fingerprint",
                           json_object_new_string(d->fingerprint));
    return o;
}

static void explain_json(struct pk *pk, const struct pp_decision *d, const char *user,
                         struct json_object *root)
{
    const char *service = pk_has(pk, OPT_SERVICE) ? pk->o.service : NULL;
    struct json_object *ej = NULL;

    json_object_object_add(root, "service", service != NULL ? json_object_new_string(service)
                                                            : NULL);
    json_object_object_add(root, "scope", json_object_new_string(pp_scope_name(d->ruling.scope)));
    json_object_object_add(root, "scope_why", jstr(d->ruling.scope_why));
    json_object_object_add(root, "uid", d->known_user ? json_object_new_int64(d->uid) : NULL);
    json_object_object_add(root, "match", json_object_new_string(pp_match_name(d->rule.match)));
    json_object_object_add(root, "group", jstr(d->rule.group));
    if (d->have_entry)
        ej = entry_json(pk, &d->entry);
    else if (d->rule.match != PP_MATCH_NONE)
        ej = pk_unusable_json(d->rule.entry, d->entry_missing ? "no such entry"
                                                               : pk->quiet_sink.last_error);
    json_object_object_add(root, "entry", ej);
    json_object_object_add(root, "outcome",
                           json_object_new_string(pp_outcome_name(d->ruling.outcome)));
    json_object_object_add(root, "reason", jstr(d->ruling.reason));
    json_object_object_add(root, "checked_now", json_object_new_boolean(pk_has(pk, OPT_CHECK)));
    json_object_object_add(root, "from_cache", json_object_new_boolean(d->ruling.from_cache));
    json_object_object_add(root, "expires", jtime(d->ruling.has_expires, d->ruling.expires));
    json_object_object_add(root, "days_left", d->ruling.has_expires
                                              ? json_object_new_int64(d->ruling.days_left) : NULL);
    json_object_object_add(root, "exported", exported_json(d));
    json_object_object_add(root, "refused", json_object_new_boolean(d->ruling.refuse));
    json_object_object_add(root, "message", jstr(d->ruling.sentence));
    (void)user;
}

static void explain_text(struct pk *pk, const struct pp_decision *d, const char *user)
{
    char fp[PP_FP_SIZE], check[512], expires[256];
    const struct pp_outcome_info *info = pp_outcome_info(d->ruling.outcome);

    if (d->ruling.scope != PP_SCOPE_IN) {
        printf("result: out of scope (%s): %s\n", pp_scope_name(d->ruling.scope),
               d->ruling.scope_why);
    } else if (d->have_entry) {
        pp_fingerprint(d->entry.key, fp);
        pk_last_check_text(pk, &d->entry, check, sizeof(check));
        printf("result: %s gets entry %s (by the %s rule%s%s)\n", user, d->rule.entry,
               pp_match_name(d->rule.match), d->rule.group[0] ? " for group " : "",
               d->rule.group);
        printf("  entry %s: %s key, fingerprint %s, workspace %s/%s\n", d->entry.name,
               pp_key_kind_name(d->entry.kind), fp, d->entry.account_id,
               d->entry.workspace_id);
        expiration_text(pk, &d->entry, expires, sizeof(expires));
        printf("  expires: %s\n", expires);
        printf("  last check: %s\n", check);
    } else if (d->rule.match != PP_MATCH_NONE) {
        printf("result: the %s rule%s%s names entry %s, which %s: %s gets no key (a "
               "matched rule decides; broader rules are not tried)\n",
               pp_match_name(d->rule.match), d->rule.group[0] ? " for group " : "",
               d->rule.group, d->rule.entry,
               d->entry_missing ? "does not exist" : "cannot be read", user);
        if (!d->entry_missing)
            printf("  %s\n", pk->quiet_sink.last_error);
    } else if (d->ruling.outcome == PP_OUT_NO_RULE) {
        printf("result: no rule matches: %s gets no key\n", user);
    }
    printf("outcome: %s: %s\n", info->name, d->ruling.reason);
    if (d->ruling.exports)
        printf("  a login gets PREFECT_API_URL=%s and PREFECT_API_KEY (fingerprint %s)\n",
               d->url, d->fingerprint);
    else if (d->have_entry && d->ruling.outcome == PP_OUT_EXPIRED)
        printf("  the expiration has passed: the key will not be exported\n");
    else if (d->ruling.outcome == PP_OUT_NEEDS_CHECK)
        printf("  (prefect-keys explain --check asks Prefect Cloud as a login would)\n");
    if (d->ruling.has_expires && d->ruling.exports)
        printf("  days left: %ld\n", d->ruling.days_left);
    if (d->ruling.refuse)
        printf("  the session is refused (on_failure = deny)\n");
    if (d->ruling.sentence[0] != '\0')
        printf("  the user is told: %s\n", d->ruling.sentence);
}

int pk_explain(struct pk *pk, int argc, char **argv)
{
    struct json_object *root = NULL;
    struct pp_decide_in in;
    struct pp_decision d;
    struct walk w = { NULL, 0 };
    char show[96];
    const char *user;
    bool json = pk_has(pk, OPT_JSON);
    int rc, known;

    if (argc != 1) {
        pk_usage("usage: prefect-keys explain USER [--service NAME] [--check] [--json]");
        return PK_ERROR;
    }
    user = argv[0];
    if (!pp_account_name_valid(user) || pk_looks_like_key(user)) {
        pk_usage("invalid user name \"%s\"", pk_show(user, show, sizeof(show)));
        return PK_ERROR;
    }
    if (pk_has(pk, OPT_SERVICE)
        && (pk->o.service[0] == '\0' || pk_looks_like_key(pk->o.service))) {
        pk_usage("--service: \"%s\" is not a service name",
                       pk_show(pk->o.service, show, sizeof(show)));
        return PK_ERROR;
    }
    memset(&in, 0, sizeof(in));
    pk->quiet_sink.last_error[0] = '\0';
    /* NSS once: for the header here, and as the decision's fact. */
    known = pp_user_lookup(user, &in.uid, &in.gid, &pk->quiet);
    in.nss = known > 0 ? PP_NSS_KNOWN : known == 0 ? PP_NSS_UNKNOWN : PP_NSS_FAILED;
    if (json) {
        root = pk_json_answer();
        w.steps = json_object_new_array();
        json_object_object_add(root, "user", json_object_new_string(user));
        json_object_object_add(root, "known_user", json_object_new_boolean(known > 0));
        json_object_object_add(root, "steps", w.steps);
    } else {
        printf("user %s%s, service %s:\n", user,
               known == 0 ? " (not known to NSS here)"
                          : known < 0 ? " (NSS could not look it up here)" : "",
               pk_has(pk, OPT_SERVICE) ? pk_show(pk->o.service, show, sizeof(show))
                                       : "(any)");
    }

    in.cfg = &pk->cfg;
    in.user = user;
    in.service = pk_has(pk, OPT_SERVICE) ? pk->o.service : NULL;
    in.now = pk->now;
    in.network = pk_has(pk, OPT_CHECK);
    in.trace = trace_step;
    in.trace_ctx = &w;
    if (pp_decide(&in, &d, &pk->quiet) != 0) {
        json_object_put(root);
        return PK_ERROR;
    }
    if (json) {
        explain_json(pk, &d, user, root);
        pk_json_print(root);
    } else {
        explain_text(pk, &d, user);
    }
    /* A mapped user whose login would not get the key is a problem; an
     * unreadable mapping or NSS failure (no rule reached) an error. */
    if (d.ruling.outcome == PP_OUT_ERROR && d.rule.match == PP_MATCH_NONE) {
        pk_error("%s (prefect-keys verify says how to fix it)",
                       pk->quiet_sink.last_error[0] ? pk->quiet_sink.last_error : d.ruling.reason);
        rc = PK_ERROR;
    } else {
        rc = pp_outcome_info(d.ruling.outcome)->failure ? PK_PROBLEM : PK_OK;
    }
    pp_decision_free(&d);
    return rc;
}

/* ---- expiring ---- */

int pk_expiring(struct pk *pk, int argc, char **argv)
{
    struct json_object *root = NULL, *list = NULL, *unknown = NULL;
    char **names = NULL;
    size_t n = 0, found = 0, nunknown = 0;
    long within = pk_has(pk, OPT_WITHIN) ? pk->o.within_days : pk->cfg.expiry_warn_days;
    bool json = pk_has(pk, OPT_JSON);
    int rc = PK_OK;

    (void)argv;
    if (argc != 0) {
        pk_usage("usage: prefect-keys expiring [--within DAYS] [--json]");
        return PK_ERROR;
    }
    if (pp_store_list(&pk->cfg, &names, &n, &pk->log) != 0)
        return PK_ERROR;
    if (json) {
        root = pk_json_answer();
        list = json_object_new_array();
        json_object_object_add(root, "within_days", json_object_new_int64(within));
        json_object_object_add(root, "entries", list);
        unknown = json_object_new_array();
        json_object_object_add(root, "expiration_unknown", unknown);
    }
    for (size_t i = 0; i < n; i++) {
        struct pp_entry e;
        enum pk_expiration x;
        const char *source;
        char t[PP_TIME_SIZE];
        time_t when;
        long days;

        if (pp_entry_load(&pk->cfg, names[i], &e, &pk->quiet) != 0) {
            rc = PK_PROBLEM;
            if (json) {
                json_object_array_add(list, pk_unusable_json(names[i], pk->quiet_sink.last_error));
            } else {
                printf("%s: UNUSABLE: %s\n", names[i], pk->quiet_sink.last_error);
            }
            continue;
        }
        x = pk_expiration_of(pk, &e, &when, &source);
        if (x == PK_EXP_UNKNOWN) {
            /* Never warned about: say so, though it is not (yet) a problem. */
            if (json)
                json_object_array_add(unknown, json_object_new_string(e.name));
            else
                printf("%s: expiration unknown (%s)\n", e.name,
                       pk_unknown_expiration_hint(&e));
            nunknown++;
            pp_entry_clear(&e);
            continue;
        }
        if (x != PK_EXP_DATE || !pp_expires_within(within, when, pk->now)) {
            pp_entry_clear(&e);
            continue;
        }
        found++;
        days = pp_days_left(pk->now, when);
        if (json) {
            struct json_object *o = json_object_new_object();
            json_object_object_add(o, "name", json_object_new_string(e.name));
            json_object_object_add(o, "expires", jtime(true, when));
            json_object_object_add(o, "expires_source", json_object_new_string(source));
            json_object_object_add(o, "days_left", json_object_new_int64(days));
            json_object_object_add(o, "expired", json_object_new_boolean(when <= pk->now));
            json_object_object_add(o, "error", NULL);
            json_object_array_add(list, o);
        } else if (when <= pk->now) {
            printf("%s: EXPIRED on %s (%s)\n", e.name, pp_time_format(when, t),
                   strcmp(source, "cloud") == 0 ? "from Cloud" : "recorded");
        } else {
            printf("%s: expires %s, in %ld day%s (%s)\n", e.name, pp_time_format(when, t), days,
                   days == 1 ? "" : "s", strcmp(source, "cloud") == 0 ? "from Cloud"
                                                                      : "recorded");
        }
        pp_entry_clear(&e);
    }
    if (found > 0)
        rc = PK_PROBLEM;
    if (json) {
        pk_json_print(root);
    } else if (found == 0 && rc == PK_OK) {
        printf("no key %s within %ld day%s%s\n", nunknown > 0 ? "is known to expire" : "expires",
               within, within == 1 ? "" : "s",
               nunknown > 0 ? " (the expiration of those above is unknown)" : "");
    }
    pp_names_free(names, n);
    return rc;
}

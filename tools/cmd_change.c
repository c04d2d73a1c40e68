/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_change.c: the verbs that change the store: add, rotate, remove, map,
 * unmap. Each takes the store's one lock (store_write.h), reads what it
 * changes under that lock, writes atomically, and logs one line per change
 * to syslog (authpriv) naming the verb, the entry or mapping and the
 * invoking user, never the key.
 *
 * Each is idempotent, for configuration management that re-runs the same
 * commands: when the store already is what the command asks for, nothing
 * is written (no file is rewritten, no modification time changes), nothing
 * is logged, and the verb says "unchanged" and exits 0. With --json each
 * prints one object {version, verb, changed, message}.
 */
#include <config.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "cache.h"
#include "pk.h"
#include "secret.h"
#include "store_write.h"
#include "timefmt.h"
#include "verdict.h"


/* ---- checking operands and options ---- */

static int check_entry_name(const char *name)
{
    char show[96];

    if (pk_looks_like_key(name)) {
        pk_error("the entry name looks like an API key; keys are read from standard "
                       "input or --key-file, never from the command line");
        return -1;
    }
    if (!pp_entry_name_valid(name)) {
        pk_usage("invalid entry name \"%s\": use 1 to %d of A-Z a-z 0-9 . _ - "
                       "(not \".\" or \"..\")", pk_show(name, show, sizeof(show)),
                       PP_ENTRY_NAME_MAX);
        return -1;
    }
    return 0;
}

/* A lowercase copy of a UUID option into out; -1 (said) if it is not one. */
static int uuid_option(const char *opt, const char *value, char out[PP_UUID_LEN + 1])
{
    char show[96];
    size_t i;

    if (strlen(value) != PP_UUID_LEN)
        goto bad;
    for (i = 0; i < PP_UUID_LEN; i++)
        out[i] = (char)tolower((unsigned char)value[i]);
    out[PP_UUID_LEN] = '\0';
    if (pp_uuid_valid(out))
        return 0;
bad:
    pk_error("%s: \"%s\" is not a UUID (like 0b5e1c1a-8f5e-4c2b-9a57-2b3c4d5e6f70)",
                   opt, pk_show(value, show, sizeof(show)));
    out[0] = '\0';
    return -1;
}

/* The options that describe a key (both add and rotate). */
struct key_opts {
    bool has_expires;
    time_t expires;
    char user_id[PP_UUID_LEN + 1];
    char key_id[PP_UUID_LEN + 1];
    char sa_id[PP_UUID_LEN + 1];
};

static int parse_key_opts(struct pk *pk, struct key_opts *ko)
{
    char show[96];

    memset(ko, 0, sizeof(*ko));
    if (pk_has(pk, OPT_EXPIRES)) {
        if (pp_time_parse(pk->o.expires, &ko->expires) != 0) {
            pk_error("--expires: \"%s\" is not a date (YYYY-MM-DD or RFC 3339 like "
                           "2027-01-31T00:00:00Z)", pk_show(pk->o.expires, show, sizeof(show)));
            return -1;
        }
        if (ko->expires <= pk->now && !pk_has(pk, OPT_FORCE)) {
            pk_error("--expires: %s has passed: the key would never be exported "
                           "(--force stores it anyway)", pk->o.expires);
            return -1;
        }
        ko->has_expires = true;
    }
    if (pk_has(pk, OPT_USER_ID) && uuid_option("--user-id", pk->o.user_id, ko->user_id) != 0)
        return -1;
    if (pk_has(pk, OPT_KEY_ID) && uuid_option("--key-id", pk->o.key_id, ko->key_id) != 0)
        return -1;
    if (pk_has(pk, OPT_SA_ID)
        && uuid_option("--service-account-id", pk->o.service_account_id, ko->sa_id) != 0)
        return -1;
    if (pk_has(pk, OPT_SA_ID) && (pk_has(pk, OPT_USER_ID) || pk_has(pk, OPT_KEY_ID))) {
        pk_error("--service-account-id is for a service account key (pnb_), "
                       "--user-id/--key-id for a user key (pnu_): give one kind");
        return -1;
    }
    if (pk_has(pk, OPT_COMMENT)) {
        if (strlen(pk->o.comment) > PP_COMMENT_MAX) {
            pk_error("--comment: longer than %d bytes", PP_COMMENT_MAX);
            return -1;
        }
        if (!pp_text_valid(pk->o.comment)) {
            pk_error("--comment: control characters are not allowed");
            return -1;
        }
        if (pk_looks_like_key(pk->o.comment)) {
            pk_error("--comment: it looks like an API key; keys are read from standard "
                           "input or --key-file, never from the command line");
            return -1;
        }
    }
    return 0;
}

/* The ids given must fit the key's kind. */
static int check_ids_fit(enum pp_key_kind kind, const struct pp_entry *e)
{
    if (e->service_account_id[0] != '\0' && kind != PP_KIND_SERVICE_ACCOUNT) {
        pk_error("--service-account-id is only for a service account key (pnb_)");
        return -1;
    }
    if ((e->user_id[0] != '\0' || e->key_id[0] != '\0') && kind != PP_KIND_USER) {
        pk_error("--user-id/--key-id are only for a user key (pnu_)");
        return -1;
    }
    if ((e->user_id[0] == '\0') != (e->key_id[0] == '\0')) {
        pk_error("--user-id and --key-id go together: give both or neither");
        return -1;
    }
    return 0;
}

static const char *when(bool has, time_t t, char buf[PP_TIME_SIZE])
{
    return has ? pp_time_format(t, buf) : "none";
}

/* An id option against the entry's: compared when given, or always for add. */
static bool differs(bool is_add, const char *given, const char *held)
{
    return (is_add || given[0] != '\0') && strcasecmp(given, held) != 0;
}

/*
 * Whether entry old already is what add (is_add) or rotate would write for
 * key and the options given: 1 yes; 0 no, *what names the first difference
 * ("key", "workspace", "expiration", "comment", "ids"); -1 on an error
 * (reported). For add, the entry must be the one add would write: an
 * option not given means no comment, no ids, and no expiration (unless ids
 * let Cloud supply it); the workspace is compared as ids when --workspace
 * gives two UUIDs, else as Cloud resolves the handles. For rotate only the
 * options given are compared (rotate keeps the workspace and comment).
 */
static int same_as_entry(struct pk *pk, const struct pp_entry *old, const char *key,
                         const struct key_opts *ko, bool is_add, const char **what)
{
    bool ids_given = ko->user_id[0] != '\0' || ko->key_id[0] != '\0' || ko->sa_id[0] != '\0';

    if (strcmp(key, old->key) != 0) {
        *what = "key";
        return 0;
    }
    if (is_add && pk_has(pk, OPT_WORKSPACE)) {
        char a[PP_UUID_LEN + 1] = "", w[PP_UUID_LEN + 1] = "";
        const char *slash = strchr(pk->o.workspace, '/');

        if (slash != NULL && (size_t)(slash - pk->o.workspace) == PP_UUID_LEN
            && strlen(slash + 1) == PP_UUID_LEN) {
            memcpy(a, pk->o.workspace, PP_UUID_LEN);
            memcpy(w, slash + 1, PP_UUID_LEN);
        }
        if (!(pp_uuid_valid(a) && pp_uuid_valid(w))
            && pk_cloud_pick_workspace(pk, key, pk->o.workspace, a, w) != PK_OK)
            return -1;
        if (strcasecmp(a, old->account_id) != 0 || strcasecmp(w, old->workspace_id) != 0) {
            *what = "workspace";
            return 0;
        }
    }
    if (ko->has_expires ? !old->has_expires || old->expires != ko->expires
                        : is_add && !ids_given && old->has_expires) {
        *what = "expiration";
        return 0;
    }
    if ((pk_has(pk, OPT_COMMENT) || is_add)
        && strcmp(pk_has(pk, OPT_COMMENT) ? pk->o.comment : "",
                  old->comment != NULL ? old->comment : "") != 0) {
        *what = "comment";
        return 0;
    }
    if (differs(is_add, ko->user_id, old->user_id) || differs(is_add, ko->key_id, old->key_id)
        || differs(is_add, ko->sa_id, old->service_account_id)) {
        *what = "ids";
        return 0;
    }
    return 1;
}

/* ---- add ---- */

/*
 * The check add just made, recorded as prefect-keys check would (through the
 * host's cache), so that list, explain and logins see this key as checked
 * and, with the ids, its expiration from Cloud. Outside the store lock. A
 * failure here changes nothing: the entry is stored, unchecked.
 */
static void record_check(struct pk *pk, const struct pp_entry *e)
{
    struct pp_verdict v;

    memset(&v, 0, sizeof(v));
    if (pp_verdict_with(&pk->cfg, e, time(NULL), PP_VERDICT_FORCE, &v, &pk->quiet) != 0)
        pp_debug(&pk->log, "add: the check of entry %s was not recorded: %s", e->name,
                 pk->quiet_sink.last_error);
}

int pk_add(struct pk *pk, int argc, char **argv)
{
    struct pp_store_lock lk = { -1 };
    struct key_opts ko;
    struct pp_entry e;
    char fp[PP_FP_SIZE], t1[PP_TIME_SIZE];
    char *key = NULL;
    bool replaced = false, learned = false;
    int rc = PK_ERROR;

    memset(&e, 0, sizeof(e));
    if (argc > 1) {
        pk_error("add takes one operand, the entry name; keys are read from standard "
                       "input or --key-file, never from the command line. Nothing was changed.");
        return PK_ERROR;
    }
    if (argc < 1) {
        pk_error("add: which entry? usage: prefect-keys add NAME [--workspace "
                       "ACCOUNT/WORKSPACE] < keyfile");
        return PK_ERROR;
    }
    if (check_entry_name(argv[0]) != 0 || parse_key_opts(pk, &ko) != 0)
        return PK_ERROR;
    if (pk_has(pk, OPT_NO_VALIDATE)) {
        const char *slash = pk->o.workspace != NULL ? strchr(pk->o.workspace, '/') : NULL;
        char a[PP_UUID_LEN + 1];

        if (!pk_has(pk, OPT_WORKSPACE)) {
            pk_error("add --no-validate needs --workspace ACCOUNT_ID/WORKSPACE_ID "
                           "(without Cloud the workspace cannot be looked up)");
            return PK_ERROR;
        }
        if (slash == NULL || (size_t)(slash - pk->o.workspace) != PP_UUID_LEN
            || strlen(slash + 1) != PP_UUID_LEN) {
            pk_error("--workspace: with --no-validate give the ids, "
                           "ACCOUNT_ID/WORKSPACE_ID (two UUIDs); handles need Cloud");
            return PK_ERROR;
        }
        memcpy(a, pk->o.workspace, PP_UUID_LEN);
        a[PP_UUID_LEN] = '\0';
        if (uuid_option("--workspace (account id)", a, e.account_id) != 0
            || uuid_option("--workspace (workspace id)", slash + 1, e.workspace_id) != 0)
            return PK_ERROR;
    }
    snprintf(e.name, sizeof(e.name), "%s", argv[0]);
    key = pk_read_key(pk, e.name);
    if (key == NULL)
        return PK_ERROR;
    e.key = key;
    if (pp_entry_exists(&pk->cfg, e.name)) {
        struct pp_entry old;
        const char *what = NULL;
        int r;

        memset(&old, 0, sizeof(old));
        r = pp_entry_load(&pk->cfg, e.name, &old, &pk->quiet);
        if (r == 0)
            r = same_as_entry(pk, &old, key, &ko, true, &what);
        else if (pk_has(pk, OPT_FORCE))
            r = 0;      /* replace an unreadable entry, as asked */
        else
            pk_error("entry %s exists but cannot be read (%s): fix it, or replace it "
                           "with --force. Nothing was changed.", e.name,
                           pk->quiet_sink.last_error);
        if (r == 1) {
            pp_fingerprint(key, fp);
            pk_report(pk, "add", false, "entry %s already holds this key (fingerprint %s) for "
                      "workspace %s/%s", e.name, fp, old.account_id, old.workspace_id);
            rc = PK_OK;
        } else if (r == 0 && !pk_has(pk, OPT_FORCE)) {
            if (strcmp(what, "key") == 0)
                pk_error("entry %s already exists with another key: use rotate to "
                               "change its key (or add --force to replace the entry). Nothing "
                               "was changed.", e.name);
            else
                pk_error("entry %s already holds this key with another %s: use add "
                               "--force to replace the entry. Nothing was changed.", e.name,
                               what);
        }
        pp_entry_clear(&old);
        if (r != 0 || !pk_has(pk, OPT_FORCE))
            goto out;
    }
    e.kind = pp_key_kind_of(key);
    memcpy(e.user_id, ko.user_id, sizeof(e.user_id));
    memcpy(e.key_id, ko.key_id, sizeof(e.key_id));
    memcpy(e.service_account_id, ko.sa_id, sizeof(e.service_account_id));
    if (check_ids_fit(e.kind, &e) != 0)
        goto out;
    e.has_expires = ko.has_expires;
    e.expires = ko.expires;
    if (pk_has(pk, OPT_COMMENT) && (e.comment = strdup(pk->o.comment)) == NULL)
        goto out;
    e.has_added = true;
    e.added = pk->now;

    if (!pk_has(pk, OPT_NO_VALIDATE)) {
        rc = pk_cloud_pick_workspace(pk, key, pk->o.workspace, e.account_id, e.workspace_id);
        if (rc != PK_OK)
            goto out;
        rc = PK_ERROR;
        learned = pk_cloud_learn_expiration(pk, &e);
    }

    if (pk_begin_change(pk, &lk) != 0)
        goto out;
    if (pp_entry_exists(&pk->cfg, e.name)) {
        if (!pk_has(pk, OPT_FORCE)) {
            pk_error("entry %s was added meanwhile by someone else: use rotate to change "
                           "its key. Nothing was changed.", e.name);
            goto out;
        }
        replaced = true;
    }
    if (pp_entry_save(&pk->cfg, &e, &pk->log) != 0)
        goto out;
    pp_fingerprint(key, fp);
    pp_notice(&pk->log, "%s entry=%s kind=%s account_id=%s workspace_id=%s fingerprint=%s "
              "expires=%s validated=%s by=%s", replaced ? "add (replacing)" : "add", e.name,
              pp_key_kind_name(e.kind), e.account_id, e.workspace_id, fp,
              when(e.has_expires, e.expires, t1),
              pk_has(pk, OPT_NO_VALIDATE) ? "no" : "yes", pk->invoker);
    pk_report(pk, "add", true, "%s entry %s: %s key, fingerprint %s, workspace %s/%s%s%s",
              replaced ? "replaced" : "added", e.name, pp_key_kind_name(e.kind), fp, e.account_id,
              e.workspace_id, e.has_expires ? ", expires " : "",
              e.has_expires ? pp_time_format(e.expires, t1) : "");
    pk_note_unknown_expiration(&e, learned);
    rc = PK_OK;
out:
    pk_end_change(pk, &lk);
    if (rc == PK_OK && !pk_has(pk, OPT_NO_VALIDATE))
        record_check(pk, &e);
    pp_entry_clear(&e);     /* wipes and frees the key */
    return rc;
}

/* ---- rotate ---- */

int pk_rotate(struct pk *pk, int argc, char **argv)
{
    struct pp_store_lock lk = { -1 };
    struct key_opts ko;
    struct pp_entry old, e;
    char newfp[PP_FP_SIZE], t1[PP_TIME_SIZE], msg[512];
    char *key = NULL;
    bool learned = false;
    int rc = PK_ERROR, r;

    if (pk_has(pk, OPT_FROM_CLOUD | OPT_DUE))
        return pk_rotate_from_cloud(pk, argc, argv);
    if (pk_has(pk, OPT_ADMIN_ENTRY | OPT_NO_EXPIRATION)) {
        pk_error("--admin-entry and --no-expiration go with --from-cloud or --due. Nothing "
                 "was changed.");
        return PK_ERROR;
    }
    memset(&old, 0, sizeof(old));
    memset(&e, 0, sizeof(e));
    if (argc > 1) {
        pk_error("rotate takes one operand, the entry name; keys are read from standard "
                       "input or --key-file, never from the command line. Nothing was changed.");
        return PK_ERROR;
    }
    if (argc < 1) {
        pk_error("rotate: which entry? usage: prefect-keys rotate NAME < keyfile");
        return PK_ERROR;
    }
    if (check_entry_name(argv[0]) != 0 || parse_key_opts(pk, &ko) != 0)
        return PK_ERROR;
    r = pp_entry_load(&pk->cfg, argv[0], &old, &pk->quiet);
    if (r == PP_ABSENT) {
        pk_error("no entry %s (add creates one). Nothing was changed.", argv[0]);
        return PK_ERROR;
    }
    if (r != 0) {
        pk_error("entry %s cannot be read: %s. Nothing was changed.", argv[0],
                       pk->quiet_sink.last_error);
        return PK_ERROR;
    }

    key = pk_read_key(pk, old.name);
    if (key == NULL)
        goto out;
    if (strcmp(key, old.key) == 0) {
        const char *what = NULL;

        if (same_as_entry(pk, &old, key, &ko, false, &what) == 1) {
            pp_fingerprint(key, newfp);
            pk_report(pk, "rotate", false, "entry %s already holds this key (fingerprint %s)",
                      old.name, newfp);
            rc = PK_OK;
        } else {
            pk_error("the new key is the one entry %s already holds, with another %s: "
                           "use add --force to replace the entry. Nothing was changed.",
                           old.name, what);
        }
        goto out;
    }

    /* The new entry: same name and workspace, the new key and what fits it. */
    snprintf(e.name, sizeof(e.name), "%s", old.name);
    e.key = key;
    key = NULL;
    e.kind = pp_key_kind_of(e.key);
    memcpy(e.account_id, old.account_id, sizeof(e.account_id));
    memcpy(e.workspace_id, old.workspace_id, sizeof(e.workspace_id));
    e.has_expires = ko.has_expires;
    e.expires = ko.expires;
    if (e.kind == PP_KIND_USER) {
        if (ko.key_id[0] != '\0') {
            memcpy(e.key_id, ko.key_id, sizeof(e.key_id));
            memcpy(e.user_id, ko.user_id[0] != '\0' ? ko.user_id : old.user_id,
                   sizeof(e.user_id));
        } else if (ko.user_id[0] != '\0') {
            pk_error("--user-id needs --key-id: the new key has its own key id");
            goto out;
        }
    }
    if (e.kind == PP_KIND_SERVICE_ACCOUNT)
        memcpy(e.service_account_id, ko.sa_id[0] != '\0' ? ko.sa_id : old.service_account_id,
               sizeof(e.service_account_id));
    else if (ko.sa_id[0] != '\0')
        memcpy(e.service_account_id, ko.sa_id, sizeof(e.service_account_id));
    if (check_ids_fit(e.kind, &e) != 0)
        goto out;
    if (pk_has(pk, OPT_COMMENT))
        e.comment = strdup(pk->o.comment);
    else if (old.comment != NULL)
        e.comment = strdup(old.comment);
    if ((pk_has(pk, OPT_COMMENT) || old.comment != NULL) && e.comment == NULL)
        goto out;
    e.has_added = true;
    e.added = pk->now;

    if (!pk_has(pk, OPT_NO_VALIDATE)) {
        rc = pk_cloud_confirm_workspace(pk, e.key, e.account_id, e.workspace_id);
        if (rc != PK_OK) {
            pk_error("entry %s keeps its old key", e.name);
            goto out;
        }
        rc = PK_ERROR;
        learned = pk_cloud_learn_expiration(pk, &e);
    }
    if (old.has_expires && !e.has_expires)
        pk_note(pk, "note: the old key's recorded expiration (%s) was dropped; give --expires for "
             "the new key's\n", pp_time_format(old.expires, t1));
    if (old.key_id[0] != '\0' && e.key_id[0] == '\0')
        pk_note(pk, "note: the old key's user and key ids were dropped; give --user-id and "
             "--key-id for the new key's\n");

    if (pk_save_rotation(pk, &old, &e, &lk, pk_has(pk, OPT_NO_VALIDATE) ? "no" : "yes", "",
                         msg, sizeof(msg)) != PK_OK)
        goto out;
    pk_report(pk, "rotate", true, "%s", msg);
    pk_note_unknown_expiration(&e, learned);
    rc = PK_OK;
out:
    pk_end_change(pk, &lk);
    pp_free_secret(key);
    pp_entry_clear(&e);
    pp_entry_clear(&old);
    return rc;
}

/* ---- remove ---- */

int pk_remove(struct pk *pk, int argc, char **argv)
{
    struct pp_store_lock lk = { -1 };
    struct pp_mapping m;
    struct pp_entry e;
    char fp[PP_FP_SIZE] = "unknown";
    const char *name;
    int rc = PK_ERROR;

    memset(&m, 0, sizeof(m));
    memset(&e, 0, sizeof(e));
    if (argc != 1) {
        pk_usage("usage: prefect-keys remove NAME [--force]");
        return PK_ERROR;
    }
    name = argv[0];
    if (check_entry_name(name) != 0)
        return PK_ERROR;
    if (!pp_entry_exists(&pk->cfg, name)) {
        pk_report(pk, "remove", false, "no entry %s", name);
        return PK_OK;
    }
    if (pk_begin_change(pk, &lk) != 0)
        goto out;
    if (!pp_entry_exists(&pk->cfg, name)) {
        pk_report(pk, "remove", false, "no entry %s (removed meanwhile)", name);
        rc = PK_OK;
        goto out;
    }
    if (pp_mapping_load(&pk->cfg, &m, &pk->log) != 0) {
        pk_error("the mapping cannot be read, so entry %s stays. Nothing was changed.",
                       name);
        goto out;
    }
    if (pp_mapping_uses(&m, name)) {
        char rules[1024];

        pp_mapping_uses_text(&m, name, rules, sizeof(rules));
        if (!pk_has(pk, OPT_FORCE)) {
            pk_error("entry %s is mapped (%s): unmap it first, or use --force to remove "
                           "the entry and those mappings. Nothing was changed.", name, rules);
            goto out;
        }
        /* Drop every rule naming the entry, then write the mapping once. */
        pp_mapping_unset_entry(&m, name);
        if (pp_mapping_save(&pk->cfg, &m, &pk->log) != 0)
            goto out;
        pp_notice(&pk->log, "unmap (remove --force) entry=%s rules=\"%s\" by=%s", name, rules,
                  pk->invoker);
        pk_note(pk, "removed the mappings of entry %s: %s\n", name, rules);
    }
    if (pp_entry_load(&pk->cfg, name, &e, &pk->quiet) == 0)
        pp_fingerprint(e.key, fp);
    if (pp_entry_remove(&pk->cfg, name, &pk->log) == -1)
        goto out;
    pp_notice(&pk->log, "remove entry=%s fingerprint=%s by=%s", name, fp, pk->invoker);
    pk_report(pk, "remove", true, "removed entry %s", name);
    /* Its last check says nothing any more; a failure here is only untidy. */
    if (pp_cache_remove(&pk->cfg, name, &pk->log) != 0)
        pk_warning("the cache record of entry %s stays in %s", name,
                       pk->cfg.cache_dir);
    rc = PK_OK;
out:
    pk_end_change(pk, &lk);
    pp_entry_clear(&e);
    pp_mapping_free(&m);
    return rc;
}

/* ---- map, unmap ---- */

static int parse_kind(const char *verb, const char *s, enum pp_match *kind)
{
    char show[96];

    if (!pp_match_parse(s, kind)) {
        pk_error("%s: \"%s\" is not user, group or default", verb,
                       pk_show(s, show, sizeof(show)));
        return -1;
    }
    return 0;
}

static int check_account(enum pp_match kind, const char *name)
{
    char show[96];

    if (!pp_account_name_valid(name) || pk_looks_like_key(name)) {
        pk_usage("invalid %s name \"%s\"", pp_match_name(kind), pk_show(name, show,
                                                                          sizeof(show)));
        return -1;
    }
    return 0;
}

/* Warn (not fail) when NSS does not know the account: it may come from LDAP later. */
static void warn_unknown_account(struct pk *pk, enum pp_match kind, const char *name)
{
    bool known;

    errno = 0;
    if (kind == PP_MATCH_USER)
        known = getpwnam(name) != NULL;
    else
        known = getgrnam(name) != NULL;
    if (!known)
        pk_warning("%s %s is not known on this host (NSS); mapping it anyway "
                       "(it may come from LDAP/SSSD later)", pp_match_name(kind), name);
}

/*
 * A group rule or the default covers root and the system accounts only when
 * the configuration says so; then say it, since every "sudo" to root would
 * get that key.
 */
static void warn_broad_rule(const struct pk *pk, enum pp_match kind, const char *entry)
{
    if (kind == PP_MATCH_USER || !pk->cfg.broad_rules_for_system_accounts
        || pk->cfg.minimum_uid >= pp_login_defs_uid_min(PP_LOGIN_DEFS, NULL, 0))
        return;
    if (pk->cfg.minimum_uid == 0)
        pk_warning("with broad_rules_for_system_accounts = true and minimum_uid = 0 in %s, "
                   "this %s rule gives entry %s to root (every sudo and su to root) and to "
                   "system accounts too", pk->cfg.config_path,
                   pp_match_name(kind), entry);
    else
        pk_warning("with broad_rules_for_system_accounts = true in %s, this %s rule gives "
                   "entry %s to system accounts with a uid of %ld or more too",
                   pk->cfg.config_path, pp_match_name(kind), entry,
                   pk->cfg.minimum_uid);
}

static const char map_usage[] =
    "usage: prefect-keys map user USER NAME | map group GROUP NAME | map default NAME";
static const char unmap_usage[] =
    "usage: prefect-keys unmap user USER | unmap group GROUP | unmap default";

/*
 * The operands of map (extra 1: the entry last) and unmap (extra 0): the
 * kind, and the user's or group's name (NULL for default). PK_OK, or
 * PK_ERROR after saying why.
 */
static int rule_operands(const char *verb, int argc, char **argv, int extra,
                         enum pp_match *kind, const char **name)
{
    *name = NULL;
    if (argc < 1 || parse_kind(verb, argv[0], kind) != 0
        || argc != (*kind == PP_MATCH_DEFAULT ? 1 : 2) + extra) {
        pk_usage("%s", extra ? map_usage : unmap_usage);
        return PK_ERROR;
    }
    if (*kind != PP_MATCH_DEFAULT) {
        *name = argv[1];
        if (check_account(*kind, *name) != 0)
            return PK_ERROR;
    }
    return PK_OK;
}

int pk_map(struct pk *pk, int argc, char **argv)
{
    struct pp_store_lock lk = { -1 };
    struct pp_mapping m;
    struct pp_entry e;
    enum pp_match kind;
    const char *name = NULL, *entry, *prev = NULL;
    char prevbuf[PP_ENTRY_NAME_MAX + 1] = "";
    int rc = PK_ERROR, r;

    memset(&m, 0, sizeof(m));
    memset(&e, 0, sizeof(e));
    r = rule_operands("map", argc, argv, 1, &kind, &name);
    if (r != PK_OK)
        return r;
    entry = argv[argc - 1];
    if (check_entry_name(entry) != 0)
        return PK_ERROR;
    if (pk_begin_change(pk, &lk) != 0)
        goto out;
    r = pp_entry_load(&pk->cfg, entry, &e, &pk->quiet);
    if (r == PP_ABSENT) {
        pk_error("no entry %s: add it first. Nothing was changed.", entry);
        goto out;
    }
    if (r != 0) {
        pk_error("entry %s cannot be read (%s): fix it first. Nothing was changed.",
                       entry, pk->quiet_sink.last_error);
        goto out;
    }
    if (pp_mapping_load(&pk->cfg, &m, &pk->log) != 0) {
        pk_error("the mapping cannot be read: fix or remove it. Nothing was changed.");
        goto out;
    }
    if (kind != PP_MATCH_DEFAULT)
        warn_unknown_account(pk, kind, name);
    warn_broad_rule(pk, kind, entry);
    if (kind == PP_MATCH_DEFAULT) {
        prev = m.default_entry;
    } else {
        const struct pp_map_rule *rules = kind == PP_MATCH_USER ? m.users : m.groups;
        size_t n = kind == PP_MATCH_USER ? m.nusers : m.ngroups;
        for (size_t i = 0; i < n; i++)
            if (strcmp(rules[i].name, name) == 0)
                prev = rules[i].entry;
    }
    if (prev != NULL) {
        snprintf(prevbuf, sizeof(prevbuf), "%s", prev);
        if (strcmp(prev, entry) == 0) {
            pk_report(pk, "map", false, "%s%s%s already maps to entry %s", pp_match_name(kind),
                      name ? " " : "", name ? name : "", entry);
            rc = PK_OK;
            goto out;
        }
    }
    if (pp_mapping_set(&m, kind, name, entry) != 0) {
        pp_error(&pk->log, "cannot set the mapping (out of memory)");
        goto out;
    }
    if (pp_mapping_save(&pk->cfg, &m, &pk->log) != 0)
        goto out;
    pp_notice(&pk->log, "map %s%s%s entry=%s%s%s by=%s", pp_match_name(kind), name ? "=" : "",
              name ? name : "", entry, prevbuf[0] ? " was=" : "", prevbuf, pk->invoker);
    pk_report(pk, "map", true, "mapped %s%s%s to entry %s%s%s%s", pp_match_name(kind),
              name ? " " : "", name ? name : "", entry, prevbuf[0] ? " (was " : "", prevbuf,
              prevbuf[0] ? ")" : "");
    rc = PK_OK;
out:
    pk_end_change(pk, &lk);
    pp_entry_clear(&e);
    pp_mapping_free(&m);
    return rc;
}

int pk_unmap(struct pk *pk, int argc, char **argv)
{
    struct pp_store_lock lk = { -1 };
    struct pp_mapping m;
    enum pp_match kind;
    const char *name = NULL;
    char was[PP_ENTRY_NAME_MAX + 1] = "";
    int rc = PK_ERROR, r;

    memset(&m, 0, sizeof(m));
    r = rule_operands("unmap", argc, argv, 0, &kind, &name);
    if (r != PK_OK)
        return r;
    if (pk_begin_change(pk, &lk) != 0)
        goto out;
    if (pp_mapping_load(&pk->cfg, &m, &pk->log) != 0) {
        pk_error("the mapping cannot be read: fix or remove it. Nothing was changed.");
        goto out;
    }
    if (kind == PP_MATCH_DEFAULT) {
        if (m.default_entry != NULL)
            snprintf(was, sizeof(was), "%s", m.default_entry);
    } else {
        const struct pp_map_rule *rules = kind == PP_MATCH_USER ? m.users : m.groups;
        size_t n = kind == PP_MATCH_USER ? m.nusers : m.ngroups;
        for (size_t i = 0; i < n; i++)
            if (strcmp(rules[i].name, name) == 0)
                snprintf(was, sizeof(was), "%s", rules[i].entry);
    }
    r = pp_mapping_unset(&m, kind, name);
    if (r == 1) {
        pk_report(pk, "unmap", false, "no mapping for %s%s%s", pp_match_name(kind),
                  name ? " " : "", name ? name : "");
        rc = PK_OK;
        goto out;
    }
    if (r != 0) {
        pp_error(&pk->log, "cannot remove the mapping");
        goto out;
    }
    if (pp_mapping_save(&pk->cfg, &m, &pk->log) != 0)
        goto out;
    pp_notice(&pk->log, "unmap %s%s%s was=%s by=%s", pp_match_name(kind), name ? "=" : "",
              name ? name : "", was, pk->invoker);
    pk_report(pk, "unmap", true, "unmapped %s%s%s (was entry %s)", pp_match_name(kind),
              name ? " " : "", name ? name : "", was);
    rc = PK_OK;
out:
    pk_end_change(pk, &lk);
    pp_mapping_free(&m);
    return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_rotate_cloud.c: rotate NAME --from-cloud and rotate --due DAYS.
 *
 * Promises: Prefect Cloud makes the new key (pp_cloud_rotate_service_key,
 * the one request, with the administrator key of another store entry); the
 * new key is checked like any rotated key (GET /me/workspaces: it must see
 * the entry's workspace) and then written in the entry's place by the same
 * code as every rotation (pk_save_rotation), with its api_key.id and
 * expiration. The store's lock is held from before the request until the
 * entry is written, so two rotations of one entry cannot cross. The key is
 * never printed, logged or put on a command line, and is wiped when done.
 * Only entries holding a service account key (pnb_) with their service
 * account id can be rotated this way; a bad or odd answer from Cloud
 * changes nothing and says why. --due DAYS rotates every such entry whose
 * key expires within DAYS (known from Cloud's answers or the entry), so
 * running it again changes nothing.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cache.h"
#include "cloud.h"
#include "pk.h"
#include "secret.h"
#include "timefmt.h"

#define DAY 86400L

/* While stdout carries JSON, the checks' text goes to stderr instead. */
static int text_to_stderr(struct pk *pk)
{
    int saved;

    if (!pk_has(pk, OPT_JSON))
        return -1;
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    if (saved >= 0)
        dup2(STDERR_FILENO, STDOUT_FILENO);
    return saved;
}

static void text_back(int saved)
{
    if (saved < 0)
        return;
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
}

/*
 * The new key's expiration: --expires, --no-expiration, or the old key's
 * lifetime (its expiration less the time it was stored) from now. -1 after
 * saying why.
 */
static int new_expiration(struct pk *pk, const struct pp_entry *old, bool *has, time_t *when)
{
    time_t t;

    *has = false;
    *when = 0;
    if (pk_has(pk, OPT_EXPIRES)) {
        if (pp_time_parse(pk->o.expires, &t) != 0 || t <= pk->now) {
            pk_error("--expires: \"%s\" is not a date in the future (YYYY-MM-DD or RFC 3339)",
                     pk_looks_like_key(pk->o.expires) ? "?" : pk->o.expires);
            return -1;
        }
        *has = true;
        *when = t;
        return 0;
    }
    if (pk_has(pk, OPT_NO_EXPIRATION) || !old->has_expires)
        return 0;
    if (!old->has_added || old->expires - old->added < DAY) {
        pk_error("entry %s: the old key's lifetime is not known (or under a day): give "
                 "--expires DATE or --no-expiration. Nothing was changed.", old->name);
        return -1;
    }
    *has = true;
    *when = pk->now + (old->expires - old->added);
    return 0;
}

/* Why an entry cannot be rotated through Cloud, or NULL if it can. */
static const char *not_rotatable(const struct pp_entry *e)
{
    if (e->kind != PP_KIND_SERVICE_ACCOUNT)
        return "it does not hold a service account key (pnb_); a user key is rotated "
               "with the new key on standard input";
    if (e->service_account_id[0] == '\0')
        return "it records no service account id (add the key again with --force and "
               "--service-account-id UUID)";
    return NULL;
}

/*
 * Rotate entry name through Cloud with admin's key. PK_OK with *changed
 * and msg, or PK_ERROR after saying why (nothing changed).
 */
static int rotate_one(struct pk *pk, const char *name, const struct pp_entry *admin,
                      char *msg, size_t msglen)
{
    struct pp_store_lock lk = { -1 };
    struct pp_entry old, e;
    struct pp_rotated_key rk;
    struct pp_cloud_answer ans;
    char extra[160], t[PP_TIME_SIZE];
    const char *why;
    bool has_exp;
    time_t exp;
    int rc = PK_ERROR, r, saved;

    memset(&old, 0, sizeof(old));
    memset(&e, 0, sizeof(e));
    memset(&rk, 0, sizeof(rk));
    if (pk_begin_change(pk, &lk) != 0)
        return PK_ERROR;
    r = pp_entry_load(&pk->cfg, name, &old, &pk->quiet);
    if (r == PP_ABSENT) {
        pk_error("no entry %s. Nothing was changed.", name);
        goto out;
    }
    if (r != 0) {
        pk_error("entry %s cannot be read: %s. Nothing was changed.", name,
                 pk->quiet_sink.last_error);
        goto out;
    }
    why = not_rotatable(&old);
    if (why != NULL) {
        pk_error("entry %s cannot be rotated through Prefect Cloud: %s. Nothing was changed.",
                 name, why);
        goto out;
    }
    if (new_expiration(pk, &old, &has_exp, &exp) != 0)
        goto out;

    memset(&ans, 0, sizeof(ans));
    pp_cloud_rotate_service_key(&pk->cfg, admin->key, old.account_id, old.service_account_id,
                                has_exp, exp, &rk, &ans, &pk->quiet);
    if (ans.status == PP_CLOUD_REJECTED) {
        pk_error("Prefect Cloud refused the administrator key of entry %s (%s): it must be "
                 "an account administrator's. Nothing was changed.", admin->name, ans.reason);
        goto out;
    }
    if (ans.status == PP_CLOUD_NOT_FOUND) {
        pk_error("Prefect Cloud knows no service account %s in account %s (%s). Nothing was "
                 "changed.", old.service_account_id, old.account_id, ans.reason);
        goto out;
    }
    if (ans.status != PP_CLOUD_OK) {
        pk_error("cannot rotate entry %s through Prefect Cloud: %s. Nothing was changed.",
                 name, ans.reason);
        goto out;
    }
    if (strcmp(rk.key, old.key) == 0) {
        pk_error("Prefect Cloud answered with the key entry %s already holds. Nothing was "
                 "changed.", name);
        goto out;
    }

    /* The new entry: the old one with the new key, its id and expiration. */
    snprintf(e.name, sizeof(e.name), "%s", old.name);
    e.key = rk.key;
    rk.key = NULL;
    e.kind = PP_KIND_SERVICE_ACCOUNT;
    memcpy(e.account_id, old.account_id, sizeof(e.account_id));
    memcpy(e.workspace_id, old.workspace_id, sizeof(e.workspace_id));
    memcpy(e.service_account_id, old.service_account_id, sizeof(e.service_account_id));
    memcpy(e.sa_key_id, rk.key_id, sizeof(e.sa_key_id));
    e.has_expires = rk.has_expires;
    e.expires = rk.expires;
    if (old.comment != NULL && (e.comment = strdup(old.comment)) == NULL)
        goto out;
    e.has_added = true;
    e.added = pk->now;

    saved = text_to_stderr(pk);
    r = pk_cloud_confirm_workspace(pk, e.key, e.account_id, e.workspace_id);
    text_back(saved);
    if (r != PK_OK) {
        pk_error("Prefect Cloud made a new key for entry %s (api_key.id %s) but it failed the "
                 "check, so it was not stored: the entry keeps its old key, which Cloud may "
                 "refuse; see the service account in Prefect Cloud", name, rk.key_id);
        goto out;
    }
    snprintf(extra, sizeof(extra), " from=cloud admin=%s key_id=%s", admin->name, rk.key_id);
    if (pk_save_rotation(pk, &old, &e, &lk, "yes", extra, msg, msglen) != PK_OK)
        goto out;
    {
        size_t n = strlen(msg);

        snprintf(msg + n, msglen - n, " (Prefect Cloud's key id %s, expires %s)", rk.key_id,
                 e.has_expires ? pp_time_format(e.expires, t) : "never");
    }
    rc = PK_OK;
out:
    pk_end_change(pk, &lk);
    pp_rotated_key_clear(&rk);
    pp_entry_clear(&e);
    pp_entry_clear(&old);
    return rc;
}

/* The administrator's entry: --admin-entry, else the default; -1 after saying why. */
static int load_admin(struct pk *pk, struct pp_entry *admin)
{
    const char *name = pk_has(pk, OPT_ADMIN_ENTRY) ? pk->o.admin_entry : PK_DEFAULT_ADMIN_ENTRY;
    char show[96];
    int r;

    if (!pp_entry_name_valid(name) || pk_looks_like_key(name)) {
        pk_usage("--admin-entry: invalid entry name \"%s\"", pk_show(name, show, sizeof(show)));
        return -1;
    }
    r = pp_entry_load(&pk->cfg, name, admin, &pk->quiet);
    if (r == PP_ABSENT) {
        pk_error("no administrator entry %s: add an account administrator's key as entry %s "
                 "(prefect-keys add %s), or name another with --admin-entry. Nothing was "
                 "changed.", name, name, name);
        return -1;
    }
    if (r != 0) {
        pk_error("administrator entry %s cannot be read: %s. Nothing was changed.", name,
                 pk->quiet_sink.last_error);
        return -1;
    }
    return 0;
}

/* rotate --due DAYS: every service account entry expiring within DAYS. */
static int rotate_due(struct pk *pk, const struct pp_entry *admin)
{
    struct json_object *done = NULL, *failed = NULL, *o;
    char **names = NULL, msg[512], summary[256];
    size_t n = 0, nrot = 0, nfail = 0;
    time_t limit = pk->now + pk->o.due_days * DAY, when;
    const char *source;
    int rc = PK_OK;

    if (pp_store_list(&pk->cfg, &names, &n, &pk->log) != 0)
        return PK_ERROR;
    done = json_object_new_array();
    failed = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        struct pp_entry e;
        bool due;

        memset(&e, 0, sizeof(e));
        if (pp_entry_load(&pk->cfg, names[i], &e, &pk->quiet) != 0)
            continue;       /* verify reports unusable entries */
        due = e.kind == PP_KIND_SERVICE_ACCOUNT
              && pk_expiration_of(pk, &e, &when, &source) == PK_EXP_DATE && when <= limit;
        if (due && e.service_account_id[0] == '\0') {
            pk_warning("entry %s expires within %ld days but records no service account id: "
                       "rotate it by hand", e.name, pk->o.due_days);
            json_object_array_add(failed, json_object_new_string(e.name));
            nfail++;
            due = false;
        }
        pp_entry_clear(&e);
        if (!due)
            continue;
        if (rotate_one(pk, names[i], admin, msg, sizeof(msg)) == PK_OK) {
            if (!pk_has(pk, OPT_JSON))
                printf("%s\n", msg);
            json_object_array_add(done, json_object_new_string(names[i]));
            nrot++;
        } else {
            json_object_array_add(failed, json_object_new_string(names[i]));
            nfail++;
        }
    }
    pp_names_free(names, n);
    if (nfail > 0)
        rc = PK_ERROR;
    if (nfail > 0)
        snprintf(summary, sizeof(summary), "%zu service account entr%s due within %ld days "
                 "rotated, %zu failed", nrot, nrot == 1 ? "y" : "ies", pk->o.due_days, nfail);
    else
        snprintf(summary, sizeof(summary), "%zu service account entr%s due within %ld days "
                 "rotated", nrot, nrot == 1 ? "y" : "ies", pk->o.due_days);
    if (pk_has(pk, OPT_JSON)) {
        o = pk_json_change("rotate", nrot > 0, summary);
        json_object_object_add(o, "rotated", done);
        json_object_object_add(o, "failed", failed);
        pk_json_print(o);
    } else {
        printf("%s%s\n", nrot ? "" : "unchanged: ", summary);
        json_object_put(done);
        json_object_put(failed);
    }
    return rc;
}

int pk_rotate_from_cloud(struct pk *pk, int argc, char **argv)
{
    struct pp_entry admin;
    char msg[512], show[96];
    int rc;

    if (pk_has(pk, OPT_EXPIRES) && pk_has(pk, OPT_NO_EXPIRATION)) {
        pk_error("give --expires or --no-expiration, not both. Nothing was changed.");
        return PK_ERROR;
    }
    if (pk_has(pk, OPT_COMMENT | OPT_USER_ID | OPT_KEY_ID | OPT_SA_ID | OPT_KEY_FILE
                       | OPT_NO_VALIDATE | OPT_FORCE)) {
        pk_error("--from-cloud and --due take only --admin-entry, --expires, --no-expiration "
                 "and --json: Prefect Cloud makes the key, and it is always checked. Nothing "
                 "was changed.");
        return PK_ERROR;
    }
    if (pk_has(pk, OPT_DUE) && (argc != 0 || pk_has(pk, OPT_FROM_CLOUD))) {
        pk_usage("usage: prefect-keys rotate --due DAYS [--admin-entry ENTRY] (no entry name, "
                 "no --from-cloud: --due picks the entries)");
        return PK_ERROR;
    }
    if (!pk_has(pk, OPT_DUE) && argc != 1) {
        pk_usage("usage: prefect-keys rotate NAME --from-cloud [--admin-entry ENTRY] "
                 "[--expires DATE|--no-expiration]");
        return PK_ERROR;
    }
    if (argc == 1 && (!pp_entry_name_valid(argv[0]) || pk_looks_like_key(argv[0]))) {
        pk_usage("invalid entry name \"%s\"", pk_show(argv[0], show, sizeof(show)));
        return PK_ERROR;
    }
    memset(&admin, 0, sizeof(admin));
    if (load_admin(pk, &admin) != 0)
        return PK_ERROR;
    if (pk_has(pk, OPT_DUE)) {
        rc = rotate_due(pk, &admin);
    } else {
        rc = rotate_one(pk, argv[0], &admin, msg, sizeof(msg));
        if (rc == PK_OK)
            pk_report(pk, "rotate", true, "%s", msg);
    }
    pp_entry_clear(&admin);
    return rc;
}

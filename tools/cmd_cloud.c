/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_cloud.c: what prefect-keys asks Prefect Cloud: the check of a new key
 * inside add and rotate (GET /me/workspaces, and the expiration when the
 * key's ids are known), and the check verb, which re-checks entries through
 * the host's cache (check.h) and reports each. Every request is the check
 * program's (check.h): prefect-keys itself links no Cloud client.
 */
#include <config.h>

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "checkmsg.h"
#include "cloud.h"
#include "pk.h"
#include "secret.h"
#include "timefmt.h"
#include "verdict.h"

/* "account_handle/workspace_handle" of every workspace, for messages. */
static void list_handles(const struct pp_workspace *ws, size_t n, char *out, size_t outlen)
{
    char a[96], w[96];
    size_t off = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n && off < outlen; i++) {
        int k = snprintf(out + off, outlen - off, "%s%s/%s (%s/%s)", i ? ", " : "",
                         pp_log_safe(ws[i].account_handle, a, sizeof(a)),
                         pp_log_safe(ws[i].workspace_handle, w, sizeof(w)), ws[i].account_id,
                         ws[i].workspace_id);
        if (k < 0)
            break;
        off += (size_t)k;
    }
    if (n == 0)
        snprintf(out, outlen, "none");
}

/*
 * Ask Cloud which workspaces key sees, through the check program
 * (checkask.h: pp_check_validate). PK_OK with *ws, else says why.
 */
static int ask_workspaces(struct pk *pk, const char *key, struct pp_workspace **ws, size_t *n)
{
    struct pp_check_answer a;
    struct pp_cloud_answer ans;
    struct pp_entry e;

    memset(&e, 0, sizeof(e));
    e.key = (char *)key;
    *ws = NULL;
    *n = 0;
    pp_check_validate(&pk->cfg, &e, PP_ASK_WORKSPACES, &a, &pk->quiet);
    ans = a.ws_ans;
    *ws = a.ws;
    *n = a.nws;
    a.ws = NULL;
    pp_checkmsg_answer_clear(&a);
    switch (ans.status) {
    case PP_CLOUD_OK:
        return PK_OK;
    case PP_CLOUD_REJECTED:
        pk_error("Prefect Cloud rejected the key (%s): it is invalid, revoked or "
                       "expired. Nothing was changed.", ans.reason);
        return PK_PROBLEM;
    case PP_CLOUD_NOT_FOUND:
    case PP_CLOUD_UNREACHABLE:
        break;
    }
    pk_error("cannot check the key with Prefect Cloud at %s: %s. Nothing was changed "
                   "(--no-validate with --workspace ACCOUNT_ID/WORKSPACE_ID stores it "
                   "unchecked).", pk->cfg.api_url, ans.reason);
    free(*ws);
    *ws = NULL;
    return PK_ERROR;
}

/* Split "A/W"; lowercase copies of UUIDs. Returns 1 for ids, 0 for handles, -1 bad. */
static int split_workspace(const char *arg, char *a, size_t alen, char *w, size_t wlen)
{
    const char *slash = strchr(arg, '/');
    size_t la;

    if (slash == NULL || strchr(slash + 1, '/') != NULL || slash == arg || slash[1] == '\0')
        return -1;
    la = (size_t)(slash - arg);
    if (la >= alen || strlen(slash + 1) >= wlen)
        return -1;
    memcpy(a, arg, la);
    a[la] = '\0';
    snprintf(w, wlen, "%s", slash + 1);
    for (const char *p = arg; *p != '\0'; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
            return -1;
    if (strlen(a) == PP_UUID_LEN && strlen(w) == PP_UUID_LEN) {
        char la_[PP_UUID_LEN + 1], lw[PP_UUID_LEN + 1];
        for (size_t i = 0; i <= PP_UUID_LEN; i++) {
            la_[i] = (char)tolower((unsigned char)a[i]);
            lw[i] = (char)tolower((unsigned char)w[i]);
        }
        if (pp_uuid_valid(la_) && pp_uuid_valid(lw)) {
            memcpy(a, la_, sizeof(la_));
            memcpy(w, lw, sizeof(lw));
            return 1;
        }
    }
    return 0;
}

int pk_cloud_pick_workspace(struct pk *pk, const char *key, const char *ws_arg,
                            char account_id[PP_UUID_LEN + 1],
                            char workspace_id[PP_UUID_LEN + 1])
{
    struct pp_workspace *ws = NULL, *pick = NULL;
    char a[160], w[160], handles[2048], show[96];
    size_t n = 0;
    int ids = -1, rc;

    if (ws_arg != NULL) {
        ids = split_workspace(ws_arg, a, sizeof(a), w, sizeof(w));
        if (ids < 0) {
            pk_error("--workspace: \"%s\" is neither ACCOUNT_ID/WORKSPACE_ID nor "
                           "account_handle/workspace_handle", pk_show(ws_arg, show,
                                                                     sizeof(show)));
            return PK_ERROR;
        }
    }
    rc = ask_workspaces(pk, key, &ws, &n);
    if (rc != PK_OK)
        return rc;
    list_handles(ws, n, handles, sizeof(handles));
    if (ws_arg == NULL) {
        if (n == 1) {
            pick = &ws[0];
        } else if (n == 0) {
            pk_error("the key is valid but sees no workspace: nothing to export it "
                           "for. Nothing was changed.");
            free(ws);
            return PK_PROBLEM;
        } else {
            pk_error("the key sees %zu workspaces; choose one with --workspace "
                           "account_handle/workspace_handle: %s. Nothing was changed.", n,
                           handles);
            free(ws);
            return PK_ERROR;
        }
    } else {
        for (size_t i = 0; i < n && pick == NULL; i++) {
            if (ids == 1 ? strcmp(ws[i].account_id, a) == 0 && strcmp(ws[i].workspace_id, w) == 0
                         : strcmp(ws[i].account_handle, a) == 0
                               && strcmp(ws[i].workspace_handle, w) == 0)
                pick = &ws[i];
        }
        if (pick == NULL) {
            pk_error("the key is valid but cannot use workspace %s; it sees: %s. Nothing "
                           "was changed.", pk_show(ws_arg, show, sizeof(show)), handles);
            free(ws);
            return PK_PROBLEM;
        }
    }
    snprintf(account_id, PP_UUID_LEN + 1, "%s", pick->account_id);
    snprintf(workspace_id, PP_UUID_LEN + 1, "%s", pick->workspace_id);
    pk_note(pk, "checked with Prefect Cloud: the key is valid and sees workspace %s/%s\n",
            pp_log_safe(pick->account_handle, a, sizeof(a)),
            pp_log_safe(pick->workspace_handle, w, sizeof(w)));
    free(ws);
    return PK_OK;
}

int pk_cloud_confirm_workspace(struct pk *pk, const char *key, const char *account_id,
                               const char *workspace_id)
{
    struct pp_workspace *ws = NULL;
    char handles[2048];
    size_t n = 0;
    int rc;

    rc = ask_workspaces(pk, key, &ws, &n);
    if (rc != PK_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ws[i].account_id, account_id) == 0
            && strcmp(ws[i].workspace_id, workspace_id) == 0) {
            pk_note(pk, "checked with Prefect Cloud: the new key is valid and sees the entry's "
                    "workspace\n");
            free(ws);
            return PK_OK;
        }
    }
    list_handles(ws, n, handles, sizeof(handles));
    pk_error("the new key is valid but cannot use the entry's workspace %s/%s (it sees: "
                   "%s)", account_id, workspace_id, handles);
    free(ws);
    return PK_PROBLEM;
}

bool pk_cloud_learn_expiration(struct pk *pk, struct pp_entry *e)
{
    struct pp_check_answer a;
    struct pp_cloud_answer ans;
    char t1[PP_TIME_SIZE], t2[PP_TIME_SIZE];
    bool has = false;
    time_t when = 0;

    if (e->key_id[0] == '\0' && e->service_account_id[0] == '\0')
        return false;
    pp_check_validate(&pk->cfg, e, PP_ASK_EXPIRATION, &a, &pk->quiet);
    ans = a.exp_ans;
    has = a.has_expires;
    when = a.expires;
    pp_checkmsg_answer_clear(&a);
    if (ans.status != PP_CLOUD_OK) {
        pk_note(pk, "note: the key's expiration could not be read from Cloud (%s)%s\n", ans.reason,
                e->has_expires ? "; keeping --expires" : "");
        return false;
    }
    /*
     * The service account's record describes its current key: remember its
     * id, so that after a rotation in Cloud (the old key still working for
     * a while) the new key's expiration is never taken for this one's.
     */
    if (e->service_account_id[0] != '\0' && e->user_id[0] == '\0') {
        snprintf(e->sa_key_id, sizeof(e->sa_key_id), "%s", ans.key_id);
        if (ans.key_id[0] != '\0')
            pk_note(pk, "the service account's record names this key as api_key.id %s\n",
                    ans.key_id);
    }
    if (!has) {
        pk_note(pk, "Prefect Cloud says the key never expires%s\n",
                e->has_expires ? " (--expires is recorded anyway)" : "");
        return true;
    }
    if (e->has_expires && e->expires != when)
        pk_note(pk, "note: Prefect Cloud says the key expires %s, not %s: recording Cloud's\n",
                pp_time_format(when, t1), pp_time_format(e->expires, t2));
    else
        pk_note(pk, "Prefect Cloud says the key expires %s\n", pp_time_format(when, t1));
    e->has_expires = true;
    e->expires = when;
    return true;
}

void pk_note_unknown_expiration(const struct pp_entry *e, bool cloud_answered)
{
    bool user = e->kind != PP_KIND_SERVICE_ACCOUNT;

    if (e->has_expires || cloud_answered)
        return;
    fprintf(stderr, "note: the expiration of entry %s is unknown, so no one is warned before it "
                    "expires and \"expiring\" cannot list it. To make it known, add the key again "
                    "with --force and %s (read from Prefect Cloud at every check; see prefect-keys(8)), "
                    "or --expires DATE\n", e->name,
                    user ? "--user-id UUID --key-id UUID" : "--service-account-id UUID");
}

/* ---- check ---- */

int pk_check(struct pk *pk, int argc, char **argv)
{
    struct json_object *root = NULL, *list = NULL;
    char **names = NULL;
    size_t n = 0;
    bool json = pk_has(pk, OPT_JSON), own = false;
    int rc = PK_OK;

    if (argc > 0 && pk_has(pk, OPT_ALL)) {
        pk_usage("check: give entry names or --all, not both");
        return PK_ERROR;
    }
    if (argc > 0) {
        names = argv;
        n = (size_t)argc;
        for (size_t i = 0; i < n; i++) {
            char show[96];
            if (!pp_entry_name_valid(names[i]) || pk_looks_like_key(names[i])) {
                pk_usage("invalid entry name \"%s\"", pk_show(names[i], show,
                                                                    sizeof(show)));
                return PK_ERROR;
            }
        }
    } else {
        if (pp_store_list(&pk->cfg, &names, &n, &pk->log) != 0)
            return PK_ERROR;
        own = true;
        if (n == 0 && !json)
            printf("no entries in %s\n", pk->cfg.store);
    }
    if (json) {
        root = pk_json_answer();
        list = json_object_new_array();
        json_object_object_add(root, "entries", list);
    }
    for (size_t i = 0; i < n; i++) {
        struct pp_verdict v;
        struct pp_entry e;
        char fp[PP_FP_SIZE], t[PP_TIME_SIZE];
        const char *source;
        time_t when;
        int r;

        memset(&v, 0, sizeof(v));
        r = pp_entry_load(&pk->cfg, names[i], &e, &pk->quiet);
        if (r == 0 && pp_verdict_with(&pk->cfg, &e, time(NULL), PP_VERDICT_FORCE, &v,
                                      &pk->log) != 0) {
            pp_entry_clear(&e);
            r = -3;
        }
        if (r != 0) {
            const char *why = r == PP_ABSENT ? "no such entry"
                              : r == -3 ? "the check failed locally (see the log)"
                                        : pk->quiet_sink.last_error;
            rc = r == PP_ABSENT ? PK_ERROR : (rc == PK_ERROR ? rc : PK_PROBLEM);
            if (json) {
                json_object_array_add(list, pk_unusable_json(names[i], why));
            } else {
                printf("%s: ERROR: %s\n", names[i], why);
            }
            continue;
        }
        pp_fingerprint(e.key, fp);
        if (pp_outcome_info(v.outcome)->problem && rc == PK_OK)
            rc = PK_PROBLEM;
        pp_notice(&pk->log, "check entry=%s fingerprint=%s outcome=%s by=%s", e.name, fp,
                  pp_outcome_name(v.outcome), pk->invoker);
        if (json) {
            struct json_object *o = json_object_new_object();
            json_object_object_add(o, "name", json_object_new_string(e.name));
            json_object_object_add(o, "fingerprint", json_object_new_string(fp));
            json_object_object_add(o, "outcome",
                                   json_object_new_string(pp_outcome_name(v.outcome)));
            json_object_object_add(o, "exported", json_object_new_boolean(v.export_key));
            json_object_object_add(o, "expires",
                                   v.has_expires ? json_object_new_string(
                                                       pp_time_format(v.expires, t))
                                                 : NULL);
            json_object_object_add(o, "expiration", json_object_new_string(pk_expiration_name(
                                                        pk_expiration_of(pk, &e, &when,
                                                                         &source))));
            json_object_object_add(o, "from_cache", json_object_new_boolean(v.from_cache));
            json_object_object_add(o, "reason",
                                   v.reason[0] ? json_object_new_string(v.reason) : NULL);
            json_object_object_add(o, "error", NULL);
            json_object_array_add(list, o);
        } else {
            printf("%s: %s%s%s%s\n", e.name, pp_outcome_name(v.outcome),
                   v.reason[0] ? " (" : "", v.reason, v.reason[0] ? ")" : "");
            if (v.has_expires)
                printf("  expires %s\n", pp_time_format(v.expires, t));
            else if (pk_expiration_of(pk, &e, &when, &source) == PK_EXP_NEVER)
                printf("  never expires (Prefect Cloud says so)\n");
            else
                printf("  expiration unknown (%s)\n", pk_unknown_expiration_hint(&e));
        }
        pp_entry_clear(&e);
    }
    if (json)
        pk_json_print(root);
    if (own)
        pp_names_free(names, n);
    return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * change.c: what every verb that changes the store shares (pk.h), so that
 * the verbs' files (cmd_change.c, cmd_rotate_cloud.c) call it and never
 * each other: the store's one lock with its directories made safe first
 * (pk_begin_change, pk_end_change), the outcome on stdout, text or --json
 * (pk_report), and the tail of every rotation (pk_save_rotation): under
 * the lock, the entry is still the one checked, the new key is written in
 * its place atomically and one line is logged, with fingerprints, never
 * the key. Notes beside the outcome (pk_note) go where they cannot spoil
 * --json's one object.
 */
#include <config.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pk.h"
#include "store_write.h"
#include "timefmt.h"

/* ---- what a changing verb reports ---- */

/*
 * The outcome of a changing verb on stdout: the message, prefixed with
 * "unchanged: " when nothing was written; with --json the object
 * {version, verb, changed, message} instead.
 */
static void vreport(struct pk *pk, const char *verb, bool changed, const char *fmt,
                    va_list ap) __attribute__((format(printf, 4, 0)));
static void vreport(struct pk *pk, const char *verb, bool changed, const char *fmt,
                    va_list ap)
{
    char msg[1024];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (!pk_has(pk, OPT_JSON)) {
        printf("%s%s\n", changed ? "" : "unchanged: ", msg);
        return;
    }
    pk_json_print(pk_json_change(verb, changed, msg));
}

void pk_report(struct pk *pk, const char *verb, bool changed, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(pk, verb, changed, fmt, ap);
    va_end(ap);
}

void pk_note(struct pk *pk, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(pk_has(pk, OPT_JSON) ? stderr : stdout, fmt, ap);
    va_end(ap);
}

/* ---- the store's lock and directories ---- */

static int prepare_dir(struct pk *pk, const char *dir, const char *what)
{
    char err[PP_ERRLEN], fix[PATH_MAX + 64];
    bool created;

    if (pp_dir_make(dir, true, &created, err, sizeof(err)) != 0) {
        pk_dir_fix(dir, true, fix, sizeof(fix));
        pp_error(&pk->log, "%s directory unusable: %s", what, err);
        if (fix[0] != '\0')
            pk_error("to fix: %s", fix);
        return -1;
    }
    if (created)
        pp_notice(&pk->log, "created the %s directory %s (root:root 0700) by=%s", what, dir,
                  pk->invoker);
    return 0;
}

int pk_begin_change(struct pk *pk, struct pp_store_lock *lk)
{
    char err[PP_ERRLEN];
    int n;

    lk->fd = -1;
    if (prepare_dir(pk, pk->cfg.store, "store") != 0
        || prepare_dir(pk, pk->cfg.cache_dir, "cache") != 0)
        return -1;
    if (pp_store_lock(pk->cfg.store, lk, err, sizeof(err)) != 0) {
        pp_error(&pk->log, "%s", err);
        return -1;
    }
    n = pp_clean_temps(pk->cfg.store, NULL, NULL, err, sizeof(err));
    if (n < 0) {
        pp_error(&pk->log, "%s", err);
        pp_store_unlock(lk);
        return -1;
    }
    if (n > 0)
        pp_notice(&pk->log, "removed %d temp file%s left in %s by an interrupted run", n,
                  n == 1 ? "" : "s", pk->cfg.store);
    return 0;
}

void pk_end_change(struct pk *pk, struct pp_store_lock *lk)
{
    (void)pk;
    pp_store_unlock(lk);
}

/* ---- the tail of every rotation ---- */

int pk_save_rotation(struct pk *pk, const struct pp_entry *old, const struct pp_entry *e,
                     struct pp_store_lock *lk, const char *validated, const char *extra,
                     char *msg, size_t msglen)
{
    struct pp_entry now_e;
    char oldfp[PP_FP_SIZE], newfp[PP_FP_SIZE], t1[PP_TIME_SIZE];
    int rc = PK_ERROR, r;

    memset(&now_e, 0, sizeof(now_e));
    if (lk->fd < 0 && pk_begin_change(pk, lk) != 0)
        return PK_ERROR;
    /* Under the lock: the entry must still be the one we checked against. */
    r = pp_entry_load(&pk->cfg, old->name, &now_e, &pk->quiet);
    if (r != 0 || strcmp(now_e.account_id, old->account_id) != 0
        || strcmp(now_e.workspace_id, old->workspace_id) != 0) {
        pk_error("entry %s was removed or changed meanwhile by someone else. Nothing "
                       "was changed.", old->name);
        goto out;
    }
    if (pp_entry_save(&pk->cfg, e, &pk->log) != 0)
        goto out;
    pp_fingerprint(now_e.key, oldfp);
    pp_fingerprint(e->key, newfp);
    pp_notice(&pk->log, "rotate entry=%s kind=%s old_fingerprint=%s fingerprint=%s "
              "expires=%s validated=%s%s by=%s", e->name, pp_key_kind_name(e->kind), oldfp,
              newfp, e->has_expires ? pp_time_format(e->expires, t1) : "none", validated, extra,
              pk->invoker);
    snprintf(msg, msglen, "rotated entry %s: fingerprint %s -> %s", e->name, oldfp, newfp);
    rc = PK_OK;
out:
    pp_entry_clear(&now_e);
    return rc;
}

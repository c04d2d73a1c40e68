/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pk.h: what the parts of prefect-keys share.
 *
 * prefect-keys.c parses the command line, loads the configuration and runs
 * one verb; keyinput.c reads a key; cmd_change.c holds the verbs that
 * change the store (add, rotate, remove, map, unmap) and
 * cmd_rotate_cloud.c rotate --from-cloud and --due, both on change.c (the
 * lock, the report, a rotation's tail); cmd_show.c the verbs that read it
 * (list, explain, expiring), cmd_cloud.c what talks to Cloud (check,
 * and the key checks inside add and rotate), cmd_verify.c the audit.
 * Every verb returns an exit status: PK_OK, PK_PROBLEM or PK_ERROR.
 */
#ifndef PK_H
#define PK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "mapping.h"
#include "names.h"
#include "safefile.h"
#include "store.h"
#include "store_write.h"

enum { PK_OK = 0, PK_PROBLEM = 1, PK_ERROR = 2 };

/* The entry holding the administrator key of rotate --from-cloud/--due. */
#define PK_DEFAULT_ADMIN_ENTRY "cloud-admin"


/* Options, as bits of struct pk_opts.given. */
enum {
    OPT_CONFIG = 1 << 0,
    OPT_EXPIRES = 1 << 1,
    OPT_COMMENT = 1 << 2,
    OPT_USER_ID = 1 << 3,
    OPT_KEY_ID = 1 << 4,
    OPT_SA_ID = 1 << 5,
    OPT_WORKSPACE = 1 << 6,
    OPT_KEY_FILE = 1 << 7,
    OPT_NO_VALIDATE = 1 << 8,
    OPT_FORCE = 1 << 9,
    OPT_JSON = 1 << 10,
    OPT_ALL = 1 << 11,
    OPT_WITHIN = 1 << 12,
    OPT_SERVICE = 1 << 13,
    OPT_CHECK = 1 << 14,
    OPT_OUTPUT = 1 << 15,
    OPT_OFFLINE = 1 << 16,
    OPT_FROM_CLOUD = 1 << 17,
    OPT_ADMIN_ENTRY = 1 << 18,
    OPT_NO_EXPIRATION = 1 << 19,
    OPT_DUE = 1 << 20,
};

struct pk_opts {
    unsigned given;
    const char *config;
    const char *expires;
    const char *comment;
    const char *user_id;
    const char *key_id;
    const char *service_account_id;
    const char *workspace;
    const char *key_file;
    const char *within;
    const char *service;
    long within_days;           /* --within, parsed */
    const char *output;         /* metrics --output */
    const char *admin_entry;    /* rotate --admin-entry */
    const char *due;            /* rotate --due DAYS */
    long due_days;              /* --due, parsed */
};

/* Where the log lines go (see prefect-keys.c). */
struct pk_sink {
    bool to_syslog;
    bool to_stderr;         /* warnings and errors also on stderr */
    char last_error[PP_ERRLEN];
};

struct pk {
    struct pp_config cfg;
    struct pp_log log;          /* syslog (authpriv) + stderr */
    struct pk_sink sink;
    struct pp_log quiet;        /* keeps only the last error (for audits) */
    struct pk_sink quiet_sink;
    struct pk_opts o;
    char invoker[PP_ACCOUNT_NAME_MAX + 32];
    time_t now;
};

static inline bool pk_has(const struct pk *pk, unsigned opt)
{
    return (pk->o.given & opt) != 0;
}

/*
 * pkmsg.c: messages to the person at the terminal, on stderr only (the log
 * has its own lines): a usage mistake, an error ("prefect-keys: ..."), a
 * warning ("prefect-keys: warning: ..."). Never a key.
 */
void pk_usage(const char *fmt, ...) PP_PRINTF(1, 2);
void pk_error(const char *fmt, ...) PP_PRINTF(1, 2);
void pk_warning(const char *fmt, ...) PP_PRINTF(1, 2);

/* s made safe to show (pp_log_safe), or a placeholder if it looks like a key. */
const char *pk_show(const char *s, char *out, size_t outlen);

/* Whether s holds something like a Prefect key (pnu_/pnb_), so it is never echoed. */
bool pk_looks_like_key(const char *s);

/* keyinput.c: read, trim and check a key for entry name (stdin or --key-file).
 * Returns a secret (free with pp_free_secret) or NULL after saying why. */
char *pk_read_key(struct pk *pk, const char *name);
/* The checks on a key alone; NULL if fine, else the reason (no key in it). */
const char *pk_key_problem(const char *key, bool force);

/* Store helpers (change.c). */
int pk_begin_change(struct pk *pk, struct pp_store_lock *lk);
void pk_end_change(struct pk *pk, struct pp_store_lock *lk);

/*
 * The tail of every rotation (change.c): under the store's lock (taken
 * here unless lk is held already), check that entry old is still there with
 * its workspace, write e in its place atomically, log one line (validated:
 * "yes"/"no"; extra: more " field=value" text, or "") and put the outcome
 * in msg. PK_OK, or PK_ERROR after saying why (nothing changed).
 */
int pk_save_rotation(struct pk *pk, const struct pp_entry *old, const struct pp_entry *e,
                     struct pp_store_lock *lk, const char *validated, const char *extra,
                     char *msg, size_t msglen);
/* cmd_rotate_cloud.c: rotate NAME --from-cloud, rotate --due DAYS. */
int pk_rotate_from_cloud(struct pk *pk, int argc, char **argv);
/* The changing verbs' outcome on stdout, text or --json (change.c). */
void pk_report(struct pk *pk, const char *verb, bool changed, const char *fmt, ...)
    PP_PRINTF(4, 5);
/*
 * A note beside a verb's outcome (what a check found, how an expiration
 * was learned): on stdout, or on stderr when stdout is --json's one object
 * (change.c).
 */
void pk_note(struct pk *pk, const char *fmt, ...) PP_PRINTF(2, 3);

/* Verbs. argv holds the verb's operands only. */
int pk_add(struct pk *pk, int argc, char **argv);
int pk_rotate(struct pk *pk, int argc, char **argv);
int pk_remove(struct pk *pk, int argc, char **argv);
int pk_map(struct pk *pk, int argc, char **argv);
int pk_unmap(struct pk *pk, int argc, char **argv);
int pk_list(struct pk *pk, int argc, char **argv);
int pk_explain(struct pk *pk, int argc, char **argv);
int pk_expiring(struct pk *pk, int argc, char **argv);
int pk_check(struct pk *pk, int argc, char **argv);
int pk_verify(struct pk *pk, int argc, char **argv);
/* verify without a loaded configuration: audit the config file only. */
int pk_verify_config_only(struct pk *pk, const char *path);

/* cmd_cloud.c: the key's check with Cloud inside add and rotate. */
int pk_cloud_pick_workspace(struct pk *pk, const char *key, const char *ws_arg,
                            char account_id[PP_UUID_LEN + 1],
                            char workspace_id[PP_UUID_LEN + 1]);
int pk_cloud_confirm_workspace(struct pk *pk, const char *key, const char *account_id,
                               const char *workspace_id);
/*
 * Read e's expiration from Cloud when e records the ids; updates e when found.
 * Returns whether Cloud answered (with a date or "never").
 */
bool pk_cloud_learn_expiration(struct pk *pk, struct pp_entry *e);
/*
 * After add or rotate: when e's expiration is still unknown, say so on
 * standard output, with the two ways to make it known.
 */
void pk_note_unknown_expiration(const struct pp_entry *e, bool cloud_answered);

/* cmd_verify.c: how to fix an unsafe directory or file (empty when fine). */
void pk_dir_fix(const char *dir, bool private_dir, char *fix, size_t fixlen);
void pk_file_fix(const char *path, bool secret, char *fix, size_t fixlen);

/*
 * cmd_show.c: what is known of e's expiration: a date (from Cloud's answer
 * in the last check of this key, else the one recorded in the entry), that
 * Cloud says it never expires, or nothing. *t and *source ("cloud",
 * "entry") are set for PK_EXP_DATE.
 */
enum pk_expiration { PK_EXP_UNKNOWN = 0, PK_EXP_NEVER, PK_EXP_DATE };
enum pk_expiration pk_expiration_of(struct pk *pk, const struct pp_entry *e, time_t *t,
                                    const char **source);
/* Why e's expiration is unknown and what makes it known, for messages. */
const char *pk_unknown_expiration_hint(const struct pp_entry *e);
/* "unknown", "never" or "date" (the JSON form). */
const char *pk_expiration_name(enum pk_expiration x);

/* cmd_show.c: describe the last check of e (cache), for list and explain. */
struct json_object;
/* pkjson.c: a --json answer, {"version": 1} to add to. */
struct json_object *pk_json_answer(void);
/* pkjson.c: a changing verb's answer, {version, verb, changed, message}. */
struct json_object *pk_json_change(const char *verb, bool changed, const char *message);
/* pkjson.c: print o as every --json answer is printed, then free it. */
void pk_json_print(struct json_object *o);
struct json_object *pk_last_check_json(struct pk *pk, const struct pp_entry *e);
/* The --json form of an entry that cannot be used: {"name": ..., "error": why}. */
struct json_object *pk_unusable_json(const char *name, const char *why);
void pk_last_check_text(struct pk *pk, const struct pp_entry *e, char *out, size_t outlen);
/* cmd_metrics.c: the node_exporter textfile of every entry. */
int pk_metrics(struct pk *pk, int argc, char **argv);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mapping.h: the rules saying which entry a user gets, and their file.
 *
 * The mapping file "{store}/mapping" (libconfig, root 0600):
 *   users  = ( { name = "alice"; entry = "alice-key"; } );
 *   groups = ( { name = "prefect-users"; entry = "svc-batch"; } );   # order matters
 *   default = "svc-default";                                         # optional
 * A missing mapping file (or a missing store) is an empty mapping.
 * Which entry a user gets from it is resolve.h's.
 *
 * The file is strict: a bad or duplicate name, a rule without name or
 * entry, or a value of the wrong type makes the whole mapping invalid (one
 * error line "PATH:LINE: what"); unknown settings are logged and ignored.
 */
#ifndef PP_MAPPING_H
#define PP_MAPPING_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "log.h"
#include "names.h"
#include "safefile.h"

struct pp_map_rule {
    char *name;     /* user or group name */
    char *entry;    /* entry name */
};

struct pp_mapping {
    struct pp_map_rule *users;
    size_t nusers;
    struct pp_map_rule *groups;     /* in file order */
    size_t ngroups;
    char *default_entry;            /* NULL: none */
    /*
     * Users with a uid below this (root, system accounts) get only their own
     * user rule, never a group rule or the default; 0: no such limit. Set by
     * pp_mapping_load: UID_MIN of login.defs unless the configuration's
     * broad_rules_for_system_accounts is true.
     */
    long broad_rules_uid_min;
    /* the identity of the login.defs it came from (pp_login_defs_uid_min) */
    char login_defs_id[PP_FILE_ID_SIZE];
};

enum pp_match { PP_MATCH_NONE = 0, PP_MATCH_USER, PP_MATCH_GROUP, PP_MATCH_DEFAULT };

/* A rule kind's one name: "user", "group", "default", or "none" (PP_MATCH_NONE). */
const char *pp_match_name(enum pp_match m);

/* The rule kind s names ("user", "group" or "default"); false (m untouched) for any other. */
bool pp_match_parse(const char *s, enum pp_match *m);

/* "{store}/mapping" into out. 0, or -1 if no store is set or out is too small. */
int pp_mapping_path(const struct pp_config *cfg, char *out, size_t outlen);

/*
 * Write m as the store's mapping, atomically (store_write.h; the caller
 * holds the store lock). 0, or -1 (logged).
 */
int pp_mapping_save(const struct pp_config *cfg, const struct pp_mapping *m,
                    const struct pp_log *log);

/* The rules that name entry, as "user U, group G, default" ("" when none). */
void pp_mapping_uses_text(const struct pp_mapping *m, const char *entry, char *out,
                          size_t outlen);

/* Remove every rule that names entry (prefect-keys remove --force); how many. */
int pp_mapping_unset_entry(struct pp_mapping *m, const char *entry);

/* Load "{cfg->store}/mapping". 0, or -1 (logged: path, line, what). */
int pp_mapping_load(const struct pp_config *cfg, struct pp_mapping *m,
                    const struct pp_log *log);

/*
 * UID_MIN of the login.defs(5) at path, or PP_UID_MIN_DEFAULT (1000) if it
 * says none. With id non-NULL, also the identity of the file read into id
 * (idlen bytes): pp_file_identity's, "-" when there is no such file, ""
 * when it is not known (not settled, unreadable).
 */
#define PP_UID_MIN_DEFAULT 1000L
#ifndef PP_LOGIN_DEFS
#define PP_LOGIN_DEFS "/etc/login.defs"
#endif
long pp_login_defs_uid_min(const char *path, char *id, size_t idlen);

/*
 * The identity pp_login_defs_uid_min would give for path now, from stat
 * alone: a warm login compares it with its memo's instead of reading the
 * file.
 */
void pp_login_defs_id(const char *path, char *id, size_t idlen);

/*
 * The broad_rules_uid_min a mapping loaded under cfg gets (0: group rules
 * and the default apply to all), and into id (PP_FILE_ID_SIZE bytes) the
 * identity of the login.defs it came from ("" when cfg lets broad rules
 * apply to all, so no file was read).
 */
long pp_mapping_uid_min(const struct pp_config *cfg, char *id);

/* Parse mapping text (read safely by the caller); path for messages. */
int pp_mapping_parse(const char *text, const char *path, struct pp_mapping *m,
                     const struct pp_log *log);

/* The libconfig text of m (malloc'd, NUL-terminated). 0 or -1. */
int pp_mapping_format(const struct pp_mapping *m, char **out, size_t *outlen);

/*
 * Read "{store}/mapping" safely into *buf (*len bytes, NUL-terminated; free
 * it with pp_free_buf(*buf, *len + 1)), its path into path and its
 * identity (safefile.h; "" while not settled) into id. 0; 1 when there is
 * no store or no mapping file (an empty mapping; *buf NULL); -1 (logged).
 */
int pp_mapping_read(const struct pp_config *cfg, char path[PATH_MAX], char **buf,
                    size_t *len, char id[PP_FILE_ID_SIZE], const struct pp_log *log);

/*
 * The mapping in buf, as pp_mapping_read left it (NULL: an empty one),
 * into m as pp_mapping_load does; buf is freed. 0, or -1 (logged).
 */
int pp_mapping_from_text(const struct pp_config *cfg, char *buf, size_t len, const char *path,
                         struct pp_mapping *m, const struct pp_log *log);

/*
 * The identity (safefile.h; "" while not settled) of the mapping file as
 * it is now, after the checks a read makes, without reading it. Returns 0,
 * 1 when there is no store or no mapping file, -1 (logged).
 */
int pp_mapping_file_id(const struct pp_config *cfg, char id[PP_FILE_ID_SIZE],
                       const struct pp_log *log);

/*
 * Setters used by prefect-keys (names validated; 0 or -1, m unchanged on
 * -1). A new rule goes last; an existing one keeps its place. For
 * PP_MATCH_DEFAULT name is ignored.
 */
int pp_mapping_set(struct pp_mapping *m, enum pp_match kind, const char *name,
                   const char *entry);
/* 0 if removed, 1 if there was no such rule, -1 on bad arguments. */
int pp_mapping_unset(struct pp_mapping *m, enum pp_match kind, const char *name);
/* Whether any rule names entry. */
bool pp_mapping_uses(const struct pp_mapping *m, const char *entry);

void pp_mapping_free(struct pp_mapping *m);

#endif

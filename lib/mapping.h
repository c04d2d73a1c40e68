/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mapping.h: which entry a user gets.
 *
 * The mapping file "{store}/mapping" (libconfig, root 0600):
 *   users  = ( { name = "alice"; entry = "alice-key"; } );
 *   groups = ( { name = "prefect-users"; entry = "svc-batch"; } );   # order matters
 *   default = "svc-default";                                         # optional
 * A missing mapping file (or a missing store) is an empty mapping.
 *
 * Resolution, as pam_prefect.conf(5) says: the user's own rule; else the first group
 * rule, in the file's order, whose group the user belongs to (primary or
 * supplementary, through NSS: getpwnam_r, getgrouplist, getgrnam_r); else
 * the default; else none. Root and system accounts (a uid below
 * m->broad_rules_uid_min) get only a user rule. A matched rule decides: if it names an entry that
 * does not exist, the user gets nothing (no falling through to a broader
 * rule).
 *
 * A user NSS does not know gets only a user rule or the default: group
 * rules never match (even a group file that lists the name as a member).
 * A group rule whose group NSS does not know is skipped. Membership is the
 * user's primary gid, the group's member list (getgrnam_r), or
 * getgrouplist's list; since getgrouplist cannot report a source that
 * failed, a group whose member list names the user matches whatever
 * getgrouplist says.
 *
 * NSS is asked only when there are group rules. "Not found" is glibc's
 * NOTFOUND (0 and no result); any error from getpwnam_r or getgrnam_r,
 * ENOENT and EPERM included (what a source that cannot be reached leaves,
 * e.g. nss-ldap without nslcd), fails the resolution with the error line
 * "NSS could not answer for user|group NAME (why): ..." and the user gets
 * no key: never a broader rule's. (nss_wrapper answers "not found" with
 * ENOENT, so the tests use a test NSS source through glibc instead.)
 *
 * The file is strict: a bad or duplicate name, a rule without name or
 * entry, or a value of the wrong type makes the whole mapping invalid (one
 * error line "PATH:LINE: what"); unknown settings are logged and ignored.
 */
#ifndef PP_MAPPING_H
#define PP_MAPPING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"
#include "log.h"
#include "names.h"

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
};

enum pp_match { PP_MATCH_NONE = 0, PP_MATCH_USER, PP_MATCH_GROUP, PP_MATCH_DEFAULT };

/* A rule kind's one name: "user", "group", "default", or "none" (PP_MATCH_NONE). */
const char *pp_match_name(enum pp_match m);

/* The rule kind s names ("user", "group" or "default"); false (m untouched) for any other. */
bool pp_match_parse(const char *s, enum pp_match *m);

struct pp_resolution {
    enum pp_match match;
    char entry[PP_ENTRY_NAME_MAX + 1];       /* "" for PP_MATCH_NONE */
    char group[PP_ACCOUNT_NAME_MAX + 1];     /* for PP_MATCH_GROUP */
};

/*
 * One step of the walk, for prefect-keys explain (also logged in debug).
 * name: the user (rule PP_MATCH_USER), the group (PP_MATCH_GROUP), or ""
 * (PP_MATCH_DEFAULT, and the PP_MATCH_GROUP step "no group rules"); entry:
 * the rule's entry or "" when there is none; never NULL. why, e.g.
 * "no rule for user alice", "no such group x: rule skipped",
 * "alice is not in group x", "alice is in group x (supplementary): entry e",
 * "default: entry e", "no default".
 */
typedef void (*pp_resolve_trace)(void *ctx, enum pp_match rule, const char *name,
                                 const char *entry, bool matched, const char *why);

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

/* UID_MIN of the login.defs(5) at path, or PP_UID_MIN_DEFAULT (1000) if it says none. */
#define PP_UID_MIN_DEFAULT 1000L
#ifndef PP_LOGIN_DEFS
#define PP_LOGIN_DEFS "/etc/login.defs"
#endif
long pp_login_defs_uid_min(const char *path);

/* Parse mapping text (read safely by the caller); path for messages. */
int pp_mapping_parse(const char *text, const char *path, struct pp_mapping *m,
                     const struct pp_log *log);

/* The libconfig text of m (malloc'd, NUL-terminated). 0 or -1. */
int pp_mapping_format(const struct pp_mapping *m, char **out, size_t *outlen);

/*
 * Resolve user. Returns 0 with *res filled (match may be NONE); -1 if the
 * user name is invalid or NSS failed (logged). trace may be NULL.
 */
int pp_mapping_resolve(const struct pp_mapping *m, const char *user,
                       struct pp_resolution *res, const struct pp_log *log,
                       pp_resolve_trace trace, void *trace_ctx);

/*
 * pp_mapping_resolve for a user the caller has looked up already
 * (pp_user_lookup: known, its uid and primary group): NSS is not asked for
 * the user again (decide.h looks a user up once).
 */
int pp_mapping_resolve_known(const struct pp_mapping *m, const char *user, bool known,
                             uid_t uid, gid_t primary, struct pp_resolution *res,
                             const struct pp_log *log, pp_resolve_trace trace, void *trace_ctx);

/*
 * A login's resolution (decide.h): pp_mapping_load, then
 * pp_mapping_resolve_known, except that a user whose own rule matched is
 * remembered in the cache directory ("{cache_dir}/USER.user": the mapping
 * file's identity, safefile.h, and the entry) and, while the mapping file
 * keeps that identity, resolved from there without parsing the mapping
 * (which is most of a warm login's own work). Only user rules: a group or
 * default result depends on NSS (and on login.defs' UID_MIN), which may
 * change while the file does not.
 * Nothing is remembered before the mapping file has settled, nor into a
 * cache directory that does not exist. Returns as pp_mapping_resolve, or
 * -2 when the mapping cannot be read or parsed (logged, as pp_mapping_load).
 * mapping_id: the identity of the mapping file read ("" when none or not
 * settled).
 */
#define PP_USER_MEMO_SUFFIX ".user"
int pp_mapping_resolve_login(const struct pp_config *cfg, const char *user, bool known,
                             uid_t uid, gid_t primary, struct pp_resolution *res,
                             char mapping_id[PP_FILE_ID_SIZE], const struct pp_log *log);

/*
 * The identity (safefile.h; "" while not settled) of the mapping file as
 * it is now, after the checks a read makes, without reading it. Returns 0,
 * 1 when there is no store or no mapping file, -1 (logged).
 */
int pp_mapping_file_id(const struct pp_config *cfg, char id[PP_FILE_ID_SIZE],
                       const struct pp_log *log);

/*
 * The user's uid and primary gid through NSS (either pointer may be NULL).
 * 1 found, 0 unknown to NSS, -1 NSS failed (logged).
 */
int pp_user_lookup(const char *user, uid_t *uid, gid_t *gid, const struct pp_log *log);

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

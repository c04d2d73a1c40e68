/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * resolve.h: which entry a user gets from a mapping (mapping.h).
 *
 * The walk, as pam_prefect.conf(5) says: the user's own rule; else the
 * first group rule, in the file's order, whose group the user belongs to
 * (primary or supplementary, through NSS: nsslookup.h); else the default;
 * else none. Root and system accounts (a uid below m->broad_rules_uid_min)
 * get only a user rule. A matched rule decides: if it names an entry that
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
 * NSS is asked only when there are group rules (or the system-account
 * limit needs the uid). A failure of NSS (nsslookup.h) fails the
 * resolution and the user gets no key: never a broader rule's. (nss_wrapper
 * answers "not found" with ENOENT, so the tests use a test NSS source
 * through glibc instead.)
 */
#ifndef PP_RESOLVE_H
#define PP_RESOLVE_H

#include <stdbool.h>
#include <sys/types.h>

#include "log.h"
#include "mapping.h"
#include "names.h"

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

/* A group rule's group, as NSS gave it (pp_group_lookup). */
struct pp_rule_group {
    char name[PP_ACCOUNT_NAME_MAX + 1];
    bool found;                     /* NSS knows the group */
    gid_t gid;
    bool listed;                    /* the user is among its listed members */
};

/*
 * What NSS answered for a walk, asked by the caller beforehand (decide.c
 * gathers it for the login memo): the user's group list (getgrouplist) and
 * the group rules' groups in rule order, up to the one that matched or all
 * of them. A walk given it asks NSS for none of these again.
 */
struct pp_walk_nss {
    const gid_t *gids;
    size_t ngids;
    const struct pp_rule_group *groups;
    size_t ngroups;
};

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
 * the user again (decide.h looks a user up once), nor, given nss (else
 * NULL), for the groups it holds.
 */
int pp_mapping_resolve_known(const struct pp_mapping *m, const char *user, bool known,
                             uid_t uid, gid_t primary, const struct pp_walk_nss *nss,
                             struct pp_resolution *res, const struct pp_log *log,
                             pp_resolve_trace trace, void *trace_ctx);

/*
 * The walk's membership test for a group rule whose group NSS knows (gid;
 * listed: its member list names the user), for a user of primary group
 * primary and getgrouplist's list gids (ngids): the rule matches.
 */
bool pp_group_rule_holds(gid_t gid, bool listed, gid_t primary, const gid_t *gids, size_t ngids);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * resolve.c: the mapping's walk for one user (see resolve.h).
 */
#include <config.h>

#include "resolve.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsslookup.h"

/* Report one step of the walk: to the trace callback and the debug log. */
static void step(pp_resolve_trace trace, void *ctx, const struct pp_log *log,
                 enum pp_match rule, const char *name, const char *entry, bool matched,
                 const char *fmt, ...) PP_PRINTF(8, 9);

static void step(pp_resolve_trace trace, void *ctx, const struct pp_log *log,
                 enum pp_match rule, const char *name, const char *entry, bool matched,
                 const char *fmt, ...)
{
    char why[1024];
    va_list ap;

    if (trace == NULL && (log == NULL || !log->debug))
        return;     /* nobody reads it: not even formatted */
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    pp_debug(log, "mapping: %s", why);
    if (trace != NULL)
        trace(ctx, rule, name, entry != NULL ? entry : "", matched, why);
}

static void set_result(struct pp_resolution *res, enum pp_match match, const char *entry,
                       const char *group)
{
    size_t n;

    /* Truncated as snprintf would (names are validated shorter); at every login. */
    res->match = match;
    n = strnlen(entry, sizeof(res->entry) - 1);
    memcpy(res->entry, entry, n);
    res->entry[n] = '\0';
    n = strnlen(group, sizeof(res->group) - 1);
    memcpy(res->group, group, n);
    res->group[n] = '\0';
}

/*
 * Group rule i's group: from nss when it holds it, else from NSS (r of
 * pp_group_lookup).
 */
static int rule_group(const struct pp_mapping *m, size_t i, const char *user,
                      const struct pp_walk_nss *nss, gid_t *gid, bool *listed,
                      const struct pp_log *log)
{
    const struct pp_rule_group *g;

    if (nss == NULL || i >= nss->ngroups || strcmp(nss->groups[i].name, m->groups[i].name) != 0)
        return pp_group_lookup(m->groups[i].name, user, gid, listed, log);
    g = &nss->groups[i];
    *gid = g->gid;
    *listed = g->listed;
    return g->found ? 1 : 0;
}

/*
 * The walk. known: 1 or 0 when the caller has looked the user up already
 * (uid and primary are then its own), -1 to look up here if group rules or
 * the system-account limit need it. nss: as pp_mapping_resolve_known.
 */
static int resolve(const struct pp_mapping *m, const char *user, int known, uid_t uid,
                   gid_t primary, const struct pp_walk_nss *nss, struct pp_resolution *res,
                   const struct pp_log *log, pp_resolve_trace trace, void *trace_ctx)
{
    char safe[80];
    gid_t *owned = NULL;
    const gid_t *gids = NULL;
    size_t ngids = 0;
    int n = 0;
    size_t i;

    memset(res, 0, sizeof(*res));
    if (!pp_account_name_valid(user)) {
        pp_error(log, "invalid user name '%s'",
                 pp_log_safe(user != NULL ? user : "", safe, sizeof(safe)));
        return -1;
    }

    for (i = 0; i < m->nusers; i++) {
        if (strcmp(m->users[i].name, user) == 0) {
            step(trace, trace_ctx, log, PP_MATCH_USER, user, m->users[i].entry, true,
                 "rule for user %s: entry %s", user, m->users[i].entry);
            set_result(res, PP_MATCH_USER, m->users[i].entry, "");
            return 0;
        }
    }
    step(trace, trace_ctx, log, PP_MATCH_USER, user, NULL, false, "no rule for user %s", user);

    if (m->broad_rules_uid_min > 0 && (m->ngroups > 0 || m->default_entry != NULL)) {
        if (known < 0)
            known = pp_user_lookup(user, &uid, &primary, log);
        if (known < 0)
            return -1;
        if (known > 0 && (long long)uid < (long long)m->broad_rules_uid_min) {
            step(trace, trace_ctx, log, PP_MATCH_GROUP, "", NULL, false,
                 "uid %lu is below UID_MIN %ld (root or a system account): group rules and "
                 "the default do not apply (broad_rules_for_system_accounts = false)",
                 (unsigned long)uid, m->broad_rules_uid_min);
            set_result(res, PP_MATCH_NONE, "", "");
            return 0;
        }
    }

    if (m->ngroups == 0) {
        step(trace, trace_ctx, log, PP_MATCH_GROUP, "", NULL, false, "no group rules");
    } else {
        if (known < 0)
            known = pp_user_lookup(user, NULL, &primary, log);
        if (known < 0)
            return -1;
        if (known > 0 && nss != NULL) {
            gids = nss->gids;
            ngids = nss->ngids;
        } else if (known > 0) {
            if (pp_user_groups(user, primary, &owned, &n, log) != 0)
                return -1;
            gids = owned;
            ngids = n > 0 ? (size_t)n : 0;
        }
    }

    for (i = 0; i < m->ngroups; i++) {
        const struct pp_map_rule *g = &m->groups[i];
        bool listed = false;
        gid_t gid;
        int r;

        if (!known) {
            step(trace, trace_ctx, log, PP_MATCH_GROUP, g->name, g->entry, false,
                 "%s is not known to NSS, so not in group %s", user, g->name);
            continue;
        }
        r = rule_group(m, i, user, nss, &gid, &listed, log);
        if (r < 0) {
            free(owned);
            return -1;
        }
        if (r == 0) {
            step(trace, trace_ctx, log, PP_MATCH_GROUP, g->name, g->entry, false,
                 "no such group %s: rule skipped", g->name);
            continue;
        }
        if (!pp_group_rule_holds(gid, listed, primary, gids, ngids)) {
            step(trace, trace_ctx, log, PP_MATCH_GROUP, g->name, g->entry, false,
                 "%s is not in group %s", user, g->name);
            continue;
        }
        step(trace, trace_ctx, log, PP_MATCH_GROUP, g->name, g->entry, true,
             "%s is in group %s (%s): entry %s", user, g->name,
             gid == primary ? "primary" : "supplementary", g->entry);
        set_result(res, PP_MATCH_GROUP, g->entry, g->name);
        free(owned);
        return 0;
    }
    free(owned);

    if (m->default_entry != NULL) {
        step(trace, trace_ctx, log, PP_MATCH_DEFAULT, "", m->default_entry, true,
             "default: entry %s", m->default_entry);
        set_result(res, PP_MATCH_DEFAULT, m->default_entry, "");
        return 0;
    }
    step(trace, trace_ctx, log, PP_MATCH_DEFAULT, "", NULL, false, "no default");
    set_result(res, PP_MATCH_NONE, "", "");
    return 0;
}

bool pp_group_rule_holds(gid_t gid, bool listed, gid_t primary, const gid_t *gids, size_t ngids)
{
    size_t k;

    /*
     * getgrouplist cannot report a source that failed, so the group's own
     * member list (from getgrnam_r, which can) counts too.
     */
    if (gid == primary || listed)
        return true;
    for (k = 0; k < ngids; k++) {
        if (gids[k] == gid)
            return true;
    }
    return false;
}

int pp_mapping_resolve(const struct pp_mapping *m, const char *user,
                       struct pp_resolution *res, const struct pp_log *log,
                       pp_resolve_trace trace, void *trace_ctx)
{
    return resolve(m, user, -1, 0, 0, NULL, res, log, trace, trace_ctx);
}

int pp_mapping_resolve_known(const struct pp_mapping *m, const char *user, bool known,
                             uid_t uid, gid_t primary, const struct pp_walk_nss *nss,
                             struct pp_resolution *res, const struct pp_log *log,
                             pp_resolve_trace trace, void *trace_ctx)
{
    return resolve(m, user, known ? 1 : 0, uid, primary, nss, res, log, trace, trace_ctx);
}

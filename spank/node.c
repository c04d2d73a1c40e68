/*
 * node.c: the decision for a job step (node.h), from the core's calls:
 * mapping, store, verdict. The service name in scope checks and log lines
 * is "slurm".
 */
#include <config.h>

#include "node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mapping.h"
#include "store.h"
#include "verdict.h"

#define NODE_SERVICE "slurm"

/* Why the key is not exported, in the user's words. */
static const char *user_words(enum pp_outcome o)
{
    switch (o) {
    case PP_OUT_EXPIRED:
        return "has expired";
    case PP_OUT_REJECTED:
        return "was rejected by Prefect Cloud (revoked, invalid or expired)";
    case PP_OUT_NO_WORKSPACE:
        return "no longer has access to its Prefect Cloud workspace";
    case PP_OUT_UNREACHABLE:
        return "could not be checked: Prefect Cloud could not be reached";
    default:
        return "could not be used";
    }
}

/* A mapped user gets no key: the log line, the notice, deny or not. */
static void no_key(const struct pp_config *cfg, struct node_result *r, const char *entry,
                   const char *outcome, const char *reason, const char *words,
                   const struct pp_log *log)
{
    r->what = NODE_NO_KEY;
    r->deny = cfg->on_failure == PP_ON_FAILURE_DENY;
    pp_log(log, r->deny ? LOG_ERR : LOG_WARNING,
           "service=" NODE_SERVICE " entry=%s fingerprint=%s outcome=%s reason=%s; "
           "no key exported, %s", entry != NULL ? entry : "-", r->fp, outcome, reason,
           r->deny ? "job step refused (on_failure=deny)"
                   : "job step continues without it (on_failure=ignore)");
    snprintf(r->notice, sizeof(r->notice),
             "spank_prefect: no Prefect API key was set for this job: %s%s %s.%s",
             entry != NULL ? "entry " : "", entry != NULL ? entry : "the key mapping", words,
             r->deny ? " The job step is refused." : "");
}

static int use_entry(const struct pp_config *cfg, const char *entry, struct node_result *r,
                     const struct pp_log *log)
{
    struct pp_entry e;
    struct pp_verdict v;
    int rc;

    memset(&e, 0, sizeof(e));
    memset(&v, 0, sizeof(v));
    rc = pp_entry_load(cfg, entry, &e, log);
    if (rc != 0) {
        no_key(cfg, r, entry, "error", rc == -2 ? "the mapped key entry is missing from the store"
               : "the key entry cannot be used (see the line before)",
               rc == -2 ? "is missing from the key store" : "could not be read from the key store",
               log);
        goto out;
    }
    pp_fingerprint(e.key, r->fp);
    if (pp_verdict_for(cfg, &e, time(NULL), &v, log) != 0) {
        no_key(cfg, r, entry, "error", "the key could not be checked (see the line before)",
               "could not be checked", log);
        goto out;
    }
    if (!v.export_key) {
        no_key(cfg, r, entry, pp_outcome_name(v.outcome), v.reason, user_words(v.outcome), log);
        goto out;
    }
    r->key = pp_strdup_secret(e.key);
    if (r->key == NULL
        || asprintf(&r->url, "%s/accounts/%s/workspaces/%s", cfg->api_url, e.account_id,
                    e.workspace_id) < 0) {
        r->url = NULL;
        pp_free_secret(r->key);
        r->key = NULL;
        pp_entry_clear(&e);
        pp_error(log, "service=" NODE_SERVICE " out of memory");
        return -1;
    }
    r->what = NODE_EXPORT;
    pp_notice(log, "service=" NODE_SERVICE " entry=%s fingerprint=%s outcome=%s reason=%s; "
              "exported PREFECT_API_KEY and PREFECT_API_URL", entry, r->fp,
              pp_outcome_name(v.outcome), v.reason);
out:
    pp_entry_clear(&e);
    return 0;
}

int node_decide(const struct pp_config *cfg, const char *user, uid_t uid,
                struct node_result *r, const struct pp_log *log)
{
    struct pp_mapping map;
    struct pp_resolution res;
    int rc = 0;

    memset(r, 0, sizeof(*r));
    snprintf(r->fp, sizeof(r->fp), "-");
    r->what = NODE_SKIP;
    if (!pp_config_service_in_scope(cfg, NODE_SERVICE)) {
        pp_debug(log, "service=" NODE_SERVICE " not in services: nothing to do");
        return 0;
    }
    if ((long long)uid < (long long)cfg->minimum_uid) {
        pp_debug(log, "service=" NODE_SERVICE " uid %ld below minimum_uid %ld: nothing to do",
                 (long)uid, cfg->minimum_uid);
        return 0;
    }
    memset(&map, 0, sizeof(map));
    memset(&res, 0, sizeof(res));
    if (pp_mapping_load(cfg, &map, log) != 0)
        no_key(cfg, r, NULL, "error", "the mapping cannot be used (see the line before)",
               "could not be read", log);
    else if (pp_mapping_resolve(&map, user, &res, log, NULL, NULL) != 0)
        no_key(cfg, r, NULL, "error", "the mapping could not be resolved for this user "
               "(see the line before)", "could not be resolved", log);
    else if (res.match == PP_MATCH_NONE)
        pp_debug(log, "service=" NODE_SERVICE " no user, group or default rule in the "
                 "mapping: nothing to do");
    else
        rc = use_entry(cfg, res.entry, r, log);
    pp_mapping_free(&map);
    return rc;
}

void node_result_clear(struct node_result *r)
{
    pp_free_secret(r->key);
    free(r->url);
    memset(r, 0, sizeof(*r));
}

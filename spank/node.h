/*
 * node.h: what a job step on this node gets, for the Slurm plugin.
 *
 * Promises: one call decides for the job's user, the way a PAM login of
 * that user is decided (SPEC.md "Session behaviour"): scope (the service
 * name "slurm" against services, minimum_uid), the mapping, the store entry,
 * the verdict through the host-wide cache (so job steps and logins share one
 * Cloud check per key per cache_ttl, and wait no longer than timeout_ms).
 * Every decision about a mapped user is one log line, never a key. The key,
 * when there is one to export, is handed over in a buffer the caller wipes
 * with node_result_clear.
 */
#ifndef PP_SPANK_NODE_H
#define PP_SPANK_NODE_H

#include <stdbool.h>
#include <sys/types.h>

/* verdict.h brings the core's config.h (pp_config) and log.h. */
#include "secret.h"
#include "verdict.h"

enum node_what {
    NODE_SKIP,          /* out of scope, unmapped, no configuration: nothing to do */
    NODE_EXPORT,        /* key, url and fp are set */
    NODE_NO_KEY,        /* a mapped user's key is not exported (notice says why) */
};

struct node_result {
    enum node_what what;
    bool deny;              /* NODE_NO_KEY under on_failure = "deny" */
    char *key;              /* secret: NODE_EXPORT only */
    char *url;              /* PREFECT_API_URL's value: NODE_EXPORT only */
    char fp[PP_FP_SIZE];
    char notice[384];       /* for the job's error output; "" when none */
};

/* Decide for user (uid) with cfg. 0 (r filled) or -1 (out of memory, logged). */
int node_decide(const struct pp_config *cfg, const char *user, uid_t uid,
                struct node_result *r, const struct pp_log *log);

/* Wipe the key and free what r holds. */
void node_result_clear(struct node_result *r);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * decide.h: what a login of a user through a service gets, decided once
 * for every front end (the PAM module, prefect-keys explain and check, the
 * Slurm plugin).
 *
 * Promises: pp_decide() takes the configuration, a user name, the calling
 * service (or none), the time and whether Cloud may be asked, and fills a
 * struct pp_decision with everything a front end needs; a front end adds
 * only its own calls (PAM items, conversation, setting the variables,
 * return codes). pp_decide gathers the facts and the judge (judge.h)
 * rules on them: every outcome rule, the scope, the user's sentence and the
 * decision line are the judge's. The order:
 *   1. scope (pp_judge_scope): outcome "out-of-scope", ruling.scope says
 *      why. The user is looked up through NSS once (getpwnam_r), only when
 *      the judge asks and the caller has not (in->nss); the mapping uses
 *      that lookup's primary group.
 *   2. the mapping (mapping.h): no rule is "no-rule"; a mapping that cannot
 *      be read or resolved is "error";
 *   3. the matched entry is loaded from the store: missing or unreadable is
 *      "error" (a matched rule decides: nothing broader is tried);
 *   4. the verdict (verdict.h): the recorded expiration, then, with
 *      validate, the cached check, or a Cloud request when network is true;
 *      with network false and no fresh cached result the outcome is
 *      "needs-check" and nothing is exported.
 * The outcome row (outcome.h) says whether the key is exported. When it is,
 * key and url hold PREFECT_API_KEY's and PREFECT_API_URL's values, owned by
 * the decision and wiped by pp_decision_free. Days left are
 * pp_days_left()'s (timefmt.h: one rounding rule for every front end). The user's
 * sentence and the decision line are ready-made in ruling; the line never
 * holds a key, only the fingerprint.
 */
#ifndef PP_DECIDE_H
#define PP_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "conf.h"
#include "judge.h"
#include "log.h"
#include "resolve.h"
#include "names.h"
#include "outcome.h"
#include "secret.h"
#include "store.h"
#include "timefmt.h"

struct pp_rule_group;      /* resolve.h */

struct pp_decide_in {
    const struct pp_config *cfg;
    const char *user;               /* as the front end got it (untrusted; NULL: none) */
    const char *service;            /* NULL: none (services does not apply) */
    time_t now;
    bool network;                   /* Cloud may be asked */
    enum pp_nss nss;                /* NSS's answer for user when the caller has looked it
                                       up (uid, gid); PP_NSS_NOT_ASKED: pp_decide asks */
    uid_t uid;
    gid_t gid;
    pp_resolve_trace trace;         /* optional: each step of the mapping walk */
    void *trace_ctx;
};

struct pp_decision {
    /* the outcome part, all the judge's (judge.h): scope, outcome, the
     * user's sentence and the decision line */
    struct pp_ruling ruling;

    /* the user */
    bool known_user;                /* NSS knows the user (uid and gid valid) */
    uid_t uid;
    gid_t gid;
    char service[128];              /* sanitised for log lines; "-" when none */
    time_t now;                     /* the time decided for */

    /* the rule that matched (match PP_MATCH_NONE when none or not reached) */
    struct pp_resolution rule;
    char mapping_id[PP_FILE_ID_SIZE];   /* the mapping file's identity (a login's; "" if not known) */
    /* a login's NSS facts for its memo (memo.h), gathered before the mapping
     * was resolved (malloc'd; freed by pp_decision_free); uid_min -1: none */
    gid_t *groups;
    size_t ngroups;
    struct pp_rule_group *rule_groups;
    size_t nrule_groups;
    long uid_min;                   /* the mapping's broad_rules_uid_min */
    char login_defs_id[PP_FILE_ID_SIZE];    /* and its login.defs' identity */
    char rule_words[PP_ACCOUNT_NAME_MAX + 32];   /* "user rule", "group rule G", ... */

    /* the entry (have_entry: loaded; its key is wiped by pp_decision_free) */
    bool have_entry;
    bool entry_missing;             /* the matched rule names an entry not in the store */
    struct pp_entry entry;
    char fingerprint[PP_FP_SIZE];   /* "-" when there is no key */

    /* what to export (both NULL unless ruling.exports) */
    char *key;                      /* secret: PREFECT_API_KEY's value */
    char *url;                      /* PREFECT_API_URL's value */
};

/*
 * Decide. Returns 0 with d filled (a local error is the outcome "error",
 * not a failed call); -1 only when in or in->cfg is NULL (d then zeroed). Always pair with pp_decision_free.
 */
int pp_decide(const struct pp_decide_in *in, struct pp_decision *d, const struct pp_log *log);

/* What a login front end asks pp_decide_login for. */
enum pp_login_stage {
    PP_STAGE_SESSION,   /* a session (PAM setcred, open_session; a Slurm step) */
    PP_STAGE_ACCOUNT,   /* PAM's account stage: acts only when on_failure is "deny" */
};

/*
 * A login's decision, the one call of the login front ends (the PAM
 * module, the Slurm plugin): in as for pp_decide but without cfg
 * (in->network true, no trace; a caller that has looked the user up gives
 * NSS's answer), the front end's arguments, and what (its words for the
 * debug lines, e.g. "pam_sm_open_session: entry (flags=0)").
 *   1. A session: the login memo (memo.h) decides when it holds (every
 *      file it names unchanged, NSS's answers the same, the key's hash the
 *      memo's, the cached check still fresh), parsing only the entry: cfg
 *      filled as pp_config_load would fill it, d as pp_decide would
 *      ("WHAT: decided from the login memo").
 *   2. Else the configuration is read (pp_config_load; its lines are not
 *      about the user: log->user is unset meanwhile, and for "WHAT"). The account
 *      stage stops there unless on_failure is "deny".
 *   3. pp_decide decides (why the memo was not used in a debug line first),
 *      and the memo is written when the decision allows one.
 * Returns 0 with cfg and d filled; 1 when the configuration cannot be read
 * (logged); 2 for the account stage when on_failure is not "deny" (cfg
 * filled, d zeroed). Always pair with pp_config_free and pp_decision_free.
 */
int pp_decide_login(const struct pp_decide_in *in, enum pp_login_stage stage, int argc,
                    const char **argv, const char *what, struct pp_config *cfg,
                    struct pp_decision *d, struct pp_log *log);

/*
 * The front end could not export what d holds (e.g. pam_putenv failed):
 * d becomes the outcome "error" with reason (for the log) and words (for
 * the user, after "entry NAME "); key and url are wiped.
 */
void pp_decision_fail(const struct pp_config *cfg, struct pp_decision *d, const char *reason,
                      const char *words);

/* Write d's decision line to log (debug lines only when log->debug). */
void pp_decision_log(const struct pp_decision *d, const struct pp_log *log);

/* Wipe the key (in key and in the entry) and free what d holds; d is zeroed. */
void pp_decision_free(struct pp_decision *d);

#endif

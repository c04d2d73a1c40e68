/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * judge.h: the facts a decision depends on, and the one judge that turns
 * them and the time into an outcome.
 *
 * Promises: the judge does no I/O (no file, no clock, no NSS, no log, no
 * allocation): the same facts and time always give the same verdict, so
 * its tests are tables (tests/unit/test_judge.c). Every outcome rule of
 * pam_prefect(8)'s "Outcomes" is here and nowhere else, in this order:
 *   1. a recorded expiration that has passed is "expired" (no Cloud request);
 *   2. without validate the key is "unchecked", or "expiring" when the
 *      recorded expiration is within expiry_warn_days;
 *   3. a fresh record of this key's last check decides: cache_ttl for
 *      valid and expiring, negative_cache_ttl for expired, rejected and
 *      no-workspace-access, the record's back-off for unreachable; a record
 *      the check this process waited for has just written counts whatever
 *      its age;
 *   4. Cloud asked and no answer: "stale-ok" when the key's last valid
 *      check is within offline_grace, else "unreachable";
 *   5. no network allowed: "needs-check".
 * Whatever says the key is valid, the best known expiration (Cloud's for
 * this key, else the entry's) decides between "expired", "expiring" and
 * "valid". Rules 1 and 2 do not apply to a forced check (prefect-keys
 * check), nor does a fresh record; nor do rules 1 and 2 once the entry
 * alone has been judged and a check asked for (entry_judged: the check
 * program, which is not told validate, and check.c's side).
 * Before those rules, the scope of a login (pp_judge_scope), in this
 * order: not running as root, a service not in services (only when a
 * service is given), no user name, one that cannot be an account name, a
 * user NSS does not know (or could not look up: "error"), a uid below
 * minimum_uid. After them, the ruling a front end acts on (struct
 * pp_ruling: pp_judge_settle, pp_judge_error, pp_judge_no_rule): whether
 * the session is refused (a failure with on_failure = deny), whether the
 * user is warned (exported and within expiry_warn_days), the user's
 * sentence and the decision line, which never holds a key (the judge never
 * sees one), only its fingerprint.
 * The facts are gathered by the callers (decide.c, verdict.c, check.c,
 * checkwork.c); HACKING.md ("Issue 21 in progress") says where this is
 * going.
 */
#ifndef PP_JUDGE_H
#define PP_JUDGE_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "cache.h"
#include "conf.h"
#include "log.h"
#include "resolve.h"
#include "outcome.h"
#include "store.h"

/* Why a login is not the module's business (PP_SCOPE_IN: it is). */
enum pp_scope {
    PP_SCOPE_IN = 0,
    PP_SCOPE_NOT_ROOT,       /* not running as root: the store cannot be read */
    PP_SCOPE_SERVICE,        /* the service is not in services */
    PP_SCOPE_NO_USER,        /* the caller has no user name (NULL or "") */
    PP_SCOPE_BAD_NAME,       /* the user name cannot be an account name */
    PP_SCOPE_UNKNOWN_USER,   /* NSS does not know the user */
    PP_SCOPE_MINIMUM_UID,    /* the user's uid is below minimum_uid */
    PP_SCOPE_COUNT
};

/* "in", "not-root", "services", "no-user", "invalid-user-name", "unknown-user",
 * "minimum_uid". */
const char *pp_scope_name(enum pp_scope s);

/* What the user is told. */
enum pp_say { PP_SAY_NOTHING = 0, PP_SAY_INFO, PP_SAY_ERROR };

/* What NSS said of the user. */
enum pp_nss {
    PP_NSS_NOT_ASKED = 0,
    PP_NSS_KNOWN,            /* uid and gid hold its answer */
    PP_NSS_UNKNOWN,          /* no such user */
    PP_NSS_FAILED,           /* the lookup failed */
};

/* The outcome for one entry's key, and why. */
struct pp_verdict {
    enum pp_outcome outcome;
    bool export_key;          /* derived from outcome */
    bool has_expires;         /* the best known expiration */
    time_t expires;
    bool from_cache;          /* a record of an earlier check decided */
    char reason[256];         /* for the log line and the user's notice; never a key */
};

/* Everything the judge looks at. Zero it, then fill what is known. */
struct pp_facts {
    const struct pp_config *cfg;            /* the settings */
    const struct pp_entry *entry;           /* its recorded expiration (the key is not read) */
    bool record_read;                       /* the cache was looked at (record is the answer) */
    const struct pp_cache_record *record;   /* this key's record; NULL: none, or another key's */
    bool record_just_made;                  /* written by the check this caller waited for */
    bool network;                           /* Cloud may be asked */
    bool force;                             /* a forced check (prefect-keys check) */
    bool entry_judged;                      /* rules 1 and 2 were applied before asking
                                               for a check (check.h's side): skip them */
    const char *no_answer;                  /* Cloud was to be asked, no answer: why (else NULL) */

    /* A login's scope (pp_judge_scope) */
    uid_t euid;                             /* this process's effective uid */
    const char *service;                    /* the calling service as given; NULL: none */
    const char *user;                       /* the user name as given (untrusted; NULL: none) */
    enum pp_nss nss;                        /* NSS's answer for user */
    uid_t uid;                              /* when nss is PP_NSS_KNOWN */
    gid_t gid;

    /* What the ruling names (pp_judge_settle and friends) */
    const char *service_log;                /* service, made safe for a log line ("-": none) */
    const struct pp_resolution *rule;       /* the matched rule; NULL: none reached */
    const char *fingerprint;                /* the key's; NULL or "-": no key */
};

/* What a front end acts on: the outcome part of a decision, never a key. */
struct pp_ruling {
    enum pp_scope scope;
    char scope_why[256];            /* "" when in scope */
    enum pp_outcome outcome;
    bool exports;                   /* pp_outcome_exports(outcome) */
    bool refuse;                    /* a failure and on_failure = deny */
    bool from_cache;
    bool has_expires;               /* the best known expiration */
    time_t expires;
    long days_left;                 /* pp_days_left(now, expires) when has_expires */
    bool warn;                      /* exported and within expiry_warn_days */
    char reason[256];               /* for the log line; never a key */
    enum pp_say say;                /* what to tell the user */
    char sentence[512];             /* "" when say is PP_SAY_NOTHING */
    int log_priority;               /* LOG_NOTICE, LOG_WARNING, LOG_ERR or LOG_DEBUG */
    char log_line[1024];            /* the decision line */
};

/*
 * Judge f at now. Returns 0 with v filled, or 1 when the facts do not
 * decide yet (v zeroed): the record was not read, or network is allowed
 * and only Cloud can say (no fresh record, no no_answer).
 */
int pp_judge(const struct pp_facts *f, time_t now, struct pp_verdict *v);

/* Cloud accepted the key (how: for the reason); the best known expiration is (has, when). */
void pp_judge_valid(const struct pp_facts *f, time_t now, bool has, time_t when,
                    const char *how, struct pp_verdict *v);

/*
 * Cloud rejected the key (why: its answer); the best known expiration is
 * (has, when): "expired" when that has passed, else "rejected".
 */
void pp_judge_rejected(time_t now, bool has, time_t when, const char *why,
                       struct pp_verdict *v);

/* Cloud was not asked or not reached (why), with f->record as it is. */
void pp_judge_unreachable(const struct pp_facts *f, time_t now, const char *why,
                          struct pp_verdict *v);

/*
 * The best known expiration of entry e, whose key's record is rec (NULL:
 * none, or not this key's): the one read from Cloud for this key, else the
 * entry's recorded one. Returns where it comes from.
 */
enum pp_exp_source pp_best_expiration(const struct pp_cache_record *rec,
                                      const struct pp_entry *e, bool *has, time_t *when);

/* Whether an expiration at t, seen at now, is within expiry_warn_days (and still ahead). */
bool pp_expiry_warns(const struct pp_config *cfg, time_t t, time_t now);

/* Whether an expiration at t, seen at now, is at most days ahead (or has passed). */
bool pp_expires_within(long days, time_t t, time_t now);

/* What a step of a login's judgement leaves to its caller. */
enum pp_judged {
    PP_JUDGED_GO_ON = 0,     /* in scope: find the rule */
    PP_JUDGED_SETTLED,       /* r is the whole ruling (out of scope, or NSS failed) */
    PP_JUDGED_ASK_NSS,       /* look the user up (fill nss, uid, gid) and ask again */
};

/*
 * A login's scope from f (cfg, euid, service, user, nss, uid, service_log)
 * into r, zeroed first. PP_JUDGED_ASK_NSS only while f->nss is
 * PP_NSS_NOT_ASKED, and only once the name itself is in scope.
 */
enum pp_judged pp_judge_scope(const struct pp_facts *f, struct pp_ruling *r);

/*
 * The ruling from verdict v of f's entry (f->rule matched; f->service_log
 * and f->fingerprint set): outcome, expiration, days left, refusal,
 * warning, the user's sentence and the decision line.
 */
void pp_judge_settle(const struct pp_facts *f, time_t now, const struct pp_verdict *v,
                     struct pp_ruling *r);

/*
 * The ruling for a local error: outcome "error" with reason (for the log)
 * and words (for the user, after "entry NAME " when a rule matched; NULL:
 * the outcome's own). Any expiration already in r stays.
 */
void pp_judge_error(const struct pp_facts *f, time_t now, const char *reason,
                    const char *words, struct pp_ruling *r);

/* The ruling when the mapping has no rule for the user. */
void pp_judge_no_rule(const struct pp_facts *f, time_t now, struct pp_ruling *r);

/* "user rule", "group rule G", "default entry", or "no rule" (res NULL too). */
void pp_judge_rule_words(const struct pp_resolution *res, char *out, size_t outlen);

/* v: outcome o (export from it), expiration (has, when), reason from fmt. */
void pp_judge_set(struct pp_verdict *v, enum pp_outcome o, bool has, time_t when,
                  const char *fmt, ...) PP_PRINTF(5, 6);

#endif

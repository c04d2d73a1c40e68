/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spank_prefect.c: the Slurm glue of pam_prefect (SPANK plugin).
 *
 * plugstack.conf: optional spank_prefect.so [config=PATH] [debug] [SETTING=VALUE...]
 * (the arguments are read like the PAM module's: pam_prefect.conf first,
 * then the line).
 *
 * In srun, sbatch and salloc (local and allocator context, as the user):
 * slurm_spank_init removes a PREFECT_API_KEY that pam_prefect exported
 * (recognised by its mark, keymark.h) from the environment the client is
 * about to submit, with PREFECT_API_URL and the mark, so the key never
 * reaches slurmctld; a key the user exported by hand is left alone.
 *
 * On the node (remote context, in slurmstepd, as root, before any of the
 * job's code runs), slurm_spank_init_post_opt has the job's user decided
 * by pp_decide_login (decide.h, service "slurm": the same call, login
 * memo, mapping, store and host-wide cache as a PAM login; the user as
 * looked up by the job's uid) and sets PREFECT_API_KEY,
 * PREFECT_API_URL and the mark in the step's environment. The outcome
 * never fails a callback, so the plugin cannot drain the node whether it
 * is listed as optional or required: the user is told in the job's error
 * output (slurm_spank_task_init, first task), and under on_failure =
 * "deny" every task of the step exits with status 1 before the job's
 * program starts.
 *
 * --prefect-key=off (srun, sbatch, salloc) opts a job out: the node exports
 * nothing. No option names an entry.
 */
#include <config.h>

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <slurm/spank.h>

#include "decide.h"
#include "keymark.h"
#include "secret.h"

SPANK_PLUGIN(prefect, 1);

/* The service name in scope checks (services) and log lines. */
#define SERVICE "slurm"
#define KEY_VAR "PREFECT_API_KEY"
#define URL_VAR "PREFECT_API_URL"
/* Room for a key in the job's environment (spank_getenv copies it). */
#define ENV_VALUE_MAX 4096

/* This process's step (slurmstepd forks the tasks after the decision). */
static bool opted_out;
static bool step_refused;
static char step_notice[sizeof(((struct pp_decision *)0)->ruling.sentence)];

static int key_option(int val, const char *optarg, int remote);

static struct spank_option key_opt = {
    "prefect-key", "on|off",
    "off: this job gets no Prefect API key from pam_prefect (default: on)",
    1, 0, key_option,
};

static int key_option(int val, const char *optarg, int remote)
{
    (void)val;
    (void)remote;
    if (optarg != NULL && strcmp(optarg, "off") == 0) {
        opted_out = true;
        return 0;
    }
    if (optarg != NULL && strcmp(optarg, "on") == 0) {
        opted_out = false;
        return 0;
    }
    slurm_error("spank_prefect: --prefect-key takes \"on\" or \"off\"");
    return -1;
}

static void slurm_sink(void *ctx, int priority, const char *line)
{
    (void)ctx;
    if (priority <= LOG_ERR)
        slurm_error("spank_prefect: %s", line);
    else
        slurm_info("spank_prefect: %s", line);
}

/* ---- the client: srun, sbatch, salloc -------------------------------- */

/* Overwrite a variable's value in place (it may end up in a core file). */
static void wipe_env_value(const char *name)
{
    char *v = getenv(name);

    if (v != NULL)
        pp_wipe(v, strlen(v));
}

static void strip_client_env(void)
{
    const char *mark = getenv(PP_KEYMARK_VAR);

    if (mark == NULL)
        return;
    if (pp_keymark_matches(getenv(KEY_VAR), mark)) {
        wipe_env_value(KEY_VAR);
        unsetenv(KEY_VAR);
        unsetenv(URL_VAR);
    }
    /* A mark without its key (the user replaced or removed it) is stale. */
    unsetenv(PP_KEYMARK_VAR);
}

/* ---- the node: slurmstepd ---------------------------------------------- */

/*
 * What the job brought in its environment. Returns true when it carries a
 * PREFECT_API_KEY of the user's own (then it is left alone and the node
 * exports nothing); a key of pam_prefect's (submitted by a client without
 * this plugin) is removed.
 */
static bool job_brings_own_key(spank_t sp, const struct pp_log *log)
{
    char *key = calloc(1, ENV_VALUE_MAX);
    char mark[PP_FP_SIZE + 8] = "";
    spank_err_t krc, mrc;
    bool own = false;

    if (key == NULL) {
        pp_error(log, "service=" SERVICE " out of memory");
        return true;    /* leave the job's environment as it is */
    }
    krc = spank_getenv(sp, KEY_VAR, key, ENV_VALUE_MAX);
    mrc = spank_getenv(sp, PP_KEYMARK_VAR, mark, sizeof(mark));
    if (krc == ESPANK_SUCCESS && mrc == ESPANK_SUCCESS && pp_keymark_matches(key, mark)) {
        spank_unsetenv(sp, KEY_VAR);
        spank_unsetenv(sp, URL_VAR);
        pp_info(log, "service=" SERVICE " the job brought pam_prefect's key from its submission "
                "(fingerprint %s): removed", mark);
    } else if (krc == ESPANK_SUCCESS || krc == ESPANK_NOSPACE) {
        own = true;
        pp_info(log, "service=" SERVICE " the job brings its own PREFECT_API_KEY: left alone, "
                "nothing exported");
    }
    if (mrc != ESPANK_ENV_NOEXIST)
        spank_unsetenv(sp, PP_KEYMARK_VAR);
    pp_free_buf(key, ENV_VALUE_MAX);
    return own;
}

/* Set the three variables, or none. */
static int set_job_env(spank_t sp, const struct pp_decision *d, const struct pp_log *log)
{
    spank_err_t rc = spank_setenv(sp, URL_VAR, d->url, 1);

    if (rc == ESPANK_SUCCESS)
        rc = spank_setenv(sp, KEY_VAR, d->key, 1);
    if (rc == ESPANK_SUCCESS)
        rc = spank_setenv(sp, PP_KEYMARK_VAR, d->fingerprint, 1);
    if (rc == ESPANK_SUCCESS)
        return 0;
    spank_unsetenv(sp, URL_VAR);
    spank_unsetenv(sp, KEY_VAR);
    spank_unsetenv(sp, PP_KEYMARK_VAR);
    pp_error(log, "service=" SERVICE " cannot set the job's environment: %s",
             spank_strerror(rc));
    return -1;
}

/*
 * The job's user, by the uid Slurm gives: the name, and NSS's answer for
 * the decision (which then does not look the user up again). 0, or -1
 * (logged).
 */
static int job_user(spank_t sp, char *name, size_t namelen, struct pp_decide_in *in,
                    const struct pp_log *log)
{
    struct passwd pw, *pwp = NULL;
    char buf[4096];
    uid_t uid;
    int err;

    if (spank_get_item(sp, S_JOB_UID, &uid) != ESPANK_SUCCESS) {
        pp_error(log, "service=" SERVICE " the job's uid is not known: nothing exported");
        return -1;
    }
    err = getpwuid_r(uid, &pw, buf, sizeof(buf), &pwp);
    if (pwp == NULL || strlen(pw.pw_name) >= namelen) {
        pp_error(log, "service=" SERVICE " uid %ld: %s: nothing exported", (long)uid,
                 err != 0 ? strerror(err) : "no usable user name in the password database");
        return -1;
    }
    memcpy(name, pw.pw_name, strlen(pw.pw_name) + 1);
    in->nss = PP_NSS_KNOWN;
    in->uid = pw.pw_uid;
    in->gid = pw.pw_gid;
    return 0;
}

static void decide_for_step(spank_t sp, int ac, char **av)
{
    struct pp_log log = { .sink = slurm_sink };
    struct pp_config cfg;
    struct pp_decide_in in;
    struct pp_decision d;
    char user[PP_ACCOUNT_NAME_MAX + 1];

    memset(&cfg, 0, sizeof(cfg));
    memset(&in, 0, sizeof(in));
    memset(&d, 0, sizeof(d));
    if (job_user(sp, user, sizeof(user), &in, &log) != 0)
        return;
    log.user = user;
    if (job_brings_own_key(sp, &log))
        return;
    if (opted_out) {
        pp_info(&log, "service=" SERVICE " the job opted out (--prefect-key=off): "
                "nothing exported");
        return;
    }
    in.user = user;
    in.service = SERVICE;
    in.now = time(NULL);
    in.network = true;
    if (pp_decide_login(&in, PP_STAGE_SESSION, ac, (const char **)av, SERVICE ": a job step",
                        &cfg, &d, &log) != 0)
        goto out;
    if (d.ruling.exports && set_job_env(sp, &d, &log) != 0)
        pp_decision_fail(&cfg, &d, "the job's environment could not be set",
                         "could not be set in the job's environment");
    pp_decision_log(&d, &log);
    if (d.ruling.say != PP_SAY_NOTHING)
        snprintf(step_notice, sizeof(step_notice), "%s", d.ruling.sentence);
    step_refused = d.ruling.refuse;
out:
    pp_decision_free(&d);
    pp_config_free(&cfg);
}

/* ---- the callbacks ------------------------------------------------------ */

int slurm_spank_init(spank_t sp, int ac, char **av)
{
    enum spank_context ctx = spank_context();

    (void)ac;
    (void)av;
    if (ctx != S_CTX_LOCAL && ctx != S_CTX_ALLOCATOR && ctx != S_CTX_REMOTE)
        return 0;
    if (spank_option_register(sp, &key_opt) != ESPANK_SUCCESS)
        slurm_error("spank_prefect: cannot register --%s", key_opt.name);
    if (ctx != S_CTX_REMOTE)
        strip_client_env();
    return 0;
}

int slurm_spank_init_post_opt(spank_t sp, int ac, char **av)
{
    if (spank_remote(sp) == 1)
        decide_for_step(sp, ac, av);
    return 0;
}

int slurm_spank_task_init(spank_t sp, int ac, char **av)
{
    uint32_t task = 0;

    (void)ac;
    (void)av;
    if (spank_remote(sp) != 1 || (step_notice[0] == '\0' && !step_refused))
        return 0;
    if (step_notice[0] != '\0' && spank_get_item(sp, S_TASK_GLOBAL_ID, &task) == ESPANK_SUCCESS
        && task == 0)
        fprintf(stderr, "%s\n", step_notice);
    if (step_refused) {
        fflush(stderr);
        _exit(1);
    }
    return 0;
}

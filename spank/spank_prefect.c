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
 * job's code runs), slurm_spank_init_post_opt decides for the job's user
 * (node.h) and sets PREFECT_API_KEY, PREFECT_API_URL and the mark in the
 * step's environment. The outcome never fails a callback, so the plugin
 * cannot drain the node whether it is listed as optional or required: the
 * user is told in the job's error output (slurm_spank_task_init, first
 * task), and under on_failure = "deny" every task of the step exits with
 * status 1 before the job's program starts.
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
#include <unistd.h>

#include <slurm/spank.h>

#include "keymark.h"
#include "node.h"
#include "secret.h"

SPANK_PLUGIN(prefect, 1);

#define KEY_VAR "PREFECT_API_KEY"
#define URL_VAR "PREFECT_API_URL"
/* Room for a key in the job's environment (spank_getenv copies it). */
#define ENV_VALUE_MAX 4096

/* This process's step (slurmstepd forks the tasks after the decision). */
static bool opted_out;
static bool step_refused;
static char step_notice[sizeof(((struct node_result *)0)->notice)];

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
        pp_error(log, "service=slurm out of memory");
        return true;    /* leave the job's environment as it is */
    }
    krc = spank_getenv(sp, KEY_VAR, key, ENV_VALUE_MAX);
    mrc = spank_getenv(sp, PP_KEYMARK_VAR, mark, sizeof(mark));
    if (krc == ESPANK_SUCCESS && mrc == ESPANK_SUCCESS && pp_keymark_matches(key, mark)) {
        spank_unsetenv(sp, KEY_VAR);
        spank_unsetenv(sp, URL_VAR);
        pp_info(log, "service=slurm the job brought pam_prefect's key from its submission "
                "(fingerprint %s): removed", mark);
    } else if (krc == ESPANK_SUCCESS || krc == ESPANK_NOSPACE) {
        own = true;
        pp_info(log, "service=slurm the job brings its own PREFECT_API_KEY: left alone, "
                "nothing exported");
    }
    if (mrc != ESPANK_ENV_NOEXIST)
        spank_unsetenv(sp, PP_KEYMARK_VAR);
    pp_free_buf(key, ENV_VALUE_MAX);
    return own;
}

/* Set the three variables, or none. */
static int set_job_env(spank_t sp, const struct node_result *r, const struct pp_log *log)
{
    spank_err_t rc = spank_setenv(sp, URL_VAR, r->url, 1);

    if (rc == ESPANK_SUCCESS)
        rc = spank_setenv(sp, KEY_VAR, r->key, 1);
    if (rc == ESPANK_SUCCESS)
        rc = spank_setenv(sp, PP_KEYMARK_VAR, r->fp, 1);
    if (rc == ESPANK_SUCCESS)
        return 0;
    spank_unsetenv(sp, URL_VAR);
    spank_unsetenv(sp, KEY_VAR);
    spank_unsetenv(sp, PP_KEYMARK_VAR);
    pp_error(log, "service=slurm cannot set the job's environment: %s", spank_strerror(rc));
    return -1;
}

static void decide_for_step(spank_t sp, int ac, char **av)
{
    struct pp_log log = { .sink = slurm_sink };
    struct pp_config cfg;
    struct node_result r;
    struct passwd pw, *pwp = NULL;
    char pwbuf[4096];
    uid_t uid;
    int err;

    memset(&cfg, 0, sizeof(cfg));
    memset(&r, 0, sizeof(r));
    if (spank_get_item(sp, S_JOB_UID, &uid) != ESPANK_SUCCESS) {
        pp_error(&log, "service=slurm the job's uid is not known: nothing exported");
        return;
    }
    err = getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &pwp);
    if (pwp == NULL) {
        pp_error(&log, "service=slurm uid %ld: %s: nothing exported", (long)uid,
                 err != 0 ? strerror(err) : "no such user in the password database");
        return;
    }
    log.user = pw.pw_name;
    if (pp_config_load(&cfg, NULL, ac, (const char **)av, &log) != 0)
        return;     /* the loader logged why */
    if (job_brings_own_key(sp, &log))
        goto out;
    if (opted_out) {
        pp_info(&log, "service=slurm the job opted out (--prefect-key=off): nothing exported");
        goto out;
    }
    if (node_decide(&cfg, pw.pw_name, uid, &r, &log) != 0)
        goto out;
    if (r.what == NODE_EXPORT && set_job_env(sp, &r, &log) != 0) {
        r.what = NODE_NO_KEY;
        r.deny = cfg.on_failure == PP_ON_FAILURE_DENY;
        snprintf(r.notice, sizeof(r.notice), "spank_prefect: no Prefect API key was set for "
                 "this job: the job's environment could not be set.%s",
                 r.deny ? " The job step is refused." : "");
    }
    if (r.what == NODE_NO_KEY) {
        step_refused = r.deny;
        snprintf(step_notice, sizeof(step_notice), "%s", r.notice);
    }
out:
    node_result_clear(&r);
    pp_config_free(&cfg);
}

/* ---- the callbacks ------------------------------------------------------ */

int slurm_spank_init(spank_t sp, int ac, char **av)
{
    (void)ac;
    (void)av;
    if (spank_option_register(sp, &key_opt) != ESPANK_SUCCESS)
        slurm_error("spank_prefect: cannot register --%s", key_opt.name);
    if (spank_context() == S_CTX_LOCAL || spank_context() == S_CTX_ALLOCATOR)
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
    if (spank_remote(sp) != 1 || step_notice[0] == '\0')
        return 0;
    if (spank_get_item(sp, S_TASK_GLOBAL_ID, &task) == ESPANK_SUCCESS && task == 0)
        fprintf(stderr, "%s\n", step_notice);
    if (step_refused) {
        fflush(stderr);
        _exit(1);
    }
    return 0;
}

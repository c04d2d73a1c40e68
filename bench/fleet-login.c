/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fleet-login.c: the PAM application of bench/fleet. Reads one request a
 * line on standard input, "CONFDIR SERVICE USER", and runs one full PAM
 * transaction for it through the real libpam -- pam_start_confdir(CONFDIR),
 * pam_setcred(PAM_ESTABLISH_CRED), pam_open_session, pam_getenvlist,
 * pam_close_session, pam_end -- then answers one line on standard output:
 * "ok 1" (PREFECT_API_KEY was exported), "ok 0" (it was not), or
 * "fail CALL" (a PAM call failed). Every simulated host has its own CONFDIR
 * (its service files point at its own pam_prefect.conf, so its own cache),
 * so one process serves many hosts. Never prints an environment value.
 */
#include <security/pam_appl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No prompts: pam_prefect asks nothing; anything else is a setup error. */
static int no_conv(int n, const struct pam_message **msg, struct pam_response **resp,
                   void *data)
{
    (void)n;
    (void)msg;
    (void)resp;
    (void)data;
    return PAM_CONV_ERR;
}

/* Whether the transaction's environment has PREFECT_API_KEY; wipes it. */
static bool exported_key(pam_handle_t *pamh)
{
    static const char var[] = "PREFECT_API_KEY=";
    char **env = pam_getenvlist(pamh);
    bool found = false;

    if (env == NULL)
        return false;
    for (char **e = env; *e != NULL; e++) {
        if (strncmp(*e, var, sizeof var - 1) == 0)
            found = true;
        explicit_bzero(*e, strlen(*e));
        free(*e);
    }
    free(env);
    return found;
}

/* One transaction; the answer line for it. */
static void one_login(const char *confdir, const char *service, const char *user)
{
    const struct pam_conv conv = { no_conv, NULL };
    pam_handle_t *pamh = NULL;
    const char *failed = NULL;
    bool exported = false;
    int rc = pam_start_confdir(service, user, &conv, confdir, &pamh);

    if (rc != PAM_SUCCESS) {
        printf("fail pam_start\n");
        if (pamh != NULL)
            pam_end(pamh, rc);
        return;
    }
    if ((rc = pam_setcred(pamh, PAM_ESTABLISH_CRED)) != PAM_SUCCESS)
        failed = "pam_setcred";
    else if ((rc = pam_open_session(pamh, 0)) != PAM_SUCCESS)
        failed = "pam_open_session";
    else {
        exported = exported_key(pamh);
        rc = pam_close_session(pamh, 0);
        if (rc != PAM_SUCCESS)
            failed = "pam_close_session";
    }
    pam_end(pamh, rc);
    if (failed != NULL)
        printf("fail %s\n", failed);
    else
        printf("ok %d\n", exported ? 1 : 0);
}

int main(void)
{
    char line[4096], confdir[4096], service[256], user[256];

    setvbuf(stdout, NULL, _IOLBF, 0);
    while (fgets(line, sizeof line, stdin) != NULL) {
        if (sscanf(line, "%4095s %255s %255s", confdir, service, user) != 3) {
            printf("fail usage\n");
            continue;
        }
        one_login(confdir, service, user);
    }
    return 0;
}

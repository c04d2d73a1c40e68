/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pamrun.c: a small PAM application for the demo (and for trying the module
 * by hand): one login session for USER through SERVICE, the way a login
 * program does it, printing what happens at each step and the PREFECT_*
 * variables the session got, with the key masked (its prefix and
 * fingerprint only).
 *
 * Usage: pamrun [--account] SERVICE USER
 * --account: the account stage first (pam_acct_mgmt), as login programs
 * call it; a refusal there ends the login.
 * Exit: 0 when the session opened, 1 when a PAM call refused it, 2 on usage
 * or setup errors.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "secret.h"

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    struct pam_response *r;

    (void)data;
    if (n <= 0 || n > PAM_MAX_NUM_MSG)
        return PAM_CONV_ERR;
    r = calloc((size_t)n, sizeof(*r));
    if (r == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++) {
        switch (msg[i]->msg_style) {
        case PAM_TEXT_INFO:
            printf("    | (message to the user) %s\n", msg[i]->msg);
            break;
        case PAM_ERROR_MSG:
            printf("    | (error message to the user) %s\n", msg[i]->msg);
            break;
        default:
            /* Nothing here answers prompts. */
            free(r);
            return PAM_CONV_ERR;
        }
    }
    *resp = r;
    return PAM_SUCCESS;
}

static void show(pam_handle_t *ph, const char *step, int rc)
{
    printf("    %-26s %s\n", step, rc == PAM_SUCCESS ? "ok" : pam_strerror(ph, rc));
}

/* Print one PREFECT_* variable, the key masked. */
static void show_var(const char *var)
{
    static const char key_name[] = "PREFECT_API_KEY=";

    if (strncmp(var, key_name, sizeof(key_name) - 1) == 0) {
        const char *key = var + sizeof(key_name) - 1;
        const char *us = strchr(key, '_');
        char fp[PP_FP_SIZE];
        int plen = us != NULL && us - key <= 4 ? (int)(us - key) + 1 : 0;

        pp_fingerprint(key, fp);
        printf("    PREFECT_API_KEY=%.*s\xe2\x80\xa6 (masked; fingerprint %s)\n", plen, key, fp);
    } else if (strncmp(var, "PREFECT_", 8) == 0) {
        printf("    %s\n", var);
    }
}

int main(int argc, char **argv)
{
    struct pam_conv pc = { conv, NULL };
    pam_handle_t *ph = NULL;
    char **env;
    int rc, status = 0, found = 0;
    int account = 0;

    if (argc == 4 && strcmp(argv[1], "--account") == 0) {
        account = 1;
        argv++;
        argc--;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: %s [--account] SERVICE USER\n", argv[0]);
        return 2;
    }
    rc = pam_start(argv[1], argv[2], &pc, &ph);
    if (rc != PAM_SUCCESS) {
        fprintf(stderr, "pam_start: %s\n", pam_strerror(ph, rc));
        return 2;
    }
    if (account) {
        rc = pam_acct_mgmt(ph, 0);
        show(ph, "pam_acct_mgmt", rc);
        if (rc != PAM_SUCCESS) {
            pam_end(ph, rc);
            return 1;
        }
    }
    rc = pam_setcred(ph, PAM_ESTABLISH_CRED);
    show(ph, "pam_setcred(ESTABLISH)", rc);
    rc = pam_open_session(ph, 0);
    show(ph, "pam_open_session", rc);
    if (rc != PAM_SUCCESS)
        status = 1;

    env = pam_getenvlist(ph);
    printf("    session environment:\n");
    for (char **e = env; e != NULL && *e != NULL; e++) {
        if (strncmp(*e, "PREFECT_", 8) == 0) {
            show_var(*e);
            found++;
        }
        pp_free_secret(*e);
    }
    free(env);
    if (found == 0)
        printf("    (no PREFECT_ variables)\n");

    if (status == 0)
        show(ph, "pam_close_session", pam_close_session(ph, 0));
    show(ph, "pam_setcred(DELETE)", pam_setcred(ph, PAM_DELETE_CRED));
    pam_end(ph, rc);
    return status;
}

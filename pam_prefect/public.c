/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * public.c: the PAM service functions, the module's only exported symbols
 * (pam_prefect.map).
 *
 * session: open_session does the work, close_session has nothing to undo.
 * auth: setcred with PAM_ESTABLISH_CRED, PAM_REINITIALIZE_CRED or
 * PAM_REFRESH_CRED does the same work (some applications call setcred and
 * not open_session, or the other way round); authenticate has no part in
 * this module and returns PAM_IGNORE, so that the module can sit in an auth
 * stack for setcred. account: acct_mgmt refuses a login whose key cannot
 * be used when on_failure is "deny" (every login program honours the
 * account stage's answer) and else changes nothing. The decision is made
 * once per PAM handle (session.h).
 */
#include <config.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION

#include <security/pam_modules.h>

#include "session.h"

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)pamh;
    (void)flags;
    (void)argc;
    (void)argv;
    return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    int op = flags & ~PAM_SILENT;

    if (op == PAM_ESTABLISH_CRED || op == PAM_REINITIALIZE_CRED || op == PAM_REFRESH_CRED)
        return pp_session_run(pamh, PP_CALL_SETCRED, "pam_sm_setcred", flags, argc, argv);
    /* PAM_DELETE_CRED (or anything else): nothing of ours to remove. */
    pp_session_trace(pamh, "pam_sm_setcred", flags, PAM_IGNORE);
    return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    return pp_account_run(pamh, "pam_sm_acct_mgmt", flags, argc, argv);
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    return pp_session_run(pamh, PP_CALL_OPEN_SESSION, "pam_sm_open_session", flags, argc,
                          argv);
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
                                    const char **argv)
{
    (void)argc;
    (void)argv;
    /* The variables leave with the session's environment: nothing to undo. */
    pp_session_trace(pamh, "pam_sm_close_session", flags, PAM_SUCCESS);
    return PAM_SUCCESS;
}

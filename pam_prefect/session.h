/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session.h: the work behind acct_mgmt, open_session and setcred.
 *
 * Promises (pam_prefect(8)): the decision is made once per PAM handle; a
 * later call in the same handle uses it without deciding again. setcred and
 * open_session export PREFECT_API_URL and PREFECT_API_KEY (both or
 * neither), tell the user about an expiring or unexported key through the
 * conversation, and log one decision line. acct_mgmt exports nothing: under
 * on_failure = "deny" it decides, refuses a login whose key cannot be used
 * (with the user's message and the decision line), and hands any other
 * decision to setcred / open_session of the same user and service in the
 * same handle; those decide again for another user (sudo's session is the
 * target's, its account check the caller's) or in another handle.
 */
#ifndef PP_SESSION_H
#define PP_SESSION_H

#include <security/pam_modules.h>

/* Which PAM call asks: decides the error code under on_failure = "deny". */
enum pp_pam_call {
    PP_CALL_OPEN_SESSION,   /* deny: PAM_PERM_DENIED */
    PP_CALL_SETCRED,        /* deny: PAM_CRED_ERR */
};

/*
 * Do the work (or return the first result). Returns PAM_SUCCESS when the
 * key was exported, PAM_IGNORE when the module had nothing to do or failed
 * open, PAM_PERM_DENIED (open_session) / PAM_CRED_ERR (setcred) when a
 * mapped user's key was not exported and on_failure is "deny".
 */
int pp_session_run(pam_handle_t *pamh, enum pp_pam_call call, const char *fn, int flags,
                   int argc, const char **argv);

/*
 * The account stage: PAM_PERM_DENIED when on_failure is "deny" and the
 * user's key cannot be used (or an earlier call of this handle refused),
 * else PAM_IGNORE. Without "deny" it only reads the configuration: no
 * lookup, no store, no Cloud. It decides nothing when PAM_RUSER is
 * PAM_USER (a caller's check of their own account, as sudo makes it).
 */
int pp_account_run(pam_handle_t *pamh, const char *fn, int flags, int argc, const char **argv);

/*
 * Trace a call that does no work (close_session, setcred with
 * PAM_DELETE_CRED): a debug line, only if this handle's earlier work ran
 * with debug on.
 */
void pp_session_trace(pam_handle_t *pamh, const char *fn, int flags, int rc);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session.h: the work behind open_session and setcred.
 *
 * Promises (pam_prefect(8)): the work is done once per PAM
 * handle; a later call in the same handle returns the first call's result
 * without doing anything again. It exports PREFECT_API_URL and
 * PREFECT_API_KEY (both or neither), tells the user about an expiring or
 * unexported key through the conversation, and logs one decision line.
 */
#ifndef PP_SESSION_H
#define PP_SESSION_H

#include <security/pam_modules.h>

/* Which PAM call asks: decides the error code under on_failure = "deny". */
enum pp_pam_call {
    PP_CALL_OPEN_SESSION,   /* deny: PAM_SESSION_ERR */
    PP_CALL_SETCRED,        /* deny: PAM_CRED_ERR */
};

/*
 * Do the work (or return the first result). Returns PAM_SUCCESS when the
 * key was exported, PAM_IGNORE when the module had nothing to do or failed
 * open, PAM_SESSION_ERR / PAM_CRED_ERR when a mapped user's key was not
 * exported and on_failure is "deny".
 */
int pp_session_run(pam_handle_t *pamh, enum pp_pam_call call, const char *fn, int flags,
                   int argc, const char **argv);

/*
 * Trace a call that does no work (close_session, setcred with
 * PAM_DELETE_CRED): a debug line, only if this handle's earlier work ran
 * with debug on.
 */
void pp_session_trace(pam_handle_t *pamh, const char *fn, int flags, int rc);

#endif

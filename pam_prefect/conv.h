/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conv.h: messages to the user through the PAM conversation.
 *
 * Promises: nothing is sent with PAM_SILENT or when the application gave
 * no conversation function; a message that cannot be sent is dropped (a
 * debug line at most) and never fails the session; callers never pass a
 * key, only entry names, dates and reasons.
 */
#ifndef PP_CONV_H
#define PP_CONV_H

#include <security/pam_modules.h>

#include "log.h"

#define PP_PRINTF_CONV __attribute__((format(printf, 5, 6)))

/*
 * Send one message of style PAM_TEXT_INFO or PAM_ERROR_MSG, formatted like
 * printf and cut at PAM_MAX_MSG_SIZE. flags are the PAM call's flags.
 */
void pp_conv_say(pam_handle_t *pamh, int flags, int style, const struct pp_log *log,
                 const char *fmt, ...) PP_PRINTF_CONV;

#endif

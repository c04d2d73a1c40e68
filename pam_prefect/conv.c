/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conv.c: messages to the user through the PAM conversation (see conv.h).
 */
#include <config.h>

#include "conv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <security/pam_appl.h>

#include "secret.h"

void pp_conv_say(pam_handle_t *pamh, int flags, int style, const struct pp_log *log,
                 const char *fmt, ...)
{
    const struct pam_conv *conv = NULL;
    const void *item = NULL;
    struct pam_message msg;
    const struct pam_message *msgp = &msg;
    struct pam_response *resp = NULL;
    char text[PAM_MAX_MSG_SIZE];
    va_list ap;
    int rc;

    if ((flags & PAM_SILENT) != 0)
        return;
    if (pam_get_item(pamh, PAM_CONV, &item) != PAM_SUCCESS || item == NULL) {
        pp_debug(log, "no conversation: message to the user not sent");
        return;
    }
    conv = item;
    if (conv->conv == NULL) {
        pp_debug(log, "no conversation function: message to the user not sent");
        return;
    }

    va_start(ap, fmt);
    rc = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (rc < 0)
        return;

    msg.msg_style = style;
    msg.msg = text;
    rc = conv->conv(1, &msgp, &resp, conv->appdata_ptr);
    if (rc != PAM_SUCCESS)
        pp_debug(log, "the conversation did not take a message to the user: %s",
                 pam_strerror(pamh, rc));
    /* Informational messages have no answer, but free whatever came back. */
    if (resp != NULL) {
        pp_free_secret(resp[0].resp);
        free(resp);
    }
}

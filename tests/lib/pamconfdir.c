/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pamconfdir.c: an LD_PRELOAD library for the tests and the demo that points
 * the process's pam_start() at the PAM service directory named by
 * PP_PAM_CONFDIR, through libpam's own pam_start_confdir(3). The services a
 * test writes are read by the system's libpam exactly as /etc/pam.d would be,
 * and /etc/pam.d is never read. Without PP_PAM_CONFDIR (or with a relative
 * path) pam_start fails with PAM_ABORT and says why on stderr: a test never
 * falls back to the machine's own services.
 *
 * Unlike pam_wrapper, which copies the services into one of 62 shared
 * directories /tmp/pam.X per process (two processes starting at once can
 * pick the same one, and the first to exit removes it under the other),
 * nothing here is shared between processes: any number of logins can run
 * at the same time.
 */
#include <stdio.h>
#include <stdlib.h>

#include <security/pam_appl.h>

int pam_start(const char *service_name, const char *user, const struct pam_conv *pam_conversation,
              pam_handle_t **pamh)
{
    const char *dir = getenv("PP_PAM_CONFDIR");

    if (dir == NULL || dir[0] != '/') {
        fprintf(stderr, "pamconfdir: PP_PAM_CONFDIR must be the absolute path of the test's "
                "PAM service directory\n");
        *pamh = NULL;
        return PAM_ABORT;
    }
    return pam_start_confdir(service_name, user, pam_conversation, dir, pamh);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * putenvfail.c: an LD_PRELOAD library for the tests that makes pam_putenv
 * fail (PAM_BUF_ERR, as when libpam runs out of memory) for one variable:
 * the one named by PP_PUTENV_FAIL (e.g. "PREFECT_API_KEY"). Every other
 * call goes to the real pam_putenv. It shows what the module does when the
 * second of its two variables cannot be set.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

int pam_putenv(pam_handle_t *pamh, const char *name_value)
{
    static int (*real)(pam_handle_t *, const char *);
    const char *fail = getenv("PP_PUTENV_FAIL");
    size_t n = fail != NULL ? strlen(fail) : 0;

    if (n > 0 && strncmp(name_value, fail, n) == 0 && name_value[n] == '=')
        return PAM_BUF_ERR;
    if (real == NULL)
        real = (int (*)(pam_handle_t *, const char *))dlsym(RTLD_NEXT, "pam_putenv");
    return real != NULL ? real(pamh, name_value) : PAM_SYSTEM_ERR;
}

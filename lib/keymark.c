/* SPDX-License-Identifier: BSD-3-Clause */
/* keymark.c: pam_prefect's key recognised by its fingerprint (keymark.h). */
#include <config.h>

#include "keymark.h"

#include <string.h>

#include "secret.h"

static bool is_fingerprint(const char *s)
{
    size_t n = strspn(s, "0123456789abcdef");

    return n == PP_FP_HEX && s[n] == '\0';
}

bool pp_keymark_matches(const char *key, const char *mark)
{
    char fp[PP_FP_SIZE];

    if (key == NULL || mark == NULL || *key == '\0' || !is_fingerprint(mark))
        return false;
    if (pp_fingerprint(key, fp) != 0)
        return false;
    return strcmp(fp, mark) == 0;
}

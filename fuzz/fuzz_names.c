/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_names.c: entry names, user and group names, and Cloud's UUIDs
 * (names.h), which end up in paths, log lines and URLs. Whatever is
 * accepted has the promised form: no '/', no whitespace or control
 * character, within the length limits.
 */
#include <config.h>

#include <ctype.h>

#include "fuzz.h"
#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    size_t n = strlen(s), i;

    if (pp_entry_name_valid(s)) {
        FUZZ_ASSERT(n >= 1 && n <= PP_ENTRY_NAME_MAX);
        FUZZ_ASSERT(strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
        for (i = 0; i < n; i++)
            FUZZ_ASSERT(isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '-');
    }
    if (pp_account_name_valid(s)) {
        FUZZ_ASSERT(n >= 1 && n <= PP_ACCOUNT_NAME_MAX);
        FUZZ_ASSERT(strchr(s, '/') == NULL && strchr(s, ':') == NULL);
        for (i = 0; i < n; i++)
            FUZZ_ASSERT((unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x7f);
    }
    if (pp_uuid_valid(s)) {
        FUZZ_ASSERT(n == PP_UUID_LEN);
        for (i = 0; i < n; i++)
            FUZZ_ASSERT(s[i] == '-' ? (i == 8 || i == 13 || i == 18 || i == 23)
                                    : (isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'f')));
    }
    free(s);
    return 0;
}

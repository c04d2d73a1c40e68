/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_entry.c: a key entry file (store.h). An entry that parses formats
 * to text that parses back to the same entry.
 */
#include <config.h>

#include "fuzz.h"
#include "secret.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    struct pp_entry e, back;
    char *text = NULL;
    size_t len = 0;

    memset(&e, 0, sizeof(e));
    if (pp_entry_parse(s, "fuzz.key", "fuzz", &e, &fuzz_log) == 0) {
        FUZZ_ASSERT(e.key != NULL);
        FUZZ_ASSERT(pp_entry_format(&e, &text, &len) == 0);
        FUZZ_ASSERT(strlen(text) == len);
        memset(&back, 0, sizeof(back));
        FUZZ_ASSERT(pp_entry_parse(text, "fuzz.key", "fuzz", &back, &fuzz_log) == 0);
        FUZZ_ASSERT(strcmp(back.key, e.key) == 0);
        FUZZ_ASSERT(strcmp(back.account_id, e.account_id) == 0);
        FUZZ_ASSERT(strcmp(back.workspace_id, e.workspace_id) == 0);
        FUZZ_ASSERT(back.has_expires == e.has_expires && back.expires == e.expires);
        FUZZ_ASSERT(strcmp(back.service_account_id, e.service_account_id) == 0);
        FUZZ_ASSERT(strcmp(back.sa_key_id, e.sa_key_id) == 0);
        pp_entry_clear(&back);
        pp_free_buf(text, len + 1);
        pp_entry_clear(&e);
    }
    free(s);
    return 0;
}

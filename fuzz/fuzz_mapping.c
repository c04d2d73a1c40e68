/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_mapping.c: the mapping file (mapping.h). A mapping that parses
 * formats to text that parses back to the same rules.
 */
#include <config.h>

#include "fuzz.h"
#include "mapping.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    struct pp_mapping m, back;
    char *text = NULL;
    size_t len = 0, i;

    memset(&m, 0, sizeof(m));
    if (pp_mapping_parse(s, "fuzz/mapping", &m, &fuzz_log) == 0) {
        FUZZ_ASSERT(pp_mapping_format(&m, &text, &len) == 0);
        memset(&back, 0, sizeof(back));
        FUZZ_ASSERT(pp_mapping_parse(text, "fuzz/mapping", &back, &fuzz_log) == 0);
        FUZZ_ASSERT(back.nusers == m.nusers && back.ngroups == m.ngroups);
        for (i = 0; i < m.nusers; i++)
            FUZZ_ASSERT(strcmp(back.users[i].name, m.users[i].name) == 0
                        && strcmp(back.users[i].entry, m.users[i].entry) == 0);
        for (i = 0; i < m.ngroups; i++)
            FUZZ_ASSERT(strcmp(back.groups[i].name, m.groups[i].name) == 0
                        && strcmp(back.groups[i].entry, m.groups[i].entry) == 0);
        FUZZ_ASSERT((back.default_entry == NULL) == (m.default_entry == NULL));
        pp_mapping_free(&back);
        free(text);
    }
    pp_mapping_free(&m);
    free(s);
    return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_memo.c: a login memo (memo.h), which a crash could damage or which
 * could come from another version. A memo that parses names what a warm
 * login relies on, and its settings either load (each through its setter)
 * or are refused.
 */
#include <config.h>

#include "conf.h"
#include "fuzz.h"
#include "memo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_memo m;
    struct pp_config cfg;
    struct pp_log log = fuzz_log;

    if (pp_memo_unpack(data, size, "alice", "warm", &m) != NULL)
        return 0;
    FUZZ_ASSERT(m.config_path[0] == '/' && m.image != NULL && m.entry.file_id[0] != '\0');
    FUZZ_ASSERT(m.rule.match != PP_MATCH_NONE && (m.ngroups == 0) == (m.groups == NULL));
    FUZZ_ASSERT(!m.have_record || m.record.outcome < PP_OUT_COUNT);
    FUZZ_ASSERT(m.entry.key == NULL && m.entry.key_len > 0
                && m.entry.key_at + m.entry.key_len <= PP_ENTRY_MAX);
    if (pp_config_from_image(&cfg, m.config_path, m.image, m.image_len, 0, NULL, &log) == 0) {
        FUZZ_ASSERT(cfg.api_url != NULL && cfg.store != NULL && cfg.cache_dir != NULL);
        pp_config_free(&cfg);
    }
    pp_memo_free(&m);
    return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_cache.c: a cache record (cache.h), which a crash or a full disk
 * could leave damaged. A record that parses has a known outcome and a
 * 16-hex-digit fingerprint.
 */
#include <config.h>

#include <ctype.h>

#include "cache.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_cache_record rec;
    size_t i;

    if (pp_cache_parse((const char *)data, size, &rec) == NULL) {
        FUZZ_ASSERT(rec.outcome == PP_OUT_VALID || rec.outcome == PP_OUT_EXPIRING
                    || rec.outcome == PP_OUT_EXPIRED || rec.outcome == PP_OUT_REJECTED
                    || rec.outcome == PP_OUT_NO_WORKSPACE || rec.outcome == PP_OUT_UNREACHABLE);
        FUZZ_ASSERT(strlen(rec.fingerprint) == PP_FP_SIZE - 1);
        for (i = 0; i < PP_FP_SIZE - 1; i++)
            FUZZ_ASSERT(isxdigit((unsigned char)rec.fingerprint[i]));
        FUZZ_ASSERT(rec.exp_source <= PP_EXP_ENTRY);
    }
    return 0;
}

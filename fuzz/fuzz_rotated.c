/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_rotated.c: the body of a service account key rotation's 201 answer
 * (pp_cloud_parse_rotated, cloud.h), for a fixed account and service
 * account. An accepted answer names that service account and account, has
 * a lowercase UUID key id and a pnb_ key with no whitespace or control
 * characters; a refused one leaves no key and no expiration.
 */
#include <config.h>

#include <ctype.h>

#include "cloud.h"
#include "fuzz.h"
#include "names.h"

#define ACCOUNT "0b6f7c2e-4a1d-4c3b-9e8f-1a2b3c4d5e6f"
#define SERVICE_ACCOUNT "33333333-3333-4333-8333-333333333333"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_cloud_answer ans;
    struct pp_rotated_key rk;

    memset(&ans, 0, sizeof(ans));
    pp_cloud_parse_rotated((const char *)data, size, ACCOUNT, SERVICE_ACCOUNT, &rk, &ans);
    if (ans.status == PP_CLOUD_OK) {
        FUZZ_ASSERT(rk.key != NULL && strncmp(rk.key, "pnb_", 4) == 0
                    && pp_key_problem(rk.key) == NULL);
        FUZZ_ASSERT(pp_uuid_valid(rk.key_id));
        for (const char *p = rk.key_id; *p != '\0'; p++)
            FUZZ_ASSERT(!isupper((unsigned char)*p));
        FUZZ_ASSERT(rk.has_expires || rk.expires == 0);
    } else {
        FUZZ_ASSERT(!rk.has_expires && rk.expires == 0);
    }
    pp_rotated_key_clear(&rk);
    return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_expiration.c: the bodies of both expiration answers (cloud.h): the
 * user key route ({"expiration": ...}) and the service account route
 * ({"api_key": {"id": ..., "expiration": ...}}). The first byte chooses
 * the route. An accepted answer's key id is empty or a UUID.
 */
#include <config.h>

#include "cloud.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_cloud_answer ans;
    bool bot, has = true;
    time_t when = 1;

    if (size < 1)
        return 0;
    bot = (data[0] & 1) != 0;
    memset(&ans, 0, sizeof(ans));
    pp_cloud_parse_expiration((const char *)data + 1, size - 1, bot, &has, &when, &ans);
    if (ans.status == PP_CLOUD_OK) {
        FUZZ_ASSERT(has || when == 0);
        FUZZ_ASSERT(ans.key_id[0] == '\0' || (bot && pp_uuid_valid(ans.key_id)));
    } else {
        FUZZ_ASSERT(!has && when == 0);
    }
    return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_workspaces.c: the body of Cloud's /me/workspaces answer (cloud.h).
 * An answer that is accepted holds only UUIDs for ids, and no more
 * workspaces than the body could describe.
 */
#include <config.h>

#include "cloud.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_cloud_answer ans;
    struct pp_workspace *ws = NULL;
    size_t n = 0, i;

    memset(&ans, 0, sizeof(ans));
    pp_cloud_parse_workspaces((const char *)data, size, &ws, &n, &ans);
    if (ans.status == PP_CLOUD_OK) {
        FUZZ_ASSERT(ws != NULL);
        FUZZ_ASSERT(n <= size / 100);
        for (i = 0; i < n; i++)
            FUZZ_ASSERT(pp_uuid_valid(ws[i].account_id) && pp_uuid_valid(ws[i].workspace_id));
    } else {
        FUZZ_ASSERT(ws == NULL && n == 0);
        FUZZ_ASSERT(ans.reason[0] != '\0');
    }
    free(ws);
    return 0;
}

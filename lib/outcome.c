/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * outcome.c: the outcome table (see outcome.h).
 */
#include <config.h>

#include "outcome.h"

#include <string.h>

#define ROWS (sizeof(rows) / sizeof(rows[0]))

static const struct pp_outcome_info rows[] = {
    [PP_OUT_VALID] = { "valid", true, false, false, PP_LIFE_CACHE_TTL, NULL, false },
    [PP_OUT_EXPIRING] = { "expiring", true, false, true, PP_LIFE_CACHE_TTL, NULL, false },
    [PP_OUT_UNCHECKED] = { "unchecked", true, false, false, PP_LIFE_NOT_CACHED, NULL, false },
    [PP_OUT_STALE_OK] = { "stale-ok", true, false, true, PP_LIFE_NOT_CACHED, NULL, false },
    [PP_OUT_EXPIRED] = { "expired", false, true, true, PP_LIFE_NEGATIVE_TTL, "expired", true },
    [PP_OUT_REJECTED] = { "rejected", false, true, true, PP_LIFE_NEGATIVE_TTL,
                          "was rejected by Prefect Cloud (revoked, invalid or expired)", false },
    [PP_OUT_NO_WORKSPACE] = { "no-workspace-access", false, true, true, PP_LIFE_NEGATIVE_TTL,
                              "no longer has access to its Prefect Cloud workspace", false },
    [PP_OUT_UNREACHABLE] = { "unreachable", false, true, true, PP_LIFE_BACKOFF,
                             "could not be checked: Prefect Cloud could not be reached",
                             false },
    [PP_OUT_NEEDS_CHECK] = { "needs-check", false, false, true, PP_LIFE_NOT_CACHED, NULL,
                             false },
    [PP_OUT_ERROR] = { "error", false, true, true, PP_LIFE_NOT_CACHED, "could not be used",
                       false },
    [PP_OUT_NO_RULE] = { "no-rule", false, false, false, PP_LIFE_NOT_CACHED, NULL, false },
    [PP_OUT_OUT_OF_SCOPE] = { "out-of-scope", false, false, false, PP_LIFE_NOT_CACHED, NULL,
                              false },
};

_Static_assert(sizeof(rows) / sizeof(rows[0]) == PP_OUT_COUNT,
               "every outcome has a row in the outcome table");

static const struct pp_outcome_info unknown = {
    "unknown", false, true, true, PP_LIFE_NOT_CACHED, "could not be used", false,
};

const struct pp_outcome_info *pp_outcome_info(enum pp_outcome o)
{
    if ((unsigned)o >= ROWS || rows[o].name == NULL)
        return &unknown;
    return &rows[o];
}

const char *pp_outcome_name(enum pp_outcome o)
{
    return pp_outcome_info(o)->name;
}

bool pp_outcome_exports(enum pp_outcome o)
{
    return pp_outcome_info(o)->exports;
}

int pp_outcome_recorded_by_name(const char *name)
{
    for (unsigned o = 0; o < ROWS; o++) {
        if (rows[o].life != PP_LIFE_NOT_CACHED && strcmp(rows[o].name, name) == 0)
            return (int)o;
    }
    return -1;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_time.c: RFC 3339 times (timefmt.h), as read from entries, cache
 * records and Cloud's answers. A time that parses formats to a string that
 * parses back to the same instant.
 */
#include <config.h>

#include "fuzz.h"
#include "timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    char out[PP_TIME_SIZE];
    time_t t, back;

    if (pp_time_parse(s, &t) == 0) {
        pp_time_format(t, out);
        FUZZ_ASSERT(strlen(out) == PP_TIME_SIZE - 1);
        FUZZ_ASSERT(pp_time_parse(out, &back) == 0);
        FUZZ_ASSERT(back == t);
    }
    free(s);
    return 0;
}

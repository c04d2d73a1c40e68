/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_config.c: pam_prefect.conf and the module's arguments (config.h).
 * The input is the file's text, then optionally a NUL byte and arguments,
 * one per line. A configuration that loads keeps what config.h promises:
 * an https:// api_url and connect_timeout_ms <= timeout_ms.
 */
#include <config.h>

#include <strings.h>

#include "conf.h"
#include "fuzz.h"

#define MAX_ARGS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_string(data, size);
    const char *argv[MAX_ARGS];
    struct pp_config cfg;
    size_t textlen = strlen(s);
    int argc = 0;
    struct pp_log log = fuzz_log;

    if (textlen < size) {
        char *p = s + textlen + 1, *nl;

        while (argc < MAX_ARGS && p <= s + size) {
            argv[argc++] = p;
            nl = strchr(p, '\n');
            if (nl == NULL)
                break;
            *nl = '\0';
            p = nl + 1;
        }
    }
    if (pp_config_parse(&cfg, s, textlen, "/fuzz/pam_prefect.conf", argc, argv, &log) == 0) {
        FUZZ_ASSERT(cfg.api_url != NULL && strncasecmp(cfg.api_url, "https://", 8) == 0);
        FUZZ_ASSERT(cfg.connect_timeout_ms <= cfg.timeout_ms);
        FUZZ_ASSERT(cfg.store != NULL && cfg.cache_dir != NULL);
        pp_config_free(&cfg);
    }
    free(s);
    return 0;
}

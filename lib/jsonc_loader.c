/* SPDX-License-Identifier: BSD-3-Clause */
/* jsonc_loader.c: json-c opened on first use (see jsonc_loader.h). */
#include <config.h>

#include "jsonc_loader.h"

#include <pthread.h>
#include <stddef.h>

#include "dynlib.h"

#ifndef PP_LIBJSONC_SONAME
#error "PP_LIBJSONC_SONAME is not defined: run configure"
#endif

const struct pp_jsonc_api *pp_jsonc;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct pp_jsonc_api api;
static char load_error[256] = "not loaded";

#define SYM(field, name) { name, offsetof(struct pp_jsonc_api, field) }
static const struct pp_dynsym syms[] = {
    SYM(tokener_new, "json_tokener_new"),
    SYM(tokener_set_flags, "json_tokener_set_flags"),
    SYM(tokener_parse_ex, "json_tokener_parse_ex"),
    SYM(tokener_get_error, "json_tokener_get_error"),
    SYM(tokener_free, "json_tokener_free"),
#ifdef PP_JSONC_HAS_PARSE_END
    SYM(tokener_get_parse_end, "json_tokener_get_parse_end"),
#endif
    SYM(object_put, "json_object_put"),
    SYM(object_is_type, "json_object_is_type"),
    SYM(object_object_get_ex, "json_object_object_get_ex"),
    SYM(object_get_string, "json_object_get_string"),
    SYM(object_get_string_len, "json_object_get_string_len"),
    SYM(object_array_length, "json_object_array_length"),
    SYM(object_array_get_idx, "json_object_array_get_idx"),
};
#undef SYM

static void load(void)
{
    if (pp_dynlib_open(PP_LIBJSONC_SONAME, syms, sizeof(syms) / sizeof(syms[0]), &api,
                       sizeof(api), load_error, sizeof(load_error)) == 0)
        pp_jsonc = &api;
}

const struct pp_jsonc_api *pp_jsonc_load(const char **why)
{
    pthread_once(&load_once, load);
    if (pp_jsonc == NULL && why != NULL)
        *why = load_error;
    return pp_jsonc;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * curl_loader.c: libcurl opened on first use (see curl_loader.h), through
 * dynlib.h.
 */
#include <config.h>

#include "curl_loader.h"

#include <pthread.h>
#include <stddef.h>

#include "dynlib.h"

#ifndef PP_LIBCURL_SONAME
#error "PP_LIBCURL_SONAME is not defined: run configure"
#endif

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct pp_curl_api api;
static const struct pp_curl_api *loaded;
static char load_error[256];

#define SYM(field, name) { name, offsetof(struct pp_curl_api, field) }
static const struct pp_dynsym syms[] = {
    SYM(global_init, "curl_global_init"),
    SYM(easy_init, "curl_easy_init"),
    SYM(easy_setopt, "curl_easy_setopt"),
    SYM(easy_perform, "curl_easy_perform"),
    SYM(easy_getinfo, "curl_easy_getinfo"),
    SYM(easy_cleanup, "curl_easy_cleanup"),
    SYM(easy_reset, "curl_easy_reset"),
    SYM(easy_strerror, "curl_easy_strerror"),
    SYM(slist_append, "curl_slist_append"),
    SYM(slist_free_all, "curl_slist_free_all"),
};
#undef SYM

static void load(void)
{
    if (pp_dynlib_open(PP_LIBCURL_SONAME, syms, sizeof(syms) / sizeof(syms[0]), &api,
                       sizeof(api), load_error, sizeof(load_error)) == 0)
        loaded = &api;
}

const struct pp_curl_api *pp_curl_load(const char **why)
{
    pthread_once(&load_once, load);
    if (loaded == NULL && why != NULL)
        *why = load_error;
    return loaded;
}

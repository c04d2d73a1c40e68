/*
 * curl_loader.c: libcurl opened on first use (see curl_loader.h).
 *
 * The functions are resolved with dlsym into typed function pointers; the
 * void * that dlsym returns is copied into each pointer with memcpy (POSIX
 * guarantees that a function's address survives the trip through void *;
 * ISO C has no cast for it, and a type-punned store would break aliasing).
 */
#include <config.h>

#include "curl_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifndef PP_LIBCURL_SONAME
#error "PP_LIBCURL_SONAME is not defined: run configure"
#endif

_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
               "function pointers must fit in void * (POSIX dlsym)");

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct pp_curl_api api;
static const struct pp_curl_api *loaded;
static char load_error[256];

/* Why the last dl* call failed, or fallback when dlerror has nothing. */
static void save_dlerror(const char *fallback)
{
    const char *e = dlerror();

    snprintf(load_error, sizeof(load_error), "%s", e != NULL ? e : fallback);
}

/* dlsym(handle, name) into the function pointer at fp. -1 if missing. */
static int resolve(void *handle, const char *name, void *fp, size_t size)
{
    void *sym;

    if (size != sizeof(sym))
        return -1;
    dlerror();          /* clear a stale error */
    sym = dlsym(handle, name);
    if (sym == NULL) {
        char fallback[128];

        snprintf(fallback, sizeof(fallback), "%s: no function %s", PP_LIBCURL_SONAME, name);
        save_dlerror(fallback);
        return -1;
    }
    memcpy(fp, &sym, size);
    return 0;
}

static void load(void)
{
    struct pp_curl_api t;
    void *handle;

    dlerror();
    handle = dlopen(PP_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        save_dlerror(PP_LIBCURL_SONAME ": cannot be opened");
        return;
    }
#define RESOLVE(field, name) resolve(handle, name, &t.field, sizeof(t.field))
    if (RESOLVE(global_init, "curl_global_init") != 0
        || RESOLVE(easy_init, "curl_easy_init") != 0
        || RESOLVE(easy_setopt, "curl_easy_setopt") != 0
        || RESOLVE(easy_perform, "curl_easy_perform") != 0
        || RESOLVE(easy_getinfo, "curl_easy_getinfo") != 0
        || RESOLVE(easy_cleanup, "curl_easy_cleanup") != 0
        || RESOLVE(easy_strerror, "curl_easy_strerror") != 0
        || RESOLVE(slist_append, "curl_slist_append") != 0
        || RESOLVE(slist_free_all, "curl_slist_free_all") != 0) {
        /* Not the libcurl we need: nothing of it is used. */
        dlclose(handle);
        return;
    }
#undef RESOLVE
    api = t;
    loaded = &api;
}

const struct pp_curl_api *pp_curl_load(const char **why)
{
    pthread_once(&load_once, load);
    if (loaded == NULL && why != NULL)
        *why = load_error;
    return loaded;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcfg_loader.c: libconfig opened on first use (see lcfg_loader.h), and
 * the one helper that opens a library and resolves its functions.
 *
 * The void * that dlsym returns is copied into each pointer with memcpy
 * (POSIX guarantees that a function's address survives the trip through
 * void *; ISO C has no cast for it, and a type-punned store would break
 * aliasing). Every function is resolved into a copy first, so a library
 * that lacks one leaves every pointer NULL.
 */
#include <config.h>

#include "lcfg_loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef PP_LIBCONFIG_SONAME
#error "PP_LIBCONFIG_SONAME is not defined: run configure"
#endif

/*
 * The file opened. Only tests/unit/test_lcfg_loader compiles its own copy
 * of this file with another name (one that does not exist), to see every
 * reader and writer fail cleanly; the library's object never defines it.
 */
#ifndef PP_LIBCONFIG_OPEN
#define PP_LIBCONFIG_OPEN PP_LIBCONFIG_SONAME
#endif

_Static_assert(sizeof(void *) == sizeof(void (*)(void)),
               "function pointers must fit in void * (POSIX dlsym)");

/* The most functions one library gives. */
#define DLSYM_MAX 32

/*
 * PP_DLSYM_ARG(config_init): the two arguments of one function for
 * dlopen_many_sym, where its pointer goes and its name. The comparison
 * (never evaluated) lets the compiler check that sym_config_init has
 * config_init's own type.
 */
#define PP_DLSYM_ARG(name) \
    ((void)sizeof(sym_##name == &name), (void *)&sym_##name), #name

/*
 * Open soname and resolve the functions given as PP_DLSYM_ARG pairs, the
 * list ending with NULL. 0, or -1 with err (errlen bytes) saying why (as
 * dlerror() said); then no pointer is set and the library is closed.
 */
static int dlopen_many_sym(const char *soname, char *err, size_t errlen, ...)
{
    void *dest[DLSYM_MAX], *found[DLSYM_MAX];
    const char *name;
    const char *e;
    void *handle;
    size_t i, n = 0;
    va_list ap;

    dlerror();          /* clear a stale error */
    if ((handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
        e = dlerror();
        snprintf(err, errlen, "%s", e != NULL ? e : "cannot be opened");
        return -1;
    }
    va_start(ap, errlen);
    while ((dest[n] = va_arg(ap, void *)) != NULL) {
        name = va_arg(ap, const char *);
        if (n + 1 >= DLSYM_MAX) {
            snprintf(err, errlen, "%s: too many functions", soname);
            break;
        }
        dlerror();
        if ((found[n] = dlsym(handle, name)) == NULL) {
            e = dlerror();
            snprintf(err, errlen, "%s", e != NULL ? e : name);
            break;
        }
        n++;
    }
    va_end(ap);
    if (dest[n] != NULL) {
        /* Not the library we need: nothing of it is used. */
        dlclose(handle);
        return -1;
    }
    for (i = 0; i < n; i++)
        memcpy(dest[i], &found[i], sizeof(found[i]));
    return 0;
}

__typeof__(config_init) *sym_config_init;
__typeof__(config_destroy) *sym_config_destroy;
__typeof__(config_read_string) *sym_config_read_string;
__typeof__(config_write) *sym_config_write;
__typeof__(config_lookup_string) *sym_config_lookup_string;
__typeof__(config_setting_length) *sym_config_setting_length;
__typeof__(config_setting_get_elem) *sym_config_setting_get_elem;
__typeof__(config_setting_get_member) *sym_config_setting_get_member;
__typeof__(config_setting_get_string) *sym_config_setting_get_string;
__typeof__(config_setting_get_int64) *sym_config_setting_get_int64;
__typeof__(config_setting_get_bool) *sym_config_setting_get_bool;
__typeof__(config_setting_add) *sym_config_setting_add;
__typeof__(config_setting_set_string) *sym_config_setting_set_string;
__typeof__(config_setting_set_int64) *sym_config_setting_set_int64;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_result = -1;
static char load_error[256] = "not loaded";

static void load(void)
{
    load_result = dlopen_many_sym(PP_LIBCONFIG_OPEN, load_error, sizeof(load_error),
                                  PP_DLSYM_ARG(config_init),
                                  PP_DLSYM_ARG(config_destroy),
                                  PP_DLSYM_ARG(config_read_string),
                                  PP_DLSYM_ARG(config_write),
                                  PP_DLSYM_ARG(config_lookup_string),
                                  PP_DLSYM_ARG(config_setting_length),
                                  PP_DLSYM_ARG(config_setting_get_elem),
                                  PP_DLSYM_ARG(config_setting_get_member),
                                  PP_DLSYM_ARG(config_setting_get_string),
                                  PP_DLSYM_ARG(config_setting_get_int64),
                                  PP_DLSYM_ARG(config_setting_get_bool),
                                  PP_DLSYM_ARG(config_setting_add),
                                  PP_DLSYM_ARG(config_setting_set_string),
                                  PP_DLSYM_ARG(config_setting_set_int64),
                                  (void *)NULL);
}

int pp_libconfig_load(const char **why)
{
    pthread_once(&load_once, load);
    if (load_result != 0 && why != NULL)
        *why = load_error;
    return load_result;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcfg_loader.c: libconfig opened on first use (see lcfg_loader.h).
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

/*
 * SYM(config_init): where the pointer of one function goes, and its name.
 * The comparison (never evaluated) lets the compiler check that
 * sym_config_init has config_init's own type.
 */
#define SYM(name) { ((void)sizeof(sym_##name == &name), (void *)&sym_##name), #name }

/* Open libconfig and resolve every function; load_error says why not. */
static void load(void)
{
    const struct {
        void *dest;
        const char *name;
    } syms[] = {
        SYM(config_init),
        SYM(config_destroy),
        SYM(config_read_string),
        SYM(config_write),
        SYM(config_lookup_string),
        SYM(config_setting_length),
        SYM(config_setting_get_elem),
        SYM(config_setting_get_member),
        SYM(config_setting_get_string),
        SYM(config_setting_get_int64),
        SYM(config_setting_get_bool),
        SYM(config_setting_add),
        SYM(config_setting_set_string),
        SYM(config_setting_set_int64),
    };
    void *found[sizeof(syms) / sizeof(syms[0])];
    const char *e;
    void *handle;
    size_t i;

    dlerror();          /* clear a stale error */
    if ((handle = dlopen(PP_LIBCONFIG_OPEN, RTLD_NOW | RTLD_LOCAL)) == NULL) {
        e = dlerror();
        snprintf(load_error, sizeof(load_error), "%s", e != NULL ? e : "cannot be opened");
        return;
    }
    for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        dlerror();
        if ((found[i] = dlsym(handle, syms[i].name)) == NULL) {
            e = dlerror();
            snprintf(load_error, sizeof(load_error), "%s", e != NULL ? e : syms[i].name);
            /* Not the library we need: nothing of it is used. */
            dlclose(handle);
            return;
        }
    }
    for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
        memcpy(syms[i].dest, &found[i], sizeof(found[i]));
    load_result = 0;
}

int pp_libconfig_load(const char **why)
{
    pthread_once(&load_once, load);
    if (load_result != 0 && why != NULL)
        *why = load_error;
    return load_result;
}

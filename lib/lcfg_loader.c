/* SPDX-License-Identifier: BSD-3-Clause */
/* lcfg_loader.c: libconfig opened on first use (see lcfg_loader.h). */
#include <config.h>

#include "lcfg_loader.h"

#include <pthread.h>
#include <stddef.h>

#include "dynlib.h"

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

const struct pp_libconfig_api *pp_libconfig;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct pp_libconfig_api api;
static char load_error[256] = "not loaded";

#define SYM(field, name) { name, offsetof(struct pp_libconfig_api, field) }
static const struct pp_dynsym syms[] = {
    SYM(init, "config_init"),
    SYM(destroy, "config_destroy"),
    SYM(read_string, "config_read_string"),
    SYM(write, "config_write"),
    SYM(lookup_string, "config_lookup_string"),
    SYM(setting_length, "config_setting_length"),
    SYM(setting_get_elem, "config_setting_get_elem"),
    SYM(setting_get_member, "config_setting_get_member"),
    SYM(setting_get_string, "config_setting_get_string"),
    SYM(setting_get_int64, "config_setting_get_int64"),
    SYM(setting_get_bool, "config_setting_get_bool"),
    SYM(setting_add, "config_setting_add"),
    SYM(setting_set_string, "config_setting_set_string"),
    SYM(setting_set_int64, "config_setting_set_int64"),
};
#undef SYM

static void load(void)
{
    if (pp_dynlib_open(PP_LIBCONFIG_OPEN, syms, sizeof(syms) / sizeof(syms[0]), &api,
                       sizeof(api), load_error, sizeof(load_error)) == 0)
        pp_libconfig = &api;
}

const struct pp_libconfig_api *pp_libconfig_load(const char **why)
{
    pthread_once(&load_once, load);
    if (pp_libconfig == NULL && why != NULL)
        *why = load_error;
    return pp_libconfig;
}

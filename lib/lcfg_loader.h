/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcfg_loader.h: libconfig, loaded when a file must be parsed or written.
 *
 * Nothing in the module links libconfig: mapping it at every pam_start cost
 * about 60 us of CPU per login process, and a login that needs no file
 * parsed needs none of it. lib/lcfg.c (the only reader and the only place a
 * tree for writing is made) opens it by its SONAME (PP_LIBCONFIG_SONAME,
 * from configure) through dynlib.h, as secret.c does for libcrypto.
 *
 * A file that defines PP_LIBCONFIG_LAZY before including this header calls
 * every libconfig function below through the loaded table (the macros at
 * the end), and may do so only on a config_t that pp_lcfg_read or
 * pp_lcfg_init (lcfg.h) gave it: they load the table first. libconfig's
 * accessors that are macros over its structures (config_root_setting,
 * config_setting_type, config_setting_name, config_setting_source_line,
 * config_error_text, config_error_line) stay libconfig.h's own. A libconfig
 * function that is not in the table does not link into the module: add it
 * to struct pp_libconfig_api, the table in lcfg_loader.c and the macros.
 *
 * Promises: as dynlib.h: opened at most once per process (pthread_once),
 * never closed, the whole table or NULL.
 */
#ifndef PP_LCFG_LOADER_H
#define PP_LCFG_LOADER_H

#include <libconfig.h>

struct pp_libconfig_api {
    void (*init)(config_t *config);
    void (*destroy)(config_t *config);
    int (*read_string)(config_t *config, const char *str);
    void (*write)(const config_t *config, FILE *stream);
    int (*lookup_string)(const config_t *config, const char *path, const char **value);
    int (*setting_length)(const config_setting_t *setting);
    config_setting_t *(*setting_get_elem)(const config_setting_t *setting, unsigned int idx);
    config_setting_t *(*setting_get_member)(const config_setting_t *setting, const char *name);
    const char *(*setting_get_string)(const config_setting_t *setting);
    long long (*setting_get_int64)(const config_setting_t *setting);
    int (*setting_get_bool)(const config_setting_t *setting);
    config_setting_t *(*setting_add)(config_setting_t *parent, const char *name, int type);
    int (*setting_set_string)(config_setting_t *setting, const char *value);
    int (*setting_set_int64)(config_setting_t *setting, long long value);
};

/*
 * libconfig's functions, loading the library on the first call. NULL if it
 * could not be loaded or lacks a function; then *why (if not NULL) says
 * why, as dlerror() did (it names the file, e.g. "libconfig.so.9: cannot
 * open shared object file: No such file or directory"); the string is
 * static. Every later call gives the same answer.
 */
const struct pp_libconfig_api *pp_libconfig_load(const char **why);

#ifdef PP_LIBCONFIG_LAZY
/* Set by a successful pp_libconfig_load(). */
extern const struct pp_libconfig_api *pp_libconfig;
#define config_init (pp_libconfig->init)
#define config_destroy (pp_libconfig->destroy)
#define config_read_string (pp_libconfig->read_string)
#define config_write (pp_libconfig->write)
#define config_lookup_string (pp_libconfig->lookup_string)
#define config_setting_length (pp_libconfig->setting_length)
#define config_setting_get_elem (pp_libconfig->setting_get_elem)
#define config_setting_get_member (pp_libconfig->setting_get_member)
#define config_setting_get_string (pp_libconfig->setting_get_string)
#define config_setting_get_int64 (pp_libconfig->setting_get_int64)
#define config_setting_get_bool (pp_libconfig->setting_get_bool)
#define config_setting_add (pp_libconfig->setting_add)
#define config_setting_set_string (pp_libconfig->setting_set_string)
#define config_setting_set_int64 (pp_libconfig->setting_set_int64)
#endif

#endif

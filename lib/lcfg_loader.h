/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lcfg_loader.h: libconfig, opened when a file must be parsed or written.
 *
 * Nothing in the module links libconfig: mapping it at every pam_start is
 * a cost every login process would pay (bench/README.md), and a login that
 * needs no file parsed (a warm one) needs none of it. lib/lcfg.c (the only reader and the
 * only place a tree for writing is made) opens it by its SONAME
 * (PP_LIBCONFIG_SONAME, from configure) with pp_libconfig_load, the first
 * time a text is parsed or a tree made; it is the one library the module
 * opens at run time.
 *
 * Each libconfig function used is called through a pointer of its own type
 * named after it, sym_config_lookup_string for config_lookup_string (as
 * systemd's dlopen_many_sym_or_warn does): a call site says what it calls,
 * and libconfig's own names are never redefined, so the header's
 * declarations stay libconfig's. The pointers may be called only on a
 * config_t that pp_lcfg_read or pp_lcfg_init (lcfg.h) gave: they load the
 * library first. libconfig's accessors that are macros over its structures
 * (config_root_setting, config_setting_type, config_setting_name,
 * config_setting_source_line, config_error_text, config_error_line) are
 * used as they are. A libconfig function called directly does not link
 * into the module (tests/cloud/warm.test): add a pointer below and to the
 * list in lcfg_loader.c.
 *
 * Promises: opened at most once per process (pthread_once), never closed
 * (a library keeps global state, and the program may use it too); every
 * pointer is set, or none.
 */
#ifndef PP_LCFG_LOADER_H
#define PP_LCFG_LOADER_H

#include <libconfig.h>

extern __typeof__(config_init) *sym_config_init;
extern __typeof__(config_destroy) *sym_config_destroy;
extern __typeof__(config_read_string) *sym_config_read_string;
extern __typeof__(config_write) *sym_config_write;
extern __typeof__(config_lookup_string) *sym_config_lookup_string;
extern __typeof__(config_setting_length) *sym_config_setting_length;
extern __typeof__(config_setting_get_elem) *sym_config_setting_get_elem;
extern __typeof__(config_setting_get_member) *sym_config_setting_get_member;
extern __typeof__(config_setting_get_string) *sym_config_setting_get_string;
extern __typeof__(config_setting_get_int64) *sym_config_setting_get_int64;
extern __typeof__(config_setting_get_bool) *sym_config_setting_get_bool;
extern __typeof__(config_setting_add) *sym_config_setting_add;
extern __typeof__(config_setting_set_string) *sym_config_setting_set_string;
extern __typeof__(config_setting_set_int64) *sym_config_setting_set_int64;

/*
 * Open libconfig and set every sym_config_* pointer, the first time; 0. Or
 * -1 if it could not be opened or lacks a function: then *why (if not NULL)
 * says why, as dlerror() did (it names the file, e.g. "libconfig.so.9:
 * cannot open shared object file: No such file or directory"); the string
 * is static. Every later call gives the same answer.
 */
int pp_libconfig_load(const char **why);

#endif

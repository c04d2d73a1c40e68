/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf.h: pam_prefect.conf and PAM arguments, through one option table.
 *
 * Promises: every setting is declared once (name, type, default, field);
 * defaults are applied, then the file (libconfig syntax, read through
 * safefile: root-owned, not writable by others, no symlinks, size cap,
 * no @include), then the PAM arguments "name=value" (a bare "name" sets a
 * boolean true), so the stack line wins. "config=PATH" among the arguments
 * (or the path given by prefect-keys --config) names another file. Unknown
 * settings are logged and ignored. A malformed file, a value of the wrong
 * type or out of range is one error line (file, line, what) and a failed
 * load: the caller must then do nothing.
 */
#ifndef PP_CONF_H
#define PP_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"
#include "safefile.h"

enum pp_on_failure { PP_ON_FAILURE_IGNORE = 0, PP_ON_FAILURE_DENY = 1 };

struct pp_config {
    char *config_path;          /* the file that was read */
    char *api_url;              /* no trailing slash; https:// only */
    char *store;
    char *cache_dir;
    char *ca_file;              /* NULL: system default */
    char *proxy;                /* NULL: none (never from the environment) */
    char *check_program;        /* the program that asks Cloud (check.h) */
    bool validate;
    long cache_ttl;
    long negative_cache_ttl;
    long offline_grace;
    long connect_timeout_ms;
    long timeout_ms;
    long expiry_warn_days;
    enum pp_on_failure on_failure;
    long minimum_uid;
    bool broad_rules_for_system_accounts;   /* group/default rules for uid < UID_MIN */
    char **services;            /* NULL: all services; else NULL-terminated */
    bool debug;

    /* Filled by pp_config_load only: the file's identity (safefile.h; "" while
     * not settled), and its settings as read, before the arguments, in the
     * binary form of pp_config_from_image (NULL when they could not be packed). */
    char file_id[PP_FILE_ID_SIZE];
    unsigned char *image;
    size_t image_len;
};

/*
 * Fill cfg: defaults, then the file (override_path if not NULL, else a
 * "config=" argument, else PP_DEFAULT_CONFIG), then argv.
 * Returns 0, or -1 after logging why (cfg is then freed and zeroed).
 * log->debug is switched on as soon as debug is known to be set.
 */
int pp_config_load(struct pp_config *cfg, const char *override_path,
                   int argc, const char **argv, struct pp_log *log);

/*
 * What pp_config_load does with a file's text already read (len bytes,
 * NUL-terminated; path for messages only): defaults, the text, then argv
 * (a "config=" argument is not followed). For the fuzz targets and tests.
 */
int pp_config_parse(struct pp_config *cfg, const char *text, size_t len, const char *path,
                    int argc, const char **argv, struct pp_log *log);

void pp_config_free(struct pp_config *cfg);

/*
 * The file pp_config_load(cfg, override_path, argc, argv) would read:
 * override_path, else the last "config=" argument, else PP_DEFAULT_CONFIG.
 * NULL when that is not an absolute path (pp_config_load says why).
 */
const char *pp_config_file_of(const char *override_path, int argc, const char **argv);

/*
 * What pp_config_load does, with the file's settings taken from image (a
 * cfg->image of an earlier load of path) instead of parsing the file:
 * then argv, then the checks across settings. The caller has made sure the
 * file is unchanged (file_id). Nothing here loads libconfig. Returns 0, or
 * -1 (cfg freed and zeroed) when the image is not one this build wrote
 * (said only in debug) or argv is wrong (logged as pp_config_load would).
 */
int pp_config_from_image(struct pp_config *cfg, const char *path, const void *image,
                         size_t image_len, int argc, const char **argv, struct pp_log *log);

/*
 * Whether the PAM arguments ask for debug ("debug", "debug=true"...),
 * without reading the file (the module cannot when it is not root).
 */
bool pp_config_args_debug(int argc, const char **argv);

/* Whether service is in cfg->services (always true when that is NULL). */
bool pp_config_service_in_scope(const struct pp_config *cfg, const char *service);

/* The names of all settings, sorted, NULL-terminated (for docs/tests). */
const char *const *pp_config_names(void);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conf.c: one option table, filled from defaults, then pam_prefect.conf,
 * then the PAM arguments (conf.h).
 *
 * Every setting is declared once, in opts[] below (sorted by name): its
 * type, default, field and limits. The file and the arguments go through
 * the same setters, so a value is checked the same way wherever it comes
 * from, and every message says where the bad value was (file and line, or
 * the argument) and what is wrong with it.
 */
#include <config.h>

#include "conf.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Every libconfig function through its sym_config_* pointer, set by lcfg.c (lcfg_loader.h). */
#include "lcfg_loader.h"

#include "lcfg.h"
#include "names.h"
#include "pack.h"
#include "safefile.h"
#include "secret.h"

#if !defined(PP_DEFAULT_CONFIG) || !defined(PP_DEFAULT_STORE) || !defined(PP_DEFAULT_CACHE)
#error "PP_DEFAULT_CONFIG, PP_DEFAULT_STORE and PP_DEFAULT_CACHE come from Makefile.am"
#endif

#define PP_DEFAULT_API_URL "https://api.prefect.cloud/api"

enum opt_type { OPT_STRING, OPT_BOOL, OPT_INT, OPT_ENUM, OPT_LIST };

/* What a string setting must look like. */
enum str_kind {
    STR_URL,        /* https://..., trailing '/' removed */
    STR_PATH,       /* absolute path */
    STR_PATH_OPT,   /* absolute path; "" means none (NULL) */
    STR_TOKEN_OPT,  /* no blanks or control characters; "" means none (NULL) */
};

struct pp_option {
    const char *name;
    enum opt_type type;
    size_t offset;              /* of the field in struct pp_config */
    const char *def_string;     /* STRING, ENUM */
    long def_number;            /* BOOL (0/1), INT */
    long min, max;              /* INT */
    enum str_kind kind;         /* STRING */
    const char *const *values;  /* ENUM: names, index = value */
};

static const char *const on_failure_values[] = { "ignore", "deny", NULL };

#define DAY 86400L
#define UID_LIMIT ((unsigned long)UINT32_MAX > (unsigned long)LONG_MAX ? LONG_MAX : (long)UINT32_MAX)

/* What a value of each type must be, in messages. */
static const char *const type_wants[] = {
    [OPT_STRING] = "a string",
    [OPT_BOOL] = "true or false",
    [OPT_INT] = "an integer",
    [OPT_ENUM] = "a string",
    [OPT_LIST] = "a list of strings",
};

#define F(field) offsetof(struct pp_config, field)
/* Sorted by name (bsearch). */
static const struct pp_option opts[] = {
    { "api_url", OPT_STRING, F(api_url), PP_DEFAULT_API_URL, 0, 0, 0, STR_URL, NULL },
    { "broad_rules_for_system_accounts", OPT_BOOL, F(broad_rules_for_system_accounts), NULL, 0,
      0, 0, 0, NULL },
    { "ca_file", OPT_STRING, F(ca_file), NULL, 0, 0, 0, STR_PATH_OPT, NULL },
    { "cache_dir", OPT_STRING, F(cache_dir), PP_DEFAULT_CACHE, 0, 0, 0, STR_PATH, NULL },
    { "cache_ttl", OPT_INT, F(cache_ttl), NULL, 300, 0, 365 * DAY, 0, NULL },
    { "check_program", OPT_STRING, F(check_program), PP_CHECK_PROGRAM, 0, 0, 0, STR_PATH, NULL },
    { "connect_timeout_ms", OPT_INT, F(connect_timeout_ms), NULL, 2000, 1, 600000, 0, NULL },
    { "debug", OPT_BOOL, F(debug), NULL, 0, 0, 0, 0, NULL },
    { "expiry_warn_days", OPT_INT, F(expiry_warn_days), NULL, 14, 0, 3650, 0, NULL },
    { "minimum_uid", OPT_INT, F(minimum_uid), NULL, 0, 0, UID_LIMIT, 0, NULL },
    { "negative_cache_ttl", OPT_INT, F(negative_cache_ttl), NULL, 60, 0, 365 * DAY, 0, NULL },
    { "offline_grace", OPT_INT, F(offline_grace), NULL, DAY, 0, 365 * DAY, 0, NULL },
    { "on_failure", OPT_ENUM, F(on_failure), "ignore", 0, 0, 0, 0, on_failure_values },
    { "proxy", OPT_STRING, F(proxy), NULL, 0, 0, 0, STR_TOKEN_OPT, NULL },
    { "services", OPT_LIST, F(services), NULL, 0, 0, 0, 0, NULL },
    { "store", OPT_STRING, F(store), PP_DEFAULT_STORE, 0, 0, 0, STR_PATH, NULL },
    { "timeout_ms", OPT_INT, F(timeout_ms), NULL, 4000, 1, 600000, 0, NULL },
    { "validate", OPT_BOOL, F(validate), NULL, 1, 0, 0, 0, NULL },
};
#undef F
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* Room for a message prefix: "PATH:LINE: " or "argument "...": ". */
#define WHERE_MAX (PATH_MAX + 320)
/* Room for a quoted value in a message. */
#define SHOW_MAX 256

#define FIELD(cfg, opt, type) ((type *)(void *)((char *)(cfg) + (opt)->offset))

static int cmp_option(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const struct pp_option *)elem)->name);
}

static const struct pp_option *find_option(const char *name)
{
    return bsearch(name, opts, NOPTS, sizeof(opts[0]), cmp_option);
}

static const char *names_list[NOPTS + 1];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void fill_names(void)
{
    for (size_t i = 0; i < NOPTS; i++)
        names_list[i] = opts[i].name;
    names_list[NOPTS] = NULL;
}

const char *const *pp_config_names(void)
{
    pthread_once(&names_once, fill_names);
    return names_list;
}

static void free_list(char **list)
{
    if (list == NULL)
        return;
    for (char **p = list; *p != NULL; p++)
        free(*p);
    free(list);
}

void pp_config_free(struct pp_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->config_path);
    if (cfg->image != NULL)
        pp_free_buf(cfg->image, cfg->image_len);
    for (size_t i = 0; i < NOPTS; i++) {
        if (opts[i].type == OPT_STRING)
            free(*FIELD(cfg, &opts[i], char *));
        else if (opts[i].type == OPT_LIST)
            free_list(*FIELD(cfg, &opts[i], char **));
    }
    memset(cfg, 0, sizeof(*cfg));
}

bool pp_config_service_in_scope(const struct pp_config *cfg, const char *service)
{
    if (cfg->services == NULL)
        return true;
    if (service == NULL)
        return false;
    for (char **p = cfg->services; *p != NULL; p++) {
        if (strcmp(*p, service) == 0)
            return true;
    }
    return false;
}

/* Whether s has a blank, a control character or DEL. */
static bool has_blank_or_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p <= 0x20 || *p == 0x7f)
            return true;
    }
    return false;
}

/* A PAM service name as services lists it. */
static bool service_name_valid(const char *s)
{
    return pp_account_name_valid(s) && strchr(s, ',') == NULL;
}

static int set_string(struct pp_config *cfg, const struct pp_option *opt, const char *value,
                      const char *where, struct pp_log *log)
{
    char show[SHOW_MAX];
    char **field = FIELD(cfg, opt, char *);
    const char *wrong = NULL;
    bool path = opt->kind == STR_PATH || opt->kind == STR_PATH_OPT;
    char *copy;
    size_t len;

    if (value[0] == '\0' && (opt->kind == STR_PATH_OPT || opt->kind == STR_TOKEN_OPT)) {
        free(*field);
        *field = NULL;
        return 0;
    }
    if (value[0] == '\0') {
        pp_error(log, "%s%s must not be empty", where, opt->name);
        return -1;
    }
    if (has_blank_or_control(value))
        wrong = "must not contain blanks or control characters";
    else if (opt->kind == STR_URL && strncasecmp(value, "https://", 8) != 0)
        wrong = "must start with https://";
    else if (path && value[0] != '/')
        wrong = "must be an absolute path";
    if (wrong != NULL) {
        /* escaped only to be shown: at every login the value is good */
        pp_error(log, "%s%s %s (got \"%s\")", where, opt->name, wrong,
                 pp_log_safe(value, show, sizeof(show)));
        return -1;
    }
    copy = strdup(value);
    if (copy == NULL) {
        pp_error(log, "%s%s: out of memory", where, opt->name);
        return -1;
    }
    len = strlen(copy);
    if (opt->kind == STR_URL || path) {
        /* No trailing '/': paths and URLs are joined with one later. */
        while (len > 1 && copy[len - 1] == '/')
            copy[--len] = '\0';
    }
    if (opt->kind == STR_URL && (len <= 8 || copy[8] == '/')) {
        pp_error(log, "%s%s has no host (got \"%s\")", where, opt->name,
                 pp_log_safe(value, show, sizeof(show)));
        free(copy);
        return -1;
    }
    free(*field);
    *field = copy;
    return 0;
}

static int set_int(struct pp_config *cfg, const struct pp_option *opt, long long value,
                   const char *where, struct pp_log *log)
{
    if (value < opt->min || value > opt->max) {
        pp_error(log, "%s%s must be between %ld and %ld (got %lld)", where, opt->name, opt->min,
                 opt->max, value);
        return -1;
    }
    *FIELD(cfg, opt, long) = (long)value;
    return 0;
}

static void set_bool(struct pp_config *cfg, const struct pp_option *opt, bool value,
                     struct pp_log *log)
{
    *FIELD(cfg, opt, bool) = value;
    if (opt->offset == offsetof(struct pp_config, debug) && value && log != NULL)
        log->debug = true;
}

static int set_enum(struct pp_config *cfg, const struct pp_option *opt, const char *value,
                    const char *where, struct pp_log *log)
{
    char show[SHOW_MAX];
    char choices[128] = "";
    size_t i;

    for (i = 0; opt->values[i] != NULL; i++) {
        if (strcmp(value, opt->values[i]) == 0) {
            /* The only enumerated field is an enum pp_on_failure. */
            *FIELD(cfg, opt, enum pp_on_failure) = (enum pp_on_failure)i;
            return 0;
        }
    }
    for (i = 0; opt->values[i] != NULL; i++) {
        size_t used = strlen(choices);

        snprintf(choices + used, sizeof(choices) - used, "%s\"%s\"",
                 i == 0 ? "" : opt->values[i + 1] == NULL ? " or " : ", ", opt->values[i]);
    }
    pp_error(log, "%s%s must be %s (got \"%s\")", where, opt->name, choices,
             pp_log_safe(value, show, sizeof(show)));
    return -1;
}

/* Takes list (NULL-terminated, malloc'd); frees it on failure. */
static int set_list(struct pp_config *cfg, const struct pp_option *opt, char **list,
                    const char *where, struct pp_log *log)
{
    char show[SHOW_MAX];
    char ***field = FIELD(cfg, opt, char **);

    if (list[0] == NULL) {
        pp_error(log, "%s%s must not be empty (leave it out to act for every service)", where,
                 opt->name);
        free_list(list);
        return -1;
    }
    for (char **p = list; *p != NULL; p++) {
        if (!service_name_valid(*p)) {
            pp_error(log, "%s%s: \"%s\" is not a valid service name", where, opt->name,
                     pp_log_safe(*p, show, sizeof(show)));
            free_list(list);
            return -1;
        }
    }
    free_list(*field);
    *field = list;
    return 0;
}

static int set_defaults(struct pp_config *cfg, struct pp_log *log)
{
    for (size_t i = 0; i < NOPTS; i++) {
        const struct pp_option *opt = &opts[i];

        switch (opt->type) {
        case OPT_STRING:
            if (opt->def_string != NULL
                && (*FIELD(cfg, opt, char *) = strdup(opt->def_string)) == NULL) {
                pp_error(log, "configuration: out of memory");
                return -1;
            }
            break;
        case OPT_BOOL:
            *FIELD(cfg, opt, bool) = opt->def_number != 0;
            break;
        case OPT_INT:
            *FIELD(cfg, opt, long) = opt->def_number;
            break;
        case OPT_ENUM:
            if (set_enum(cfg, opt, opt->def_string, "default: ", log) != 0)
                return -1;
            break;
        case OPT_LIST:
            *FIELD(cfg, opt, char **) = NULL;     /* every service */
            break;
        }
    }
    return 0;
}

/* ---- the file ---- */

/* A list or array of strings from the file. */
static int file_list(struct pp_config *cfg, const struct pp_option *opt,
                     const config_setting_t *s, const char *where, struct pp_log *log)
{
    int n = sym_config_setting_length(s);
    char **list;

    list = calloc((size_t)n + 1, sizeof(*list));
    if (list == NULL) {
        pp_error(log, "%s%s: out of memory", where, opt->name);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = sym_config_setting_get_elem(s, (unsigned)i);
        const char *v;

        if (e == NULL || config_setting_type(e) != CONFIG_TYPE_STRING
            || (v = sym_config_setting_get_string(e)) == NULL) {
            pp_error(log, "%s%s must be %s", where, opt->name, type_wants[OPT_LIST]);
            free_list(list);
            return -1;
        }
        if ((list[i] = strdup(v)) == NULL) {
            pp_error(log, "%s%s: out of memory", where, opt->name);
            free_list(list);
            return -1;
        }
    }
    return set_list(cfg, opt, list, where, log);
}

static int file_setting(struct pp_config *cfg, const struct pp_option *opt,
                        const config_setting_t *s, const char *where, struct pp_log *log)
{
    int type = config_setting_type(s);

    switch (opt->type) {
    case OPT_STRING:
        if (type != CONFIG_TYPE_STRING)
            break;
        return set_string(cfg, opt, sym_config_setting_get_string(s), where, log);
    case OPT_BOOL:
        if (type != CONFIG_TYPE_BOOL)
            break;
        set_bool(cfg, opt, sym_config_setting_get_bool(s) != 0, log);
        return 0;
    case OPT_INT:
        if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
            break;
        return set_int(cfg, opt, sym_config_setting_get_int64(s), where, log);
    case OPT_ENUM:
        if (type != CONFIG_TYPE_STRING)
            break;
        return set_enum(cfg, opt, sym_config_setting_get_string(s), where, log);
    case OPT_LIST:
        if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
            break;
        return file_list(cfg, opt, s, where, log);
    }
    pp_error(log, "%s%s must be %s", where, opt->name, type_wants[opt->type]);
    return -1;
}

/* The settings of a configuration file's text (len bytes, NUL-terminated). */
static int parse_file_text(struct pp_config *cfg, const char *text, size_t len, const char *path,
                           struct pp_log *log)
{
    char where[WHERE_MAX];
    config_t lc;
    config_setting_t *root;
    int rc = -1;

    if (strlen(text) != len) {
        pp_error(log, "%s: contains a NUL byte", path);
        return -1;
    }
    if (pp_lcfg_parse(&lc, text, path, log) != 0)
        return -1;
    root = config_root_setting(&lc);
    for (int i = 0; i < sym_config_setting_length(root); i++) {
        const config_setting_t *s = sym_config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(s);
        const struct pp_option *opt = name != NULL ? find_option(name) : NULL;

        snprintf(where, sizeof(where), "%s:%u: ", path, config_setting_source_line(s));
        if (opt == NULL) {
            pp_warn(log, "%sunknown setting %s ignored", where, name != NULL ? name : "(none)");
            continue;
        }
        if (file_setting(cfg, opt, s, where, log) != 0)
            goto out;
    }
    rc = 0;
out:
    sym_config_destroy(&lc);
    return rc;
}

static int load_file(struct pp_config *cfg, const char *path, struct pp_log *log)
{
    char err[PP_ERRLEN];
    struct stat st;
    char *text;
    size_t len;
    int rc;

    if (pp_read_file_st(path, PP_FILE_PUBLIC, PP_CONFIG_MAX, false, &text, &len, &st, err,
                        sizeof(err)) != 0) {
        pp_error(log, "configuration %s", err);
        return -1;
    }
    rc = parse_file_text(cfg, text, len, path, log);
    pp_free_buf(text, len + 1);
    if (rc == 0)
        pp_file_identity(&st, cfg->file_id, sizeof(cfg->file_id));
    return rc;
}

/* ---- the settings in binary form (pack.h), for the login memo ---- */

/* Each setting in table order: its name, then its value. */
static void pack_settings(const struct pp_config *cfg, struct pp_packer *w)
{
    for (size_t i = 0; i < NOPTS; i++) {
        const struct pp_option *opt = &opts[i];
        char **list;

        pp_pack_str(w, opt->name);
        switch (opt->type) {
        case OPT_STRING:
            pp_pack_str(w, *FIELD(cfg, opt, char *));
            break;
        case OPT_BOOL:
            pp_pack_u8(w, *FIELD(cfg, opt, bool) ? 1 : 0);
            break;
        case OPT_INT:
            pp_pack_i64(w, *FIELD(cfg, opt, long));
            break;
        case OPT_ENUM:
            pp_pack_u8(w, (unsigned)*FIELD(cfg, opt, enum pp_on_failure));
            break;
        case OPT_LIST:
            list = *FIELD(cfg, opt, char **);
            if (list == NULL) {
                pp_pack_i64(w, -1);
                break;
            }
            {
                int64_t n = 0;

                while (list[n] != NULL)
                    n++;
                pp_pack_i64(w, n);
                for (char **p = list; *p != NULL; p++)
                    pp_pack_str(w, *p);
            }
            break;
        }
    }
}

/* The settings back, each through its setter (so each is checked again). */
static int unpack_settings(struct pp_config *cfg, struct pp_unpacker *r, struct pp_log *log)
{
    const char *where = "login memo: ";

    for (size_t i = 0; i < NOPTS; i++) {
        const struct pp_option *opt = &opts[i];
        const char *name, *v;
        bool isnull;
        int64_t n;
        unsigned e;

        name = pp_unpack_str(r, &isnull);
        if (name == NULL || strcmp(name, opt->name) != 0)
            return -1;
        switch (opt->type) {
        case OPT_STRING:
            v = pp_unpack_str(r, &isnull);
            if (r->bad || (isnull && opt->kind != STR_PATH_OPT && opt->kind != STR_TOKEN_OPT)
                || set_string(cfg, opt, isnull ? "" : v, where, log) != 0)
                return -1;
            break;
        case OPT_BOOL:
            set_bool(cfg, opt, pp_unpack_bool(r), NULL);
            break;
        case OPT_INT:
            if (set_int(cfg, opt, pp_unpack_i64(r), where, log) != 0)
                return -1;
            break;
        case OPT_ENUM:
            e = pp_unpack_u8(r);
            for (size_t k = 0; k <= e; k++)
                if (opt->values[k] == NULL)
                    return -1;
            if (set_enum(cfg, opt, opt->values[e], where, log) != 0)
                return -1;
            break;
        case OPT_LIST:
            n = pp_unpack_i64(r);
            if (r->bad || n < -1 || n > 4096)
                return -1;
            if (n >= 0) {
                char **list = calloc((size_t)n + 1, sizeof(*list));

                if (list == NULL)
                    return -1;
                for (int64_t k = 0; k < n; k++) {
                    v = pp_unpack_str(r, &isnull);
                    if (v == NULL || (list[k] = strdup(v)) == NULL) {
                        free_list(list);
                        return -1;
                    }
                }
                if (set_list(cfg, opt, list, where, log) != 0)
                    return -1;
            }
            break;
        }
        if (r->bad)
            return -1;
    }
    return pp_unpack_done(r) ? 0 : -1;
}

/* cfg->image: the settings as the file gave them (before the arguments). */
static void keep_image(struct pp_config *cfg)
{
    struct pp_packer w;

    pp_packer_init(&w, PP_CONFIG_MAX);
    pack_settings(cfg, &w);
    if (w.overflow || w.len == 0) {
        pp_packer_free(&w);
        return;
    }
    /* The buffer is cfg's now: pp_config_free frees it. */
    cfg->image = w.buf;
    cfg->image_len = w.len;
}

/* ---- the PAM arguments ---- */

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1", NULL };
    static const char *const no[] = { "false", "no", "off", "0", NULL };

    for (size_t i = 0; yes[i] != NULL; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* "a,b,c" into a NULL-terminated list; an empty element is an error. */
static int arg_list(struct pp_config *cfg, const struct pp_option *opt, const char *value,
                    const char *where, struct pp_log *log)
{
    size_t n = 1, i = 0;
    const char *p, *comma;
    char **list;

    for (p = value; *p != '\0'; p++)
        n += *p == ',';
    list = calloc(n + 1, sizeof(*list));
    if (list == NULL) {
        pp_error(log, "%s%s: out of memory", where, opt->name);
        return -1;
    }
    for (p = value;; p = comma + 1) {
        comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);

        if (len == 0) {
            pp_error(log, "%s%s has an empty element", where, opt->name);
            free_list(list);
            return -1;
        }
        if ((list[i++] = strndup(p, len)) == NULL) {
            pp_error(log, "%s%s: out of memory", where, opt->name);
            free_list(list);
            return -1;
        }
        if (comma == NULL)
            break;
    }
    return set_list(cfg, opt, list, where, log);
}

static int arg_setting(struct pp_config *cfg, const struct pp_option *opt, const char *value,
                       const char *where, struct pp_log *log)
{
    long long number;
    char *end;
    bool b;

    if (value == NULL && opt->type != OPT_BOOL) {
        pp_error(log, "%s%s needs a value (%s=...)", where, opt->name, opt->name);
        return -1;
    }
    switch (opt->type) {
    case OPT_STRING:
        return set_string(cfg, opt, value, where, log);
    case OPT_BOOL:
        if (value == NULL) {
            b = true;
        } else if (parse_bool(value, &b) != 0) {
            break;
        }
        set_bool(cfg, opt, b, log);
        return 0;
    case OPT_INT:
        /* Out of long long's range saturates, and fails the range check. */
        number = strtoll(value, &end, 10);
        /* Digits with an optional '-': no blanks, no '+', no "0x". */
        if (*end != '\0' || end == value
            || (value[0] != '-' && (value[0] < '0' || value[0] > '9')))
            break;
        return set_int(cfg, opt, number, where, log);
    case OPT_ENUM:
        return set_enum(cfg, opt, value, where, log);
    case OPT_LIST:
        return arg_list(cfg, opt, value, where, log);
    }
    pp_error(log, "%s%s must be %s", where, opt->name, type_wants[opt->type]);
    return -1;
}

static int apply_args(struct pp_config *cfg, int argc, const char **argv, struct pp_log *log)
{
    char where[WHERE_MAX];
    char show[SHOW_MAX];
    char name[64];

    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char *eq, *value;
        const struct pp_option *opt;
        size_t len;

        if (arg == NULL || strncmp(arg, "config=", 7) == 0)
            continue;
        eq = strchr(arg, '=');
        len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
        value = eq != NULL ? eq + 1 : NULL;
        snprintf(where, sizeof(where), "argument \"%s\": ", pp_log_safe(arg, show, sizeof(show)));
        opt = NULL;
        if (len < sizeof(name)) {
            memcpy(name, arg, len);
            name[len] = '\0';
            opt = find_option(name);
        }
        if (opt == NULL) {
            char shown_name[SHOW_MAX];

            snprintf(shown_name, sizeof(shown_name), "%.*s", (int)(len < 200 ? len : 200), arg);
            pp_warn(log, "%sunknown setting %s ignored", where,
                    pp_log_safe(shown_name, show, sizeof(show)));
            continue;
        }
        if (arg_setting(cfg, opt, value, where, log) != 0)
            return -1;
    }
    return 0;
}

bool pp_config_args_debug(int argc, const char **argv)
{
    bool b;

    for (int i = 0; argv != NULL && i < argc; i++) {
        const char *arg = argv[i];

        if (arg != NULL && (strcmp(arg, "debug") == 0
                            || (strncmp(arg, "debug=", 6) == 0
                                && parse_bool(arg + 6, &b) == 0 && b)))
            return true;
    }
    return false;
}

/* Before the file is read: which file, and is debug asked for? */
static void scan_args(int argc, const char **argv, const char **config_arg, struct pp_log *log)
{
    *config_arg = NULL;
    for (int i = 0; i < argc; i++) {
        if (argv[i] != NULL && strncmp(argv[i], "config=", 7) == 0)
            *config_arg = argv[i];
    }
    if (log != NULL && pp_config_args_debug(argc, argv))
        log->debug = true;
}

/* Checks that involve more than one setting. */
static int check_together(const struct pp_config *cfg, struct pp_log *log)
{
    if (cfg->connect_timeout_ms > cfg->timeout_ms) {
        pp_error(log, "%s: connect_timeout_ms (%ld) must not be larger than timeout_ms (%ld)",
                 cfg->config_path, cfg->connect_timeout_ms, cfg->timeout_ms);
        return -1;
    }
    return 0;
}

int pp_config_parse(struct pp_config *cfg, const char *text, size_t len, const char *path,
                    int argc, const char **argv, struct pp_log *log)
{
    memset(cfg, 0, sizeof(*cfg));
    if (argv == NULL)
        argc = 0;
    if (set_defaults(cfg, log) != 0 || (cfg->config_path = strdup(path)) == NULL
        || parse_file_text(cfg, text, len, path, log) != 0
        || apply_args(cfg, argc, argv, log) != 0 || check_together(cfg, log) != 0) {
        pp_config_free(cfg);
        return -1;
    }
    return 0;
}

const char *pp_config_file_of(const char *override_path, int argc, const char **argv)
{
    const char *config_arg;

    if (argv == NULL)
        argc = 0;
    scan_args(argc, argv, &config_arg, NULL);
    if (override_path != NULL)
        return override_path[0] == '/' ? override_path : NULL;
    if (config_arg != NULL)
        return config_arg[7] == '/' ? config_arg + 7 : NULL;
    return PP_DEFAULT_CONFIG;
}

int pp_config_from_image(struct pp_config *cfg, const char *path, const void *image,
                         size_t image_len, int argc, const char **argv, struct pp_log *log)
{
    struct pp_log quiet = { .sink = pp_log_drop };
    struct pp_unpacker r;

    memset(cfg, 0, sizeof(*cfg));
    if (argv == NULL)
        argc = 0;
    if (log != NULL && pp_config_args_debug(argc, argv))
        log->debug = true;
    pp_unpacker_init(&r, image, image_len);
    /* A memo is only a shortcut: what is wrong with it is not worth an error line. */
    if ((cfg->config_path = strdup(path)) == NULL || unpack_settings(cfg, &r, &quiet) != 0) {
        pp_debug(log, "login memo: the settings of %s in it are not usable", path);
        pp_config_free(cfg);
        return -1;
    }
    if (apply_args(cfg, argc, argv, log) != 0 || check_together(cfg, log) != 0) {
        pp_config_free(cfg);
        return -1;
    }
    if (cfg->debug && log != NULL)
        log->debug = true;
    return 0;
}

int pp_config_load(struct pp_config *cfg, const char *override_path,
                   int argc, const char **argv, struct pp_log *log)
{
    const char *config_arg, *path;
    char show[SHOW_MAX];

    memset(cfg, 0, sizeof(*cfg));
    if (argv == NULL)
        argc = 0;
    scan_args(argc, argv, &config_arg, log);
    if (set_defaults(cfg, log) != 0)
        goto fail;

    if (override_path != NULL && config_arg != NULL)
        pp_debug(log, "argument \"%s\" ignored: using %s",
                 pp_log_safe(config_arg, show, sizeof(show)), override_path);
    path = pp_config_file_of(override_path, argc, argv);
    if (path == NULL && override_path != NULL) {
        pp_error(log, "configuration path \"%s\" is not absolute",
                 pp_log_safe(override_path, show, sizeof(show)));
        goto fail;
    }
    if (path == NULL) {
        pp_error(log, "argument \"%s\": config must be an absolute path",
                 pp_log_safe(config_arg, show, sizeof(show)));
        goto fail;
    }
    if ((cfg->config_path = strdup(path)) == NULL) {
        pp_error(log, "configuration: out of memory");
        goto fail;
    }
    if (load_file(cfg, path, log) != 0)
        goto fail;
    keep_image(cfg);
    if (apply_args(cfg, argc, argv, log) != 0 || check_together(cfg, log) != 0)
        goto fail;
    if (cfg->debug && log != NULL)
        log->debug = true;
    pp_debug(log, "configuration %s loaded", cfg->config_path);
    return 0;

fail:
    pp_config_free(cfg);
    return -1;
}

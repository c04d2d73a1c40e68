/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store.c: key entries, read and written as libconfig text (see store.h).
 *
 * The key is the only secret here. It is copied out of libconfig's tree
 * with pp_strdup_secret and the tree's copy is wiped before the tree is
 * destroyed; the text the entry was parsed from belongs to the caller, who
 * wipes it (pp_entry_load does so for the file it read). Formatting builds
 * its output in a buffer that is wiped whenever it is grown or abandoned.
 */
#include <config.h>

#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Every libconfig function through its sym_config_* pointer, set by lcfg.c (lcfg_loader.h). */
#include "lcfg_loader.h"

#include "lcfg.h"
#include "safefile.h"
#include "secret.h"
#include "store_write.h"
#include "timefmt.h"

static const char *const entry_fields[] = {
    "key", "account_id", "workspace_id", "expires", "user_id", "key_id",
    "service_account_id", "service_account_key_id", "comment", "added", NULL,
};

enum pp_key_kind pp_key_kind_of(const char *key)
{
    if (key == NULL)
        return PP_KIND_OTHER;
    if (strncmp(key, "pnu_", 4) == 0)
        return PP_KIND_USER;
    if (strncmp(key, "pnb_", 4) == 0)
        return PP_KIND_SERVICE_ACCOUNT;
    return PP_KIND_OTHER;
}

const char *pp_key_kind_name(enum pp_key_kind kind)
{
    switch (kind) {
    case PP_KIND_USER:
        return "user";
    case PP_KIND_SERVICE_ACCOUNT:
        return "service-account";
    case PP_KIND_OTHER:
        break;
    }
    return "other";
}

int pp_entry_path(const char *store, const char *name, char *out, size_t outlen)
{
    size_t slen;
    int n;

    if (out != NULL && outlen > 0)
        out[0] = '\0';
    if (store == NULL || *store == '\0' || out == NULL || !pp_entry_name_valid(name))
        return -1;
    slen = strlen(store);
    n = snprintf(out, outlen, "%s%s%s.key", store, store[slen - 1] == '/' ? "" : "/", name);
    if (n < 0 || (size_t)n >= outlen) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

/* Overwrite the key libconfig holds, if any, before the tree is freed. */
static void wipe_tree_key(config_t *c)
{
    config_setting_t *root = config_root_setting(c);
    config_setting_t *s;
    const char *v;

    if (root == NULL)
        return;
    s = sym_config_setting_get_member(root, "key");
    if (s == NULL || config_setting_type(s) != CONFIG_TYPE_STRING)
        return;
    v = sym_config_setting_get_string(s);
    if (v != NULL)
        pp_wipe((char *)v, strlen(v));
}

/*
 * A string setting of the entry. Returns 0 with *out (and *line) when set,
 * 1 when absent and optional, -1 after logging (absent and required, or
 * not a string).
 */
static int get_string(config_setting_t *root, const char *field, bool required,
                      const char *path, const char **out, unsigned *line,
                      const struct pp_log *log)
{
    config_setting_t *s = sym_config_setting_get_member(root, field);

    *out = NULL;
    *line = 0;
    if (s == NULL) {
        if (!required)
            return 1;
        pp_error(log, "%s: missing '%s'", path, field);
        return -1;
    }
    *line = config_setting_source_line(s);
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        pp_error(log, "%s:%u: '%s' must be a string", path, *line, field);
        return -1;
    }
    *out = sym_config_setting_get_string(s);
    return 0;
}

/* An optional or required UUID field into dst (PP_UUID_LEN + 1 bytes). */
static int get_uuid(config_setting_t *root, const char *field, bool required,
                    const char *path, char *dst, const struct pp_log *log)
{
    const char *v;
    unsigned line;
    int r = get_string(root, field, required, path, &v, &line, log);

    dst[0] = '\0';
    if (r != 0)
        return r;
    if (!pp_uuid_valid(v)) {
        pp_error(log, "%s:%u: '%s' is not a valid id (a lowercase UUID)", path, line, field);
        return -1;
    }
    memcpy(dst, v, PP_UUID_LEN + 1);
    return 0;
}

static int get_time(config_setting_t *root, const char *field, const char *path,
                    bool *has, time_t *t, const struct pp_log *log)
{
    const char *v;
    unsigned line;
    int r = get_string(root, field, false, path, &v, &line, log);

    *has = false;
    *t = 0;
    if (r != 0)
        return r;
    if (pp_time_parse(v, t) != 0) {
        pp_error(log, "%s:%u: '%s' is not a valid time (RFC 3339, e.g. 2027-01-31T00:00:00Z)",
                 path, line, field);
        return -1;
    }
    *has = true;
    return 0;
}

static int parse_fields(config_setting_t *root, const char *path, struct pp_entry *e,
                        const struct pp_log *log)
{
    const char *v;
    unsigned line;
    int i, n, r, ruid, rkid;

    /* Unknown settings: ignored, so that newer tools can add some. */
    n = sym_config_setting_length(root);
    for (i = 0; i < n; i++) {
        config_setting_t *s = sym_config_setting_get_elem(root, (unsigned)i);
        const char *sname = config_setting_name(s);
        size_t k;

        for (k = 0; entry_fields[k] != NULL; k++)
            if (sname != NULL && strcmp(sname, entry_fields[k]) == 0)
                break;
        if (entry_fields[k] == NULL) {
            char safe[80];

            pp_debug(log, "%s:%u: unknown setting '%s' ignored", path,
                     config_setting_source_line(s),
                     pp_log_safe(sname != NULL ? sname : "", safe, sizeof(safe)));
        }
    }

    if (get_string(root, "key", true, path, &v, &line, log) != 0)
        return -1;
    if (*v == '\0') {
        pp_error(log, "%s:%u: 'key' is empty", path, line);
        return -1;
    }
    if (pp_key_problem(v) != NULL) {
        pp_error(log, "%s:%u: 'key' contains whitespace, control or non-ASCII characters",
                 path, line);
        return -1;
    }
    e->key = pp_strdup_secret(v);
    if (e->key == NULL) {
        pp_error(log, "%s: out of memory", path);
        return -1;
    }
    e->kind = pp_key_kind_of(e->key);

    if (get_uuid(root, "account_id", true, path, e->account_id, log) != 0
        || get_uuid(root, "workspace_id", true, path, e->workspace_id, log) != 0)
        return -1;
    if (get_time(root, "expires", path, &e->has_expires, &e->expires, log) < 0)
        return -1;

    ruid = get_uuid(root, "user_id", false, path, e->user_id, log);
    if (ruid < 0)
        return -1;
    rkid = get_uuid(root, "key_id", false, path, e->key_id, log);
    if (rkid < 0)
        return -1;
    if (ruid != rkid) {
        const char *have = ruid == 0 ? "user_id" : "key_id";
        const char *lack = ruid == 0 ? "key_id" : "user_id";

        pp_error(log, "%s:%u: '%s' needs '%s' too (both or neither)", path,
                 config_setting_source_line(sym_config_setting_get_member(root, have)),
                 have, lack);
        return -1;
    }
    if (get_uuid(root, "service_account_id", false, path, e->service_account_id, log) < 0)
        return -1;
    if (get_uuid(root, "service_account_key_id", false, path, e->sa_key_id, log) < 0)
        return -1;

    r = get_string(root, "comment", false, path, &v, &line, log);
    if (r < 0)
        return -1;
    if (r == 0) {
        if (!pp_text_valid(v)) {
            pp_error(log, "%s:%u: 'comment' contains control characters", path, line);
            return -1;
        }
        e->comment = strdup(v);
        if (e->comment == NULL) {
            pp_error(log, "%s: out of memory", path);
            return -1;
        }
    }

    if (get_time(root, "added", path, &e->has_added, &e->added, log) < 0)
        return -1;
    return 0;
}

int pp_entry_parse(const char *text, const char *path, const char *name,
                   struct pp_entry *e, const struct pp_log *log)
{
    char safe[PP_ENTRY_NAME_MAX + 16];
    config_t c;
    int r;

    memset(e, 0, sizeof(*e));
    if (path == NULL)
        path = "(entry)";
    if (!pp_entry_name_valid(name)) {
        pp_error(log, "%s: invalid entry name '%s'", path,
                 pp_log_safe(name != NULL ? name : "", safe, sizeof(safe)));
        return -1;
    }
    if (text == NULL) {
        pp_error(log, "%s: no text", path);
        return -1;
    }
    memcpy(e->name, name, strlen(name) + 1);

    if (pp_lcfg_parse(&c, text, path, log) != 0) {
        pp_entry_clear(e);
        return -1;
    }
    r = parse_fields(config_root_setting(&c), path, e, log);
    wipe_tree_key(&c);
    sym_config_destroy(&c);
    if (r != 0)
        pp_entry_clear(e);
    return r;
}

/*
 * Zero e, then read entry name's file safely (path: PATH_MAX bytes): 0
 * with *buf (len bytes and a NUL, none inside; pp_free_buf) and st, else
 * -1 or PP_ABSENT (logged).
 */
static int read_entry(const struct pp_config *cfg, const char *name, struct pp_entry *e,
                      char *path, char **buf, size_t *lenp, struct stat *st,
                      const struct pp_log *log)
{
    char err[PP_ERRLEN];
    char safe[PP_ENTRY_NAME_MAX + 16];
    size_t len = 0;
    int r;

    memset(e, 0, sizeof(*e));
    *buf = NULL;
    if (!pp_entry_name_valid(name)) {
        pp_error(log, "invalid entry name '%s'",
                 pp_log_safe(name != NULL ? name : "", safe, sizeof(safe)));
        return -1;
    }
    if (pp_entry_path(cfg->store, name, path, PATH_MAX) != 0) {
        pp_error(log, "%s: store path is empty or too long", cfg->store != NULL ? cfg->store : "");
        return -1;
    }
    r = pp_check_dir(cfg->store, true, err, sizeof(err));
    if (r == PP_ABSENT) {
        pp_error(log, "%s: no such entry (%s)", path, err);
        return PP_ABSENT;
    }
    if (r != 0) {
        pp_error(log, "%s", err);
        return -1;
    }
    r = pp_read_file_st(path, PP_FILE_SECRET, PP_ENTRY_MAX, true, buf, &len, st, err,
                        sizeof(err));
    if (r == 0 && strlen(*buf) != len) {
        pp_free_buf(*buf, len + 1);
        *buf = NULL;
        pp_error(log, "%s: contains a NUL byte", path);
        return -1;
    }
    if (r == PP_ABSENT) {
        pp_error(log, "%s: no such entry", path);
        return PP_ABSENT;
    }
    if (r != 0) {
        pp_error(log, "%s", err);
        return -1;
    }
    *lenp = len;
    return 0;
}

int pp_entry_load(const struct pp_config *cfg, const char *name,
                  struct pp_entry *e, const struct pp_log *log)
{
    struct stat st;
    char path[PATH_MAX];
    char *buf, *at;
    size_t len;
    int r = read_entry(cfg, name, e, path, &buf, &len, &st, log);

    if (r != 0)
        return r;
    r = pp_entry_parse(buf, path, name, e, log) == 0 ? 0 : -1;
    if (r == 0) {
        pp_file_identity(&st, e->file_id, sizeof(e->file_id));
        at = memmem(buf, len, e->key, strlen(e->key));
        if (at != NULL) {
            e->key_at = (size_t)(at - buf);
            e->key_len = strlen(e->key);
        }
    }
    pp_free_buf(buf, len + 1);
    return r;
}

int pp_entry_load_known(const struct pp_config *cfg, const char *name,
                        const struct pp_entry *known, struct pp_entry *e,
                        const struct pp_log *log)
{
    struct stat st;
    char path[PATH_MAX], now[PP_FILE_ID_SIZE];
    char *buf;
    size_t len;
    int r = read_entry(cfg, name, e, path, &buf, &len, &st, log);

    if (r != 0)
        return r;
    pp_file_identity(&st, now, sizeof(now));
    if (now[0] == '\0' || strcmp(now, known->file_id) != 0 || known->key_len == 0
        || known->key_at > len || known->key_len > len - known->key_at) {
        pp_free_buf(buf, len + 1);
        return 1;
    }
    *e = *known;
    e->key = NULL;
    e->comment = NULL;
    e->record = NULL;
    e->record_read = false;
    e->fp[0] = '\0';
    memcpy(e->file_id, now, sizeof(e->file_id));
    snprintf(e->name, sizeof(e->name), "%s", name);
    e->key = strndup(buf + known->key_at, known->key_len);
    pp_free_buf(buf, len + 1);
    if (e->key == NULL) {
        pp_error(log, "%s: out of memory", path);
        return -1;
    }
    return 0;
}

/* An output buffer that never leaves a copy of its content behind. */
struct sbuf {
    char *p;
    size_t len;
    size_t cap;
    bool failed;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap > 0 ? b->cap : 512;
        char *q;

        while (b->len + n + 1 > cap)
            cap *= 2;
        q = malloc(cap);
        if (q == NULL) {
            b->failed = true;
            return;
        }
        if (b->len > 0)
            memcpy(q, b->p, b->len);
        pp_free_buf(b->p, b->cap);
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* field = "value";  with backslash and double quote escaped. */
static void sb_setting(struct sbuf *b, const char *field, const char *value)
{
    const char *p = value;

    sb_puts(b, field);
    sb_puts(b, " = \"");
    while (*p != '\0') {
        size_t n = strcspn(p, "\\\"");

        sb_put(b, p, n);
        p += n;
        if (*p != '\0') {
            sb_put(b, "\\", 1);
            sb_put(b, p, 1);
            p++;
        }
    }
    sb_puts(b, "\";\n");
}

static void sb_time(struct sbuf *b, const char *field, time_t t)
{
    char tbuf[PP_TIME_SIZE];
    time_t back;

    pp_time_format(t, tbuf);
    if (pp_time_parse(tbuf, &back) != 0 || back != t) {
        b->failed = true;       /* would not read back the same */
        return;
    }
    sb_setting(b, field, tbuf);
}

static bool optional_uuid_valid(const char *s)
{
    return s[0] == '\0' || pp_uuid_valid(s);
}

int pp_entry_format(const struct pp_entry *e, char **out, size_t *outlen)
{
    struct sbuf b = { NULL, 0, 0, false };

    *out = NULL;
    *outlen = 0;
    /* Refuse what pp_entry_parse would refuse: the text must read back. */
    if (!pp_entry_name_valid(e->name) || e->key == NULL || e->key[0] == '\0'
        || pp_key_problem(e->key) != NULL || !pp_uuid_valid(e->account_id)
        || !pp_uuid_valid(e->workspace_id) || !optional_uuid_valid(e->user_id)
        || !optional_uuid_valid(e->key_id) || !optional_uuid_valid(e->service_account_id)
        || !optional_uuid_valid(e->sa_key_id)
        || (e->user_id[0] == '\0') != (e->key_id[0] == '\0')
        || (e->comment != NULL && !pp_text_valid(e->comment)))
        return -1;

    sb_puts(&b, "# pam_prefect key entry \"");
    sb_puts(&b, e->name);
    sb_puts(&b, "\" (");
    sb_puts(&b, pp_key_kind_name(pp_key_kind_of(e->key)));
    sb_puts(&b, " key). Root only, mode 0600: written by prefect-keys.\n");
    sb_setting(&b, "key", e->key);
    sb_setting(&b, "account_id", e->account_id);
    sb_setting(&b, "workspace_id", e->workspace_id);
    if (e->has_expires)
        sb_time(&b, "expires", e->expires);
    if (e->user_id[0] != '\0') {
        sb_setting(&b, "user_id", e->user_id);
        sb_setting(&b, "key_id", e->key_id);
    }
    if (e->service_account_id[0] != '\0')
        sb_setting(&b, "service_account_id", e->service_account_id);
    if (e->sa_key_id[0] != '\0')
        sb_setting(&b, "service_account_key_id", e->sa_key_id);
    if (e->comment != NULL)
        sb_setting(&b, "comment", e->comment);
    if (e->has_added)
        sb_time(&b, "added", e->added);

    if (b.failed) {
        pp_free_buf(b.p, b.cap);
        return -1;
    }
    /* Hand over exactly len + 1 bytes, as the caller will wipe that many. */
    if (b.cap != b.len + 1) {
        char *q = malloc(b.len + 1);

        if (q == NULL) {
            pp_free_buf(b.p, b.cap);
            return -1;
        }
        memcpy(q, b.p, b.len + 1);
        pp_free_buf(b.p, b.cap);
        b.p = q;
    }
    *out = b.p;
    *outlen = b.len;
    return 0;
}

void pp_entry_clear(struct pp_entry *e)
{
    if (e == NULL)
        return;
    pp_free_secret(e->key);
    free(e->comment);
    free(e->record);
    pp_wipe(e, sizeof(*e));
}

/* ---- the store as a set of files ---- */

#define KEY_SUFFIX ".key"
#define KEY_SUFFIX_LEN (sizeof(KEY_SUFFIX) - 1)

enum pp_store_file pp_store_file_kind(const char *fname, char name[PP_ENTRY_NAME_MAX + 1])
{
    size_t len = strlen(fname);

    name[0] = '\0';
    if (strcmp(fname, PP_MAPPING_NAME) == 0)
        return PP_SF_MAPPING;
    if (strcmp(fname, PP_LOCK_NAME) == 0)
        return PP_SF_LOCK;
    if (strncmp(fname, PP_TEMP_PREFIX, strlen(PP_TEMP_PREFIX)) == 0)
        return PP_SF_TEMP;
    if (len <= KEY_SUFFIX_LEN || strcmp(fname + len - KEY_SUFFIX_LEN, KEY_SUFFIX) != 0)
        return PP_SF_OTHER;
    if (!pp_entry_name_of_file(fname, KEY_SUFFIX, name))
        return PP_SF_BAD_ENTRY_NAME;
    return PP_SF_ENTRY;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void pp_names_free(char **names, size_t n)
{
    if (names == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int pp_store_list(const struct pp_config *cfg, char ***names, size_t *n,
                  const struct pp_log *log)
{
    char name[PP_ENTRY_NAME_MAX + 1];
    struct dirent *de;
    char **list = NULL;
    size_t cnt = 0, cap = 0;
    DIR *d;

    *names = NULL;
    *n = 0;
    d = opendir(cfg->store);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        pp_error(log, "%s: cannot read the store: %s", cfg->store, strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (pp_store_file_kind(de->d_name, name) != PP_SF_ENTRY)
            continue;
        if (cnt + 1 >= cap) {
            char **grown;

            cap = cap ? cap * 2 : 16;
            grown = realloc(list, cap * sizeof(*list));
            if (grown == NULL)
                goto oom;
            list = grown;
        }
        list[cnt] = strdup(name);
        if (list[cnt] == NULL)
            goto oom;
        list[++cnt] = NULL;
    }
    closedir(d);
    if (cnt > 0)
        qsort(list, cnt, sizeof(*list), cmp_names);
    *names = list;
    *n = cnt;
    return 0;
oom:
    closedir(d);
    pp_names_free(list, cnt);
    pp_error(log, "out of memory listing the store");
    return -1;
}

bool pp_entry_exists(const struct pp_config *cfg, const char *name)
{
    char path[PATH_MAX];
    struct stat st;

    if (pp_entry_path(cfg->store, name, path, sizeof(path)) != 0)
        return false;
    return lstat(path, &st) == 0;
}

int pp_entry_save(const struct pp_config *cfg, const struct pp_entry *e,
                  const struct pp_log *log)
{
    char err[PP_ERRLEN], file[PP_ENTRY_NAME_MAX + KEY_SUFFIX_LEN + 1];
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (!pp_entry_name_valid(e->name) || pp_entry_format(e, &text, &len) != 0) {
        pp_error(log, "entry %s: cannot format the entry (invalid field)", e->name);
        return -1;
    }
    snprintf(file, sizeof(file), "%s" KEY_SUFFIX, e->name);
    rc = pp_write_file_atomic(cfg->store, file, text, len, err, sizeof(err));
    pp_free_buf(text, len + 1);
    if (rc != 0) {
        pp_error(log, "%s", err);
        return -1;
    }
    return 0;
}

int pp_entry_remove(const struct pp_config *cfg, const char *name, const struct pp_log *log)
{
    char err[PP_ERRLEN], file[PP_ENTRY_NAME_MAX + KEY_SUFFIX_LEN + 1];
    int rc;

    if (!pp_entry_name_valid(name)) {
        pp_error(log, "invalid entry name");
        return -1;
    }
    snprintf(file, sizeof(file), "%s" KEY_SUFFIX, name);
    rc = pp_remove_file_durable(cfg->store, file, err, sizeof(err));
    if (rc == -1)
        pp_error(log, "%s", err);
    return rc;
}

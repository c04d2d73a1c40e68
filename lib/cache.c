/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cache.c: the check records in cfg->cache_dir (see cache.h).
 *
 * A record is small libconfig text written whole through the store's atomic writer
 * (store_write.h: an unnamed file, linked and renamed over the old one), so
 * a reader sees the old or the new record, never a mix, and a killed
 * writer leaves nothing; readers go through safefile like every other
 * file of ours. The lock file is separate from the record so that renaming
 * a record never disturbs a lock someone holds.
 */
#include <config.h>

#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Every libconfig function through its sym_config_* pointer, set by lcfg.c (lcfg_loader.h). */
#include "lcfg_loader.h"

#include "lcfg.h"
#include "names.h"
#include "safefile.h"
#include "store_write.h"
#include "timefmt.h"

/* Poll interval while waiting for another process's check lock. */
#define PP_LOCK_POLL_MS 5

static const char *const exp_source_names[] = { "none", "cloud", "entry" };

/* "{cache_dir}/{entry}{suffix}"; -1 (logged) on a bad name or overflow. */
static int cache_path(const struct pp_config *cfg, const char *entry, const char *suffix,
                      char *out, size_t outlen, const struct pp_log *log)
{
    char safe[PP_ENTRY_NAME_MAX * 4 + 8];
    int n;

    if (!pp_entry_name_valid(entry)) {
        pp_error(log, "cache: invalid entry name \"%s\"", pp_log_safe(entry, safe, sizeof(safe)));
        return -1;
    }
    if (cfg->cache_dir == NULL || cfg->cache_dir[0] != '/') {
        pp_error(log, "cache: cache_dir is not an absolute path");
        return -1;
    }
    n = snprintf(out, outlen, "%s/%s%s", cfg->cache_dir, entry, suffix);
    if (n < 0 || (size_t)n >= outlen) {
        pp_error(log, "cache: path for entry %s in %s is too long", entry, cfg->cache_dir);
        return -1;
    }
    return 0;
}

int pp_cache_prepare(const struct pp_config *cfg, const struct pp_log *log)
{
    char err[PP_ERRLEN];
    int rc;

    if (cfg->cache_dir == NULL || cfg->cache_dir[0] != '/') {
        pp_error(log, "cache: cache_dir is not an absolute path");
        return -1;
    }
    /* Make the cache directory itself, never its parents (store_write.h). */
    rc = pp_dir_make(cfg->cache_dir, false, NULL, err, sizeof(err));
    if (rc != 0) {
        pp_error(log, "cache: %s", err);
        return -1;
    }
    return 0;
}

/*
 * A setting of the record: 1 with *s set (a string), 0 when absent, -1
 * when present but not a string.
 */
static int get_str(config_setting_t *root, const char *name, const char **s)
{
    config_setting_t *v = sym_config_setting_get_member(root, name);

    *s = NULL;
    if (v == NULL)
        return 0;
    if (config_setting_type(v) != CONFIG_TYPE_STRING)
        return -1;
    *s = sym_config_setting_get_string(v);
    return *s != NULL ? 1 : -1;
}

/* An optional integer setting: 1 with *n, 0 when absent, -1 when not an integer. */
static int get_int(config_setting_t *root, const char *name, long long *n)
{
    config_setting_t *v = sym_config_setting_get_member(root, name);

    *n = 0;
    if (v == NULL)
        return 0;
    if (config_setting_type(v) != CONFIG_TYPE_INT && config_setting_type(v) != CONFIG_TYPE_INT64)
        return -1;
    *n = sym_config_setting_get_int64(v);
    return 1;
}

/* Optional RFC 3339 time (absent: none). 0, or -1 if present and malformed. */
/*
 * Optional time: seconds since the epoch (what the writer puts: a warm
 * login reads it without a date parse), or an RFC 3339 string. Absent:
 * none. 0, or -1 if present and malformed.
 */
static int get_time(config_setting_t *root, const char *name, bool *has, time_t *t)
{
    config_setting_t *v = sym_config_setting_get_member(root, name);
    const char *s;
    int type;

    *has = false;
    *t = 0;
    if (v == NULL)
        return 0;
    type = config_setting_type(v);
    if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
        long long n = sym_config_setting_get_int64(v);

        if (n < 0 || (long long)(time_t)n != n)
            return -1;
        *t = (time_t)n;
    } else if (type != CONFIG_TYPE_STRING || (s = sym_config_setting_get_string(v)) == NULL
               || pp_time_parse(s, t) != 0) {
        return -1;
    }
    *has = true;
    return 0;
}

static bool fingerprint_valid(const char *s)
{
    size_t i;

    for (i = 0; i < PP_FP_HEX; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return s[PP_FP_HEX] == '\0';
}

bool pp_cache_file_entry(const char *fname, char name[PP_ENTRY_NAME_MAX + 1])
{
    return pp_entry_name_of_file(fname, PP_CACHE_RECORD_SUFFIX, name);
}

const char *pp_exp_source_name(enum pp_exp_source s)
{
    if ((unsigned)s >= sizeof(exp_source_names) / sizeof(exp_source_names[0]))
        return "none";
    return exp_source_names[s];
}

/* The outcomes a check can record (outcome.h: the rows with a cache life). */
static bool recordable(enum pp_outcome o)
{
    return pp_outcome_info(o)->life != PP_LIFE_NOT_CACHED;
}

/* An optional UUID setting into dst. false if present and not a UUID. */
static bool get_uuid(config_setting_t *root, const char *name, char dst[PP_UUID_LEN + 1])
{
    const char *s;
    int r = get_str(root, name, &s);

    if (r == 0)
        return true;
    if (r < 0 || !pp_uuid_valid(s))
        return false;
    memcpy(dst, s, PP_UUID_LEN + 1);
    return true;
}

/* Fill rec from the parsed record. NULL, or what is wrong. */
static const char *record_fields(config_setting_t *root, struct pp_cache_record *rec)
{
    const char *s;
    long long n;
    bool has;
    size_t i;
    int o;

    if (get_str(root, "fingerprint", &s) != 1 || !fingerprint_valid(s))
        return "fingerprint missing or malformed";
    memcpy(rec->fingerprint, s, PP_FP_SIZE);
    if (!get_uuid(root, "account_id", rec->account_id)
        || !get_uuid(root, "workspace_id", rec->workspace_id))
        return "account_id or workspace_id not a UUID";

    if (get_str(root, "outcome", &s) != 1)
        return "outcome missing or unknown";
    o = pp_outcome_recorded_by_name(s);
    if (o < 0)
        return "outcome missing or unknown";
    rec->outcome = (enum pp_outcome)o;

    if (get_time(root, "checked_at", &has, &rec->checked_at) != 0 || !has)
        return "checked_at missing or not an RFC 3339 time";
    if (get_time(root, "last_valid_at", &rec->has_last_valid, &rec->last_valid_at) != 0)
        return "last_valid_at not an RFC 3339 time";
    if (get_time(root, "expiration", &rec->has_expires, &rec->expires) != 0)
        return "expiration not an RFC 3339 time";
    if (get_time(root, "backoff_until", &rec->has_backoff, &rec->backoff_until) != 0)
        return "backoff_until not an RFC 3339 time";

    rec->exp_source = PP_EXP_NONE;
    switch (get_str(root, "expiration_source", &s)) {
    case 0:
        break;
    case 1:
        for (i = 0; i < sizeof(exp_source_names) / sizeof(exp_source_names[0]); i++) {
            if (strcmp(s, exp_source_names[i]) == 0)
                break;
        }
        if (i == sizeof(exp_source_names) / sizeof(exp_source_names[0]))
            return "expiration_source unknown";
        rec->exp_source = (enum pp_exp_source)i;
        break;
    default:
        return "expiration_source unknown";
    }

    if (get_int(root, "http_status", &n) < 0)
        return "http_status not an integer";
    rec->http_status = (long)n;
    if (get_int(root, "serial", &n) < 0 || n < 0)
        return "serial not a non-negative integer";
    rec->serial = (unsigned long)n;
    if (get_str(root, "reason", &s) < 0)
        return "reason not a string";
    if (s != NULL) {
        size_t len = strnlen(s, sizeof(rec->reason) - 1);  /* truncated, as by snprintf */

        memcpy(rec->reason, s, len);
        rec->reason[len] = '\0';
    }
    return NULL;
}

/*
 * Fill rec from the record's text. NULL, or what is wrong: a constant, or
 * why (whylen bytes) for a syntax error, with its line, when why is not NULL.
 */
static const char *parse_record(const char *text, size_t len, struct pp_cache_record *rec,
                                char *why, size_t whylen)
{
    char err[200];
    config_t c;
    const char *bad;
    int rc;

    if (strlen(text) != len)
        return "contains a NUL byte";
    rc = pp_lcfg_read(&c, text, err, sizeof(err));
    if (rc == PP_LCFG_UNAVAILABLE) {
        /* Not the record's fault: say what is wrong instead. */
        if (why == NULL)
            return "cannot load libconfig";
        snprintf(why, whylen, "%s", err);
        return why;
    }
    if (rc != 0) {
        if (why == NULL)
            return "not a record";
        snprintf(why, whylen, "not a record (%s)", err);
        return why;
    }
    bad = record_fields(config_root_setting(&c), rec);
    sym_config_destroy(&c);
    return bad;
}

const char *pp_cache_parse(const char *text, size_t len, struct pp_cache_record *rec)
{
    const char *why;
    char *copy;

    memset(rec, 0, sizeof(*rec));
    if (len > (size_t)INT32_MAX)
        return "too large";
    /* text need not end in a NUL: the parser reads a C string. */
    copy = malloc(len + 1);
    if (copy == NULL)
        return "out of memory";
    memcpy(copy, text, len);
    copy[len] = '\0';
    why = parse_record(copy, len, rec, NULL, 0);
    free(copy);
    if (why != NULL)
        memset(rec, 0, sizeof(*rec));
    return why;
}

int pp_cache_read(const struct pp_config *cfg, const char *entry,
                  struct pp_cache_record *rec, const struct pp_log *log)
{
    return pp_cache_read_id(cfg, entry, rec, NULL, log);
}

int pp_cache_file_id(const struct pp_config *cfg, const char *entry, char id[PP_FILE_ID_SIZE],
                     const struct pp_log *log)
{
    char path[PP_CACHE_PATH_MAX], err[PP_ERRLEN];
    int rc;

    id[0] = '\0';
    if (cache_path(cfg, entry, PP_CACHE_RECORD_SUFFIX, path, sizeof(path), log) != 0)
        return -1;
    rc = pp_check_dir(cfg->cache_dir, true, err, sizeof(err));
    if (rc == 0)
        rc = pp_file_id_of(path, PP_FILE_SECRET, PP_CACHE_MAX, true, id, PP_FILE_ID_SIZE, err,
                           sizeof(err));
    if (rc == PP_ABSENT)
        return PP_ABSENT;
    if (rc != 0) {
        pp_error(log, "cache: %s", err);
        return -1;
    }
    return 0;
}

int pp_cache_read_id(const struct pp_config *cfg, const char *entry,
                     struct pp_cache_record *rec, char *id, const struct pp_log *log)
{
    char path[PP_CACHE_PATH_MAX], err[PP_ERRLEN], whybuf[256];
    struct stat st;
    const char *why;
    char *text;
    size_t len;
    int rc;

    memset(rec, 0, sizeof(*rec));
    if (id != NULL)
        id[0] = '\0';
    if (cache_path(cfg, entry, PP_CACHE_RECORD_SUFFIX, path, sizeof(path), log) != 0)
        return -1;
    rc = pp_check_dir(cfg->cache_dir, true, err, sizeof(err));
    if (rc == PP_ABSENT)
        return PP_ABSENT;
    if (rc != 0) {
        pp_error(log, "cache: %s", err);
        return -1;
    }
    rc = pp_read_file_st(path, PP_FILE_SECRET, PP_CACHE_MAX, true, &text, &len, &st, err,
                         sizeof(err));
    if (rc == PP_ABSENT)
        return PP_ABSENT;
    if (rc != 0) {
        pp_error(log, "cache: record not used: %s", err);
        return -1;
    }
    why = parse_record(text, len, rec, whybuf, sizeof(whybuf));
    pp_free_buf(text, len + 1);
    if (why != NULL) {
        pp_warn(log, "cache: record not used: %s: %s", path, why);
        memset(rec, 0, sizeof(*rec));
        return -1;
    }
    if (id != NULL)
        pp_file_identity(&st, id, PP_FILE_ID_SIZE);
    return 0;
}

/* name = "value"; under root. false when out of memory. */
static bool add_string(config_setting_t *root, const char *name, const char *value)
{
    config_setting_t *v = sym_config_setting_add(root, name, CONFIG_TYPE_STRING);

    return v != NULL && sym_config_setting_set_string(v, value) == CONFIG_TRUE;
}

static bool add_int(config_setting_t *root, const char *name, long long n);

/* A time setting in seconds since the epoch, left out when there is none. */
static bool add_time(config_setting_t *root, const char *name, bool has, time_t t)
{
    return !has || add_int(root, name, (long long)t);
}

static bool add_int(config_setting_t *root, const char *name, long long n)
{
    config_setting_t *v = sym_config_setting_add(root, name, CONFIG_TYPE_INT64);

    return v != NULL && sym_config_setting_set_int64(v, n) == CONFIG_TRUE;
}

/*
 * The record's libconfig text (malloc'd), or NULL with err saying why
 * (libconfig could not be loaded, or out of memory).
 */
static char *format_record(const struct pp_cache_record *rec, char *err, size_t errlen)
{
    config_t c;
    config_setting_t *root;
    char *text = NULL;
    size_t size = 0;
    FILE *f;
    bool ok;

    if (pp_lcfg_init(&c, err, errlen) != 0)
        return NULL;
    snprintf(err, errlen, "out of memory");
    root = config_root_setting(&c);
    ok = root != NULL
        && add_string(root, "fingerprint", rec->fingerprint)
        && add_string(root, "account_id", rec->account_id)
        && add_string(root, "workspace_id", rec->workspace_id)
        && add_string(root, "outcome", pp_outcome_name(rec->outcome))
        && add_time(root, "checked_at", true, rec->checked_at)
        && add_time(root, "last_valid_at", rec->has_last_valid, rec->last_valid_at)
        && add_time(root, "expiration", rec->has_expires, rec->expires)
        && (rec->exp_source == PP_EXP_NONE
            || add_string(root, "expiration_source", exp_source_names[rec->exp_source]))
        && add_time(root, "backoff_until", rec->has_backoff, rec->backoff_until)
        && (rec->http_status == 0 || add_int(root, "http_status", rec->http_status))
        && (rec->reason[0] == '\0' || add_string(root, "reason", rec->reason))
        && (rec->serial == 0 || add_int(root, "serial", (long long)rec->serial));
    /* No comment, and no setting at its default: a warm login parses this. */
    if (ok && (f = open_memstream(&text, &size)) != NULL) {
        sym_config_write(&c, f);
        if (fclose(f) != 0 || text == NULL) {
            free(text);
            text = NULL;
        }
    }
    sym_config_destroy(&c);
    return text;
}

bool pp_cache_record_is_for(const struct pp_cache_record *rec, const char *fp,
                            const char *account_id, const char *workspace_id)
{
    return strcmp(rec->fingerprint, fp) == 0 && strcmp(rec->account_id, account_id) == 0
        && strcmp(rec->workspace_id, workspace_id) == 0;
}

int pp_cache_write(const struct pp_config *cfg, const char *entry,
                   const struct pp_cache_record *rec, const struct pp_log *log)
{
    char path[PP_CACHE_PATH_MAX], err[PP_ERRLEN];
    char *text, *line;
    int rc;

    if ((unsigned)rec->exp_source >= sizeof(exp_source_names) / sizeof(exp_source_names[0])
        || !recordable(rec->outcome) || !fingerprint_valid(rec->fingerprint)
        || !pp_uuid_valid(rec->account_id) || !pp_uuid_valid(rec->workspace_id)) {
        pp_error(log, "cache: refusing to write a malformed record for %s", entry);
        return -1;
    }
    if (cache_path(cfg, entry, PP_CACHE_RECORD_SUFFIX, path, sizeof(path), log) != 0)
        return -1;
    text = format_record(rec, err, sizeof(err));
    if (text == NULL) {
        pp_error(log, "cache: cannot write the record of %s: %s", entry, err);
        return -1;
    }
    if (asprintf(&line, "%s\n", text) < 0) {
        pp_error(log, "cache: out of memory writing %s", path);
        free(text);
        return -1;
    }
    free(text);
    if (strlen(line) > PP_CACHE_MAX) {
        pp_error(log, "cache: record for %s too large", entry);
        free(line);
        return -1;
    }
    /* The same atomic writer as the store's: a killed writer leaves nothing. */
    rc = pp_write_file_atomic(cfg->cache_dir, strrchr(path, '/') + 1, line, strlen(line), err,
                              sizeof(err));
    free(line);
    if (rc != 0)
        pp_error(log, "cache: cannot write the record of %s: %s", entry, err);
    return rc;
}

int pp_cache_fingerprint(const struct pp_config *cfg, struct pp_entry *e,
                         const struct pp_log *log)
{
    struct pp_cache_record rec;
    bool have;

    if (cfg->cache_dir != NULL && e->record == NULL) {
        /* Kept for the check that follows (store.h): one read per login. */
        have = pp_cache_read(cfg, e->name, &rec, log) == 0;
        if (have && (e->record = malloc(sizeof(*e->record))) != NULL)
            *e->record = rec;
        e->record_read = !have || e->record != NULL;
    }
    /* The key as read, hashed every time (libmd: cheap, and nothing to trust). */
    if (pp_fingerprint(e->key, e->fp) != 0) {
        pp_error(log, "entry %s: the key's fingerprint cannot be computed", e->name);
        return -1;
    }
    return 0;
}

int pp_cache_remove(const struct pp_config *cfg, const char *entry, const struct pp_log *log)
{
    char path[PP_CACHE_PATH_MAX];

    if (cache_path(cfg, entry, PP_CACHE_RECORD_SUFFIX, path, sizeof(path), log) != 0)
        return -1;
    /* The lock file stays: removing it could split a lock someone holds. */
    if (unlink(path) != 0 && errno != ENOENT) {
        pp_error(log, "cache: cannot remove %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int pp_cache_lock(const struct pp_config *cfg, const char *entry, long wait_ms,
                  const struct pp_log *log)
{
    char path[PP_CACHE_PATH_MAX];
    struct timespec start;
    struct stat st;
    int fd;

    if (cache_path(cfg, entry, ".lock", path, sizeof(path), log) != 0)
        return -1;
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0600);
    if (fd < 0) {
        pp_error(log, "cache: cannot open lock %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0) {
        pp_error(log, "cache: lock %s is not a regular file owned by root", path);
        close(fd);
        return -1;
    }
    /* O_CREAT honours the umask and the caller's group: set both. */
    if ((st.st_gid != 0 || (st.st_mode & 07777) != 0600)
        && (fchown(fd, 0, 0) != 0 || fchmod(fd, 0600) != 0)) {
        pp_error(log, "cache: cannot set owner root:root and mode 0600 on lock %s: %s", path,
                 strerror(errno));
        close(fd);
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        long left;

        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK) {
            pp_error(log, "cache: cannot lock %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        left = wait_ms - pp_ms_since(&start);
        if (left <= 0) {
            close(fd);
            return PP_TIMED_OUT;
        }
        {
            long ms = left < PP_LOCK_POLL_MS ? left : PP_LOCK_POLL_MS;
            struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

            nanosleep(&ts, NULL);
        }
    }
}

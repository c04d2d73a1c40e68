/*
 * cache.c: the check records in cfg->cache_dir (see cache.h).
 *
 * A record is small JSON written whole to a temporary file in the cache
 * directory and renamed over the old one, so a reader sees the old or the
 * new record, never a mix; readers go through safefile like every other
 * file of ours. The lock file is separate from the record so that renaming
 * a record never disturbs a lock someone holds.
 */
#include <config.h>

#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "names.h"
#include "safefile.h"
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
    rc = pp_check_dir(cfg->cache_dir, true, err, sizeof(err));
    if (rc == -2) {
        /* Make the cache directory itself, never its parents. */
        if (pp_check_parents(cfg->cache_dir, err, sizeof(err)) != 0) {
            pp_error(log, "cache: %s", err);
            return -1;
        }
        if (mkdir(cfg->cache_dir, 0700) != 0 && errno != EEXIST) {
            pp_error(log, "cache: %s: cannot create: %s", cfg->cache_dir, strerror(errno));
            return -1;
        }
        rc = pp_check_dir(cfg->cache_dir, true, err, sizeof(err));
    }
    if (rc != 0) {
        pp_error(log, "cache: %s", err);
        return -1;
    }
    return 0;
}

/* Optional RFC 3339 time or null. 0, or -1 if present and malformed. */
static int get_time(json_object *o, const char *name, bool *has, time_t *t)
{
    json_object *v;

    *has = false;
    *t = 0;
    if (!json_object_object_get_ex(o, name, &v) || v == NULL)
        return 0;
    if (!json_object_is_type(v, json_type_string)
        || pp_time_parse(json_object_get_string(v), t) != 0)
        return -1;
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

enum pp_exp_source pp_best_expiration(const struct pp_cache_record *rec,
                                      const struct pp_entry *e, bool *has, time_t *when)
{
    if (rec != NULL && rec->exp_source == PP_EXP_CLOUD) {
        *has = rec->has_expires;
        *when = rec->has_expires ? rec->expires : 0;
        return PP_EXP_CLOUD;
    }
    *has = e->has_expires;
    *when = e->has_expires ? e->expires : 0;
    return e->has_expires ? PP_EXP_ENTRY : PP_EXP_NONE;
}

/* The outcomes a check can record (outcome.h: the rows with a cache life). */
static bool recordable(enum pp_outcome o)
{
    return pp_outcome_info(o)->life != PP_LIFE_NOT_CACHED;
}

/* Fill rec from the record's JSON. NULL, or what is wrong. */
static const char *parse_record(const char *text, size_t len, struct pp_cache_record *rec)
{
    json_tokener *tok;
    json_object *root, *v;
    const char *s, *why = NULL;
    bool has;
    int o;

    tok = json_tokener_new();
    if (tok == NULL)
        return "out of memory";
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    root = json_tokener_parse_ex(tok, text, (int)len);
    if (root == NULL || json_tokener_get_error(tok) != json_tokener_success) {
        json_tokener_free(tok);
        json_object_put(root);
        return "not JSON";
    }
    json_tokener_free(tok);
    if (!json_object_is_type(root, json_type_object)) {
        why = "not a JSON object";
        goto out;
    }

    if (!json_object_object_get_ex(root, "fingerprint", &v) || !json_object_is_type(v, json_type_string)
        || !fingerprint_valid(json_object_get_string(v))) {
        why = "fingerprint missing or malformed";
        goto out;
    }
    snprintf(rec->fingerprint, sizeof(rec->fingerprint), "%s", json_object_get_string(v));

    why = "account_id or workspace_id not a UUID";
    if (json_object_object_get_ex(root, "account_id", &v)) {
        if (!json_object_is_type(v, json_type_string) || !pp_uuid_valid(json_object_get_string(v)))
            goto out;
        snprintf(rec->account_id, sizeof(rec->account_id), "%s", json_object_get_string(v));
    }
    if (json_object_object_get_ex(root, "workspace_id", &v)) {
        if (!json_object_is_type(v, json_type_string) || !pp_uuid_valid(json_object_get_string(v)))
            goto out;
        snprintf(rec->workspace_id, sizeof(rec->workspace_id), "%s", json_object_get_string(v));
    }

    why = "outcome missing or unknown";
    if (!json_object_object_get_ex(root, "outcome", &v) || !json_object_is_type(v, json_type_string))
        goto out;
    s = json_object_get_string(v);
    o = pp_outcome_recorded_by_name(s);
    if (o < 0)
        goto out;
    rec->outcome = (enum pp_outcome)o;

    why = "checked_at missing or not an RFC 3339 time";
    if (get_time(root, "checked_at", &has, &rec->checked_at) != 0 || !has)
        goto out;
    why = "last_valid_at not an RFC 3339 time";
    if (get_time(root, "last_valid_at", &rec->has_last_valid, &rec->last_valid_at) != 0)
        goto out;
    why = "expiration not an RFC 3339 time";
    if (get_time(root, "expiration", &rec->has_expires, &rec->expires) != 0)
        goto out;
    why = "backoff_until not an RFC 3339 time";
    if (get_time(root, "backoff_until", &rec->has_backoff, &rec->backoff_until) != 0)
        goto out;

    why = "expiration_source unknown";
    rec->exp_source = PP_EXP_NONE;
    if (json_object_object_get_ex(root, "expiration_source", &v)) {
        size_t i;

        if (!json_object_is_type(v, json_type_string))
            goto out;
        s = json_object_get_string(v);
        for (i = 0; i < sizeof(exp_source_names) / sizeof(exp_source_names[0]); i++) {
            if (strcmp(s, exp_source_names[i]) == 0)
                break;
        }
        if (i == sizeof(exp_source_names) / sizeof(exp_source_names[0]))
            goto out;
        rec->exp_source = (enum pp_exp_source)i;
    }

    why = "http_status not an integer";
    if (json_object_object_get_ex(root, "http_status", &v)) {
        if (!json_object_is_type(v, json_type_int))
            goto out;
        rec->http_status = (long)json_object_get_int64(v);
    }
    why = "serial not a non-negative integer";
    if (json_object_object_get_ex(root, "serial", &v)) {
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
            goto out;
        rec->serial = (unsigned long)json_object_get_int64(v);
    }
    why = "reason not a string";
    if (json_object_object_get_ex(root, "reason", &v)) {
        if (!json_object_is_type(v, json_type_string))
            goto out;
        snprintf(rec->reason, sizeof(rec->reason), "%s", json_object_get_string(v));
    }
    why = NULL;
out:
    json_object_put(root);
    return why;
}

int pp_cache_read(const struct pp_config *cfg, const char *entry,
                  struct pp_cache_record *rec, const struct pp_log *log)
{
    char path[PP_CACHE_PATH_MAX], err[PP_ERRLEN];
    const char *why;
    char *text;
    size_t len;
    int rc;

    memset(rec, 0, sizeof(*rec));
    if (cache_path(cfg, entry, PP_CACHE_RECORD_SUFFIX, path, sizeof(path), log) != 0)
        return -1;
    rc = pp_check_dir(cfg->cache_dir, true, err, sizeof(err));
    if (rc == PP_ABSENT)
        return PP_ABSENT;
    if (rc != 0) {
        pp_error(log, "cache: %s", err);
        return -1;
    }
    rc = pp_read_file(path, PP_FILE_SECRET, PP_CACHE_MAX, &text, &len, err, sizeof(err));
    if (rc == PP_ABSENT)
        return PP_ABSENT;
    if (rc != 0) {
        pp_error(log, "cache: record not used: %s", err);
        return -1;
    }
    why = parse_record(text, len, rec);
    pp_free_buf(text, len + 1);
    if (why != NULL) {
        pp_warn(log, "cache: record not used: %s: %s", path, why);
        memset(rec, 0, sizeof(*rec));
        return -1;
    }
    return 0;
}

static json_object *time_or_null(bool has, time_t t)
{
    char buf[PP_TIME_SIZE];

    return has ? json_object_new_string(pp_time_format(t, buf)) : NULL;
}

/* The record's JSON text (malloc'd), or NULL when out of memory. */
static char *format_record(const struct pp_cache_record *rec)
{
    json_object *o = json_object_new_object();
    char *text = NULL;

    if (o == NULL)
        return NULL;
    json_object_object_add(o, "fingerprint", json_object_new_string(rec->fingerprint));
    json_object_object_add(o, "account_id", json_object_new_string(rec->account_id));
    json_object_object_add(o, "workspace_id", json_object_new_string(rec->workspace_id));
    json_object_object_add(o, "outcome", json_object_new_string(pp_outcome_name(rec->outcome)));
    json_object_object_add(o, "checked_at", time_or_null(true, rec->checked_at));
    json_object_object_add(o, "last_valid_at", time_or_null(rec->has_last_valid, rec->last_valid_at));
    json_object_object_add(o, "expiration", time_or_null(rec->has_expires, rec->expires));
    json_object_object_add(o, "expiration_source",
                           json_object_new_string(exp_source_names[rec->exp_source]));
    json_object_object_add(o, "backoff_until", time_or_null(rec->has_backoff, rec->backoff_until));
    json_object_object_add(o, "http_status", json_object_new_int64(rec->http_status));
    json_object_object_add(o, "reason", json_object_new_string(rec->reason));
    json_object_object_add(o, "serial", json_object_new_int64((int64_t)rec->serial));
    {
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY
                                                       | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (s != NULL)
            text = strdup(s);
    }
    json_object_put(o);
    return text;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
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
    char path[PP_CACHE_PATH_MAX], tmp[PP_CACHE_PATH_MAX];
    const char *step;
    char *text;
    int fd, dfd, n;

    if ((unsigned)rec->exp_source >= sizeof(exp_source_names) / sizeof(exp_source_names[0])
        || !recordable(rec->outcome) || !fingerprint_valid(rec->fingerprint)
        || !pp_uuid_valid(rec->account_id) || !pp_uuid_valid(rec->workspace_id)) {
        pp_error(log, "cache: refusing to write a malformed record for %s", entry);
        return -1;
    }
    if (cache_path(cfg, entry, PP_CACHE_RECORD_SUFFIX, path, sizeof(path), log) != 0)
        return -1;
    n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", cfg->cache_dir, entry);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        pp_error(log, "cache: path for entry %s in %s is too long", entry, cfg->cache_dir);
        return -1;
    }
    text = format_record(rec);
    if (text == NULL) {
        pp_error(log, "cache: out of memory writing %s", path);
        return -1;
    }
    if (strlen(text) + 1 > PP_CACHE_MAX) {
        pp_error(log, "cache: record for %s too large", entry);
        free(text);
        return -1;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        pp_error(log, "cache: cannot create a temporary file in %s: %s", cfg->cache_dir,
                 strerror(errno));
        free(text);
        return -1;
    }
    step = "chown";
    if (fchown(fd, 0, 0) != 0)
        goto fail;
    step = "chmod";
    if (fchmod(fd, 0600) != 0)
        goto fail;
    step = "write";
    if (write_all(fd, text, strlen(text)) != 0 || write_all(fd, "\n", 1) != 0)
        goto fail;
    step = "fsync";
    if (fsync(fd) != 0)
        goto fail;
    step = "close";
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    step = "rename";
    if (rename(tmp, path) != 0)
        goto fail;
    free(text);
    /* Make the rename itself durable; a failure here loses nothing that matters. */
    dfd = open(cfg->cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) != 0)
            pp_debug(log, "cache: fsync of %s failed: %s", cfg->cache_dir, strerror(errno));
        close(dfd);
    }
    return 0;

fail:
    pp_error(log, "cache: cannot write %s (%s): %s", path, step, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(text);
    return -1;
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

static long ms_since(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - start->tv_sec) * 1000L
        + (long)(now.tv_nsec - start->tv_nsec) / 1000000L;
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
        left = wait_ms - ms_since(&start);
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_metrics.c: prefect-keys metrics, every entry's state in the Prometheus
 * text format that node_exporter's textfile collector reads.
 *
 * Reads only the store, the mapping and the cache (no Cloud request: "check"
 * refreshes the cache first, see the shipped timer). Per entry: whether it
 * can be used and is mapped, its best known expiration and time left, its
 * last check's time and outcome. The file is replaced atomically (temp file
 * in the same directory, fsync, rename, fsync of the directory), in a
 * directory opened without following a symbolic link and whose owners are
 * checked (open_textfile_dir), mode 0644
 * so that node_exporter's user can read it: it never holds a key, only
 * names, kinds, workspace ids and fingerprints.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "judge.h"
#include "pk.h"
#include "secret.h"
#include "outcome.h"

#define PREFIX "prefect_keys_"

/* Besides the outcomes a check records (outcome.h), an entry's last check is: */
#define STATE_NEVER "never"             /* this key was never checked */
#define STATE_UNREADABLE "unreadable"   /* the cache record cannot be read */

struct row {
    char name[PP_ENTRY_NAME_MAX + 1];
    bool usable;                /* the entry file could be read */
    char kind[24];
    char fp[PP_FP_SIZE];
    char account_id[PP_UUID_LEN + 1];
    char workspace_id[PP_UUID_LEN + 1];
    bool has_expires;
    time_t expires;
    int checked;                /* 1, 0 never (this key), -1 unreadable */
    time_t checked_at;
    enum pp_outcome outcome;
};

static void fill_row(struct pk *pk, const char *name, struct row *row)
{
    struct pp_cache_record rec;
    struct pp_entry e;
    int r;

    memset(row, 0, sizeof(*row));
    snprintf(row->name, sizeof(row->name), "%s", name);
    if (pp_entry_load(&pk->cfg, name, &e, &pk->quiet) != 0)
        return;
    row->usable = true;
    snprintf(row->kind, sizeof(row->kind), "%s", pp_key_kind_name(e.kind));
    pp_fingerprint(e.key, row->fp);
    memcpy(row->account_id, e.account_id, sizeof(row->account_id));
    memcpy(row->workspace_id, e.workspace_id, sizeof(row->workspace_id));
    /* The last check of this key in this workspace: a record of its
     * predecessor or of another workspace says nothing about it. */
    r = pp_cache_read(&pk->cfg, name, &rec, &pk->quiet);
    row->checked = r == PP_ABSENT ? 0 : r != 0 ? -1
                   : pp_cache_record_is_for(&rec, row->fp, e.account_id, e.workspace_id);
    pp_best_expiration(row->checked == 1 ? &rec : NULL, &e, &row->has_expires, &row->expires);
    if (row->checked == 1) {
        row->checked_at = rec.checked_at;
        row->outcome = rec.outcome;
    }
    pp_entry_clear(&e);
}

static void family(FILE *f, const char *name, const char *help)
{
    fprintf(f, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s gauge\n", name, help, name);
}

/*
 * The textfile. Every family's samples are together, after its HELP and
 * TYPE lines, as the format requires. Entry names are [A-Za-z0-9._-] and
 * the other label values hex, UUIDs or kind words: nothing to escape.
 */
static void write_metrics(FILE *f, struct pk *pk, const struct row *rows, size_t n,
                          const struct pp_mapping *m, bool mapping_ok)
{
    family(f, "metrics_timestamp_seconds", "When prefect-keys wrote this file (Unix time).");
    fprintf(f, PREFIX "metrics_timestamp_seconds %lld\n", (long long)pk->now);
    family(f, "expiry_warn_seconds", "The configured expiry_warn_days in seconds: a key "
           "whose time left is at most this is expiring.");
    fprintf(f, PREFIX "expiry_warn_seconds %lld\n",
            (long long)pk->cfg.expiry_warn_days * 86400);
    family(f, "mapping_usable", "1 if the mapping file could be read, else 0 (then "
           "prefect_keys_mapped is absent).");
    fprintf(f, PREFIX "mapping_usable %d\n", mapping_ok ? 1 : 0);

    family(f, "entry_usable", "1 if the entry's file can be read, 0 if it is unsafe or "
           "malformed (prefect-keys verify says why).");
    for (size_t i = 0; i < n; i++)
        fprintf(f, PREFIX "entry_usable{entry=\"%s\"} %d\n", rows[i].name, rows[i].usable);
    family(f, "entry_info", "The entry's key kind, fingerprint and workspace (always 1).");
    for (size_t i = 0; i < n; i++)
        if (rows[i].usable)
            fprintf(f, PREFIX "entry_info{entry=\"%s\",kind=\"%s\",fingerprint=\"%s\","
                    "account_id=\"%s\",workspace_id=\"%s\"} 1\n", rows[i].name, rows[i].kind,
                    rows[i].fp, rows[i].account_id, rows[i].workspace_id);
    if (mapping_ok) {
        family(f, "mapped", "1 if a user, group or default rule of the mapping names the "
               "entry, else 0.");
        for (size_t i = 0; i < n; i++)
            fprintf(f, PREFIX "mapped{entry=\"%s\"} %d\n", rows[i].name,
                    pp_mapping_uses(m, rows[i].name) ? 1 : 0);
    }
    family(f, "expiration_timestamp_seconds", "When the entry's key expires (Unix time): "
           "learned from Cloud by the last check, else recorded; absent if it never expires "
           "or is not known.");
    for (size_t i = 0; i < n; i++)
        if (rows[i].usable && rows[i].has_expires)
            fprintf(f, PREFIX "expiration_timestamp_seconds{entry=\"%s\"} %lld\n",
                    rows[i].name, (long long)rows[i].expires);
    family(f, "time_left_seconds", "Seconds until the key expires (negative once expired); "
           "absent like the expiration.");
    for (size_t i = 0; i < n; i++)
        if (rows[i].usable && rows[i].has_expires)
            fprintf(f, PREFIX "time_left_seconds{entry=\"%s\"} %lld\n", rows[i].name,
                    (long long)rows[i].expires - (long long)pk->now);
    family(f, "last_check_timestamp_seconds", "When the entry's current key was last checked "
           "with Prefect Cloud (Unix time); absent if never.");
    for (size_t i = 0; i < n; i++)
        if (rows[i].usable && rows[i].checked == 1)
            fprintf(f, PREFIX "last_check_timestamp_seconds{entry=\"%s\"} %lld\n",
                    rows[i].name, (long long)rows[i].checked_at);
    family(f, "last_check_outcome", "1 for the outcome of the entry's last check, 0 for the "
           "others; \"never\": its current key was never checked, \"unreadable\": the cache "
           "record cannot be read.");
    for (size_t i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        if (!r->usable)
            continue;
        for (int o = 0; o < PP_OUT_COUNT; o++) {
            if (pp_outcome_info((enum pp_outcome)o)->life == PP_LIFE_NOT_CACHED)
                continue;   /* not an outcome a check records */
            fprintf(f, PREFIX "last_check_outcome{entry=\"%s\",outcome=\"%s\"} %d\n", r->name,
                    pp_outcome_name((enum pp_outcome)o), r->checked == 1 && (int)r->outcome == o);
        }
        fprintf(f, PREFIX "last_check_outcome{entry=\"%s\",outcome=\"" STATE_NEVER "\"} %d\n",
                r->name, r->checked == 0);
        fprintf(f, PREFIX "last_check_outcome{entry=\"%s\",outcome=\"" STATE_UNREADABLE
                "\"} %d\n", r->name, r->checked < 0);
    }
}

/*
 * Open the directory dir without following a symbolic link anywhere on the
 * way: one component at a time from "/" (or the working directory),
 * O_NOFOLLOW | O_DIRECTORY, no ".." component. Every directory must
 * be owned by root or by the owner of the last one (Debian's
 * prometheus-node-exporter gives /var/lib/prometheus and its node-exporter
 * directory to the prometheus account), and none may be writable by group
 * or others unless it is root's and sticky (as /tmp): an account that can
 * rename entries of a directory on the way could otherwise swap what
 * follows. The caller writes relative to the descriptor only, so a swap
 * after the walk cannot send the file elsewhere. The descriptor, or -1
 * (said why).
 */
static int open_textfile_dir(const char *dir)
{
    char buf[4096], *comp, *save = NULL;
    struct stat st;
    uid_t owners[256];
    size_t n = 0;
    int fd, next;

    if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
        pk_usage("metrics: the path is too long");
        return -1;
    }
    fd = open(dir[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        pk_error("metrics: %s: %s", dir[0] == '/' ? "/" : ".", strerror(errno));
        goto fail;
    }
    for (comp = strtok_r(buf, "/", &save);; comp = strtok_r(NULL, "/", &save)) {
        if (n == sizeof(owners) / sizeof(owners[0])) {
            pk_usage("metrics: the path is too deep");
            goto fail;
        }
        owners[n++] = st.st_uid;
        if ((st.st_mode & 022) != 0 && !(st.st_uid == 0 && (st.st_mode & S_ISVTX) != 0)) {
            pk_error("metrics: %s: a directory on the way is writable by group or others "
                     "(%s): another account could swap the directory", dir,
                     comp == NULL ? "the last one" : "before a component");
            goto fail;
        }
        if (comp == NULL)
            break;
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            pk_usage("metrics: %s: a \"..\" component is refused", dir);
            goto fail;
        }
        next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            if (errno == ENOENT)
                pk_error("metrics: %s: the directory does not exist (is "
                         "prometheus-node-exporter installed? --output chooses another file)",
                         dir);
            else if (errno == ELOOP || errno == ENOTDIR)
                pk_error("metrics: %s: \"%s\" is a symbolic link or not a directory: "
                         "refused (a link is never followed)", dir, comp);
            else
                pk_error("metrics: %s: cannot open \"%s\": %s", dir, comp, strerror(errno));
            goto fail;
        }
        close(fd);
        fd = next;
        if (fstat(fd, &st) != 0) {
            pk_error("metrics: %s: %s", dir, strerror(errno));
            goto fail;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (owners[i] != 0 && owners[i] != st.st_uid) {
            pk_error("metrics: %s: a directory on the way is owned by uid %lu, neither root "
                     "nor the owner of the directory (uid %lu): refused", dir,
                     (unsigned long)owners[i], (unsigned long)st.st_uid);
            goto fail;
        }
    }
    return fd;
fail:
    if (fd >= 0)
        close(fd);
    return -1;
}

/*
 * Replace path with data atomically: a temp file ".NAME.XXXXXX" beside it
 * (node_exporter reads only *.prom), made with O_EXCL | O_NOFOLLOW in the
 * directory open_textfile_dir opened, mode 0644, fsync, renamed over NAME
 * relative to that descriptor, fsync of the directory. The temp file is
 * removed on any error. 0 or -1 (said why).
 */
static int write_atomic(const char *path, const char *data, size_t len)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const char *slash = strrchr(path, '/');
    char dir[4096], tmp[256];
    size_t dlen = slash == NULL ? 0 : (size_t)(slash - path);
    const char *base = slash == NULL ? path : slash + 1;
    int fd = -1, dfd, saved, tries;
    bool made = false;

    if (dlen >= sizeof(dir) || strlen(base) + 9 > sizeof(tmp)) {
        pk_usage("metrics: the path is too long");
        return -1;
    }
    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else if (dlen == 0)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)dlen, path);
    dfd = open_textfile_dir(dir);
    if (dfd < 0)
        return -1;
    for (tries = 0; fd < 0 && tries < 16; tries++) {
        unsigned char rnd[6];
        size_t k = (size_t)snprintf(tmp, sizeof(tmp), ".%s.", base);

        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
            break;
        for (size_t i = 0; i < sizeof(rnd); i++)
            tmp[k + i] = chars[rnd[i] % (sizeof(chars) - 1)];
        tmp[k + sizeof(rnd)] = '\0';
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        pk_error("metrics: cannot create a file in %s: %s", dir, strerror(errno));
        close(dfd);
        return -1;
    }
    made = true;
    if (fchmod(fd, 0644) != 0)
        goto fail;
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        off += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (renameat(dfd, tmp, dfd, base) != 0)
        goto fail;
    (void)fsync(dfd);
    close(dfd);
    return 0;
fail:
    saved = errno;
    if (fd >= 0)
        close(fd);
    if (made)
        unlinkat(dfd, tmp, 0);
    close(dfd);
    pk_error("metrics: cannot write %s: %s; the old file (if any) is unchanged", path,
             strerror(saved));
    return -1;
}

/* Whether path names a file node_exporter would read: NAME.prom. */
static bool textfile_name_ok(const char *path)
{
    const char *base = strrchr(path, '/');
    size_t len;

    base = base == NULL ? path : base + 1;
    len = strlen(base);
    return len > 5 && strcmp(base + len - 5, ".prom") == 0 && base[0] != '.';
}

int pk_metrics(struct pk *pk, int argc, char **argv)
{
    const char *out = pk_has(pk, OPT_OUTPUT) ? pk->o.output : PP_DEFAULT_METRICS;
    bool to_stdout = strcmp(out, "-") == 0, mapping_ok;
    struct pp_mapping m;
    struct row *rows = NULL;
    char **names = NULL, *text = NULL, show[96];
    size_t n = 0, len = 0;
    FILE *f;
    int rc = PK_ERROR;

    (void)argv;
    memset(&m, 0, sizeof(m));
    if (argc != 0) {
        pk_usage("usage: prefect-keys metrics [--output FILE|-]");
        return PK_ERROR;
    }
    if (!to_stdout && !textfile_name_ok(out)) {
        pk_usage("metrics: --output \"%s\": node_exporter's textfile collector reads only "
                 "files named NAME.prom (or give - for standard output)",
                 pk_show(out, show, sizeof(show)));
        return PK_ERROR;
    }
    if (pp_store_list(&pk->cfg, &names, &n, &pk->log) != 0)
        return PK_ERROR;
    mapping_ok = pp_mapping_load(&pk->cfg, &m, &pk->log) == 0;
    if (n > 0 && (rows = calloc(n, sizeof(*rows))) == NULL) {
        pk_error("metrics: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        fill_row(pk, names[i], &rows[i]);
    f = open_memstream(&text, &len);
    if (f == NULL) {
        pk_error("metrics: out of memory");
        goto done;
    }
    write_metrics(f, pk, rows, n, &m, mapping_ok);
    if (fclose(f) != 0 || text == NULL) {
        pk_error("metrics: out of memory");
        goto done;
    }
    if (to_stdout) {
        fwrite(text, 1, len, stdout);
        rc = PK_OK;
    } else if (write_atomic(out, text, len) == 0) {
        printf("metrics of %zu entr%s written to %s\n", n, n == 1 ? "y" : "ies", out);
        rc = PK_OK;
    }
done:
    free(text);
    free(rows);
    pp_mapping_free(&m);
    pp_names_free(names, n);
    return rc;
}

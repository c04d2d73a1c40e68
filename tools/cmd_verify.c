/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cmd_verify.c: the audit. Checks the configuration file, the store
 * directory and each file in it (entries, mapping, lock), the cache
 * directory and its records, the way the module would read them, and says
 * for each problem what is wrong and the command that fixes it, and whether
 * api_url answers (pp_cloud_reach: DNS, TCP, TLS; no request, no key;
 * not with --offline). The one
 * thing it changes: temp files that interrupted writers left in the store
 * or the cache are removed (under the lock their writers take) and
 * reported.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cache.h"
#include "cloud.h"
#include "pk.h"
#include "store_write.h"

/* ---- how to fix ---- */

static void add_fix(char *fix, size_t fixlen, const char *fmt, ...) PP_PRINTF(3, 4);
static void add_fix(char *fix, size_t fixlen, const char *fmt, ...)
{
    size_t off = strlen(fix);
    va_list ap;

    if (off + 1 >= fixlen)
        return;
    snprintf(fix + off, fixlen - off, "%s", off ? " && " : "");
    off = strlen(fix);
    va_start(ap, fmt);
    vsnprintf(fix + off, fixlen - off, fmt, ap);
    va_end(ap);
}

/* Fix for one directory of the chain; true when the walk should stop there. */
static bool dir_component_fix(const char *p, bool last, bool private_dir, char *fix,
                              size_t fixlen)
{
    struct stat st;

    if (lstat(p, &st) != 0)
        return true;
    if (S_ISLNK(st.st_mode)) {
        add_fix(fix, fixlen, "replace the symbolic link %s by a real directory "
                "(or point the configuration at the real path)", p);
    } else if (!S_ISDIR(st.st_mode)) {
        add_fix(fix, fixlen, "move %s out of the way: it is not a directory", p);
    } else {
        if (st.st_uid != 0 || (last && private_dir && st.st_gid != 0))
            add_fix(fix, fixlen, "chown root:root %s", p);
        if (last && private_dir && (st.st_mode & 077) != 0)
            add_fix(fix, fixlen, "chmod 0700 %s", p);
        else if ((st.st_mode & 022) != 0)
            add_fix(fix, fixlen, "chmod go-w %s", p);
    }
    return fix[0] != '\0';
}

void pk_dir_fix(const char *dir, bool private_dir, char *fix, size_t fixlen)
{
    char p[PATH_MAX];
    size_t len;

    fix[0] = '\0';
    if (dir == NULL || dir[0] != '/' || strlen(dir) >= sizeof(p))
        return;
    snprintf(p, sizeof(p), "%s", dir);
    len = strlen(p);
    while (len > 1 && p[len - 1] == '/')
        p[--len] = '\0';
    /* From "/" down: the first unsafe directory is the one to fix. */
    if (dir_component_fix("/", len == 1, private_dir, fix, fixlen))
        return;
    for (size_t i = 1; i <= len; i++) {
        char saved;
        bool stop;

        if (i < len && p[i] != '/')
            continue;
        saved = p[i];
        p[i] = '\0';
        stop = dir_component_fix(p, i == len, private_dir, fix, fixlen);
        p[i] = saved;
        if (stop)
            return;
    }
}

void pk_file_fix(const char *path, bool secret, char *fix, size_t fixlen)
{
    struct stat st;

    fix[0] = '\0';
    if (lstat(path, &st) != 0)
        return;
    if (S_ISLNK(st.st_mode)) {
        add_fix(fix, fixlen, "replace the symbolic link %s by the file itself", path);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        add_fix(fix, fixlen, "move %s out of the way: it is not a regular file", path);
        return;
    }
    if (st.st_uid != 0 || (secret && st.st_gid != 0))
        add_fix(fix, fixlen, "chown root:root %s", path);
    if (secret && (st.st_mode & 07177) != 0)
        add_fix(fix, fixlen, "chmod 0600 %s", path);
    else if (!secret && (st.st_mode & 07022) != 0)
        add_fix(fix, fixlen, "chmod go-w %s", path);
    if (st.st_nlink > 1) {
        char what[PATH_MAX * 2 + 64];
        snprintf(what, sizeof(what), "cp -p %s %s.new && mv %s.new %s", path, path, path,
                 path);
        add_fix(fix, fixlen, "%s", what);
    }
}

/* Where syslog(3) sends its lines (a test may point elsewhere). */
#ifndef PP_SYSLOG_SOCKET
#define PP_SYSLOG_SOCKET "/dev/log"
#endif

/* ---- the report ---- */

struct audit {
    struct pk *pk;
    bool json;
    struct json_object *problems, *notes, *checked;
    int nproblems;
};

static void problem(struct audit *a, const char *path, const char *what, const char *fix)
{
    a->nproblems++;
    if (a->json) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "path", json_object_new_string(path));
        json_object_object_add(o, "what", json_object_new_string(what));
        json_object_object_add(o, "fix", fix != NULL && fix[0] ? json_object_new_string(fix)
                                                               : NULL);
        json_object_array_add(a->problems, o);
        return;
    }
    printf("problem: %s: %s\n", path, what);
    if (fix != NULL && fix[0] != '\0')
        printf("  fix:   %s\n", fix);
}

static void note(struct audit *a, const char *path, const char *what)
{
    if (a->json) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "path", json_object_new_string(path));
        json_object_object_add(o, "what", json_object_new_string(what));
        json_object_array_add(a->notes, o);
        return;
    }
    printf("note:    %s: %s\n", path, what);
}

static void ok(struct audit *a, const char *path, const char *what)
{
    if (a->json) {
        json_object_array_add(a->checked, json_object_new_string(path));
        return;
    }
    printf("ok:      %s%s%s\n", path, what[0] ? ": " : "", what);
}

/* err is "PATH: reason": keep the reason when it names path itself. */
static const char *reason_of(const char *err, const char *path)
{
    size_t n = strlen(path);

    if (strncmp(err, path, n) == 0 && err[n] == ':' && err[n + 1] == ' ')
        return err + n + 2;
    return err;
}

static void audit_file_read(struct audit *a, const char *path, enum pp_file_class cls,
                            size_t max, const char *what_ok)
{
    char err[PP_ERRLEN], fix[PATH_MAX * 4];
    char *buf = NULL;
    size_t len = 0;
    int r;

    r = pp_read_file(path, cls, max, &buf, &len, err, sizeof(err));
    if (r == 0) {
        pp_free_buf(buf, len + 1);
        ok(a, path, what_ok);
        return;
    }
    pk_file_fix(path, cls == PP_FILE_SECRET, fix, sizeof(fix));
    if (fix[0] == '\0') {
        char *slash = strrchr(path, '/');
        if (slash != NULL && slash != path) {
            char parent[PATH_MAX];
            snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
            pk_dir_fix(parent, false, fix, sizeof(fix));
        }
    }
    problem(a, path, reason_of(err, path), fix);
}

static bool audit_dir(struct audit *a, const char *dir, const char *what, const char *absent)
{
    char err[PP_ERRLEN], fix[PATH_MAX * 4];
    int r = pp_check_dir(dir, true, err, sizeof(err));

    if (r == 0) {
        ok(a, dir, what);
        return true;
    }
    if (r == PP_ABSENT) {
        note(a, dir, absent);
        return false;
    }
    pk_dir_fix(dir, true, fix, sizeof(fix));
    problem(a, dir, reason_of(err, dir), fix);
    return false;
}

/* ---- temp files left by interrupted writers ---- */

static void temp_removed(void *ctx, const char *dir, const char *name)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    note(ctx, path, "removed: a temp file left by an interrupted write");
}

/* Under the store's lock, so that no running change loses its temp file. */
static void remove_store_temps(struct audit *a)
{
    struct pp_store_lock lk;
    char err[PP_ERRLEN];

    if (pp_store_lock(a->pk->cfg.store, &lk, err, sizeof(err)) != 0
        || pp_clean_temps(a->pk->cfg.store, temp_removed, a, err, sizeof(err)) < 0)
        problem(a, a->pk->cfg.store, reason_of(err, a->pk->cfg.store),
                "remove the files named .tmp-* in it by hand");
    pp_store_unlock(&lk);
}

/*
 * The entry whose record the cache temp file n was meant to become:
 * ".tmp-ENTRY.rec.XXXXXX" (store_write.h), or ".ENTRY.XXXXXX" (what
 * versions before the shared writer left). false if n is neither.
 */
static bool cache_temp_entry(const char *n, char *entry, size_t entrylen)
{
    size_t len = strlen(n), plen = strlen(PP_TEMP_PREFIX), i;
    size_t slen = strlen(PP_CACHE_RECORD_SUFFIX);
    const char *start, *end;

    if (len < 8 || n[0] != '.' || n[len - 7] != '.')
        return false;
    for (i = len - 6; i < len; i++) {
        if (!((n[i] >= 'A' && n[i] <= 'Z') || (n[i] >= 'a' && n[i] <= 'z')
              || (n[i] >= '0' && n[i] <= '9')))
            return false;
    }
    end = n + len - 7;
    start = n + 1;
    if (strncmp(n, PP_TEMP_PREFIX, plen) == 0 && len > plen + 7 + slen
        && strncmp(end - slen, PP_CACHE_RECORD_SUFFIX, slen) == 0) {
        start = n + plen;
        end -= slen;
    }
    if ((size_t)(end - start) >= entrylen)
        return false;
    snprintf(entry, entrylen, "%.*s", (int)(end - start), start);
    return pp_entry_name_valid(entry);
}

/* Remove the cache temp file n of entry under that entry's check lock. */
static void remove_cache_temp(struct audit *a, const char *n, const char *entry)
{
    char path[PATH_MAX], what[PP_ERRLEN + 64];
    int lockfd = pp_cache_lock(&a->pk->cfg, entry, 0, &a->pk->quiet);

    snprintf(path, sizeof(path), "%s/%s", a->pk->cfg.cache_dir, n);
    if (lockfd == PP_TIMED_OUT) {
        note(a, path, "a temp file of a check that is running now: left alone");
        return;
    }
    if (lockfd < 0 || unlink(path) != 0) {
        snprintf(what, sizeof(what), "a temp file left by an interrupted write, not removed: %s",
                 lockfd < 0 ? a->pk->quiet_sink.last_error : strerror(errno));
        problem(a, path, what, "rm it by hand");
    } else {
        note(a, path, "removed: a temp file left by an interrupted write");
    }
    if (lockfd >= 0)
        close(lockfd);
}

/* ---- the parts ---- */

static void audit_config(struct audit *a, const char *path)
{
    struct stat st;
    char fix[PATH_MAX * 3];

    if (lstat(path, &st) != 0 && errno == ENOENT) {
        snprintf(fix, sizeof(fix), "\"make install\" in the build tree installs a commented "
                 "one with every setting at its default; or create it: printf '# "
                 "pam_prefect.conf(5): all settings at their defaults\\n' >%s && chmod 0644 %s",
                 path, path);
        problem(a, path, "does not exist: the module does nothing and prefect-keys refuses "
                "to work without it", fix);
        return;
    }
    audit_file_read(a, path, PP_FILE_PUBLIC, PP_CONFIG_MAX, "configuration");
}

static void audit_mapping(struct audit *a)
{
    struct pk *pk = a->pk;
    struct pp_mapping m;
    char path[PATH_MAX], what[600];
    struct stat st;

    if (pp_mapping_path(&pk->cfg, path, sizeof(path)) != 0 || lstat(path, &st) != 0) {
        note(a, path, "no mapping yet: nobody gets a key (prefect-keys map creates it)");
        return;
    }
    if (pp_mapping_load(&pk->cfg, &m, &pk->quiet) != 0) {
        char fix[PATH_MAX * 4];
        pk_file_fix(path, true, fix, sizeof(fix));
        problem(a, path, reason_of(pk->quiet_sink.last_error, path),
                fix[0] ? fix : "correct the file, or move it away and map again with "
                               "prefect-keys map");
        return;
    }
    ok(a, path, "mapping");
    for (size_t i = 0; i < m.nusers + m.ngroups; i++) {
        bool user = i < m.nusers;
        const struct pp_map_rule *r = user ? &m.users[i] : &m.groups[i - m.nusers];

        if (!pp_entry_exists(&pk->cfg, r->entry)) {
            char fix[400];
            snprintf(what, sizeof(what), "rule %s %s names entry %s, which does not exist: "
                     "%s gets no key", user ? "user" : "group", r->name, r->entry,
                     user ? "the user" : "its members");
            snprintf(fix, sizeof(fix), "prefect-keys add %s ... (or prefect-keys unmap %s %s)",
                     r->entry, user ? "user" : "group", r->name);
            problem(a, path, what, fix);
        }
        if (user ? getpwnam(r->name) == NULL : getgrnam(r->name) == NULL) {
            snprintf(what, sizeof(what), "%s %s is not known to NSS here (fine if it comes "
                     "from LDAP/SSSD later)", user ? "user" : "group", r->name);
            note(a, path, what);
        }
    }
    if (m.default_entry != NULL && !pp_entry_exists(&pk->cfg, m.default_entry)) {
        char fix[400];
        snprintf(what, sizeof(what), "the default names entry %s, which does not exist",
                 m.default_entry);
        snprintf(fix, sizeof(fix), "prefect-keys add %s ... (or prefect-keys unmap default)",
                 m.default_entry);
        problem(a, path, what, fix);
    }
    pp_mapping_free(&m);
}

static void audit_store(struct audit *a)
{
    struct pk *pk = a->pk;
    struct dirent *de;
    char path[PATH_MAX], what[PP_ERRLEN + 200], fix[PATH_MAX * 4];
    int temps = 0;
    DIR *d;

    if (!audit_dir(a, pk->cfg.store, "store directory",
                   "the store does not exist yet (prefect-keys add creates it)"))
        return;
    d = opendir(pk->cfg.store);
    if (d == NULL) {
        snprintf(what, sizeof(what), "cannot read the directory: %s", strerror(errno));
        problem(a, pk->cfg.store, what, NULL);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        char name[PP_ENTRY_NAME_MAX + 1];
        struct pp_entry e;
        struct stat st;

        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", pk->cfg.store, n);
        switch (pp_store_file_kind(n, name)) {
        case PP_SF_MAPPING:
            continue;       /* audit_mapping */
        case PP_SF_LOCK:
            if (lstat(path, &st) == 0 && (!S_ISREG(st.st_mode) || st.st_uid != 0
                                          || (st.st_mode & 077) != 0)) {
                pk_file_fix(path, true, fix, sizeof(fix));
                problem(a, path, "the lock file must be a regular file, root's, mode 0600", fix);
            }
            continue;
        case PP_SF_TEMP:
            temps++;
            continue;
        case PP_SF_BAD_ENTRY_NAME:
            note(a, path, "not a valid entry name: ignored by pam_prefect");
            continue;
        case PP_SF_OTHER:
            note(a, path, "not a pam_prefect file: ignored");
            continue;
        case PP_SF_ENTRY:
            break;
        }
        if (pp_entry_load(&pk->cfg, name, &e, &pk->quiet) != 0) {
            pk_file_fix(path, true, fix, sizeof(fix));
            snprintf(what, sizeof(what), "entry %s is unusable: %s", name,
                     reason_of(pk->quiet_sink.last_error, path));
            if (fix[0] == '\0')
                snprintf(fix, sizeof(fix), "correct the file, or prefect-keys remove %s "
                         "and add it again", name);
            problem(a, path, what, fix);
            continue;
        }
        snprintf(what, sizeof(what), "entry %s", name);
        ok(a, path, what);
        if (e.has_expires && e.expires <= pk->now) {
            snprintf(what, sizeof(what), "entry %s: its recorded expiration has passed "
                     "(prefect-keys rotate %s)", name, name);
            note(a, path, what);
        }
        pp_entry_clear(&e);
    }
    closedir(d);
    if (temps > 0)
        remove_store_temps(a);
    audit_mapping(a);
}

static void audit_cache(struct audit *a)
{
    struct pk *pk = a->pk;
    struct dirent *de;
    char path[PATH_MAX], what[PP_ERRLEN + 200], fix[PATH_MAX * 4];
    DIR *d;

    if (!audit_dir(a, pk->cfg.cache_dir, "cache directory",
                   "the cache does not exist yet (made at the first check)"))
        return;
    d = opendir(pk->cfg.cache_dir);
    if (d == NULL) {
        snprintf(what, sizeof(what), "cannot read the directory: %s", strerror(errno));
        problem(a, pk->cfg.cache_dir, what, NULL);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        char name[PP_ENTRY_NAME_MAX + 1];
        struct stat st;

        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", pk->cfg.cache_dir, n);
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISREG(st.st_mode) && cache_temp_entry(n, name, sizeof(name))) {
            remove_cache_temp(a, n, name);
            continue;
        }
        if (S_ISREG(st.st_mode) && pp_entry_name_of_file(n, PP_CACHE_OLD_RECORD_SUFFIX, name)) {
            snprintf(fix, sizeof(fix), "rm %s", path);
            problem(a, path, "a check record of the old JSON format, which nothing reads any "
                    "more (records are now ENTRY" PP_CACHE_RECORD_SUFFIX ")", fix);
            continue;
        }
        if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) != 0
            || st.st_nlink > 1) {
            pk_file_fix(path, true, fix, sizeof(fix));
            problem(a, path, "a cache file must be a regular file, root's, mode 0600", fix);
            continue;
        }
        if (pp_cache_file_entry(n, name)) {
            struct pp_cache_record rec;

            if (pp_cache_read(&pk->cfg, name, &rec, &pk->quiet) == -1) {
                snprintf(fix, sizeof(fix), "rm %s (it is rebuilt at the next check)", path);
                problem(a, path, reason_of(pk->quiet_sink.last_error, path), fix);
            } else if (!pp_entry_exists(&pk->cfg, name)) {
                note(a, path, "the record of an entry that no longer exists (harmless)");
            }
        }
    }
    closedir(d);
}

static int finish(struct audit *a, struct json_object *root)
{
    if (a->json) {
        json_object_object_add(root, "ok", json_object_new_boolean(a->nproblems == 0));
        pk_json_print(root);
    } else {
        printf("verify: %d problem%s\n", a->nproblems, a->nproblems == 1 ? "" : "s");
    }
    return a->nproblems == 0 ? PK_OK : PK_PROBLEM;
}

static struct json_object *start(struct audit *a, struct pk *pk)
{
    struct json_object *root = NULL;

    memset(a, 0, sizeof(*a));
    a->pk = pk;
    a->json = pk_has(pk, OPT_JSON);
    if (a->json) {
        root = pk_json_answer();
        a->problems = json_object_new_array();
        a->notes = json_object_new_array();
        a->checked = json_object_new_array();
        json_object_object_add(root, "problems", a->problems);
        json_object_object_add(root, "notes", a->notes);
        json_object_object_add(root, "checked", a->checked);
    }
    return root;
}

int pk_verify_config_only(struct pk *pk, const char *path)
{
    struct audit a;
    struct json_object *root = start(&a, pk);

    audit_config(&a, path);
    if (a.nproblems == 0)
        problem(&a, path, pk->sink.last_error[0] ? pk->sink.last_error
                                                 : "the configuration cannot be used",
                "correct the setting named above");
    note(&a, path, "store and cache not audited: the configuration must load first");
    return finish(&a, root);
}

/*
 * The module's decision lines go to syslog through /dev/log; with nobody
 * listening there (a container without a syslog daemon) glibc drops them
 * without a word. Not a problem of this configuration: a note.
 */
static void audit_syslog(struct audit *a)
{
    struct sockaddr_un sun;
    int fd, r = -1;

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", PP_SYSLOG_SOCKET);
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        r = connect(fd, (const struct sockaddr *)&sun, sizeof(sun));
        close(fd);
    }
    if (r == 0)
        ok(a, PP_SYSLOG_SOCKET, "a syslog daemon receives the log lines");
    else
        note(a, PP_SYSLOG_SOCKET, "no syslog daemon listens here: the module's decision lines "
             "are lost (install one, e.g. apt-get install rsyslog, or run systemd-journald)");
}

/* Whether api_url answers: DNS, TCP, TLS with ca_file. A problem when not. */
static void audit_cloud(struct audit *a)
{
    const struct pp_config *cfg = &a->pk->cfg;
    const char *url = cfg->api_url != NULL ? cfg->api_url : "api_url";
    char reason[256], what[400];
    const char *fix = NULL, *stage = "";

    switch (pp_cloud_reach(cfg, reason, sizeof(reason))) {
    case PP_REACH_OK:
        ok(a, url, "answers (DNS, TCP, TLS with the configured CAs; no key was sent)");
        return;
    case PP_REACH_URL:
        stage = "api_url";
        fix = "set api_url to an https:// URL in the configuration";
        break;
    case PP_REACH_DNS:
        stage = "DNS";
        fix = "check the host name in api_url (or proxy), and this host's resolver "
              "(/etc/resolv.conf)";
        break;
    case PP_REACH_TCP:
        stage = "TCP";
        fix = "check that api_url's host and port are reachable from here (a firewall, "
              "or a proxy to set in the configuration)";
        break;
    case PP_REACH_TLS:
        stage = "TLS";
        fix = "check ca_file: it must hold the CA that signed the server's certificate "
              "(without ca_file, the system's CAs), and api_url must name a host that "
              "certificate is for";
        break;
    case PP_REACH_OTHER:
        stage = "cannot try";
        break;
    }
    snprintf(what, sizeof(what), "Prefect Cloud cannot be reached (%s: %s): every check of "
             "a key fails (unreachable) until it can", stage, reason);
    problem(a, url, what, fix);
}

int pk_verify(struct pk *pk, int argc, char **argv)
{
    struct audit a;
    struct json_object *root;

    (void)argv;
    if (argc != 0) {
        pk_usage("usage: prefect-keys verify [--json]");
        return PK_ERROR;
    }
    root = start(&a, pk);
    audit_config(&a, pk->cfg.config_path);
    audit_store(&a);
    audit_cache(&a);
    if (pk->cfg.ca_file != NULL) {
        struct stat st;
        if (stat(pk->cfg.ca_file, &st) != 0 || !S_ISREG(st.st_mode))
            problem(&a, pk->cfg.ca_file, "ca_file is not a readable file: no Cloud check "
                    "can succeed", "correct ca_file in the configuration");
        else
            ok(&a, pk->cfg.ca_file, "ca_file");
    }
    if (!pk_has(pk, OPT_OFFLINE))
        audit_cloud(&a);
    audit_syslog(&a);
    return finish(&a, root);
}

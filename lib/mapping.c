/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mapping.c: the user/group/default mapping: its file, parser, formatter
 * and setters (mapping.h). Resolving it for a user is resolve.c's.
 */
#include <config.h>

#include "mapping.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Every libconfig function through its sym_config_* pointer, set by lcfg.c (lcfg_loader.h). */
#include "lcfg_loader.h"

#include "lcfg.h"
#include "secret.h"
#include "store.h"
#include "store_write.h"

/* Where a rule came from, for "mapped twice" messages. */
struct rule_src {
    const char *list;       /* "users" or "groups" */
    const char *what;       /* "user" or "group" */
};

static const struct rule_src users_src = { "users", "user" };
static const struct rule_src groups_src = { "groups", "group" };

static void free_rules(struct pp_map_rule *r, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(r[i].name);
        free(r[i].entry);
    }
    free(r);
}

void pp_mapping_free(struct pp_mapping *m)
{
    if (m == NULL)
        return;
    free_rules(m->users, m->nusers);
    free_rules(m->groups, m->ngroups);
    free(m->default_entry);
    memset(m, 0, sizeof(*m));
}

static const char *safe_name(const char *s, char *buf, size_t len)
{
    return pp_log_safe(s != NULL ? s : "", buf, len);
}

/* A "name" or "entry" string member of a rule. */
static int rule_member(config_setting_t *rule, const char *member, const char *path,
                       const char *list, int idx, const char **out,
                       const struct pp_log *log)
{
    config_setting_t *s = sym_config_setting_get_member(rule, member);

    if (s == NULL) {
        pp_error(log, "%s:%u: %s[%d]: missing '%s'", path,
                 config_setting_source_line(rule), list, idx, member);
        return -1;
    }
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        pp_error(log, "%s:%u: %s[%d]: '%s' must be a string", path,
                 config_setting_source_line(s), list, idx, member);
        return -1;
    }
    *out = sym_config_setting_get_string(s);
    return 0;
}

static int parse_rules(config_setting_t *list, const struct rule_src *src, const char *path,
                       struct pp_map_rule **rules, size_t *nrules, const struct pp_log *log)
{
    char s1[80], s2[80];
    unsigned *lines = NULL;
    int i, n;

    if (config_setting_type(list) != CONFIG_TYPE_LIST
        && !(config_setting_type(list) == CONFIG_TYPE_ARRAY && sym_config_setting_length(list) == 0)) {
        pp_error(log, "%s:%u: '%s' must be a list of { name = \"...\"; entry = \"...\"; }",
                 path, config_setting_source_line(list), src->list);
        return -1;
    }
    n = sym_config_setting_length(list);
    if (n == 0)
        return 0;
    *rules = calloc((size_t)n, sizeof(**rules));
    lines = calloc((size_t)n, sizeof(*lines));
    if (*rules == NULL || lines == NULL) {
        pp_error(log, "%s: out of memory", path);
        free(lines);
        return -1;
    }
    for (i = 0; i < n; i++) {
        config_setting_t *rule = sym_config_setting_get_elem(list, (unsigned)i);
        unsigned line = config_setting_source_line(rule);
        const char *name, *entry;
        int j, k, nm;

        if (config_setting_type(rule) != CONFIG_TYPE_GROUP) {
            pp_error(log, "%s:%u: %s[%d]: must be a group { name = \"...\"; entry = \"...\"; }",
                     path, line, src->list, i);
            goto fail;
        }
        if (rule_member(rule, "name", path, src->list, i, &name, log) != 0
            || rule_member(rule, "entry", path, src->list, i, &entry, log) != 0)
            goto fail;
        nm = sym_config_setting_length(rule);
        for (k = 0; k < nm; k++) {
            config_setting_t *s = sym_config_setting_get_elem(rule, (unsigned)k);
            const char *sname = config_setting_name(s);

            if (sname != NULL && strcmp(sname, "name") != 0 && strcmp(sname, "entry") != 0)
                pp_warn(log, "%s:%u: %s[%d]: unknown setting '%s' ignored", path,
                        config_setting_source_line(s), src->list, i,
                        safe_name(sname, s1, sizeof(s1)));
        }
        if (!pp_account_name_valid(name)) {
            pp_error(log, "%s:%u: %s[%d]: invalid %s name '%s'", path, line, src->list, i,
                     src->what, safe_name(name, s1, sizeof(s1)));
            goto fail;
        }
        if (!pp_entry_name_valid(entry)) {
            pp_error(log, "%s:%u: %s[%d]: invalid entry name '%s'", path, line, src->list, i,
                     safe_name(entry, s1, sizeof(s1)));
            goto fail;
        }
        for (j = 0; j < i; j++) {
            if (strcmp((*rules)[j].name, name) == 0) {
                pp_error(log, "%s:%u: %s[%d]: %s '%s' is mapped twice (first on line %u)",
                         path, line, src->list, i, src->what, safe_name(name, s2, sizeof(s2)),
                         lines[j]);
                goto fail;
            }
        }
        (*rules)[i].name = strdup(name);
        (*rules)[i].entry = strdup(entry);
        *nrules = (size_t)i + 1;
        lines[i] = line;
        if ((*rules)[i].name == NULL || (*rules)[i].entry == NULL) {
            pp_error(log, "%s: out of memory", path);
            goto fail;
        }
    }
    free(lines);
    return 0;

fail:
    free(lines);
    return -1;
}

static int parse_root(config_setting_t *root, const char *path, struct pp_mapping *m,
                      const struct pp_log *log)
{
    char safe[80];
    int i, n;

    n = sym_config_setting_length(root);
    for (i = 0; i < n; i++) {
        config_setting_t *s = sym_config_setting_get_elem(root, (unsigned)i);
        const char *sname = config_setting_name(s);
        unsigned line = config_setting_source_line(s);

        if (sname == NULL)
            continue;
        if (strcmp(sname, "users") == 0) {
            if (parse_rules(s, &users_src, path, &m->users, &m->nusers, log) != 0)
                return -1;
        } else if (strcmp(sname, "groups") == 0) {
            if (parse_rules(s, &groups_src, path, &m->groups, &m->ngroups, log) != 0)
                return -1;
        } else if (strcmp(sname, "default") == 0) {
            const char *v;

            if (config_setting_type(s) != CONFIG_TYPE_STRING) {
                pp_error(log, "%s:%u: 'default' must be a string (an entry name)", path, line);
                return -1;
            }
            v = sym_config_setting_get_string(s);
            if (!pp_entry_name_valid(v)) {
                pp_error(log, "%s:%u: 'default': invalid entry name '%s'", path, line,
                         safe_name(v, safe, sizeof(safe)));
                return -1;
            }
            m->default_entry = strdup(v);
            if (m->default_entry == NULL) {
                pp_error(log, "%s: out of memory", path);
                return -1;
            }
        } else {
            pp_warn(log, "%s:%u: unknown setting '%s' ignored", path, line,
                    safe_name(sname, safe, sizeof(safe)));
        }
    }
    return 0;
}

int pp_mapping_parse(const char *text, const char *path, struct pp_mapping *m,
                     const struct pp_log *log)
{
    config_t c;
    int r;

    memset(m, 0, sizeof(*m));
    if (path == NULL)
        path = "(mapping)";
    if (text == NULL) {
        pp_error(log, "%s: no text", path);
        return -1;
    }
    if (pp_lcfg_parse(&c, text, path, log) != 0)
        return -1;
    r = parse_root(config_root_setting(&c), path, m, log);
    sym_config_destroy(&c);
    if (r != 0)
        pp_mapping_free(m);
    return r;
}

int pp_mapping_path(const struct pp_config *cfg, char *out, size_t outlen)
{
    size_t slen = cfg->store != NULL ? strlen(cfg->store) : 0;
    int n;

    if (slen == 0)
        return -1;
    n = snprintf(out, outlen, "%s%s" PP_MAPPING_NAME, cfg->store,
                 cfg->store[slen - 1] == '/' ? "" : "/");
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int pp_mapping_save(const struct pp_config *cfg, const struct pp_mapping *m,
                    const struct pp_log *log)
{
    char err[PP_ERRLEN];
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (pp_mapping_format(m, &text, &len) != 0) {
        pp_error(log, "%s/" PP_MAPPING_NAME ": cannot format the mapping", cfg->store);
        return -1;
    }
    rc = pp_write_file_atomic(cfg->store, PP_MAPPING_NAME, text, len, err, sizeof(err));
    free(text);
    if (rc != 0) {
        pp_error(log, "%s", err);
        return -1;
    }
    return 0;
}

void pp_mapping_uses_text(const struct pp_mapping *m, const char *entry, char *out,
                          size_t outlen)
{
    size_t off = 0;

    if (outlen == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < m->nusers; i++)
        if (strcmp(m->users[i].entry, entry) == 0 && off < outlen)
            off += (size_t)snprintf(out + off, outlen - off, "%suser %s", off ? ", " : "",
                                    m->users[i].name);
    for (size_t i = 0; i < m->ngroups; i++)
        if (strcmp(m->groups[i].entry, entry) == 0 && off < outlen)
            off += (size_t)snprintf(out + off, outlen - off, "%sgroup %s", off ? ", " : "",
                                    m->groups[i].name);
    if (m->default_entry != NULL && strcmp(m->default_entry, entry) == 0 && off < outlen)
        snprintf(out + off, outlen - off, "%sdefault", off ? ", " : "");
}

int pp_mapping_unset_entry(struct pp_mapping *m, const char *entry)
{
    int n = 0;

    for (size_t i = m->nusers; i-- > 0;)
        if (strcmp(m->users[i].entry, entry) == 0 && pp_mapping_unset(m, PP_MATCH_USER,
                                                                      m->users[i].name) == 0)
            n++;
    for (size_t i = m->ngroups; i-- > 0;)
        if (strcmp(m->groups[i].entry, entry) == 0 && pp_mapping_unset(m, PP_MATCH_GROUP,
                                                                       m->groups[i].name) == 0)
            n++;
    if (m->default_entry != NULL && strcmp(m->default_entry, entry) == 0
        && pp_mapping_unset(m, PP_MATCH_DEFAULT, NULL) == 0)
        n++;
    return n;
}

int pp_mapping_read(const struct pp_config *cfg, char path[PATH_MAX], char **buf,
                    size_t *len, char id[PP_FILE_ID_SIZE], const struct pp_log *log)
{
    char err[PP_ERRLEN];
    struct stat st;
    int r;

    *buf = NULL;
    *len = 0;
    id[0] = '\0';
    if (cfg->store == NULL || cfg->store[0] == '\0') {
        pp_error(log, "no store directory configured");
        return -1;
    }
    if (pp_mapping_path(cfg, path, PATH_MAX) != 0) {
        pp_error(log, "%s: store path too long", cfg->store);
        return -1;
    }
    r = pp_check_dir(cfg->store, true, err, sizeof(err));
    if (r == PP_ABSENT) {
        pp_debug(log, "%s: no store, so an empty mapping (%s)", path, err);
        return 1;
    }
    if (r != 0) {
        pp_error(log, "%s", err);
        return -1;
    }
    r = pp_read_file_st(path, PP_FILE_SECRET, PP_MAPPING_MAX, true, buf, len, &st, err,
                        sizeof(err));
    if (r == PP_ABSENT) {
        pp_debug(log, "%s: no mapping file, so an empty mapping", path);
        return 1;
    }
    if (r != 0) {
        pp_error(log, "%s", err);
        return -1;
    }
    if (strlen(*buf) != *len) {
        pp_error(log, "%s: contains a NUL byte", path);
        pp_free_buf(*buf, *len + 1);
        *buf = NULL;
        return -1;
    }
    pp_file_identity(&st, id, PP_FILE_ID_SIZE);
    return 0;
}

int pp_mapping_file_id(const struct pp_config *cfg, char id[PP_FILE_ID_SIZE],
                       const struct pp_log *log)
{
    char path[PATH_MAX], err[PP_ERRLEN];
    int r;

    id[0] = '\0';
    if (cfg->store == NULL || cfg->store[0] == '\0' || pp_mapping_path(cfg, path, PATH_MAX) != 0) {
        pp_error(log, "no store directory configured, or its path is too long");
        return -1;
    }
    r = pp_check_dir(cfg->store, true, err, sizeof(err));
    if (r == 0)
        r = pp_file_id_of(path, PP_FILE_SECRET, PP_MAPPING_MAX, true, id, PP_FILE_ID_SIZE, err,
                          sizeof(err));
    if (r == PP_ABSENT)
        return 1;
    if (r != 0) {
        pp_error(log, "%s", err);
        return -1;
    }
    return 0;
}

int pp_mapping_from_text(const struct pp_config *cfg, char *buf, size_t len, const char *path,
                         struct pp_mapping *m, const struct pp_log *log)
{
    int r = 0;

    memset(m, 0, sizeof(*m));
    if (buf != NULL) {
        r = pp_mapping_parse(buf, path, m, log);
        pp_free_buf(buf, len + 1);
    }
    if (r != 0)
        return -1;
    m->broad_rules_uid_min = pp_mapping_uid_min(cfg, m->login_defs_id);
    return 0;
}

long pp_mapping_uid_min(const struct pp_config *cfg, char *id)
{
    id[0] = '\0';
    return cfg->broad_rules_for_system_accounts
        ? 0 : pp_login_defs_uid_min(PP_LOGIN_DEFS, id, PP_FILE_ID_SIZE);
}

int pp_mapping_load(const struct pp_config *cfg, struct pp_mapping *m,
                    const struct pp_log *log)
{
    char path[PATH_MAX], id[PP_FILE_ID_SIZE];
    char *buf;
    size_t len;

    memset(m, 0, sizeof(*m));
    if (pp_mapping_read(cfg, path, &buf, &len, id, log) < 0)
        return -1;
    return pp_mapping_from_text(cfg, buf, len, path, m, log);
}

/* The identity of what f or path (f NULL) is now into id, as pp_login_defs_uid_min says. */
static void login_defs_identity(const char *path, FILE *f, char *id, size_t idlen)
{
    struct stat st;

    if (id == NULL || idlen == 0)
        return;
    id[0] = '\0';
    if ((f != NULL ? fstat(fileno(f), &st) : stat(path, &st)) == 0)
        pp_file_identity(&st, id, idlen);
    else if (errno == ENOENT)
        snprintf(id, idlen, "-");
}

void pp_login_defs_id(const char *path, char *id, size_t idlen)
{
    login_defs_identity(path, NULL, id, idlen);
}

long pp_login_defs_uid_min(const char *path, char *id, size_t idlen)
{
    char line[256];
    long uid_min = PP_UID_MIN_DEFAULT;
    FILE *f = fopen(path, "re");

    if (id != NULL && idlen > 0)
        id[0] = '\0';
    if (f == NULL) {
        if (errno == ENOENT)
            login_defs_identity(path, NULL, id, idlen);
        return uid_min;
    }
    /* "UID_MIN <number>", blanks around; the last such line counts, as in login.defs(5). */
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *end;
        long v;

        p += strspn(p, " \t");
        if (strncmp(p, "UID_MIN", 7) != 0 || (p[7] != ' ' && p[7] != '\t'))
            continue;
        p += 7;
        p += strspn(p, " \t");
        errno = 0;
        v = strtol(p, &end, 10);
        if (errno == 0 && end != p && v > 0 && strspn(end, " \t\r\n") == strlen(end))
            uid_min = v;
    }
    /* The identity after the read: a change during it is a change after it. */
    login_defs_identity(path, f, id, idlen);
    fclose(f);
    return uid_min;
}

/* "value" with backslash and double quote escaped (names have no controls). */
static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s != '\0'; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_rules(FILE *f, const char *list, const struct pp_map_rule *r, size_t n)
{
    size_t i;

    fprintf(f, "%s = (", list);
    for (i = 0; i < n; i++) {
        fputs(i == 0 ? "\n    { name = " : ",\n    { name = ", f);
        put_quoted(f, r[i].name);
        fputs("; entry = ", f);
        put_quoted(f, r[i].entry);
        fputs("; }", f);
    }
    fputs(n > 0 ? "\n);\n" : " );\n", f);
}

static bool rules_valid(const struct pp_map_rule *r, size_t n)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        if (!pp_account_name_valid(r[i].name) || !pp_entry_name_valid(r[i].entry))
            return false;
        for (j = 0; j < i; j++)
            if (strcmp(r[i].name, r[j].name) == 0)
                return false;
    }
    return true;
}

int pp_mapping_format(const struct pp_mapping *m, char **out, size_t *outlen)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f;

    *out = NULL;
    *outlen = 0;
    if (!rules_valid(m->users, m->nusers) || !rules_valid(m->groups, m->ngroups)
        || (m->default_entry != NULL && !pp_entry_name_valid(m->default_entry)))
        return -1;
    f = open_memstream(&buf, &len);
    if (f == NULL)
        return -1;
    fputs("# pam_prefect mapping: which key entry each user gets (see prefect-keys(8)).\n"
          "# A user's own rule first; else the first group below the user is in\n"
          "# (in this order); else the default.\n", f);
    put_rules(f, "users", m->users, m->nusers);
    put_rules(f, "groups", m->groups, m->ngroups);
    if (m->default_entry != NULL) {
        fputs("default = ", f);
        put_quoted(f, m->default_entry);
        fputs(";\n", f);
    }
    if (ferror(f)) {
        fclose(f);
        free(buf);
        return -1;
    }
    if (fclose(f) != 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = len;
    return 0;
}
static struct pp_map_rule **rules_of(struct pp_mapping *m, enum pp_match kind, size_t **n)
{
    if (kind == PP_MATCH_USER) {
        *n = &m->nusers;
        return &m->users;
    }
    if (kind == PP_MATCH_GROUP) {
        *n = &m->ngroups;
        return &m->groups;
    }
    return NULL;
}

int pp_mapping_set(struct pp_mapping *m, enum pp_match kind, const char *name,
                   const char *entry)
{
    struct pp_map_rule **rules, *grown;
    size_t *n, i;
    char *ename, *rname;

    if (!pp_entry_name_valid(entry))
        return -1;
    if (kind == PP_MATCH_DEFAULT) {
        ename = strdup(entry);
        if (ename == NULL)
            return -1;
        free(m->default_entry);
        m->default_entry = ename;
        return 0;
    }
    rules = rules_of(m, kind, &n);
    if (rules == NULL || !pp_account_name_valid(name))
        return -1;
    ename = strdup(entry);
    if (ename == NULL)
        return -1;
    for (i = 0; i < *n; i++) {
        if (strcmp((*rules)[i].name, name) == 0) {
            free((*rules)[i].entry);
            (*rules)[i].entry = ename;
            return 0;
        }
    }
    grown = realloc(*rules, (*n + 1) * sizeof(**rules));
    if (grown == NULL) {
        free(ename);
        return -1;
    }
    *rules = grown;
    rname = strdup(name);
    if (rname == NULL) {
        free(ename);
        return -1;
    }
    grown[*n].name = rname;
    grown[*n].entry = ename;
    (*n)++;
    return 0;
}

int pp_mapping_unset(struct pp_mapping *m, enum pp_match kind, const char *name)
{
    struct pp_map_rule **rules;
    size_t *n, i;

    if (kind == PP_MATCH_DEFAULT) {
        if (m->default_entry == NULL)
            return 1;
        free(m->default_entry);
        m->default_entry = NULL;
        return 0;
    }
    rules = rules_of(m, kind, &n);
    if (rules == NULL || !pp_account_name_valid(name))
        return -1;
    for (i = 0; i < *n; i++) {
        if (strcmp((*rules)[i].name, name) == 0) {
            free((*rules)[i].name);
            free((*rules)[i].entry);
            memmove(&(*rules)[i], &(*rules)[i + 1], (*n - i - 1) * sizeof(**rules));
            (*n)--;
            if (*n == 0) {
                free(*rules);
                *rules = NULL;
            }
            return 0;
        }
    }
    return 1;
}

bool pp_mapping_uses(const struct pp_mapping *m, const char *entry)
{
    size_t i;

    if (entry == NULL)
        return false;
    for (i = 0; i < m->nusers; i++)
        if (strcmp(m->users[i].entry, entry) == 0)
            return true;
    for (i = 0; i < m->ngroups; i++)
        if (strcmp(m->groups[i].entry, entry) == 0)
            return true;
    return m->default_entry != NULL && strcmp(m->default_entry, entry) == 0;
}

const char *pp_match_name(enum pp_match m)
{
    switch (m) {
    case PP_MATCH_USER: return "user";
    case PP_MATCH_GROUP: return "group";
    case PP_MATCH_DEFAULT: return "default";
    case PP_MATCH_NONE: break;
    }
    return "none";
}

bool pp_match_parse(const char *s, enum pp_match *m)
{
    static const enum pp_match kinds[] = { PP_MATCH_USER, PP_MATCH_GROUP, PP_MATCH_DEFAULT };

    for (size_t i = 0; s != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(s, pp_match_name(kinds[i])) == 0) {
            *m = kinds[i];
            return true;
        }
    }
    return false;
}

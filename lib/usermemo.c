/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usermemo.c: the remembered user rule, "{cache_dir}/USER.user" (see
 * usermemo.h): libconfig text naming the mapping file's identity and the
 * entry.
 */
#include <config.h>

#include "usermemo.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Every libconfig function through its sym_config_* pointer, set by lcfg.c (lcfg_loader.h). */
#include "lcfg_loader.h"

#include "lcfg.h"
#include "secret.h"
#include "store.h"
#include "store_write.h"

/* "{cache_dir}/USER.user" into out; false when it does not fit. */
static bool memo_path(const struct pp_config *cfg, const char *user, char *out, size_t outlen)
{
    int n;

    if (cfg->cache_dir == NULL || cfg->cache_dir[0] != '/')
        return false;
    n = snprintf(out, outlen, "%s/%s%s", cfg->cache_dir, user, PP_USER_MEMO_SUFFIX);
    return n > 0 && (size_t)n < outlen;
}

/* The entry remembered for user under mapping identity id: true with entry filled. */
static bool memo_read(const struct pp_config *cfg, const char *user, const char *id,
                      char entry[PP_ENTRY_NAME_MAX + 1], const struct pp_log *log)
{
    char path[PATH_MAX], err[PP_ERRLEN];
    const char *file = NULL, *name = NULL;
    config_t c;
    char *buf;
    size_t len;
    bool ok = false;
    int rc;

    if (!memo_path(cfg, user, path, sizeof(path))
        || pp_read_file(path, PP_FILE_SECRET, PP_CACHE_MAX, &buf, &len, err, sizeof(err)) != 0)
        return false;
    rc = strlen(buf) == len ? pp_lcfg_read(&c, buf, err, sizeof(err)) : -1;
    if (rc == 0) {
        ok = sym_config_lookup_string(&c, "mapping_file", &file) == CONFIG_TRUE
            && sym_config_lookup_string(&c, "entry", &name) == CONFIG_TRUE
            && strcmp(file, id) == 0 && pp_entry_name_valid(name);
        if (ok)
            memcpy(entry, name, strlen(name) + 1);
        sym_config_destroy(&c);
    }
    if (rc == PP_LCFG_UNAVAILABLE)
        pp_debug(log, "%s: not used: %s", path, err);
    else if (!ok)
        pp_debug(log, "%s: not used (another mapping, or malformed)", path);
    pp_free_buf(buf, len + 1);
    return ok;
}

/* Remember that user's own rule gives entry under mapping identity id. */
static void memo_write(const struct pp_config *cfg, const char *user, const char *id,
                       const char *entry, const struct pp_log *log)
{
    char name[PP_ACCOUNT_NAME_MAX + 16], text[PP_FILE_ID_SIZE + PP_ENTRY_NAME_MAX + 64];
    char err[PP_ERRLEN];
    int n;

    /* Only into a cache directory that exists and is safe. */
    if (cfg->cache_dir == NULL || pp_check_dir(cfg->cache_dir, true, err, sizeof(err)) != 0)
        return;
    n = snprintf(name, sizeof(name), "%s%s", user, PP_USER_MEMO_SUFFIX);
    if (n < 0 || (size_t)n >= sizeof(name))
        return;
    /* Neither value needs escaping (hex digits and ":." / an entry name); no
     * comment: a warm login parses this. */
    n = snprintf(text, sizeof(text), "mapping_file = \"%s\";\nentry = \"%s\";\n", id, entry);
    if (n < 0 || (size_t)n >= sizeof(text))
        return;
    if (!pp_file_size_allowed((size_t)n))
        pp_debug(log, "mapping: the rule for %s is not remembered: the file size limit "
                 "(ulimit -f) is too low", user);
    else if (pp_write_file_atomic(cfg->cache_dir, name, text, (size_t)n, err, sizeof(err)) != 0)
        pp_debug(log, "mapping: the rule for %s is not remembered: %s", user, err);
}

int pp_mapping_resolve_login(const struct pp_config *cfg, const char *user, bool known,
                             uid_t uid, gid_t primary, struct pp_resolution *res,
                             char id[PP_FILE_ID_SIZE], const struct pp_log *log)
{
    char path[PATH_MAX], entry[PP_ENTRY_NAME_MAX + 1];
    struct pp_mapping m;
    char *buf;
    size_t len;
    int r;

    memset(res, 0, sizeof(*res));
    memset(&m, 0, sizeof(m));
    id[0] = '\0';
    if (!pp_account_name_valid(user))
        return pp_mapping_resolve_known(&m, user, known, uid, primary, res, log, NULL, NULL);
    r = pp_mapping_read(cfg, path, &buf, &len, id, log);
    if (r < 0)
        return -2;
    if (r == 0 && id[0] != '\0' && memo_read(cfg, user, id, entry, log)) {
        pp_free_buf(buf, len + 1);
        pp_debug(log, "mapping: rule for user %s: entry %s (remembered for this mapping)",
                 user, entry);
        res->match = PP_MATCH_USER;
        memcpy(res->entry, entry, sizeof(res->entry));
        return 0;
    }
    if (r == 0 && pp_mapping_from_text(cfg, buf, len, path, &m, log) != 0)
        return -2;
    r = pp_mapping_resolve_known(&m, user, known, uid, primary, res, log, NULL, NULL);
    if (r == 0 && res->match == PP_MATCH_USER && id[0] != '\0')
        memo_write(cfg, user, id, res->entry, log);
    pp_mapping_free(&m);
    return r;
}


/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memo.c: the login memo (see memo.h).
 *
 * The file is a sequence of pack.h values: a header (what it is, the
 * version of pam_prefect that wrote it, the user and the service), then the
 * fields of struct pp_memo in a fixed order. A memo written by another
 * version is not read.
 */
#include <config.h>

#include "memo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "pack.h"
#include "secret.h"
#include "store_write.h"

#define MAGIC "pam_prefect login memo"

/*
 * A field added to an entry or a record must be remembered here too
 * (pp_memo_pack, pp_memo_parse), or a login decided from a memo would go
 * without it: these sizes (x86-64) make the build say so.
 */
#if defined(__x86_64__) && defined(__LP64__)
_Static_assert(sizeof(struct pp_entry) == 584,
               "struct pp_entry changed: update pp_memo_pack and pp_memo_parse, then this size");
_Static_assert(sizeof(struct pp_cache_record) == 616,
               "struct pp_cache_record changed: update pp_memo_pack and pp_memo_parse, then this size");
#endif

bool pp_memo_name(const char *user, const char *service, char *out, size_t outlen)
{
    int n;

    if (user == NULL || service == NULL || !pp_account_name_valid(user)
        || !pp_account_name_valid(service))
        return false;
    /* ':' is in neither name (names.h), so one file name has one reading. */
    n = snprintf(out, outlen, "%s" PP_MEMO_SEP "%s", user, service);
    return n > 0 && (size_t)n < outlen;
}

static void pack_time(struct pp_packer *w, bool has, time_t t)
{
    pp_pack_u8(w, has ? 1 : 0);
    pp_pack_i64(w, has ? (int64_t)t : 0);
}

static void unpack_time(struct pp_unpacker *r, bool *has, time_t *t)
{
    *has = pp_unpack_bool(r);
    *t = (time_t)pp_unpack_i64(r);
}

void pp_memo_pack(struct pp_packer *w, const char *user, const char *service,
                  const struct pp_memo *m)
{
    const struct pp_entry *e = &m->entry;
    const struct pp_cache_record *c = &m->record;

    pp_pack_str(w, MAGIC);
    pp_pack_str(w, PACKAGE_VERSION);
    pp_pack_str(w, user);
    pp_pack_str(w, service);
    pp_pack_i64(w, (int64_t)m->uid);
    pp_pack_i64(w, (int64_t)m->gid);
    pp_pack_str(w, m->config_path);
    pp_pack_str(w, m->config_id);
    pp_pack_bytes(w, m->image, m->image_len);
    pp_pack_str(w, m->mapping_id);
    pp_pack_str(w, m->rule.entry);
    /* the entry, without its key */
    pp_pack_str(w, e->file_id);
    pp_pack_i64(w, (int64_t)e->key_off);
    pp_pack_i64(w, (int64_t)e->key_len);
    pp_pack_str(w, e->fp);
    pp_pack_str(w, e->account_id);
    pp_pack_str(w, e->workspace_id);
    pack_time(w, e->has_expires, e->expires);
    pp_pack_str(w, e->user_id);
    pp_pack_str(w, e->key_id);
    pp_pack_str(w, e->service_account_id);
    pp_pack_str(w, e->sa_key_id);
    pack_time(w, e->has_added, e->added);
    /* the record */
    pp_pack_u8(w, m->have_record ? 1 : 0);
    if (!m->have_record)
        return;
    pp_pack_str(w, m->record_id);
    pp_pack_str(w, c->fingerprint);
    pp_pack_str(w, c->account_id);
    pp_pack_str(w, c->workspace_id);
    pp_pack_u8(w, (unsigned)c->outcome);
    pp_pack_i64(w, (int64_t)c->checked_at);
    pack_time(w, c->has_last_valid, c->last_valid_at);
    pack_time(w, c->has_expires, c->expires);
    pp_pack_u8(w, (unsigned)c->exp_source);
    pack_time(w, c->has_backoff, c->backoff_until);
    pp_pack_i64(w, (int64_t)c->http_status);
    pp_pack_str(w, c->reason);
    pp_pack_i64(w, (int64_t)c->serial);
    pp_pack_str(w, c->entry_file);
}

void pp_memo_free(struct pp_memo *m)
{
    free(m->config_path);
    free(m->image);
    memset(m, 0, sizeof(*m));
}

const char *pp_memo_parse(const void *data, size_t len, const char *user, const char *service,
                          struct pp_memo *m)
{
    struct pp_unpacker r;
    struct pp_entry *e = &m->entry;
    struct pp_cache_record *c = &m->record;
    const char *s;
    const void *image;
    bool isnull;
    int64_t n;
    unsigned u;

    memset(m, 0, sizeof(*m));
    pp_unpacker_init(&r, data, len);
    s = pp_unpack_str(&r, &isnull);
    if (s == NULL || strcmp(s, MAGIC) != 0)
        return "not a login memo";
    s = pp_unpack_str(&r, &isnull);
    if (s == NULL || strcmp(s, PACKAGE_VERSION) != 0)
        return "written by another version";
    s = pp_unpack_str(&r, &isnull);
    if (s == NULL || user == NULL || strcmp(s, user) != 0)
        return "for another user";
    s = pp_unpack_str(&r, &isnull);
    if (s == NULL || service == NULL || strcmp(s, service) != 0)
        return "for another service";
    n = pp_unpack_i64(&r);
    m->uid = (uid_t)n;
    if ((int64_t)m->uid != n || n < 0 || m->uid == (uid_t)-1)
        r.bad = true;
    n = pp_unpack_i64(&r);
    m->gid = (gid_t)n;
    if ((int64_t)m->gid != n || n < 0 || m->gid == (gid_t)-1)
        r.bad = true;
    s = pp_unpack_str(&r, &isnull);
    if (s != NULL && strlen(s) < PATH_MAX && (m->config_path = strdup(s)) == NULL) {
        pp_memo_free(m);
        return "out of memory";
    }
    pp_unpack_strcpy(&r, m->config_id, sizeof(m->config_id));
    image = pp_unpack_bytes(&r, &m->image_len);
    if (image != NULL && m->image_len > 0) {
        m->image = malloc(m->image_len);
        if (m->image == NULL) {
            pp_memo_free(m);
            return "out of memory";
        }
        memcpy(m->image, image, m->image_len);
    }
    pp_unpack_strcpy(&r, m->mapping_id, sizeof(m->mapping_id));
    m->rule.match = PP_MATCH_USER;
    pp_unpack_strcpy(&r, m->rule.entry, sizeof(m->rule.entry));
    memcpy(e->name, m->rule.entry, sizeof(e->name));
    pp_unpack_strcpy(&r, e->file_id, sizeof(e->file_id));
    n = pp_unpack_i64(&r);
    e->key_off = n > 0 && n < PP_ENTRY_MAX ? (size_t)n : 0;
    n = pp_unpack_i64(&r);
    e->key_len = n > 0 && n < PP_ENTRY_MAX ? (size_t)n : 0;
    pp_unpack_strcpy(&r, e->fp, sizeof(e->fp));
    pp_unpack_strcpy(&r, e->account_id, sizeof(e->account_id));
    pp_unpack_strcpy(&r, e->workspace_id, sizeof(e->workspace_id));
    unpack_time(&r, &e->has_expires, &e->expires);
    pp_unpack_strcpy(&r, e->user_id, sizeof(e->user_id));
    pp_unpack_strcpy(&r, e->key_id, sizeof(e->key_id));
    pp_unpack_strcpy(&r, e->service_account_id, sizeof(e->service_account_id));
    pp_unpack_strcpy(&r, e->sa_key_id, sizeof(e->sa_key_id));
    unpack_time(&r, &e->has_added, &e->added);
    m->have_record = pp_unpack_bool(&r);
    if (m->have_record) {
        pp_unpack_strcpy(&r, m->record_id, sizeof(m->record_id));
        pp_unpack_strcpy(&r, c->fingerprint, sizeof(c->fingerprint));
        pp_unpack_strcpy(&r, c->account_id, sizeof(c->account_id));
        pp_unpack_strcpy(&r, c->workspace_id, sizeof(c->workspace_id));
        u = pp_unpack_u8(&r);
        if (u >= PP_OUT_COUNT)
            r.bad = true;
        c->outcome = (enum pp_outcome)u;
        c->checked_at = (time_t)pp_unpack_i64(&r);
        unpack_time(&r, &c->has_last_valid, &c->last_valid_at);
        unpack_time(&r, &c->has_expires, &c->expires);
        u = pp_unpack_u8(&r);
        if (u > PP_EXP_ENTRY)
            r.bad = true;
        c->exp_source = (enum pp_exp_source)u;
        unpack_time(&r, &c->has_backoff, &c->backoff_until);
        c->http_status = (long)pp_unpack_i64(&r);
        pp_unpack_strcpy(&r, c->reason, sizeof(c->reason));
        n = pp_unpack_i64(&r);
        c->serial = (unsigned long)n;
        pp_unpack_strcpy(&r, c->entry_file, sizeof(c->entry_file));
    }
    if (!pp_unpack_done(&r)) {
        pp_memo_free(m);
        return "truncated or malformed";
    }
    /* What a login relies on must be there and well formed. */
    if (m->config_path == NULL || m->config_path[0] != '/' || m->config_id[0] == '\0'
        || m->image == NULL
        || m->mapping_id[0] == '\0' || !pp_entry_name_valid(m->rule.entry)
        || e->file_id[0] == '\0' || e->key_off == 0 || e->key_len == 0 || e->fp[0] == '\0'
        || !pp_uuid_valid(e->account_id) || !pp_uuid_valid(e->workspace_id)
        || (m->have_record && m->record_id[0] == '\0')) {
        pp_memo_free(m);
        return "incomplete";
    }
    return NULL;
}

int pp_memo_read(const char *user, const char *service, struct pp_memo *m, char *why,
                 size_t whylen)
{
    char name[PP_ACCOUNT_NAME_MAX * 2 + 2], path[sizeof(PP_RUNDIR) + sizeof(name) + 1];
    char err[PP_ERRLEN];
    const char *wrong;
    char *data;
    size_t len;
    int rc;

    memset(m, 0, sizeof(*m));
    why[0] = '\0';
    if (!pp_memo_name(user, service, name, sizeof(name)))
        return 1;
    snprintf(path, sizeof(path), "%s/%s", PP_RUNDIR, name);
    rc = pp_check_dir(PP_RUNDIR, true, err, sizeof(err));
    if (rc == 0)
        rc = pp_read_file_st(path, PP_FILE_SECRET, PP_MEMO_MAX, true, &data, &len, NULL, err,
                             sizeof(err));
    if (rc == PP_ABSENT)
        return 1;
    if (rc != 0) {
        snprintf(why, whylen, "%s", err);
        return 1;
    }
    wrong = pp_memo_parse(data, len, user, service, m);
    pp_free_buf(data, len + 1);
    if (wrong != NULL) {
        snprintf(why, whylen, "%s: %s", path, wrong);
        return 1;
    }
    return 0;
}

void pp_memo_save(const struct pp_config *cfg, const char *user, const char *service, uid_t uid,
                  gid_t gid, const char *mapping_id, const struct pp_resolution *rule,
                  const struct pp_entry *e, const struct pp_log *log)
{
    char name[PP_ACCOUNT_NAME_MAX * 2 + 2], err[PP_ERRLEN];
    struct pp_packer w;
    struct pp_memo m;
    const char *why = NULL;
    int rc;

    if (rule->match != PP_MATCH_USER || !pp_memo_name(user, service, name, sizeof(name)))
        return;
    memset(&m, 0, sizeof(m));
    if (cfg->image == NULL || cfg->file_id[0] == '\0' || cfg->config_path == NULL)
        why = "the configuration file has not settled";
    else if (mapping_id == NULL || mapping_id[0] == '\0')
        why = "the mapping file has not settled";
    else if (e->file_id[0] == '\0' || e->key_off == 0)
        why = "the entry file has not settled, or its key was not found in it once";
    else if (e->fp[0] == '\0' || strcmp(e->fp, "unknown") == 0)
        why = "the key's fingerprint is not known";
    if (why != NULL) {
        pp_debug(log, "login memo not written: %s", why);
        return;
    }
    m.uid = uid;
    m.gid = gid;
    m.config_path = cfg->config_path;       /* borrowed: m is not freed */
    memcpy(m.config_id, cfg->file_id, sizeof(m.config_id));
    m.image = cfg->image;
    m.image_len = cfg->image_len;
    snprintf(m.mapping_id, sizeof(m.mapping_id), "%s", mapping_id);
    m.rule = *rule;
    m.entry = *e;
    m.entry.key = NULL;
    m.entry.comment = NULL;
    m.entry.record = NULL;
    m.entry.record_read = false;
    if (cfg->validate) {
        /*
         * The record as it is now (a check may just have written it): first
         * whether it has settled, which is all most logins right after a
         * check need to know, then its content.
         */
        rc = pp_cache_file_id(cfg, e->name, m.record_id, log);
        if (rc == 0 && m.record_id[0] != '\0')
            rc = pp_cache_read_id(cfg, e->name, &m.record, m.record_id, log);
        if (rc != 0 || m.record_id[0] == '\0'
            || !pp_cache_record_is_for(&m.record, e->fp, e->account_id, e->workspace_id)) {
            pp_debug(log, "login memo not written: no settled cache record of this key yet");
            return;
        }
        m.have_record = true;
    }
    pp_packer_init(&w, PP_MEMO_MAX);
    pp_memo_pack(&w, user, service, &m);
    if (w.overflow) {
        pp_debug(log, "login memo not written: larger than %d bytes", PP_MEMO_MAX);
    } else if (!pp_file_size_allowed(w.len)) {
        pp_debug(log, "login memo not written: the file size limit (ulimit -f) is below its "
                 "%zu bytes", w.len);
    } else if (pp_dir_make(PP_RUNDIR, false, NULL, err, sizeof(err)) != 0
               || pp_write_file_atomic(PP_RUNDIR, name, w.buf, w.len, err, sizeof(err)) != 0) {
        pp_debug(log, "login memo not written: %s", err);
    } else {
        pp_debug(log, "login memo written: %s/%s", PP_RUNDIR, name);
    }
    pp_packer_free(&w);
}

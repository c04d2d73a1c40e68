/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memo.c: the login memo (see memo.h).
 *
 * The file is a sequence of pack.h values: a header (what it is, its
 * format version PP_MEMO_VERSION, the user and the service), then the
 * fields of struct pp_memo in a fixed order, packed by pp_memo_pack and
 * read back by pp_memo_unpack alone. A memo of another format version is
 * not read.
 */
#include <config.h>

#include "memo.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "pack.h"
#include "secret.h"
#include "store_write.h"

#define MAGIC "pam_prefect login memo"

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

/* The record, without what pp_memo_pack puts around it. */
static void pack_record(struct pp_packer *w, const struct pp_cache_record *c)
{
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
}

static void unpack_record(struct pp_unpacker *r, struct pp_cache_record *c)
{
    unsigned u;

    pp_unpack_strcpy(r, c->fingerprint, sizeof(c->fingerprint));
    pp_unpack_strcpy(r, c->account_id, sizeof(c->account_id));
    pp_unpack_strcpy(r, c->workspace_id, sizeof(c->workspace_id));
    u = pp_unpack_u8(r);
    if (u >= PP_OUT_COUNT)
        r->bad = true;
    c->outcome = (enum pp_outcome)u;
    c->checked_at = (time_t)pp_unpack_i64(r);
    unpack_time(r, &c->has_last_valid, &c->last_valid_at);
    unpack_time(r, &c->has_expires, &c->expires);
    u = pp_unpack_u8(r);
    if (u > PP_EXP_ENTRY)
        r->bad = true;
    c->exp_source = (enum pp_exp_source)u;
    unpack_time(r, &c->has_backoff, &c->backoff_until);
    c->http_status = (long)pp_unpack_i64(r);
    pp_unpack_strcpy(r, c->reason, sizeof(c->reason));
    c->serial = (unsigned long)pp_unpack_i64(r);
}

/* An id of NSS (uid or gid) from the reader: bad when it is not one. */
static int64_t unpack_id(struct pp_unpacker *r)
{
    int64_t n = pp_unpack_i64(r);

    if (n < 0 || n >= (int64_t)UINT32_MAX)
        r->bad = true;
    return n;
}

void pp_memo_pack(struct pp_packer *w, const char *user, const char *service,
                  const struct pp_memo *m)
{
    size_t i;

    pp_pack_str(w, MAGIC);
    pp_pack_i64(w, PP_MEMO_VERSION);
    pp_pack_str(w, user);
    pp_pack_str(w, service);
    pp_pack_i64(w, (int64_t)m->uid);
    pp_pack_i64(w, (int64_t)m->gid);
    pp_pack_i64(w, (int64_t)m->ngroups);
    for (i = 0; i < m->ngroups; i++)
        pp_pack_i64(w, (int64_t)m->groups[i]);
    pp_pack_i64(w, (int64_t)m->nrule_groups);
    for (i = 0; i < m->nrule_groups; i++) {
        pp_pack_str(w, m->rule_groups[i].name);
        pp_pack_u8(w, m->rule_groups[i].found ? 1 : 0);
        pp_pack_i64(w, (int64_t)m->rule_groups[i].gid);
        pp_pack_u8(w, m->rule_groups[i].listed ? 1 : 0);
    }
    pp_pack_i64(w, (int64_t)m->uid_min);
    pp_pack_str(w, m->login_defs_id);
    pp_pack_str(w, m->config_path);
    pp_pack_str(w, m->config_id);
    pp_pack_bytes(w, m->image, m->image_len);
    pp_pack_str(w, m->mapping_id);
    pp_pack_u8(w, (unsigned)m->rule.match);
    pp_pack_str(w, m->rule.entry);
    pp_pack_str(w, m->rule.group);
    pp_pack_str(w, m->entry.file_id);
    pp_pack_str(w, m->entry.fp);
    pp_pack_u8(w, (unsigned)m->entry.kind);
    pp_pack_str(w, m->entry.account_id);
    pp_pack_str(w, m->entry.workspace_id);
    pp_pack_u8(w, m->entry.has_expires ? 1 : 0);
    pp_pack_i64(w, (int64_t)m->entry.expires);
    pp_pack_str(w, m->entry.user_id);
    pp_pack_str(w, m->entry.key_id);
    pp_pack_str(w, m->entry.service_account_id);
    pp_pack_str(w, m->entry.sa_key_id);
    pp_pack_u8(w, m->entry.has_added ? 1 : 0);
    pp_pack_i64(w, (int64_t)m->entry.added);
    pp_pack_i64(w, (int64_t)m->entry.key_at);
    pp_pack_i64(w, (int64_t)m->entry.key_len);
    pp_pack_u8(w, m->have_record ? 1 : 0);
    if (m->have_record) {
        pp_pack_str(w, m->record_id);
        pack_record(w, &m->record);
    }
}

void pp_memo_free(struct pp_memo *m)
{
    free(m->groups);
    free(m->rule_groups);
    free(m->config_path);
    free(m->image);
    memset(m, 0, sizeof(*m));
}

/* Whether the entry's facts are as pp_entry_load gives them. */
static bool entry_complete(const struct pp_entry *e)
{
    const char *const ids[] = { e->user_id, e->key_id, e->service_account_id, e->sa_key_id };
    size_t i;

    if ((e->kind != PP_KIND_USER && e->kind != PP_KIND_SERVICE_ACCOUNT && e->kind != PP_KIND_OTHER)
        || !pp_uuid_valid(e->account_id) || !pp_uuid_valid(e->workspace_id)
        || e->key_len == 0 || e->key_at >= PP_ENTRY_MAX || e->key_len > PP_ENTRY_MAX - e->key_at
        || (!e->has_expires && e->expires != 0) || (!e->has_added && e->added != 0))
        return false;
    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        if (ids[i][0] != '\0' && !pp_uuid_valid(ids[i]))
            return false;
    }
    return (e->user_id[0] == '\0') == (e->key_id[0] == '\0');
}

/* Whether what a login relies on is there and well formed. */
static bool complete(const struct pp_memo *m)
{
    const struct pp_resolution *rule = &m->rule;

    return m->config_path != NULL && m->config_path[0] == '/' && m->config_id[0] != '\0'
        && m->image != NULL && m->mapping_id[0] != '\0'
        && (rule->match == PP_MATCH_USER || rule->match == PP_MATCH_GROUP
            || rule->match == PP_MATCH_DEFAULT)
        && pp_entry_name_valid(rule->entry)
        && (rule->match == PP_MATCH_GROUP ? pp_account_name_valid(rule->group)
                                          : rule->group[0] == '\0')
        && (rule->match != PP_MATCH_USER
            || (m->ngroups == 0 && m->nrule_groups == 0 && m->uid_min == 0))
        && (m->nrule_groups == 0) == (m->ngroups == 0)
        && m->uid_min >= 0 && (m->uid_min == 0) == (m->login_defs_id[0] == '\0')
        && m->entry.file_id[0] != '\0'
        && entry_complete(&m->entry)
        && strlen(m->entry.fp) == PP_FP_HEX
        && strspn(m->entry.fp, "0123456789abcdef") == PP_FP_HEX
        && (!m->have_record || (m->record_id[0] != '\0'
                                && strcmp(m->record.fingerprint, m->entry.fp) == 0));
}

const char *pp_memo_unpack(const void *data, size_t len, const char *user, const char *service,
                           struct pp_memo *m)
{
    struct pp_unpacker r;
    const char *s;
    const void *image;
    bool isnull;
    int64_t n;
    size_t i;

    memset(m, 0, sizeof(*m));
    pp_unpacker_init(&r, data, len);
    s = pp_unpack_str(&r, &isnull);
    if (s == NULL || strcmp(s, MAGIC) != 0)
        return "not a login memo";
    if (pp_unpack_i64(&r) != PP_MEMO_VERSION)
        return "another format version";
    s = pp_unpack_str(&r, &isnull);
    if (s == NULL || user == NULL || strcmp(s, user) != 0)
        return "for another user";
    s = pp_unpack_str(&r, &isnull);
    if (s == NULL || service == NULL || strcmp(s, service) != 0)
        return "for another service";
    m->uid = (uid_t)unpack_id(&r);
    m->gid = (gid_t)unpack_id(&r);
    n = pp_unpack_i64(&r);
    /* Each gid takes 8 bytes: more than fit in what is left is garbage. */
    if (n < 0 || (uint64_t)n > r.left / 8)
        r.bad = true;
    else if (n > 0 && (m->groups = calloc((size_t)n, sizeof(*m->groups))) == NULL)
        return "out of memory";
    m->ngroups = r.bad ? 0 : (size_t)n;
    for (i = 0; i < m->ngroups; i++)
        m->groups[i] = (gid_t)unpack_id(&r);
    n = pp_unpack_i64(&r);
    /* Each group rule takes at least 16 bytes. */
    if (n < 0 || (uint64_t)n > r.left / 16)
        r.bad = true;
    else if (n > 0 && (m->rule_groups = calloc((size_t)n, sizeof(*m->rule_groups))) == NULL) {
        pp_memo_free(m);
        return "out of memory";
    }
    m->nrule_groups = r.bad ? 0 : (size_t)n;
    for (i = 0; i < m->nrule_groups; i++) {
        struct pp_rule_group *g = &m->rule_groups[i];

        pp_unpack_strcpy(&r, g->name, sizeof(g->name));
        g->found = pp_unpack_bool(&r);
        g->gid = (gid_t)unpack_id(&r);
        g->listed = pp_unpack_bool(&r);
        if (!r.bad && !pp_account_name_valid(g->name))
            r.bad = true;
    }
    m->uid_min = (long)pp_unpack_i64(&r);
    pp_unpack_strcpy(&r, m->login_defs_id, sizeof(m->login_defs_id));
    s = pp_unpack_str(&r, &isnull);
    if (s != NULL && strlen(s) < PATH_MAX && (m->config_path = strdup(s)) == NULL) {
        pp_memo_free(m);
        return "out of memory";
    }
    pp_unpack_strcpy(&r, m->config_id, sizeof(m->config_id));
    image = pp_unpack_bytes(&r, &m->image_len);
    if (image != NULL && m->image_len > 0) {
        if ((m->image = malloc(m->image_len)) == NULL) {
            pp_memo_free(m);
            return "out of memory";
        }
        memcpy(m->image, image, m->image_len);
    }
    pp_unpack_strcpy(&r, m->mapping_id, sizeof(m->mapping_id));
    m->rule.match = (enum pp_match)pp_unpack_u8(&r);
    pp_unpack_strcpy(&r, m->rule.entry, sizeof(m->rule.entry));
    pp_unpack_strcpy(&r, m->rule.group, sizeof(m->rule.group));
    pp_unpack_strcpy(&r, m->entry.file_id, sizeof(m->entry.file_id));
    pp_unpack_strcpy(&r, m->entry.fp, sizeof(m->entry.fp));
    m->entry.kind = (enum pp_key_kind)pp_unpack_u8(&r);
    pp_unpack_strcpy(&r, m->entry.account_id, sizeof(m->entry.account_id));
    pp_unpack_strcpy(&r, m->entry.workspace_id, sizeof(m->entry.workspace_id));
    m->entry.has_expires = pp_unpack_bool(&r);
    m->entry.expires = (time_t)pp_unpack_i64(&r);
    pp_unpack_strcpy(&r, m->entry.user_id, sizeof(m->entry.user_id));
    pp_unpack_strcpy(&r, m->entry.key_id, sizeof(m->entry.key_id));
    pp_unpack_strcpy(&r, m->entry.service_account_id, sizeof(m->entry.service_account_id));
    pp_unpack_strcpy(&r, m->entry.sa_key_id, sizeof(m->entry.sa_key_id));
    m->entry.has_added = pp_unpack_bool(&r);
    m->entry.added = (time_t)pp_unpack_i64(&r);
    n = pp_unpack_i64(&r);
    m->entry.key_at = n >= 0 && n < PP_ENTRY_MAX ? (size_t)n : PP_ENTRY_MAX;
    n = pp_unpack_i64(&r);
    m->entry.key_len = n > 0 && n <= PP_ENTRY_MAX ? (size_t)n : 0;
    m->have_record = pp_unpack_bool(&r);
    if (m->have_record) {
        pp_unpack_strcpy(&r, m->record_id, sizeof(m->record_id));
        unpack_record(&r, &m->record);
    }
    if (!pp_unpack_done(&r)) {
        pp_memo_free(m);
        return "truncated or malformed";
    }
    if (!complete(m)) {
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
    wrong = pp_memo_unpack(data, len, user, service, m);
    pp_free_buf(data, len + 1);
    if (wrong != NULL) {
        snprintf(why, whylen, "%s: %s", path, wrong);
        return 1;
    }
    return 0;
}

void pp_memo_save(const struct pp_config *cfg, const char *user, const char *service,
                  struct pp_memo *m, const struct pp_log *log)
{
    char name[PP_ACCOUNT_NAME_MAX * 2 + 2], err[PP_ERRLEN];
    struct pp_packer w;
    const char *why = NULL;
    int rc;

    if (!pp_memo_name(user, service, name, sizeof(name)))
        return;
    if (cfg->image == NULL || cfg->file_id[0] == '\0' || cfg->config_path == NULL)
        why = "the configuration file has no identity yet";
    else if (m->mapping_id[0] == '\0')
        why = "the mapping file has no identity yet";
    else if (m->entry.file_id[0] == '\0')
        why = "the entry file has no identity yet";
    else if (strspn(m->entry.fp, "0123456789abcdef") != PP_FP_HEX)
        why = "the key's fingerprint is not known";
    else if (m->entry.key_len == 0)
        why = "the key is not in the entry file as it is (escaped)";
    if (why != NULL) {
        pp_debug(log, "login memo not written: %s", why);
        return;
    }
    m->config_path = cfg->config_path;      /* borrowed, as the caller's pointers */
    memcpy(m->config_id, cfg->file_id, sizeof(m->config_id));
    m->image = cfg->image;
    m->image_len = cfg->image_len;
    m->have_record = false;
    if (cfg->validate) {
        /* The record as it is now (a check may just have written it). */
        rc = pp_cache_read_id(cfg, m->rule.entry, &m->record, m->record_id, log);
        if (rc != 0 || m->record_id[0] == '\0'
            || strcmp(m->record.fingerprint, m->entry.fp) != 0) {
            pp_debug(log, "login memo not written: no cache record of this key with an "
                     "identity yet");
            return;
        }
        m->have_record = true;
    }
    pp_packer_init(&w, PP_MEMO_MAX);
    pp_memo_pack(&w, user, service, m);
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_memo.c: the login memo's data (lib/memo.c) and the settings image
 * it carries (pp_config_from_image), without touching PP_RUNDIR. A memo
 * written by pp_memo_pack parses back field for field and holds no key;
 * the test packs the same bytes itself with pack.h (so a change of the
 * layout shows here), and varies them for each refusal, whose reason is
 * checked word for word. The settings image is a real one: that of a
 * configuration file loaded by pp_config_load (needs root, as test_config).
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "log.h"
#include "memo.h"
#include "pack.h"
#include "capture.h"
#include "testroot.h"

#define MAGIC "pam_prefect login memo"
#define USER "alice"
#define SERVICE "sshd"
#define ACC "0b5b2a3c-1111-4a2b-9c3d-0123456789ab"
#define WS "7e4c1d2a-2222-4b3c-8d4e-abcdef012345"
#define UUID_U "11111111-aaaa-4bbb-8ccc-222222222222"
#define UUID_K "33333333-dddd-4eee-9fff-444444444444"

static char *root;
static struct pp_config cfg;        /* loaded from a real file: cfg.image is real */
static struct pp_memo good;         /* borrows cfg's path and image */

/* ---- building memos ---- */

/* What the test varies beyond struct pp_memo's fields: raw header and byte values. */
struct raw {
    const char *magic, *version;
    int64_t uid, gid;
    unsigned have_record, outcome, exp_source;
    const char *fp;                 /* the entry's fingerprint as packed */
};

static struct raw raw_of(const struct pp_memo *m)
{
    struct raw r = { MAGIC, PACKAGE_VERSION, (int64_t)m->uid, (int64_t)m->gid,
                     m->have_record ? 1 : 0, (unsigned)m->record.outcome,
                     (unsigned)m->record.exp_source, m->entry.fp };

    return r;
}

static void put_time(struct pp_packer *w, bool has, time_t t)
{
    pp_pack_u8(w, has ? 1 : 0);
    pp_pack_i64(w, has ? (int64_t)t : 0);
}

/* The memo's fields in memo.c's order (pp_memo_pack), with raw's values. */
static void pack_test(struct pp_packer *w, const char *user, const char *service,
                      const struct pp_memo *m, const struct raw *raw)
{
    const struct pp_entry *e = &m->entry;
    const struct pp_cache_record *c = &m->record;

    pp_pack_str(w, raw->magic);
    pp_pack_str(w, raw->version);
    pp_pack_str(w, user);
    pp_pack_str(w, service);
    pp_pack_i64(w, raw->uid);
    pp_pack_i64(w, raw->gid);
    pp_pack_str(w, m->config_path);
    pp_pack_str(w, m->config_id);
    pp_pack_bytes(w, m->image, m->image_len);
    pp_pack_str(w, m->mapping_id);
    pp_pack_str(w, m->rule.entry);
    pp_pack_str(w, e->file_id);
    pp_pack_i64(w, (int64_t)e->key_off);
    pp_pack_i64(w, (int64_t)e->key_len);
    pp_pack_str(w, raw->fp);
    pp_pack_str(w, e->account_id);
    pp_pack_str(w, e->workspace_id);
    put_time(w, e->has_expires, e->expires);
    pp_pack_str(w, e->user_id);
    pp_pack_str(w, e->key_id);
    pp_pack_str(w, e->service_account_id);
    pp_pack_str(w, e->sa_key_id);
    put_time(w, e->has_added, e->added);
    pp_pack_u8(w, raw->have_record);
    if (raw->have_record != 1)
        return;
    pp_pack_str(w, m->record_id);
    pp_pack_str(w, c->fingerprint);
    pp_pack_str(w, c->account_id);
    pp_pack_str(w, c->workspace_id);
    pp_pack_u8(w, raw->outcome);
    pp_pack_i64(w, (int64_t)c->checked_at);
    put_time(w, c->has_last_valid, c->last_valid_at);
    put_time(w, c->has_expires, c->expires);
    pp_pack_u8(w, raw->exp_source);
    put_time(w, c->has_backoff, c->backoff_until);
    pp_pack_i64(w, (int64_t)c->http_status);
    pp_pack_str(w, c->reason);
    pp_pack_i64(w, (int64_t)c->serial);
    pp_pack_str(w, c->entry_file);
}

static void assert_memo_zeroed(const struct pp_memo *m)
{
    struct pp_memo zero;

    memset(&zero, 0, sizeof(zero));
    assert_memory_equal(m, &zero, sizeof(zero));
}

/* Parse len bytes of data (from a heap copy of exactly that size); the reason or NULL. */
static const char *parse_copy(const void *data, size_t len, const char *user,
                              const char *service, struct pp_memo *m)
{
    unsigned char *copy = malloc(len > 0 ? len : 1);
    const char *why;

    assert_non_null(copy);
    memcpy(copy, data, len);
    why = pp_memo_parse(copy, len, user, service, m);
    free(copy);     /* a parsed memo must not point into the file's data */
    return why;
}

/* Pack m (raw's variations) as USER through SERVICE; expect the reason want. */
static void expect_refused_raw(const struct pp_memo *m, const struct raw *raw, const char *want)
{
    struct pp_packer w;
    struct pp_memo out;
    const char *why;

    pp_packer_init(&w, PP_MEMO_MAX);
    pack_test(&w, USER, SERVICE, m, raw);
    assert_false(w.overflow);
    memset(&out, 0x5a, sizeof(out));
    why = parse_copy(w.buf, w.len, USER, SERVICE, &out);
    if (why == NULL)
        fail_msg("a memo was accepted; expected \"%s\"", want);
    assert_string_equal(why, want);
    assert_memo_zeroed(&out);
    pp_packer_free(&w);
}

static void expect_refused(const struct pp_memo *m, const char *want)
{
    struct raw raw = raw_of(m);

    expect_refused_raw(m, &raw, want);
}

/* ---- the memo ---- */

static void assert_memos_equal(const struct pp_memo *a, const struct pp_memo *b)
{
    const struct pp_entry *ea = &a->entry, *eb = &b->entry;
    const struct pp_cache_record *ca = &a->record, *cb = &b->record;

    assert_int_equal(a->uid, b->uid);
    assert_int_equal(a->gid, b->gid);
    assert_string_equal(a->config_path, b->config_path);
    assert_string_equal(a->config_id, b->config_id);
    assert_int_equal(a->image_len, b->image_len);
    assert_memory_equal(a->image, b->image, a->image_len);
    assert_string_equal(a->mapping_id, b->mapping_id);
    assert_int_equal(a->rule.match, b->rule.match);
    assert_string_equal(a->rule.entry, b->rule.entry);
    assert_string_equal(ea->name, eb->name);
    assert_null(ea->key);
    assert_null(eb->key);
    assert_string_equal(ea->file_id, eb->file_id);
    assert_int_equal(ea->key_off, eb->key_off);
    assert_int_equal(ea->key_len, eb->key_len);
    assert_string_equal(ea->fp, eb->fp);
    assert_string_equal(ea->account_id, eb->account_id);
    assert_string_equal(ea->workspace_id, eb->workspace_id);
    assert_int_equal(ea->has_expires, eb->has_expires);
    assert_int_equal(ea->expires, eb->expires);
    assert_string_equal(ea->user_id, eb->user_id);
    assert_string_equal(ea->key_id, eb->key_id);
    assert_string_equal(ea->service_account_id, eb->service_account_id);
    assert_string_equal(ea->sa_key_id, eb->sa_key_id);
    assert_int_equal(ea->has_added, eb->has_added);
    assert_int_equal(ea->added, eb->added);
    assert_int_equal(a->have_record, b->have_record);
    assert_string_equal(a->record_id, b->record_id);
    assert_string_equal(ca->fingerprint, cb->fingerprint);
    assert_string_equal(ca->account_id, cb->account_id);
    assert_string_equal(ca->workspace_id, cb->workspace_id);
    assert_int_equal(ca->outcome, cb->outcome);
    assert_int_equal(ca->checked_at, cb->checked_at);
    assert_int_equal(ca->has_last_valid, cb->has_last_valid);
    assert_int_equal(ca->last_valid_at, cb->last_valid_at);
    assert_int_equal(ca->has_expires, cb->has_expires);
    assert_int_equal(ca->expires, cb->expires);
    assert_int_equal(ca->exp_source, cb->exp_source);
    assert_int_equal(ca->has_backoff, cb->has_backoff);
    assert_int_equal(ca->backoff_until, cb->backoff_until);
    assert_int_equal(ca->http_status, cb->http_status);
    assert_string_equal(ca->reason, cb->reason);
    assert_int_equal(ca->serial, cb->serial);
    assert_string_equal(ca->entry_file, cb->entry_file);
}

/* pp_memo_pack's bytes and the test's own are the same. */
static void expect_same_bytes(const struct pp_memo *m)
{
    struct pp_packer real, mine;
    struct raw raw = raw_of(m);

    pp_packer_init(&real, PP_MEMO_MAX);
    pp_packer_init(&mine, PP_MEMO_MAX);
    pp_memo_pack(&real, USER, SERVICE, m);
    pack_test(&mine, USER, SERVICE, m, &raw);
    assert_false(real.overflow);
    assert_false(mine.overflow);
    assert_int_equal(real.len, mine.len);
    assert_memory_equal(real.buf, mine.buf, real.len);
    pp_packer_free(&real);
    pp_packer_free(&mine);
}

/* Write m with pp_memo_pack and read it back. */
static void expect_round_trip(const struct pp_memo *m)
{
    struct pp_packer w;
    struct pp_memo out;
    const char *why;

    pp_packer_init(&w, PP_MEMO_MAX);
    pp_memo_pack(&w, USER, SERVICE, m);
    assert_false(w.overflow);
    why = parse_copy(w.buf, w.len, USER, SERVICE, &out);
    if (why != NULL)
        fail_msg("the memo was refused: %s", why);
    assert_memos_equal(&out, m);
    /* Its own copies, not the file's data nor m's. */
    assert_true(out.config_path != m->config_path && out.image != m->image);
    pp_memo_free(&out);
    assert_memo_zeroed(&out);
    pp_memo_free(&out);     /* twice is harmless */
    pp_packer_free(&w);
}

static void test_round_trip(void **state)
{
    struct pp_memo m = good;

    (void)state;
    expect_round_trip(&m);
    expect_same_bytes(&m);

    /* Without a record. */
    memset(&m.record, 0, sizeof(m.record));
    memset(m.record_id, 0, sizeof(m.record_id));
    m.have_record = false;
    expect_round_trip(&m);
    expect_same_bytes(&m);

    /* Without the optional fields of an entry; the last outcome; a service account key. */
    m = good;
    m.entry.has_expires = false;
    m.entry.expires = 0;
    m.entry.has_added = false;
    m.entry.added = 0;
    m.entry.user_id[0] = m.entry.key_id[0] = '\0';
    strcpy(m.entry.service_account_id, UUID_U);
    m.record.outcome = (enum pp_outcome)(PP_OUT_COUNT - 1);
    m.record.exp_source = PP_EXP_ENTRY;
    m.record.has_backoff = true;
    m.record.backoff_until = 1900000000;
    m.record.http_status = -1;
    expect_round_trip(&m);
    expect_same_bytes(&m);
}

/* A key in the entry handed to the writer does not reach the memo. */
static void test_no_key(void **state)
{
    static char key[] = "pnu_Sekr1t0123456789abcdefghij";
    struct pp_memo m = good, out;
    struct pp_packer w;

    (void)state;
    m.entry.key = key;
    pp_packer_init(&w, PP_MEMO_MAX);
    pp_memo_pack(&w, USER, SERVICE, &m);
    assert_false(w.overflow);
    if (memmem(w.buf, w.len, "Sekr1t", 6) != NULL)
        fail_msg("the key is in the memo");
    assert_null(parse_copy(w.buf, w.len, USER, SERVICE, &out));
    assert_null(out.entry.key);
    assert_null(out.entry.comment);
    assert_null(out.entry.record);
    pp_memo_free(&out);
    pp_packer_free(&w);
}

static void test_header(void **state)
{
    struct raw raw = raw_of(&good);
    struct pp_packer w;
    struct pp_memo out;

    (void)state;
    raw.magic = "pam_prefect login memO";
    expect_refused_raw(&good, &raw, "not a login memo");
    raw.magic = NULL;
    expect_refused_raw(&good, &raw, "not a login memo");
    raw = raw_of(&good);
    raw.version = "0.0.0-another";
    expect_refused_raw(&good, &raw, "written by another version");
    raw.version = PACKAGE_VERSION ".1";
    expect_refused_raw(&good, &raw, "written by another version");

    /* The user and service the login asks for against those in the memo. */
    pp_packer_init(&w, PP_MEMO_MAX);
    pp_memo_pack(&w, USER, SERVICE, &good);
    assert_string_equal(parse_copy(w.buf, w.len, "bob", SERVICE, &out), "for another user");
    assert_memo_zeroed(&out);
    assert_string_equal(parse_copy(w.buf, w.len, "alicex", SERVICE, &out), "for another user");
    assert_string_equal(parse_copy(w.buf, w.len, NULL, SERVICE, &out), "for another user");
    assert_string_equal(parse_copy(w.buf, w.len, USER, "sudo", &out), "for another service");
    assert_memo_zeroed(&out);
    assert_string_equal(parse_copy(w.buf, w.len, USER, NULL, &out), "for another service");
    /* The right ones. */
    assert_null(parse_copy(w.buf, w.len, USER, SERVICE, &out));
    pp_memo_free(&out);
    pp_packer_free(&w);
}

static void every_prefix(const struct pp_memo *m)
{
    struct pp_packer w;
    struct pp_memo out;

    pp_packer_init(&w, PP_MEMO_MAX);
    pp_memo_pack(&w, USER, SERVICE, m);
    assert_false(w.overflow);
    for (size_t len = 0; len < w.len; len++) {
        if (parse_copy(w.buf, len, USER, SERVICE, &out) == NULL)
            fail_msg("the first %zu bytes of %zu were accepted", len, w.len);
        assert_memo_zeroed(&out);
    }
    pp_packer_free(&w);
}

static void test_truncated(void **state)
{
    struct pp_memo m = good;

    (void)state;
    every_prefix(&m);
    m.have_record = false;
    every_prefix(&m);
}

static void test_trailing(void **state)
{
    struct pp_packer w;
    struct pp_memo out;

    (void)state;
    pp_packer_init(&w, PP_MEMO_MAX);
    pp_memo_pack(&w, USER, SERVICE, &good);
    pp_pack_u8(&w, 0);
    assert_false(w.overflow);
    assert_string_equal(parse_copy(w.buf, w.len, USER, SERVICE, &out), "truncated or malformed");
    assert_memo_zeroed(&out);
    pp_packer_free(&w);
}

static void test_malformed(void **state)
{
    struct raw raw;

    (void)state;
    /* A record's outcome or expiration source out of its range. */
    raw = raw_of(&good);
    raw.outcome = PP_OUT_COUNT;
    expect_refused_raw(&good, &raw, "truncated or malformed");
    raw.outcome = 255;
    expect_refused_raw(&good, &raw, "truncated or malformed");
    raw = raw_of(&good);
    raw.exp_source = PP_EXP_ENTRY + 1;
    expect_refused_raw(&good, &raw, "truncated or malformed");
    /* A boolean that is neither (no record follows: read as false, it would parse). */
    raw = raw_of(&good);
    raw.have_record = 2;
    expect_refused_raw(&good, &raw, "truncated or malformed");
    /* Ids that are not ids. */
    raw = raw_of(&good);
    raw.uid = -1;
    expect_refused_raw(&good, &raw, "truncated or malformed");
    raw = raw_of(&good);
    raw.gid = (int64_t)1 << 40;
    expect_refused_raw(&good, &raw, "truncated or malformed");
    /* A string too long for its field. */
    {
        char longfp[PP_FP_SIZE + 1];

        memset(longfp, 'f', sizeof(longfp) - 1);
        longfp[sizeof(longfp) - 1] = '\0';
        raw = raw_of(&good);
        raw.fp = longfp;
        expect_refused_raw(&good, &raw, "truncated or malformed");
    }
}

/* What a login relies on must be there and well formed. */
static void test_incomplete(void **state)
{
    struct pp_memo m;

    (void)state;
#define INCOMPLETE(change)                  \
    do {                                    \
        m = good;                           \
        change;                             \
        expect_refused(&m, "incomplete");   \
    } while (0)

    INCOMPLETE(m.config_id[0] = '\0');
    INCOMPLETE(m.mapping_id[0] = '\0');
    INCOMPLETE(m.entry.file_id[0] = '\0');
    INCOMPLETE(m.entry.key_off = 0);
    INCOMPLETE(m.entry.key_off = PP_ENTRY_MAX);
    INCOMPLETE(m.entry.key_len = 0);
    INCOMPLETE(m.entry.key_len = PP_ENTRY_MAX);
    INCOMPLETE(strcpy(m.rule.entry, "no/slash"));
    INCOMPLETE(strcpy(m.rule.entry, ".."));
    INCOMPLETE(m.rule.entry[0] = '\0');
    INCOMPLETE(m.entry.fp[0] = '\0');
    INCOMPLETE(strcpy(m.entry.account_id, "not-a-uuid"));
    INCOMPLETE(m.entry.workspace_id[0] = '\0');
    INCOMPLETE(m.config_path = NULL);
    INCOMPLETE(m.config_path = (char *)"relative/pam_prefect.conf");
    INCOMPLETE((m.image = NULL, m.image_len = 0));
    INCOMPLETE(m.record_id[0] = '\0');
#undef INCOMPLETE

    /* Without a record, its id is not needed. */
    m = good;
    m.record_id[0] = '\0';
    memset(&m.record, 0, sizeof(m.record));
    m.have_record = false;
    expect_round_trip(&m);
}

/* ---- the settings image ---- */

static void assert_lists_equal(char **a, char **b)
{
    if (a == NULL || b == NULL) {
        assert_true(a == b);
        return;
    }
    for (; *a != NULL && *b != NULL; a++, b++)
        assert_string_equal(*a, *b);
    assert_null(*a);
    assert_null(*b);
}

static void assert_settings_equal(const struct pp_config *a, const struct pp_config *b)
{
    assert_string_equal(a->config_path, b->config_path);
    assert_string_equal(a->api_url, b->api_url);
    assert_string_equal(a->store, b->store);
    assert_string_equal(a->cache_dir, b->cache_dir);
    if (a->ca_file == NULL || b->ca_file == NULL)
        assert_true(a->ca_file == b->ca_file);
    else
        assert_string_equal(a->ca_file, b->ca_file);
    if (a->proxy == NULL || b->proxy == NULL)
        assert_true(a->proxy == b->proxy);
    else
        assert_string_equal(a->proxy, b->proxy);
    assert_int_equal(a->validate, b->validate);
    assert_int_equal(a->cache_ttl, b->cache_ttl);
    assert_int_equal(a->negative_cache_ttl, b->negative_cache_ttl);
    assert_int_equal(a->offline_grace, b->offline_grace);
    assert_int_equal(a->connect_timeout_ms, b->connect_timeout_ms);
    assert_int_equal(a->timeout_ms, b->timeout_ms);
    assert_int_equal(a->expiry_warn_days, b->expiry_warn_days);
    assert_int_equal(a->on_failure, b->on_failure);
    assert_int_equal(a->minimum_uid, b->minimum_uid);
    assert_int_equal(a->broad_rules_for_system_accounts, b->broad_rules_for_system_accounts);
    assert_lists_equal(a->services, b->services);
    assert_int_equal(a->debug, b->debug);
}

static void assert_config_zeroed(const struct pp_config *c)
{
    struct pp_config zero;

    memset(&zero, 0, sizeof(zero));
    assert_memory_equal(c, &zero, sizeof(zero));
}

#define ARGS(...) (int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *)), \
    ((const char *[]){ __VA_ARGS__ })

static void test_image(void **state)
{
    struct pp_capture cap = { 0 };
    struct pp_log log = { pp_capture_sink, &cap, false, NULL };
    struct pp_config c;
    struct pp_packer w;
    struct pp_memo m;

    (void)state;
    /* The settings of the file, exactly (cfg was loaded without arguments). */
    assert_int_equal(pp_config_from_image(&c, cfg.config_path, cfg.image, cfg.image_len, 0, NULL,
                                          &log), 0);
    assert_settings_equal(&c, &cfg);
    pp_capture_expect_no_lines(&cap);
    /* Only pp_config_load knows the file: no identity, no image of its own. */
    assert_string_equal(c.file_id, "");
    assert_null(c.image);
    pp_config_free(&c);

    /* The same through a memo. */
    pp_packer_init(&w, PP_MEMO_MAX);
    pp_memo_pack(&w, USER, SERVICE, &good);
    assert_null(parse_copy(w.buf, w.len, USER, SERVICE, &m));
    pp_packer_free(&w);
    assert_int_equal(pp_config_from_image(&c, m.config_path, m.image, m.image_len, 0, NULL,
                                          &log), 0);
    assert_settings_equal(&c, &cfg);
    pp_config_free(&c);
    pp_memo_free(&m);

    /* The PAM arguments on top. */
    assert_int_equal(pp_config_from_image(&c, cfg.config_path, cfg.image, cfg.image_len,
                                          ARGS("cache_ttl=1", "services=su", "debug"), &log), 0);
    assert_int_equal(c.cache_ttl, 1);
    assert_non_null(c.services);
    assert_string_equal(c.services[0], "su");
    assert_null(c.services[1]);
    assert_true(c.debug);
    assert_true(log.debug);
    /* The rest as the file has it. */
    assert_string_equal(c.store, cfg.store);
    assert_int_equal(c.timeout_ms, cfg.timeout_ms);
    assert_int_equal(c.on_failure, cfg.on_failure);
    assert_int_equal(c.validate, cfg.validate);
    pp_config_free(&c);
    pp_capture_reset(&cap);
    log.debug = false;
}

/* The image with one byte of the setting name first changed. */
static void expect_bad_image(const char *name)
{
    struct pp_capture cap = { 0 };
    struct pp_log log = { pp_capture_sink, &cap, false, NULL };
    unsigned char *img = malloc(cfg.image_len);
    unsigned char *at;
    struct pp_config c;
    char *want;

    assert_non_null(img);
    memcpy(img, cfg.image, cfg.image_len);
    at = memmem(img, cfg.image_len, name, strlen(name) + 1);
    assert_non_null(at);
    at[strlen(name) - 1] ^= 0x20;
    /* Not a word at any level but debug. */
    assert_int_equal(pp_config_from_image(&c, cfg.config_path, img, cfg.image_len, 0, NULL,
                                          &log), -1);
    assert_config_zeroed(&c);
    pp_capture_expect_no_lines(&cap);
    /* In debug, one line. */
    log.debug = true;
    assert_int_equal(pp_config_from_image(&c, cfg.config_path, img, cfg.image_len, 0, NULL,
                                          &log), -1);
    assert_config_zeroed(&c);
    want = pp_test_fmt("login memo: the settings of %s in it are not usable", cfg.config_path);
    pp_capture_expect_line(&cap, LOG_DEBUG, want);
    free(want);
    free(img);
}

static void test_bad_image(void **state)
{
    struct pp_capture cap = { 0 };
    struct pp_log log = { pp_capture_sink, &cap, true, NULL };
    struct pp_config c;

    (void)state;
    expect_bad_image("api_url");        /* the first setting */
    expect_bad_image("timeout_ms");     /* one in the middle */
    expect_bad_image("validate");       /* the last */

    /* Every shorter image, and one with a byte too many. */
    for (size_t len = 0; len < cfg.image_len; len++) {
        unsigned char *img = malloc(len > 0 ? len : 1);

        assert_non_null(img);
        memcpy(img, cfg.image, len);
        if (pp_config_from_image(&c, cfg.config_path, img, len, 0, NULL, &log) != -1)
            fail_msg("the first %zu bytes of an image of %zu were accepted", len, cfg.image_len);
        free(img);
        for (int i = 0; i < cap.n && i < PP_CAPTURE_LINES; i++)
            assert_int_equal(cap.prio[i], LOG_DEBUG);
        pp_capture_reset(&cap);
    }
    {
        unsigned char *img = malloc(cfg.image_len + 1);

        assert_non_null(img);
        memcpy(img, cfg.image, cfg.image_len);
        img[cfg.image_len] = 0;
        assert_int_equal(pp_config_from_image(&c, cfg.config_path, img, cfg.image_len + 1, 0,
                                              NULL, &log), -1);
        free(img);
    }
}

static void test_bad_argument(void **state)
{
    struct pp_capture cap = { 0 };
    struct pp_log log = { pp_capture_sink, &cap, false, NULL };
    struct pp_config c;

    (void)state;
    assert_int_equal(pp_config_from_image(&c, cfg.config_path, cfg.image, cfg.image_len,
                                          ARGS("cache_ttl=abc"), &log), -1);
    assert_config_zeroed(&c);
    pp_capture_expect_line(&cap, LOG_ERR,
                           "argument \"cache_ttl=abc\": cache_ttl must be an integer");
    pp_capture_reset(&cap);
    /* Settings that do not go together are refused as a load refuses them. */
    assert_int_equal(pp_config_from_image(&c, cfg.config_path, cfg.image, cfg.image_len,
                                          ARGS("connect_timeout_ms=9000"), &log), -1);
    assert_config_zeroed(&c);
    assert_int_equal(cap.n, 1);
    assert_int_equal(cap.prio[0], LOG_ERR);
}

/* ---- setup ---- */

static int setup(void **state)
{
    struct pp_log quiet = { pp_capture_sink, &(struct pp_capture){ 0 }, false, NULL };
    char *path;

    (void)state;
    root = pp_test_mkroot();
    path = pp_test_fmt("%s/pam_prefect.conf", root);
    /* Settings away from their defaults, of every type. */
    if (pp_test_write(path,
                      "api_url = \"https://cloud.example.com/api\";\n"
                      "store = \"/srv/keys\";\n"
                      "cache_dir = \"/srv/cache\";\n"
                      "ca_file = \"/etc/ssl/certs/ca.pem\";\n"
                      "validate = false;\n"
                      "cache_ttl = 600;\n"
                      "negative_cache_ttl = 0;\n"
                      "timeout_ms = 5000;\n"
                      "expiry_warn_days = 30;\n"
                      "on_failure = \"deny\";\n"
                      "minimum_uid = 1000;\n"
                      "broad_rules_for_system_accounts = true;\n"
                      "services = [\"sshd\", \"login\"];\n",
                      0644, 0, 0) != 0
        || pp_config_load(&cfg, path, 0, NULL, &quiet) != 0 || cfg.image == NULL) {
        free(path);
        return -1;
    }
    free(path);

    memset(&good, 0, sizeof(good));
    good.uid = 1000;
    good.gid = 1001;
    good.config_path = cfg.config_path;
    strcpy(good.config_id, "803:1a2b:1f:6700a1b2.0:6700a1b2.1234");
    good.image = cfg.image;
    good.image_len = cfg.image_len;
    strcpy(good.mapping_id, "803:1a2c:40:6700a1b3.0:6700a1b3.5678");
    good.rule.match = PP_MATCH_USER;
    strcpy(good.rule.entry, "alice-main");
    strcpy(good.entry.name, "alice-main");
    strcpy(good.entry.file_id, "803:1a2d:c8:6700a1b4.0:6700a1b4.9abc");
    good.entry.key_off = 7;
    good.entry.key_len = 34;
    strcpy(good.entry.fp, "0123456789abcdef");
    strcpy(good.entry.account_id, ACC);
    strcpy(good.entry.workspace_id, WS);
    good.entry.has_expires = true;
    good.entry.expires = 1830000000;
    strcpy(good.entry.user_id, UUID_U);
    strcpy(good.entry.key_id, UUID_K);
    good.entry.has_added = true;
    good.entry.added = 1760000000;
    good.have_record = true;
    strcpy(good.record_id, "803:1a2e:90:6700a1b5.0:6700a1b5.def0");
    strcpy(good.record.fingerprint, "0123456789abcdef");
    strcpy(good.record.account_id, ACC);
    strcpy(good.record.workspace_id, WS);
    good.record.outcome = PP_OUT_EXPIRING;
    good.record.checked_at = 1770000000;
    good.record.has_last_valid = true;
    good.record.last_valid_at = 1770000001;
    good.record.has_expires = true;
    good.record.expires = 1830000002;
    good.record.exp_source = PP_EXP_CLOUD;
    good.record.http_status = 200;
    strcpy(good.record.reason, "checked with Prefect Cloud");
    good.record.serial = 42;
    strcpy(good.record.entry_file, good.entry.file_id);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pp_config_free(&cfg);
    pp_test_rmtree(root);
    free(root);
    return 0;
}

/*
 * Memo file names: one per (user, service) pair. "a@b" through "c" and "a"
 * through "b@c" shared "a@b@c" when '@' (valid in both names) separated
 * them. Every split of a few names made of the characters that matter must
 * give a different file name, and one that is a valid single path component.
 */
static void test_names_unambiguous(void **state)
{
    static const char *const parts[] = { "a", "b", "c", "a@b", "b@c", "a.b", "a-b", "a_b",
                                         "a@", "@b", "a$", "a+b", "a=b", "a%b" };
    const size_t np = sizeof(parts) / sizeof(parts[0]);
    char names[sizeof(parts) / sizeof(parts[0])][sizeof(parts) / sizeof(parts[0])][80];
    char out[80];

    (void)state;
    for (size_t u = 0; u < np; u++) {
        for (size_t s = 0; s < np; s++) {
            assert_true(pp_memo_name(parts[u], parts[s], names[u][s], sizeof(names[u][s])));
            assert_null(strchr(names[u][s], '/'));
            assert_string_not_equal(names[u][s], ".");
            assert_string_not_equal(names[u][s], "..");
        }
    }
    for (size_t i = 0; i < np * np; i++)
        for (size_t j = i + 1; j < np * np; j++)
            if (strcmp(names[i / np][i % np], names[j / np][j % np]) == 0)
                fail_msg("user \"%s\" through \"%s\" and user \"%s\" through \"%s\" share "
                         "the memo \"%s\"", parts[i / np], parts[i % np], parts[j / np],
                         parts[j % np], names[i / np][i % np]);
    /* Names that are not account names get no memo; a name that does not fit neither. */
    assert_false(pp_memo_name("a:b", "c", out, sizeof(out)));
    assert_false(pp_memo_name("a", "b/c", out, sizeof(out)));
    assert_false(pp_memo_name("", "c", out, sizeof(out)));
    assert_false(pp_memo_name("a", "c", out, 3));
    assert_true(pp_memo_name("a", "c", out, 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_no_key),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_trailing),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_incomplete),
        cmocka_unit_test(test_image),
        cmocka_unit_test(test_bad_image),
        cmocka_unit_test(test_bad_argument),
        cmocka_unit_test(test_names_unambiguous),
    };

    pp_test_require_root();
    return cmocka_run_group_tests(tests, setup, teardown);
}

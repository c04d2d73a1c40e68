/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_memo.c: the login memo's data (lib/memo.c) and the settings image
 * it carries (pp_config_from_image), without touching PP_RUNDIR. Memos of
 * every rule kind go through pp_memo_pack and pp_memo_unpack unchanged
 * (packing what was unpacked gives the same bytes) and hold no key; a
 * memo of another format version, cut short, with bytes after it, or with
 * a value out of range is refused with its reason, word for word, and
 * leaves nothing behind. The settings image is a real one: that of a
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

#define USER "alice"
#define SERVICE "sshd"
#define ACC "0b5b2a3c-1111-4a2b-9c3d-0123456789ab"
#define WS "7e4c1d2a-2222-4b3c-8d4e-abcdef012345"
#define FP "0123456789abcdef"

static char *root;
static struct pp_config cfg;        /* loaded from a real file: cfg.image is real */
static struct pp_memo good;         /* a user rule with a record; borrows cfg's path and image */
static gid_t some_groups[] = { 1001, 27, 3000, 100 };
static struct pp_rule_group some_rules[] = {
    { "gone", false, 0, false },
    { "staff", true, 50, false },
    { "prefect-users", true, 3000, true },
};

/* ---- helpers ---- */

static void assert_memo_zeroed(const struct pp_memo *m)
{
    struct pp_memo zero;

    memset(&zero, 0, sizeof(zero));
    assert_memory_equal(m, &zero, sizeof(zero));
}

/* m packed as USER through SERVICE, into w (the caller frees it). */
static void pack(struct pp_packer *w, const struct pp_memo *m)
{
    pp_packer_init(w, PP_MEMO_MAX);
    pp_memo_pack(w, USER, SERVICE, m);
    assert_false(w->overflow);
}

/* Unpack len bytes of data (from a heap copy of exactly that size); the reason or NULL. */
static const char *unpack_copy(const void *data, size_t len, const char *user,
                               const char *service, struct pp_memo *m)
{
    unsigned char *copy = malloc(len > 0 ? len : 1);
    const char *why;

    assert_non_null(copy);
    memcpy(copy, data, len);
    memset(m, 0x5a, sizeof(*m));
    why = pp_memo_unpack(copy, len, user, service, m);
    free(copy);     /* an unpacked memo must not point into the file's data */
    if (why != NULL)
        assert_memo_zeroed(m);
    return why;
}

/* Pack m and expect unpacking it to say want (NULL: accepted, then freed). */
static void expect_unpack(const struct pp_memo *m, const char *want)
{
    struct pp_packer w;
    struct pp_memo out;
    const char *why;

    pack(&w, m);
    why = unpack_copy(w.buf, w.len, USER, SERVICE, &out);
    if (want == NULL && why != NULL)
        fail_msg("the memo was refused: %s", why);
    if (want != NULL && why == NULL)
        fail_msg("a memo was accepted; expected \"%s\"", want);
    if (want != NULL)
        assert_string_equal(why, want);
    pp_memo_free(&out);
    pp_packer_free(&w);
}

/* ---- round trip: pack, unpack, pack again gives the same bytes ---- */

/* The memos of the table: changes to good. */
static void as_group_rule(struct pp_memo *m)
{
    m->rule.match = PP_MATCH_GROUP;
    strcpy(m->rule.group, "prefect-users");
    strcpy(m->rule.entry, "svc-batch");
    m->groups = some_groups;
    m->ngroups = sizeof(some_groups) / sizeof(some_groups[0]);
    m->rule_groups = some_rules;
    m->nrule_groups = sizeof(some_rules) / sizeof(some_rules[0]);
    m->uid_min = 1000;
    strcpy(m->login_defs_id, "803:1a2b:1b3:6757a2c1.1f2e3d4c:6757a2c1.1f2e3d4c");
}

static void as_default_rule(struct pp_memo *m)
{
    m->rule.match = PP_MATCH_DEFAULT;
    strcpy(m->rule.entry, "svc-default");
    m->groups = some_groups;
    m->ngroups = 1;
    m->rule_groups = some_rules;
    m->nrule_groups = 2;
}

static void as_default_without_groups(struct pp_memo *m)
{
    /* No group rule was walked: no groups; broad rules for system accounts: UID_MIN 0. */
    m->rule.match = PP_MATCH_DEFAULT;
    strcpy(m->rule.entry, "svc-default");
}

static void without_record(struct pp_memo *m)
{
    m->have_record = false;
    memset(m->record_id, 0, sizeof(m->record_id));
    memset(&m->record, 0, sizeof(m->record));
}

static void record_extremes(struct pp_memo *m)
{
    m->record.outcome = (enum pp_outcome)(PP_OUT_COUNT - 1);
    m->record.exp_source = PP_EXP_ENTRY;
    m->record.has_backoff = true;
    m->record.backoff_until = 1900000000;
    m->record.has_last_valid = false;
    m->record.last_valid_at = 0;
    m->record.http_status = -1;
    m->record.reason[0] = '\0';
    m->uid = 0;
    m->gid = 0;
}

static void user_rule(struct pp_memo *m)
{
    (void)m;
}

static const struct {
    const char *name;
    void (*change)(struct pp_memo *m);
} round_trips[] = {
    { "a user rule with its record", user_rule },
    { "a group rule, with the user's groups and UID_MIN", as_group_rule },
    { "a default rule after the group rules", as_default_rule },
    { "a default rule, no group rules", as_default_without_groups },
    { "no record (validate off)", without_record },
    { "a record's extreme values, root", record_extremes },
};

static void test_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(round_trips) / sizeof(round_trips[0]); i++) {
        struct pp_memo m = good, out;
        struct pp_packer w, again;
        const char *why;

        round_trips[i].change(&m);
        pack(&w, &m);
        why = unpack_copy(w.buf, w.len, USER, SERVICE, &out);
        if (why != NULL)
            fail_msg("%s: refused: %s", round_trips[i].name, why);
        pack(&again, &out);
        if (again.len != w.len || memcmp(again.buf, w.buf, w.len) != 0)
            fail_msg("%s: packing what was unpacked gives other bytes", round_trips[i].name);
        /* What the warm login compares, seen directly; its own copies of everything. */
        assert_int_equal(out.uid, m.uid);
        assert_int_equal(out.ngroups, m.ngroups);
        if (m.ngroups > 0)
            assert_memory_equal(out.groups, m.groups, m.ngroups * sizeof(*m.groups));
        assert_int_equal(out.entry.kind, m.entry.kind);
        assert_string_equal(out.entry.account_id, m.entry.account_id);
        assert_string_equal(out.entry.workspace_id, m.entry.workspace_id);
        assert_int_equal(out.entry.has_expires, m.entry.has_expires);
        assert_int_equal(out.entry.expires, m.entry.expires);
        assert_string_equal(out.entry.user_id, m.entry.user_id);
        assert_string_equal(out.entry.key_id, m.entry.key_id);
        assert_int_equal(out.entry.key_at, m.entry.key_at);
        assert_int_equal(out.entry.key_len, m.entry.key_len);
        assert_null(out.entry.key);
        assert_int_equal(out.nrule_groups, m.nrule_groups);
        for (size_t k = 0; k < m.nrule_groups; k++) {
            assert_string_equal(out.rule_groups[k].name, m.rule_groups[k].name);
            assert_int_equal(out.rule_groups[k].found, m.rule_groups[k].found);
            assert_int_equal(out.rule_groups[k].gid, m.rule_groups[k].gid);
            assert_int_equal(out.rule_groups[k].listed, m.rule_groups[k].listed);
        }
        assert_int_equal(out.rule.match, m.rule.match);
        assert_string_equal(out.rule.entry, m.rule.entry);
        assert_string_equal(out.rule.group, m.rule.group);
        assert_string_equal(out.entry.fp, m.entry.fp);
        assert_int_equal(out.record.outcome, m.record.outcome);
        assert_true(out.config_path != m.config_path && out.image != m.image);
        assert_true(m.ngroups == 0 || out.groups != m.groups);
        pp_memo_free(&out);
        assert_memo_zeroed(&out);
        pp_memo_free(&out);     /* twice is harmless */
        pp_packer_free(&again);
        pp_packer_free(&w);
    }
}

/* The memo holds the fingerprint, never a key: there is no field for one. */
static void test_no_key(void **state)
{
    struct pp_packer w;

    (void)state;
    pack(&w, &good);
    assert_non_null(memmem(w.buf, w.len, FP, strlen(FP)));
    assert_null(memmem(w.buf, w.len, "pnu_", 4));
    assert_null(memmem(w.buf, w.len, "pnb_", 4));
    pp_packer_free(&w);
}

/* ---- the header: what it is, its format version, whose ---- */

/* The offset of the format version: right after the packed magic. */
static size_t version_offset(void)
{
    struct pp_packer w;
    size_t n;

    pp_packer_init(&w, PP_MEMO_MAX);
    pp_pack_str(&w, "pam_prefect login memo");
    n = w.len;
    pp_packer_free(&w);
    return n;
}

static void test_version(void **state)
{
    static const int64_t versions[] = { 0, 1, PP_MEMO_VERSION - 1, PP_MEMO_VERSION + 1, -1,
                                        (int64_t)PP_MEMO_VERSION << 32, INT64_MAX };
    size_t at = version_offset();
    struct pp_packer w, v;
    struct pp_memo out;

    (void)state;
    pack(&w, &good);
    /* The version is where the test thinks: PP_MEMO_VERSION, as pack.h puts an i64. */
    pp_packer_init(&v, 16);
    pp_pack_i64(&v, PP_MEMO_VERSION);
    assert_memory_equal(w.buf + at, v.buf, 8);
    pp_packer_free(&v);
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        pp_packer_init(&v, 16);
        pp_pack_i64(&v, versions[i]);
        memcpy(w.buf + at, v.buf, 8);
        pp_packer_free(&v);
        assert_string_equal(unpack_copy(w.buf, w.len, USER, SERVICE, &out),
                            "another format version");
    }
    pp_packer_free(&w);
}

static void test_whose(void **state)
{
    static const struct {
        const char *user, *service, *want;
    } cases[] = {
        { "bob", SERVICE, "for another user" },
        { "alicex", SERVICE, "for another user" },
        { NULL, SERVICE, "for another user" },
        { USER, "sudo", "for another service" },
        { USER, NULL, "for another service" },
        { USER, SERVICE, NULL },
    };
    struct pp_packer w;
    struct pp_memo out;

    (void)state;
    pack(&w, &good);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *why = unpack_copy(w.buf, w.len, cases[i].user, cases[i].service, &out);

        if (cases[i].want == NULL)
            assert_null(why);
        else
            assert_string_equal(why, cases[i].want);
        pp_memo_free(&out);
    }
    pp_packer_free(&w);
}

/* ---- truncated, too long, garbage ---- */

static void test_truncated(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(round_trips) / sizeof(round_trips[0]); i++) {
        struct pp_memo m = good, out;
        struct pp_packer w;

        round_trips[i].change(&m);
        pack(&w, &m);
        for (size_t len = 0; len < w.len; len++)
            if (unpack_copy(w.buf, len, USER, SERVICE, &out) == NULL)
                fail_msg("%s: the first %zu bytes of %zu were accepted", round_trips[i].name,
                         len, w.len);
        pp_packer_free(&w);
    }
}

static void test_garbage(void **state)
{
    static const struct {
        const char *name;
        unsigned char byte;
        size_t count;
        const char *want;
    } trailing[] = {
        { "one byte after the memo", 0, 1, "truncated or malformed" },
        { "a page of 0xff after the memo", 0xff, 4096, "truncated or malformed" },
    };
    struct pp_packer w;
    struct pp_memo out;
    unsigned char junk[1200];
    unsigned seed = 1;

    (void)state;
    for (size_t i = 0; i < sizeof(trailing) / sizeof(trailing[0]); i++) {
        pack(&w, &good);
        for (size_t k = 0; k < trailing[i].count; k++)
            pp_pack_u8(&w, trailing[i].byte);
        assert_false(w.overflow);
        assert_string_equal(unpack_copy(w.buf, w.len, USER, SERVICE, &out), trailing[i].want);
        pp_packer_free(&w);
    }
    /* Bytes that are no memo at all. */
    for (int round = 0; round < 50; round++) {
        for (size_t k = 0; k < sizeof(junk); k++) {
            seed = seed * 1103515245u + 12345u;
            junk[k] = (unsigned char)(seed >> 16);
        }
        assert_string_equal(unpack_copy(junk, sizeof(junk), USER, SERVICE, &out),
                            "not a login memo");
    }
    /* Every single byte of a good memo flipped: refused or, if accepted, well formed. */
    pack(&w, &good);
    for (size_t k = 0; k < w.len; k++) {
        w.buf[k] ^= 0x80;
        if (unpack_copy(w.buf, w.len, USER, SERVICE, &out) == NULL) {
            assert_true(out.config_path[0] == '/' && out.rule.match != PP_MATCH_NONE);
            pp_memo_free(&out);
        }
        w.buf[k] ^= 0x80;
    }
    pp_packer_free(&w);
}

/* ---- values out of range, and what a login relies on ---- */

#define CHANGE(what) static void what(struct pp_memo *m)
CHANGE(outcome_out_of_range) { m->record.outcome = PP_OUT_COUNT; }
CHANGE(exp_source_out_of_range) { m->record.exp_source = (enum pp_exp_source)(PP_EXP_ENTRY + 1); }
CHANGE(uid_not_an_id) { m->uid = (uid_t)-1; }
CHANGE(gid_not_an_id) { m->gid = (gid_t)-1; }
static gid_t bad_groups[] = { 5, (gid_t)-1 };
CHANGE(group_not_an_id) { as_group_rule(m); m->groups = bad_groups; m->ngroups = 2; }
CHANGE(no_config_id) { m->config_id[0] = '\0'; }
CHANGE(no_mapping_id) { m->mapping_id[0] = '\0'; }
CHANGE(no_entry_id) { m->entry.file_id[0] = '\0'; }
CHANGE(no_record_id) { m->record_id[0] = '\0'; }
CHANGE(no_config_path) { m->config_path = NULL; }
CHANGE(relative_config_path) { m->config_path = (char *)"relative/pam_prefect.conf"; }
CHANGE(no_image) { m->image = NULL; m->image_len = 0; }
CHANGE(no_rule) { m->rule.match = PP_MATCH_NONE; }
CHANGE(unknown_rule) { m->rule.match = (enum pp_match)7; }
CHANGE(bad_entry_name) { strcpy(m->rule.entry, "no/slash"); }
CHANGE(dotdot_entry) { strcpy(m->rule.entry, ".."); }
CHANGE(no_entry) { m->rule.entry[0] = '\0'; }
CHANGE(group_rule_without_group) { as_group_rule(m); m->rule.group[0] = '\0'; }
CHANGE(user_rule_with_group) { strcpy(m->rule.group, "staff"); }
CHANGE(user_rule_with_groups) { m->groups = some_groups; m->ngroups = 2; }
CHANGE(user_rule_with_group_rules) { m->rule_groups = some_rules; m->nrule_groups = 1; }
CHANGE(groups_without_group_rules) { as_group_rule(m); m->nrule_groups = 0; }
CHANGE(group_rules_without_groups) { as_group_rule(m); m->ngroups = 0; }
static struct pp_rule_group bad_rules[] = { { "no/slash", true, 5, false } };
CHANGE(group_rule_bad_name) { as_group_rule(m); m->rule_groups = bad_rules; m->nrule_groups = 1; }
CHANGE(negative_uid_min) { as_default_rule(m); m->uid_min = -1; }
CHANGE(uid_min_without_login_defs) { as_group_rule(m); m->login_defs_id[0] = '\0'; }
CHANGE(login_defs_without_uid_min) { as_default_rule(m); strcpy(m->login_defs_id, "-"); }
CHANGE(no_fingerprint) { m->entry.fp[0] = '\0'; }
CHANGE(entry_kind_out_of_range) { m->entry.kind = (enum pp_key_kind)9; }
CHANGE(entry_account_not_uuid) { strcpy(m->entry.account_id, "not-a-uuid"); }
CHANGE(entry_user_id_without_key_id) { m->entry.key_id[0] = '\0'; }
CHANGE(entry_expires_without_flag) { m->entry.has_expires = false; }
CHANGE(no_key_place) { m->entry.key_len = 0; }
CHANGE(key_place_past_the_cap) { m->entry.key_at = PP_ENTRY_MAX - 10; m->entry.key_len = 11; }
CHANGE(fingerprint_not_hex) { strcpy(m->entry.fp, "0123456789abcdeF"); }
CHANGE(short_fingerprint) { strcpy(m->entry.fp, "0123456789abcde"); }
CHANGE(record_of_another_key) { strcpy(m->record.fingerprint, "fedcba9876543210"); }
#undef CHANGE

static const struct {
    const char *name;
    void (*change)(struct pp_memo *m);
    const char *want;
} refused[] = {
    { "a record's outcome out of range", outcome_out_of_range, "truncated or malformed" },
    { "an expiration source out of range", exp_source_out_of_range, "truncated or malformed" },
    { "a uid that is no id", uid_not_an_id, "truncated or malformed" },
    { "a gid that is no id", gid_not_an_id, "truncated or malformed" },
    { "a group that is no id", group_not_an_id, "truncated or malformed" },
    { "no configuration identity", no_config_id, "incomplete" },
    { "no mapping identity", no_mapping_id, "incomplete" },
    { "no entry identity", no_entry_id, "incomplete" },
    { "a record without its identity", no_record_id, "incomplete" },
    { "no configuration path", no_config_path, "incomplete" },
    { "a relative configuration path", relative_config_path, "incomplete" },
    { "no settings image", no_image, "incomplete" },
    { "no rule", no_rule, "incomplete" },
    { "a rule kind that does not exist", unknown_rule, "incomplete" },
    { "an entry name with a slash", bad_entry_name, "incomplete" },
    { "the entry name ..", dotdot_entry, "incomplete" },
    { "no entry name", no_entry, "incomplete" },
    { "a group rule without its group", group_rule_without_group, "incomplete" },
    { "a user rule naming a group", user_rule_with_group, "incomplete" },
    { "a user rule with groups", user_rule_with_groups, "incomplete" },
    { "a user rule with group rules' groups", user_rule_with_group_rules, "incomplete" },
    { "the user's groups without the group rules'", groups_without_group_rules, "incomplete" },
    { "the group rules' groups without the user's", group_rules_without_groups, "incomplete" },
    { "a group rule's group that is no name", group_rule_bad_name, "truncated or malformed" },
    { "a negative UID_MIN", negative_uid_min, "incomplete" },
    { "a UID_MIN without the identity of its login.defs", uid_min_without_login_defs, "incomplete" },
    { "a login.defs identity without a UID_MIN", login_defs_without_uid_min, "incomplete" },
    { "no fingerprint", no_fingerprint, "incomplete" },
    { "an entry kind out of range", entry_kind_out_of_range, "incomplete" },
    { "an entry account id that is no UUID", entry_account_not_uuid, "incomplete" },
    { "an entry's user_id without its key_id", entry_user_id_without_key_id, "incomplete" },
    { "an entry expiration without its flag", entry_expires_without_flag, "incomplete" },
    { "no place of the key", no_key_place, "incomplete" },
    { "a key's place past the largest entry", key_place_past_the_cap, "incomplete" },
    { "a fingerprint not in lower-case hex", fingerprint_not_hex, "incomplete" },
    { "a short fingerprint", short_fingerprint, "incomplete" },
    { "a record of another key", record_of_another_key, "incomplete" },
};

static void test_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        struct pp_memo m = good;

        refused[i].change(&m);
        print_message("  %s\n", refused[i].name);
        expect_unpack(&m, refused[i].want);
    }
    /* A string too long for its field (one more hex digit than a fingerprint). */
    {
        struct pp_memo m = good;
        struct pp_packer w;
        struct pp_memo out;
        char longfp[PP_FP_SIZE + 1];

        memset(longfp, 'f', sizeof(longfp) - 1);
        longfp[sizeof(longfp) - 1] = '\0';
        pack(&w, &m);
        {
            unsigned char *at = memmem(w.buf, w.len, FP, strlen(FP));
            struct pp_packer x;

            /* Rebuild the bytes with the long fingerprint in the fingerprint's place. */
            assert_non_null(at);
            pp_packer_init(&x, PP_MEMO_MAX);
            pp_pack_str(&x, longfp);
            {
                size_t head = (size_t)(at - w.buf) - 4, tail = head + 4 + strlen(FP) + 1;
                unsigned char *buf = malloc(w.len + 1);

                assert_non_null(buf);
                memcpy(buf, w.buf, head);
                memcpy(buf + head, x.buf, x.len);
                memcpy(buf + head + x.len, w.buf + tail, w.len - tail);
                assert_string_equal(unpack_copy(buf, w.len + 1, USER, SERVICE, &out),
                                    "truncated or malformed");
                free(buf);
            }
            pp_packer_free(&x);
        }
        pp_packer_free(&w);
    }
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
    assert_null(unpack_copy(w.buf, w.len, USER, SERVICE, &m));
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
    strcpy(good.entry.file_id, "803:1a2d:c8:6700a1b4.0:6700a1b4.9abc");
    strcpy(good.entry.fp, FP);
    good.entry.kind = PP_KIND_USER;
    strcpy(good.entry.account_id, ACC);
    strcpy(good.entry.workspace_id, WS);
    good.entry.has_expires = true;
    good.entry.expires = 1830000002;
    strcpy(good.entry.user_id, ACC);
    strcpy(good.entry.key_id, WS);
    good.entry.has_added = true;
    good.entry.added = 1760000000;
    good.entry.key_at = 7;
    good.entry.key_len = 44;
    good.have_record = true;
    strcpy(good.record_id, "803:1a2e:90:6700a1b5.0:6700a1b5.def0");
    strcpy(good.record.fingerprint, FP);
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
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_whose),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_image),
        cmocka_unit_test(test_bad_image),
        cmocka_unit_test(test_bad_argument),
        cmocka_unit_test(test_names_unambiguous),
    };

    pp_test_require_root();
    return cmocka_run_group_tests(tests, setup, teardown);
}

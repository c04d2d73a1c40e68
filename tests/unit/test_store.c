/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_store.c: key entries (lib/store.c): parsing every field and its
 * errors, formatting and the round trip, and loading from a real root-owned
 * store through safefile's checks. Every log line goes through a capturing
 * sink, which fails the test if a key ever reaches it.
 */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "safefile.h"
#include "secret.h"
#include "store.h"
#include "store_write.h"
#include "capture.h"
#include "testroot.h"
#include "timefmt.h"

/* Every test key contains this marker; no log line may. */
#define MARK "Sekr1t"
#define KEY_USER "pnu_" MARK "0123456789abcdefghij"
#define KEY_SA "pnb_" MARK "zyxwvutsrqponmlkjihg"
#define ACC "0b5b2a3c-1111-4a2b-9c3d-0123456789ab"
#define WS "7e4c1d2a-2222-4b3c-8d4e-abcdef012345"
#define UID "11111111-aaaa-4bbb-8ccc-222222222222"
#define KID "33333333-dddd-4eee-9fff-444444444444"
#define SAID "55555555-0000-4111-a222-666666666666"
#define T "/store/test.key"

/* ---- log capture ---- */

static struct pp_capture cap;
static struct pp_log tlog = { pp_capture_sink, &cap, false, NULL };

static void cap_reset(void)
{
    pp_capture_reset(&cap);
    cap.forbid = MARK;
    tlog.debug = false;
}

#define expect_line(prio, text) pp_capture_expect_line(&cap, prio, text)
#define expect_no_lines() pp_capture_expect_no_lines(&cap)
#define expect_error_with(prefix, word) pp_capture_expect_error_with(&cap, prefix, word)

/* ---- parsing ---- */

static const char full_text[] =
    "# an entry\n"
    "key = \"" KEY_USER "\";\n"
    "account_id = \"" ACC "\";\n"
    "workspace_id = \"" WS "\";\n"
    "expires = \"2027-01-31T12:30:00Z\";\n"
    "user_id = \"" UID "\";\n"
    "key_id = \"" KID "\";\n"
    "comment = \"alice's key, \\\"main\\\" \\\\ caf\xc3\xa9\";\n"
    "added = \"2026-02-03T04:05:06+01:00\";\n";

static void assert_entries_equal(const struct pp_entry *a, const struct pp_entry *b)
{
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->key, b->key);
    assert_int_equal(a->kind, b->kind);
    assert_string_equal(a->account_id, b->account_id);
    assert_string_equal(a->workspace_id, b->workspace_id);
    assert_int_equal(a->has_expires, b->has_expires);
    assert_int_equal(a->expires, b->expires);
    assert_string_equal(a->user_id, b->user_id);
    assert_string_equal(a->key_id, b->key_id);
    assert_string_equal(a->service_account_id, b->service_account_id);
    if (a->comment == NULL || b->comment == NULL)
        assert_null(a->comment == NULL ? b->comment : a->comment);
    else
        assert_string_equal(a->comment, b->comment);
    assert_int_equal(a->has_added, b->has_added);
    assert_int_equal(a->added, b->added);
}

static void test_parse_full(void **state)
{
    struct pp_entry e;
    time_t t;

    (void)state;
    cap_reset();
    assert_int_equal(pp_entry_parse(full_text, T, "test", &e, &tlog), 0);
    expect_no_lines();
    assert_string_equal(e.name, "test");
    assert_string_equal(e.key, KEY_USER);
    assert_int_equal(e.kind, PP_KIND_USER);
    assert_string_equal(e.account_id, ACC);
    assert_string_equal(e.workspace_id, WS);
    assert_true(e.has_expires);
    assert_int_equal(pp_time_parse("2027-01-31T12:30:00Z", &t), 0);
    assert_int_equal(e.expires, t);
    assert_int_equal(e.expires, (time_t)1801398600);
    assert_string_equal(e.user_id, UID);
    assert_string_equal(e.key_id, KID);
    assert_string_equal(e.service_account_id, "");
    assert_string_equal(e.comment, "alice's key, \"main\" \\ caf\xc3\xa9");
    assert_true(e.has_added);
    assert_int_equal(e.added, (time_t)1770087906);
    pp_entry_clear(&e);
    assert_null(e.key);
    assert_null(e.comment);
    assert_string_equal(e.name, "");
}

static void test_parse_minimal(void **state)
{
    struct pp_entry e;
    const char *text = "key = \"" KEY_SA "\"\naccount_id = \"" ACC "\"\n"
                       "workspace_id = \"" WS "\"\nservice_account_id = \"" SAID "\"\n";

    (void)state;
    cap_reset();
    assert_int_equal(pp_entry_parse(text, T, "svc-batch", &e, &tlog), 0);
    expect_no_lines();
    assert_int_equal(e.kind, PP_KIND_SERVICE_ACCOUNT);
    assert_false(e.has_expires);
    assert_false(e.has_added);
    assert_null(e.comment);
    assert_string_equal(e.user_id, "");
    assert_string_equal(e.key_id, "");
    assert_string_equal(e.service_account_id, SAID);
    pp_entry_clear(&e);
}

static void test_round_trip(void **state)
{
    struct pp_entry e, back;
    char *text, *text2;
    size_t len, len2;

    (void)state;
    cap_reset();
    assert_int_equal(pp_entry_parse(full_text, T, "test", &e, &tlog), 0);
    assert_int_equal(pp_entry_format(&e, &text, &len), 0);
    assert_int_equal(strlen(text), len);
    assert_non_null(strstr(text, "# pam_prefect key entry \"test\" (user key)"));
    assert_int_equal(pp_entry_parse(text, T, "test", &back, &tlog), 0);
    assert_entries_equal(&e, &back);
    /* And formatting what was read back gives the same text. */
    assert_int_equal(pp_entry_format(&back, &text2, &len2), 0);
    assert_string_equal(text, text2);
    expect_no_lines();
    pp_free_buf(text, len + 1);
    pp_free_buf(text2, len2 + 1);
    pp_entry_clear(&back);
    pp_entry_clear(&e);
}

/* A formatted entry built by hand, with characters that need escaping. */
static void test_format_escapes(void **state)
{
    struct pp_entry e, back;
    char *text;
    size_t len;

    (void)state;
    cap_reset();
    memset(&e, 0, sizeof(e));
    strcpy(e.name, "odd.name_1-x");
    e.key = pp_strdup_secret("pnu_" MARK "\"quote\\back");
    e.kind = pp_key_kind_of(e.key);
    strcpy(e.account_id, ACC);
    strcpy(e.workspace_id, WS);
    strcpy(e.service_account_id, SAID);
    e.comment = strdup("\\\"\\\" @include \"x\" # not a comment");
    e.has_expires = true;
    e.expires = 0;
    e.has_added = true;
    e.added = 4102444799;       /* 2099-12-31T23:59:59Z */
    assert_int_equal(pp_entry_format(&e, &text, &len), 0);
    assert_non_null(strstr(text, "expires = \"1970-01-01T00:00:00Z\";\n"));
    assert_non_null(strstr(text, "added = \"2099-12-31T23:59:59Z\";\n"));
    assert_null(strstr(text, "user_id"));
    assert_int_equal(pp_entry_parse(text, T, "odd.name_1-x", &back, &tlog), 0);
    expect_no_lines();
    assert_entries_equal(&e, &back);
    pp_free_buf(text, len + 1);
    pp_entry_clear(&back);
    pp_entry_clear(&e);
}

static void test_format_refuses(void **state)
{
    struct pp_entry e;
    char *text = (char *)"unchanged";
    size_t len = 7;

    (void)state;
    memset(&e, 0, sizeof(e));
    strcpy(e.name, "x");
    strcpy(e.account_id, ACC);
    strcpy(e.workspace_id, WS);
    /* no key */
    assert_int_equal(pp_entry_format(&e, &text, &len), -1);
    assert_null(text);
    assert_int_equal(len, 0);
    e.key = pp_strdup_secret("");
    assert_int_equal(pp_entry_format(&e, &text, &len), -1);
    pp_free_secret(e.key);
    e.key = pp_strdup_secret("pnu_" MARK " space");
    assert_int_equal(pp_entry_format(&e, &text, &len), -1);
    pp_free_secret(e.key);
    e.key = pp_strdup_secret(KEY_USER);
    assert_int_equal(pp_entry_format(&e, &text, &len), 0);
    pp_free_buf(text, len + 1);
    /* a comment with a control character cannot be written */
    e.comment = strdup("two\nlines");
    assert_int_equal(pp_entry_format(&e, &text, &len), -1);
    free(e.comment);
    e.comment = NULL;
    /* user_id without key_id */
    strcpy(e.user_id, UID);
    assert_int_equal(pp_entry_format(&e, &text, &len), -1);
    strcpy(e.key_id, KID);
    assert_int_equal(pp_entry_format(&e, &text, &len), 0);
    pp_free_buf(text, len + 1);
    /* a bad id */
    strcpy(e.account_id, "0B5B2A3C-1111-4A2B-9C3D-0123456789AB");
    assert_int_equal(pp_entry_format(&e, &text, &len), -1);
    strcpy(e.account_id, ACC);
    /* a bad name */
    strcpy(e.name, "../x");
    assert_int_equal(pp_entry_format(&e, &text, &len), -1);
    pp_entry_clear(&e);
}

struct bad_case {
    const char *text;
    const char *line;       /* the one log line it must give */
};

#define REQ "account_id = \"" ACC "\";\nworkspace_id = \"" WS "\";\n"

static const struct bad_case bad_cases[] = {
    { REQ, T ": missing 'key'" },
    { "key = \"" KEY_USER "\";\naccount_id = \"" ACC "\";\n", T ": missing 'workspace_id'" },
    { "key = \"" KEY_USER "\";\nworkspace_id = \"" WS "\";\n", T ": missing 'account_id'" },
    { "key = \"" KEY_USER "\";\naccount_id = \"0B5B2A3C-1111-4A2B-9C3D-0123456789AB\";\n"
      "workspace_id = \"" WS "\";\n",
      T ":2: 'account_id' is not a valid id (a lowercase UUID)" },
    { "key = \"" KEY_USER "\";\naccount_id = \"" ACC "\";\nworkspace_id = \"7e4c1d2a\";\n",
      T ":3: 'workspace_id' is not a valid id (a lowercase UUID)" },
    { "key = \"" KEY_USER "\";\n" REQ "expires = \"2027-02-30\";\n",
      T ":4: 'expires' is not a valid time (RFC 3339, e.g. 2027-01-31T00:00:00Z)" },
    { "key = \"" KEY_USER "\";\n" REQ "added = \"yesterday\";\n",
      T ":4: 'added' is not a valid time (RFC 3339, e.g. 2027-01-31T00:00:00Z)" },
    { "key = \"" KEY_USER "\";\n" REQ "user_id = \"" UID "\";\n",
      T ":4: 'user_id' needs 'key_id' too (both or neither)" },
    { "key = \"" KEY_USER "\";\n" REQ "\nkey_id = \"" KID "\";\n",
      T ":5: 'key_id' needs 'user_id' too (both or neither)" },
    { "key = \"" KEY_USER "\";\n" REQ "user_id = \"" UID "\";\nkey_id = \"nope\";\n",
      T ":5: 'key_id' is not a valid id (a lowercase UUID)" },
    { "key = \"" KEY_SA "\";\n" REQ "service_account_id = \"" ACC "x\";\n",
      T ":4: 'service_account_id' is not a valid id (a lowercase UUID)" },
    { "key = \"pnu_" MARK " with space\";\n" REQ,
      T ":1: 'key' contains whitespace, control or non-ASCII characters" },
    { "key = \"pnu_" MARK "\\ttab\";\n" REQ,
      T ":1: 'key' contains whitespace, control or non-ASCII characters" },
    { "key = \"pnu_" MARK "caf\xc3\xa9\";\n" REQ,
      T ":1: 'key' contains whitespace, control or non-ASCII characters" },
    { "key = \"\";\n" REQ, T ":1: 'key' is empty" },
    { REQ "key = 5;\n", T ":3: 'key' must be a string" },
    { "key = [\"" KEY_USER "\"];\n" REQ, T ":1: 'key' must be a string" },
    { "key = \"" KEY_USER "\";\naccount_id = 12;\nworkspace_id = \"" WS "\";\n",
      T ":2: 'account_id' must be a string" },
    { "key = \"" KEY_USER "\";\n" REQ "expires = 1801657800;\n",
      T ":4: 'expires' must be a string" },
    { "key = \"" KEY_USER "\";\n" REQ "comment = { a = 1; };\n",
      T ":4: 'comment' must be a string" },
    { "key = \"" KEY_USER "\";\n" REQ "comment = \"two\\nlines\";\n",
      T ":4: 'comment' contains control characters" },
    { "@include \"/etc/shadow\"\n" REQ, T ":1: @include is not allowed" },
    { "key = \"" KEY_USER "\";\n" REQ "  \t@include \"x\"\n", T ":4: @include is not allowed" },
    /* a truncated file: the string never ends */
    { REQ "key = \"" KEY_USER, T ":3: syntax error" },
    { REQ "key = \"" KEY_USER "\";\nkey = \"" KEY_SA "\";\n", T ":4: duplicate setting name" },
    { REQ "key = \"" KEY_USER "\"; }\n", T ":3: syntax error" },
    { REQ "key = \"" KEY_USER "\";\nexpires = \"2027-01-01\"\nadded = ;\n", T ":5: syntax error" },
    { "", T ": missing 'key'" },
};

static void test_parse_errors(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct pp_entry e;

        cap_reset();
        e.key = (char *)"garbage";
        if (pp_entry_parse(bad_cases[i].text, T, "test", &e, &tlog) != -1)
            fail_msg("case %zu was accepted", i);
        assert_null(e.key);
        assert_null(e.comment);
        assert_string_equal(e.name, "");
        expect_line(LOG_ERR, bad_cases[i].line);
    }
}

static void test_parse_bad_name(void **state)
{
    struct pp_entry e;

    (void)state;
    cap_reset();
    assert_int_equal(pp_entry_parse(full_text, T, "../x", &e, &tlog), -1);
    expect_line(LOG_ERR, T ": invalid entry name '../x'");
    assert_null(e.key);
}

static void test_unknown_setting(void **state)
{
    struct pp_entry e;
    char *text;

    (void)state;
    text = pp_test_fmt("%sfuture = \"x\";\nnested = { a = 1; };\n", full_text);
    cap_reset();
    assert_int_equal(pp_entry_parse(text, T, "test", &e, &tlog), 0);
    expect_no_lines();
    pp_entry_clear(&e);
    cap_reset();
    tlog.debug = true;
    assert_int_equal(pp_entry_parse(text, T, "test", &e, &tlog), 0);
    assert_int_equal(cap.n, 2);
    assert_int_equal(cap.prio[0], LOG_DEBUG);
    assert_string_equal(cap.line[0], T ":10: unknown setting 'future' ignored");
    assert_string_equal(cap.line[1], T ":11: unknown setting 'nested' ignored");
    tlog.debug = false;
    pp_entry_clear(&e);
    free(text);
}

static void test_kind(void **state)
{
    (void)state;
    assert_int_equal(pp_key_kind_of("pnu_abc"), PP_KIND_USER);
    assert_int_equal(pp_key_kind_of("pnb_abc"), PP_KIND_SERVICE_ACCOUNT);
    assert_int_equal(pp_key_kind_of("pnx_abc"), PP_KIND_OTHER);
    assert_int_equal(pp_key_kind_of("pnu"), PP_KIND_OTHER);
    assert_int_equal(pp_key_kind_of("PNU_abc"), PP_KIND_OTHER);
    assert_int_equal(pp_key_kind_of(NULL), PP_KIND_OTHER);
    assert_string_equal(pp_key_kind_name(PP_KIND_USER), "user");
    assert_string_equal(pp_key_kind_name(PP_KIND_SERVICE_ACCOUNT), "service-account");
    assert_string_equal(pp_key_kind_name(PP_KIND_OTHER), "other");
}

static char name65[PP_ENTRY_NAME_MAX + 2];
static char name64[PP_ENTRY_NAME_MAX + 1];

static const char *const bad_names[] = { "../x", "a/b", ".", "..", "", name65, "a b", "x\n",
                                         "caf\xc3\xa9", NULL };

static void test_entry_path(void **state)
{
    char out[256];
    char small[13];

    (void)state;
    assert_int_equal(pp_entry_path("/var/lib/pam_prefect", "alice-key", out, sizeof(out)), 0);
    assert_string_equal(out, "/var/lib/pam_prefect/alice-key.key");
    assert_int_equal(pp_entry_path("/s/", "a.b_c-1", out, sizeof(out)), 0);
    assert_string_equal(out, "/s/a.b_c-1.key");
    assert_int_equal(pp_entry_path("/s", name64, out, sizeof(out)), 0);
    assert_int_equal(strlen(out), 3 + 64 + 4);
    for (size_t i = 0; bad_names[i] != NULL; i++) {
        strcpy(out, "junk");
        assert_int_equal(pp_entry_path("/s", bad_names[i], out, sizeof(out)), -1);
        assert_string_equal(out, "");
    }
    assert_int_equal(pp_entry_path("/s", NULL, out, sizeof(out)), -1);
    assert_int_equal(pp_entry_path("", "x", out, sizeof(out)), -1);
    assert_int_equal(pp_entry_path(NULL, "x", out, sizeof(out)), -1);
    /* "/s/abcdef.key" and its NUL do not fit in 13 bytes */
    assert_int_equal(pp_entry_path("/s", "abcdef", small, sizeof(small)), -1);
    assert_int_equal(pp_entry_path("/s", "abcde", small, sizeof(small)), 0);
    assert_string_equal(small, "/s/abcde.key");
}

/* ---- loading from a real store (root) ---- */

struct fixture {
    char *root;
    char *store;
    struct pp_config cfg;
};

static const char good_text[] =
    "key = \"" KEY_USER "\";\naccount_id = \"" ACC "\";\nworkspace_id = \"" WS "\";\n";

static int setup_store(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->root = pp_test_mkroot();
    f->store = pp_test_fmt("%s/store", f->root);
    if (pp_test_mkdir(f->store, 0700) != 0)
        return -1;
    f->cfg.store = f->store;
    cap_reset();
    *state = f;
    return 0;
}

static int teardown_store(void **state)
{
    struct fixture *f = *state;

    pp_test_rmtree(f->root);
    free(f->root);
    free(f->store);
    free(f);
    return 0;
}

static char *entry_file(const struct fixture *f, const char *name)
{
    return pp_test_fmt("%s/%s.key", f->store, name);
}

static void test_load_good(void **state)
{
    struct fixture *f = *state;
    char *path = entry_file(f, "good");
    struct pp_entry e;

    assert_int_equal(pp_test_write(path, good_text, 0600, 0, 0), 0);
    assert_int_equal(pp_entry_load(&f->cfg, "good", &e, &tlog), 0);
    expect_no_lines();
    assert_string_equal(e.name, "good");
    assert_string_equal(e.key, KEY_USER);
    assert_string_equal(e.account_id, ACC);
    assert_string_equal(e.workspace_id, WS);
    pp_entry_clear(&e);
    /* 0400 is fine too */
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(pp_entry_load(&f->cfg, "good", &e, &tlog), 0);
    pp_entry_clear(&e);
    expect_no_lines();
    free(path);
}

/* Load name and expect -1 and one error line "PATH: ...word...". */
static void expect_load_refused(struct fixture *f, const char *name, const char *word)
{
    char *path = entry_file(f, name);
    char *prefix = pp_test_fmt("%s: ", path);
    struct pp_entry e;

    cap_reset();
    e.key = (char *)"garbage";
    assert_int_equal(pp_entry_load(&f->cfg, name, &e, &tlog), -1);
    assert_null(e.key);
    expect_error_with(prefix, word);
    free(prefix);
    free(path);
}

static void test_load_bad_modes(void **state)
{
    struct fixture *f = *state;
    char *path = entry_file(f, "e");

    assert_int_equal(pp_test_write(path, good_text, 0644, 0, 0), 0);
    expect_load_refused(f, "e", "readable by group or others");
    assert_int_equal(pp_test_write(path, good_text, 0604, 0, 0), 0);
    expect_load_refused(f, "e", "readable by group or others");
    assert_int_equal(pp_test_write(path, good_text, 0640, 0, 0), 0);
    expect_load_refused(f, "e", "readable by group or others");
    assert_int_equal(pp_test_write(path, good_text, 0620, 0, 0), 0);
    expect_load_refused(f, "e", "writable");
    assert_int_equal(pp_test_write(path, good_text, 0602, 0, 0), 0);
    expect_load_refused(f, "e", "writable");
    assert_int_equal(pp_test_write(path, good_text, 0600, 12345, 0), 0);
    expect_load_refused(f, "e", "uid 12345");
    free(path);
}

static void test_load_not_a_plain_file(void **state)
{
    struct fixture *f = *state;
    char *real = entry_file(f, "real");
    char *link_path = entry_file(f, "sym");
    char *hard = entry_file(f, "hard");
    char *dir = entry_file(f, "dir");
    char *outside = pp_test_fmt("%s/outside.key", f->root);

    assert_int_equal(pp_test_write(real, good_text, 0600, 0, 0), 0);
    assert_int_equal(pp_test_write(outside, good_text, 0600, 0, 0), 0);
    /* a symlink to a good file, inside or outside the store */
    assert_int_equal(symlink(real, link_path), 0);
    expect_load_refused(f, "sym", "symbolic link");
    assert_int_equal(unlink(link_path), 0);
    assert_int_equal(symlink(outside, link_path), 0);
    expect_load_refused(f, "sym", "symbolic link");
    /* a hard link: both names are refused */
    assert_int_equal(link(real, hard), 0);
    expect_load_refused(f, "hard", "hard link");
    expect_load_refused(f, "real", "hard link");
    /* a directory named NAME.key */
    assert_int_equal(mkdir(dir, 0700), 0);
    expect_load_refused(f, "dir", "directory");
    free(real);
    free(link_path);
    free(hard);
    free(dir);
    free(outside);
}

static void test_load_sizes(void **state)
{
    struct fixture *f = *state;
    char *path = entry_file(f, "e");
    char *big;
    size_t n = PP_ENTRY_MAX + 1, fill;

    assert_int_equal(pp_test_write(path, "", 0600, 0, 0), 0);
    expect_load_refused(f, "e", "empty");

    /* a valid entry padded with a comment line to just over the cap */
    big = malloc(n + 1);
    assert_non_null(big);
    fill = n - strlen(good_text) - 2;
    memcpy(big, good_text, strlen(good_text));
    big[strlen(good_text)] = '#';
    memset(big + strlen(good_text) + 1, 'x', fill);
    big[n - 1] = '\n';
    big[n] = '\0';
    assert_int_equal(strlen(big), PP_ENTRY_MAX + 1);
    assert_int_equal(pp_test_write(path, big, 0600, 0, 0), 0);
    expect_load_refused(f, "e", "larger than");
    /* one byte less is accepted */
    big[n - 2] = '\n';
    big[n - 1] = '\0';
    assert_int_equal(pp_test_write(path, big, 0600, 0, 0), 0);
    {
        struct pp_entry e;

        cap_reset();
        if (pp_entry_load(&f->cfg, "e", &e, &tlog) != 0)
            fail_msg("a %d-byte entry was refused: %s", PP_ENTRY_MAX, cap.line[0]);
        expect_no_lines();
        pp_entry_clear(&e);
    }
    free(big);
    free(path);
}

static void test_load_nul_byte(void **state)
{
    struct fixture *f = *state;
    char *path = entry_file(f, "e");
    char *msg = pp_test_fmt("%s: contains a NUL byte", path);
    static const char text[] = "key = \"" KEY_USER "\";\naccount_id = \"" ACC
                               "\";\nworkspace_id = \"" WS "\";\n\0garbage";
    struct pp_entry e;
    FILE *fp = fopen(path, "we");

    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, sizeof(text) - 1, fp), sizeof(text) - 1);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, 0600), 0);
    cap_reset();
    assert_int_equal(pp_entry_load(&f->cfg, "e", &e, &tlog), -1);
    expect_line(LOG_ERR, msg);
    free(msg);
    free(path);
}

static void test_load_bad_content(void **state)
{
    struct fixture *f = *state;
    char *path = entry_file(f, "e");
    char *msg = pp_test_fmt("%s:2: 'account_id' is not a valid id (a lowercase UUID)", path);
    struct pp_entry e;

    assert_int_equal(pp_test_write(path,
                                   "key = \"" KEY_USER "\";\naccount_id = \"x\";\n"
                                   "workspace_id = \"" WS "\";\n", 0600, 0, 0), 0);
    cap_reset();
    assert_int_equal(pp_entry_load(&f->cfg, "e", &e, &tlog), -1);
    expect_line(LOG_ERR, msg);
    free(msg);
    free(path);
}

static void test_load_store_dir(void **state)
{
    struct fixture *f = *state;
    char *path = entry_file(f, "good");
    char *prefix = pp_test_fmt("%s: ", f->store);
    struct pp_entry e;

    assert_int_equal(pp_test_write(path, good_text, 0600, 0, 0), 0);
    /* the store must be private */
    assert_int_equal(chmod(f->store, 0755), 0);
    cap_reset();
    assert_int_equal(pp_entry_load(&f->cfg, "good", &e, &tlog), -1);
    expect_error_with(prefix, "readable or searchable");
    assert_int_equal(chmod(f->store, 0711), 0);
    cap_reset();
    assert_int_equal(pp_entry_load(&f->cfg, "good", &e, &tlog), -1);
    expect_error_with(prefix, "searchable");
    assert_int_equal(chmod(f->store, 0700), 0);
    /* owned by someone else */
    assert_int_equal(chown(f->store, 12345, 0), 0);
    cap_reset();
    assert_int_equal(pp_entry_load(&f->cfg, "good", &e, &tlog), -1);
    expect_error_with(prefix, "uid 12345");
    assert_int_equal(chown(f->store, 0, 0), 0);
    cap_reset();
    assert_int_equal(pp_entry_load(&f->cfg, "good", &e, &tlog), 0);
    expect_no_lines();
    pp_entry_clear(&e);
    free(prefix);
    free(path);
}

static void test_load_missing(void **state)
{
    struct fixture *f = *state;
    char *path = entry_file(f, "nobody");
    char *msg = pp_test_fmt("%s: no such entry", path);
    char *gone = pp_test_fmt("%s/gone", f->root);
    struct pp_entry e;

    cap_reset();
    assert_int_equal(pp_entry_load(&f->cfg, "nobody", &e, &tlog), -2);
    expect_line(LOG_ERR, msg);
    assert_null(e.key);
    /* no store at all: no such entry either */
    f->cfg.store = gone;
    cap_reset();
    assert_int_equal(pp_entry_load(&f->cfg, "nobody", &e, &tlog), -2);
    expect_error_with(gone, "no such entry");
    f->cfg.store = f->store;
    free(gone);
    free(msg);
    free(path);
}

static void test_load_bad_names(void **state)
{
    struct fixture *f = *state;
    struct pp_entry e;
    size_t i;

    /* a file that "../x" would reach if the name were not checked */
    char *escape = pp_test_fmt("%s/x.key", f->root);

    assert_int_equal(pp_test_write(escape, good_text, 0600, 0, 0), 0);
    for (i = 0; bad_names[i] != NULL; i++) {
        char safe[200];
        char *msg;

        cap_reset();
        e.key = (char *)"garbage";
        assert_int_equal(pp_entry_load(&f->cfg, bad_names[i], &e, &tlog), -1);
        assert_null(e.key);
        msg = pp_test_fmt("invalid entry name '%s'",
                          pp_log_safe(bad_names[i], safe, sizeof(safe)));
        expect_line(LOG_ERR, msg);
        free(msg);
    }
    cap_reset();
    assert_int_equal(pp_entry_load(&f->cfg, NULL, &e, &tlog), -1);
    assert_int_equal(cap.n, 1);
    free(escape);
}

/* ---- the store as a set of files ---- */

static void test_file_kinds(void **state)
{
    char name[PP_ENTRY_NAME_MAX + 1];

    (void)state;
    assert_int_equal(pp_store_file_kind("alice.key", name), PP_SF_ENTRY);
    assert_string_equal(name, "alice");
    assert_int_equal(pp_store_file_kind("mapping", name), PP_SF_MAPPING);
    assert_string_equal(name, "");
    assert_int_equal(pp_store_file_kind(".lock", name), PP_SF_LOCK);
    assert_int_equal(pp_store_file_kind(".tmp-alice.key.AbC123", name), PP_SF_TEMP);
    assert_int_equal(pp_store_file_kind(".key", name), PP_SF_OTHER);
    assert_int_equal(pp_store_file_kind("notes.txt", name), PP_SF_OTHER);
    assert_int_equal(pp_store_file_kind("bad name.key", name), PP_SF_BAD_ENTRY_NAME);
    assert_string_equal(name, "");
    assert_int_equal(pp_store_file_kind("...key", name), PP_SF_BAD_ENTRY_NAME);
    name65[0] = '\0';
    memset(name65, 'a', PP_ENTRY_NAME_MAX + 1);
    name65[PP_ENTRY_NAME_MAX + 1] = '\0';
    {
        char *long_file = pp_test_fmt("%s.key", name65);
        assert_int_equal(pp_store_file_kind(long_file, name), PP_SF_BAD_ENTRY_NAME);
        free(long_file);
    }
}

static void test_save_list_remove(void **state)
{
    struct fixture *f = *state;
    struct pp_entry e, back;
    char **names = NULL, *path;
    size_t n = 0;

    memset(&e, 0, sizeof(e));
    snprintf(e.name, sizeof(e.name), "zed");
    e.key = (char *)KEY_USER;
    snprintf(e.account_id, sizeof(e.account_id), "%s", ACC);
    snprintf(e.workspace_id, sizeof(e.workspace_id), "%s", WS);
    assert_false(pp_entry_exists(&f->cfg, "zed"));
    assert_int_equal(pp_entry_save(&f->cfg, &e, &tlog), 0);
    snprintf(e.name, sizeof(e.name), "alpha");
    assert_int_equal(pp_entry_save(&f->cfg, &e, &tlog), 0);
    assert_true(pp_entry_exists(&f->cfg, "zed"));
    /* other files are not entries */
    path = pp_test_fmt("%s/notes.txt", f->store);
    assert_int_equal(pp_test_write(path, "x", 0600, 0, 0), 0);
    free(path);

    assert_int_equal(pp_store_list(&f->cfg, &names, &n, &tlog), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "alpha");
    assert_string_equal(names[1], "zed");
    assert_null(names[2]);
    pp_names_free(names, n);

    /* what was saved loads back, root 0600 */
    assert_int_equal(pp_entry_load(&f->cfg, "zed", &back, &tlog), 0);
    assert_string_equal(back.key, KEY_USER);
    pp_entry_clear(&back);

    assert_int_equal(pp_entry_remove(&f->cfg, "zed", &tlog), 0);
    assert_false(pp_entry_exists(&f->cfg, "zed"));
    assert_int_equal(pp_entry_remove(&f->cfg, "zed", &tlog), PP_ABSENT);
    assert_int_equal(pp_entry_remove(&f->cfg, "../x", &tlog), -1);

    /* a store that does not exist has no entries */
    f->cfg.store = "/nonexistent-pam-prefect-store";
    assert_int_equal(pp_store_list(&f->cfg, &names, &n, &tlog), 0);
    assert_int_equal(n, 0);
    f->cfg.store = f->store;
}

/* ---- a writer killed between link and rename (store_write.h) ---- */

static void kill_after_link(const char *step)
{
    if (strcmp(step, "after-link") == 0)
        raise(SIGKILL);
}

/* The names in dir that start with PP_TEMP_PREFIX, counted; the last one in name. */
static int temps_in(const char *dir, char *name, size_t len)
{
    struct dirent *de;
    DIR *d = opendir(dir);
    int n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, PP_TEMP_PREFIX, strlen(PP_TEMP_PREFIX)) == 0) {
            snprintf(name, len, "%s", de->d_name);
            n++;
        }
    closedir(d);
    return n;
}

/* Set path's modification time ago seconds back, without following a link. */
static void age(const char *path, time_t ago)
{
    struct timespec ts[2];

    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= ago;
    ts[1] = ts[0];
    assert_int_equal(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

/*
 * A login writing its memo or USER.user can be SIGKILLed by its user
 * between the link and the rename, and no lock-holding writer cleans those
 * directories: the next write there removes the temp file once it is old
 * enough to be no live writer's, and never touches a young one or
 * what a symbolic link of that name points to.
 */
static void test_killed_writer_temp_removed(void **state)
{
    struct fixture *f = *state;
    char err[PP_ERRLEN], tmp[PP_TEMP_NAME_MAX], *path, *target, *link, *young, *data;
    int status;
    pid_t pid;

    (void)state;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        pp_store_write_set_hook(kill_after_link);
        pp_write_file_atomic(f->store, "alice:sshd", "new", 3, err, sizeof(err));
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(temps_in(f->store, tmp, sizeof(tmp)), 1);
    path = pp_test_fmt("%s/%s", f->store, tmp);

    /* A link named like a temp file pointing at a file; a young temp file. */
    target = pp_test_fmt("%s/target", f->root);
    assert_int_equal(pp_test_write(target, "keep", 0600, 0, 0), 0);
    link = pp_test_fmt("%s/" PP_TEMP_PREFIX "link.AAAAAA", f->store);
    assert_int_equal(symlink(target, link), 0);
    young = pp_test_fmt("%s/" PP_TEMP_PREFIX "young.BBBBBB", f->store);
    assert_int_equal(pp_test_write(young, "live", 0600, 0, 0), 0);

    /* Just killed: a live writer's age, kept. */
    assert_int_equal(pp_write_file_atomic(f->store, "bob:sshd", "x", 1, err, sizeof(err)), 0);
    assert_int_equal(access(path, F_OK), 0);

    /* Old enough: the next write removes it, and only it. */
    age(path, PP_TEMP_STALE_SECONDS + 1);
    age(link, PP_TEMP_STALE_SECONDS + 60);
    assert_int_equal(pp_write_file_atomic(f->store, "carol:su", "y", 1, err, sizeof(err)), 0);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(access(young, F_OK), 0);
    data = pp_test_slurp(target);
    assert_string_equal(data, "keep");
    free(data);
    assert_int_equal(faccessat(AT_FDCWD, link, F_OK, AT_SYMLINK_NOFOLLOW), 0);
    free(path);
    free(target);
    free(link);
    free(young);
}

/* ---- the directory's sync put off until the answer is out ---- */

static char steps_seen[512];

static void note_step(const char *step)
{
    size_t n = strlen(steps_seen);

    snprintf(steps_seen + n, sizeof(steps_seen) - n, "%s ", step);
}

/* 0 when the new file is there with content want; else a number saying what failed. */
static int deferred_child(const char *store, const char *other)
{
    char err[PP_ERRLEN], *data, *path;
    int bad;

    pp_store_write_set_hook(note_step);
    pp_dirsync_defer();
    if (pp_write_file_atomic(store, "carol.rec", "new", 3, err, sizeof(err)) != 0)
        return 1;
    /* Renamed into place, so readable whole; its directory not yet synced. */
    path = pp_test_fmt("%s/carol.rec", store);
    data = pp_test_slurp(path);
    bad = data == NULL || strcmp(data, "new") != 0;
    free(data);
    free(path);
    if (bad)
        return 2;
    if (strstr(steps_seen, "after-rename") == NULL || strstr(steps_seen, "after-dirsync") != NULL)
        return 3;
    /* While one waits, a write syncs its own directory at once. */
    if (pp_write_file_atomic(other, "dave.rec", "x", 1, err, sizeof(err)) != 0)
        return 4;
    if (strstr(steps_seen, "after-dirsync") == NULL)
        return 5;
    steps_seen[0] = '\0';
    if (pp_dirsync_flush(err, sizeof(err)) != 0 || strcmp(steps_seen, "after-dirsync ") != 0)
        return 6;
    /* Nothing waits any more. */
    steps_seen[0] = '\0';
    if (pp_dirsync_flush(err, sizeof(err)) != 0 || steps_seen[0] != '\0')
        return 7;
    return 0;
}

/*
 * The check program answers its caller between the rename and the
 * directory's sync (pp_dirsync_defer): the file is whole and in place
 * before the sync, and pp_dirsync_flush syncs exactly the one directory
 * waiting, once. Without pp_dirsync_defer a write syncs before it returns.
 */
static void test_deferred_dirsync(void **state)
{
    struct fixture *f = *state;
    char err[PP_ERRLEN], *other;
    int status;
    pid_t pid;

    other = pp_test_fmt("%s/other", f->root);
    assert_int_equal(mkdir(other, 0700), 0);
    steps_seen[0] = '\0';
    pp_store_write_set_hook(note_step);
    assert_int_equal(pp_write_file_atomic(f->store, "bob.rec", "x", 1, err, sizeof(err)), 0);
    pp_store_write_set_hook(NULL);
    assert_non_null(strstr(steps_seen, "after-dirsync"));
    assert_int_equal(pp_dirsync_flush(err, sizeof(err)), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        steps_seen[0] = '\0';
        _exit(deferred_child(f->store, other));
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full),
        cmocka_unit_test(test_parse_minimal),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_format_escapes),
        cmocka_unit_test(test_format_refuses),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_bad_name),
        cmocka_unit_test(test_unknown_setting),
        cmocka_unit_test(test_kind),
        cmocka_unit_test(test_entry_path),
        cmocka_unit_test(test_file_kinds),
        cmocka_unit_test_setup_teardown(test_save_list_remove, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_killed_writer_temp_removed, setup_store,
                                        teardown_store),
        cmocka_unit_test_setup_teardown(test_deferred_dirsync, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_load_good, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_load_bad_modes, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_load_not_a_plain_file, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_load_sizes, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_load_nul_byte, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_load_bad_content, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_load_store_dir, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_load_missing, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_load_bad_names, setup_store, teardown_store),
    };

    pp_test_require_root();
    memset(name65, 'a', PP_ENTRY_NAME_MAX + 1);
    memset(name64, 'b', PP_ENTRY_NAME_MAX);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

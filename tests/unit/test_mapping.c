/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_mapping.c: the mapping (lib/mapping.c): parsing, its errors and the
 * format round trip; the setters; resolution through NSS (lib/resolve.c,
 * lib/nsslookup.c), step by step;
 * loading from a real root-owned store.
 *
 * Resolution needs fake users and groups: run through test_mapping.test,
 * which serves tests/unit/data/passwd and group through glibc's NSS with
 * the test NSS source (tests/lib/nss_pptest.c), which also fails on demand:
 *   alice  uid 1001, primary group alice (1001), also in devs and ops
 *   bob    uid 1002, primary group batch (2003), listed in no group
 *   carol  uid 1003, primary group carol (1003), also in spare
 *   ghost  not a user, but listed as a member of devs
 *   dave   unknown to NSS altogether
 * The group file lists devs before ops.
 */
#include <config.h>

#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mapping.h"
#include "resolve.h"
#include "capture.h"
#include "testroot.h"

/* ---- log capture ---- */

static struct pp_capture cap;
static struct pp_log tlog = { pp_capture_sink, &cap, false, NULL };

static void cap_reset(void)
{
    pp_capture_reset(&cap);
    tlog.debug = false;
}

#define expect_line(prio, text) pp_capture_expect_line(&cap, prio, text)
#define expect_no_lines() pp_capture_expect_no_lines(&cap)

#define M "/store/mapping"

static void assert_rules(const struct pp_map_rule *r, size_t n, const char *const *want)
{
    size_t i;

    for (i = 0; want[2 * i] != NULL; i++) {
        assert_true(i < n);
        assert_string_equal(r[i].name, want[2 * i]);
        assert_string_equal(r[i].entry, want[2 * i + 1]);
    }
    assert_int_equal(n, i);
}

static void assert_mappings_equal(const struct pp_mapping *a, const struct pp_mapping *b)
{
    size_t i;

    assert_int_equal(a->nusers, b->nusers);
    assert_int_equal(a->ngroups, b->ngroups);
    for (i = 0; i < a->nusers; i++) {
        assert_string_equal(a->users[i].name, b->users[i].name);
        assert_string_equal(a->users[i].entry, b->users[i].entry);
    }
    for (i = 0; i < a->ngroups; i++) {
        assert_string_equal(a->groups[i].name, b->groups[i].name);
        assert_string_equal(a->groups[i].entry, b->groups[i].entry);
    }
    if (a->default_entry == NULL || b->default_entry == NULL)
        assert_null(a->default_entry == NULL ? b->default_entry : a->default_entry);
    else
        assert_string_equal(a->default_entry, b->default_entry);
}

/* ---- parsing and formatting ---- */

static const char full_text[] =
    "# who gets which key\n"
    "users = (\n"
    "  { name = \"alice\"; entry = \"alice-key\"; },\n"
    "  { name = \"bob\"; entry = \"bob.key_2\"; }\n"
    ");\n"
    "groups = (\n"
    "  { name = \"ops\"; entry = \"svc-ops\"; },\n"
    "  { name = \"devs\"; entry = \"svc-devs\"; },\n"
    "  { name = \"alice\"; entry = \"svc-alice-group\"; }\n"
    ");\n"
    "default = \"svc-default\";\n";

static void test_parse_full(void **state)
{
    static const char *const users[] = { "alice", "alice-key", "bob", "bob.key_2", NULL };
    static const char *const groups[] = { "ops", "svc-ops", "devs", "svc-devs",
                                          "alice", "svc-alice-group", NULL };
    struct pp_mapping m;

    (void)state;
    cap_reset();
    assert_int_equal(pp_mapping_parse(full_text, M, &m, &tlog), 0);
    expect_no_lines();
    assert_rules(m.users, m.nusers, users);
    assert_rules(m.groups, m.ngroups, groups);
    assert_string_equal(m.default_entry, "svc-default");
    pp_mapping_free(&m);
    assert_null(m.users);
    assert_int_equal(m.nusers, 0);
    assert_null(m.default_entry);
}

static void test_round_trip(void **state)
{
    struct pp_mapping m, back;
    char *text, *text2;
    size_t len, len2;

    (void)state;
    cap_reset();
    assert_int_equal(pp_mapping_parse(full_text, M, &m, &tlog), 0);
    assert_int_equal(pp_mapping_format(&m, &text, &len), 0);
    assert_int_equal(strlen(text), len);
    assert_int_equal(pp_mapping_parse(text, M, &back, &tlog), 0);
    assert_mappings_equal(&m, &back);
    assert_int_equal(pp_mapping_format(&back, &text2, &len2), 0);
    assert_string_equal(text, text2);
    expect_no_lines();
    free(text);
    free(text2);
    pp_mapping_free(&back);
    pp_mapping_free(&m);
}

static void test_empty(void **state)
{
    static const char *const texts[] = {
        "", "# nothing yet\n", "users = ();\ngroups = ();\n", "users = [];\n", NULL,
    };
    struct pp_mapping m, back;
    char *text;
    size_t len, i;

    (void)state;
    for (i = 0; texts[i] != NULL; i++) {
        cap_reset();
        assert_int_equal(pp_mapping_parse(texts[i], M, &m, &tlog), 0);
        expect_no_lines();
        assert_int_equal(m.nusers, 0);
        assert_int_equal(m.ngroups, 0);
        assert_null(m.default_entry);
        assert_int_equal(pp_mapping_format(&m, &text, &len), 0);
        assert_int_equal(pp_mapping_parse(text, M, &back, &tlog), 0);
        assert_mappings_equal(&m, &back);
        expect_no_lines();
        free(text);
        pp_mapping_free(&back);
        pp_mapping_free(&m);
    }
}

/* Account names may hold quotes and backslashes: they must survive. */
static void test_odd_names_round_trip(void **state)
{
    struct pp_mapping m, back;
    char *text;
    size_t len;

    (void)state;
    memset(&m, 0, sizeof(m));
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_USER, "we\"ird\\name", "e1"), 0);
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_USER, "DOMAIN\\user", "e2"), 0);
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_GROUP, "grp@example.com", "e3"), 0);
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_GROUP, "#not-a-comment", "e4"), 0);
    assert_int_equal(pp_mapping_format(&m, &text, &len), 0);
    cap_reset();
    assert_int_equal(pp_mapping_parse(text, M, &back, &tlog), 0);
    expect_no_lines();
    assert_mappings_equal(&m, &back);
    assert_string_equal(back.users[0].name, "we\"ird\\name");
    free(text);
    pp_mapping_free(&back);
    pp_mapping_free(&m);
}

struct bad_case {
    const char *text;
    const char *line;
};

static char long_name_case[600];
static char long_name_line[600];

static struct bad_case bad_cases[] = {
    { "users = ( { name = \"a/b\"; entry = \"e\"; } );\n",
      M ":1: users[0]: invalid user name 'a/b'" },
    { "users = ( { name = \"..\"; entry = \"e\"; } );\n",
      M ":1: users[0]: invalid user name '..'" },
    { "users = ( { name = \"with space\"; entry = \"e\"; } );\n",
      M ":1: users[0]: invalid user name 'with space'" },
    { "users = ( { name = \"a:b\"; entry = \"e\"; } );\n",
      M ":1: users[0]: invalid user name 'a:b'" },
    { "users = ( { name = \"\"; entry = \"e\"; } );\n",
      M ":1: users[0]: invalid user name ''" },
    { "users = ( { name = \"tab\\there\"; entry = \"e\"; } );\n",
      M ":1: users[0]: invalid user name 'tab\\x09here'" },
    { long_name_case, long_name_line },
    { "users = ( { name = \"alice\"; entry = \"e\"; },\n"
      "          { name = \"bob\"; entry = \"../x\"; } );\n",
      M ":2: users[1]: invalid entry name '../x'" },
    { "users = ( { name = \"alice\"; entry = \"a/b\"; } );\n",
      M ":1: users[0]: invalid entry name 'a/b'" },
    { "groups = (\n { name = \"ok\"; entry = \"e\"; },\n { name = \"a/b\"; entry = \"e\"; }\n);\n",
      M ":3: groups[1]: invalid group name 'a/b'" },
    { "groups = ( { name = \"..\"; entry = \"e\"; } );\n",
      M ":1: groups[0]: invalid group name '..'" },
    { "groups = ( { name = \"g\"; entry = \".\"; } );\n",
      M ":1: groups[0]: invalid entry name '.'" },
    { "default = \"../x\";\n", M ":1: 'default': invalid entry name '../x'" },
    { "default = \"\";\n", M ":1: 'default': invalid entry name ''" },
    { "default = 5;\n", M ":1: 'default' must be a string (an entry name)" },
    /* duplicates */
    { "users = (\n { name = \"alice\"; entry = \"e1\"; },\n { name = \"bob\"; entry = \"e2\"; },\n"
      " { name = \"alice\"; entry = \"e3\"; }\n);\n",
      M ":4: users[2]: user 'alice' is mapped twice (first on line 2)" },
    { "groups = (\n { name = \"devs\"; entry = \"e1\"; },\n { name = \"devs\"; entry = \"e1\"; }\n);\n",
      M ":3: groups[1]: group 'devs' is mapped twice (first on line 2)" },
    { "default = \"a\";\ndefault = \"b\";\n", M ":2: duplicate setting name" },
    /* wrong shapes and types */
    { "users = \"alice\";\n",
      M ":1: 'users' must be a list of { name = \"...\"; entry = \"...\"; }" },
    { "groups = { name = \"g\"; entry = \"e\"; };\n",
      M ":1: 'groups' must be a list of { name = \"...\"; entry = \"...\"; }" },
    { "users = [ \"alice\" ];\n",
      M ":1: 'users' must be a list of { name = \"...\"; entry = \"...\"; }" },
    { "users = ( \"alice\" );\n",
      M ":1: users[0]: must be a group { name = \"...\"; entry = \"...\"; }" },
    { "users = ( { name = \"alice\"; } );\n", M ":1: users[0]: missing 'entry'" },
    { "groups = ( { entry = \"e\"; } );\n", M ":1: groups[0]: missing 'name'" },
    { "users = ( { name = 1001; entry = \"e\"; } );\n", M ":1: users[0]: 'name' must be a string" },
    { "users = ( { name = \"a\";\n entry = [\"e\"]; } );\n",
      M ":2: users[0]: 'entry' must be a string" },
    /* not libconfig, or not allowed */
    { "@include \"/etc/shadow\"\n", M ":1: @include is not allowed" },
    { "users = ();\n   @include \"other\"\n", M ":2: @include is not allowed" },
    { "users = ( { name = \"alice\"; entry = \"e\"; }\n", M ":2: syntax error" },
    /* the string runs on to the next quote, the line ends inside it */
    { "users = ( { name = \"alice; entry = \"e\"; } );\n", M ":2: syntax error" },
};

static void test_parse_errors(void **state)
{
    size_t i;

    (void)state;
    memset(long_name_case, 0, sizeof(long_name_case));
    strcpy(long_name_case, "users = ( { name = \"");
    memset(long_name_case + strlen(long_name_case), 'x', 300);
    strcat(long_name_case, "\"; entry = \"e\"; } );\n");
    /* the name is shortened in the log line */
    snprintf(long_name_line, sizeof(long_name_line), M ":1: users[0]: invalid user name '%.76s...'",
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct pp_mapping m;

        cap_reset();
        m.nusers = 99;
        if (pp_mapping_parse(bad_cases[i].text, M, &m, &tlog) != -1)
            fail_msg("case %zu was accepted", i);
        expect_line(LOG_ERR, bad_cases[i].line);
        assert_null(m.users);
        assert_null(m.groups);
        assert_int_equal(m.nusers, 0);
        assert_int_equal(m.ngroups, 0);
        assert_null(m.default_entry);
    }
}

/* Valid everywhere, and the same name as a user and as a group is fine. */
static void test_parse_limits(void **state)
{
    char name[PP_ACCOUNT_NAME_MAX + 1];
    char *text;
    struct pp_mapping m;

    (void)state;
    memset(name, 'n', PP_ACCOUNT_NAME_MAX);
    name[PP_ACCOUNT_NAME_MAX] = '\0';
    text = pp_test_fmt("users = ( { name = \"%s\"; entry = \"%.64s\"; } );\n"
                       "groups = ( { name = \"%s\"; entry = \"e\"; } );\n", name,
                       "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
                       name);
    cap_reset();
    assert_int_equal(pp_mapping_parse(text, M, &m, &tlog), 0);
    expect_no_lines();
    assert_int_equal(strlen(m.users[0].name), PP_ACCOUNT_NAME_MAX);
    assert_int_equal(strlen(m.users[0].entry), PP_ENTRY_NAME_MAX);
    pp_mapping_free(&m);
    free(text);
    /* one more character is too many */
    text = pp_test_fmt("groups = ( { name = \"%sx\"; entry = \"e\"; } );\n", name);
    assert_int_equal(pp_mapping_parse(text, M, &m, &tlog), -1);
    free(text);
    text = pp_test_fmt("default = \"%.65s\";\n",
                       "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
    assert_int_equal(pp_mapping_parse(text, M, &m, &tlog), -1);
    free(text);
}

static void test_unknown_settings(void **state)
{
    struct pp_mapping m;
    const char *text = "users = ( { name = \"alice\"; entry = \"e\"; comment = \"hi\"; } );\n"
                       "fallback = \"x\";\n";

    (void)state;
    cap_reset();
    assert_int_equal(pp_mapping_parse(text, M, &m, &tlog), 0);
    assert_int_equal(cap.n, 2);
    assert_int_equal(cap.prio[0], LOG_WARNING);
    assert_string_equal(cap.line[0], M ":1: users[0]: unknown setting 'comment' ignored");
    assert_int_equal(cap.prio[1], LOG_WARNING);
    assert_string_equal(cap.line[1], M ":2: unknown setting 'fallback' ignored");
    assert_int_equal(m.nusers, 1);
    pp_mapping_free(&m);
}

static void test_format_refuses(void **state)
{
    struct pp_map_rule r[2] = { { (char *)"alice", (char *)"e" }, { (char *)"alice", (char *)"f" } };
    struct pp_mapping m;
    char *text = (char *)"unchanged";
    size_t len = 3;

    (void)state;
    memset(&m, 0, sizeof(m));
    m.users = r;
    m.nusers = 2;       /* a duplicate */
    assert_int_equal(pp_mapping_format(&m, &text, &len), -1);
    assert_null(text);
    assert_int_equal(len, 0);
    m.nusers = 1;
    assert_int_equal(pp_mapping_format(&m, &text, &len), 0);
    free(text);
    r[0].name = (char *)"a/b";
    assert_int_equal(pp_mapping_format(&m, &text, &len), -1);
    r[0].name = (char *)"alice";
    r[0].entry = (char *)"../e";
    assert_int_equal(pp_mapping_format(&m, &text, &len), -1);
    r[0].entry = (char *)"e";
    m.users = NULL;
    m.nusers = 0;
    m.groups = r;
    m.ngroups = 1;
    m.default_entry = (char *)"bad/default";
    assert_int_equal(pp_mapping_format(&m, &text, &len), -1);
    m.default_entry = (char *)"good";
    assert_int_equal(pp_mapping_format(&m, &text, &len), 0);
    assert_non_null(strstr(text, "default = \"good\";"));
    free(text);
}

/* ---- setters ---- */

static void test_set_unset_uses(void **state)
{
    static const char *const g1[] = { "ops", "e-ops", "devs", "e-devs", NULL };
    static const char *const g2[] = { "ops", "e-new", "devs", "e-devs", NULL };
    static const char *const g3[] = { "devs", "e-devs", NULL };
    struct pp_mapping m;

    (void)state;
    memset(&m, 0, sizeof(m));
    assert_false(pp_mapping_uses(&m, "e-ops"));
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_GROUP, "ops", "e-ops"), 0);
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_GROUP, "devs", "e-devs"), 0);
    assert_rules(m.groups, m.ngroups, g1);
    /* replacing keeps the rule's place */
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_GROUP, "ops", "e-new"), 0);
    assert_rules(m.groups, m.ngroups, g2);
    assert_false(pp_mapping_uses(&m, "e-ops"));
    assert_true(pp_mapping_uses(&m, "e-new"));

    assert_int_equal(pp_mapping_set(&m, PP_MATCH_USER, "alice", "e-alice"), 0);
    assert_int_equal(m.nusers, 1);
    assert_true(pp_mapping_uses(&m, "e-alice"));
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_DEFAULT, NULL, "e-def"), 0);
    assert_string_equal(m.default_entry, "e-def");
    assert_true(pp_mapping_uses(&m, "e-def"));
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_DEFAULT, "ignored", "e-def2"), 0);
    assert_string_equal(m.default_entry, "e-def2");
    assert_false(pp_mapping_uses(&m, "e-def"));
    assert_false(pp_mapping_uses(&m, NULL));

    /* bad arguments change nothing */
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_USER, "a/b", "e"), -1);
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_USER, "bob", "../e"), -1);
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_USER, NULL, "e"), -1);
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_GROUP, "with space", "e"), -1);
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_DEFAULT, NULL, ""), -1);
    assert_int_equal(pp_mapping_set(&m, PP_MATCH_NONE, "alice", "e"), -1);
    assert_int_equal(m.nusers, 1);
    assert_rules(m.groups, m.ngroups, g2);
    assert_string_equal(m.default_entry, "e-def2");

    /* unset */
    assert_int_equal(pp_mapping_unset(&m, PP_MATCH_GROUP, "ops"), 0);
    assert_rules(m.groups, m.ngroups, g3);
    assert_int_equal(pp_mapping_unset(&m, PP_MATCH_GROUP, "ops"), 1);
    assert_int_equal(pp_mapping_unset(&m, PP_MATCH_USER, "devs"), 1);
    assert_int_equal(pp_mapping_unset(&m, PP_MATCH_USER, "a/b"), -1);
    assert_int_equal(pp_mapping_unset(&m, PP_MATCH_NONE, "alice"), -1);
    assert_int_equal(pp_mapping_unset(&m, PP_MATCH_USER, "alice"), 0);
    assert_int_equal(m.nusers, 0);
    assert_null(m.users);
    assert_false(pp_mapping_uses(&m, "e-alice"));
    assert_int_equal(pp_mapping_unset(&m, PP_MATCH_DEFAULT, NULL), 0);
    assert_null(m.default_entry);
    assert_int_equal(pp_mapping_unset(&m, PP_MATCH_DEFAULT, NULL), 1);
    assert_int_equal(pp_mapping_unset(&m, PP_MATCH_GROUP, "devs"), 0);
    assert_int_equal(m.ngroups, 0);
    pp_mapping_free(&m);
}

/* ---- resolution ---- */

#define TRACE_MAX 12
struct trace {
    int n;
    char step[TRACE_MAX][700];
};

static const char *rule_word(enum pp_match r)
{
    switch (r) {
    case PP_MATCH_USER:
        return "user";
    case PP_MATCH_GROUP:
        return "group";
    case PP_MATCH_DEFAULT:
        return "default";
    case PP_MATCH_NONE:
        break;
    }
    return "none";
}

static void record(void *ctx, enum pp_match rule, const char *name, const char *entry,
                   bool matched, const char *why)
{
    struct trace *t = ctx;

    assert_non_null(name);
    assert_non_null(entry);
    assert_non_null(why);
    if (t->n < TRACE_MAX)
        snprintf(t->step[t->n], sizeof(t->step[t->n]), "%s|%s|%s|%s|%s", rule_word(rule), name,
                 entry, matched ? "match" : "-", why);
    t->n++;
}

/* The mapping of the current resolution test (freed by the next one). */
static struct pp_mapping parsed;

static const struct pp_mapping *parse_or_die(const char *text)
{
    pp_mapping_free(&parsed);
    cap_reset();
    if (pp_mapping_parse(text, M, &parsed, &tlog) != 0)
        fail_msg("mapping did not parse: %s", cap.line[0]);
    return &parsed;
}

/* Resolve user; expect the result and exactly these trace steps. */
static void expect_resolve(const struct pp_mapping *m, const char *user, enum pp_match match,
                           const char *entry, const char *group, const char *const *steps)
{
    struct pp_resolution res;
    struct trace t;
    int i;

    memset(&t, 0, sizeof(t));
    cap_reset();
    if (pp_mapping_resolve(m, user, &res, &tlog, record, &t) != 0)
        fail_msg("%s: resolution failed: %s", user, cap.n > 0 ? cap.line[0] : "(no log line)");
    expect_no_lines();
    for (i = 0; steps[i] != NULL; i++) {
        if (i >= t.n)
            fail_msg("%s: step %d missing: want \"%s\"", user, i, steps[i]);
        if (strcmp(t.step[i], steps[i]) != 0)
            fail_msg("%s: step %d is \"%s\", want \"%s\"", user, i, t.step[i], steps[i]);
    }
    if (t.n != i)
        fail_msg("%s: %d steps, want %d (extra: \"%s\")", user, t.n, i, t.step[i]);
    assert_int_equal(res.match, match);
    assert_string_equal(res.entry, entry);
    assert_string_equal(res.group, group);

    /* the same without a trace, and the steps in the debug log */
    cap_reset();
    assert_int_equal(pp_mapping_resolve(m, user, &res, &tlog, NULL, NULL), 0);
    expect_no_lines();
    assert_int_equal(res.match, match);
    assert_string_equal(res.entry, entry);
    tlog.debug = true;
    assert_int_equal(pp_mapping_resolve(m, user, &res, &tlog, NULL, NULL), 0);
    assert_int_equal(cap.n, i);
    for (i = 0; i < cap.n && i < PP_CAPTURE_LINES; i++) {
        const char *why = strrchr(steps[i], '|') + 1;
        char *want = pp_test_fmt("mapping: %s", why);

        assert_int_equal(cap.prio[i], LOG_DEBUG);
        assert_string_equal(cap.line[i], want);
        free(want);
    }
    tlog.debug = false;
}

static void test_user_rule_wins(void **state)
{
    static const char *const alice[] = {
        "user|alice|alice-key|match|rule for user alice: entry alice-key", NULL,
    };
    static const char *const bob[] = {
        "user|bob||-|no rule for user bob",
        "group|devs|svc-devs|-|bob is not in group devs",
        "group|batch|svc-batch|match|bob is in group batch (primary): entry svc-batch", NULL,
    };
    const struct pp_mapping *m = parse_or_die(
        "users = ( { name = \"alice\"; entry = \"alice-key\"; } );\n"
        "groups = ( { name = \"devs\"; entry = \"svc-devs\"; },\n"
        "           { name = \"batch\"; entry = \"svc-batch\"; } );\n"
        "default = \"svc-default\";\n");

    (void)state;
    expect_resolve(m, "alice", PP_MATCH_USER, "alice-key", "", alice);
    expect_resolve(m, "bob", PP_MATCH_GROUP, "svc-batch", "batch", bob);
}

/* NSS lists devs before ops; the mapping's order decides. */
static void test_mapping_order_wins(void **state)
{
    static const char *const ops_first[] = {
        "user|alice||-|no rule for user alice",
        "group|ops|svc-ops|match|alice is in group ops (supplementary): entry svc-ops", NULL,
    };
    static const char *const devs_first[] = {
        "user|alice||-|no rule for user alice",
        "group|devs|svc-devs|match|alice is in group devs (supplementary): entry svc-devs", NULL,
    };
    const struct pp_mapping *m;

    (void)state;
    m = parse_or_die("groups = ( { name = \"ops\"; entry = \"svc-ops\"; },\n"
                     "           { name = \"devs\"; entry = \"svc-devs\"; } );\n");
    expect_resolve(m, "alice", PP_MATCH_GROUP, "svc-ops", "ops", ops_first);
    m = parse_or_die("groups = ( { name = \"devs\"; entry = \"svc-devs\"; },\n"
                     "           { name = \"ops\"; entry = \"svc-ops\"; } );\n");
    expect_resolve(m, "alice", PP_MATCH_GROUP, "svc-devs", "devs", devs_first);
}

/*
 * A caller that has looked the user up already (the module) passes what NSS
 * said, and the user is not looked up again: shown by answers that differ
 * from NSS's (carol's primary group is 1003 there, bob is known).
 */
static void test_resolve_known_user(void **state)
{
    struct pp_resolution res;
    const struct pp_mapping *m = parse_or_die(
        "groups = ( { name = \"batch\"; entry = \"svc-batch\"; } );\n"
        "default = \"svc-default\";\n");

    (void)state;
    cap_reset();
    assert_int_equal(pp_mapping_resolve_known(m, "carol", 1, 1003, 2003, NULL, &res, &tlog, NULL, NULL),
                     0);
    assert_int_equal(res.match, PP_MATCH_GROUP);
    assert_string_equal(res.entry, "svc-batch");
    assert_int_equal(pp_mapping_resolve(m, "carol", &res, &tlog, NULL, NULL), 0);
    assert_int_equal(res.match, PP_MATCH_DEFAULT);
    assert_int_equal(pp_mapping_resolve_known(m, "bob", 0, 0, 0, NULL, &res, &tlog, NULL, NULL), 0);
    assert_int_equal(res.match, PP_MATCH_DEFAULT);
    assert_int_equal(pp_mapping_resolve(m, "bob", &res, &tlog, NULL, NULL), 0);
    assert_int_equal(res.match, PP_MATCH_GROUP);
    expect_no_lines();
}

/*
 * Given what NSS answered already (pp_walk_nss: the group list and the group
 * rules' groups, as the module gathers them for the login memo), the walk
 * asks NSS for none of it again: shown by answers that differ from NSS's
 * (there carol is in spare's member list only, and ops has gid 2002).
 */
static void test_resolve_known_groups(void **state)
{
    struct pp_resolution res;
    const struct pp_mapping *m = parse_or_die(
        "groups = ( { name = \"ops\"; entry = \"svc-ops\"; },\n"
        "           { name = \"spare\"; entry = \"svc-spare\"; } );\n"
        "default = \"svc-default\";\n");
    static const gid_t in_ops[] = { 2002 };
    struct pp_rule_group told[2] = {
        { "ops", true, 2002, false },
        { "spare", true, 2004, false },
    };
    struct pp_walk_nss nss = { in_ops, 1, told, 1 };

    (void)state;
    cap_reset();
    /* carol in ops by the group list given: its first rule */
    assert_int_equal(pp_mapping_resolve_known(m, "carol", 1, 1003, 1003, &nss, &res, &tlog, NULL,
                                              NULL), 0);
    assert_int_equal(res.match, PP_MATCH_GROUP);
    assert_string_equal(res.entry, "svc-ops");
    /* no group list, ops unknown and spare not listing her: the default */
    told[0].found = false;
    nss.ngids = 0;
    nss.ngroups = 2;
    assert_int_equal(pp_mapping_resolve_known(m, "carol", 1, 1003, 1003, &nss, &res, &tlog, NULL,
                                              NULL), 0);
    assert_int_equal(res.match, PP_MATCH_DEFAULT);
    /* answers for other groups than the rules' are not used: NSS is asked */
    snprintf(told[1].name, sizeof(told[1].name), "batch");
    assert_int_equal(pp_mapping_resolve_known(m, "carol", 1, 1003, 1003, &nss, &res, &tlog, NULL,
                                              NULL), 0);
    assert_int_equal(res.match, PP_MATCH_GROUP);
    assert_string_equal(res.entry, "svc-spare");
    expect_no_lines();
}

static void test_primary_and_supplementary(void **state)
{
    static const char *const alice[] = {
        "user|alice||-|no rule for user alice",
        "group|batch|e-batch|-|alice is not in group batch",
        "group|alice|e-alice|match|alice is in group alice (primary): entry e-alice", NULL,
    };
    static const char *const bob[] = {
        "user|bob||-|no rule for user bob",
        "group|batch|e-batch|match|bob is in group batch (primary): entry e-batch", NULL,
    };
    static const char *const carol[] = {
        "user|carol||-|no rule for user carol",
        "group|batch|e-batch|-|carol is not in group batch",
        "group|alice|e-alice|-|carol is not in group alice",
        "group|spare|e-spare|match|carol is in group spare (supplementary): entry e-spare", NULL,
    };
    const struct pp_mapping *m = parse_or_die(
        "groups = ( { name = \"batch\"; entry = \"e-batch\"; },\n"
        "           { name = \"alice\"; entry = \"e-alice\"; },\n"
        "           { name = \"spare\"; entry = \"e-spare\"; } );\n");

    (void)state;
    expect_resolve(m, "alice", PP_MATCH_GROUP, "e-alice", "alice", alice);
    expect_resolve(m, "bob", PP_MATCH_GROUP, "e-batch", "batch", bob);
    expect_resolve(m, "carol", PP_MATCH_GROUP, "e-spare", "spare", carol);
}

static void test_default_and_none(void **state)
{
    static const char *const carol_default[] = {
        "user|carol||-|no rule for user carol",
        "group|devs|svc-devs|-|carol is not in group devs",
        "default||svc-default|match|default: entry svc-default", NULL,
    };
    static const char *const carol_none[] = {
        "user|carol||-|no rule for user carol",
        "group|devs|svc-devs|-|carol is not in group devs",
        "default|||-|no default", NULL,
    };
    static const char *const empty[] = {
        "user|carol||-|no rule for user carol",
        "group|||-|no group rules",
        "default|||-|no default", NULL,
    };
    const struct pp_mapping *m;

    (void)state;
    m = parse_or_die("groups = ( { name = \"devs\"; entry = \"svc-devs\"; } );\n"
                     "default = \"svc-default\";\n");
    expect_resolve(m, "carol", PP_MATCH_DEFAULT, "svc-default", "", carol_default);
    m = parse_or_die("groups = ( { name = \"devs\"; entry = \"svc-devs\"; } );\n");
    expect_resolve(m, "carol", PP_MATCH_NONE, "", "", carol_none);
    m = parse_or_die("");
    expect_resolve(m, "carol", PP_MATCH_NONE, "", "", empty);
}

/* Root and system accounts: their own rule only, unless the limit is 0. */
static void test_system_accounts(void **state)
{
    static const char *const root_limited[] = {
        "user|root||-|no rule for user root",
        "group|||-|uid 0 is below UID_MIN 1000 (root or a system account): group rules and "
        "the default do not apply (broad_rules_for_system_accounts = false)", NULL,
    };
    static const char *const root_broad[] = {
        "user|root||-|no rule for user root",
        "group|root|svc-root-group|match|root is in group root (primary): entry svc-root-group",
        NULL,
    };
    static const char *const root_own[] = {
        "user|root|svc-root|match|rule for user root: entry svc-root", NULL,
    };
    static const char *const alice_default[] = {
        "user|alice||-|no rule for user alice", "group|||-|no group rules",
        "default||svc-default|match|default: entry svc-default", NULL,
    };
    struct pp_mapping *m;

    (void)state;
    m = (struct pp_mapping *)parse_or_die(
        "groups = ( { name = \"root\"; entry = \"svc-root-group\"; } );\n"
        "default = \"svc-default\";\n");
    m->broad_rules_uid_min = 1000;
    expect_resolve(m, "root", PP_MATCH_NONE, "", "", root_limited);
    m->broad_rules_uid_min = 0;
    expect_resolve(m, "root", PP_MATCH_GROUP, "svc-root-group", "root", root_broad);
    m = (struct pp_mapping *)parse_or_die(
        "users = ( { name = \"root\"; entry = \"svc-root\"; } );\n"
        "default = \"svc-default\";\n");
    m->broad_rules_uid_min = 1000;
    expect_resolve(m, "root", PP_MATCH_USER, "svc-root", "", root_own);
    /* alice's uid 1001 is not below it: the default applies. */
    expect_resolve(m, "alice", PP_MATCH_DEFAULT, "svc-default", "", alice_default);
    /* Without any group rule or default, nothing to look up or skip. */
    m = (struct pp_mapping *)parse_or_die("");
    m->broad_rules_uid_min = 1000;
    cap_reset();
    {
        static const char *const empty[] = {
            "user|root||-|no rule for user root", "group|||-|no group rules",
            "default|||-|no default", NULL,
        };
        expect_resolve(m, "root", PP_MATCH_NONE, "", "", empty);
    }
}

/* UID_MIN from a login.defs file: the last valid line, else 1000. */
static void test_login_defs_uid_min(void **state)
{
    static const struct {
        const char *text;
        long want;
    } cases[] = {
        { "UID_MIN\t\t\t 1000\nUID_MAX 60000\n", 1000 },
        { "# UID_MIN 10\nUID_MIN 500\n", 500 },
        { "  UID_MIN 2000  \nSYS_UID_MIN 100\n", 2000 },
        { "UID_MINIMUM 5\nUID_MIN_X 7\n", PP_UID_MIN_DEFAULT },
        { "UID_MIN lots\nUID_MIN -3\nUID_MIN 12x\n", PP_UID_MIN_DEFAULT },
        { "UID_MIN 300\nUID_MIN 400\n", 400 },
        { "", PP_UID_MIN_DEFAULT },
    };
    char path[] = "/tmp/pp-login.defs.XXXXXX";
    int fd;

    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(cases[i].text, f);
        fclose(f);
        if (pp_login_defs_uid_min(path, NULL, 0) != cases[i].want)
            fail_msg("case %zu: got %ld, want %ld", i, pp_login_defs_uid_min(path, NULL, 0),
                     cases[i].want);
    }
    unlink(path);
    assert_int_equal(pp_login_defs_uid_min(path, NULL, 0), PP_UID_MIN_DEFAULT);
}

/*
 * The identity of the login.defs read, which a warm login compares instead
 * of reading it: none while the file has not settled, the same from the
 * read and from stat once it has, another after any change, "-" for none.
 */
static void test_login_defs_id(void **state)
{
    char path[] = "/tmp/pp-login.defs.XXXXXX", id[PP_FILE_ID_SIZE], now[PP_FILE_ID_SIZE];
    struct timespec settle = { 0, PP_FILE_ID_SETTLE_NS + 20 * 1000 * 1000L };
    FILE *f;
    int fd;

    (void)state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "UID_MIN 1500\n", 13), 13);
    close(fd);
    assert_int_equal(pp_login_defs_uid_min(path, id, sizeof(id)), 1500);
    assert_string_equal(id, "");            /* just written: not settled */
    nanosleep(&settle, NULL);
    assert_int_equal(pp_login_defs_uid_min(path, id, sizeof(id)), 1500);
    assert_true(id[0] != '\0' && strcmp(id, "-") != 0);
    pp_login_defs_id(path, now, sizeof(now));
    assert_string_equal(now, id);
    /* The same size, in place: another identity (the change time moved). */
    f = fopen(path, "r+");
    assert_non_null(f);
    fputs("UID_MIN 1600\n", f);
    fclose(f);
    nanosleep(&settle, NULL);
    pp_login_defs_id(path, now, sizeof(now));
    assert_true(now[0] != '\0' && strcmp(now, id) != 0);
    assert_int_equal(pp_login_defs_uid_min(path, id, sizeof(id)), 1600);
    assert_string_equal(id, now);
    unlink(path);
    assert_int_equal(pp_login_defs_uid_min(path, id, sizeof(id)), PP_UID_MIN_DEFAULT);
    assert_string_equal(id, "-");
    pp_login_defs_id(path, now, sizeof(now));
    assert_string_equal(now, "-");
}

static void test_unknown_group_skipped(void **state)
{
    static const char *const alice[] = {
        "user|alice||-|no rule for user alice",
        "group|no-such-group|e-x|-|no such group no-such-group: rule skipped",
        "group|devs|svc-devs|match|alice is in group devs (supplementary): entry svc-devs", NULL,
    };
    static const char *const bob[] = {
        "user|bob||-|no rule for user bob",
        "group|no-such-group|e-x|-|no such group no-such-group: rule skipped",
        "group|devs|svc-devs|-|bob is not in group devs",
        "default||svc-default|match|default: entry svc-default", NULL,
    };
    const struct pp_mapping *m = parse_or_die(
        "groups = ( { name = \"no-such-group\"; entry = \"e-x\"; },\n"
        "           { name = \"devs\"; entry = \"svc-devs\"; } );\n"
        "default = \"svc-default\";\n");

    (void)state;
    expect_resolve(m, "alice", PP_MATCH_GROUP, "svc-devs", "devs", alice);
    expect_resolve(m, "bob", PP_MATCH_DEFAULT, "svc-default", "", bob);
}

/* ghost is listed in devs, but NSS does not know the user: default only. */
static void test_unknown_user(void **state)
{
    static const char *const ghost[] = {
        "user|ghost||-|no rule for user ghost",
        "group|devs|svc-devs|-|ghost is not known to NSS, so not in group devs",
        "default||svc-default|match|default: entry svc-default", NULL,
    };
    static const char *const dave_user[] = {
        "user|dave|dave-key|match|rule for user dave: entry dave-key", NULL,
    };
    static const char *const ghost_none[] = {
        "user|ghost||-|no rule for user ghost",
        "group|devs|svc-devs|-|ghost is not known to NSS, so not in group devs",
        "default|||-|no default", NULL,
    };
    const struct pp_mapping *m;

    (void)state;
    assert_null(getpwnam("ghost"));
    assert_null(getpwnam("dave"));
    m = parse_or_die("users = ( { name = \"dave\"; entry = \"dave-key\"; } );\n"
                     "groups = ( { name = \"devs\"; entry = \"svc-devs\"; } );\n"
                     "default = \"svc-default\";\n");
    expect_resolve(m, "ghost", PP_MATCH_DEFAULT, "svc-default", "", ghost);
    expect_resolve(m, "dave", PP_MATCH_USER, "dave-key", "", dave_user);
    m = parse_or_die("groups = ( { name = \"devs\"; entry = \"svc-devs\"; } );\n");
    expect_resolve(m, "ghost", PP_MATCH_NONE, "", "", ghost_none);
}

/*
 * A rule naming an entry that does not exist still decides: resolution does
 * not look at the store, and never falls through to a broader rule.
 */
static void test_missing_entry_still_decides(void **state)
{
    static const char *const alice[] = {
        "user|alice|not-in-store|match|rule for user alice: entry not-in-store", NULL,
    };
    static const char *const bob[] = {
        "user|bob||-|no rule for user bob",
        "group|batch|gone|match|bob is in group batch (primary): entry gone", NULL,
    };
    const struct pp_mapping *m = parse_or_die(
        "users = ( { name = \"alice\"; entry = \"not-in-store\"; } );\n"
        "groups = ( { name = \"batch\"; entry = \"gone\"; },\n"
        "           { name = \"alice\"; entry = \"svc-other\"; } );\n"
        "default = \"svc-default\";\n");

    (void)state;
    expect_resolve(m, "alice", PP_MATCH_USER, "not-in-store", "", alice);
    expect_resolve(m, "bob", PP_MATCH_GROUP, "gone", "batch", bob);
}

static void test_invalid_user_names(void **state)
{
    static const struct {
        const char *user;
        const char *line;
    } cases[] = {
        { "a/b", "invalid user name 'a/b'" },
        { "..", "invalid user name '..'" },
        { ".", "invalid user name '.'" },
        { "", "invalid user name ''" },
        { "with space", "invalid user name 'with space'" },
        { "root:x", "invalid user name 'root:x'" },
        { "evil\nuser=root", "invalid user name 'evil\\x0auser=root'" },
        { "caf\xc3\xa9", "invalid user name 'caf\\xc3\\xa9'" },
    };
    const struct pp_mapping *m = parse_or_die("default = \"svc-default\";\n");
    struct pp_resolution res;
    struct trace t;
    char long_user[PP_ACCOUNT_NAME_MAX + 2];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&t, 0, sizeof(t));
        cap_reset();
        res.match = PP_MATCH_DEFAULT;
        assert_int_equal(pp_mapping_resolve(m, cases[i].user, &res, &tlog, record, &t), -1);
        expect_line(LOG_ERR, cases[i].line);
        assert_int_equal(res.match, PP_MATCH_NONE);
        assert_string_equal(res.entry, "");
        assert_int_equal(t.n, 0);
    }
    memset(long_user, 'u', sizeof(long_user) - 1);
    long_user[sizeof(long_user) - 1] = '\0';
    cap_reset();
    assert_int_equal(pp_mapping_resolve(m, long_user, &res, &tlog, NULL, NULL), -1);
    assert_int_equal(cap.n, 1);
    cap_reset();
    assert_int_equal(pp_mapping_resolve(m, NULL, &res, &tlog, NULL, NULL), -1);
    assert_int_equal(cap.n, 1);
    /* the longest valid name resolves */
    long_user[PP_ACCOUNT_NAME_MAX] = '\0';
    cap_reset();
    assert_int_equal(pp_mapping_resolve(m, long_user, &res, &tlog, NULL, NULL), 0);
    assert_int_equal(res.match, PP_MATCH_DEFAULT);
}

/*
 * NSS failures (the test NSS source, see tests/lib/nss_pptest.c): while
 * the file $PPTEST_NSS_DOWN names a database, that database's calls fail
 * the way a directory that went away makes them fail.
 */
static void nss_down(const char *what)
{
    const char *path = getenv("PPTEST_NSS_DOWN");
    FILE *f;

    if (path == NULL)
        fail_msg("PPTEST_NSS_DOWN is not set: run through test_mapping.test");
    if (what == NULL) {
        unlink(path);
        return;
    }
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(what, f);
    assert_int_equal(fclose(f), 0);
}

/* Resolve user while NSS fails: -1, nothing chosen, and this one error line. */
static void expect_nss_failure(const struct pp_mapping *m, const char *user, const char *line)
{
    struct pp_resolution res;

    cap_reset();
    res.match = PP_MATCH_DEFAULT;
    assert_int_equal(pp_mapping_resolve(m, user, &res, &tlog, NULL, NULL), -1);
    expect_line(LOG_ERR, line);
    assert_int_equal(res.match, PP_MATCH_NONE);
    assert_string_equal(res.entry, "");
}

/*
 * An NSS source that cannot answer (ENOENT or EPERM, which glibc passes on
 * only for a source that failed) never lets a broader rule decide: the
 * user gets nothing, and the log says NSS could not answer.
 */
static void test_nss_failure_no_fallthrough(void **state)
{
    static const char *const dave_user[] = {
        "user|dave|dave-key|match|rule for user dave: entry dave-key", NULL,
    };
    static const char *const alice_default[] = {
        "user|alice||-|no rule for user alice",
        "group|||-|no group rules",
        "default||svc-default|match|default: entry svc-default", NULL,
    };
    const struct pp_mapping *m = parse_or_die(
        "users = ( { name = \"dave\"; entry = \"dave-key\"; } );\n"
        "groups = ( { name = \"devs\"; entry = \"svc-devs\"; } );\n"
        "default = \"svc-default\";\n");

    (void)state;
    nss_down("group");
    expect_nss_failure(m, "alice", "NSS could not answer for group devs (No such file or "
                       "directory): no key rather than a broader rule's");
    nss_down("group EPERM");
    expect_nss_failure(m, "alice", "NSS could not answer for group devs (Operation not "
                       "permitted): no key rather than a broader rule's");
    nss_down("passwd");
    expect_nss_failure(m, "alice", "NSS could not answer for user alice (No such file or "
                       "directory): no key from the mapping's group or default rules");
    /* a user rule, and a mapping without group rules, need no NSS */
    nss_down("all");
    expect_resolve(m, "dave", PP_MATCH_USER, "dave-key", "", dave_user);
    m = parse_or_die("default = \"svc-default\";\n");
    expect_resolve(m, "alice", PP_MATCH_DEFAULT, "svc-default", "", alice_default);
    nss_down(NULL);
}

/*
 * getgrouplist cannot say that a source failed: with initgroups failing,
 * alice is still found in devs through the group's member list, rather
 * than falling through to the default.
 */
static void test_nss_grouplist_failure(void **state)
{
    static const char *const alice[] = {
        "user|alice||-|no rule for user alice",
        "group|devs|svc-devs|match|alice is in group devs (supplementary): entry svc-devs", NULL,
    };
    const struct pp_mapping *m = parse_or_die(
        "groups = ( { name = \"devs\"; entry = \"svc-devs\"; } );\n"
        "default = \"svc-default\";\n");

    (void)state;
    nss_down("initgroups");
    expect_resolve(m, "alice", PP_MATCH_GROUP, "svc-devs", "devs", alice);
    nss_down(NULL);
}

/* ---- loading from a real store (root) ---- */

struct fixture {
    char *root;
    char *store;
    char *path;
    struct pp_config cfg;
};

static int setup_store(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->root = pp_test_mkroot();
    f->store = pp_test_fmt("%s/store", f->root);
    f->path = pp_test_fmt("%s/mapping", f->store);
    if (pp_test_mkdir(f->store, 0700) != 0)
        return -1;
    f->cfg.store = f->store;
    *state = f;
    return 0;
}

static int teardown_store(void **state)
{
    struct fixture *f = *state;

    pp_test_rmtree(f->root);
    free(f->root);
    free(f->store);
    free(f->path);
    free(f);
    return 0;
}

static void test_load_missing_is_empty(void **state)
{
    struct fixture *f = *state;
    struct pp_mapping m;
    char *gone = pp_test_fmt("%s/gone", f->root);

    cap_reset();
    m.nusers = 5;
    assert_int_equal(pp_mapping_load(&f->cfg, &m, &tlog), 0);
    expect_no_lines();
    assert_int_equal(m.nusers, 0);
    assert_int_equal(m.ngroups, 0);
    assert_null(m.default_entry);
    /* no store at all: nothing is mapped either */
    f->cfg.store = gone;
    assert_int_equal(pp_mapping_load(&f->cfg, &m, &tlog), 0);
    expect_no_lines();
    assert_int_equal(m.nusers, 0);
    f->cfg.store = f->store;
    free(gone);
}

static void test_load_good(void **state)
{
    struct fixture *f = *state;
    struct pp_mapping m, want;

    assert_int_equal(pp_test_write(f->path, full_text, 0600, 0, 0), 0);
    cap_reset();
    assert_int_equal(pp_mapping_load(&f->cfg, &m, &tlog), 0);
    expect_no_lines();
    assert_int_equal(pp_mapping_parse(full_text, M, &want, &tlog), 0);
    assert_mappings_equal(&m, &want);
    pp_mapping_free(&m);
    pp_mapping_free(&want);
}

static void expect_load_refused(struct fixture *f, const char *prefix, const char *word)
{
    struct pp_mapping m;

    cap_reset();
    m.nusers = 5;
    assert_int_equal(pp_mapping_load(&f->cfg, &m, &tlog), -1);
    assert_int_equal(m.nusers, 0);
    assert_null(m.users);
    assert_int_equal(cap.n, 1);
    assert_int_equal(cap.prio[0], LOG_ERR);
    if (strncmp(cap.line[0], prefix, strlen(prefix)) != 0 || strstr(cap.line[0], word) == NULL)
        fail_msg("log line \"%s\" does not start with \"%s\" and contain \"%s\"", cap.line[0],
                 prefix, word);
}

static void test_load_refused(void **state)
{
    struct fixture *f = *state;
    char *file_prefix = pp_test_fmt("%s: ", f->path);
    char *dir_prefix = pp_test_fmt("%s: ", f->store);
    char *bad_line = pp_test_fmt("%s:2: groups[0]: invalid group name 'a/b'", f->path);
    char *other = pp_test_fmt("%s/elsewhere", f->root);

    assert_int_equal(pp_test_write(f->path, full_text, 0644, 0, 0), 0);
    expect_load_refused(f, file_prefix, "readable by group or others");
    assert_int_equal(pp_test_write(f->path, full_text, 0620, 0, 0), 0);
    expect_load_refused(f, file_prefix, "writable");
    assert_int_equal(pp_test_write(f->path, full_text, 0600, 12345, 0), 0);
    expect_load_refused(f, file_prefix, "uid 12345");
    assert_int_equal(pp_test_write(f->path, "", 0600, 0, 0), 0);
    expect_load_refused(f, file_prefix, "empty");
    /* a symlink to a good mapping */
    assert_int_equal(pp_test_write(other, full_text, 0600, 0, 0), 0);
    assert_int_equal(unlink(f->path), 0);
    assert_int_equal(symlink(other, f->path), 0);
    expect_load_refused(f, file_prefix, "symbolic link");
    assert_int_equal(unlink(f->path), 0);
    /* the store must be private */
    assert_int_equal(pp_test_write(f->path, full_text, 0600, 0, 0), 0);
    assert_int_equal(chmod(f->store, 0755), 0);
    expect_load_refused(f, dir_prefix, "readable or searchable");
    assert_int_equal(chmod(f->store, 0700), 0);
    /* bad content: the real path and line */
    assert_int_equal(pp_test_write(f->path, "users = ();\ngroups = ( { name = \"a/b\"; "
                                   "entry = \"e\"; } );\n", 0600, 0, 0), 0);
    cap_reset();
    {
        struct pp_mapping m;

        assert_int_equal(pp_mapping_load(&f->cfg, &m, &tlog), -1);
        expect_line(LOG_ERR, bad_line);
    }
    free(file_prefix);
    free(dir_prefix);
    free(bad_line);
    free(other);
}

static int free_parsed(void **state)
{
    (void)state;
    pp_mapping_free(&parsed);
    return 0;
}

static void test_uses_and_unset_entry(void **state)
{
    struct pp_mapping m;
    char text[200];

    (void)state;
    cap_reset();
    assert_int_equal(pp_mapping_parse("users = ( { name = \"a\"; entry = \"e\"; },\n"
                                      "          { name = \"b\"; entry = \"f\"; },\n"
                                      "          { name = \"c\"; entry = \"e\"; } );\n"
                                      "groups = ( { name = \"g\"; entry = \"e\"; } );\n"
                                      "default = \"e\";\n", M, &m, &tlog), 0);
    pp_mapping_uses_text(&m, "e", text, sizeof(text));
    assert_string_equal(text, "user a, user c, group g, default");
    pp_mapping_uses_text(&m, "nothing", text, sizeof(text));
    assert_string_equal(text, "");
    assert_int_equal(pp_mapping_unset_entry(&m, "e"), 4);
    assert_false(pp_mapping_uses(&m, "e"));
    assert_true(pp_mapping_uses(&m, "f"));
    assert_int_equal(m.nusers, 1);
    assert_int_equal(m.ngroups, 0);
    assert_null(m.default_entry);
    assert_int_equal(pp_mapping_unset_entry(&m, "e"), 0);
    pp_mapping_free(&m);
}

/* One name per rule kind, read back by pp_match_parse; nothing else parses. */
static void test_match_names(void **state)
{
    static const enum pp_match kinds[] = { PP_MATCH_USER, PP_MATCH_GROUP, PP_MATCH_DEFAULT };
    static const char *const refused[] = { "none", "users", "Group", "", "default ", NULL };
    enum pp_match m;

    (void)state;
    assert_string_equal(pp_match_name(PP_MATCH_NONE), "none");
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        m = PP_MATCH_NONE;
        assert_true(pp_match_parse(pp_match_name(kinds[i]), &m));
        assert_int_equal(m, kinds[i]);
    }
    assert_string_equal(pp_match_name(PP_MATCH_USER), "user");
    assert_string_equal(pp_match_name(PP_MATCH_GROUP), "group");
    assert_string_equal(pp_match_name(PP_MATCH_DEFAULT), "default");
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        m = PP_MATCH_GROUP;
        assert_false(pp_match_parse(refused[i], &m));
        assert_int_equal(m, PP_MATCH_GROUP);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_names),
        cmocka_unit_test(test_uses_and_unset_entry),
        cmocka_unit_test(test_parse_full),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_odd_names_round_trip),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_unknown_settings),
        cmocka_unit_test(test_format_refuses),
        cmocka_unit_test(test_set_unset_uses),
        cmocka_unit_test(test_user_rule_wins),
        cmocka_unit_test(test_mapping_order_wins),
        cmocka_unit_test(test_primary_and_supplementary),
        cmocka_unit_test(test_default_and_none),
        cmocka_unit_test(test_system_accounts),
        cmocka_unit_test(test_login_defs_uid_min),
        cmocka_unit_test(test_login_defs_id),
        cmocka_unit_test(test_unknown_group_skipped),
        cmocka_unit_test(test_unknown_user),
        cmocka_unit_test(test_missing_entry_still_decides),
        cmocka_unit_test(test_invalid_user_names),
        cmocka_unit_test(test_resolve_known_user),
        cmocka_unit_test(test_resolve_known_groups),
        cmocka_unit_test(test_nss_failure_no_fallthrough),
        cmocka_unit_test(test_nss_grouplist_failure),
        cmocka_unit_test_setup_teardown(test_load_missing_is_empty, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_load_good, setup_store, teardown_store),
        cmocka_unit_test_setup_teardown(test_load_refused, setup_store, teardown_store),
    };
    struct passwd *pw;

    pp_test_require_root();
    /* The resolution tests need nss_wrapper's users (test_mapping.test). */
    pw = getpwnam("alice");
    if (pw == NULL || pw->pw_uid != 1001) {
        fprintf(stderr, "nss_wrapper's test users are not there: run this through "
                "tests/unit/test_mapping.test\n");
        return 99;
    }
    return cmocka_run_group_tests(tests, NULL, free_parsed);
}

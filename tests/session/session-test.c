/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * session-test.c: the PAM module through the real libpam (libpamtest, with
 * pam_start reading the test's services: tests/lib/pamconfdir.c), with fake
 * users and groups (nss_wrapper).
 *
 * Run by session.test, which makes the safe test root, the PAM services
 * (each naming the built module by absolute path with
 * config=$PP_TESTROOT/etc/pam_prefect.conf), the passwd and group files,
 * and captures syslog into $PP_TEST_LOG. Each test writes its own
 * configuration, has prefect-keys build its store (fixture.h; only the
 * bad-input tests then damage it by hand), runs PAM calls, and asserts the
 * return codes, the exported environment (PAMTEST_GETENVLIST), the
 * conversation messages and the exact syslog lines of that run. Cases
 * that differ only by data are rows of one table driving one loop (each
 * row from the base store, its index printed first, so that a failure
 * names it).
 *
 * Services (see session.test):
 *   pp-alone     auth + session: the module alone, so the application sees
 *                its own result (PAM_IGNORE alone in a stack reads as
 *                PAM_PERM_DENIED)
 *   pp-stack     session: the module, then pam_permit (a real login stack:
 *                a module that does nothing leaves the session unharmed)
 *   pp-other     like pp-alone, under another name (services scope)
 *   pp-alt       like pp-alone with config=$PP_TESTROOT/etc/alt.conf
 *   pp-args      like pp-alone with on_failure=deny expiry_warn_days=30 as
 *                arguments (they override the file)
 *   pp-debug     like pp-alone with the debug argument
 *   pp-acct      account and session: the module, then pam_permit
 *   pp-acct-debug  like pp-acct with the debug argument
 *
 * "session-test --list-keys" prints the test keys, one a line, so that
 * session.test can check that none reached a log or any output.
 */
#include <config.h>

#include <dirent.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpamtest.h>
#include <security/pam_appl.h>

#include "fixture.h"
#include "keymark.h"
#include "log.h"
#include "secret.h"
#include "testroot.h"

/* ---- the test data ---- */

#define KEY_ALICE   "pnu_Zq8alice4Lw2Xr7Tb9Mv1Kc6Hd3Jf5Ng0Ps"
#define KEY_BATCH   "pnb_Yk3batch8Qe1Wu6Ra4Sm9Dn2Fo7Gp5Hz0Lx"
#define KEY_FIRST   "pnu_Xj5first2Vc8Bn4Mq1Lw7Kt3Hy9Gr6Fd0Sa"
#define KEY_SECOND  "pnu_Wh7second9Za3Xs5Cd1Vf8Bg4Nh6Mj2Kl0P"
#define KEY_DEFAULT "pnb_Vg2deflt6Qw9Ea1Rd5Tf3Yg8Uh4Ij7Ok0Pl"
#define KEY_ALT     "pnu_Uf4altkey1Pl6Ok8Ij2Uh5Yg9Tf3Rd7Es0Wa"
#define KEY_SYS     "pnu_Te6syskey3Mn7Bv1Cx9Za5Sd2Fg8Hj4Kl0Qw"

static const char *const test_keys[] = {
    KEY_ALICE, KEY_BATCH, KEY_FIRST, KEY_SECOND, KEY_DEFAULT, KEY_ALT, KEY_SYS, NULL,
};

#define ACCOUNT     "0f5b8a7e-2c41-4d8e-9a63-1b2c3d4e5f60"
#define WS_ALICE    "11111111-aaaa-4bbb-8ccc-000000000001"
#define WS_BATCH    "22222222-aaaa-4bbb-8ccc-000000000002"
#define WS_FIRST    "33333333-aaaa-4bbb-8ccc-000000000003"
#define WS_SECOND   "44444444-aaaa-4bbb-8ccc-000000000004"
#define WS_DEFAULT  "55555555-aaaa-4bbb-8ccc-000000000005"

#define API_URL     "https://prefect.test/api"
#define ALT_API_URL "https://alt.prefect.test/api"

static struct fx fx;
static time_t now;

/* ---- running PAM ---- */

#define MAXMSG 16
#define MAXOPS 8

struct op {
    enum pamtest_ops op;
    int flags;
    int expected;
};

struct run {
    int rc[MAXOPS];
    char **env;
    char info[MAXMSG][PAM_MAX_MSG_SIZE + 1];
    char err[MAXMSG][PAM_MAX_MSG_SIZE + 1];
    int ninfo, nerr;
    char *log;          /* the syslog lines of this run */
};

static long log_size(void)
{
    struct stat st;
    const char *path = getenv("PP_TEST_LOG");

    if (path == NULL || stat(path, &st) != 0)
        return 0;
    return (long)st.st_size;
}

/* The syslog text written since mark. */
static char *log_since(long mark)
{
    const char *path = getenv("PP_TEST_LOG");
    char *all = path != NULL ? pp_test_slurp(path) : NULL;
    char *part;

    if (all == NULL)
        return strdup("");
    part = strdup((long)strlen(all) >= mark ? all + mark : "");
    free(all);
    return part;
}

static const char *op_name(enum pamtest_ops op)
{
    switch (op) {
    case PAMTEST_AUTHENTICATE:
        return "authenticate";
    case PAMTEST_SETCRED:
        return "setcred";
    case PAMTEST_OPEN_SESSION:
        return "open_session";
    case PAMTEST_CLOSE_SESSION:
        return "close_session";
    case PAMTEST_ACCOUNT:
        return "account";
    default:
        return "other";
    }
}

static void count_messages(struct run *r)
{
    r->ninfo = r->nerr = 0;
    for (int i = 0; i < MAXMSG; i++) {
        if (r->info[i][0] != '\0')
            r->ninfo++;
        if (r->err[i][0] != '\0')
            r->nerr++;
    }
}

/*
 * Run ops (then PAMTEST_GETENVLIST) in one PAM handle. conv_fn NULL: the
 * libpamtest conversation that records messages (no_conv: a conversation
 * without a function).
 */
static void run_pam_conv(const char *service, const char *user, const struct op *ops,
                         size_t nops, struct run *r, pam_conv_fn conv_fn, bool no_conv)
{
    struct pam_testcase cases[MAXOPS + 1];
    char *info_ptr[MAXMSG + 1], *err_ptr[MAXMSG + 1];
    struct pamtest_conv_data conv;
    enum pamtest_err perr;
    long mark = log_size();

    assert_true(nops <= MAXOPS);
    memset(r, 0, sizeof(*r));
    memset(cases, 0, sizeof(cases));
    for (size_t i = 0; i < nops; i++) {
        cases[i].pam_operation = ops[i].op;
        cases[i].flags = ops[i].flags;
        cases[i].expected_rv = ops[i].expected;
    }
    cases[nops].pam_operation = PAMTEST_GETENVLIST;
    cases[nops].expected_rv = PAM_SUCCESS;
    for (int i = 0; i < MAXMSG; i++) {
        info_ptr[i] = r->info[i];
        err_ptr[i] = r->err[i];
    }
    info_ptr[MAXMSG] = err_ptr[MAXMSG] = NULL;
    memset(&conv, 0, sizeof(conv));
    conv.out_info = info_ptr;
    conv.out_err = err_ptr;

    if (no_conv || conv_fn != NULL)
        perr = _pamtest_conv(service, user, conv_fn, NULL, cases, nops + 1, NULL);
    else
        perr = _pamtest(service, user, &conv, cases, nops + 1, NULL);
    for (size_t i = 0; i < nops; i++)
        r->rc[i] = cases[i].op_rv;
    r->log = log_since(mark);
    count_messages(r);
    if (perr == PAMTEST_ERR_CASE) {
        const struct pam_testcase *bad = _pamtest_failed_case(cases, nops + 1);

        fail_msg("%s as %s: %s returned %d, expected %d; log:\n%s", service, user,
                 op_name(bad->pam_operation), bad->op_rv, bad->expected_rv, r->log);
    }
    if (perr != PAMTEST_ERR_OK)
        fail_msg("%s as %s: libpamtest: %s", service, user, pamtest_strerror(perr));
    r->env = cases[nops].case_out.envlist;
}

static void run_pam(const char *service, const char *user, const struct op *ops, size_t nops,
                    struct run *r)
{
    run_pam_conv(service, user, ops, nops, r, NULL, false);
}

static void run_free(struct run *r)
{
    if (r->env != NULL) {
        for (char **e = r->env; *e != NULL; e++)
            pp_wipe(*e, strlen(*e));
        pamtest_free_env(r->env);
    }
    free(r->log);
    memset(r, 0, sizeof(*r));
}

/*
 * Open a session (flags) on service as user, expecting rc; close it when it
 * opened (as login programs do: libpam answers a close_session after a
 * failed open with the open's cached result).
 */
static void open_session(const char *service, const char *user, int flags, int rc,
                         struct run *r)
{
    const struct op ops[] = {
        { PAMTEST_OPEN_SESSION, flags, rc },
        { PAMTEST_CLOSE_SESSION, 0, PAM_SUCCESS },
    };

    run_pam(service, user, ops, rc == PAM_SUCCESS ? 2 : 1, r);
}

/* ---- assertions ---- */

static size_t env_count(char **env)
{
    size_t n = 0;

    for (; env != NULL && env[n] != NULL; n++)
        ;
    return n;
}

/* The environment is exactly the two variables and the key's mark (keymark.h). */
static void assert_exported(const struct run *r, const char *key, const char *api_url,
                            const char *workspace)
{
    char *url = pp_test_fmt("PREFECT_API_URL=%s/accounts/%s/workspaces/%s", api_url, ACCOUNT,
                            workspace);
    char *kv = pp_test_fmt("PREFECT_API_KEY=%s", key);
    char fp[PP_FP_SIZE];
    char *mark;
    bool have_url = false, have_key = false, have_mark = false;

    assert_int_equal(pp_fingerprint(key, fp), 0);
    mark = pp_test_fmt("%s=%s", PP_KEYMARK_VAR, fp);
    assert_non_null(r->env);
    assert_int_equal(env_count(r->env), 3);
    for (char **e = r->env; *e != NULL; e++) {
        if (strcmp(*e, url) == 0)
            have_url = true;
        else if (strcmp(*e, kv) == 0)
            have_key = true;
        else if (strcmp(*e, mark) == 0)
            have_mark = true;
    }
    if (!have_url)
        fail_msg("PREFECT_API_URL is not %s", url);
    if (!have_mark)
        fail_msg("%s is not the key's fingerprint %s", PP_KEYMARK_VAR, fp);
    free(mark);
    /* Never print the key: only say which entry's key was expected. */
    if (!have_key)
        fail_msg("PREFECT_API_KEY is not the expected key");
    pp_wipe(kv, strlen(kv));
    free(kv);
    free(url);
}

static void assert_nothing_exported(const struct run *r)
{
    if (env_count(r->env) != 0)
        fail_msg("expected an empty PAM environment, got %zu variables", env_count(r->env));
}

/* '*' matches any run of characters; everything else is literal. */
static bool glob_match(const char *pat, const char *s)
{
    for (; *pat != '\0'; pat++, s++) {
        if (*pat == '*') {
            for (const char *t = s;; t++) {
                if (glob_match(pat + 1, t))
                    return true;
                if (*t == '\0')
                    return false;
            }
        }
        if (*s != *pat)
            return false;
    }
    return *s == '\0';
}

/* The log of the run is exactly these lines (patterns with '*'), in order. */
static void assert_log(const struct run *r, const char *const *expected)
{
    char *copy = strdup(r->log);
    char *save = NULL, *line;
    size_t i = 0;

    assert_non_null(copy);
    for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        if (expected[i] == NULL)
            fail_msg("unexpected log line: %s\nwhole log:\n%s", line, r->log);
        if (!glob_match(expected[i], line))
            fail_msg("log line %zu:\n  got:      %s\n  expected: %s\nwhole log:\n%s", i + 1,
                     line, expected[i], r->log);
        i++;
    }
    if (expected[i] != NULL)
        fail_msg("missing log line: %s\nwhole log:\n%s", expected[i], r->log);
    free(copy);
}

#define ASSERT_LOG(r, ...)                                              \
    do {                                                                \
        const char *const expected_[] = { __VA_ARGS__, NULL };          \
        assert_log((r), expected_);                                     \
    } while (0)

static void assert_no_log(const struct run *r)
{
    if (r->log[0] != '\0')
        fail_msg("expected no log line, got:\n%s", r->log);
}

/* Some line of the run's log matches pattern. */
static void assert_log_has(const struct run *r, const char *pattern)
{
    char *copy = strdup(r->log);
    char *save = NULL;

    for (char *l = strtok_r(copy, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        if (glob_match(pattern, l)) {
            free(copy);
            return;
        }
    }
    fail_msg("no log line matches: %s\nwhole log:\n%s", pattern, r->log);
}

static void assert_messages(const struct run *r, int ninfo, int nerr)
{
    if (r->ninfo != ninfo || r->nerr != nerr)
        fail_msg("expected %d info and %d error messages, got %d and %d (first: \"%s\" / \"%s\")",
                 ninfo, nerr, r->ninfo, r->nerr, r->info[0], r->err[0]);
}

/* The fingerprint the module logs for key. */
static const char *fp_of(const char *key, char out[PP_FP_SIZE])
{
    assert_int_equal(pp_fingerprint(key, out), 0);
    return out;
}

/* "<PRIO> : pam_prefect(SERVICE:CALL): user=USER " */
static char *prefix(int prio, const char *service, const char *call, const char *user)
{
    char safe[300];

    if (user == NULL)
        return pp_test_fmt("<%d> : pam_prefect(%s:%s): ", prio, service, call);
    return pp_test_fmt("<%d> : pam_prefect(%s:%s): user=%s ", prio, service, call,
                       pp_log_safe(user, safe, sizeof(safe)));
}

/* The decision line of an exported key. */
static char *exported_line(const char *service, const char *call, const char *user,
                           const char *entry, const char *key, const char *outcome,
                           const char *reason, const char *rule)
{
    char fp[PP_FP_SIZE];
    char *pre = prefix(LOG_NOTICE, service, call, user);
    char *line = pp_test_fmt("%sservice=%s entry=%s fingerprint=%s outcome=%s reason=%s; "
                             "exported PREFECT_API_KEY and PREFECT_API_URL (%s)",
                             pre, service, entry, fp_of(key, fp), outcome, reason, rule);
    free(pre);
    return line;
}

/* The decision line of a key not exported (fp NULL: "-"). */
static char *refused_line(int prio, const char *service, const char *call, const char *user,
                          const char *entry, const char *key, const char *outcome,
                          const char *reason, bool deny)
{
    char fp[PP_FP_SIZE] = "-";
    char *pre = prefix(prio, service, call, user);
    char *line;

    if (key != NULL)
        fp_of(key, fp);
    line = pp_test_fmt("%sservice=%s entry=%s fingerprint=%s outcome=%s reason=%s; "
                       "no key exported, %s", pre, service, entry != NULL ? entry : "-", fp,
                       outcome, reason,
                       deny ? "session refused (on_failure=deny)"
                            : "session continues without it (on_failure=ignore)");
    free(pre);
    return line;
}

#define UNCHECKED "not checked with Prefect Cloud (validate is off); no recorded expiration"

static const char *date_of(time_t t, char out[16])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
    return out;
}

static const char *stamp_of(time_t t, char out[32])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

/* ---- set-up ---- */

/*
 * The store most tests use, built by prefect-keys, and the default
 * configuration. erin is in g-first and g-second (that order in the group
 * file); the mapping lists g-second first, so she gets second-key.
 */
static void base_store(void)
{
    fx_store_reset(&fx);
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, 0);
    fx_entry(&fx, "svc-batch", KEY_BATCH, ACCOUNT, WS_BATCH, 0);
    fx_entry(&fx, "first-key", KEY_FIRST, ACCOUNT, WS_FIRST, 0);
    fx_entry(&fx, "second-key", KEY_SECOND, ACCOUNT, WS_SECOND, 0);
    fx_entry(&fx, "default-key", KEY_DEFAULT, ACCOUNT, WS_DEFAULT, 0);
    fx_entry(&fx, "sys-key", KEY_SYS, ACCOUNT, WS_DEFAULT, 0);
    fx_map(&fx, "user", "alice", "alice-key");
    fx_map(&fx, "user", "sys", "sys-key");
    fx_map(&fx, "group", "batch", "svc-batch");
    fx_map(&fx, "group", "g-second", "second-key");
    fx_map(&fx, "group", "g-first", "first-key");
}

static int setup(void **state)
{
    (void)state;
    now = time(NULL);
    fx_config(&fx, "api_url = \"" API_URL "\";");
    base_store();
    return 0;
}

/* ---- mapping and export ---- */

/*
 * Who gets which key: each case is the base store (base_store) plus, when
 * it says so, alice's own group mapped to svc-batch and a default rule;
 * then a login of user alone and in a real stack.
 */
static const struct rule_case {
    const char *user;
    bool broad_rules;       /* also: group alice -> svc-batch, default -> default-key */
    const char *entry, *key, *workspace, *rule;
} rule_cases[] = {
    { "alice", false, "alice-key", KEY_ALICE, WS_ALICE, "user rule" },
    /* bob is in batch as a supplementary group, dave as his primary group. */
    { "bob", false, "svc-batch", KEY_BATCH, WS_BATCH, "group rule batch" },
    { "dave", false, "svc-batch", KEY_BATCH, WS_BATCH, "group rule batch" },
    /* erin is in g-first and g-second: the mapping's order decides. */
    { "erin", false, "second-key", KEY_SECOND, WS_SECOND, "group rule g-second" },
    { "carol", true, "default-key", KEY_DEFAULT, WS_DEFAULT, "default entry" },
    /* alice's own group is mapped too, and there is a default: her own rule wins. */
    { "alice", true, "alice-key", KEY_ALICE, WS_ALICE, "user rule" },
};

static void test_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rule_cases) / sizeof(rule_cases[0]); i++) {
        const struct rule_case *c = &rule_cases[i];
        char *l = exported_line("pp-alone", "session", c->user, c->entry, c->key, "unchecked",
                                UNCHECKED, c->rule);
        struct run r;

        print_message("rule case %zu: %s\n", i, c->user);
        base_store();
        if (c->broad_rules) {
            fx_map(&fx, "group", "alice", "svc-batch");
            fx_map(&fx, "default", NULL, "default-key");
        }
        open_session("pp-alone", c->user, 0, PAM_SUCCESS, &r);
        assert_exported(&r, c->key, API_URL, c->workspace);
        assert_messages(&r, 0, 0);
        ASSERT_LOG(&r, l);
        free(l);
        run_free(&r);

        /* The same through a real stack. */
        open_session("pp-stack", c->user, 0, PAM_SUCCESS, &r);
        assert_exported(&r, c->key, API_URL, c->workspace);
        run_free(&r);
    }
}

/* The other order in the mapping (a group rule goes last when it is mapped
 * again): for erin (rule_cases) the other group wins. */
static void test_group_order(void **state)
{
    struct run r;

    (void)state;
    fx_unmap(&fx, "group", "g-second");
    fx_map(&fx, "group", "g-second", "second-key");
    open_session("pp-alone", "erin", 0, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_FIRST, API_URL, WS_FIRST);
    run_free(&r);
}

static void test_unmapped(void **state)
{
    struct run r;

    (void)state;
    /* The module ignores: alone in its stack that reads as PERM_DENIED... */
    open_session("pp-alone", "carol", 0, PAM_PERM_DENIED, &r);
    assert_nothing_exported(&r);
    assert_messages(&r, 0, 0);
    assert_no_log(&r);      /* said only in debug */
    run_free(&r);

    /* ...and in a real stack the session goes on. */
    open_session("pp-stack", "carol", 0, PAM_SUCCESS, &r);
    assert_nothing_exported(&r);
    assert_no_log(&r);
    run_free(&r);

    /* No mapping file at all: an empty mapping. */
    {
        char *path = pp_test_fmt("%s/mapping", fx.store);

        assert_int_equal(unlink(path), 0);
        free(path);
    }
    open_session("pp-stack", "alice", 0, PAM_SUCCESS, &r);
    assert_nothing_exported(&r);
    assert_no_log(&r);
    run_free(&r);
}

/* ---- expiration ---- */

static void test_expired(void **state)
{
    struct run r;
    time_t exp = now - 86400;
    char date[16], stamp[32];
    char *reason, *l, *msg;

    (void)state;
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, exp);
    reason = pp_test_fmt("recorded expiration %s has passed", stamp_of(exp, stamp));
    l = refused_line(LOG_WARNING, "pp-stack", "session", "alice", "alice-key", KEY_ALICE,
                     "expired", reason, false);
    msg = pp_test_fmt("pam_prefect: no Prefect API key was set for this session: "
                      "entry alice-key expired on %s.", date_of(exp, date));

    open_session("pp-stack", "alice", 0, PAM_SUCCESS, &r);
    assert_nothing_exported(&r);
    assert_messages(&r, 0, 1);
    assert_string_equal(r.err[0], msg);
    ASSERT_LOG(&r, l);
    run_free(&r);

    /* The module itself ignores (fails open). */
    open_session("pp-alone", "alice", 0, PAM_PERM_DENIED, &r);
    assert_nothing_exported(&r);
    assert_log_has(&r, "*outcome=expired reason=*");
    run_free(&r);

    /* PAM_SILENT: no message, the same log line. */
    open_session("pp-stack", "alice", PAM_SILENT, PAM_SUCCESS, &r);
    assert_nothing_exported(&r);
    assert_messages(&r, 0, 0);
    ASSERT_LOG(&r, l);
    run_free(&r);
    free(reason);
    free(l);
    free(msg);
}

static void test_expiring(void **state)
{
    struct run r;
    time_t exp = now + 3 * 86400 + 3600;
    char date[16], stamp[32];
    char *reason, *l, *msg;

    (void)state;
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, exp);
    reason = pp_test_fmt("not checked with Prefect Cloud (validate is off); recorded "
                         "expiration %s is within expiry_warn_days (14)", stamp_of(exp, stamp));
    l = exported_line("pp-alone", "session", "alice", "alice-key", KEY_ALICE, "expiring", reason,
                      "user rule");
    msg = pp_test_fmt("Your Prefect API key (entry alice-key) expires on %s, in 3 days.",
                      date_of(exp, date));

    open_session("pp-alone", "alice", 0, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    /* On standard error, never into a command's output (CAVEATS). */
    assert_messages(&r, 0, 1);
    assert_string_equal(r.err[0], msg);
    ASSERT_LOG(&r, l);
    run_free(&r);

    /* PAM_SILENT: exported, no message. */
    open_session("pp-alone", "alice", PAM_SILENT, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    assert_messages(&r, 0, 0);
    ASSERT_LOG(&r, l);
    run_free(&r);

    /* Outside the warning window: exported, no message. */
    fx_config(&fx, "api_url = \"" API_URL "\";\nexpiry_warn_days = 2;");
    open_session("pp-alone", "alice", 0, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    assert_messages(&r, 0, 0);
    assert_log_has(&r, "*outcome=unchecked reason=not checked with Prefect Cloud (validate is "
                       "off); recorded expiration * exported *");
    run_free(&r);

    /* The argument wins over the file (pp-args: expiry_warn_days=30). */
    open_session("pp-args", "alice", 0, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    /* On standard error, never into a command's output (CAVEATS). */
    assert_messages(&r, 0, 1);
    assert_string_equal(r.err[0], msg);
    run_free(&r);
    free(reason);
    free(l);
    free(msg);
}

/* ---- with validate: the recorded expiration first, then Cloud ---- */

/* Whether dir has any entry (besides . and ..). */
static bool dir_has_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    bool found = false;

    if (d == NULL)
        return false;
    while (!found && (de = readdir(d)) != NULL)
        found = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return found;
}

static void test_validate_expired_no_request(void **state)
{
    struct run r;

    (void)state;
    /* Cloud "is" a closed port: any request would be unreachable. */
    pp_test_rmtree(fx.cache);
    fx_config_validate(&fx, true, "api_url = \"https://127.0.0.1:1/api\";\n"
                                  "connect_timeout_ms = 500;\ntimeout_ms = 1000;");
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, now - 3600);
    open_session("pp-stack", "alice", 0, PAM_SUCCESS, &r);
    assert_nothing_exported(&r);
    ASSERT_LOG(&r, "<4> : pam_prefect(pp-stack:session): user=alice service=pp-stack "
                   "entry=alice-key fingerprint=* outcome=expired reason=recorded expiration "
                   "* has passed; no key exported, session continues without it "
                   "(on_failure=ignore)");
    /* No check was made, so nothing was cached. */
    assert_false(dir_has_files(fx.cache));
    run_free(&r);

    /* A key within its expiration is checked: Cloud unreachable, no grace. */
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, 0);
    open_session("pp-stack", "alice", 0, PAM_SUCCESS, &r);
    assert_nothing_exported(&r);
    assert_messages(&r, 0, 1);
    assert_string_equal(r.err[0], "pam_prefect: no Prefect API key was set for this session: "
                                  "entry alice-key could not be checked: Prefect Cloud could "
                                  "not be reached.");
    assert_log_has(&r, "<4> : pam_prefect(pp-stack:session): user=alice service=pp-stack "
                       "entry=alice-key fingerprint=* outcome=unreachable reason=*; no key "
                       "exported, session continues without it (on_failure=ignore)");
    /* That check left its record: the empty cache above meant something. */
    assert_true(dir_has_files(fx.cache));
    run_free(&r);
}

/* ---- conversation ---- */

static int failing_conv(int n, const struct pam_message **msg, struct pam_response **resp,
                        void *data)
{
    (void)n;
    (void)msg;
    (void)resp;
    (void)data;
    return PAM_CONV_ERR;
}

static void test_conversation_missing_or_failing(void **state)
{
    struct run r;
    const struct op ops[] = { { PAMTEST_OPEN_SESSION, 0, PAM_SUCCESS } };

    (void)state;
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, now + 86400 * 2);
    /* A conversation without a function: exported, nothing sent. */
    run_pam_conv("pp-alone", "alice", ops, 1, &r, NULL, true);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    assert_log_has(&r, "*outcome=expiring*");
    run_free(&r);
    /* A conversation that fails: the session does not. */
    run_pam_conv("pp-alone", "alice", ops, 1, &r, failing_conv, false);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    run_free(&r);
}

/* ---- the PAM calls ---- */

static void test_setcred_flags(void **state)
{
    static const int flags[] = { PAM_ESTABLISH_CRED, PAM_REINITIALIZE_CRED, PAM_REFRESH_CRED };
    struct run r;
    char *l = exported_line("pp-alone", "setcred", "bob", "svc-batch", KEY_BATCH, "unchecked",
                            UNCHECKED, "group rule batch");

    (void)state;
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        const struct op ops[] = { { PAMTEST_SETCRED, flags[i], PAM_SUCCESS } };

        run_pam("pp-alone", "bob", ops, 1, &r);
        assert_exported(&r, KEY_BATCH, API_URL, WS_BATCH);
        ASSERT_LOG(&r, l);
        run_free(&r);
    }
    free(l);

    /* DELETE_CRED: nothing to do, nothing logged. */
    {
        const struct op ops[] = { { PAMTEST_SETCRED, PAM_DELETE_CRED, PAM_PERM_DENIED } };

        run_pam("pp-alone", "bob", ops, 1, &r);
        assert_nothing_exported(&r);
        assert_no_log(&r);
        run_free(&r);
    }

    /* authenticate has no part: PAM_IGNORE (PERM_DENIED alone in the stack). */
    {
        const struct op ops[] = { { PAMTEST_AUTHENTICATE, 0, PAM_PERM_DENIED } };

        run_pam("pp-alone", "bob", ops, 1, &r);
        assert_nothing_exported(&r);
        assert_no_log(&r);
        run_free(&r);
    }
}

static void test_once_per_handle(void **state)
{
    struct run r;
    const struct op ops[] = {
        { PAMTEST_SETCRED, PAM_ESTABLISH_CRED, PAM_SUCCESS },
        { PAMTEST_OPEN_SESSION, 0, PAM_SUCCESS },
        { PAMTEST_SETCRED, PAM_REFRESH_CRED, PAM_SUCCESS },
        { PAMTEST_CLOSE_SESSION, 0, PAM_SUCCESS },
        { PAMTEST_SETCRED, PAM_DELETE_CRED, PAM_PERM_DENIED },
    };
    time_t exp = now + 86400 + 3600;

    (void)state;
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, exp);
    run_pam("pp-alone", "alice", ops, 5, &r);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    /* One decision line, one warning message. */
    ASSERT_LOG(&r, "<5> : pam_prefect(pp-alone:setcred): user=alice service=pp-alone "
                   "entry=alice-key fingerprint=* outcome=expiring reason=*");
    assert_messages(&r, 0, 1);
    assert_true(glob_match("Your Prefect API key (entry alice-key) expires on *, in 1 day.",
                           r.err[0]));
    run_free(&r);

    /* A refused key, repeated: the first result (here under deny) each time. */
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, now - 60);
    fx_config(&fx, "api_url = \"" API_URL "\";\non_failure = \"deny\";");
    {
        const struct op ops2[] = {
            { PAMTEST_SETCRED, PAM_ESTABLISH_CRED, PAM_CRED_ERR },
            { PAMTEST_OPEN_SESSION, 0, PAM_PERM_DENIED },
        };

        run_pam("pp-alone", "alice", ops2, 2, &r);
        assert_nothing_exported(&r);
        assert_messages(&r, 0, 1);
        ASSERT_LOG(&r, "<3> : pam_prefect(pp-alone:setcred): user=alice service=pp-alone "
                       "entry=alice-key fingerprint=* outcome=expired reason=recorded "
                       "expiration * has passed; no key exported, session refused "
                       "(on_failure=deny)");
        run_free(&r);
    }
}

static void test_on_failure_deny(void **state)
{
    struct run r;
    char date[16];
    char *msg;
    time_t exp = now - 3 * 86400;

    (void)state;
    fx_config(&fx, "api_url = \"" API_URL "\";\non_failure = \"deny\";");
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, exp);
    msg = pp_test_fmt("pam_prefect: no Prefect API key was set for this session: entry "
                      "alice-key expired on %s. The session is refused.", date_of(exp, date));

    /* In a real stack (required), the session fails: PAM_PERM_DENIED, which
     * sudo honours (it runs the command after a PAM_SESSION_ERR). */
    open_session("pp-stack", "alice", 0, PAM_PERM_DENIED, &r);
    assert_nothing_exported(&r);
    assert_messages(&r, 0, 1);
    assert_string_equal(r.err[0], msg);
    assert_log_has(&r, "<3> : pam_prefect(pp-stack:session): user=alice service=pp-stack "
                       "entry=alice-key fingerprint=* outcome=expired reason=* session "
                       "refused (on_failure=deny)");
    run_free(&r);

    /* setcred fails with PAM_CRED_ERR. */
    {
        const struct op ops[] = { { PAMTEST_SETCRED, PAM_ESTABLISH_CRED, PAM_CRED_ERR } };

        run_pam("pp-alone", "alice", ops, 1, &r);
        assert_nothing_exported(&r);
        run_free(&r);
    }

    /* A missing entry is refused too (its file removed behind the tool's back). */
    {
        char *path = fx_entry_path(&fx, "alice-key");

        assert_int_equal(unlink(path), 0);
        free(path);
    }
    open_session("pp-stack", "alice", 0, PAM_PERM_DENIED, &r);
    assert_nothing_exported(&r);
    run_free(&r);

    /* deny never touches unmapped users or good keys. */
    open_session("pp-stack", "carol", 0, PAM_SUCCESS, &r);
    assert_nothing_exported(&r);
    assert_no_log(&r);
    run_free(&r);
    base_store();
    open_session("pp-stack", "alice", 0, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    run_free(&r);

    /* on_failure=deny as an argument overrides the file's ignore. */
    fx_config(&fx, "api_url = \"" API_URL "\";\non_failure = \"ignore\";");
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, exp);
    open_session("pp-args", "alice", 0, PAM_PERM_DENIED, &r);
    assert_nothing_exported(&r);
    run_free(&r);
    free(msg);
}

/* ---- the account stage ---- */

/*
 * Without deny, account changes nothing: PAM_IGNORE (the stack's pam_permit
 * answers), no line, no message, not even for a refused key; the session
 * then decides as always.
 */
static void test_account_without_deny(void **state)
{
    struct run r;
    time_t exp = now - 3 * 86400;
    const struct op acct[] = { { PAMTEST_ACCOUNT, 0, PAM_SUCCESS } };
    const struct op both[] = {
        { PAMTEST_ACCOUNT, 0, PAM_SUCCESS },
        { PAMTEST_OPEN_SESSION, 0, PAM_SUCCESS },
    };

    (void)state;
    run_pam("pp-acct", "alice", acct, 1, &r);
    assert_nothing_exported(&r);
    assert_no_log(&r);
    assert_messages(&r, 0, 0);
    run_free(&r);

    /* The key is exported by the session, one decision line (the session's). */
    run_pam("pp-acct", "alice", both, 2, &r);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    ASSERT_LOG(&r, "<5> : pam_prefect(pp-acct:session): user=alice service=pp-acct "
                   "entry=alice-key fingerprint=* outcome=unchecked reason=*");
    run_free(&r);

    /* An expired key: account still says nothing; the session continues. */
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, exp);
    run_pam("pp-acct", "alice", acct, 1, &r);
    assert_no_log(&r);
    assert_messages(&r, 0, 0);
    run_free(&r);

    /* Nothing is decided: no lookup, no store, no Cloud (the debug trace). */
    run_pam("pp-acct-debug", "alice", acct, 1, &r);
    assert_log_has(&r, "<7> : pam_prefect(pp-acct-debug:account): user=alice "
                       "pam_sm_acct_mgmt: on_failure is not \"deny\": nothing to do");
    assert_log_has(&r, "<7> : pam_prefect(pp-acct-debug:account): user=alice "
                       "pam_sm_acct_mgmt: exit (PAM_IGNORE)");
    assert_messages(&r, 0, 0);
    run_free(&r);
}

/*
 * With deny, account refuses a login whose key cannot be used (the user's
 * message, the decision line), and the session of that handle repeats the
 * refusal without deciding again; unmapped and out-of-scope users and good
 * keys pass.
 */
static void test_account_deny(void **state)
{
    struct run r;
    char date[16];
    char *msg;
    time_t exp = now - 3 * 86400;

    (void)state;
    fx_config(&fx, "api_url = \"" API_URL "\";\non_failure = \"deny\";\nminimum_uid = 1000;");
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, exp);
    msg = pp_test_fmt("pam_prefect: no Prefect API key was set for this session: entry "
                      "alice-key expired on %s. The session is refused.", date_of(exp, date));
    {
        const struct op ops[] = {
            { PAMTEST_ACCOUNT, 0, PAM_PERM_DENIED },
            { PAMTEST_SETCRED, PAM_ESTABLISH_CRED, PAM_CRED_ERR },
            { PAMTEST_OPEN_SESSION, 0, PAM_PERM_DENIED },
        };

        run_pam("pp-acct", "alice", ops, 3, &r);
        assert_nothing_exported(&r);
        assert_messages(&r, 0, 1);
        assert_string_equal(r.err[0], msg);
        ASSERT_LOG(&r, "<3> : pam_prefect(pp-acct:account): user=alice service=pp-acct "
                       "entry=alice-key fingerprint=* outcome=expired reason=recorded "
                       "expiration * has passed; no key exported, session refused "
                       "(on_failure=deny)");
        run_free(&r);
    }
    /* PAM_SILENT: refused all the same, without the message. */
    {
        const struct op ops[] = { { PAMTEST_ACCOUNT, PAM_SILENT, PAM_PERM_DENIED } };

        run_pam("pp-acct", "alice", ops, 1, &r);
        assert_messages(&r, 0, 0);
        run_free(&r);
    }

    /* Unmapped (carol) and below minimum_uid (sys, mapped): nothing. */
    {
        const struct op ops[] = {
            { PAMTEST_ACCOUNT, 0, PAM_SUCCESS },
            { PAMTEST_OPEN_SESSION, 0, PAM_SUCCESS },
        };

        run_pam("pp-acct", "carol", ops, 2, &r);
        assert_nothing_exported(&r);
        assert_no_log(&r);
        run_free(&r);
        run_pam("pp-acct", "sys", ops, 2, &r);
        assert_nothing_exported(&r);
        assert_no_log(&r);
        assert_messages(&r, 0, 0);
        run_free(&r);

        /* A good key: account passes, the session exports what account
         * decided (one decision line, the session's). */
        base_store();
        run_pam("pp-acct-debug", "alice", ops, 2, &r);
        assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
        assert_log_has(&r, "<7> : pam_prefect(pp-acct-debug:account): user=alice "
                           "pam_sm_acct_mgmt: decided; held for the session of this PAM "
                           "handle; exit (PAM_IGNORE)");
        assert_log_has(&r, "<7> : pam_prefect(pp-acct-debug:session): user=alice "
                           "pam_sm_open_session: entry (flags=0): decided by the account "
                           "stage of this PAM handle");
        assert_log_has(&r, "<5> : pam_prefect(pp-acct-debug:session): user=alice "
                           "service=pp-acct-debug entry=alice-key *outcome=unchecked*");
        run_free(&r);
    }
    free(msg);
}

/* The PAM conversation of the direct runs: none needed (messages dropped). */
static int quiet_conv(int n, const struct pam_message **msg, struct pam_response **resp,
                      void *data)
{
    (void)msg;
    (void)data;
    *resp = calloc((size_t)n, sizeof(**resp));
    return *resp != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
}

/* Does the handle's environment hold name with a value? */
static bool handle_has_env(pam_handle_t *ph, const char *name)
{
    const char *v = pam_getenv(ph, name);

    return v != NULL && v[0] != '\0';
}

/*
 * What libpamtest cannot do between two calls: the account stage's
 * decision is the session's in the same handle (the entry removed in
 * between does not matter); PAM_USER changed in between (sudo checks the
 * caller's account, then opens the target's session) makes the session
 * decide for its own user; PAM_RUSER = PAM_USER is the caller's own check
 * (sudo): account decides nothing, even for a refused key.
 */
static void test_account_handle(void **state)
{
    struct pam_conv pc = { quiet_conv, NULL };
    pam_handle_t *ph = NULL;
    char *path;

    (void)state;
    fx_config(&fx, "api_url = \"" API_URL "\";\non_failure = \"deny\";");

    /* Decided at account, the entry removed, exported at open_session. */
    assert_int_equal(pam_start("pp-acct", "alice", &pc, &ph), PAM_SUCCESS);
    assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
    assert_false(handle_has_env(ph, "PREFECT_API_KEY"));   /* nothing at account */
    path = fx_entry_path(&fx, "alice-key");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
    assert_true(handle_has_env(ph, "PREFECT_API_KEY"));
    assert_true(handle_has_env(ph, "PREFECT_API_URL"));
    pam_end(ph, PAM_SUCCESS);
    ph = NULL;
    /* In a new handle the missing entry is refused (deny). */
    assert_int_equal(pam_start("pp-acct", "alice", &pc, &ph), PAM_SUCCESS);
    assert_int_equal(pam_acct_mgmt(ph, 0), PAM_PERM_DENIED);
    pam_end(ph, PAM_SUCCESS);
    ph = NULL;
    base_store();

    /* Account for carol (unmapped), session for alice: alice's key. */
    assert_int_equal(pam_start("pp-acct", "carol", &pc, &ph), PAM_SUCCESS);
    assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
    assert_int_equal(pam_set_item(ph, PAM_USER, "alice"), PAM_SUCCESS);
    assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
    assert_true(handle_has_env(ph, "PREFECT_API_KEY"));
    pam_end(ph, PAM_SUCCESS);
    ph = NULL;

    /* Account for bob (good key), session for alice, whose key expired:
     * refused by the session (decided again, for alice). */
    fx_entry(&fx, "alice-key", KEY_ALICE, ACCOUNT, WS_ALICE, now - 60);
    assert_int_equal(pam_start("pp-acct", "bob", &pc, &ph), PAM_SUCCESS);
    assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
    assert_int_equal(pam_set_item(ph, PAM_USER, "alice"), PAM_SUCCESS);
    assert_int_equal(pam_open_session(ph, 0), PAM_PERM_DENIED);
    assert_false(handle_has_env(ph, "PREFECT_API_KEY"));
    pam_end(ph, PAM_SUCCESS);
    ph = NULL;

    /* sudo's check of the caller (PAM_RUSER = PAM_USER = alice, whose key
     * expired): not a login into her account, nothing decided; a target's
     * session (bob) gets the target's key. */
    assert_int_equal(pam_start("pp-acct", "alice", &pc, &ph), PAM_SUCCESS);
    assert_int_equal(pam_set_item(ph, PAM_RUSER, "alice"), PAM_SUCCESS);
    assert_int_equal(pam_acct_mgmt(ph, 0), PAM_SUCCESS);
    assert_int_equal(pam_set_item(ph, PAM_USER, "bob"), PAM_SUCCESS);
    assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
    assert_true(handle_has_env(ph, "PREFECT_API_KEY"));
    pam_end(ph, PAM_SUCCESS);
    ph = NULL;
    /* su alice run by root (PAM_RUSER root): refused at account, and by
     * her session in the same handle without deciding again ... */
    assert_int_equal(pam_start("pp-acct", "alice", &pc, &ph), PAM_SUCCESS);
    assert_int_equal(pam_set_item(ph, PAM_RUSER, "root"), PAM_SUCCESS);
    assert_int_equal(pam_acct_mgmt(ph, 0), PAM_PERM_DENIED);
    assert_int_equal(pam_open_session(ph, 0), PAM_PERM_DENIED);
    pam_end(ph, PAM_SUCCESS);
    ph = NULL;
    /* ... but a session for another user (an application that went on
     * after the refusal, under another PAM_USER) is decided for that user. */
    assert_int_equal(pam_start("pp-acct", "alice", &pc, &ph), PAM_SUCCESS);
    assert_int_equal(pam_set_item(ph, PAM_RUSER, "root"), PAM_SUCCESS);
    assert_int_equal(pam_acct_mgmt(ph, 0), PAM_PERM_DENIED);
    assert_int_equal(pam_set_item(ph, PAM_USER, "bob"), PAM_SUCCESS);
    assert_int_equal(pam_open_session(ph, 0), PAM_SUCCESS);
    assert_true(handle_has_env(ph, "PREFECT_API_KEY"));
    pam_end(ph, PAM_SUCCESS);
    free(path);
}

/* ---- scope and arguments ---- */

static void test_services_scope(void **state)
{
    struct run r;

    (void)state;
    fx_config(&fx, "api_url = \"" API_URL "\";\nservices = [ \"pp-alone\", \"pp-stack\" ];");
    open_session("pp-other", "alice", 0, PAM_PERM_DENIED, &r);
    assert_nothing_exported(&r);
    assert_no_log(&r);
    assert_messages(&r, 0, 0);
    run_free(&r);

    open_session("pp-alone", "alice", 0, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    run_free(&r);
}

static void test_minimum_uid(void **state)
{
    struct run r;

    (void)state;
    fx_config(&fx, "api_url = \"" API_URL "\";\nminimum_uid = 1000;");
    /* sys (uid 500) is mapped, but below minimum_uid: quietly nothing. */
    open_session("pp-alone", "sys", 0, PAM_PERM_DENIED, &r);
    assert_nothing_exported(&r);
    assert_no_log(&r);
    run_free(&r);

    open_session("pp-alone", "alice", 0, PAM_SUCCESS, &r);   /* uid 1000 */
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    run_free(&r);

    /* Without the limit sys gets the key. */
    fx_config(&fx, "api_url = \"" API_URL "\";");
    open_session("pp-alone", "sys", 0, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_SYS, API_URL, WS_DEFAULT);
    run_free(&r);
}

/* root and system accounts get the default only when the configuration says so. */
static void test_system_accounts_default(void **state)
{
    struct run r;

    (void)state;
    fx_map(&fx, "default", NULL, "default-key");
    open_session("pp-alone", "root", 0, PAM_PERM_DENIED, &r);
    assert_nothing_exported(&r);
    assert_no_log(&r);
    run_free(&r);
    open_session("pp-alone", "carol", 0, PAM_SUCCESS, &r);    /* uid 1002 */
    assert_exported(&r, KEY_DEFAULT, API_URL, WS_DEFAULT);
    run_free(&r);

    fx_config(&fx, "api_url = \"" API_URL "\";\nbroad_rules_for_system_accounts = true;");
    open_session("pp-alone", "root", 0, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_DEFAULT, API_URL, WS_DEFAULT);
    run_free(&r);
}

static void test_config_argument(void **state)
{
    struct run r;
    char *alt = pp_test_fmt("%s/alt.conf", fx.etc);
    char *altstore = pp_test_fmt("%s/altstore", fx.root);
    char *altcache = pp_test_fmt("%s/altcache", fx.root);
    char *text = pp_test_fmt("store = \"%s\";\ncache_dir = \"%s\";\nvalidate = false;\n"
                             "api_url = \"%s\";\n", altstore, altcache, ALT_API_URL);

    (void)state;
    fx_config_text(alt, text);
    pp_test_rmtree(altstore);
    /* prefect-keys --config alt.conf builds the other store. */
    fx_entry_conf(alt, altstore, "alice-key", KEY_ALT, ACCOUNT, WS_ALICE, 0);
    fx_pk(alt, NULL, "map", "user", "alice", "alice-key", (char *)NULL);

    /* pp-alt names alt.conf: its store and api_url are used. */
    open_session("pp-alt", "alice", 0, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_ALT, ALT_API_URL, WS_ALICE);
    run_free(&r);
    /* The main configuration is untouched by it. */
    open_session("pp-alone", "alice", 0, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    run_free(&r);

    pp_test_rmtree(altstore);
    pp_test_rmtree(altcache);
    unlink(alt);
    free(alt);
    free(altstore);
    free(altcache);
    free(text);
}

static void test_debug_trace(void **state)
{
    struct run r;

    (void)state;
    open_session("pp-debug", "alice", 0, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    assert_log_has(&r, "<7> : pam_prefect(pp-debug:session): "
                       "pam_sm_open_session: entry (flags=0)");
    assert_log_has(&r, "<5> : pam_prefect(pp-debug:session): user=alice service=pp-debug "
                       "entry=alice-key *outcome=unchecked*");
    assert_log_has(&r, "<7> : pam_prefect(pp-debug:session): user=alice "
                       "pam_sm_open_session: exit (PAM_SUCCESS)");
    assert_log_has(&r, "<7> : pam_prefect(pp-debug:session): user=alice "
                       "pam_sm_close_session: entry (flags=0): nothing to do; exit (PAM_SUCCESS)");
    run_free(&r);

    /* Unmapped, in debug: said so. */
    open_session("pp-debug", "carol", 0, PAM_PERM_DENIED, &r);
    assert_nothing_exported(&r);
    assert_log_has(&r, "<7> : pam_prefect(pp-debug:session): user=carol service=pp-debug "
                       "no user, group or default rule in the mapping: nothing to do");
    run_free(&r);
}

/* ---- bad input: each leaves the session unharmed and the key unexported ---- */

/* The key stays unexported, the stack succeeds, nothing but log lines. */
static void expect_unharmed(const char *user, struct run *r)
{
    open_session("pp-stack", user, 0, PAM_SUCCESS, r);
    assert_nothing_exported(r);
}

static void test_missing_config(void **state)
{
    struct run r;
    char *line;

    (void)state;
    assert_int_equal(unlink(fx.config), 0);
    line = pp_test_fmt("<3> : pam_prefect(pp-stack:session): configuration %s: does not exist",
                       fx.config);
    expect_unharmed("alice", &r);
    assert_messages(&r, 0, 0);
    ASSERT_LOG(&r, line);
    run_free(&r);
    free(line);
}

static void test_malformed_config(void **state)
{
    struct run r;
    char *line;

    (void)state;
    fx_config_text(fx.config, "# line 1\nvalidate = false;\nstore = \"/x\"\napi_url = ;\n");
    line = pp_test_fmt("<3> : pam_prefect(pp-stack:session): %s:4: *", fx.config);
    expect_unharmed("alice", &r);
    assert_messages(&r, 0, 0);
    ASSERT_LOG(&r, line);
    run_free(&r);
    free(line);

    /* A value of the wrong type: the same. */
    fx_config(&fx, "minimum_uid = \"many\";");
    expect_unharmed("alice", &r);
    ASSERT_LOG(&r, "<3> : pam_prefect(pp-stack:session): *pam_prefect.conf:5: minimum_uid *");
    run_free(&r);

    /* A configuration that others may write is not read. */
    fx_config(&fx, NULL);
    assert_int_equal(chmod(fx.config, 0666), 0);
    expect_unharmed("alice", &r);
    ASSERT_LOG(&r, "<3> : pam_prefect(pp-stack:session): configuration *pam_prefect.conf: "
                   "group- or world-writable*");
    run_free(&r);
}

static void test_unknown_setting(void **state)
{
    struct run r;
    char *l = exported_line("pp-alone", "session", "alice", "alice-key", KEY_ALICE, "unchecked",
                            UNCHECKED, "user rule");
    char *w = pp_test_fmt("<4> : pam_prefect(pp-alone:session): %s:6: unknown setting "
                          "colour ignored", fx.config);

    (void)state;
    fx_config(&fx, "api_url = \"" API_URL "\";\ncolour = \"blue\";");
    open_session("pp-alone", "alice", 0, PAM_SUCCESS, &r);
    assert_exported(&r, KEY_ALICE, API_URL, WS_ALICE);
    ASSERT_LOG(&r, w, l);
    run_free(&r);
    free(l);
    free(w);
}

/* alice's entry is bad in some way: one store error line, one decision line. */
static void expect_entry_refused(const char *store_error)
{
    struct run r;
    char *l = refused_line(LOG_ERR, "pp-stack", "session", "alice", "alice-key", NULL, "error",
                           "the key entry cannot be used (see the line before)", false);
    char *e = pp_test_fmt("<3> : pam_prefect(pp-stack:session): user=alice %s", store_error);

    expect_unharmed("alice", &r);
    assert_messages(&r, 0, 1);
    assert_string_equal(r.err[0], "pam_prefect: no Prefect API key was set for this session: "
                                  "entry alice-key could not be read from the key store.");
    ASSERT_LOG(&r, e, l);
    run_free(&r);
    free(l);
    free(e);

    /* The module itself fails open. */
    open_session("pp-alone", "alice", 0, PAM_PERM_DENIED, &r);
    assert_nothing_exported(&r);
    run_free(&r);
}

/* The mapping (or the store directory) is bad: nobody gets a key. */
static void expect_mapping_refused(const char *error)
{
    struct run r;
    char *l = refused_line(LOG_ERR, "pp-stack", "session", "alice", NULL, NULL, "error",
                           "the mapping cannot be used (see the line before)", false);
    char *e = pp_test_fmt("<3> : pam_prefect(pp-stack:session): user=alice %s", error);

    expect_unharmed("alice", &r);
    assert_messages(&r, 0, 0);
    ASSERT_LOG(&r, e, l);
    run_free(&r);
    free(l);
    free(e);
}

/*
 * The store directory or the mapping file (path, under the store) with an
 * unsafe mode or owner: the error names it, nobody gets a key. Each case
 * starts from the base store.
 */
static const struct unsafe_case {
    const char *path;       /* "" for the store directory itself */
    mode_t mode;
    uid_t uid;
    const char *error;      /* after "STORE/PATH: " */
} unsafe_cases[] = {
    { "", 0770, 0, "group- or world-writable (mode 0770)" },
    { "", 0703, 0, "group- or world-writable (mode 0703)" },
    { "", 0755, 0, "readable or searchable by group or others (mode 0755)" },
    { "", 0700, 1000, "owned by uid 1000, not root" },
    { "/mapping", 0644, 0, "readable by group or others (mode 0644)" },
};

static void test_store_unsafe(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(unsafe_cases) / sizeof(unsafe_cases[0]); i++) {
        const struct unsafe_case *c = &unsafe_cases[i];
        char *path = pp_test_fmt("%s%s", fx.store, c->path);
        char *err = pp_test_fmt("%s: %s", path, c->error);

        print_message("unsafe case %zu: %s\n", i, err);
        base_store();
        assert_int_equal(chmod(path, c->mode), 0);
        assert_int_equal(chown(path, c->uid, 0), 0);
        expect_mapping_refused(err);
        assert_int_equal(chown(path, 0, 0), 0);
        free(err);
        free(path);
    }
}

static void test_store_dir_symlink(void **state)
{
    char *real = pp_test_fmt("%s/realstore", fx.root);
    char *err = pp_test_fmt("*%s*symbolic link*", fx.store);

    (void)state;
    pp_test_rmtree(real);
    assert_int_equal(rename(fx.store, real), 0);
    assert_int_equal(symlink(real, fx.store), 0);
    expect_mapping_refused(err);
    assert_int_equal(unlink(fx.store), 0);
    pp_test_rmtree(real);
    free(real);
    free(err);
}

/*
 * alice's key file damaged in one way: the error names the file, the login
 * gets no key. Each case starts from the base store.
 */
enum damage { BAD_MODE, BAD_OWNER, SYMLINK, HARDLINK, DIRECTORY, EMPTY };
static const struct damage_case {
    enum damage damage;
    mode_t mode;            /* BAD_MODE's */
    const char *error;      /* after "PATH: " (a pattern) */
} damage_cases[] = {
    { BAD_MODE, 0620, "group- or world-writable (mode 0620)" },
    { BAD_MODE, 0602, "group- or world-writable (mode 0602)" },
    { BAD_MODE, 0640, "readable by group or others (mode 0640)" },
    { BAD_MODE, 0604, "readable by group or others (mode 0604)" },
    { BAD_MODE, 0660, "group- or world-writable (mode 0660)" },
    { BAD_MODE, 0666, "group- or world-writable (mode 0666)" },
    { BAD_OWNER, 0, "owned by uid 1000, not root" },
    { SYMLINK, 0, "is a symbolic link" },
    { HARDLINK, 0, "has 2 hard links" },
    { DIRECTORY, 0, "*" },
    { EMPTY, 0, "empty" },
};

static void damage_key_file(const struct damage_case *c, const char *path)
{
    char *other;

    switch (c->damage) {
    case BAD_MODE:
        assert_int_equal(chmod(path, c->mode), 0);
        break;
    case BAD_OWNER:
        assert_int_equal(chown(path, 1000, 1000), 0);
        break;
    case SYMLINK:
        other = fx_entry_path(&fx, "first-key");
        assert_int_equal(unlink(path), 0);
        assert_int_equal(symlink(other, path), 0);
        free(other);
        break;
    case HARDLINK:
        other = pp_test_fmt("%s/alice-copy", fx.store);
        assert_int_equal(link(path, other), 0);
        free(other);
        break;
    case DIRECTORY:
        assert_int_equal(unlink(path), 0);
        assert_int_equal(mkdir(path, 0700), 0);
        break;
    case EMPTY:
        fx_entry_raw(&fx, "alice-key", "", 0600, 0, 0);
        break;
    }
}

static void test_key_file_damaged(void **state)
{
    char *path = fx_entry_path(&fx, "alice-key");

    (void)state;
    for (size_t i = 0; i < sizeof(damage_cases) / sizeof(damage_cases[0]); i++) {
        char *err = pp_test_fmt("%s: %s", path, damage_cases[i].error);

        print_message("damage case %zu: %s\n", i, err);
        base_store();
        damage_key_file(&damage_cases[i], path);
        expect_entry_refused(err);
        free(err);
    }
    free(path);
}

/* The line number (from 1) of position p in text. */
static int line_of(const char *text, const char *p)
{
    int line = 1;

    for (; text < p; text++)
        line += *text == '\n';
    return line;
}

/* Where "FIELD = " starts a line of text (the entry prefect-keys wrote). */
static char *field_line(char *text, const char *field)
{
    char *needle = pp_test_fmt("\n%s = ", field);
    char *p = strncmp(text, needle + 1, strlen(needle + 1)) == 0 ? text - 1 : strstr(text, needle);

    if (p == NULL)
        fail_msg("the entry prefect-keys wrote has no %s line", field);
    free(needle);
    return p + 1;
}

/* alice-key's entry as prefect-keys wrote it, without its FIELD line. */
static char *entry_without(const char *field)
{
    char *text = fx_entry_read(&fx, "alice-key");
    char *line = field_line(text, field);
    char *end = strchr(line, '\n');
    const char *rest = end != NULL ? end + 1 : line + strlen(line);

    memmove(line, rest, strlen(rest) + 1);
    return text;
}

static void test_key_file_oversized(void **state)
{
    char *path = fx_entry_path(&fx, "alice-key");
    char *err = pp_test_fmt("%s: larger than 16384 bytes", path);
    char *good = fx_entry_read(&fx, "alice-key");
    size_t len = strlen(good);
    char *big = malloc(len + 20000);

    (void)state;
    assert_non_null(big);
    /* The entry prefect-keys wrote, padded with comment lines past the cap. */
    memcpy(big, good, len);
    while (len < 17000) {
        static const char pad[] = "# padding padding padding padding padding padding\n";

        memcpy(big + len, pad, sizeof(pad) - 1);
        len += sizeof(pad) - 1;
    }
    big[len] = '\0';
    fx_entry_raw(&fx, "alice-key", big, 0600, 0, 0);
    expect_entry_refused(err);
    free(big);
    free(good);
    free(err);
    free(path);
}

static void test_key_file_truncated(void **state)
{
    char *path = fx_entry_path(&fx, "alice-key");
    char *good = fx_entry_read(&fx, "alice-key");
    char *cut = field_line(good, "workspace_id");
    char *err = pp_test_fmt("%s:%d: *", path, line_of(good, cut));

    (void)state;
    /* The entry prefect-keys wrote, cut in the middle of the workspace id's string. */
    cut[strlen("workspace_id = \"1111")] = '\0';
    fx_entry_raw(&fx, "alice-key", good, 0600, 0, 0);
    expect_entry_refused(err);
    free(err);
    free(good);

    /* Cut in the middle of the key's string (the file is rewritten by the tool first). */
    base_store();
    good = fx_entry_read(&fx, "alice-key");
    cut = field_line(good, "key");
    err = pp_test_fmt("%s:%d: *", path, line_of(good, cut));
    cut[strlen("key = \"pnu_Zq8")] = '\0';
    fx_entry_raw(&fx, "alice-key", good, 0600, 0, 0);
    expect_entry_refused(err);
    free(err);
    free(good);
    free(path);
}

static void test_entry_missing_fields(void **state)
{
    static const char *const fields[] = { "key", "workspace_id", "account_id" };
    char *path = fx_entry_path(&fx, "alice-key");

    (void)state;
    /* The entry prefect-keys wrote, without one of its required lines. */
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        char *text, *err;

        base_store();
        text = entry_without(fields[i]);
        err = pp_test_fmt("%s: missing '%s'", path, fields[i]);

        fx_entry_raw(&fx, "alice-key", text, 0600, 0, 0);
        expect_entry_refused(err);
        free(err);
        free(text);
    }
    free(path);
}

static void test_mapping_names_missing_entry(void **state)
{
    struct run r;
    char *path = fx_entry_path(&fx, "alice-key");
    char *e = pp_test_fmt("<3> : pam_prefect(pp-stack:session): user=alice %s: no such entry",
                          path);
    char *l = refused_line(LOG_ERR, "pp-stack", "session", "alice", "alice-key", NULL, "error",
                           "the mapped key entry is missing from the store", false);

    (void)state;
    /* With a default, too: the matched rule decides, no falling through. */
    fx_map(&fx, "default", NULL, "default-key");
    /* The entry's file is removed behind the tool's back. */
    assert_int_equal(unlink(path), 0);
    expect_unharmed("alice", &r);
    assert_messages(&r, 0, 1);
    assert_string_equal(r.err[0], "pam_prefect: no Prefect API key was set for this session: "
                                  "entry alice-key is missing from the key store.");
    ASSERT_LOG(&r, e, l);
    run_free(&r);
    free(e);
    free(l);
    free(path);
}

/* A name of 300 characters. */
static char *long_name(void)
{
    char *s = malloc(301);

    assert_non_null(s);
    memset(s, 'n', 300);
    s[300] = '\0';
    return s;
}

static void test_bad_names_in_mapping(void **state)
{
    char *longn = long_name();
    const char *const bad[] = { "a/b", "..", "with space", longn };
    char *mpath = pp_test_fmt("%s/mapping", fx.store);

    (void)state;
    for (size_t i = 0; i < 4; i++) {
        for (int group = 0; group < 2; group++) {
            /* A good rule for alice, then the bad one: the whole mapping is refused. */
            char *rule = pp_test_fmt(", { name = \"%s\"; entry = \"first-key\"; }", bad[i]);
            char *text = pp_test_fmt("users = ( { name = \"alice\"; entry = \"alice-key\"; }%s );\n"
                                     "groups = ( { name = \"batch\"; entry = \"svc-batch\"; }%s );\n",
                                     group ? "" : rule, group ? rule : "");
            char *err = pp_test_fmt("%s:%d: %s[1]: invalid %s name '*'", mpath, group ? 2 : 1,
                                    group ? "groups" : "users", group ? "group" : "user");

            free(rule);
            fx_mapping_raw(&fx, text);
            expect_mapping_refused(err);
            free(err);
            free(text);
        }
    }
    /* An entry name with a '/' in the mapping, too. */
    fx_mapping_raw(&fx, "users = ( { name = \"alice\"; entry = \"../alice-key\"; } );\n");
    {
        char *err = pp_test_fmt("%s:1: users[0]: invalid entry name '*'", mpath);

        expect_mapping_refused(err);
        free(err);
    }
    free(mpath);
    free(longn);
}

static void test_bad_pam_user(void **state)
{
    char *longn = long_name();
    const char *const bad[] = { "a/b", "..", ".", "with space", "tab\there", "evil\nuser=root",
                                longn, "x:y" };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct run r;
        char *pre = prefix(LOG_WARNING, "pp-stack", "session", bad[i]);
        char *line = pp_test_fmt("%sservice=pp-stack user name refused: not a valid account "
                                 "name (*): nothing exported", pre);

        expect_unharmed(bad[i], &r);
        assert_messages(&r, 0, 0);
        ASSERT_LOG(&r, line);
        /* Logged safely: no raw control character, nothing forged. */
        assert_null(strchr(r.log, '\t'));
        assert_null(strstr(r.log, "\nuser=root"));
        run_free(&r);
        free(line);
        free(pre);
    }
    free(longn);
}

/* ---- not root ---- */

/* In a child that dropped to uid/gid 65534: run pp-alone (or pp-debug). */
static int child_session(const char *service)
{
    struct pam_testcase cases[] = {
        pam_test(PAMTEST_OPEN_SESSION, PAM_PERM_DENIED),
        pam_test(PAMTEST_SETCRED, PAM_PERM_DENIED),
        pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
    };
    enum pamtest_err perr;
    int bad = 0;

    cases[1].flags = PAM_ESTABLISH_CRED;
    if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0
        || setresuid(65534, 65534, 65534) != 0 || geteuid() != 65534)
        return 2;
    /* The capture works in here too (the log file was given to 65534). */
    syslog(LOG_INFO, "child canary %s", service);
    perr = _pamtest(service, "alice", NULL, cases, 3, NULL);
    if (perr != PAMTEST_ERR_OK) {
        fprintf(stderr, "child: %s: %s\n", service, pamtest_strerror(perr));
        bad = 3;
    }
    if (cases[2].case_out.envlist != NULL && cases[2].case_out.envlist[0] != NULL) {
        fprintf(stderr, "child: something was exported\n");
        bad = 4;
    }
    pamtest_free_env(cases[2].case_out.envlist);
    return bad;
}

static void run_as_nobody(const char *service, struct run *r)
{
    const char *logpath = getenv("PP_TEST_LOG");
    long mark = log_size();
    int status;
    pid_t pid;

    memset(r, 0, sizeof(*r));
    assert_non_null(logpath);
    /* The capture file must be writable by the child. */
    if (access(logpath, F_OK) != 0)
        assert_int_equal(pp_test_write(logpath, "", 0600, 0, 0), 0);
    assert_int_equal(chown(logpath, 65534, 65534), 0);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* _exit: not the parent's exit handlers (cmocka's; LeakSanitizer's,
         * which cannot inspect a process that switched to another uid). */
        int rc = child_session(service);

        fflush(NULL);
        _exit(rc);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(chown(logpath, 0, 0), 0);
    r->log = log_since(mark);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != 0)
        fail_msg("child as uid 65534 failed (%d); log:\n%s", WEXITSTATUS(status), r->log);
}

static void test_not_root(void **state)
{
    struct run r;

    (void)state;
    run_as_nobody("pp-alone", &r);
    /* Quietly: only the child's own canary line. */
    ASSERT_LOG(&r, "<6> : child canary pp-alone");
    run_free(&r);

    /* With debug: said in debug only; the setcred that follows in the same
     * handle repeats the first result. */
    run_as_nobody("pp-debug", &r);
    ASSERT_LOG(&r, "<6> : child canary pp-debug",
               "<7> : pam_prefect(pp-debug:session): pam_sm_open_session: not running as root "
               "(euid 65534): nothing to do",
               "<7> : pam_prefect(pp-debug:session): pam_sm_open_session: exit (PAM_IGNORE)",
               "<7> : pam_prefect(pp-debug:setcred): user=alice pam_sm_setcred: entry "
               "(flags=0x2): already done in this PAM handle",
               "<7> : pam_prefect(pp-debug:setcred): user=alice pam_sm_setcred: exit "
               "(PAM_IGNORE)");
    run_free(&r);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_rules, setup),
        cmocka_unit_test_setup(test_group_order, setup),
        cmocka_unit_test_setup(test_system_accounts_default, setup),
        cmocka_unit_test_setup(test_unmapped, setup),
        cmocka_unit_test_setup(test_expired, setup),
        cmocka_unit_test_setup(test_expiring, setup),
        cmocka_unit_test_setup(test_validate_expired_no_request, setup),
        cmocka_unit_test_setup(test_conversation_missing_or_failing, setup),
        cmocka_unit_test_setup(test_setcred_flags, setup),
        cmocka_unit_test_setup(test_once_per_handle, setup),
        cmocka_unit_test_setup(test_on_failure_deny, setup),
        cmocka_unit_test_setup(test_account_without_deny, setup),
        cmocka_unit_test_setup(test_account_deny, setup),
        cmocka_unit_test_setup(test_account_handle, setup),
        cmocka_unit_test_setup(test_services_scope, setup),
        cmocka_unit_test_setup(test_minimum_uid, setup),
        cmocka_unit_test_setup(test_config_argument, setup),
        cmocka_unit_test_setup(test_debug_trace, setup),
        cmocka_unit_test_setup(test_missing_config, setup),
        cmocka_unit_test_setup(test_malformed_config, setup),
        cmocka_unit_test_setup(test_unknown_setting, setup),
        cmocka_unit_test_setup(test_store_unsafe, setup),
        cmocka_unit_test_setup(test_store_dir_symlink, setup),
        cmocka_unit_test_setup(test_key_file_damaged, setup),
        cmocka_unit_test_setup(test_key_file_oversized, setup),
        cmocka_unit_test_setup(test_key_file_truncated, setup),
        cmocka_unit_test_setup(test_entry_missing_fields, setup),
        cmocka_unit_test_setup(test_mapping_names_missing_entry, setup),
        cmocka_unit_test_setup(test_bad_names_in_mapping, setup),
        cmocka_unit_test_setup(test_bad_pam_user, setup),
        cmocka_unit_test_setup(test_not_root, setup),
    };
    int rc;

    if (argc == 2 && strcmp(argv[1], "--list-keys") == 0) {
        for (const char *const *k = test_keys; *k != NULL; k++)
            puts(*k);
        return 0;
    }
    pp_test_require_root();
    fx_init(&fx);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    fx_free(&fx);
    return rc;
}

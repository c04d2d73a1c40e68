/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_decide.c: the decision every front end uses (lib/decide.h), one case
 * per outcome and per scope reason; the outcome table; and that the man
 * pages name every outcome and every configuration setting.
 *
 * Run through test_decide.test, which preloads nss_wrapper with the users
 * and groups of tests/unit/data: root (0), alice (1001; devs, ops), bob
 * (1002; primary group batch), carol (1003; spare).
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "cache.h"
#include "capture.h"
#include "decide.h"
#include "testroot.h"

#define MARK "Qz9DecideMark"
#define KEY_A "pnu_" MARK "aaaaaaaaaaaaaaaa"
#define KEY_B "pnb_" MARK "bbbbbbbbbbbbbbbb"
#define ACC "0f5b8a7e-2c41-4d8e-9a63-1b2c3d4e5f60"
#define WS "11111111-aaaa-4bbb-8ccc-000000000001"
#define URL "https://prefect.test/api"
#define DAY 86400L

static struct pp_capture cap;
static struct pp_log tlog = { pp_capture_sink, &cap, false, NULL };

static char *root, *store, *cache, *conf_path;
static struct pp_config cfg;
static time_t now;

/* ---- the world ---- */

static void write_entry(const char *name, const char *key, time_t expires)
{
    struct pp_entry e;
    char *text = NULL, *path;
    size_t len = 0;

    memset(&e, 0, sizeof(e));
    snprintf(e.name, sizeof(e.name), "%s", name);
    e.key = (char *)key;
    snprintf(e.account_id, sizeof(e.account_id), "%s", ACC);
    snprintf(e.workspace_id, sizeof(e.workspace_id), "%s", WS);
    e.has_expires = expires != 0;
    e.expires = expires;
    assert_int_equal(pp_entry_format(&e, &text, &len), 0);
    path = pp_test_fmt("%s/%s.key", store, name);
    assert_int_equal(pp_test_write(path, text, 0600, 0, 0), 0);
    pp_free_buf(text, len + 1);
    free(path);
}

static void write_mapping(const char *text)
{
    char *path = pp_test_fmt("%s/mapping", store);

    assert_int_equal(pp_test_write(path, text, 0600, 0, 0), 0);
    free(path);
}

/* Load the configuration: the test store and cache, validate off, then extra. */
static void configure(const char *extra)
{
    char *text = pp_test_fmt("store = \"%s\";\ncache_dir = \"%s\";\napi_url = \"" URL "\";\n"
                             "%s\n%s\n", store, cache,
                             strstr(extra, "validate") == NULL ? "validate = false;" : "",
                             extra);

    pp_config_free(&cfg);
    assert_int_equal(pp_test_write(conf_path, text, 0644, 0, 0), 0);
    free(text);
    pp_capture_reset(&cap);
    if (pp_config_load(&cfg, conf_path, 0, NULL, &tlog) != 0)
        fail_msg("configuration did not load: %s", cap.line[0]);
}

/* alice: a-key; carol: an entry that does not exist; group batch: b-key. */
static const char base_mapping[] =
    "users = ( { name = \"alice\"; entry = \"a-key\"; },\n"
    "          { name = \"carol\"; entry = \"gone\"; } );\n"
    "groups = ( { name = \"batch\"; entry = \"b-key\"; } );\n";

static int setup(void **state)
{
    (void)state;
    cap.forbid = MARK;
    root = pp_test_mkroot();
    store = pp_test_fmt("%s/store", root);
    cache = pp_test_fmt("%s/cache", root);
    conf_path = pp_test_fmt("%s/pam_prefect.conf", root);
    if (pp_test_mkdir(store, 0700) != 0)
        return -1;
    now = time(NULL);
    write_entry("a-key", KEY_A, 0);
    write_entry("b-key", KEY_B, 0);
    write_entry("soon", KEY_A, now + 3 * DAY + 600);
    write_entry("old", KEY_A, 1577836800);      /* 2020-01-01 */
    write_mapping(base_mapping);
    configure("");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pp_config_free(&cfg);
    pp_test_rmtree(root);
    free(root);
    free(store);
    free(cache);
    free(conf_path);
    return 0;
}

/* Decide for user through service (NULL: none), cache and store only. */
static void decide(struct pp_decision *d, const char *user, const char *service)
{
    struct pp_decide_in in;

    memset(&in, 0, sizeof(in));
    in.cfg = &cfg;
    in.user = user;
    in.service = service;
    in.now = now;
    in.network = false;
    pp_capture_reset(&cap);
    assert_int_equal(pp_decide(&in, d, &tlog), 0);
}

static void expect_not_exported(const struct pp_decision *d)
{
    assert_false(d->ruling.exports);
    assert_null(d->key);
    assert_null(d->url);
}

/* ---- scope ---- */

static void expect_scope(const char *user, const char *service, enum pp_scope scope,
                         int priority, const char *line)
{
    struct pp_decision d;

    decide(&d, user, service);
    assert_int_equal(d.ruling.scope, scope);
    assert_int_equal(d.ruling.outcome, PP_OUT_OUT_OF_SCOPE);
    assert_int_equal(d.rule.match, PP_MATCH_NONE);
    assert_false(d.have_entry);
    expect_not_exported(&d);
    assert_int_equal(d.ruling.say, PP_SAY_NOTHING);
    assert_false(d.ruling.refuse);
    assert_int_equal(d.ruling.log_priority, priority);
    assert_string_equal(d.ruling.log_line, line);
    assert_true(d.ruling.scope_why[0] != '\0');
    pp_decision_free(&d);
}

static void test_scope_service(void **state)
{
    struct pp_decision d;

    (void)state;
    configure("services = [ \"sshd\" ];");
    expect_scope("alice", "cron", PP_SCOPE_SERVICE, LOG_DEBUG,
                 "service=cron not in services: nothing to do");
    /* no service: services does not apply */
    decide(&d, "alice", NULL);
    assert_int_equal(d.ruling.scope, PP_SCOPE_IN);
    assert_int_equal(d.ruling.outcome, PP_OUT_UNCHECKED);
    pp_decision_free(&d);
    decide(&d, "alice", "sshd");
    assert_int_equal(d.ruling.scope, PP_SCOPE_IN);
    pp_decision_free(&d);
    configure("");
}

static void test_scope_user_names(void **state)
{
    (void)state;
    expect_scope(NULL, "sshd", PP_SCOPE_NO_USER, LOG_WARNING,
                 "service=sshd no user name given by the caller: nothing exported");
    expect_scope("", "sshd", PP_SCOPE_NO_USER, LOG_WARNING,
                 "service=sshd no user name given by the caller: nothing exported");
    expect_scope("a/b", "sshd", PP_SCOPE_BAD_NAME, LOG_WARNING,
                 "service=sshd user name refused: not a valid account name (no '/', "
                 "whitespace, ':', control characters, \".\" or \"..\"; at most 256 bytes): "
                 "nothing exported");
    /* ghost is in group devs' member list, but NSS does not know the user */
    expect_scope("ghost", "sshd", PP_SCOPE_UNKNOWN_USER, LOG_WARNING,
                 "service=sshd no such user in the password database: nothing exported");
}

static void test_scope_minimum_uid(void **state)
{
    struct pp_decision d;

    (void)state;
    configure("minimum_uid = 1002;");
    expect_scope("alice", "sshd", PP_SCOPE_MINIMUM_UID, LOG_DEBUG,
                 "service=sshd uid 1001 below minimum_uid 1002: nothing to do");
    decide(&d, "bob", "sshd");      /* uid 1002: in scope */
    assert_int_equal(d.ruling.scope, PP_SCOPE_IN);
    assert_int_equal(d.uid, 1002);
    assert_int_equal(d.ruling.outcome, PP_OUT_UNCHECKED);
    pp_decision_free(&d);
    configure("");
}

/* An NSS answer the caller has already is the decision's fact: NSS is not asked again. */
static void test_scope_caller_nss(void **state)
{
    struct pp_decide_in in;
    struct pp_decision d;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.cfg = &cfg;
    in.user = "alice";              /* uid 1001 to NSS */
    in.service = "sshd";
    in.now = now;
    in.nss = PP_NSS_UNKNOWN;
    assert_int_equal(pp_decide(&in, &d, &tlog), 0);
    assert_int_equal(d.ruling.scope, PP_SCOPE_UNKNOWN_USER);
    assert_false(d.known_user);
    pp_decision_free(&d);

    configure("minimum_uid = 1002;");
    in.cfg = &cfg;
    in.nss = PP_NSS_KNOWN;
    in.uid = 1002;
    in.gid = 1002;
    assert_int_equal(pp_decide(&in, &d, &tlog), 0);
    assert_int_equal(d.ruling.scope, PP_SCOPE_IN);
    assert_true(d.known_user);
    assert_int_equal(d.uid, 1002);
    assert_int_equal(d.ruling.outcome, PP_OUT_UNCHECKED);
    pp_decision_free(&d);
    configure("");

    in.cfg = &cfg;
    in.nss = PP_NSS_FAILED;
    assert_int_equal(pp_decide(&in, &d, &tlog), 0);
    assert_int_equal(d.ruling.scope, PP_SCOPE_IN);
    assert_int_equal(d.ruling.outcome, PP_OUT_ERROR);
    assert_non_null(strstr(d.ruling.reason, "could not be looked up"));
    expect_not_exported(&d);
    pp_decision_free(&d);
}

static void test_scope_not_root(void **state)
{
    struct pp_decision d;

    (void)state;
    assert_int_equal(seteuid(65534), 0);
    decide(&d, "alice", "sshd");
    assert_int_equal(seteuid(0), 0);
    assert_int_equal(d.ruling.scope, PP_SCOPE_NOT_ROOT);
    assert_int_equal(d.ruling.outcome, PP_OUT_OUT_OF_SCOPE);
    expect_not_exported(&d);
    pp_decision_free(&d);
}

/* ---- outcomes ---- */

static void test_unchecked_exports(void **state)
{
    struct pp_decision d;
    char fp[PP_FP_SIZE], *want;

    (void)state;
    write_mapping(base_mapping);
    decide(&d, "alice", "sshd");
    assert_int_equal(d.ruling.scope, PP_SCOPE_IN);
    assert_true(d.known_user);
    assert_int_equal(d.uid, 1001);
    assert_int_equal(d.rule.match, PP_MATCH_USER);
    assert_string_equal(d.rule.entry, "a-key");
    assert_string_equal(d.rule_words, "user rule");
    assert_true(d.have_entry);
    assert_int_equal(d.ruling.outcome, PP_OUT_UNCHECKED);
    assert_true(d.ruling.exports);
    assert_string_equal(d.key, KEY_A);
    assert_string_equal(d.url, URL "/accounts/" ACC "/workspaces/" WS);
    assert_false(d.ruling.warn);
    assert_int_equal(d.ruling.say, PP_SAY_NOTHING);
    pp_fingerprint(KEY_A, fp);
    assert_string_equal(d.fingerprint, fp);
    assert_int_equal(d.ruling.log_priority, LOG_NOTICE);
    want = pp_test_fmt("service=sshd entry=a-key fingerprint=%s outcome=unchecked "
                       "reason=not checked with Prefect Cloud (validate is off); "
                       "no recorded expiration; exported PREFECT_API_KEY and "
                       "PREFECT_API_URL (user rule)", fp);
    assert_string_equal(d.ruling.log_line, want);
    free(want);
    pp_decision_free(&d);
    /* the free function wiped and zeroed everything */
    assert_null(d.key);
    assert_false(d.have_entry);
}

static void test_group_rule(void **state)
{
    struct pp_decision d;

    (void)state;
    write_mapping(base_mapping);
    decide(&d, "bob", "sshd");      /* batch is bob's primary group */
    assert_int_equal(d.rule.match, PP_MATCH_GROUP);
    assert_string_equal(d.rule.group, "batch");
    assert_string_equal(d.rule_words, "group rule batch");
    assert_string_equal(d.key, KEY_B);
    pp_decision_free(&d);
}

static void test_expiring_warns(void **state)
{
    struct pp_decision d;

    (void)state;
    write_mapping("users = ( { name = \"alice\"; entry = \"soon\"; } );\n");
    decide(&d, "alice", "sshd");
    assert_int_equal(d.ruling.outcome, PP_OUT_EXPIRING);
    assert_true(d.ruling.exports);
    assert_true(d.ruling.warn);
    assert_int_equal(d.ruling.days_left, 3);
    assert_int_equal(d.ruling.say, PP_SAY_INFO);
    assert_non_null(strstr(d.ruling.sentence, "Your Prefect API key (entry soon) expires on "));
    assert_non_null(strstr(d.ruling.sentence, ", in 3 days."));
    pp_decision_free(&d);
}

static void test_expired(void **state)
{
    struct pp_decision d;

    (void)state;
    write_mapping("users = ( { name = \"alice\"; entry = \"old\"; } );\n");
    decide(&d, "alice", "sshd");
    assert_int_equal(d.ruling.outcome, PP_OUT_EXPIRED);
    expect_not_exported(&d);
    assert_false(d.ruling.refuse);
    assert_int_equal(d.ruling.log_priority, LOG_WARNING);
    assert_non_null(strstr(d.ruling.log_line, "outcome=expired"));
    assert_non_null(strstr(d.ruling.log_line, "session continues without it (on_failure=ignore)"));
    assert_int_equal(d.ruling.say, PP_SAY_ERROR);
    assert_string_equal(d.ruling.sentence,
                        "pam_prefect: no Prefect API key was set for this session: "
                        "entry old expired on 2020-01-01.");
    pp_decision_free(&d);

    /* under on_failure = deny the session is refused, and said so */
    configure("on_failure = \"deny\";");
    decide(&d, "alice", "sshd");
    assert_true(d.ruling.refuse);
    assert_int_equal(d.ruling.log_priority, LOG_ERR);
    assert_non_null(strstr(d.ruling.sentence, "2020-01-01. The session is refused."));
    pp_decision_free(&d);
    configure("");
}

static void test_error_missing_and_unreadable(void **state)
{
    struct pp_decision d;
    char *bad = pp_test_fmt("%s/bad.key", store);

    (void)state;
    write_mapping(base_mapping);
    decide(&d, "carol", "sshd");
    assert_int_equal(d.ruling.outcome, PP_OUT_ERROR);
    assert_true(d.entry_missing);
    assert_false(d.have_entry);
    expect_not_exported(&d);
    assert_int_equal(d.ruling.log_priority, LOG_ERR);
    assert_string_equal(d.ruling.log_line, "service=sshd entry=gone fingerprint=- outcome=error "
                        "reason=the mapped key entry is missing from the store; no key "
                        "exported, session continues without it (on_failure=ignore)");
    assert_string_equal(d.ruling.sentence,
                        "pam_prefect: no Prefect API key was set for this session: "
                        "entry gone is missing from the key store.");
    pp_decision_free(&d);

    /* an entry others may read is not used */
    write_entry("bad", KEY_A, 0);
    assert_int_equal(chmod(bad, 0644), 0);
    write_mapping("users = ( { name = \"alice\"; entry = \"bad\"; } );\n");
    decide(&d, "alice", "sshd");
    assert_int_equal(d.ruling.outcome, PP_OUT_ERROR);
    assert_false(d.entry_missing);
    expect_not_exported(&d);
    assert_non_null(strstr(d.ruling.sentence, "entry bad could not be read from the key store."));
    assert_true(pp_capture_find(&cap, "bad.key") >= 0);
    pp_decision_free(&d);
    free(bad);

    /* an unreadable mapping: an error with no entry, said only under deny */
    write_mapping("users = ( { name = \"alice\" } );\n");
    decide(&d, "alice", "sshd");
    if (d.ruling.outcome != PP_OUT_ERROR)
        fail_msg("a broken mapping gave %s: %s", pp_outcome_name(d.ruling.outcome),
                 d.ruling.log_line);
    assert_int_equal(d.rule.match, PP_MATCH_NONE);
    assert_int_equal(d.ruling.say, PP_SAY_NOTHING);
    assert_non_null(strstr(d.ruling.log_line, "entry=- fingerprint=- outcome=error"));
    pp_decision_free(&d);
}

static void test_no_rule(void **state)
{
    struct pp_decision d;

    (void)state;
    write_mapping(base_mapping);
    decide(&d, "root", "sshd");
    assert_int_equal(d.ruling.scope, PP_SCOPE_IN);
    assert_int_equal(d.ruling.outcome, PP_OUT_NO_RULE);
    expect_not_exported(&d);
    assert_int_equal(d.ruling.say, PP_SAY_NOTHING);
    assert_int_equal(d.ruling.log_priority, LOG_DEBUG);
    assert_string_equal(d.ruling.log_line, "service=sshd no user, group or default rule in the "
                                    "mapping: nothing to do");
    pp_decision_free(&d);
}

/* A cache record of KEY_A for a-key: outcome, checked at, last valid at, back-off until. */
static void cache_record(enum pp_outcome o, time_t checked, time_t last_valid, time_t backoff)
{
    struct pp_cache_record rec;

    memset(&rec, 0, sizeof(rec));
    pp_fingerprint(KEY_A, rec.fingerprint);
    snprintf(rec.account_id, sizeof(rec.account_id), "%s", ACC);
    snprintf(rec.workspace_id, sizeof(rec.workspace_id), "%s", WS);
    rec.outcome = o;
    rec.checked_at = checked;
    rec.has_last_valid = last_valid != 0;
    rec.last_valid_at = last_valid;
    rec.has_backoff = backoff != 0;
    rec.backoff_until = backoff;
    snprintf(rec.reason, sizeof(rec.reason), "recorded by the test");
    assert_int_equal(pp_cache_prepare(&cfg, &tlog), 0);
    assert_int_equal(pp_cache_write(&cfg, "a-key", &rec, &tlog), 0);
}

static void expect_cached(enum pp_outcome o, bool exports)
{
    struct pp_decision d;

    decide(&d, "alice", "sshd");
    assert_string_equal(pp_outcome_name(d.ruling.outcome), pp_outcome_name(o));
    assert_int_equal(d.ruling.exports, exports);
    if (exports)
        assert_string_equal(d.key, KEY_A);
    else
        expect_not_exported(&d);
    pp_decision_free(&d);
}

static void test_cached_outcomes(void **state)
{
    char *rec = pp_test_fmt("%s/a-key.rec", cache);

    (void)state;
    write_mapping("users = ( { name = \"alice\"; entry = \"a-key\"; } );\n");
    configure("validate = true; cache_ttl = 300; negative_cache_ttl = 60; "
              "offline_grace = 3600;");
    /* no record, no network: a login would ask Cloud */
    unlink(rec);
    expect_cached(PP_OUT_NEEDS_CHECK, false);
    cache_record(PP_OUT_VALID, now - 10, now - 10, 0);
    expect_cached(PP_OUT_VALID, true);
    cache_record(PP_OUT_VALID, now - 301, now - 301, 0);     /* too old: not used */
    expect_cached(PP_OUT_NEEDS_CHECK, false);
    cache_record(PP_OUT_REJECTED, now - 10, 0, 0);
    expect_cached(PP_OUT_REJECTED, false);
    cache_record(PP_OUT_NO_WORKSPACE, now - 10, 0, 0);
    expect_cached(PP_OUT_NO_WORKSPACE, false);
    cache_record(PP_OUT_UNREACHABLE, now - 5, 0, now + 25);
    expect_cached(PP_OUT_UNREACHABLE, false);
    cache_record(PP_OUT_UNREACHABLE, now - 5, now - 600, now + 25);
    expect_cached(PP_OUT_STALE_OK, true);
    unlink(rec);
    free(rec);
    configure("");
}

static void test_fail_wipes(void **state)
{
    struct pp_decision d;

    (void)state;
    write_mapping("users = ( { name = \"alice\"; entry = \"a-key\"; } );\n");
    decide(&d, "alice", "sshd");
    assert_true(d.ruling.exports);
    pp_decision_fail(&cfg, &d, "the session environment could not be set",
                     "could not be set in the session environment");
    assert_int_equal(d.ruling.outcome, PP_OUT_ERROR);
    expect_not_exported(&d);
    assert_non_null(strstr(d.ruling.log_line, "outcome=error reason=the session environment could "
                                       "not be set; no key exported"));
    assert_non_null(strstr(d.ruling.sentence, "entry a-key could not be set in the session "
                                       "environment."));
    pp_decision_free(&d);
}

/* ---- the tables ---- */

static void test_outcome_table(void **state)
{
    (void)state;
    for (int o = 0; o < PP_OUT_COUNT; o++) {
        const struct pp_outcome_info *i = pp_outcome_info((enum pp_outcome)o);

        assert_non_null(i->name);
        assert_string_not_equal(i->name, "unknown");
        for (int p = 0; p < o; p++)
            assert_string_not_equal(i->name, pp_outcome_name((enum pp_outcome)p));
        /* a failure has words for the user; an export is never a failure */
        if (i->failure)
            assert_non_null(i->words);
        assert_false(i->exports && i->failure);
        if (i->life != PP_LIFE_NOT_CACHED)
            assert_int_equal(pp_outcome_recorded_by_name(i->name), o);
        else
            assert_int_equal(pp_outcome_recorded_by_name(i->name), -1);
    }
    assert_string_equal(pp_outcome_name(PP_OUT_COUNT), "unknown");
    for (int s = 0; s < PP_SCOPE_COUNT; s++)
        assert_string_not_equal(pp_scope_name((enum pp_scope)s), "unknown");
}

static void test_days_left(void **state)
{
    (void)state;
    assert_int_equal(pp_days_left(0, 4 * DAY + 23 * 3600), 5);
    assert_int_equal(pp_days_left(0, 3 * DAY), 3);
    assert_int_equal(pp_days_left(0, 2 * 3600), 0);
    assert_int_equal(pp_days_left(0, 12 * 3600), 1);
    assert_int_equal(pp_days_left(0, -3600), 0);
    assert_int_equal(pp_days_left(0, -13 * 3600), -1);
    assert_int_equal(pp_days_left(0, -3 * DAY), -3);
}

/* The man page text (as configure wrote it in the build tree) with roff's "\-" read as "-". */
static char *man_text(const char *name)
{
    const char *top = getenv("top_builddir");
    char *path = pp_test_fmt("%s/man/%s", top != NULL ? top : "../..", name);
    char *text = pp_test_slurp(path), *r, *w;

    if (text == NULL)
        fail_msg("cannot read %s", path);
    for (r = w = text; *r != '\0'; r++) {
        if (r[0] == '\\' && r[1] == '-')
            continue;
        *w++ = *r;
    }
    *w = '\0';
    free(path);
    return text;
}

/* Whether a line of text starting with ".B" (.B, .BR, .BI...) has word as a token. */
static bool man_names(const char *text, const char *word)
{
    size_t n = strlen(word);

    for (const char *line = text; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);

        if (len > 2 && line[0] == '.' && line[1] == 'B') {
            for (const char *p = line; p + n <= line + len; p++) {
                bool before = p == line || strchr(" \"(", p[-1]) != NULL;
                bool after = p + n == line + len || strchr(" \",)", p[n]) != NULL;
                if (before && after && strncmp(p, word, n) == 0)
                    return true;
            }
        }
        line = end != NULL ? end + 1 : NULL;
    }
    return false;
}

static void test_docs_name_everything(void **state)
{
    char *conf5 = man_text("pam_prefect.conf.5");
    char *pam8 = man_text("pam_prefect.8");
    const char *const *names = pp_config_names();

    (void)state;
    for (size_t i = 0; names[i] != NULL; i++)
        if (!man_names(conf5, names[i]))
            fail_msg("pam_prefect.conf(5) does not describe the setting %s", names[i]);
    for (int o = 0; o < PP_OUT_COUNT; o++)
        if (!man_names(pam8, pp_outcome_name((enum pp_outcome)o)))
            fail_msg("pam_prefect(8) does not describe the outcome %s",
                     pp_outcome_name((enum pp_outcome)o));
    /* the check can fail: a name no page has */
    assert_false(man_names(pam8, "no-such-outcome"));
    free(conf5);
    free(pam8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_service),
        cmocka_unit_test(test_scope_user_names),
        cmocka_unit_test(test_scope_minimum_uid),
        cmocka_unit_test(test_scope_caller_nss),
        cmocka_unit_test(test_scope_not_root),
        cmocka_unit_test(test_unchecked_exports),
        cmocka_unit_test(test_group_rule),
        cmocka_unit_test(test_expiring_warns),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_error_missing_and_unreadable),
        cmocka_unit_test(test_no_rule),
        cmocka_unit_test(test_cached_outcomes),
        cmocka_unit_test(test_fail_wipes),
        cmocka_unit_test(test_outcome_table),
        cmocka_unit_test(test_days_left),
        cmocka_unit_test(test_docs_name_everything),
    };

    pp_test_require_root();
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_config.c: pam_prefect.conf and PAM arguments through the one option
 * table: defaults, every setting, arguments over the file, config=, list
 * forms, and every refusal with the exact log line (caught by a sink).
 * Needs root: the configuration must be a root-owned file in a safe
 * directory (pp_test_mkroot()).
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "log.h"
#include "capture.h"
#include "testroot.h"

static char *root;

/* ---- helpers ---- */

/* Write a configuration file (root, 0644) under the test root; the path is returned. */
static char *conf(const char *name, const char *content)
{
    char *path = pp_test_fmt("%s/%s", root, name);

    assert_int_equal(pp_test_write(path, content, 0644, 0, 0), 0);
    return path;
}

static void assert_zeroed(const struct pp_config *cfg)
{
    struct pp_config zero;

    memset(&zero, 0, sizeof(zero));
    assert_memory_equal(cfg, &zero, sizeof(zero));
}

/*
 * Load content (as the file given by override path) with args, expect
 * failure and exactly the lines want[] (NULL-terminated), the last at
 * LOG_ERR. A line starting with ':' is prefixed with the file's path.
 */
static void expect_error(const char *content, int argc, const char **argv,
                         const char *const *want)
{
    char *path = conf("bad.conf", content);
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;
    int n = 0;

    assert_int_equal(pp_config_load(&cfg, path, argc, argv, &log), -1);
    assert_zeroed(&cfg);
    for (; want[n] != NULL; n++) {
        char *line = want[n][0] == ':' ? pp_test_fmt("%s%s", path, want[n])
                                       : pp_test_fmt("%s", want[n]);

        if (n >= c.n)
            fail_msg("missing log line \"%s\"", line);
        assert_string_equal(c.line[n], line);
        free(line);
    }
    assert_int_equal(c.n, n);
    assert_int_equal(c.prio[n - 1], LOG_ERR);
    pp_capture_reset(&c);
    free(path);
}

#define ERRORS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define ARGS(...) (int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *)), \
    ((const char *[]){ __VA_ARGS__ })
#define NOARGS 0, NULL

/* ---- tests ---- */

static void test_defaults(void **state)
{
    char *path = conf("minimal.conf", "# nothing set\n");
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;

    (void)state;
    assert_int_equal(pp_config_load(&cfg, path, NOARGS, &log), 0);
    assert_string_equal(cfg.config_path, path);
    assert_string_equal(cfg.api_url, "https://api.prefect.cloud/api");
    assert_string_equal(cfg.store, PP_DEFAULT_STORE);
    assert_string_equal(cfg.cache_dir, PP_DEFAULT_CACHE);
    assert_null(cfg.ca_file);
    assert_null(cfg.proxy);
    assert_true(cfg.validate);
    assert_int_equal(cfg.cache_ttl, 300);
    assert_int_equal(cfg.negative_cache_ttl, 60);
    assert_int_equal(cfg.offline_grace, 86400);
    assert_int_equal(cfg.connect_timeout_ms, 2000);
    assert_int_equal(cfg.timeout_ms, 4000);
    assert_int_equal(cfg.expiry_warn_days, 14);
    assert_int_equal(cfg.on_failure, PP_ON_FAILURE_IGNORE);
    assert_int_equal(cfg.minimum_uid, 0);
    assert_false(cfg.broad_rules_for_system_accounts);
    assert_null(cfg.services);
    assert_false(cfg.debug);
    assert_false(log.debug);
    assert_true(pp_config_service_in_scope(&cfg, "sshd"));
    assert_true(pp_config_service_in_scope(&cfg, "sudo"));
    /* Nothing to say when all is well and debug is off. */
    assert_int_equal(c.n, 0);
    pp_config_free(&cfg);
    assert_zeroed(&cfg);
    pp_config_free(&cfg);   /* twice is harmless */
    free(path);
}

static void test_every_setting(void **state)
{
    char *path = conf("full.conf",
        "# every setting\n"
        "api_url = \"https://cloud.example.com/api/\";\n"
        "store = \"/srv/keys\";\n"
        "cache_dir = \"/srv/cache/\";\n"
        "ca_file = \"/etc/ssl/certs/ca.pem\";\n"
        "proxy = \"http://proxy.example.com:3128\";\n"
        "validate = false;\n"
        "cache_ttl = 600;\n"
        "negative_cache_ttl = 0;\n"
        "offline_grace = 0;\n"
        "connect_timeout_ms = 1500;\n"
        "timeout_ms = 3000L;\n"
        "expiry_warn_days = 30;\n"
        "on_failure = \"deny\";\n"
        "minimum_uid = 1000;\n"
        "broad_rules_for_system_accounts = true;\n"
        "services = [ \"sshd\", \"login\" ];\n"
        "debug = true;\n");
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;

    (void)state;
    assert_int_equal(pp_config_load(&cfg, path, NOARGS, &log), 0);
    assert_string_equal(cfg.api_url, "https://cloud.example.com/api");
    assert_string_equal(cfg.store, "/srv/keys");
    assert_string_equal(cfg.cache_dir, "/srv/cache");
    assert_string_equal(cfg.ca_file, "/etc/ssl/certs/ca.pem");
    assert_string_equal(cfg.proxy, "http://proxy.example.com:3128");
    assert_false(cfg.validate);
    assert_int_equal(cfg.cache_ttl, 600);
    assert_int_equal(cfg.negative_cache_ttl, 0);
    assert_int_equal(cfg.offline_grace, 0);
    assert_int_equal(cfg.connect_timeout_ms, 1500);
    assert_int_equal(cfg.timeout_ms, 3000);
    assert_int_equal(cfg.expiry_warn_days, 30);
    assert_int_equal(cfg.on_failure, PP_ON_FAILURE_DENY);
    assert_int_equal(cfg.minimum_uid, 1000);
    assert_true(cfg.broad_rules_for_system_accounts);
    assert_non_null(cfg.services);
    assert_string_equal(cfg.services[0], "sshd");
    assert_string_equal(cfg.services[1], "login");
    assert_null(cfg.services[2]);
    assert_true(cfg.debug);
    /* debug in the file switches the log's debug on. */
    assert_true(log.debug);
    assert_int_equal(c.n, 1);
    {
        char *want = pp_test_fmt("configuration %s loaded", path);

        assert_string_equal(c.line[0], want);
        assert_int_equal(c.prio[0], LOG_DEBUG);
        free(want);
    }
    pp_config_free(&cfg);
    pp_capture_reset(&c);
    free(path);
}

static void test_args_override_file(void **state)
{
    char *path = conf("base.conf",
        "timeout_ms = 5000;\n"
        "validate = true;\n"
        "on_failure = \"ignore\";\n"
        "services = ( \"sshd\" );\n"
        "proxy = \"http://p:1\";\n"
        "ca_file = \"/etc/ca.pem\";\n");
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;

    (void)state;
    assert_int_equal(pp_config_load(&cfg, path,
                                    ARGS("timeout_ms=3000", "validate=false", "on_failure=deny",
                                         "services=sshd,login,systemd-user",
                                         "api_url=https://x.example/api/", "cache_ttl=0",
                                         "minimum_uid=500", "proxy=", "ca_file=",
                                         "expiry_warn_days=7"),
                                    &log), 0);
    assert_int_equal(cfg.timeout_ms, 3000);
    assert_false(cfg.validate);
    assert_int_equal(cfg.on_failure, PP_ON_FAILURE_DENY);
    assert_string_equal(cfg.services[0], "sshd");
    assert_string_equal(cfg.services[1], "login");
    assert_string_equal(cfg.services[2], "systemd-user");
    assert_null(cfg.services[3]);
    assert_string_equal(cfg.api_url, "https://x.example/api");
    assert_int_equal(cfg.cache_ttl, 0);
    assert_int_equal(cfg.minimum_uid, 500);
    assert_null(cfg.proxy);      /* "" means none */
    assert_null(cfg.ca_file);    /* "" means the system default */
    assert_int_equal(cfg.expiry_warn_days, 7);
    assert_int_equal(c.n, 0);
    pp_config_free(&cfg);
    free(path);
}

static void test_bare_boolean_args(void **state)
{
    char *path = conf("bool.conf", "validate = false;\n");
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;

    (void)state;
    assert_int_equal(pp_config_load(&cfg, path, ARGS("validate", "debug"), &log), 0);
    assert_true(cfg.validate);
    assert_true(cfg.debug);
    assert_true(log.debug);
    pp_config_free(&cfg);
    pp_capture_reset(&c);

    log.debug = false;
    assert_int_equal(pp_config_load(&cfg, path, ARGS("validate=yes", "debug=off"), &log), 0);
    assert_true(cfg.validate);
    assert_false(cfg.debug);
    assert_false(log.debug);
    assert_int_equal(c.n, 0);
    pp_config_free(&cfg);
    free(path);

    expect_error("#\n", ARGS("timeout_ms"),
                 ERRORS("argument \"timeout_ms\": timeout_ms needs a value (timeout_ms=...)"));
}

static void test_debug_arg_before_file(void **state)
{
    char *path = conf("dbg.conf", "frob = 1;\n");
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;
    char *want;

    (void)state;
    /* A debug argument is honoured before the file is even read. */
    assert_int_equal(pp_config_load(&cfg, path, ARGS("debug=1"), &log), 0);
    assert_true(log.debug);
    assert_int_equal(c.n, 2);
    want = pp_test_fmt("%s:1: unknown setting frob ignored", path);
    assert_string_equal(c.line[0], want);
    free(want);
    want = pp_test_fmt("configuration %s loaded", path);
    assert_string_equal(c.line[1], want);
    free(want);
    pp_config_free(&cfg);
    pp_capture_reset(&c);
    free(path);
}

static void test_config_argument(void **state)
{
    char *path = conf("other.conf", "cache_ttl = 42;\n");
    char *path2 = conf("third.conf", "cache_ttl = 43;\n");
    char *arg = pp_test_fmt("config=%s", path);
    const char *argv[] = { arg, "negative_cache_ttl=7" };
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;

    (void)state;
    assert_int_equal(pp_config_load(&cfg, NULL, 2, argv, &log), 0);
    assert_string_equal(cfg.config_path, path);
    assert_int_equal(cfg.cache_ttl, 42);
    assert_int_equal(cfg.negative_cache_ttl, 7);
    assert_int_equal(c.n, 0);
    pp_config_free(&cfg);

    /* prefect-keys --config wins over a config= argument. */
    assert_int_equal(pp_config_load(&cfg, path2, 2, argv, &log), 0);
    assert_string_equal(cfg.config_path, path2);
    assert_int_equal(cfg.cache_ttl, 43);
    pp_config_free(&cfg);

    {
        struct pp_config bad;

        assert_int_equal(pp_config_load(&bad, NULL, ARGS("config=relative/pam_prefect.conf"),
                                        &log), -1);
        assert_int_equal(c.n, 1);
        assert_string_equal(c.line[0], "argument \"config=relative/pam_prefect.conf\": "
                            "config must be an absolute path");
        assert_zeroed(&bad);
        pp_capture_reset(&c);
        assert_int_equal(pp_config_load(&bad, "etc/x.conf", NOARGS, &log), -1);
        assert_int_equal(c.n, 1);
        assert_string_equal(c.line[0], "configuration path \"etc/x.conf\" is not absolute");
        assert_zeroed(&bad);
    }
    pp_capture_reset(&c);
    free(arg);
    free(path);
    free(path2);
}

static void test_services_forms_and_scope(void **state)
{
    char *arr = conf("arr.conf", "services = [ \"sshd\", \"su\" ];\n");
    char *lst = conf("lst.conf", "services = ( \"sshd\", \"su\" );\n");
    char *paths[] = { arr, lst };
    struct pp_config cfg;

    (void)state;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pp_config_load(&cfg, paths[i], NOARGS, NULL), 0);
        assert_string_equal(cfg.services[0], "sshd");
        assert_string_equal(cfg.services[1], "su");
        assert_null(cfg.services[2]);
        assert_true(pp_config_service_in_scope(&cfg, "sshd"));
        assert_true(pp_config_service_in_scope(&cfg, "su"));
        assert_false(pp_config_service_in_scope(&cfg, "sudo"));
        assert_false(pp_config_service_in_scope(&cfg, "ssh"));
        assert_false(pp_config_service_in_scope(&cfg, "sshd2"));
        assert_false(pp_config_service_in_scope(&cfg, ""));
        assert_false(pp_config_service_in_scope(&cfg, NULL));
        pp_config_free(&cfg);
    }
    /* A single service as an argument. */
    assert_int_equal(pp_config_load(&cfg, arr, ARGS("services=login"), NULL), 0);
    assert_true(pp_config_service_in_scope(&cfg, "login"));
    assert_false(pp_config_service_in_scope(&cfg, "sshd"));
    pp_config_free(&cfg);

    expect_error("services = [];\n", NOARGS,
                 ERRORS(":1: services must not be empty (leave it out to act for every service)"));
    expect_error("services = \"sshd\";\n", NOARGS,
                 ERRORS(":1: services must be a list of strings"));
    expect_error("services = ( \"sshd\", 1 );\n", NOARGS,
                 ERRORS(":1: services must be a list of strings"));
    expect_error("\nservices = ( \"ssh d\" );\n", NOARGS,
                 ERRORS(":2: services: \"ssh d\" is not a valid service name"));
    expect_error("services = ( \"a/b\" );\n", NOARGS,
                 ERRORS(":1: services: \"a/b\" is not a valid service name"));
    expect_error("#\n", ARGS("services=sshd,,su"),
                 ERRORS("argument \"services=sshd,,su\": services has an empty element"));
    expect_error("#\n", ARGS("services=sshd,"),
                 ERRORS("argument \"services=sshd,\": services has an empty element"));
    expect_error("#\n", ARGS("services="),
                 ERRORS("argument \"services=\": services has an empty element"));
    free(arr);
    free(lst);
}

static void test_malformed_file(void **state)
{
    (void)state;
    expect_error("api_url = \"https://x.example\";\ntimeout_ms = ;\n", NOARGS,
                 ERRORS(":2: syntax error"));
    expect_error("cache_ttl = 1;\n\n\ncache_ttl = 2;\n", NOARGS,
                 ERRORS(":4: duplicate setting name"));
    /* An unterminated string runs to the end of the file. */
    expect_error("store = \"/x\n", NOARGS, ERRORS(":2: syntax error"));
    expect_error("a = 1;\nb = 2;\n}\n", NOARGS, ERRORS(":3: syntax error"));
}

static void test_include_refused(void **state)
{
    (void)state;
    expect_error("cache_ttl = 1;\n@include \"/etc/passwd\"\n", NOARGS,
                 ERRORS(":2: @include is not allowed"));
    expect_error("  @include \"x\"\n", NOARGS, ERRORS(":1: @include is not allowed"));
}

static void test_nul_byte_refused(void **state)
{
    char *path = pp_test_fmt("%s/nul.conf", root);
    static const char text[] = "cache_ttl = 1;\n\0debug = true;\n";
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;
    char *want;
    FILE *f;

    (void)state;
    f = fopen(path, "we");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(pp_config_load(&cfg, path, NOARGS, &log), -1);
    want = pp_test_fmt("%s: contains a NUL byte", path);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.line[0], want);
    free(want);
    pp_capture_reset(&c);
    free(path);
}

static void test_unknown_settings(void **state)
{
    char *path = conf("unknown.conf",
                      "cache_ttl = 10;\n"
                      "no_such_thing = \"x\";\n"
                      "group = { a = 1; };\n");
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;
    char *want;

    (void)state;
    assert_int_equal(pp_config_load(&cfg, path, ARGS("frobnicate=3", "verbose", "timeout_ms=2500"),
                                    &log), 0);
    assert_int_equal(cfg.cache_ttl, 10);
    assert_int_equal(cfg.timeout_ms, 2500);
    assert_int_equal(c.n, 4);
    want = pp_test_fmt("%s:2: unknown setting no_such_thing ignored", path);
    assert_string_equal(c.line[0], want);
    free(want);
    want = pp_test_fmt("%s:3: unknown setting group ignored", path);
    assert_string_equal(c.line[1], want);
    free(want);
    assert_string_equal(c.line[2], "argument \"frobnicate=3\": unknown setting frobnicate ignored");
    assert_string_equal(c.line[3], "argument \"verbose\": unknown setting verbose ignored");
    for (int i = 0; i < 4; i++)
        assert_int_equal(c.prio[i], LOG_WARNING);
    pp_config_free(&cfg);
    pp_capture_reset(&c);
    free(path);
}

static void test_wrong_types(void **state)
{
    (void)state;
    expect_error("\ntimeout_ms = \"4000\";\n", NOARGS, ERRORS(":2: timeout_ms must be an integer"));
    expect_error("cache_ttl = 1.5;\n", NOARGS, ERRORS(":1: cache_ttl must be an integer"));
    expect_error("validate = 1;\n", NOARGS, ERRORS(":1: validate must be true or false"));
    expect_error("debug = \"yes\";\n", NOARGS, ERRORS(":1: debug must be true or false"));
    expect_error("api_url = 5;\n", NOARGS, ERRORS(":1: api_url must be a string"));
    expect_error("store = [ \"/a\" ];\n", NOARGS, ERRORS(":1: store must be a string"));
    expect_error("on_failure = true;\n", NOARGS, ERRORS(":1: on_failure must be a string"));
    expect_error("services = { a = \"x\"; };\n", NOARGS,
                 ERRORS(":1: services must be a list of strings"));
    expect_error("a = 1;\non_failure = \"maybe\";\n", NOARGS,
                 ERRORS(":1: unknown setting a ignored",
                        ":2: on_failure must be \"ignore\" or \"deny\" (got \"maybe\")"));
    expect_error("#\n", ARGS("on_failure=Deny"),
                 ERRORS("argument \"on_failure=Deny\": on_failure must be \"ignore\" or \"deny\" "
                        "(got \"Deny\")"));
    expect_error("#\n", ARGS("validate=maybe"),
                 ERRORS("argument \"validate=maybe\": validate must be true or false"));
    expect_error("#\n", ARGS("timeout_ms=12abc"),
                 ERRORS("argument \"timeout_ms=12abc\": timeout_ms must be an integer"));
    expect_error("#\n", ARGS("timeout_ms="),
                 ERRORS("argument \"timeout_ms=\": timeout_ms must be an integer"));
    expect_error("#\n", ARGS("timeout_ms= 100"),
                 ERRORS("argument \"timeout_ms= 100\": timeout_ms must be an integer"));
    expect_error("#\n", ARGS("timeout_ms=0x100"),
                 ERRORS("argument \"timeout_ms=0x100\": timeout_ms must be an integer"));
    /* The first bad argument fails the load; the ones before it were fine. */
    expect_error("#\n", ARGS("cache_ttl=5", "cache_ttl=five", "timeout_ms=x"),
                 ERRORS("argument \"cache_ttl=five\": cache_ttl must be an integer"));
}

static void test_out_of_range(void **state)
{
    (void)state;
    expect_error("timeout_ms = 0;\n", NOARGS,
                 ERRORS(":1: timeout_ms must be between 1 and 600000 (got 0)"));
    expect_error("timeout_ms = 600001;\n", NOARGS,
                 ERRORS(":1: timeout_ms must be between 1 and 600000 (got 600001)"));
    expect_error("connect_timeout_ms = -5;\n", NOARGS,
                 ERRORS(":1: connect_timeout_ms must be between 1 and 600000 (got -5)"));
    expect_error("cache_ttl = -1;\n", NOARGS,
                 ERRORS(":1: cache_ttl must be between 0 and 31536000 (got -1)"));
    expect_error("negative_cache_ttl = -1;\n", NOARGS,
                 ERRORS(":1: negative_cache_ttl must be between 0 and 31536000 (got -1)"));
    expect_error("offline_grace = 99999999999L;\n", NOARGS,
                 ERRORS(":1: offline_grace must be between 0 and 31536000 (got 99999999999)"));
    expect_error("minimum_uid = -1;\n", NOARGS,
                 ERRORS(":1: minimum_uid must be between 0 and 4294967295 (got -1)"));
    expect_error("expiry_warn_days = 3651;\n", NOARGS,
                 ERRORS(":1: expiry_warn_days must be between 0 and 3650 (got 3651)"));
    expect_error("#\n", ARGS("timeout_ms=99999999999999999999999"),
                 ERRORS("argument \"timeout_ms=99999999999999999999999\": timeout_ms must be "
                        "between 1 and 600000 (got 9223372036854775807)"));
    expect_error("#\n", ARGS("minimum_uid=-1"),
                 ERRORS("argument \"minimum_uid=-1\": minimum_uid must be between 0 and "
                        "4294967295 (got -1)"));
    /* connect_timeout_ms may not exceed timeout_ms, wherever each came from. */
    expect_error("connect_timeout_ms = 5000;\n", NOARGS,
                 ERRORS(": connect_timeout_ms (5000) must not be larger than timeout_ms (4000)"));
    expect_error("timeout_ms = 9000;\nconnect_timeout_ms = 5000;\n", ARGS("timeout_ms=3000"),
                 ERRORS(": connect_timeout_ms (5000) must not be larger than timeout_ms (3000)"));
}

static void test_bad_strings(void **state)
{
    (void)state;
    expect_error("api_url = \"http://api.prefect.cloud/api\";\n", NOARGS,
                 ERRORS(":1: api_url must start with https:// (got \"http://api.prefect.cloud/api\")"));
    expect_error("#\n", ARGS("api_url=http://x"),
                 ERRORS("argument \"api_url=http://x\": api_url must start with https:// "
                        "(got \"http://x\")"));
    expect_error("api_url = \"https://\";\n", NOARGS,
                 ERRORS(":1: api_url has no host (got \"https://\")"));
    expect_error("api_url = \"https:///api\";\n", NOARGS,
                 ERRORS(":1: api_url has no host (got \"https:///api\")"));
    expect_error("api_url = \"\";\n", NOARGS, ERRORS(":1: api_url must not be empty"));
    expect_error("api_url = \"https://x y\";\n", NOARGS,
                 ERRORS(":1: api_url must not contain blanks or control characters "
                        "(got \"https://x y\")"));
    expect_error("store = \"var/lib/pam_prefect\";\n", NOARGS,
                 ERRORS(":1: store must be an absolute path (got \"var/lib/pam_prefect\")"));
    expect_error("#\n", ARGS("cache_dir=cache"),
                 ERRORS("argument \"cache_dir=cache\": cache_dir must be an absolute path "
                        "(got \"cache\")"));
    expect_error("ca_file = \"ca.pem\";\n", NOARGS,
                 ERRORS(":1: ca_file must be an absolute path (got \"ca.pem\")"));
    expect_error("store = \"\";\n", NOARGS, ERRORS(":1: store must not be empty"));
    expect_error("proxy = \"http://p:1\\n\";\n", NOARGS,
                 ERRORS(":1: proxy must not contain blanks or control characters "
                        "(got \"http://p:1\\x0a\")"));
}

static void test_missing_file(void **state)
{
    char *path = pp_test_fmt("%s/absent.conf", root);
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;
    char *want;

    (void)state;
    assert_int_equal(pp_config_load(&cfg, path, NOARGS, &log), -1);
    assert_zeroed(&cfg);
    assert_int_equal(c.n, 1);
    want = pp_test_fmt("configuration %s: does not exist", path);
    assert_string_equal(c.line[0], want);
    assert_int_equal(c.prio[0], LOG_ERR);
    free(want);
    pp_capture_reset(&c);
    free(path);
}

/* With neither --config nor config=, the built-in path is the one read. */
static void test_default_path(void **state)
{
    const char *prefix = "configuration " PP_DEFAULT_CONFIG ": ";
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;
    struct stat st;

    (void)state;
    if (lstat(PP_DEFAULT_CONFIG, &st) == 0)
        skip();     /* installed here: its content is not ours to know */
    assert_int_equal(pp_config_load(&cfg, NULL, ARGS("debug"), &log), -1);
    assert_zeroed(&cfg);
    assert_int_equal(c.n, 1);
    assert_memory_equal(c.line[0], prefix, strlen(prefix));
    pp_capture_reset(&c);
}

static void test_unsafe_file(void **state)
{
    char *path = conf("unsafe.conf", "cache_ttl = 1;\n");
    char *link = pp_test_fmt("%s/link.conf", root);
    char *dir = pp_test_fmt("%s/open", root);
    char *inner = pp_test_fmt("%s/open/x.conf", root);
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;
    char *want;

    (void)state;
    assert_int_equal(chmod(path, 0666), 0);
    assert_int_equal(pp_config_load(&cfg, path, NOARGS, &log), -1);
    assert_zeroed(&cfg);
    want = pp_test_fmt("configuration %s: group- or world-writable (mode 0666)", path);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.line[0], want);
    free(want);
    pp_capture_reset(&c);

    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(chown(path, 12345, 0), 0);
    assert_int_equal(pp_config_load(&cfg, path, NOARGS, &log), -1);
    want = pp_test_fmt("configuration %s: owned by uid 12345, not root", path);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.line[0], want);
    free(want);
    pp_capture_reset(&c);

    assert_int_equal(chown(path, 0, 0), 0);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(pp_config_load(&cfg, link, NOARGS, &log), -1);
    want = pp_test_fmt("configuration %s: is a symbolic link", link);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.line[0], want);
    free(want);
    pp_capture_reset(&c);

    assert_int_equal(pp_test_mkdir(dir, 0777), 0);
    assert_int_equal(pp_test_write(inner, "cache_ttl = 1;\n", 0644, 0, 0), 0);
    assert_int_equal(pp_config_load(&cfg, inner, NOARGS, &log), -1);
    want = pp_test_fmt("configuration %s: parent directory %s is writable by group or others",
                       inner, dir);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.line[0], want);
    free(want);
    pp_capture_reset(&c);

    /* The good file still loads: the refusals were about the file. */
    assert_int_equal(pp_config_load(&cfg, path, NOARGS, &log), 0);
    assert_int_equal(cfg.cache_ttl, 1);
    pp_config_free(&cfg);
    free(path);
    free(link);
    free(dir);
    free(inner);
}

static void test_names(void **state)
{
    static const char *const expected[] = {
        "api_url", "broad_rules_for_system_accounts", "ca_file", "cache_dir", "cache_ttl",
        "check_program", "connect_timeout_ms", "debug",
        "expiry_warn_days", "minimum_uid", "negative_cache_ttl", "offline_grace",
        "on_failure", "proxy", "services", "store", "timeout_ms", "validate",
    };
    const char *const *names = pp_config_names();
    size_t n = 0;

    (void)state;
    for (; names[n] != NULL; n++) {
        if (n > 0 && strcmp(names[n - 1], names[n]) >= 0)
            fail_msg("not sorted: %s before %s", names[n - 1], names[n]);
    }
    assert_int_equal(n, sizeof(expected) / sizeof(expected[0]));
    for (size_t i = 0; i < n; i++)
        assert_string_equal(names[i], expected[i]);
}

/* Every name in the table is accepted in the file (none is "unknown"). */
static void test_every_name_known(void **state)
{
    const char *const *names = pp_config_names();
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config cfg;

    (void)state;
    for (size_t i = 0; names[i] != NULL; i++) {
        char *arg = pp_test_fmt("%s=", names[i]);
        const char *argv[] = { arg };
        char *path = conf("empty-ish.conf", "#\n");

        /* "name=" is either accepted or refused, but never "unknown". */
        if (pp_config_load(&cfg, path, 1, argv, &log) == 0)
            pp_config_free(&cfg);
        for (int j = 0; j < c.n; j++)
            assert_null(strstr(c.line[j], "unknown setting"));
        pp_capture_reset(&c);
        free(arg);
        free(path);
    }
}

/*
 * The file "make install" puts in place when there is none: every setting
 * is named in it, and with every "#name = value;" line uncommented it loads
 * to exactly the defaults (so the comments never lie about a default).
 */
static void test_shipped_file(void **state)
{
    const char *const *names = pp_config_names();
    struct pp_capture c = { 0 };
    struct pp_log log = { pp_capture_sink, &c, false, NULL };
    struct pp_config shipped, uncommented, defaults;
    char line[512], *text, *path_shipped, *path_uncommented;
    size_t len = 0, cap = 65536;
    int settings = 0;
    FILE *f;

    (void)state;
    text = calloc(1, cap);
    assert_non_null(text);
    f = fopen(PP_SHIPPED_CONF, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        /* "#name = value;" is a setting at its default: uncomment it. */
        size_t skip = line[0] == '#' && line[1] >= 'a' && line[1] <= 'z' ? 1 : 0;

        settings += (int)skip;
        assert_true(len + strlen(line) < cap);
        memcpy(text + len, line + skip, strlen(line + skip) + 1);
        len += strlen(line + skip);
    }
    fclose(f);
    for (size_t i = 0; names[i] != NULL; i++) {
        char *shown = pp_test_fmt("%s = ", names[i]);

        if (strstr(text, shown) == NULL)
            fail_msg("the shipped configuration does not mention %s", names[i]);
        free(shown);
    }
    /* services has no value meaning "all": it is the only one left out. */
    for (size_t i = 0; names[i] != NULL; i++)
        settings -= strcmp(names[i], "services") != 0;
    assert_int_equal(settings, 0);

    path_uncommented = conf("uncommented.conf", text);
    f = fopen(PP_SHIPPED_CONF, "r");
    assert_non_null(f);
    len = fread(text, 1, cap - 1, f);
    text[len] = '\0';
    fclose(f);
    path_shipped = conf("shipped.conf", text);
    free(text);

    assert_int_equal(pp_config_load(&defaults, path_shipped, NOARGS, &log), 0);
    assert_int_equal(pp_config_load(&uncommented, path_uncommented, NOARGS, &log), 0);
    assert_int_equal(c.n, 0);
    /* Compare everything but the path read. */
    free(defaults.config_path);
    free(uncommented.config_path);
    defaults.config_path = uncommented.config_path = NULL;
    memcpy(&shipped, &defaults, sizeof(shipped));
    assert_string_equal(uncommented.api_url, shipped.api_url);
    assert_string_equal(uncommented.store, PP_DEFAULT_STORE);
    assert_string_equal(uncommented.cache_dir, PP_DEFAULT_CACHE);
    assert_string_equal(uncommented.store, shipped.store);
    assert_string_equal(uncommented.cache_dir, shipped.cache_dir);
    assert_null(uncommented.ca_file);
    assert_null(uncommented.proxy);
    assert_null(uncommented.services);
    assert_int_equal(uncommented.validate, shipped.validate);
    assert_int_equal(uncommented.cache_ttl, shipped.cache_ttl);
    assert_int_equal(uncommented.negative_cache_ttl, shipped.negative_cache_ttl);
    assert_int_equal(uncommented.offline_grace, shipped.offline_grace);
    assert_int_equal(uncommented.connect_timeout_ms, shipped.connect_timeout_ms);
    assert_int_equal(uncommented.timeout_ms, shipped.timeout_ms);
    assert_int_equal(uncommented.expiry_warn_days, shipped.expiry_warn_days);
    assert_int_equal(uncommented.on_failure, shipped.on_failure);
    assert_int_equal(uncommented.minimum_uid, shipped.minimum_uid);
    assert_int_equal(uncommented.broad_rules_for_system_accounts,
                     shipped.broad_rules_for_system_accounts);
    assert_int_equal(uncommented.debug, shipped.debug);
    pp_config_free(&defaults);
    pp_config_free(&uncommented);
    free(path_shipped);
    free(path_uncommented);
}

static int setup(void **state)
{
    (void)state;
    root = pp_test_mkroot();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pp_test_rmtree(root);
    free(root);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_setting),
        cmocka_unit_test(test_args_override_file),
        cmocka_unit_test(test_bare_boolean_args),
        cmocka_unit_test(test_debug_arg_before_file),
        cmocka_unit_test(test_config_argument),
        cmocka_unit_test(test_services_forms_and_scope),
        cmocka_unit_test(test_malformed_file),
        cmocka_unit_test(test_include_refused),
        cmocka_unit_test(test_nul_byte_refused),
        cmocka_unit_test(test_unknown_settings),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_bad_strings),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_unsafe_file),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_every_name_known),
        cmocka_unit_test(test_shipped_file),
    };

    pp_test_require_root();
    return cmocka_run_group_tests(tests, setup, teardown);
}

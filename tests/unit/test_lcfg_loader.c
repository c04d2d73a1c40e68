/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_lcfg_loader.c: every reader and writer of libconfig text when
 * libconfig cannot be loaded. This program is linked with its own copy of
 * lib/lcfg_loader.c, compiled with PP_LIBCONFIG_OPEN naming a file that
 * does not exist (tests/unit/core.mk); libpp's copy, which opens
 * PP_LIBCONFIG_SONAME, is then not linked in. Each entry point must fail
 * with its usual return, log the library and dlerror's text once, and never
 * call through the missing table (a crash here is the bug this guards).
 * The file cases need root (a root-owned configuration, a safe cache
 * directory) and are skipped otherwise.
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
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache.h"
#include "conf.h"
#include "lcfg_loader.h"
#include "log.h"
#include "mapping.h"
#include "store.h"
#include "capture.h"
#include "testroot.h"

#ifndef PP_LIBCONFIG_OPEN
#error "build this test with -DPP_LIBCONFIG_OPEN=... (tests/unit/core.mk)"
#endif

/* Every test key contains this marker; no log line may. */
#define MARK "Sekr1t"
#define KEY "pnu_" MARK "0123456789abcdefghij"
#define ACC "0b5b2a3c-1111-4a2b-9c3d-0123456789ab"
#define WS "7e4c1d2a-2222-4b3c-8d4e-abcdef012345"
/* What every failure says after its own prefix. */
#define WHY "cannot load libconfig: " PP_LIBCONFIG_OPEN ": "
#define DLERR "cannot open shared object file"

static struct pp_capture cap;
static struct pp_log tlog = { pp_capture_sink, &cap, false, NULL };
static char *root;

static void cap_reset(void)
{
    pp_capture_reset(&cap);
    cap.forbid = MARK;
    tlog.debug = false;
}

static void skip_unless_root(void)
{
    if (geteuid() != 0) {
        print_message("not root: skipped (needs root-owned files)\n");
        skip();
    }
}

/* The loader itself: NULL, dlerror's text, the same answer every time. */
static void test_load_fails(void **state)
{
    const char *why = NULL, *why2 = NULL;

    (void)state;
    assert_int_equal(pp_libconfig_load(&why), -1);
    assert_non_null(why);
    assert_true(strncmp(why, PP_LIBCONFIG_OPEN ": ", strlen(PP_LIBCONFIG_OPEN ": ")) == 0);
    assert_non_null(strstr(why, DLERR));
    assert_int_equal(pp_libconfig_load(&why2), -1);
    assert_ptr_equal(why, why2);
    assert_int_equal(pp_libconfig_load(NULL), -1);
}

/* The configuration's text: refused, everything freed, one error line. */
static void test_config_parse(void **state)
{
    static const char text[] = "cache_ttl = 10;\n";
    struct pp_config cfg;

    (void)state;
    cap_reset();
    assert_int_equal(pp_config_parse(&cfg, text, strlen(text), "/etc/pp.conf", 0, NULL, &tlog),
                     -1);
    assert_null(cfg.config_path);
    pp_capture_expect_error_with(&cap, "/etc/pp.conf: not read: " WHY, DLERR);
}

/* The configuration file, as the module reads it. */
static void test_config_load(void **state)
{
    char *path, *prefix;
    struct pp_config cfg;

    (void)state;
    skip_unless_root();
    path = pp_test_fmt("%s/pam_prefect.conf", root);
    assert_int_equal(pp_test_write(path, "cache_ttl = 10;\n", 0644, 0, 0), 0);
    cap_reset();
    assert_int_equal(pp_config_load(&cfg, path, 0, NULL, &tlog), -1);
    assert_null(cfg.config_path);
    prefix = pp_test_fmt("%s: not read: " WHY, path);
    pp_capture_expect_error_with(&cap, prefix, DLERR);
    free(prefix);
    free(path);
}

/* A key entry: refused and cleared; the key is in no log line (cap.forbid). */
static void test_entry_parse(void **state)
{
    static const char text[] = "key = \"" KEY "\";\naccount_id = \"" ACC "\";\n"
                               "workspace_id = \"" WS "\";\n";
    struct pp_entry e;

    (void)state;
    cap_reset();
    assert_int_equal(pp_entry_parse(text, "/store/a.key", "a", &e, &tlog), -1);
    assert_null(e.key);
    pp_capture_expect_error_with(&cap, "/store/a.key: not read: " WHY, DLERR);
}

static void test_mapping_parse(void **state)
{
    static const char text[] = "users = ( { user = \"alice\"; entry = \"a\"; } );\n";
    struct pp_mapping m;

    (void)state;
    cap_reset();
    assert_int_equal(pp_mapping_parse(text, "/store/mapping", &m, &tlog), -1);
    pp_capture_expect_error_with(&cap, "/store/mapping: not read: " WHY, DLERR);
    pp_mapping_free(&m);
}

/* A cache record: not read (and not called malformed), nothing logged. */
static void test_cache_parse(void **state)
{
    static const char text[] = "fingerprint = \"0123456789abcdef\";\n";
    struct pp_cache_record rec;

    (void)state;
    assert_string_equal(pp_cache_parse(text, strlen(text), &rec), "cannot load libconfig");
    assert_string_equal(rec.fingerprint, "");
}

/* Writing a record needs libconfig too: refused, no file, no temp file. */
static void test_cache_write(void **state)
{
    struct pp_config cfg;
    struct pp_cache_record rec;
    char *dir, *path;
    struct stat st;

    (void)state;
    skip_unless_root();
    dir = pp_test_fmt("%s/cache", root);
    assert_int_equal(pp_test_mkdir(dir, 0700), 0);
    memset(&cfg, 0, sizeof(cfg));
    cfg.cache_dir = dir;
    memset(&rec, 0, sizeof(rec));
    strcpy(rec.fingerprint, "0123456789abcdef");
    strcpy(rec.account_id, ACC);
    strcpy(rec.workspace_id, WS);
    rec.outcome = PP_OUT_VALID;
    rec.checked_at = 1700000000;
    cap_reset();
    assert_int_equal(pp_cache_write(&cfg, "a-key", &rec, &tlog), -1);
    pp_capture_expect_error_with(&cap, "cache: cannot write the record of a-key: " WHY, DLERR);
    path = pp_test_fmt("%s/a-key" PP_CACHE_RECORD_SUFFIX, dir);
    assert_int_equal(lstat(path, &st), -1);
    /* Nothing else either (a temp file): only an empty directory goes. */
    assert_int_equal(rmdir(dir), 0);
    free(path);
    free(dir);
}

static int setup(void **state)
{
    (void)state;
    if (geteuid() == 0)
        root = pp_test_mkroot();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (root != NULL)
        pp_test_rmtree(root);
    free(root);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_fails),
        cmocka_unit_test(test_config_parse),
        cmocka_unit_test(test_config_load),
        cmocka_unit_test(test_entry_parse),
        cmocka_unit_test(test_mapping_parse),
        cmocka_unit_test(test_cache_parse),
        cmocka_unit_test(test_cache_write),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}

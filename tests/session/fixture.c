/* fixture.c: see fixture.h. */
#include <config.h>

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testroot.h"
#include "timefmt.h"

static void die(const char *what, const char *path)
{
    fprintf(stderr, "fixture: %s %s failed\n", what, path);
    exit(99);
}

void fx_init(struct fx *fx)
{
    const char *root = getenv("PP_TESTROOT");

    if (root == NULL || root[0] != '/') {
        fprintf(stderr, "fixture: PP_TESTROOT is not set (run through the .test script)\n");
        exit(99);
    }
    fx->root = root;
    fx->etc = pp_test_fmt("%s/etc", root);
    fx->config = pp_test_fmt("%s/pam_prefect.conf", fx->etc);
    fx->store = pp_test_fmt("%s/store", root);
    fx->cache = pp_test_fmt("%s/cache", root);
    if (pp_test_mkdir(fx->etc, 0755) != 0)
        die("mkdir", fx->etc);
}

void fx_free(struct fx *fx)
{
    free(fx->etc);
    free(fx->config);
    free(fx->store);
    free(fx->cache);
    memset(fx, 0, sizeof(*fx));
}

void fx_config_text(const char *path, const char *text)
{
    if (pp_test_write(path, text, 0644, 0, 0) != 0)
        die("writing", path);
}

void fx_config_validate(const struct fx *fx, bool validate, const char *extra)
{
    char *text = pp_test_fmt("# session test configuration\n"
                             "store = \"%s\";\n"
                             "cache_dir = \"%s\";\n"
                             "validate = %s;\n"
                             "%s\n",
                             fx->store, fx->cache, validate ? "true" : "false",
                             extra != NULL ? extra : "");

    fx_config_text(fx->config, text);
    free(text);
}

void fx_config(const struct fx *fx, const char *extra)
{
    fx_config_validate(fx, false, extra);
}

void fx_store_reset(const struct fx *fx)
{
    pp_test_rmtree(fx->store);
    if (pp_test_mkdir(fx->store, 0700) != 0)
        die("mkdir", fx->store);
}

char *fx_entry_text(const char *key, const char *account, const char *workspace,
                    time_t expires, const char *extra)
{
    char when[PP_TIME_SIZE];
    char *exp = expires != 0 ? pp_test_fmt("expires = \"%s\";\n", pp_time_format(expires, when))
                             : strdup("");
    char *text = pp_test_fmt("key = \"%s\";\n"
                             "account_id = \"%s\";\n"
                             "workspace_id = \"%s\";\n"
                             "%s"
                             "comment = \"session test entry\";\n"
                             "%s",
                             key, account, workspace, exp, extra != NULL ? extra : "");
    free(exp);
    return text;
}

char *fx_entry_path(const struct fx *fx, const char *name)
{
    return pp_test_fmt("%s/%s.key", fx->store, name);
}

void fx_entry_raw(const struct fx *fx, const char *name, const char *text, mode_t mode,
                  uid_t uid, gid_t gid)
{
    char *path = fx_entry_path(fx, name);

    if (pp_test_write(path, text, mode, uid, gid) != 0)
        die("writing", path);
    free(path);
}

void fx_entry(const struct fx *fx, const char *name, const char *key, const char *account,
              const char *workspace, time_t expires, const char *extra)
{
    char *text = fx_entry_text(key, account, workspace, expires, extra);

    fx_entry_raw(fx, name, text, 0600, 0, 0);
    free(text);
}

void fx_mapping(const struct fx *fx, const char *text)
{
    char *path = pp_test_fmt("%s/mapping", fx->store);

    if (pp_test_write(path, text, 0600, 0, 0) != 0)
        die("writing", path);
    free(path);
}

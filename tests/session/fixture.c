/* SPDX-License-Identifier: BSD-3-Clause */
/* fixture.c: see fixture.h. */
#include <config.h>

#include "fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testroot.h"
#include "timefmt.h"

#define MAX_ARGS 24

static const char *pk_path;     /* $PP_PREFECT_KEYS */
static char *pk_output;         /* $PP_TESTROOT/prefect-keys.out */

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
    pk_path = getenv("PP_PREFECT_KEYS");
    if (pk_path == NULL || access(pk_path, X_OK) != 0) {
        fprintf(stderr, "fixture: PP_PREFECT_KEYS does not name prefect-keys (run through "
                        "the .test script)\n");
        exit(99);
    }
    /* A tool that exits before reading its input must not kill the test. */
    signal(SIGPIPE, SIG_IGN);
    fx->root = root;
    fx->etc = pp_test_fmt("%s/etc", root);
    fx->config = pp_test_fmt("%s/pam_prefect.conf", fx->etc);
    fx->store = pp_test_fmt("%s/store", root);
    fx->cache = pp_test_fmt("%s/cache", root);
    free(pk_output);
    pk_output = pp_test_fmt("%s/prefect-keys.out", root);
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
    free(pk_output);
    pk_output = NULL;
}

void fx_config_text(const char *path, const char *text)
{
    if (pp_test_write(path, text, 0644, 0, 0) != 0)
        die("writing", path);
}

void fx_config_validate(const struct fx *fx, bool validate, const char *extra)
{
    const char *prog = getenv("PP_CHECK_PROGRAM");
    char *text = pp_test_fmt("# session test configuration\n"
                             "store = \"%s\";\n"
                             "cache_dir = \"%s\";\n"
                             "validate = %s;\n"
                             "%s\n"
                             "%s%s%s",
                             fx->store, fx->cache, validate ? "true" : "false",
                             extra != NULL ? extra : "",
                             prog != NULL ? "check_program = \"" : "", prog != NULL ? prog : "",
                             prog != NULL ? "\";\n" : "");

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
}

/* Show what the failed run printed (from offset on), then exit 99. */
static void pk_failed(const char *const *argv, const char *why, long offset)
{
    char *out = pp_test_slurp(pk_output);

    fprintf(stderr, "fixture: prefect-keys");
    for (const char *const *a = argv + 1; *a != NULL; a++)
        fprintf(stderr, " %s", *a);
    fprintf(stderr, ": %s; it printed:\n%s\n", why,
            out != NULL && (long)strlen(out) >= offset ? out + offset : "(nothing)");
    free(out);
    exit(99);
}

static void pk_run(const char *const *argv, const char *input)
{
    struct stat st;
    long offset = stat(pk_output, &st) == 0 ? (long)st.st_size : 0;
    int in[2] = { -1, -1 };
    int status;
    pid_t pid;

    if (input != NULL && pipe2(in, O_CLOEXEC) != 0)
        die("pipe for", pk_path);
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        die("fork for", pk_path);
    if (pid == 0) {
        int out = open(pk_output, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

        if (out < 0 || null < 0 || dup2(input != NULL ? in[0] : null, 0) < 0
            || dup2(out, 1) < 0 || dup2(out, 2) < 0)
            _exit(126);
        execv(pk_path, (char *const *)argv);
        _exit(127);
    }
    if (input != NULL) {
        size_t len = strlen(input);

        close(in[0]);
        /* The key goes only down this pipe: never on the tool's argv. */
        if (write(in[1], input, len) != (ssize_t)len || write(in[1], "\n", 1) != 1)
            if (errno != EPIPE)
                die("writing the key to", pk_path);
        close(in[1]);
    }
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid for", pk_path);
    if (!WIFEXITED(status))
        pk_failed(argv, "killed by a signal", offset);
    if (WEXITSTATUS(status) != 0) {
        char why[32];

        snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(status));
        pk_failed(argv, why, offset);
    }
}

void fx_pk(const char *config, const char *input, ...)
{
    const char *argv[MAX_ARGS + 1];
    size_t n = 0;
    const char *a;
    va_list ap;

    argv[n++] = pk_path;
    argv[n++] = "--config";
    argv[n++] = config;
    va_start(ap, input);
    while ((a = va_arg(ap, const char *)) != NULL) {
        if (n == MAX_ARGS) {
            va_end(ap);
            die("too many arguments for", pk_path);
        }
        argv[n++] = a;
    }
    va_end(ap);
    argv[n] = NULL;
    pk_run(argv, input);
}

void fx_entry_conf(const char *config, const char *store, const char *name, const char *key,
                   const char *account, const char *workspace, time_t expires)
{
    char *path = pp_test_fmt("%s/%s.key", store, name);
    char *ws = pp_test_fmt("%s/%s", account, workspace);
    char when[PP_TIME_SIZE];
    struct stat st;
    bool force = lstat(path, &st) == 0 || (expires != 0 && expires <= time(NULL));
    const char *force_arg = force ? "--force" : NULL;

    if (expires != 0)
        fx_pk(config, key, "add", name, "--workspace", ws, "--no-validate", "--expires",
              pp_time_format(expires, when), force_arg, (char *)NULL);
    else
        fx_pk(config, key, "add", name, "--workspace", ws, "--no-validate", force_arg,
              (char *)NULL);
    free(ws);
    free(path);
}

void fx_entry(const struct fx *fx, const char *name, const char *key, const char *account,
              const char *workspace, time_t expires)
{
    fx_entry_conf(fx->config, fx->store, name, key, account, workspace, expires);
}

void fx_map(const struct fx *fx, const char *kind, const char *name, const char *entry)
{
    if (name != NULL)
        fx_pk(fx->config, NULL, "map", kind, name, entry, (char *)NULL);
    else
        fx_pk(fx->config, NULL, "map", kind, entry, (char *)NULL);
}

void fx_unmap(const struct fx *fx, const char *kind, const char *name)
{
    fx_pk(fx->config, NULL, "unmap", kind, name, (char *)NULL);
}

char *fx_entry_path(const struct fx *fx, const char *name)
{
    return pp_test_fmt("%s/%s.key", fx->store, name);
}

char *fx_entry_read(const struct fx *fx, const char *name)
{
    char *path = fx_entry_path(fx, name);
    char *text = pp_test_slurp(path);

    if (text == NULL)
        die("reading", path);
    free(path);
    return text;
}

void fx_entry_raw(const struct fx *fx, const char *name, const char *text, mode_t mode,
                  uid_t uid, gid_t gid)
{
    char *path = fx_entry_path(fx, name);

    if (pp_test_write(path, text, mode, uid, gid) != 0)
        die("writing", path);
    free(path);
}

void fx_mapping_raw(const struct fx *fx, const char *text)
{
    char *path = pp_test_fmt("%s/mapping", fx->store);

    if (pp_test_write(path, text, 0600, 0, 0) != 0)
        die("writing", path);
    free(path);
}

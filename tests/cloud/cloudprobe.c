/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cloudprobe.c: drives the Cloud client, the cache and the check from the
 * shell tests, one call per run, and prints what came back as key=value
 * lines (never a key: keys come from standard input or the store).
 *
 *   cloudclient [options] workspaces            key on stdin
 *   cloudclient [options] expiration ACCOUNT USER KEYID SA   ("-" = none; key on stdin)
 *   cloudprobe [options] check ENTRY            entry from the store
 *   cloudprobe [options] cache ENTRY            the entry's cache record
 *   cloudprobe [options] uncache ENTRY          remove it (pp_cache_remove)
 * options:
 *   --config PATH          the configuration (required)
 *   --api-url URL          override api_url after loading (even http://)
 *   --no-ca-file           forget ca_file (use the system's CAs)
 *   --proxy URL            override proxy
 *   --timeout MS, --connect-timeout MS
 *   --now +N | -N | T      "now" for check: time(NULL) + N, or epoch T
 *   --force                check: ignore a fresh cached result
 *   --ruid UID             run with real uid UID (effective and saved stay
 *                          root), as su and sudo run a login: UID may signal it
 * cloudclient is cloudprobe with the Cloud client's two commands, linked
 * with libcurl and json-c; cloudprobe, like a login, is not.
 * Log lines go to stderr as "log: <priority> line". The last line on stdout
 * is "elapsed_ms=N maxrss_kb=N".
 */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <time.h>

#include "cache.h"
#include "check.h"
#include "cloud.h"
#include "conf.h"
#include "log.h"
#include "secret.h"
#include "store.h"
#include "timefmt.h"
#include "verdict.h"

static void sink(void *ctx, int priority, const char *line)
{
    (void)ctx;
    fprintf(stderr, "log: <%d> %s\n", priority, line);
}

#ifdef PP_PROBE_CLIENT
static const char *status_name(enum pp_cloud_status s)
{
    switch (s) {
    case PP_CLOUD_OK: return "ok";
    case PP_CLOUD_REJECTED: return "rejected";
    case PP_CLOUD_NOT_FOUND: return "not-found";
    case PP_CLOUD_UNREACHABLE: return "unreachable";
    }
    return "?";
}

static char *read_key(void)
{
    char buf[4096];
    size_t n;

    if (fgets(buf, sizeof(buf), stdin) == NULL) {
        fprintf(stderr, "cloudprobe: no key on standard input\n");
        exit(2);
    }
    n = strcspn(buf, "\r\n");
    buf[n] = '\0';
    {
        char *key = pp_strdup_secret(buf);

        pp_wipe(buf, sizeof(buf));
        if (key == NULL)
            exit(99);
        return key;
    }
}

static const char *opt_id(const char *s)
{
    return strcmp(s, "-") == 0 ? "" : s;
}

static void print_answer(int rc, const struct pp_cloud_answer *a)
{
    printf("rc=%d\nstatus=%s\nhttp=%ld\nretry_after=%ld\nretried=%ld\nkey_id=%s\nreason=%s\n",
           rc, status_name(a->status), a->http_status, a->retry_after,
           a->retried_http_status, a->key_id[0] ? a->key_id : "-", a->reason);
}

#endif

static void replace(char **field, const char *value)
{
    free(*field);
    *field = value != NULL ? strdup(value) : NULL;
    if (value != NULL && *field == NULL)
        exit(99);
}

int main(int argc, char **argv)
{
    struct pp_log log = { sink, NULL, true, NULL };
    struct pp_config cfg;
    const char *config = NULL, *api_url = NULL, *proxy = NULL, *cmd;
    bool no_ca = false, force = false, set_proxy = false;
    long timeout = -1, connect_timeout = -1;
    time_t now = time(NULL);
    struct timespec t0, t1;
    struct rusage ru;
    int i, rc = 0;

    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *o = argv[i];

        if (strcmp(o, "--no-ca-file") == 0) {
            no_ca = true;
        } else if (strcmp(o, "--force") == 0) {
            force = true;
        } else if (i + 1 >= argc) {
            fprintf(stderr, "cloudprobe: %s needs a value\n", o);
            return 2;
        } else if (strcmp(o, "--config") == 0) {
            config = argv[++i];
        } else if (strcmp(o, "--api-url") == 0) {
            api_url = argv[++i];
        } else if (strcmp(o, "--proxy") == 0) {
            proxy = argv[++i];
            set_proxy = true;
        } else if (strcmp(o, "--ruid") == 0) {
            if (setresuid((uid_t)atol(argv[++i]), 0, 0) != 0) {
                perror("cloudprobe: setresuid");
                return 2;
            }
        } else if (strcmp(o, "--timeout") == 0) {
            timeout = atol(argv[++i]);
        } else if (strcmp(o, "--connect-timeout") == 0) {
            connect_timeout = atol(argv[++i]);
        } else if (strcmp(o, "--now") == 0) {
            const char *v = argv[++i];

            now = (v[0] == '+' || v[0] == '-') ? time(NULL) + atol(v) : (time_t)atol(v);
        } else {
            fprintf(stderr, "cloudprobe: unknown option %s\n", o);
            return 2;
        }
    }
    if (config == NULL || i >= argc) {
        fprintf(stderr, "usage: cloudprobe --config PATH [options] COMMAND ...\n");
        return 2;
    }
    cmd = argv[i++];

    memset(&cfg, 0, sizeof(cfg));
    if (pp_config_load(&cfg, config, 0, NULL, &log) != 0) {
        fprintf(stderr, "cloudprobe: cannot load %s\n", config);
        return 2;
    }
    if (api_url != NULL)
        replace(&cfg.api_url, api_url);
    if (no_ca)
        replace(&cfg.ca_file, NULL);
    if (set_proxy)
        replace(&cfg.proxy, proxy);
    if (timeout >= 0)
        cfg.timeout_ms = timeout;
    if (connect_timeout >= 0)
        cfg.connect_timeout_ms = connect_timeout;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (0) {
#ifdef PP_PROBE_CLIENT
    } else if (strcmp(cmd, "workspaces") == 0 && i == argc) {
        struct pp_cloud_answer ans;
        struct pp_workspace *ws = NULL;
        size_t n = 0, k;
        char *key = read_key();

        rc = pp_cloud_workspaces_on(NULL, &cfg, key, &ws, &n, &ans, &log);
        pp_free_secret(key);
        print_answer(rc, &ans);
        printf("count=%zu\n", n);
        for (k = 0; k < n; k++)
            printf("workspace=%s %s %s/%s\n", ws[k].account_id, ws[k].workspace_id,
                   ws[k].account_handle, ws[k].workspace_handle);
        free(ws);
    } else if (strcmp(cmd, "expiration") == 0 && i + 4 == argc) {
        struct pp_cloud_answer ans;
        char t[PP_TIME_SIZE];
        bool has = false;
        time_t when = 0;
        char *key = read_key();

        rc = pp_cloud_expiration_on(NULL, &cfg, key, opt_id(argv[i]), opt_id(argv[i + 1]),
                                    opt_id(argv[i + 2]), opt_id(argv[i + 3]), &has, &when, &ans,
                                    &log);
        pp_free_secret(key);
        print_answer(rc, &ans);
        printf("expiration=%s\n", has ? pp_time_format(when, t) : "none");
        printf("expiration_epoch=%lld\n", has ? (long long)when : -1LL);
#endif
    } else if (strcmp(cmd, "check") == 0 && i + 1 == argc) {
        struct pp_entry e;
        struct pp_verdict v;
        char t[PP_TIME_SIZE];

        memset(&e, 0, sizeof(e));
        if (pp_entry_load(&cfg, argv[i], &e, &log) != 0) {
            fprintf(stderr, "cloudprobe: cannot load entry %s\n", argv[i]);
            pp_config_free(&cfg);
            return 2;
        }
        /* As a login does (decide.c): the fingerprint from the record if it can. */
        pp_cache_fingerprint(&cfg, &e, &log);
        rc = pp_check_entry(&cfg, &e, now, force, &v, &log);
        pp_entry_clear(&e);
        printf("rc=%d\n", rc);
        if (rc == 0) {
            printf("outcome=%s\nexport=%d\nfrom_cache=%d\nexpires=%s\nreason=%s\n",
                   pp_outcome_name(v.outcome), v.export_key ? 1 : 0, v.from_cache ? 1 : 0,
                   v.has_expires ? pp_time_format(v.expires, t) : "none", v.reason);
        }
    } else if (strcmp(cmd, "cache") == 0 && i + 1 == argc) {
        struct pp_cache_record r;
        char t[PP_TIME_SIZE];

        rc = pp_cache_read(&cfg, argv[i], &r, &log);
        printf("rc=%d\n", rc);
        if (rc == 0) {
            printf("fingerprint=%s\nworkspace=%s/%s\noutcome=%s\nchecked_at=%lld\n",
                   r.fingerprint, r.account_id, r.workspace_id, pp_outcome_name(r.outcome),
                   (long long)r.checked_at);
            printf("last_valid_at=%lld\n", r.has_last_valid ? (long long)r.last_valid_at : -1LL);
            printf("expiration=%s\n", r.has_expires ? pp_time_format(r.expires, t) : "none");
            printf("backoff_until=%lld\n", r.has_backoff ? (long long)r.backoff_until : -1LL);
            printf("http_status=%ld\nserial=%lu\nreason=%s\n", r.http_status, r.serial, r.reason);
        }
    } else if (strcmp(cmd, "uncache") == 0 && i + 1 == argc) {
        rc = pp_cache_remove(&cfg, argv[i], &log);
        printf("rc=%d\n", rc);
    } else {
        fprintf(stderr, "cloudprobe: unknown command or wrong arguments: %s\n", cmd);
        pp_config_free(&cfg);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    getrusage(RUSAGE_SELF, &ru);
    printf("elapsed_ms=%ld maxrss_kb=%ld\n",
           (long)(t1.tv_sec - t0.tv_sec) * 1000L + (long)(t1.tv_nsec - t0.tv_nsec) / 1000000L,
           ru.ru_maxrss);
    pp_config_free(&cfg);
    return 0;
}

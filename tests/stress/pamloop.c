/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pamloop.c: a long-lived PAM application for the stress test's leak mode.
 * One process runs COUNT login sessions of USER through SERVICE
 * (pam_start, pam_open_session, pam_getenvlist, pam_close_session,
 * pam_end), as a daemon that opens sessions all day does, and checks that
 * its open descriptors (/proc/self/fd) and its resident memory
 * (/proc/self/statm) stay flat: measured after WARMUP sessions and at the
 * end, it fails when the descriptors differ or the memory grew by more
 * than MAXGROW KiB. Each session must export PREFECT_API_KEY (the test
 * gives USER a working key), so a run that silently stopped exporting
 * cannot pass. The key is never printed.
 *
 * Usage: pamloop SERVICE USER COUNT [WARMUP [MAXGROW_KIB]]
 * Exit: 0 flat, 1 not flat or a session without the key, 2 usage/setup.
 */
#include <config.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "secret.h"

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
    (void)msg;
    (void)data;
    if (n <= 0 || n > PAM_MAX_NUM_MSG)
        return PAM_CONV_ERR;
    *resp = calloc((size_t)n, sizeof(**resp));
    return *resp == NULL ? PAM_BUF_ERR : PAM_SUCCESS;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1;       /* the directory's own descriptor */
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size, resident = -1;

    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* One session; 1 when it exported PREFECT_API_KEY, 0 when not, -1 on a PAM error. */
static int session(const char *service, const char *user)
{
    struct pam_conv pc = { conv, NULL };
    pam_handle_t *ph = NULL;
    char **env;
    int rc, got = 0;

    if (pam_start(service, user, &pc, &ph) != PAM_SUCCESS)
        return -1;
    rc = pam_open_session(ph, 0);
    if (rc == PAM_SUCCESS) {
        env = pam_getenvlist(ph);
        for (char **e = env; e != NULL && *e != NULL; e++) {
            if (strncmp(*e, "PREFECT_API_KEY=", 16) == 0)
                got = 1;
            pp_free_secret(*e);
        }
        free(env);
        rc = pam_close_session(ph, 0);
    }
    pam_end(ph, rc);
    return rc == PAM_SUCCESS ? got : -1;
}

int main(int argc, char **argv)
{
    long count, warmup, maxgrow, rss0 = 0, rss1;
    int fds0 = 0, fds1, r;

    if (argc < 4 || argc > 6) {
        fprintf(stderr, "usage: %s SERVICE USER COUNT [WARMUP [MAXGROW_KIB]]\n", argv[0]);
        return 2;
    }
    count = strtol(argv[3], NULL, 10);
    warmup = argc > 4 ? strtol(argv[4], NULL, 10) : 1000;
    maxgrow = argc > 5 ? strtol(argv[5], NULL, 10) : 1024;
    if (count <= warmup || warmup < 1 || maxgrow < 0) {
        fprintf(stderr, "pamloop: COUNT must exceed WARMUP (>= 1)\n");
        return 2;
    }
    for (long i = 0; i < count; i++) {
        if (i == warmup) {
            fds0 = count_fds();
            rss0 = rss_kib();
        }
        r = session(argv[1], argv[2]);
        if (r != 1) {
            fprintf(stderr, "pamloop: session %ld: %s\n", i + 1,
                    r < 0 ? "a PAM call failed" : "PREFECT_API_KEY not exported");
            return 1;
        }
    }
    fds1 = count_fds();
    rss1 = rss_kib();
    printf("pamloop: %ld sessions; after %ld: %d descriptors, %ld KiB resident; at the end: "
           "%d descriptors, %ld KiB resident\n", count, warmup, fds0, rss0, fds1, rss1);
    if (fds0 < 0 || rss0 < 0 || fds1 != fds0 || rss1 - rss0 > maxgrow) {
        fprintf(stderr, "pamloop: not flat (descriptors %d -> %d, resident %ld -> %ld KiB, "
                "allowed growth %ld KiB)\n", fds0, fds1, rss0, rss1, maxgrow);
        return 1;
    }
    return 0;
}

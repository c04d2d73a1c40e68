/* SPDX-License-Identifier: BSD-3-Clause */
/* testroot.c: see testroot.h. */
#define _GNU_SOURCE
#include "testroot.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void pp_test_require_root(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "SKIP: this test needs root (the store must be root-owned)\n");
        exit(77);
    }
}

char *pp_test_mkroot(void)
{
    const char *parent = getenv("PP_TEST_SAFE_PARENT");
    char *path;

    if (parent == NULL || *parent == '\0')
        parent = "/run";
    if (asprintf(&path, "%s/pam_prefect-test.XXXXXX", parent) < 0)
        exit(99);
    if (mkdtemp(path) == NULL) {
        fprintf(stderr, "cannot make a test directory under %s: %s\n", parent, strerror(errno));
        exit(99);
    }
    if (chmod(path, 0755) != 0)
        exit(99);
    return path;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    if (flag == FTW_DP)
        return rmdir(p) == 0 || errno == ENOENT ? 0 : -1;
    return unlink(p) == 0 || errno == ENOENT ? 0 : -1;
}

void pp_test_rmtree(const char *path)
{
    if (path != NULL)
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int pp_test_write(const char *path, const char *content, mode_t mode, uid_t uid, gid_t gid)
{
    size_t len = strlen(content);
    int fd;

    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (write(fd, content, len) != (ssize_t)len || fchown(fd, uid, gid) != 0
        || fchmod(fd, mode) != 0) {
        close(fd);
        return -1;
    }
    return close(fd);
}

int pp_test_mkdir(const char *path, mode_t mode)
{
    char *copy = strdup(path);
    char *p;

    if (copy == NULL)
        return -1;
    for (p = copy + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
                free(copy);
                return -1;
            }
            *p = '/';
        }
    }
    free(copy);
    if (mkdir(path, mode) != 0 && errno != EEXIST)
        return -1;
    return chmod(path, mode);
}

char *pp_test_slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    char *buf = NULL;
    size_t cap = 0, len = 0, n;

    if (f == NULL)
        return NULL;
    do {
        if (len + 4096 + 1 > cap) {
            cap = (cap + 4096) * 2;
            buf = realloc(buf, cap);
            if (buf == NULL)
                exit(99);
        }
        n = fread(buf + len, 1, 4096, f);
        len += n;
    } while (n > 0);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

char *pp_test_fmt(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        exit(99);
    va_end(ap);
    return s;
}

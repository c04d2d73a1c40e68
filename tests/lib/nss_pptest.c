/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nss_pptest.c: an NSS source for the tests only (libnss_pptest.so.2),
 * selected by "passwd: pptest" and "group: pptest" in an nsswitch.conf that
 * tests/lib/nss-pptest.sh bind-mounts over /etc/nsswitch.conf inside a
 * mount namespace of their own (the system's file is never touched).
 *
 * It answers from passwd and group files in the usual format
 * ($PPTEST_NSS_PASSWD, $PPTEST_NSS_GROUP, parsed with glibc's fgetpwent_r
 * and fgetgrent_r), and fails on demand like a directory that went away:
 * while the file $PPTEST_NSS_DOWN exists, the calls named in it (words:
 * "all", or any of "passwd", "group", "initgroups") return NSS_STATUS_UNAVAIL with
 * errno ENOENT, or EPERM when the file also says "EPERM" (what nss-ldap
 * leaves when nslcd's socket is gone, or refused). When $PPTEST_NSS_CALLS
 * names a file, every call by name is added to it as a line: "passwd NAME",
 * "group NAME" or "initgroups USER" (what a login asked NSS, and how often).
 */
#include <config.h>

#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

enum nss_status _nss_pptest_getpwnam_r(const char *name, struct passwd *pw, char *buf,
                                       size_t buflen, int *errnop);
enum nss_status _nss_pptest_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t buflen,
                                       int *errnop);
enum nss_status _nss_pptest_getgrnam_r(const char *name, struct group *gr, char *buf,
                                       size_t buflen, int *errnop);
enum nss_status _nss_pptest_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t buflen,
                                       int *errnop);
enum nss_status _nss_pptest_initgroups_dyn(const char *user, gid_t group, long *start,
                                           long *size, gid_t **groupsp, long limit,
                                           int *errnop);

/* Whether calls of kind are to fail now; *err: the errno they leave. */
static bool down(const char *kind, int *err)
{
    const char *path = secure_getenv("PPTEST_NSS_DOWN");
    char text[256];
    size_t n;
    FILE *f;

    if (path == NULL || (f = fopen(path, "re")) == NULL)
        return false;
    n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    {
        bool hit = false, eperm = false;
        char *save = NULL;

        for (char *w = strtok_r(text, " \t\n", &save); w != NULL;
             w = strtok_r(NULL, " \t\n", &save)) {
            hit = hit || strcmp(w, "all") == 0 || strcmp(w, kind) == 0;
            eperm = eperm || strcmp(w, "EPERM") == 0;
        }
        *err = eperm ? EPERM : ENOENT;
        return hit;
    }
}

/* One line for the call log, if there is one. */
static void note(const char *kind, const char *name)
{
    const char *path = secure_getenv("PPTEST_NSS_CALLS");
    FILE *f;

    if (path == NULL || (f = fopen(path, "ae")) == NULL)
        return;
    fprintf(f, "%s %s\n", kind, name);
    fclose(f);
}

static FILE *open_db(const char *var, int *errnop, enum nss_status *st)
{
    const char *path = secure_getenv(var);
    FILE *f = path != NULL ? fopen(path, "re") : NULL;

    if (f == NULL) {
        *errnop = ENOENT;
        *st = NSS_STATUS_UNAVAIL;
    }
    return f;
}

/* The passwd line whose name (or uid, when name is NULL) matches. */
static enum nss_status find_pw(const char *name, uid_t uid, struct passwd *pw, char *buf,
                               size_t buflen, int *errnop)
{
    enum nss_status st = NSS_STATUS_NOTFOUND;
    struct passwd *res;
    int err = 0;
    FILE *f;

    if (down("passwd", errnop))
        return NSS_STATUS_UNAVAIL;
    if ((f = open_db("PPTEST_NSS_PASSWD", errnop, &st)) == NULL)
        return st;
    while ((err = fgetpwent_r(f, pw, buf, buflen, &res)) == 0) {
        if (name != NULL ? strcmp(res->pw_name, name) == 0 : res->pw_uid == uid) {
            st = NSS_STATUS_SUCCESS;
            break;
        }
    }
    fclose(f);
    if (err == ERANGE) {
        *errnop = ERANGE;
        return NSS_STATUS_TRYAGAIN;
    }
    return st;
}

static enum nss_status find_gr(const char *name, gid_t gid, struct group *gr, char *buf,
                               size_t buflen, int *errnop)
{
    enum nss_status st = NSS_STATUS_NOTFOUND;
    struct group *res;
    int err = 0;
    FILE *f;

    if (down("group", errnop))
        return NSS_STATUS_UNAVAIL;
    if ((f = open_db("PPTEST_NSS_GROUP", errnop, &st)) == NULL)
        return st;
    while ((err = fgetgrent_r(f, gr, buf, buflen, &res)) == 0) {
        if (name != NULL ? strcmp(res->gr_name, name) == 0 : res->gr_gid == gid) {
            st = NSS_STATUS_SUCCESS;
            break;
        }
    }
    fclose(f);
    if (err == ERANGE) {
        *errnop = ERANGE;
        return NSS_STATUS_TRYAGAIN;
    }
    return st;
}

enum nss_status _nss_pptest_getpwnam_r(const char *name, struct passwd *pw, char *buf,
                                       size_t buflen, int *errnop)
{
    note("passwd", name);
    return find_pw(name, 0, pw, buf, buflen, errnop);
}

enum nss_status _nss_pptest_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t buflen,
                                       int *errnop)
{
    return find_pw(NULL, uid, pw, buf, buflen, errnop);
}

enum nss_status _nss_pptest_getgrnam_r(const char *name, struct group *gr, char *buf,
                                       size_t buflen, int *errnop)
{
    note("group", name);
    return find_gr(name, 0, gr, buf, buflen, errnop);
}

enum nss_status _nss_pptest_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t buflen,
                                       int *errnop)
{
    return find_gr(NULL, gid, gr, buf, buflen, errnop);
}

/* Add gid to the caller's list (glibc's initgroups_dyn contract). */
static bool add_gid(gid_t gid, long *start, long *size, gid_t **groupsp, long limit)
{
    if (*start == *size) {
        long n = *size * 2;
        gid_t *g;

        if (limit > 0 && n > limit)
            n = limit;
        if (n <= *size)
            return false;
        g = realloc(*groupsp, (size_t)n * sizeof(**groupsp));
        if (g == NULL)
            return false;
        *groupsp = g;
        *size = n;
    }
    (*groupsp)[(*start)++] = gid;
    return true;
}

enum nss_status _nss_pptest_initgroups_dyn(const char *user, gid_t group, long *start,
                                           long *size, gid_t **groupsp, long limit,
                                           int *errnop)
{
    enum nss_status st = NSS_STATUS_NOTFOUND;
    struct group gr, *res;
    char buf[4096];
    FILE *f;

    note("initgroups", user);
    if (down("initgroups", errnop))
        return NSS_STATUS_UNAVAIL;
    if ((f = open_db("PPTEST_NSS_GROUP", errnop, &st)) == NULL)
        return st;
    while (fgetgrent_r(f, &gr, buf, sizeof(buf), &res) == 0) {
        if (res->gr_gid == group)
            continue;
        for (char **m = res->gr_mem; *m != NULL; m++) {
            if (strcmp(*m, user) == 0) {
                if (!add_gid(res->gr_gid, start, size, groupsp, limit)) {
                    fclose(f);
                    return NSS_STATUS_SUCCESS;
                }
                st = NSS_STATUS_SUCCESS;
                break;
            }
        }
    }
    fclose(f);
    return st;
}

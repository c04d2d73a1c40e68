/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nsslookup.c: users and groups through NSS (see nsslookup.h).
 */
#include <config.h>

#include "nsslookup.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bounds on what NSS may ask us to allocate. */
#define NSS_BUF_MAX ((size_t)64 * 1024 * 1024)
#define NSS_GROUPS_MAX (1 << 20)

static size_t nss_bufsize(int which)
{
    long n = sysconf(which);

    return n > 0 && n < 65536 ? (size_t)n : 16384;
}

/* One getpwnam_r or getgrnam_r: its result, and whether it found name. */
typedef int (*nss_get)(const char *name, void *ent, char *buf, size_t size, bool *found);

static int get_user(const char *name, void *ent, char *buf, size_t size, bool *found)
{
    struct passwd *res = NULL;
    int r = getpwnam_r(name, ent, buf, size, &res);

    *found = res != NULL;
    return r;
}

static int get_group(const char *name, void *ent, char *buf, size_t size, bool *found)
{
    struct group *res = NULL;
    int r = getgrnam_r(name, ent, buf, size, &res);

    *found = res != NULL;
    return r;
}

/*
 * get(name) into ent, its strings in *buf (malloc'd; the caller frees it),
 * the buffer grown while NSS says ERANGE. Returns get's result, or -1 with
 * *buf NULL when out of memory.
 */
static int nss_ask(nss_get get, int which, const char *name, void *ent, char **buf,
                   bool *found)
{
    size_t size = nss_bufsize(which);
    int r;

    for (;;) {
        *found = false;
        *buf = malloc(size);
        if (*buf == NULL)
            return -1;
        r = get(name, ent, *buf, size, found);
        if (r != ERANGE || size >= NSS_BUF_MAX)
            return r;
        free(*buf);
        size *= 2;
    }
}

int pp_user_lookup(const char *user, uid_t *uid, gid_t *gid, const struct pp_log *log)
{
    struct passwd pw;
    char *buf;
    bool found;
    int r = nss_ask(get_user, _SC_GETPW_R_SIZE_MAX, user, &pw, &buf, &found);

    if (buf == NULL) {
        pp_error(log, "looking up user %s: out of memory", user);
        return -1;
    }
    free(buf);
    if (found) {
        if (uid != NULL)
            *uid = pw.pw_uid;
        if (gid != NULL)
            *gid = pw.pw_gid;
        return 1;
    }
    /*
     * glibc returns 0 with no result for "not found" (NSS_STATUS_NOTFOUND);
     * any errno, ENOENT and EPERM included (what a source that cannot be
     * reached leaves, e.g. nss-ldap without nslcd), means NSS could not say.
     */
    if (r == 0)
        return 0;
    pp_error(log, "NSS could not answer for user %s (%s): no key from the mapping's group "
             "or default rules", user, strerror(r));
    return -1;
}

int pp_group_lookup(const char *group, const char *user, gid_t *gid, bool *listed,
                    const struct pp_log *log)
{
    struct group gr;
    char *buf;
    bool found;
    int r = nss_ask(get_group, _SC_GETGR_R_SIZE_MAX, group, &gr, &buf, &found);

    if (buf == NULL) {
        pp_error(log, "looking up group %s: out of memory", group);
        return -1;
    }
    if (found) {
        *gid = gr.gr_gid;
        *listed = false;
        for (char **mem = gr.gr_mem; mem != NULL && *mem != NULL && !*listed; mem++)
            *listed = strcmp(*mem, user) == 0;
        free(buf);
        return 1;
    }
    free(buf);
    if (r == 0)
        return 0;   /* not found: see pp_user_lookup */
    pp_error(log, "NSS could not answer for group %s (%s): no key rather than a broader "
             "rule's", group, strerror(r));
    return -1;
}

int pp_user_groups(const char *user, gid_t primary, gid_t **list, int *count,
                   const struct pp_log *log)
{
    int cap = 64;
    gid_t *g = NULL;

    for (;;) {
        int n = cap;
        gid_t *q = realloc(g, (size_t)cap * sizeof(*g));

        if (q == NULL) {
            free(g);
            pp_error(log, "listing the groups of %s: out of memory", user);
            return -1;
        }
        g = q;
        if (getgrouplist(user, primary, g, &n) >= 0) {
            *list = g;
            *count = n;
            return 0;
        }
        if (cap >= NSS_GROUPS_MAX) {
            free(g);
            pp_error(log, "listing the groups of %s: too many groups", user);
            return -1;
        }
        cap = n > cap ? n : cap * 2;
        if (cap > NSS_GROUPS_MAX)
            cap = NSS_GROUPS_MAX;
    }
}

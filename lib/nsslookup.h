/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nsslookup.h: what NSS says about a user and a group, for the mapping's
 * resolution (resolve.h) and the login's scope (decide.h).
 *
 * Promises: "not found" is glibc's NOTFOUND (0 and no result); any error
 * from getpwnam_r or getgrnam_r, ENOENT and EPERM included (what a source
 * that cannot be reached leaves, e.g. nss-ldap without nslcd), is a
 * failure, logged as "NSS could not answer for user|group NAME (why): ...",
 * never taken for "not found". Buffers grow while NSS says ERANGE, up to a
 * bound; nothing stays allocated.
 */
#ifndef PP_NSSLOOKUP_H
#define PP_NSSLOOKUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "log.h"

/*
 * The user's uid and primary gid through NSS (either pointer may be NULL).
 * 1 found, 0 unknown to NSS, -1 NSS failed (logged).
 */
int pp_user_lookup(const char *user, uid_t *uid, gid_t *gid, const struct pp_log *log);

/*
 * A group's gid, and whether user is among its listed members (getgrnam_r):
 * 1 found, 0 no such group, -1 NSS failed (logged).
 */
int pp_group_lookup(const char *group, const char *user, gid_t *gid, bool *listed,
                    const struct pp_log *log);

/*
 * All of the user's gids, primary included (getgrouplist), malloc'd in
 * *list (*count of them). 0, or -1 (logged). getgrouplist cannot report a
 * source that failed: a group missing here may still list the user.
 */
int pp_user_groups(const char *user, gid_t primary, gid_t **list, int *count,
                   const struct pp_log *log);

#endif

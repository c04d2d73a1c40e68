/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * safefile.h: reading root's files the way sshd's StrictModes would.
 *
 * Promises: a path is opened with O_NOFOLLOW (no symlink as the last
 * component) and every directory above it is checked, by lstat from "/"
 * downwards, to be a real directory owned by root and not group/world
 * writable. The open descriptor is then checked: regular file, owned by
 * root, not group/world writable, one link only, not empty, not over the
 * size cap; for secrets also not group/world readable. The content is read
 * whole; a short read (file changed under us) is an error. On any failure
 * nothing is returned and err holds "PATH: reason".
 */
#ifndef PP_SAFEFILE_H
#define PP_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "status.h"

#define PP_ERRLEN 512

enum pp_file_class {
    PP_FILE_PUBLIC,   /* config: root, not group/world writable */
    PP_FILE_SECRET,   /* key entries, mapping, cache: also not g/o readable */
};

/* Size caps. */
#define PP_CONFIG_MAX   (64 * 1024)
#define PP_ENTRY_MAX    (16 * 1024)
#define PP_MAPPING_MAX  (1024 * 1024)
#define PP_CACHE_MAX    (16 * 1024)

/*
 * Read path into a fresh NUL-terminated buffer (*buf, *len without the NUL).
 * Returns 0; -1 with err set; PP_ABSENT if the file does not exist (ENOENT, err set)
 * so that callers may treat "absent" differently from "unsafe".
 * The caller frees *buf with pp_free_buf(*buf, *len + 1).
 */
int pp_read_file(const char *path, enum pp_file_class cls, size_t max,
                 char **buf, size_t *len, char *err, size_t errlen);

/*
 * The same, and *st (when not NULL) is what fstat said of the descriptor
 * before it was read: the identity of the file whose content was returned,
 * or of an older version of it (a change after the fstat changes the
 * change time). dir_checked: the caller has just checked the file's
 * directory with pp_check_dir, which checked every directory above it too;
 * they are not walked again.
 */
int pp_read_file_st(const char *path, enum pp_file_class cls, size_t max, bool dir_checked,
                    char **buf, size_t *len, struct stat *st, char *err, size_t errlen);

/*
 * Check that dir and every directory above it are real directories owned by
 * root and not group/world writable; for dir itself also (if private) not
 * group/world readable or searchable. Returns 0, -1 with err, PP_ABSENT if dir is
 * absent.
 */
int pp_check_dir(const char *dir, bool private_dir, char *err, size_t errlen);

/* Same parent-chain check for the directories above a file path. */
int pp_check_parents(const char *path, char *err, size_t errlen);

/*
 * The checks of pp_read_file_st without opening the file (lstat, which
 * sees the same file open(O_NOFOLLOW) would): the identity
 * (pp_file_identity, "" while not settled) of the file path names now.
 * Returns 0, -1 with err, PP_ABSENT if the file does not exist.
 */
int pp_file_id_of(const char *path, enum pp_file_class cls, size_t max, bool dir_checked,
                  char *id, size_t idlen, char *err, size_t errlen);

/*
 * Room for a file identity; nanoseconds a file must be unchanged for it to
 * count (a second more for a change time in whole seconds).
 */
#define PP_FILE_ID_SIZE 192
#define PP_FILE_ID_SETTLE_NS (50 * 1000 * 1000L)

/*
 * The identity of the file fstat described in st -- device, inode, size,
 * modification and change times, in hex, as "D:I:S:SEC.NSEC:SEC.NSEC" --
 * into out, or "" while the file has not settled. Any change to a file
 * (even in place, with its modification time put back) sets its change
 * time to the current time, which nobody can set back. The kernel takes
 * that time from its coarse clock, which moves once a tick (at most 10 ms),
 * so two changes within one tick may leave the same change time: a file
 * changed less than PP_FILE_ID_SETTLE_NS ago (on a file system that keeps
 * whole seconds, a change time with no nanoseconds, a second more) has no
 * identity yet, and any change after it has settled gets a later change
 * time. Two reads of a root-owned file that give the same identity read
 * the same content, unless the reader spent longer than the settling time
 * between its fstat and this call.
 */
void pp_file_identity(const struct stat *st, char *out, size_t outlen);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store_write.h: changing root's files safely (the store, and the cache).
 *
 * Promises:
 * - one lock for the whole store: flock on "{store}/.lock" (opened without
 *   following symlinks, created root 0600); every read-modify-write of the
 *   store happens while it is held;
 * - a file is replaced atomically: an unnamed file in the same directory
 *   (O_TMPFILE), fchown root:root, fchmod 0600, write, fsync; then linked
 *   as ".tmp-NAME.XXXXXX", renamed over NAME, and the directory fsync'd.
 *   On any error the old file stays and nothing new is left. A process
 *   killed at any point (SIGKILL, SIGXFSZ under `ulimit -f`) leaves the old
 *   or the new file, never a partial one, and nothing else, except when
 *   killed between the link and the rename (two system calls): then a temp
 *   file, which pp_clean_temps (called under the lock every writer of the
 *   directory takes) removes, and which the next successful write into the
 *   same directory removes once it is PP_TEMP_STALE_SECONDS old (the login
 *   memos and the cache, written by login processes a user can kill, have
 *   no such lock). A file system without O_TMPFILE gets a named
 *   temp file (mkstemp) from the start, with the same clean-up. The store,
 *   the mapping and the cache all write through pp_write_file_atomic;
 * - a missing directory is made from "/" down, one descriptor at a time:
 *   every directory on the way is checked (root's, not writable by group
 *   or others) before anything is made in it, no symbolic link is
 *   followed, a "." or ".." component is refused, and what is made gets
 *   root:root and its mode (0700; missing parents 0755) on its descriptor,
 *   whatever the umask or the caller's group. An existing one must pass
 *   pp_check_dir.
 * Errors go to err as "PATH: reason"; nothing here reads the environment.
 */
#ifndef PP_STORE_WRITE_H
#define PP_STORE_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

#define PP_TEMP_PREFIX ".tmp-"
#define PP_LOCK_NAME ".lock"
/* Age (modification time) from which a temp file is an interrupted writer's. */
#define PP_TEMP_STALE_SECONDS 10
/* Longest temp file name (PP_TEMP_PREFIX, the file's name, ".XXXXXX"). */
#define PP_TEMP_NAME_MAX 256

struct pp_store_lock {
    int fd;     /* -1 when not held */
};

/*
 * Make sure dir exists as a private root directory: create it (with
 * parents: also its missing parents) when absent, as said above, else
 * check it with pp_check_dir(dir, true). *created (may be NULL) tells
 * whether dir was made now. 0 or -1 (err).
 */
int pp_dir_make(const char *dir, bool parents, bool *created, char *err, size_t errlen);

/* Take the store's lock, waiting for other writers. 0 or -1 (err). */
int pp_store_lock(const char *store, struct pp_store_lock *lk, char *err, size_t errlen);

/* Release the lock (no-op when not held). */
void pp_store_unlock(struct pp_store_lock *lk);

/*
 * Remove the temp files interrupted writers left in dir (names starting
 * with PP_TEMP_PREFIX), calling removed (may be NULL) with each one's name.
 * Call only while holding the lock that every writer of dir takes. Returns
 * how many were removed, or -1 (err).
 */
typedef void (*pp_temp_removed)(void *ctx, const char *dir, const char *name);
int pp_clean_temps(const char *dir, pp_temp_removed removed, void *ctx, char *err,
                   size_t errlen);

/*
 * Whether this process may write a file of len bytes: false when its file
 * size limit (RLIMIT_FSIZE, ulimit -f) is lower, or unknown. A write past
 * it would kill the process (SIGXFSZ): a login process, whose limits may be
 * the user's (su, sudo), asks before the writes it can do without.
 */
bool pp_file_size_allowed(size_t len);

/* Replace dir/name with data (len bytes), root:root 0600, atomically. 0 or -1 (err). */
int pp_write_file_atomic(const char *dir, const char *name, const void *data, size_t len,
                         char *err, size_t errlen);

/*
 * Putting the directory's sync off. pp_write_file_atomic returns once the
 * directory holding the new name is fsync'd. A program whose caller waits
 * for its answer and not for the disk (the check program: the login waits
 * for it) calls pp_dirsync_defer() once; from then on pp_write_file_atomic
 * returns right after the rename, keeping the directory open, and
 * pp_dirsync_flush(), called once the answer is out, syncs it. At most one
 * directory waits: while one does, a write syncs its own at once.
 * The new file itself is always synced before its rename, so whatever
 * happens in between, a crash leaves the old file or the new one, whole,
 * never a partial one. pp_dirsync_flush: 0 (also when nothing waits) or -1
 * (err).
 */
void pp_dirsync_defer(void);
int pp_dirsync_flush(char *err, size_t errlen);

/* Remove dir/name and fsync dir. 0, -1 (err), PP_ABSENT if it did not exist. */
int pp_remove_file_durable(const char *dir, const char *name, char *err, size_t errlen);

/*
 * Test hook: when set, called with the name of each step of a write
 * ("after-lock", "after-mkstemp", "after-write", "after-fsync",
 * "after-link", "after-rename", "after-dirsync", "after-unlink") so that a test can kill
 * the process there. Only prefect-keys sets it.
 */
typedef void (*pp_write_step_hook)(const char *step);
void pp_store_write_set_hook(pp_write_step_hook hook);

#endif

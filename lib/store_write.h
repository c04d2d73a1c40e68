/*
 * store_write.h: changing root's files safely (the store, and the cache).
 *
 * Promises:
 * - one lock for the whole store: flock on "{store}/.lock" (opened without
 *   following symlinks, created root 0600); every read-modify-write of the
 *   store happens while it is held;
 * - a file is replaced atomically: temp file ".tmp-NAME.XXXXXX" in the same
 *   directory (mkstemp), fchown root:root, fchmod 0600, write, fsync,
 *   rename over NAME, fsync of the directory; on any error the temp file is
 *   removed and the old file stays. A process killed at any point leaves
 *   the old or the new file, never a partial one; at worst a stale temp
 *   file, which pp_store_clean_temps (called under the lock) removes;
 * - a missing directory is created root:root 0700 (missing parents
 *   root:root 0755); an existing one must pass pp_check_dir.
 * Errors go to err as "PATH: reason"; nothing here reads the environment.
 */
#ifndef PP_STORE_WRITE_H
#define PP_STORE_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

#define PP_TEMP_PREFIX ".tmp-"
#define PP_LOCK_NAME ".lock"

struct pp_store_lock {
    int fd;     /* -1 when not held */
};

/*
 * Make sure dir exists as a private root directory: create it (and its
 * missing parents) when absent, else check it with pp_check_dir(dir, true).
 * *created (may be NULL) tells whether it was made now. 0 or -1 (err).
 */
int pp_dir_prepare(const char *dir, bool *created, char *err, size_t errlen);

/* Take the store's lock, waiting for other writers. 0 or -1 (err). */
int pp_store_lock(const char *store, struct pp_store_lock *lk, char *err, size_t errlen);

/* Release the lock (no-op when not held). */
void pp_store_unlock(struct pp_store_lock *lk);

/*
 * Remove the temp files interrupted writers left in dir (names starting
 * with PP_TEMP_PREFIX). Call only while holding the lock that every writer
 * of dir takes. Returns how many were removed, or -1 (err).
 */
int pp_store_clean_temps(const char *dir, char *err, size_t errlen);

/* Replace dir/name with data (len bytes), root:root 0600, atomically. 0 or -1 (err). */
int pp_write_file_atomic(const char *dir, const char *name, const void *data, size_t len,
                         char *err, size_t errlen);

/* Remove dir/name and fsync dir. 0, -1 (err), PP_ABSENT if it did not exist. */
int pp_remove_file_durable(const char *dir, const char *name, char *err, size_t errlen);

/*
 * Test hook: when set, called with the name of each step of a write
 * ("after-lock", "after-mkstemp", "after-write", "after-fsync",
 * "after-rename", "after-dirsync", "after-unlink") so that a test can kill
 * the process there. Only prefect-keys sets it.
 */
typedef void (*pp_write_step_hook)(const char *step);
void pp_store_write_set_hook(pp_write_step_hook hook);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cache.h: the host-wide record of Cloud checks, one per key entry.
 *
 * Layout of cfg->cache_dir (root:root 0700, made if missing, with that
 * owner and mode whatever the umask or the caller's group; the directories
 * above it must already exist and be safe, and are checked before it is
 * made, without following a symbolic link):
 *   ENTRY.rec    the last check of ENTRY (libconfig text, root 0600), never a key
 *   ENTRY.lock   flock'd while a check of ENTRY runs (empty, root:root 0600)
 *   .tmp-ENTRY.rec.XXXXXX  only if a writer was killed between the two
 *                system calls that name and rename a record; removed by
 *                prefect-keys verify (under the entry's lock)
 *
 * The record is libconfig text, not JSON, so that a warm login never loads
 * json-c; libconfig itself is opened when a file is first parsed or
 * written (lcfg.h).
 *
 * Record (settings; an absent time means none, another absent setting its
 * default: expiration_source "none", http_status 0, reason "", serial 0):
 *   fingerprint    the checked key's fingerprint (secret.h)
 *   account_id, workspace_id   the workspace the key was checked for
 *   outcome        what the check found: "valid", "expiring", "expired",
 *                  "rejected", "no-workspace-access" or "unreachable"
 *   checked_at     seconds since the epoch (an RFC 3339 string is read too)
 *   last_valid_at  time, as checked_at, or absent: the last valid check of this key
 *   expiration     time or absent (never expires / not known)
 *   expiration_source  "cloud" (read from Cloud), "entry" (the entry's
 *                  recorded one) or "none"
 *   backoff_until  time or absent: after an unreachable check, no new
 *                  request before this time
 *   http_status    Cloud's HTTP status, 0 when none
 *   reason         short text for logs and prefect-keys
 *   serial         one more than the previous record's: tells a login that
 *                  waited for a running check that its result has arrived
 * (entry_file, which older versions wrote, is ignored.)
 *
 * Promises: records are read through safefile (PP_FILE_SECRET,
 * PP_CACHE_MAX) with the cache directory checked (pp_check_dir, private);
 * written atomically by pp_write_file_atomic (store_write.h), the writer
 * the store and the mapping use, so a writer killed at any point leaves
 * the old or the new record and no partial file; a record that is malformed is
 * logged and treated as absent. A record whose fingerprint is not the
 * current key's belongs to a predecessor, and one for another workspace to
 * an older version of the entry: callers must ignore both (pp_cache_read
 * returns them; pp_check_entry ignores them).
 */
#ifndef PP_CACHE_H
#define PP_CACHE_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "names.h"
#include "outcome.h"
#include "secret.h"
#include "store.h"
#include "status.h"

enum pp_exp_source { PP_EXP_NONE = 0, PP_EXP_CLOUD, PP_EXP_ENTRY };

struct pp_cache_record {
    char fingerprint[PP_FP_SIZE];
    char account_id[PP_UUID_LEN + 1];   /* "" in records of older versions */
    char workspace_id[PP_UUID_LEN + 1];
    enum pp_outcome outcome;        /* one of the check outcomes above */
    time_t checked_at;
    bool has_last_valid;
    time_t last_valid_at;
    bool has_expires;
    time_t expires;
    enum pp_exp_source exp_source;
    bool has_backoff;
    time_t backoff_until;
    long http_status;
    char reason[256];
    unsigned long serial;
};

/* The suffix of a record's file name: "{cache_dir}/{entry}.rec". */
#define PP_CACHE_RECORD_SUFFIX ".rec"
/*
 * The suffix of the JSON records of the first releases ("{entry}.json"):
 * nothing reads them; the package's postinst removes them from the default
 * cache directory and prefect-keys verify names any that are left.
 */
#define PP_CACHE_OLD_RECORD_SUFFIX ".json"

/* Whether fname (in the cache directory) is a record; the entry's name into name. */
bool pp_cache_file_entry(const char *fname, char name[PP_ENTRY_NAME_MAX + 1]);

/* "none", "cloud", "entry". */
const char *pp_exp_source_name(enum pp_exp_source s);

/* Longest cache file path we build. */
#define PP_CACHE_PATH_MAX 4096

/*
 * Make sure cfg->cache_dir exists (mkdir 0700 if it does not; the parent
 * must exist) and is safe. Returns 0, or -1 (logged with path and reason).
 */
int pp_cache_prepare(const struct pp_config *cfg, const struct pp_log *log);

/*
 * Read the record of entry. Returns 0 (rec filled), PP_ABSENT if there is none
 * (or the cache directory does not exist yet), -1 if it is unsafe or
 * malformed (logged; rec zeroed). The caller compares rec->fingerprint
 * with the current key's.
 */
int pp_cache_read(const struct pp_config *cfg, const char *entry,
                  struct pp_cache_record *rec, const struct pp_log *log);

/*
 * pp_cache_read, and (id not NULL, PP_FILE_ID_SIZE bytes) the identity of
 * the record file read (safefile.h; "" while not settled).
 */
int pp_cache_read_id(const struct pp_config *cfg, const char *entry,
                     struct pp_cache_record *rec, char *id, const struct pp_log *log);

/*
 * The identity of entry's record file as it is now, after the checks a
 * read makes, without reading it: 0 (id set, "" while not settled),
 * PP_ABSENT, or -1 (logged).
 */
int pp_cache_file_id(const struct pp_config *cfg, const char *entry, char id[PP_FILE_ID_SIZE],
                     const struct pp_log *log);

/*
 * Whether rec speaks of this key in this workspace: a record of the key's
 * predecessor (another fingerprint fp) or of another workspace says nothing
 * about it.
 */
/*
 * A record's text (len bytes) into rec, as pp_cache_read reads it: NULL,
 * or what is wrong with it (rec then zeroed). For the fuzz targets.
 */
const char *pp_cache_parse(const char *text, size_t len, struct pp_cache_record *rec);

bool pp_cache_record_is_for(const struct pp_cache_record *rec, const char *fp,
                            const char *account_id, const char *workspace_id);

/* Write the record of entry atomically. Returns 0 or -1 (logged). */
int pp_cache_write(const struct pp_config *cfg, const char *entry,
                   const struct pp_cache_record *rec, const struct pp_log *log);

/*
 * The fingerprint of e's key into e->fp, hashed from the key as read, and
 * e's record read once for the check that follows (e->record, store.h).
 * Takes no lock and writes nothing. Returns 0, or -1 if the key could not
 * be hashed (e->fp is then "unknown"; logged).
 */
int pp_cache_fingerprint(const struct pp_config *cfg, struct pp_entry *e,
                         const struct pp_log *log);

/* Remove the record of entry (prefect-keys remove). 0 (also if absent) or -1. */
int pp_cache_remove(const struct pp_config *cfg, const char *entry, const struct pp_log *log);

/*
 * Take the check lock of entry: "{cache_dir}/{entry}.lock", flock(LOCK_EX),
 * waiting at most wait_ms (0: try once). Returns the locked descriptor
 * (close it to release), PP_TIMED_OUT if the wait ran out, -1 on error (logged).
 */
int pp_cache_lock(const struct pp_config *cfg, const char *entry, long wait_ms,
                  const struct pp_log *log);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store.h: key entries in the root-owned store.
 *
 * Layout of the store directory (root:root 0700):
 *   NAME.key     one key entry (libconfig text, root 0600), NAME as names.h
 *   mapping      the user/group/default mapping (see mapping.h)
 *   .lock        prefect-keys' lock (flock), never read by the module
 *
 * Entry file (libconfig):
 *   key = "pnu_...";                       required; printable ASCII, no spaces
 *   account_id = "UUID";                   required
 *   workspace_id = "UUID";                 required
 *   expires = "2027-01-01T00:00:00Z";      optional, RFC 3339
 *   user_id = "UUID"; key_id = "UUID";     optional, both or neither (user key)
 *   service_account_id = "UUID";           optional (service account key)
 *   service_account_key_id = "UUID";       optional: the stored key's id in the
 *                                          service account's record (api_key.id),
 *                                          learned when it was added or rotated
 *   comment = "...";                       optional
 *   added = "RFC 3339";                    optional
 * Unknown settings are ignored (logged in debug) so newer tools can add some.
 *
 * Promises: an entry is read only through safefile (PP_FILE_SECRET,
 * PP_ENTRY_MAX) with the store directory checked too; a missing or invalid
 * required field, a bad id or time is an error naming the file and field;
 * the key is copied out with its buffers wiped, and pp_entry_clear wipes it.
 *
 * The entry file's identity (file_id: device, inode, size, modification and
 * change times, as fstat saw them before the file was read) names the
 * version of the file the key came from: the store is root's, and any
 * change to the file, even in place with the same size and a modification
 * time put back, sets its change time to the current time, which nobody
 * can set back. It is recorded only once the file has settled (safefile.h):
 * a change made within the same clock tick as the previous one would
 * otherwise keep the same change time. The login memo (memo.h) names it;
 * the key read from it is hashed at every login all the same.
 */
#ifndef PP_STORE_H
#define PP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "log.h"
#include "names.h"
#include "secret.h"

#include "safefile.h"

struct pp_cache_record;     /* cache.h */

#include "status.h"

enum pp_key_kind { PP_KIND_OTHER = 0, PP_KIND_USER, PP_KIND_SERVICE_ACCOUNT };

struct pp_entry {
    char name[PP_ENTRY_NAME_MAX + 1];
    char *key;                                  /* secret */
    enum pp_key_kind kind;                      /* from the key's prefix */
    char account_id[PP_UUID_LEN + 1];
    char workspace_id[PP_UUID_LEN + 1];
    bool has_expires;
    time_t expires;
    char user_id[PP_UUID_LEN + 1];              /* "" when not recorded */
    char key_id[PP_UUID_LEN + 1];
    char service_account_id[PP_UUID_LEN + 1];
    char sa_key_id[PP_UUID_LEN + 1];            /* api_key.id; "" when not known */
    char *comment;                              /* NULL when none */
    bool has_added;
    time_t added;
    char file_id[PP_FILE_ID_SIZE];              /* "" when not settled or not loaded */
    /* where pp_entry_load found the key's bytes in the file (key_len 0:
     * not found as they are, e.g. written with escapes) */
    size_t key_at, key_len;
    char fp[PP_FP_SIZE];                        /* "" until pp_cache_fingerprint */
    /* The cache record pp_cache_fingerprint read (NULL: none), so that the
     * check that follows need not read and parse it again; freed by
     * pp_entry_clear. */
    bool record_read;
    struct pp_cache_record *record;
};

/* The kind a key's prefix says: pnu_ user, pnb_ service account. */
enum pp_key_kind pp_key_kind_of(const char *key);
const char *pp_key_kind_name(enum pp_key_kind kind);   /* "user", "service-account", "other" */

/* "{store}/{name}.key" into out; -1 if the name is invalid or too long. */
int pp_entry_path(const char *store, const char *name, char *out, size_t outlen);

/*
 * Load entry name from the store. Returns 0; -1 on error (logged with path
 * and reason); PP_ABSENT if no such entry (logged).
 */
int pp_entry_load(const struct pp_config *cfg, const char *name,
                  struct pp_entry *e, const struct pp_log *log);

/*
 * Entry name again, as known (what pp_entry_load gave for it: its facts
 * without key, comment or record, and key_at, key_len) while its file
 * keeps known's identity (file_id): the file is read with the same checks, not
 * parsed, and the key taken from its place. Returns 0 with e filled (the
 * key read; the caller hashes it: bytes at a place prove nothing), 1 when
 * the file's identity is another (e zeroed), -1 or PP_ABSENT as
 * pp_entry_load. A warm login reads its entry so (memo.h), without
 * libconfig.
 */
int pp_entry_load_known(const struct pp_config *cfg, const char *name,
                        const struct pp_entry *known, struct pp_entry *e,
                        const struct pp_log *log);

/* Parse entry text (already read safely); path is for messages only. */
int pp_entry_parse(const char *text, const char *path, const char *name,
                   struct pp_entry *e, const struct pp_log *log);

/*
 * The libconfig text of e, malloc'd in *out (*outlen bytes, NUL-terminated).
 * The caller wipes and frees it with pp_free_buf(*out, *outlen + 1).
 */
int pp_entry_format(const struct pp_entry *e, char **out, size_t *outlen);

/* Wipe the key and free what e holds; e is zeroed. */
void pp_entry_clear(struct pp_entry *e);

/*
 * The store as a set of files. Nothing outside lib/ builds a store path or
 * knows the ".key" suffix: front ends list, test, write and remove entries
 * through these (writes and removals with the store lock held, through
 * store_write.h).
 */

/* The mapping file's name in the store (mapping.h reads and writes it). */
#define PP_MAPPING_NAME "mapping"

/* What a file name in the store directory is. */
enum pp_store_file {
    PP_SF_ENTRY,            /* NAME.key with a valid NAME (copied to name) */
    PP_SF_BAD_ENTRY_NAME,   /* *.key whose name is not a valid entry name */
    PP_SF_MAPPING,
    PP_SF_LOCK,             /* prefect-keys' lock */
    PP_SF_TEMP,             /* a temp file of an interrupted write */
    PP_SF_OTHER,            /* not a pam_prefect file */
};

enum pp_store_file pp_store_file_kind(const char *fname, char name[PP_ENTRY_NAME_MAX + 1]);

/*
 * The sorted names of the store's entries (NULL-terminated, malloc'd; free
 * with pp_names_free). A missing store has none. 0, or -1 (logged).
 */
int pp_store_list(const struct pp_config *cfg, char ***names, size_t *n,
                  const struct pp_log *log);
void pp_names_free(char **names, size_t n);

/* Whether entry name has a file in the store (whatever its state). */
bool pp_entry_exists(const struct pp_config *cfg, const char *name);

/* Write e to the store atomically (root 0600). 0, or -1 (logged). */
int pp_entry_save(const struct pp_config *cfg, const struct pp_entry *e,
                  const struct pp_log *log);

/* Remove entry name durably. 0, PP_ABSENT if there was none, -1 (logged). */
int pp_entry_remove(const struct pp_config *cfg, const char *name, const struct pp_log *log);

#endif

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memo.h: the login memo, which lets a warm login decide without parsing
 * the configuration, the mapping or the check record, for a user, group
 * or default rule alike.
 *
 * After a login of USER through SERVICE decided the long way, the module
 * remembers the facts it decided from in
 *   PP_RUNDIR/USER:SERVICE     root:root 0600, in a root:root 0700 directory
 * as one record of its own (struct pp_memo), written by one pack and read
 * by one unpack (pack.h's binary form) with a format version: the facts
 * NSS gave (uid, primary group, and for a group or default rule the group
 * list and the UID_MIN the broad rules were held to), the identities of
 * the files read (configuration, mapping, entry, check record: safefile.h),
 * the configuration's settings (before the PAM arguments, which are
 * applied anew at every login), the rule, the entry as parsed without its
 * key (kind, ids, expiration) and where the key's bytes are in its file,
 * the key's fingerprint and the check record. Never the key.
 *
 * Promises: a memo is used only while NSS gives the same facts and every
 * file it names has the identity it recorded, each file being opened with
 * the checks a read makes (ownership, modes, no symbolic link, the
 * directories above). The entry file is read and its key hashed (SHA-256)
 * at every login, as the key must be exported: the key is taken from where
 * it was (pp_entry_load_known: the file is not parsed again, so libconfig
 * is not loaded), and a key whose hash is not the memo's fingerprint sends
 * the login the long way, whatever the file's identity says. The decision is then made by the same code from the same
 * values (decide.h), so it is the one a login without the memo would make;
 * whatever does not hold sends the login the long way, which writes a new
 * memo. A memo of another format version, or short, long or garbled, is
 * no memo; a memo that cannot be used is ignored (said in debug), never an
 * error of the login. Nothing is remembered before the files have an
 * identity (safefile.h) or for a name that is not a valid account or
 * service name.
 *
 * What NSS may change without a file changing is compared as gathered: the
 * uid and primary group always; for a group or default rule the identity
 * of the login.defs its UID_MIN came from (unless the settings let broad
 * rules apply to all), the user's group list (getgrouplist's gids, in its
 * order) and each group rule's group the walk read (found, gid, the user
 * listed as a member), that is every group rule up to the first that
 * matched (resolve.h: the walk reads none after it; all of them for the
 * default rule): a group NSS cannot answer for sends the login the long
 * way. A user rule is decided before any group is looked at, so its memo
 * holds no groups.
 */
#ifndef PP_MEMO_H
#define PP_MEMO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cache.h"
#include "conf.h"
#include "log.h"
#include "resolve.h"
#include "safefile.h"
#include "secret.h"

#ifndef PP_RUNDIR
#error "PP_RUNDIR is not defined: run configure"
#endif

/*
 * The memo's file name: USER, the separator, SERVICE. The separator is
 * valid in neither name (pp_account_name_valid), so two pairs never share
 * a file ("a@b" through "c" and "a" through "b@c" did with "@").
 */
#define PP_MEMO_SEP ":"

/*
 * The memo's file name of user through service into out; false when either
 * is not a valid account name or it does not fit.
 */
bool pp_memo_name(const char *user, const char *service, char *out, size_t outlen);

/* Largest memo read. */
#define PP_MEMO_MAX (64 * 1024)

/*
 * The format version written in every memo, after its magic line. Change
 * it with any change to pp_memo_pack: a memo of another version is not
 * read.
 */
#define PP_MEMO_VERSION 4

/* The facts record. */
struct pp_memo {
    /* NSS and login.defs, as gathered at the login that wrote it */
    uid_t uid;
    gid_t gid;
    gid_t *groups;                  /* malloc'd; none for a user rule */
    size_t ngroups;
    struct pp_rule_group *rule_groups;  /* the group rules' groups up to the one that matched;
                                         * malloc'd; none for a user rule */
    size_t nrule_groups;
    long uid_min;                   /* broad rules' UID_MIN (mapping.h); 0 for a user rule */
    char login_defs_id[PP_FILE_ID_SIZE];    /* the login.defs read for it; "" when uid_min is 0 */
    /* the files read, and what the judge reads of them */
    char *config_path;              /* malloc'd */
    char config_id[PP_FILE_ID_SIZE];
    unsigned char *image;           /* the configuration's settings (conf.h); malloc'd */
    size_t image_len;
    char mapping_id[PP_FILE_ID_SIZE];
    struct pp_resolution rule;      /* user, group or default */
    /* the entry as read (store.h) without key, comment or record (NULL):
     * its identity (file_id), its key's fingerprint (fp, never the key)
     * and where its key is (key_at, key_len) */
    struct pp_entry entry;
    bool have_record;               /* with validate */
    char record_id[PP_FILE_ID_SIZE];
    struct pp_cache_record record;
};

/*
 * The memo of user through service. Returns 0 (m filled; free it with
 * pp_memo_free), or 1 when there is none or it cannot be used (m zeroed;
 * why says which, "" for none).
 */
int pp_memo_read(const char *user, const char *service, struct pp_memo *m, char *why,
                 size_t whylen);

void pp_memo_free(struct pp_memo *m);

/*
 * Remember a login that decided through cfg (loaded by pp_config_load):
 * m holds the NSS facts, mapping_id, the rule and the entry with its
 * file_id and fp (its pointers borrowed); this adds the configuration's and,
 * with validate, the record as it is now, which must be this key's. Does
 * nothing unless every identity is known. Failures are said in debug only:
 * the memo is a shortcut.
 */
void pp_memo_save(const struct pp_config *cfg, const char *user, const char *service,
                  struct pp_memo *m, const struct pp_log *log);

/*
 * The file's data for m into w, which the caller has initialised with
 * pp_packer_init (cap PP_MEMO_MAX) and frees. For pp_memo_save and tests.
 */
struct pp_packer;
void pp_memo_pack(struct pp_packer *w, const char *user, const char *service,
                  const struct pp_memo *m);

/*
 * Data of a memo file (len bytes) into m, as pp_memo_read reads one:
 * NULL, or what is wrong with it (m then zeroed). For tests and the fuzz
 * target.
 */
const char *pp_memo_unpack(const void *data, size_t len, const char *user, const char *service,
                           struct pp_memo *m);

#endif

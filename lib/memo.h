/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memo.h: the login memo, which lets a warm login decide without parsing
 * anything and without loading libconfig (or libcrypto, json-c, libcurl).
 *
 * After a login of USER through SERVICE decided through the configuration
 * file, the mapping, a user rule of USER's own, the entry and (with
 * validate) the entry's cache record, the module remembers what it read in
 *   PP_RUNDIR/USER:SERVICE     root:root 0600, in a root:root 0700 directory
 * (pack.h's binary form): the configuration file's path, identity and
 * settings (before the PAM arguments, which are applied anew at every
 * login), the uid and primary group NSS gave, the mapping file's identity
 * and the rule, the entry file's identity with its fields (never its key:
 * only where the key's text is in the file, and its fingerprint), and the
 * record with its file's identity.
 *
 * Promises: a memo is used only while every file it names has the
 * identity it recorded (safefile.h: device, inode, size, modification and
 * change times, and settled), each file being opened with the checks a
 * read makes (ownership, modes, no symbolic link, the directories above);
 * the user is looked up through NSS at every login, and the memo is used
 * only while NSS gives the same uid and primary group. The decision is
 * then made by the same code from the same values (decide.h), so it is
 * the one a login without the memo would make; whatever does not hold
 * sends the login the long way, which writes a new memo. Nothing is
 * remembered for a group or default rule (the groups come from NSS, which
 * may change while no file does), before the files have settled, or for a
 * name that is not a valid account or service name. A memo that cannot be
 * used is ignored (said in debug), never an error of the login. It holds
 * no key.
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
#include "store.h"

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

struct pp_memo {
    uid_t uid;
    gid_t gid;
    char *config_path;              /* malloc'd */
    char config_id[PP_FILE_ID_SIZE];
    unsigned char *image;           /* the configuration's settings (conf.h); malloc'd */
    size_t image_len;
    char mapping_id[PP_FILE_ID_SIZE];
    struct pp_resolution rule;      /* a user rule */
    struct pp_entry entry;          /* no key; fp, file_id, key_off and key_len set */
    bool have_record;
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
 * Remember a login that decided through cfg (loaded by pp_config_load), NSS's
 * uid and primary group, the mapping file mapping_id, rule and the entry e
 * (loaded, with its fingerprint). Does nothing unless rule is a user rule
 * and every identity is known and settled; with validate, the entry's
 * record is read again with its identity and must be this key's. Failures
 * are said in debug only: the memo is a shortcut.
 */
void pp_memo_save(const struct pp_config *cfg, const char *user, const char *service, uid_t uid,
                  gid_t gid, const char *mapping_id, const struct pp_resolution *rule,
                  const struct pp_entry *e, const struct pp_log *log);

/*
 * What pp_memo_save writes for m (the file's data) into w, which the
 * caller has initialised with pp_packer_init (cap PP_MEMO_MAX) and frees.
 * For pp_memo_save and tests.
 */
struct pp_packer;
void pp_memo_pack(struct pp_packer *w, const char *user, const char *service,
                  const struct pp_memo *m);

/*
 * Data of a memo file (len bytes) into m, as pp_memo_read reads one:
 * NULL, or what is wrong with it (m then zeroed). For the fuzz target.
 */
const char *pp_memo_parse(const void *data, size_t len, const char *user, const char *service,
                          struct pp_memo *m);

#endif

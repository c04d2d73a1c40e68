/*
 * fixture.h: the files a session test scenario needs, in the safe test root.
 *
 * All store building goes through fx_entry / fx_mapping so that it can be
 * switched to prefect-keys in one place. The configuration always has
 * validate = false until the Cloud stand-in is used here.
 */
#ifndef PP_TEST_FIXTURE_H
#define PP_TEST_FIXTURE_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

struct fx {
    const char *root;       /* $PP_TESTROOT */
    char *etc;              /* root/etc */
    char *config;           /* root/etc/pam_prefect.conf (named by every service) */
    char *store;            /* root/store */
    char *cache;            /* root/cache */
};

/* Paths from $PP_TESTROOT (exits 99 when it is not set). */
void fx_init(struct fx *fx);
void fx_free(struct fx *fx);

/* Write the main configuration: store, cache_dir, validate = false, then extra. */
void fx_config(const struct fx *fx, const char *extra);

/* The same with validate as given. */
void fx_config_validate(const struct fx *fx, bool validate, const char *extra);

/* Write any configuration file (root, 0644) with the given text. */
void fx_config_text(const char *path, const char *text);

/* Remove the store and make it again: root:root 0700, empty. */
void fx_store_reset(const struct fx *fx);

/*
 * A valid key entry NAME with key, account and workspace ids; expires is
 * 0 for none. extra is appended to the file (may be NULL).
 */
void fx_entry(const struct fx *fx, const char *name, const char *key, const char *account,
              const char *workspace, time_t expires, const char *extra);

/* The text fx_entry writes (malloc'd), for tests that damage it. */
char *fx_entry_text(const char *key, const char *account, const char *workspace,
                    time_t expires, const char *extra);

/* Write store/NAME.key with any text, mode and owner. */
void fx_entry_raw(const struct fx *fx, const char *name, const char *text, mode_t mode,
                  uid_t uid, gid_t gid);

/* store/NAME.key's path (malloc'd). */
char *fx_entry_path(const struct fx *fx, const char *name);

/* Write the mapping file (root 0600). */
void fx_mapping(const struct fx *fx, const char *text);

#endif

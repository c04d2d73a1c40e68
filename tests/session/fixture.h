/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fixture.h: the files a session test scenario needs, in the safe test root.
 *
 * Every valid store is built by the real prefect-keys ($PP_PREFECT_KEYS,
 * set by session.test): fx_entry runs "add --no-validate" with the key on
 * standard input, fx_map / fx_unmap run "map" / "unmap". So the store the
 * module reads in these tests is one the administrator's tool made. The
 * tool's output is appended to $PP_TESTROOT/prefect-keys.out (session.test
 * checks it for keys too).
 *
 * Tests of bad input damage that store afterwards with the *_raw helpers
 * and fx_entry_read (wrong modes, truncated files, missing fields, bad
 * names): a store the tool would never write.
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

/* Paths from $PP_TESTROOT (exits 99 when it or $PP_PREFECT_KEYS is not set). */
void fx_init(struct fx *fx);
void fx_free(struct fx *fx);

/* Write the main configuration: store, cache_dir, validate = false, then extra. */
void fx_config(const struct fx *fx, const char *extra);

/* The same with validate as given. */
void fx_config_validate(const struct fx *fx, bool validate, const char *extra);

/* Write any configuration file (root, 0644) with the given text. */
void fx_config_text(const char *path, const char *text);

/* Remove the store (entries and mapping); the next fx_entry makes it again. */
void fx_store_reset(const struct fx *fx);

/*
 * Run prefect-keys --config CONFIG ARGS... (NULL-terminated) with input
 * (NULL: none) on its standard input; exits 99 unless it exits 0.
 */
void fx_pk(const char *config, const char *input, ...) __attribute__((sentinel));

/*
 * Key entry NAME through "prefect-keys add NAME --workspace ACCOUNT/WORKSPACE
 * --no-validate [--expires T]", the key on standard input; expires 0 for
 * none. --force when NAME exists (replaced) or expires has passed.
 */
void fx_entry(const struct fx *fx, const char *name, const char *key, const char *account,
              const char *workspace, time_t expires);

/* The same with another configuration whose store is store. */
void fx_entry_conf(const char *config, const char *store, const char *name, const char *key,
                   const char *account, const char *workspace, time_t expires);

/* "prefect-keys map KIND NAME ENTRY" (kind "default": name is NULL). */
void fx_map(const struct fx *fx, const char *kind, const char *name, const char *entry);

/* "prefect-keys unmap KIND NAME" (kind "default": name is NULL). */
void fx_unmap(const struct fx *fx, const char *kind, const char *name);

/* store/NAME.key's path (malloc'd). */
char *fx_entry_path(const struct fx *fx, const char *name);

/* store/NAME.key's text as prefect-keys wrote it (malloc'd; exits 99 if absent). */
char *fx_entry_read(const struct fx *fx, const char *name);

/* Overwrite store/NAME.key with any text, mode and owner (bad input). */
void fx_entry_raw(const struct fx *fx, const char *name, const char *text, mode_t mode,
                  uid_t uid, gid_t gid);

/* Overwrite the mapping file (root 0600) with any text (bad input). */
void fx_mapping_raw(const struct fx *fx, const char *text);

#endif

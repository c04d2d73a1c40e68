/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * names.h: what a valid name is, in one place.
 *
 * Promises: entry names are [A-Za-z0-9._-]{1,64}, not "." or "..";
 * user and group names are 1..256 bytes of printable ASCII with no '/',
 * no whitespace, no ':' and not "." or ".." (anything else cannot be a
 * safe account name, whatever NSS says); Cloud ids are lowercase UUIDs;
 * a key is printable ASCII without blanks (it travels in an HTTP header);
 * a comment has no control characters (UTF-8 is fine, a newline is not).
 */
#ifndef PP_NAMES_H
#define PP_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define PP_ENTRY_NAME_MAX 64
#define PP_ACCOUNT_NAME_MAX 256
#define PP_UUID_LEN 36

bool pp_entry_name_valid(const char *name);
bool pp_account_name_valid(const char *name);   /* users and groups */
bool pp_uuid_valid(const char *s);

/*
 * Whether fname is "NAME" + suffix with a valid entry NAME (copied into
 * name, else name is ""): how the store and the cache name their files.
 */
bool pp_entry_name_of_file(const char *fname, const char *suffix,
                           char name[PP_ENTRY_NAME_MAX + 1]);

/* The longest comment prefect-keys stores. */
#define PP_COMMENT_MAX 256

/*
 * Why key cannot be a key, or NULL when it can: empty, a blank inside, a
 * control character, a character that is not printable ASCII. The reason
 * never quotes the key.
 */
const char *pp_key_problem(const char *key);

/* Whether s has no control characters (comments). */
bool pp_text_valid(const char *s);

#endif

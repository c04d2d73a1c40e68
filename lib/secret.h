/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * secret.h: handling of key material.
 *
 * Promises: every buffer that held a key is wiped with explicit_bzero before
 * it is freed; a key is only ever shown as its fingerprint (the first 16 hex
 * digits of its SHA-256, computed with libmd's <sha2.h>).
 */
#ifndef PP_SECRET_H
#define PP_SECRET_H

#include <stddef.h>

/* Hex digits of the SHA-256 kept in a fingerprint. */
#define PP_FP_HEX 16
#define PP_FP_SIZE (PP_FP_HEX + 1)

/* Wipe n bytes at p (never optimised away). p may be NULL. */
void pp_wipe(void *p, size_t n);

/* Wipe a NUL-terminated string up to its terminator, then free it. NULL ok. */
void pp_free_secret(char *s);

/* Wipe len bytes, then free. NULL ok. */
void pp_free_buf(void *p, size_t len);

/* Copy a secret; NULL on allocation failure. */
char *pp_strdup_secret(const char *s);

/*
 * The fingerprint of key: PP_FP_HEX lowercase hex digits of SHA-256(key),
 * written to out (PP_FP_SIZE bytes). Returns 0, or -1 when key is NULL
 * (out then holds "unknown").
 */
int pp_fingerprint(const char *key, char out[PP_FP_SIZE]);

#endif

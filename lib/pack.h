/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pack.h: a small binary form for what pam_prefect writes and reads back
 * itself (the login memo, memo.h), never for what people write.
 *
 * A packed buffer is a sequence of values in the order they were put:
 * u8 (one byte), i64 (eight bytes, little-endian), strings (a four-byte
 * length, the bytes, a NUL; the length 0xffffffff stands for NULL) and
 * bytes (a four-byte length, the bytes).
 * Promises: the writer grows its buffer up to a cap and then only records
 * that it overflowed; the reader never reads past the buffer, and any
 * value that does not fit, a string with a NUL inside or without its final
 * NUL, or a boolean other than 0 or 1 marks the reader bad (every later
 * get returns 0 or NULL). Buffers are wiped when freed.
 */
#ifndef PP_PACK_H
#define PP_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pp_packer {
    unsigned char *buf;     /* malloc'd; pp_packer_free wipes and frees it */
    size_t len;
    size_t cap;
    size_t max;             /* the most it may hold */
    bool overflow;          /* a put did not fit (or no memory) */
};

struct pp_unpacker {
    const unsigned char *p;
    size_t left;
    bool bad;
};

void pp_packer_init(struct pp_packer *w, size_t max);
void pp_packer_free(struct pp_packer *w);
void pp_pack_u8(struct pp_packer *w, unsigned v);
void pp_pack_i64(struct pp_packer *w, int64_t v);
void pp_pack_str(struct pp_packer *w, const char *s);       /* s may be NULL */
void pp_pack_bytes(struct pp_packer *w, const void *data, size_t n);

void pp_unpacker_init(struct pp_unpacker *r, const void *buf, size_t len);
unsigned pp_unpack_u8(struct pp_unpacker *r);
bool pp_unpack_bool(struct pp_unpacker *r);
int64_t pp_unpack_i64(struct pp_unpacker *r);
/* A string inside the buffer (NULL for a packed NULL, or when bad; *isnull says which). */
const char *pp_unpack_str(struct pp_unpacker *r, bool *isnull);
/* A string copied into out (outlen bytes with its NUL); bad when NULL or too long. */
void pp_unpack_strcpy(struct pp_unpacker *r, char *out, size_t outlen);
/* n bytes inside the buffer (NULL when bad). */
const void *pp_unpack_bytes(struct pp_unpacker *r, size_t *n);
/* Whether the whole buffer was read and nothing was wrong. */
bool pp_unpack_done(const struct pp_unpacker *r);

#endif

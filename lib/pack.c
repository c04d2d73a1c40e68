/* SPDX-License-Identifier: BSD-3-Clause */
/* pack.c: the binary form of pack.h. */
#include <config.h>

#include "pack.h"

#include <stdlib.h>
#include <string.h>

#include "secret.h"

#define NULL_LEN 0xffffffffu

void pp_packer_init(struct pp_packer *w, size_t max)
{
    memset(w, 0, sizeof(*w));
    w->max = max;
}

void pp_packer_free(struct pp_packer *w)
{
    if (w->buf != NULL)
        pp_free_buf(w->buf, w->cap);
    memset(w, 0, sizeof(*w));
}

static void put(struct pp_packer *w, const void *data, size_t n)
{
    unsigned char *nb;
    size_t ncap;

    if (w->overflow || n == 0)
        return;     /* nothing to copy: data and buf may be NULL (memcpy must not see them) */
    if (n > w->max - w->len) {
        w->overflow = true;
        return;
    }
    if (w->len + n > w->cap) {
        ncap = w->cap == 0 ? 1024 : w->cap;
        while (ncap < w->len + n)
            ncap *= 2;
        if (ncap > w->max)
            ncap = w->max;
        /* Never realloc: the old buffer is wiped, not left behind. */
        nb = malloc(ncap);
        if (nb == NULL) {
            w->overflow = true;
            return;
        }
        if (w->len > 0)
            memcpy(nb, w->buf, w->len);
        if (w->buf != NULL)
            pp_free_buf(w->buf, w->cap);
        w->buf = nb;
        w->cap = ncap;
    }
    memcpy(w->buf + w->len, data, n);
    w->len += n;
}

static void put_le(struct pp_packer *w, uint64_t v, size_t n)
{
    unsigned char b[8];

    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put(w, b, n);
}

void pp_pack_u8(struct pp_packer *w, unsigned v)
{
    unsigned char b = (unsigned char)v;

    put(w, &b, 1);
}

void pp_pack_i64(struct pp_packer *w, int64_t v)
{
    put_le(w, (uint64_t)v, 8);
}

void pp_pack_str(struct pp_packer *w, const char *s)
{
    size_t n;

    if (s == NULL) {
        put_le(w, NULL_LEN, 4);
        return;
    }
    n = strlen(s);
    if (n >= NULL_LEN) {
        w->overflow = true;
        return;
    }
    put_le(w, n, 4);
    put(w, s, n + 1);
}

void pp_pack_bytes(struct pp_packer *w, const void *data, size_t n)
{
    if (n >= NULL_LEN) {
        w->overflow = true;
        return;
    }
    put_le(w, n, 4);
    put(w, data, n);
}

void pp_unpacker_init(struct pp_unpacker *r, const void *buf, size_t len)
{
    r->p = buf;
    r->left = len;
    r->bad = false;
}

static bool take(struct pp_unpacker *r, size_t n, const unsigned char **at)
{
    if (r->bad || n > r->left) {
        r->bad = true;
        return false;
    }
    *at = r->p;
    r->p += n;
    r->left -= n;
    return true;
}

static uint64_t get_le(struct pp_unpacker *r, size_t n)
{
    const unsigned char *b;
    uint64_t v = 0;

    if (!take(r, n, &b))
        return 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

unsigned pp_unpack_u8(struct pp_unpacker *r)
{
    return (unsigned)get_le(r, 1);
}

bool pp_unpack_bool(struct pp_unpacker *r)
{
    unsigned v = pp_unpack_u8(r);

    if (v > 1)
        r->bad = true;
    return v == 1 && !r->bad;
}

int64_t pp_unpack_i64(struct pp_unpacker *r)
{
    uint64_t v = get_le(r, 8);
    int64_t s;

    memcpy(&s, &v, sizeof(s));
    return s;
}

const char *pp_unpack_str(struct pp_unpacker *r, bool *isnull)
{
    const unsigned char *b;
    uint64_t n = get_le(r, 4);

    *isnull = false;
    if (r->bad)
        return NULL;
    if (n == NULL_LEN) {
        *isnull = true;
        return NULL;
    }
    if (!take(r, (size_t)n + 1, &b))
        return NULL;
    if (b[n] != '\0' || memchr(b, '\0', (size_t)n) != NULL) {
        r->bad = true;
        return NULL;
    }
    return (const char *)b;
}

void pp_unpack_strcpy(struct pp_unpacker *r, char *out, size_t outlen)
{
    bool isnull;
    const char *s = pp_unpack_str(r, &isnull);
    size_t n;

    out[0] = '\0';
    if (s == NULL) {
        r->bad = true;
        return;
    }
    n = strlen(s);
    if (n >= outlen) {
        r->bad = true;
        return;
    }
    memcpy(out, s, n + 1);
}

const void *pp_unpack_bytes(struct pp_unpacker *r, size_t *n)
{
    const unsigned char *b;
    uint64_t len = get_le(r, 4);

    *n = 0;
    if (r->bad || !take(r, (size_t)len, &b))
        return NULL;
    *n = (size_t)len;
    return b;
}

bool pp_unpack_done(const struct pp_unpacker *r)
{
    return !r->bad && r->left == 0;
}

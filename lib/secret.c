/* SPDX-License-Identifier: BSD-3-Clause */
/* secret.c: wiping key material and showing keys only as fingerprints. */
#include <config.h>

#include "secret.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"

/*
 * The fingerprint uses OpenSSL's low-level SHA256_Init/Update/Final, which
 * 3.0 deprecates in favour of EVP, on purpose: EVP sets up OpenSSL 3
 * (configuration, providers) in every login process, and a fingerprint only
 * names a key, it protects nothing. The measurements are in bench/README.md
 * ("What was fixed"). Where OpenSSL is built without the deprecated API,
 * EVP it is.
 *
 * libcrypto itself is not linked but opened (dynlib.h) at the first
 * fingerprint a process computes: a warm login takes the fingerprint from
 * its cache record (cache.h) and never maps libcrypto, whose relocation was
 * three quarters of such a login in programs that have not loaded it
 * already (su, sudo, login, cron; bench/README.md).
 */
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include <openssl/opensslv.h>
#include <openssl/sha.h>
#ifdef OPENSSL_NO_DEPRECATED_3_0
#include <openssl/evp.h>
#define PP_FP_EVP 1
#endif

#ifndef PP_LIBCRYPTO_SONAME
#error "PP_LIBCRYPTO_SONAME is not defined: run configure"
#endif

/* The libcrypto functions the fingerprint uses. */
struct crypto_api {
#ifdef PP_FP_EVP
    int (*digest)(const void *data, size_t count, unsigned char *md, unsigned int *size,
                  const EVP_MD *type, ENGINE *impl);
    const EVP_MD *(*sha256)(void);
#else
    int (*init)(SHA256_CTX *c);
    int (*update)(SHA256_CTX *c, const void *data, size_t len);
    int (*final)(unsigned char *md, SHA256_CTX *c);
#endif
};

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static struct crypto_api crypto;
static const struct crypto_api *crypto_loaded;
static char crypto_error[256] = "not loaded";

#define SYM(field, name) { name, offsetof(struct crypto_api, field) }
static const struct pp_dynsym crypto_syms[] = {
#ifdef PP_FP_EVP
    SYM(digest, "EVP_Digest"),
    SYM(sha256, "EVP_sha256"),
#else
    SYM(init, "SHA256_Init"),
    SYM(update, "SHA256_Update"),
    SYM(final, "SHA256_Final"),
#endif
};
#undef SYM

static void crypto_load(void)
{
    if (pp_dynlib_open(PP_LIBCRYPTO_SONAME, crypto_syms, sizeof(crypto_syms) / sizeof(crypto_syms[0]),
                       &crypto, sizeof(crypto), crypto_error, sizeof(crypto_error)) == 0)
        crypto_loaded = &crypto;
}

const char *pp_fingerprint_error(void)
{
    pthread_once(&crypto_once, crypto_load);
    return crypto_loaded != NULL ? NULL : crypto_error;
}

void pp_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0)
        explicit_bzero(p, n);
}

void pp_free_secret(char *s)
{
    if (s == NULL)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

void pp_free_buf(void *p, size_t len)
{
    if (p == NULL)
        return;
    pp_wipe(p, len);
    free(p);
}

char *pp_strdup_secret(const char *s)
{
    size_t len;
    char *copy;

    if (s == NULL)
        return NULL;
    len = strlen(s);
    copy = malloc(len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len + 1);
    return copy;
}

/* SHA-256 of key into md (32 bytes). 0, or -1 if hashing failed. */
static int sha256(const char *key, unsigned char md[32])
{
    const struct crypto_api *c;
#ifdef PP_FP_EVP
    unsigned int mdlen = 0;

    pthread_once(&crypto_once, crypto_load);
    if ((c = crypto_loaded) == NULL)
        return -1;
    return c->digest(key, strlen(key), md, &mdlen, c->sha256(), NULL) == 1 && mdlen == 32
        ? 0 : -1;
#else
    SHA256_CTX ctx;
    int ok;

    pthread_once(&crypto_once, crypto_load);
    if ((c = crypto_loaded) == NULL)
        return -1;
    ok = c->init(&ctx) == 1 && c->update(&ctx, key, strlen(key)) == 1
        && c->final(md, &ctx) == 1;
    /* The context held the key's bytes. */
    pp_wipe(&ctx, sizeof(ctx));
    return ok ? 0 : -1;
#endif
}

int pp_fingerprint(const char *key, char out[PP_FP_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    size_t i;

    if (key == NULL || sha256(key, md) != 0) {
        pp_wipe(md, sizeof(md));
        snprintf(out, PP_FP_SIZE, "unknown");
        return -1;
    }
    for (i = 0; i < PP_FP_HEX / 2; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }
    out[PP_FP_HEX] = '\0';
    /* The digest is not the key, but there is no reason to leave it about. */
    pp_wipe(md, sizeof(md));
    return 0;
}

/* secret.c: wiping key material and showing keys only as fingerprints. */
#include <config.h>

#include "secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The fingerprint uses OpenSSL's low-level SHA256_Init/Update/Final, which
 * 3.0 deprecates in favour of EVP, on purpose: EVP sets up OpenSSL 3
 * (configuration, providers) in every login process, and a fingerprint only
 * names a key, it protects nothing. The measurements are in bench/README.md
 * ("What was fixed"). Where OpenSSL is built without the deprecated API,
 * EVP it is.
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
#ifdef PP_FP_EVP
    unsigned int mdlen = 0;

    return EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32
        ? 0 : -1;
#else
    SHA256_CTX ctx;
    int ok;

    ok = SHA256_Init(&ctx) == 1 && SHA256_Update(&ctx, key, strlen(key)) == 1
        && SHA256_Final(md, &ctx) == 1;
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

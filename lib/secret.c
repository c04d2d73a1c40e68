/* SPDX-License-Identifier: BSD-3-Clause */
/* secret.c: wiping key material and showing keys only as fingerprints. */
#include <config.h>

#include "secret.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The SHA-256 is libmd's (<sha2.h>, the BSD digest functions), linked
 * normally: a small library with no set-up of its own, mapped with the
 * module. OpenSSL's libcrypto, which computed it before, is a large
 * library that had to be opened at the first fingerprint of each login
 * process; the digest and its hex encoding are the same, so records and
 * marks written before still match (tests/unit/test_secret.c: the FIPS
 * 180-2 vectors).
 */
#include <sha2.h>

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
    return s != NULL ? strdup(s) : NULL;
}

/* SHA-256 of key into md. */
static void sha256(const char *key, uint8_t md[SHA256_DIGEST_LENGTH])
{
    SHA2_CTX ctx;

    SHA256Init(&ctx);
    SHA256Update(&ctx, (const uint8_t *)key, strlen(key));
    SHA256Final(md, &ctx);
    /* The context held the key's bytes. */
    pp_wipe(&ctx, sizeof(ctx));
}

int pp_fingerprint(const char *key, char out[PP_FP_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t md[SHA256_DIGEST_LENGTH];
    size_t i;

    if (key == NULL) {
        snprintf(out, PP_FP_SIZE, "unknown");
        return -1;
    }
    sha256(key, md);
    for (i = 0; i < PP_FP_HEX / 2; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }
    out[PP_FP_HEX] = '\0';
    /* The digest is not the key, but there is no reason to leave it about. */
    pp_wipe(md, sizeof(md));
    return 0;
}

/* secret.c: wiping key material and showing keys only as fingerprints. */
#include <config.h>

#include "secret.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

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

int pp_fingerprint(const char *key, char out[PP_FP_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t i;

    if (key == NULL
        || EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha256(), NULL) != 1
        || mdlen * 2 < PP_FP_HEX) {
        pp_wipe(md, sizeof(md));
        strcpy(out, "unknown");
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

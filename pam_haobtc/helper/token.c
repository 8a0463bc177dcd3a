/* Random tokens, the relay state derived from a poll secret, and
 * constant-time comparison: the helper's side, where OpenSSL may live. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "secure.h"
#include "token.h"

/* base64url without padding, as RFC 7636 does for its code challenge. */
static char *base64url(const unsigned char *in, size_t n)
{
    size_t cap = 4 * ((n + 2) / 3) + 1;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    while (len > 0 && out[len - 1] == '=')
        len--;
    out[len] = '\0';
    for (char *c = out; *c != '\0'; c++) {
        if (*c == '+')
            *c = '-';
        else if (*c == '/')
            *c = '_';
    }
    return out;
}

char *hb_random_token(size_t n_bytes)
{
    unsigned char raw[64];
    if (n_bytes == 0 || n_bytes > sizeof(raw) || !hb_random_bytes(raw, n_bytes))
        return NULL;
    char *token = base64url(raw, n_bytes);
    hb_wipe(raw, sizeof(raw));
    return token;
}

bool hb_ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

bool hb_ct_streq(const char *given, const char *expected)
{
    size_t n = strlen(expected);
    /* Compare as many bytes as expected has; a shorter given fails on its
     * terminating NUL, a longer one on the length check after. */
    if (strnlen(given, n + 1) != n)
        return false;
    return CRYPTO_memcmp(given, expected, n) == 0;
}

char *hb_state_from_secret(const char *secret)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    if (EVP_Digest(secret, strlen(secret), digest, NULL, EVP_sha256(), NULL) !=
        1)
        return NULL;
    return base64url(digest, sizeof(digest));
}

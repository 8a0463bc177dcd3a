/* Secrets: wiping, kernel randomness, constant-time comparison, and the
 * relay state derived from a poll secret. */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "secure.h"

void hb_wipe(void *p, size_t n)
{
    if (p == NULL || n == 0)
        return;
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(p, n);
#else
    OPENSSL_cleanse(p, n);
#endif
}

void hb_free_secret(char **s)
{
    if (s == NULL || *s == NULL)
        return;
    hb_wipe(*s, strlen(*s));
    free(*s);
    *s = NULL;
}

bool hb_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += got;
        n -= (size_t)got;
    }
    return true;
}

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

/* SPDX-License-Identifier: BSD-2-Clause */
/* Random tokens, the relay state derived from a poll secret, the PKCE
 * verifier and challenge, and constant-time comparison of strings: the
 * helper's side. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "secure.h"
#include "text.h"
#include "token.h"

/* A copy on the heap of base64url(in), as RFC 7636 writes its code
 * challenge: without padding. */
static char *base64url(const unsigned char *in, size_t n)
{
    char *out = malloc(HB_B64URL_LEN(n) + 1);
    if (out != NULL)
        hb_b64url(in, n, out);
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

bool hb_ct_streq(const char *given, const char *expected)
{
    size_t n = strlen(expected);
    /* Compare as many bytes as expected has; a shorter given fails on its
     * terminating NUL, a longer one on the length check after. */
    if (strnlen(given, n + 1) != n)
        return false;
    return hb_ct_equal(given, expected, n);
}

char *hb_state_from_secret(const char *secret)
{
    char state[HB_DIGEST_B64_LEN + 1];
    if (!hb_sha256_b64url(secret, strlen(secret), state))
        return NULL;
    return strdup(state);
}

char *hb_code_verifier_new(void)
{
    return hb_random_token(32);
}

char *hb_code_challenge_of(const char *verifier)
{
    char challenge[HB_DIGEST_B64_LEN + 1];
    if (!hb_sha256_b64url(verifier, strlen(verifier), challenge))
        return NULL;
    return strdup(challenge);
}

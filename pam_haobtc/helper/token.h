/* SPDX-License-Identifier: BSD-2-Clause */
/* Tokens for the network side: random URL-safe strings, the relay state
 * derived from a poll secret, and constant-time comparison of strings
 * (hb_ct_equal, in secure.h, compares bytes). */
#ifndef HB_TOKEN_H
#define HB_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

/* Random URL-safe token of n_bytes of entropy, base64url without padding. */
char *hb_random_token(size_t n_bytes);
/* Constant time in the length of b (the expected value). */
bool hb_ct_streq(const char *given, const char *expected);
/* base64url(SHA-256(s)), no padding: the relay's state for poll secret s. */
char *hb_state_from_secret(const char *secret);
/* PKCE (RFC 7636): a fresh code_verifier of 32 random bytes (43 base64url
 * characters), and its S256 code_challenge, base64url(SHA-256(verifier)).
 * The verifier is a secret: free it with hb_free_secret. */
char *hb_code_verifier_new(void);
char *hb_code_challenge_of(const char *verifier);

#endif

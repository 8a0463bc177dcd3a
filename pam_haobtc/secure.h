/* Handling of secrets: wiping, random bytes, constant-time comparison. */
#ifndef HB_SECURE_H
#define HB_SECURE_H

#include <stdbool.h>
#include <stddef.h>

void hb_wipe(void *p, size_t n);
/* Wipes a NUL-terminated string, frees it, and clears the pointer. */
void hb_free_secret(char **s);
/* Fills buf from getrandom(); false if the kernel could not. */
bool hb_random_bytes(void *buf, size_t n);
/* Random URL-safe token of n_bytes of entropy, base64url without padding. */
char *hb_random_token(size_t n_bytes);
bool hb_ct_equal(const void *a, const void *b, size_t n);
/* Constant time in the length of b (the expected value). */
bool hb_ct_streq(const char *given, const char *expected);
/* base64url(SHA-256(s)), no padding: the relay's state for poll secret s. */
char *hb_state_from_secret(const char *secret);

#endif

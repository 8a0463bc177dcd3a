/* SPDX-License-Identifier: BSD-2-Clause */
/* SHA-256 and HMAC-SHA256 written as base64url: the relay state derived
 * from a poll secret, the fleet key's request signatures and the paste
 * tags. Both sides of the relay protocol compute them, so one copy; it
 * needs GnuTLS (the relay's TLS library through libmicrohttpd, and loaded
 * by the helper's libcurl already), which the module itself never links. */
#ifndef HB_DIGEST_H
#define HB_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

/* base64url of 32 bytes, without padding. */
#define HB_DIGEST_B64_LEN 43

/* out = base64url(SHA-256(in)): the relay's state for poll secret in. */
bool hb_sha256_b64url(const void *in, size_t n,
                      char out[HB_DIGEST_B64_LEN + 1]);

bool hb_hmac_sha256(const void *key, size_t key_len, const void *msg,
                    size_t msg_len, unsigned char mac[32]);
/* out = base64url(HMAC-SHA256(key, msg)); false only when GnuTLS fails. */
bool hb_hmac_b64url(const void *key, size_t key_len, const void *msg,
                    size_t msg_len, char out[HB_DIGEST_B64_LEN + 1]);

/* The fleet key's MAC of a relay request (relay_protocol.h says what is
 * signed); the body may hold a poll secret, and every copy is wiped. */
bool hb_fleet_mac(const void *key, size_t key_len, const char *method,
                  const char *path, const char *timestamp, const char *body,
                  size_t body_len, unsigned char mac[32]);

#endif

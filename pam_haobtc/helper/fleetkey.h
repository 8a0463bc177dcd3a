/* The fleet key: how a module proves to the relay that a request is its
 * own, and the keyed hashes that bind a pasted code to its attempt. */
#ifndef HB_FLEETKEY_H
#define HB_FLEETKEY_H

#include <stdbool.h>
#include <stddef.h>

/* base64url of a SHA-256 HMAC, without padding. */
#define HB_MAC_B64_LEN 43
#define HB_TS_HEADER "X-Haobtc-Timestamp"
#define HB_SIG_HEADER "X-Haobtc-Signature"

/* out = base64url(HMAC-SHA256(key, msg)); false only when OpenSSL fails. */
bool hb_hmac_b64url(const void *key, size_t key_len, const void *msg,
                    size_t msg_len, char out[HB_MAC_B64_LEN + 1]);
/* The X-Haobtc-Signature of a request to the relay:
 * base64url(HMAC-SHA256(fleet key,
 *     "haobtc-relay-v1\n" METHOD "\n" PATH "\n" TIMESTAMP "\n" BODY)),
 * PATH being the relay's API path ("/api/v1/sessions"), TIMESTAMP the
 * X-Haobtc-Timestamp value (Unix seconds). */
bool hb_fleet_sign(const char *key, const char *method, const char *path,
                   const char *timestamp, const char *body,
                   char out[HB_MAC_B64_LEN + 1]);

#endif

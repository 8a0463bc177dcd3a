/* SPDX-License-Identifier: BSD-2-Clause */
/* Digests as base64url, for both sides of the relay protocol. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "digest.h"
#include "relay_protocol.h"
#include "secure.h"
#include "text.h"

bool hb_sha256_b64url(const void *in, size_t n, char out[HB_DIGEST_B64_LEN + 1])
{
    unsigned char md[32];

    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, in, n, md) != 0)
        return false;
    hb_b64url(md, sizeof(md), out);
    hb_wipe(md, sizeof(md));
    return true;
}

bool hb_hmac_sha256(const void *key, size_t key_len, const void *msg,
                    size_t msg_len, unsigned char mac[32])
{
    return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, key_len, msg, msg_len,
                            mac) == 0;
}

bool hb_hmac_b64url(const void *key, size_t key_len, const void *msg,
                    size_t msg_len, char out[HB_DIGEST_B64_LEN + 1])
{
    unsigned char mac[32];

    if (!hb_hmac_sha256(key, key_len, msg, msg_len, mac))
        return false;
    hb_b64url(mac, sizeof(mac), out);
    hb_wipe(mac, sizeof(mac));
    return true;
}

bool hb_fleet_mac(const void *key, size_t key_len, const char *method,
                  const char *path, const char *timestamp, const char *body,
                  size_t body_len, unsigned char mac[32])
{
    size_t head = strlen(HB_RELAY_SIGNATURE_PREFIX) + strlen(method) +
                  strlen(path) + strlen(timestamp) + 3;
    char *msg = malloc(head + body_len + 1);
    bool ok;

    if (msg == NULL)
        return false;
    snprintf(msg, head + 1, "%s%s\n%s\n%s\n", HB_RELAY_SIGNATURE_PREFIX, method,
             path, timestamp);
    memcpy(msg + head, body, body_len);
    ok = hb_hmac_sha256(key, key_len, msg, head + body_len, mac);
    hb_wipe(msg, head + body_len);
    free(msg);
    return ok;
}

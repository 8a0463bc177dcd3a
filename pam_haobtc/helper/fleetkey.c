/* Signing the module's requests to the relay with the fleet key (an
 * HMAC-SHA256 over method, path, timestamp and body). */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fleetkey.h"
#include "secure.h"

#define PREFIX "haobtc-relay-v1\n"

bool hb_hmac_b64url(const void *key, size_t key_len, const void *msg,
                    size_t msg_len, char out[HB_MAC_B64_LEN + 1])
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    unsigned acc = 0;
    int bits = 0;
    size_t o = 0;

    if (HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, mac, &len) ==
            NULL ||
        len != 32)
        return false;
    for (unsigned i = 0; i < len; i++) {
        acc = (acc << 8 | mac[i]) & 0xffff;
        for (bits += 8; bits >= 6; bits -= 6)
            out[o++] = abc[(acc >> (bits - 6)) & 63];
    }
    out[o++] = abc[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    hb_wipe(mac, sizeof(mac));
    return true;
}

bool hb_fleet_sign(const char *key, const char *method, const char *path,
                   const char *timestamp, const char *body,
                   char out[HB_MAC_B64_LEN + 1])
{
    size_t n = strlen(PREFIX) + strlen(method) + strlen(path) +
               strlen(timestamp) + 3 + strlen(body);
    char *msg = malloc(n + 1);
    bool ok;

    if (msg == NULL)
        return false;
    snprintf(msg, n + 1, "%s%s\n%s\n%s\n%s", PREFIX, method, path, timestamp,
             body);
    /* The body of a poll carries the poll secret. */
    ok = hb_hmac_b64url(key, strlen(key), msg, n, out);
    hb_wipe(msg, n);
    free(msg);
    return ok;
}

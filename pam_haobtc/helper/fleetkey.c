/* SPDX-License-Identifier: BSD-2-Clause */
/* Signing the module's requests to the relay with the fleet key (an
 * HMAC-SHA256 over method, path, timestamp and body). */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetkey.h"
#include "secure.h"
#include "text.h"

bool hb_fleet_sign(const char *key, const char *method, const char *path,
                   const char *timestamp, const char *body,
                   char out[HB_DIGEST_B64_LEN + 1])
{
    unsigned char mac[32];

    if (!hb_fleet_mac(key, strlen(key), method, path, timestamp, body,
                      strlen(body), mac))
        return false;
    hb_b64url(mac, sizeof(mac), out);
    hb_wipe(mac, sizeof(mac));
    return true;
}

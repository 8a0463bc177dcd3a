/* SPDX-License-Identifier: BSD-2-Clause */
/* The fleet key: how a module proves to the relay that a request is its
 * own (relay_protocol.h says what is signed). */
#ifndef HB_FLEETKEY_H
#define HB_FLEETKEY_H

#include <stdbool.h>
#include <stddef.h>

#include "digest.h"

/* The X-Haobtc-Signature of a request to the relay, PATH being the relay's
 * API path (HB_RELAY_PATH_SESSIONS), TIMESTAMP the X-Haobtc-Timestamp
 * value (Unix seconds). */
bool hb_fleet_sign(const char *key, const char *method, const char *path,
                   const char *timestamp, const char *body,
                   char out[HB_DIGEST_B64_LEN + 1]);

#endif

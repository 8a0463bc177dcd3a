/* SPDX-License-Identifier: BSD-2-Clause */
/* The relay's random values, the same for either store: a login's short
 * link id, its anti-CSRF and cookie tokens, and the number the person
 * matches on the phone. Each from getrandom, each character or number
 * equally likely. */
#include "autoconf.h"

#include "relay.h"

#include <string.h>
#include <sys/random.h>

/* Base58's alphabet: no 0/O or I/l, so a link read aloud survives. */
static const char id_alphabet[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
#define ID_ALPHABET_LEN 58

bool relay_is_id(const char *s)
{
    size_t n = strlen(s);

    if (n != RELAY_ID_LEN)
        return false;
    return strspn(s, id_alphabet) == n;
}

bool relay_new_id(char id[RELAY_ID_LEN + 1])
{
    /* Rejection sampling keeps every character equally likely. */
    const unsigned limit = 256 - 256 % ID_ALPHABET_LEN;
    unsigned char rnd[32];
    size_t n = 0;

    while (n < RELAY_ID_LEN) {
        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
            return false;
        for (size_t i = 0; i < sizeof(rnd) && n < RELAY_ID_LEN; i++) {
            if (rnd[i] < limit)
                id[n++] = id_alphabet[rnd[i] % ID_ALPHABET_LEN];
        }
    }
    id[n] = '\0';
    return true;
}

/* A random token of RELAY_TOKEN_LEN base64url characters. */
bool relay_new_token(char out[RELAY_TOKEN_LEN + 1])
{
    unsigned char rnd[16];

    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        return false;
    hb_b64url(rnd, sizeof(rnd), out);
    hb_wipe(rnd, sizeof(rnd));
    return true;
}

int relay_new_number(void)
{
    const unsigned span = HB_RELAY_NUMBER_MAX - HB_RELAY_NUMBER_MIN + 1;
    const unsigned limit = 256 - 256 % span;
    unsigned char rnd[16];

    for (;;) {
        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
            return 0;
        for (size_t i = 0; i < sizeof(rnd); i++) {
            if (rnd[i] < limit) {
                int n = HB_RELAY_NUMBER_MIN + (int)(rnd[i] % span);
                hb_wipe(rnd, sizeof(rnd));
                return n;
            }
        }
    }
}

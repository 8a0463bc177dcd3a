/* SPDX-License-Identifier: BSD-2-Clause */
/* The relay's memory of the signatures it accepted (tools/relay/auth.c):
 * a replay is refused however many signatures came since, and the table
 * grows with the fleet's rate rather than refusing it "busy". */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay.h"
#include "testutil.h"

/* Distinct MACs spread over the table as HMAC outputs are. */
static void mac_of(uint32_t n, unsigned char mac[32])
{
    uint32_t spread = n * 2654435761u;

    memset(mac, 0, 32);
    memcpy(mac, &spread, sizeof(spread));
    memcpy(mac + 4, &n, sizeof(n));
}

static struct relay_auth *auth_with_a_key(void)
{
    char *path =
        tu_file("fleet.key", "a fleet key of the test, long enough\n", 0600);
    struct relay_auth *a = relay_auth_new(path);

    free(path);
    assert_non_null(a);
    return a;
}

static void replay_is_refused_and_an_expired_one_is_forgotten(void **state)
{
    (void)state;
    struct relay_auth *a = auth_with_a_key();
    unsigned char mac[32];
    bool full = true;

    mac_of(7, mac);
    assert_true(relay_auth_remember(a, mac, 1000, 1121, &full));
    assert_false(full);
    assert_false(relay_auth_remember(a, mac, 1120, 1121, &full));
    assert_false(full);
    /* Past its window the signature is stale anyway; its slot is reused. */
    assert_true(relay_auth_remember(a, mac, 1121, 1242, &full));
    relay_auth_free(a);
}

static void table_grows_past_its_first_65536_signatures(void **state)
{
    (void)state;
    struct relay_auth *a = auth_with_a_key();
    unsigned char mac[32];
    bool full = false;
    const uint32_t n = 300000;

    for (uint32_t i = 0; i < n; i++) {
        mac_of(i, mac);
        if (!relay_auth_remember(a, mac, 1000, 1121, &full))
            fail_msg("signature %u refused (full %d)", i, full);
    }
    /* Every one of them, moved as the table grew, is still known. */
    for (uint32_t i = 0; i < n; i += 997) {
        mac_of(i, mac);
        assert_false(relay_auth_remember(a, mac, 1060, 1181, &full));
        assert_false(full);
    }
    relay_auth_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_is_refused_and_an_expired_one_is_forgotten),
        cmocka_unit_test(table_grows_past_its_first_65536_signatures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

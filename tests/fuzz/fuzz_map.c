/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: the map file's parser. Whatever the file says, a match
 * names a plain local account that the file itself spells out, and a
 * malformed line is refused rather than half-read. */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char *copy = malloc(size + 1);
    if (text == NULL || copy == NULL) {
        free(text);
        free(copy);
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    memcpy(copy, text, size + 1);
    struct hb_config cfg;
    hb_config_init(&cfg);
    cfg.match = size > 0 && data[0] % 2 ? HB_MATCH_USERNAME : HB_MATCH_UUID;
    char map_name[] = "/fuzz.map";
    cfg.map_file = map_name;
    char uuid[] = "5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60";
    char username[] = "alice";
    struct hb_profile profile = {.uuid = uuid, .username = username};
    char local[65];
    bool names = false;
    struct hb_error err = {0};
    if (hb_map_lookup(&cfg, text, &profile, "alice", local, sizeof(local),
                      &names, NULL, &err) == HB_OK &&
        local[0] != '\0' &&
        (!hb_username_is_plain(local) || strstr(copy, local) == NULL))
        abort();
    free(text);
    free(copy);
    return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: the configuration file's parser and the checks that
 * finish a configuration. Whatever the file says, a configuration that is
 * accepted is one the module can use: the URLs it will call are https, the
 * numbers are in range, and nothing needs a file the fuzzer did not give.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct hb_config cfg;
    struct hb_error err = {0};
    hb_config_init(&cfg);
    /* As the module loads it: the secret and the fleet key stay unread. */
    cfg.without_secret = true;
    cfg.conf_path = strdup("/fuzz.conf");
    if (cfg.conf_path != NULL && hb_config_parse(&cfg, text, &err) == HB_OK &&
        hb_config_finish(&cfg, &err) == HB_OK) {
        if (cfg.token_url == NULL || strncmp(cfg.token_url, "https://", 8) ||
            cfg.timeout <= 0 || cfg.http_timeout <= 0)
            abort();
    }
    if (err.msg[sizeof(err.msg) - 1] != '\0')
        abort();
    hb_config_free(&cfg);
    free(text);
    return 0;
}

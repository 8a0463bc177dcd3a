/* SPDX-License-Identifier: BSD-2-Clause */
/* The configuration's secrets: the client secret (inline, never in module
 * arguments, or from its own root-only file) and the fleet key a relay
 * needs (one line in a root-only file). Kept in memory only where the
 * caller asked for them (the helper), and wiped when let go of. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_secrets.h"
#include "safefile.h"
#include "secure.h"

enum hb_status hb_config_set_secret(struct hb_config *cfg, const char *value,
                                    bool from_args, struct hb_error *err)
{
    if (from_args)
        return hb_fail(err, HB_ERR_CONFIG,
                       "client_secret is refused in module arguments "
                       "(/etc/pam.d is world-readable); use the config "
                       "file or client_secret_file");
    if (value[0] == '\0')
        return hb_fail(err, HB_ERR_CONFIG,
                       "bad value for client_secret: expected a non-empty "
                       "secret");
    cfg->secret_in_file = true;
    if (cfg->without_secret)
        return HB_OK;
    hb_free_secret(&cfg->client_secret);
    cfg->client_secret = strdup(value);
    if (cfg->client_secret == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    return HB_OK;
}

enum hb_status hb_config_load_client_secret(struct hb_config *cfg,
                                            struct hb_error *err)
{
    bool inline_secret = cfg->secret_in_file || cfg->client_secret != NULL;
    if (inline_secret && cfg->client_secret_file != NULL)
        return hb_fail(err, HB_ERR_CONFIG,
                       "set client_secret or client_secret_file, not both");
    if (cfg->client_secret_file != NULL && !cfg->without_secret) {
        char *text = NULL;
        size_t len = 0;
        enum hb_status status = hb_read_safe_file(cfg->client_secret_file, 0,
                                                  true, &text, &len, NULL, err);
        if (status != HB_OK)
            return status;
        /* A trailing newline is how editors save files, not part of it. */
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            text[--len] = '\0';
        if (len == 0 || strchr(text, '\n') != NULL) {
            hb_free_secret(&text);
            return hb_fail(err, HB_ERR_CONFIG,
                           "%s must hold the secret on one line",
                           cfg->client_secret_file);
        }
        cfg->client_secret = text;
    }
    if (!inline_secret && cfg->client_secret_file == NULL)
        return hb_fail(err, HB_ERR_CONFIG,
                       "client_secret or client_secret_file is not set");
    return HB_OK;
}

enum hb_status hb_config_load_fleet_key(struct hb_config *cfg,
                                        struct hb_error *err)
{
    if (cfg->relay_url == NULL)
        return HB_OK;
    if (cfg->fleet_key_file == NULL)
        return hb_fail(err, HB_ERR_CONFIG,
                       "relay_url needs fleet_key_file (the relay refuses "
                       "requests not signed with the fleet key)");
    /* Like the client secret, only the helper holds the key. */
    if (cfg->without_secret)
        return HB_OK;
    char *text = NULL;
    size_t len = 0;
    enum hb_status status =
        hb_read_safe_file(cfg->fleet_key_file, 0, true, &text, &len, NULL, err);
    if (status != HB_OK)
        return status;
    while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL)
        text[--len] = '\0';
    if (len < 16 || strchr(text, '\n') != NULL) {
        hb_free_secret(&text);
        return hb_fail(err, HB_ERR_CONFIG,
                       "%s must hold the fleet key on one line (at least 16 "
                       "characters)",
                       cfg->fleet_key_file);
    }
    hb_free_secret(&cfg->fleet_key);
    cfg->fleet_key = text;
    return HB_OK;
}

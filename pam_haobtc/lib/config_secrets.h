/* SPDX-License-Identifier: BSD-2-Clause */
/* The configuration's secrets (config_secrets.c), for config.c. */
#ifndef HB_CONFIG_SECRETS_H
#define HB_CONFIG_SECRETS_H

#include <stdbool.h>

#include "config.h"
#include "status.h"

/* client_secret = value: refused from module arguments (/etc/pam.d is
 * world-readable); kept only when the caller wants the secret. */
enum hb_status hb_config_set_secret(struct hb_config *cfg, const char *value,
                                    bool from_args, struct hb_error *err);
/* The client secret once the file and the arguments are read: one of
 * client_secret and client_secret_file, the file's one line read. */
enum hb_status hb_config_load_client_secret(struct hb_config *cfg,
                                            struct hb_error *err);
/* The fleet key, required with a relay (relay_url). */
enum hb_status hb_config_load_fleet_key(struct hb_config *cfg,
                                        struct hb_error *err);

#endif

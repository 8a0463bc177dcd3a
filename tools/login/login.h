/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login's commands, which its main dispatches to. */
#ifndef HB_TOOLS_LOGIN_H
#define HB_TOOLS_LOGIN_H

#include <stdbool.h>

/* The module's flow from a shell (flow.c). */
int login_flow_main(int argc, char **argv);
/* "haobtc-login pkce": that flow, with the code redeemed with a wrong
 * code_verifier (flow.c); argv[0] is "pkce". */
int login_pkce_main(int argc, char **argv);
/* "haobtc-login check": the setup check (check_main.c); argv[0] is
 * "check". */
int check_main(int argc, char **argv);
/* "haobtc-login breakglass issue|list|revoke" (breakglass.c); argv[1] is
 * "breakglass". */
int breakglass_main(int argc, char **argv);
/* "haobtc-login reuse list|revoke" (reuse.c); argv[1] is "reuse". */
int reuse_main(int argc, char **argv);
/* "haobtc-login enable|disable SERVICE..." (enable.c); argv[0] is
 * "enable" or "disable". */
int enable_main(int argc, char **argv);
/* "haobtc-login keys": every key of the configuration (keys.c); argv[0]
 * is "keys". */
int keys_main(int argc, char **argv);
/* -c PATH, for all: the module's own conf=PATH argument in *arg (a new
 * string; the one before is freed). False when out of memory. */
bool login_conf_arg(char **arg, const char *path);
struct hb_config;
/* The configuration (conf, or the default file) without its secrets into
 * cfg, which the caller frees with hb_config_free either way; false, and
 * why on standard error under "haobtc-login CMD", when it does not load. */
bool login_load_config(const char *conf, const char *cmd,
                       struct hb_config *cfg);

#endif

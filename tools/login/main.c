/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login, the administrator's tool: without a subcommand it runs a
 * login's flow from a shell (flow.c); "pkce" runs it to learn whether
 * haobtc enforces PKCE (flow.c); "check" checks the whole setup
 * (check_*.c); "breakglass" keeps the one-time codes for outages
 * (breakglass.c); "reuse" lists and revokes the sshd approvals kept
 * for reuse_for_key (reuse.c); "enable" and "disable" write and take out
 * the haobtc lines of the PAM services a name covers (enable.c); "keys"
 * lists the configuration's keys (keys.c). */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "login.h"

bool login_conf_arg(char **arg, const char *path)
{
    free(*arg);
    if (asprintf(arg, "conf=%s", path) < 0) {
        *arg = NULL;
        return false;
    }
    return true;
}

bool login_load_config(const char *conf, const char *cmd, struct hb_config *cfg)
{
    hb_config_init(cfg);
    char *arg = NULL;
    const char *args[1];
    int n = 0;
    if (conf != NULL) {
        if (!login_conf_arg(&arg, conf))
            return false;
        args[n++] = arg;
    }
    struct hb_error err = {0};
    bool ok = hb_config_load_without_secret(n, args, cfg, &err) == HB_OK;
    if (!ok)
        fprintf(stderr, "haobtc-login %s: %s\n", cmd, err.msg);
    free(arg);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return check_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "breakglass") == 0)
        return breakglass_main(argc, argv);
    if (argc > 1 && strcmp(argv[1], "reuse") == 0)
        return reuse_main(argc, argv);
    if (argc > 1 &&
        (strcmp(argv[1], "enable") == 0 || strcmp(argv[1], "disable") == 0))
        return enable_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "keys") == 0)
        return keys_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "pkce") == 0)
        return login_pkce_main(argc - 1, argv + 1);
    return login_flow_main(argc, argv);
}

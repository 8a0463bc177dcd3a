/* SPDX-License-Identifier: BSD-2-Clause */
/* "haobtc-login reuse": the sshd approvals reuse_for_key keeps (see
 * pam_haobtc/lib/reuse.h). list shows who may log in again with which
 * key until when; revoke ends a user's, or all. Each revoke goes to
 * syslog. */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "config.h"
#include "login.h"
#include "reuse.h"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: haobtc-login reuse list [-c CONF | --dir DIR]\n"
            "       haobtc-login reuse revoke USER|--all [-c CONF | --dir "
            "DIR]\n"
            "  The sshd approvals kept for reuse_for_key (reuse_dir, default "
            "%s):\n"
            "  each lets USER in again with the same SSH key until it "
            "expires.\n"
            "  exit: 0 done, 3 error\n",
            HB_DEFAULT_REUSE_DIR);
}

/* The store: --dir, or reuse_dir of the configuration. */
static char *dir_of(const char *dir, const char *conf)
{
    if (dir != NULL)
        return strdup(dir);
    struct hb_config cfg;
    char *path = NULL;
    if (login_load_config(conf, "reuse", &cfg))
        path = strdup(cfg.reuse_dir);
    hb_config_free(&cfg);
    return path;
}

static enum hb_status list(const char *dir, struct hb_error *err)
{
    struct hb_reuse_record *recs = NULL;
    size_t n = 0;
    enum hb_status status = hb_reuse_load(dir, &recs, &n, err);
    if (status != HB_OK)
        return status;
    long long now = (long long)time(NULL);
    char boot[HB_BOOT_ID_MAX];
    bool have_boot = hb_boot_id(boot);
    for (size_t i = 0; i < n; i++) {
        const struct hb_reuse_record *r = &recs[i];
        char when[32];
        time_t t = (time_t)r->expires;
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
        const char *state = !have_boot || strcmp(r->boot_id, boot) != 0
                                ? "an earlier boot"
                            : r->expires <= now ? "expired"
                                                : "active";
        printf("%-16s  %s  uuid %s  until %s  %s\n", r->user, r->bound, r->uuid,
               when, state);
    }
    free(recs);
    return HB_OK;
}

int reuse_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"conf", required_argument, NULL, 'c'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *conf = NULL, *dir = NULL;
    bool all = false;
    int c;
    /* The options after "reuse WHAT", WHAT standing as argv[0]. */
    const char *what = argc > 2 ? argv[2] : "";
    int n = argc > 2 ? argc - 2 : 0;
    char **rest = argv + 2;
    optind = 0;
    while (n > 0 && (c = getopt_long(n, rest, "c:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            all = true;
            break;
        case 'c':
            conf = optarg;
            break;
        case 'd':
            dir = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 3;
        }
    }
    bool is_list = strcmp(what, "list") == 0,
         is_revoke = strcmp(what, "revoke") == 0;
    if ((!is_list && !is_revoke) || (is_list && (all || optind != n)) ||
        (is_revoke && (all ? optind != n : optind != n - 1))) {
        usage(stderr);
        return 3;
    }
    char *path = dir_of(dir, conf);
    if (path == NULL)
        return 3;
    struct hb_error err = {0};
    enum hb_status status;
    if (is_list) {
        status = list(path, &err);
    } else {
        const char *user = all ? NULL : rest[optind];
        size_t removed = 0;
        status = hb_reuse_revoke(path, user, &removed, &err);
        if (status == HB_OK) {
            printf("revoked %zu approval%s%s%s\n", removed,
                   removed == 1 ? "" : "s", user != NULL ? " of " : "",
                   user != NULL ? user : "");
            openlog("haobtc-login", LOG_PID, LOG_AUTHPRIV);
            syslog(LOG_NOTICE, "reuse: %zu approval(s) of %s revoked", removed,
                   user != NULL ? user : "every user");
            closelog();
        }
    }
    if (status != HB_OK)
        fprintf(stderr, "haobtc-login reuse: %s\n", err.msg);
    free(path);
    return status == HB_OK ? 0 : 3;
}

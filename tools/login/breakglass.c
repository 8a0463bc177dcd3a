/* SPDX-License-Identifier: BSD-2-Clause */
/* "haobtc-login breakglass": an administrator's one-time codes for when
 * haobtc is really down (see pam_haobtc/lib/breakglass.h). issue prints a
 * code once and keeps only its hash; list shows what is there; revoke
 * takes one away. Each change goes to syslog. */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "breakglass.h"
#include "config.h"
#include "login.h"
#include "secure.h"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: haobtc-login breakglass issue --user LOCALUSER "
            "[--ttl 24h] [-c CONF | --file FILE]\n"
            "       haobtc-login breakglass list [-c CONF | --file FILE]\n"
            "       haobtc-login breakglass revoke ID [-c CONF | --file FILE]\n"
            "  A code lets LOCALUSER in once, before its time to live ends\n"
            "  (1m to 30d), and only while haobtc cannot be reached. It is\n"
            "  shown once; the file (breakglass_file, default %s)\n"
            "  keeps its hash. exit: 0 done, 1 refused, 3 configuration "
            "error\n",
            HB_DEFAULT_BREAKGLASS);
}

static void show(void *arg, const struct hb_bg_entry *e)
{
    long long now = *(const long long *)arg;
    char when[32], used[64];
    time_t t = (time_t)e->expires;
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", gmtime(&t));
    if (e->used != 0) {
        time_t u = (time_t)e->used;
        strftime(used, sizeof(used), "used %Y-%m-%d %H:%M UTC", gmtime(&u));
    } else {
        snprintf(used, sizeof(used), "%s",
                 e->expires > now ? "unused" : "expired");
    }
    printf("%s  %-16s  until %s  %s\n", e->id, e->user, when, used);
}

/* The file: --file, or breakglass_file of the configuration. */
static char *file_of(const char *file, const char *conf)
{
    if (file != NULL)
        return strdup(file);
    struct hb_config cfg;
    char *path = NULL;
    if (login_load_config(conf, "breakglass", &cfg))
        path = strdup(cfg.breakglass_file);
    hb_config_free(&cfg);
    return path;
}

int breakglass_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"user", required_argument, NULL, 'u'},
        {"ttl", required_argument, NULL, 't'},
        {"conf", required_argument, NULL, 'c'},
        {"file", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *user = NULL, *conf = NULL, *file = NULL;
    long ttl = 24 * 3600;
    int c;
    /* The options after "breakglass WHAT", WHAT standing as argv[0]. */
    const char *what = argc > 2 ? argv[2] : "";
    int n = argc > 2 ? argc - 2 : 0;
    char **rest = argv + 2;
    optind = 0;
    while (n > 0 && (c = getopt_long(n, rest, "u:t:c:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            user = optarg;
            break;
        case 't':
            if (!hb_breakglass_parse_ttl(optarg, &ttl)) {
                fprintf(stderr,
                        "haobtc-login breakglass: --ttl %s: a time "
                        "from 1m to 30d, e.g. 24h\n",
                        optarg);
                return 3;
            }
            break;
        case 'c':
            conf = optarg;
            break;
        case 'f':
            file = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 3;
        }
    }
    bool issue = strcmp(what, "issue") == 0, list = strcmp(what, "list") == 0,
         revoke = strcmp(what, "revoke") == 0;
    if ((!issue && !list && !revoke) || (issue && user == NULL) ||
        (revoke && optind != n - 1) || (!revoke && optind != n)) {
        usage(stderr);
        return 3;
    }
    char *path = file_of(file, conf);
    if (path == NULL)
        return 3;
    struct hb_error err = {0};
    enum hb_status status;
    openlog("haobtc-login", LOG_PID, LOG_AUTHPRIV);
    if (issue) {
        char code[HB_BG_CODE_MAX], id[HB_BG_ID_LEN + 1];
        status = hb_breakglass_issue(path, user, ttl, code, id, &err);
        if (status == HB_OK) {
            printf("break-glass code %s for %s, valid %ld h %ld min, once, "
                   "only while haobtc cannot be reached:\n%s\n",
                   id, user, ttl / 3600, ttl % 3600 / 60, code);
            syslog(LOG_NOTICE, "break-glass code %s issued for %s, valid %ld s",
                   id, user, ttl);
        }
        hb_wipe(code, sizeof(code));
    } else if (list) {
        long long now = (long long)time(NULL);
        status = hb_breakglass_list(path, show, &now, &err);
    } else {
        status = hb_breakglass_revoke(path, rest[optind], &err);
        if (status == HB_OK) {
            printf("revoked %s\n", rest[optind]);
            syslog(LOG_NOTICE, "break-glass code %s revoked", rest[optind]);
        }
    }
    closelog();
    if (status != HB_OK)
        fprintf(stderr, "haobtc-login breakglass: %s\n", err.msg);
    free(path);
    return status == HB_OK                                     ? 0
           : status == HB_ERR_DENIED || status == HB_ERR_INPUT ? 1
                                                               : 3;
}

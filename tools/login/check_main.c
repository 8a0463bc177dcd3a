/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login check: finds the setup mistakes that lock people out or let
 * them in by accident, before the first login meets them. One line per
 * finding; the exit status is 1 when any line says FAIL. */
#include "autoconf.h"

#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "finding.h"
#include "login.h"
#include "safefile.h"

#define FINDING_MAX 1024

static void usage(const struct hb_texts *t, FILE *to)
{
    fprintf(
        to,
        /* TRANSLATORS: haobtc-login check --help; keep the option
         * names; %s is the default configuration file. */
        hb_tr(
            t,
            "usage: haobtc-login check [-c CONF] [--pam-dir DIR] "
            "[--sshd-config FILE]\n"
            "                          [--sshd PATH] [--skip AREAS] "
            "[key=value ...]\n"
            "  Checks the configuration and secret files, the helper, the\n"
            "  provider and the relay (without a login), the map file, the\n"
            "  PAM services that use pam_haobtc.so and sshd's settings; one\n"
            "  line per check: ok, warn or FAIL (with the fix).\n"
            "  -c, --conf FILE         configuration (default %s)\n"
            "      --pam-dir DIR       PAM service files (default /etc/pam.d)\n"
            "      --sshd-config FILE  passed to sshd -T -f (default: sshd's "
            "own)\n"
            "      --sshd PATH         sshd to ask (default /usr/sbin/sshd)\n"
            "      --skip AREAS        leave out some of network,map,pam,sshd\n"
            "                          (comma-separated)\n"
            "exit: 0 nothing failed, 1 a check failed, 4 usage error\n"),
        HB_DEFAULT_CONF);
}

/* Findings may quote a file or a provider's text: no control byte may
 * reach the terminal. */
void check_put_clean(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        putchar(*p < 0x20 || *p == 0x7f ? '?' : *p);
}

void check_say(struct check *c, enum check_verdict v, const char *topic,
               const char *fix, const char *fmt, ...)
{
    static const char *const words[] = {"ok  ", "warn", "FAIL"};
    char finding[FINDING_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(finding, sizeof(finding), fmt, ap);
    va_end(ap);
    if (v == CHECK_OK)
        c->n_ok++;
    else if (v == CHECK_WARN)
        c->n_warn++;
    else
        c->n_fail++;
    printf("%s ", words[v]);
    check_put_clean(topic);
    fputs(": ", stdout);
    check_put_clean(finding);
    if (v != CHECK_OK && fix != NULL && fix[0] != '\0') {
        /* TRANSLATORS: between a finding and how to fix it. */
        fputs(hb_tr(c->t, ". Fix: "), stdout);
        check_put_clean(fix);
    }
    if (v != CHECK_OK)
        /* TRANSLATORS: ends a warning or failure line. */
        fputs(hb_tr(c->t, "."), stdout);
    putchar('\n');
    fflush(stdout);
}

void check_file_fix(const struct check *c, const char *path, bool secret,
                    char *out, size_t size)
{
    struct hb_finding_text fix;
    hb_safe_file_fix(path, secret, &fix);
    if (!hb_finding_render(&fix, c->t, out, size))
        snprintf(out, size, "%s", fix.english);
}

void check_join(char *const *names, size_t n, size_t max, char *out,
                size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && i < max && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s",
                                 i > 0 ? ", " : "", names[i]);
    if (n > max && used < size)
        snprintf(out + used, size - used, ", ... (%zu in all)", n);
}

/* "network,sshd" into SKIP_* bits; false for an unknown area. */
static bool parse_skip(const char *list, unsigned *skip)
{
    static const struct {
        const char *name;
        unsigned bit;
    } areas[] = {{"network", SKIP_NETWORK},
                 {"map", SKIP_MAP},
                 {"pam", SKIP_PAM},
                 {"sshd", SKIP_SSHD}};
    while (*list != '\0') {
        size_t n = strcspn(list, ",");
        bool known = false;
        for (size_t i = 0; i < sizeof(areas) / sizeof(areas[0]); i++) {
            if (strlen(areas[i].name) == n &&
                strncmp(list, areas[i].name, n) == 0) {
                *skip |= areas[i].bit;
                known = true;
            }
        }
        if (!known)
            return false;
        list += n;
        if (*list == ',')
            list++;
    }
    return true;
}

static int check_with(const struct hb_texts *t, int argc, char **argv)
{
    static const struct option options[] = {
        {"conf", required_argument, NULL, 'c'},
        {"pam-dir", required_argument, NULL, 'p'},
        {"sshd-config", required_argument, NULL, 's'},
        {"sshd", required_argument, NULL, 'S'},
        {"skip", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct check c;
    memset(&c, 0, sizeof(c));
    c.t = t;
    c.pam_dir = "/etc/pam.d";
    c.sshd = "/usr/sbin/sshd";
    char *conf_arg = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            if (!login_conf_arg(&conf_arg, optarg))
                return 4;
            break;
        case 'p':
            c.pam_dir = optarg;
            break;
        case 's':
            c.sshd_config = optarg;
            break;
        case 'S':
            c.sshd = optarg;
            break;
        case 'k':
            if (!parse_skip(optarg, &c.skip)) {
                fputs(hb_tr(t, "haobtc-login check: --skip takes network, "
                               "map, pam or sshd\n"),
                      stderr);
                free(conf_arg);
                return 4;
            }
            break;
        case 'h':
            usage(t, stdout);
            free(conf_arg);
            return 0;
        default:
            usage(t, stderr);
            free(conf_arg);
            return 4;
        }
    }
    if (geteuid() != 0) {
        fputs(hb_tr(t, "haobtc-login check: run me as root: I read the "
                       "root-only files and start the helper as a login "
                       "does\n"),
              stderr);
        free(conf_arg);
        return 4;
    }
    /* The argument list a pam.d line would give the module. */
    c.argv = calloc((size_t)(argc - optind) + 2, sizeof(*c.argv));
    if (c.argv == NULL)
        return 4;
    if (conf_arg != NULL)
        c.argv[c.argc++] = conf_arg;
    for (int i = optind; i < argc; i++)
        c.argv[c.argc++] = argv[i];

    check_config(&c);
    if (!(c.skip & SKIP_NETWORK))
        check_network(&c);
    if (!(c.skip & SKIP_MAP))
        check_map(&c);
    /* Without the PAM services to say whether sshd uses the module, sshd
     * is checked as if it did. */
    c.sshd_uses_module = (c.skip & SKIP_PAM) != 0;
    if (!(c.skip & SKIP_PAM))
        check_pam(&c);
    if (!(c.skip & SKIP_SSHD))
        check_sshd(&c);
    printf("%u ok, %u warn, %u FAIL\n", c.n_ok, c.n_warn, c.n_fail);

    for (size_t i = 0; i < c.n_accounts; i++)
        free(c.accounts[i]);
    free(c.accounts);
    if (c.cfg_loaded)
        hb_config_free(&c.cfg);
    free(c.argv);
    free(conf_arg);
    return c.n_fail > 0 ? 1 : 0;
}

int check_main(int argc, char **argv)
{
    struct hb_texts texts;
    /* The administrator's terminal decides the language, as for su. */
    setlocale(LC_ALL, "");
    hb_texts_open(&texts, hb_lang_choose(HB_LANG_SET_AUTO), hb_catalog_dir());
    int rc = check_with(&texts, argc, argv);
    hb_texts_close(&texts);
    return rc;
}

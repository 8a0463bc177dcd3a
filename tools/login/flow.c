/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login without a subcommand: the module's flow from a shell, so an
 * administrator can try a configuration without PAM: prints the link,
 * reads the pasted code, prints the profile and the local account it maps
 * to. "haobtc-login pkce" runs the same flow but has the helper redeem the
 * code with a wrong code_verifier, to learn whether haobtc enforces PKCE. */
#include "autoconf.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "codes.h"
#include "config.h"
#include "helper_client.h"
#include "identity.h"
#include "lang.h"
#include "login.h"
#include "obtain.h"
#include "prompt.h"
#include "secure.h"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: haobtc-login [-c CONF] [-u LOCALUSER] [key=value ...]\n"
            "       haobtc-login pkce [-c CONF] -u LOCALUSER [key=value ...]\n"
            "       haobtc-login check [-c CONF] [options]  (see check "
            "--help)\n"
            "       haobtc-login breakglass issue|list|revoke  (see "
            "breakglass --help)\n"
            "       haobtc-login reuse list|revoke USER|--all  (see reuse "
            "--help)\n"
            "  Prints the haobtc authorize link, reads the code pasted from\n"
            "  the page haobtc redirects to, exchanges it, and prints the\n"
            "  profile and the local account it maps to.\n"
            "  pkce: the same login, but the code is redeemed with a wrong\n"
            "  code_verifier: tells whether haobtc enforces PKCE.\n"
            "  -c, --conf FILE   configuration (default %s)\n"
            "  -u, --user NAME   local account to check the mapping against\n"
            "exit: 0 mapped (or no -u), 1 refused, 2 provider unavailable,\n"
            "      3 configuration error, 4 other error\n"
            "pkce: 0 haobtc refused the wrong verifier, 1 haobtc accepted it,\n"
            "      2 provider unavailable, 3 configuration error, 4 other\n",
            HB_DEFAULT_CONF);
}

static int exit_code(enum hb_status status)
{
    switch (status) {
    case HB_OK:
        return 0;
    case HB_ERR_DENIED:
    case HB_ERR_INPUT:
    case HB_ERR_PENDING:
    case HB_ERR_EXPIRED:
    case HB_ERR_REJECTED:
        return 1;
    case HB_ERR_UNAVAIL:
        return 2;
    case HB_ERR_CONFIG:
        return 3;
    default:
        return 4;
    }
}

static char *read_code(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        free(line);
        return NULL;
    }
    return line;
}

/* haobtc-login's side of hb_obtain_code: this terminal. */
static char *terminal_ask(void *ctx, const char *prompt, bool hidden,
                          struct hb_error *err)
{
    /* There is no password here (or_password is off): nothing to hide. */
    (void)ctx, (void)hidden;
    fputs(prompt, stdout);
    fflush(stdout);
    char *answer = read_code();
    if (answer == NULL)
        hb_fail(err, HB_ERR_INPUT, "no code was read");
    return answer;
}

static enum hb_status terminal_tell(void *ctx, const char *text,
                                    struct hb_error *err)
{
    (void)ctx;
    (void)err;
    printf("%s\n", text);
    fflush(stdout);
    return HB_OK;
}

static void terminal_note(void *ctx, int priority, const char *text)
{
    (void)ctx;
    if (priority != LOG_DEBUG)
        fprintf(stderr, "haobtc-login: %s\n", text);
}

static void show(const char *label, const char *value)
{
    if (value == NULL)
        return;
    /* Padded by terminal columns, not bytes: a Chinese label is half as
     * many characters as it is wide. */
    size_t cols = hb_text_columns(label, strlen(label));
    fputs(label, stdout);
    for (; cols < 18; cols++)
        putchar(' ');
    /* Provider text goes to a terminal: keep control bytes out of it. */
    for (const unsigned char *c = (const unsigned char *)value; *c; c++)
        putchar(*c < 0x20 || *c == 0x7f ? '?' : *c);
    putchar('\n');
}

/* Prints what the exchange gave and the local account it maps to; with a
 * user, the status of that mapping. */
static enum hb_status show_result(const struct hb_texts *texts,
                                  const struct hb_config *cfg,
                                  const struct hb_profile *profile,
                                  const char *user, struct hb_error *err)
{
    enum hb_status status = HB_OK;
    /* TRANSLATORS: labels of haobtc-login's result, padded to 18
     * terminal columns; keep the colon. */
    show(hb_tr(texts, "token exchange:"), hb_tr(texts, "ok"));
    show(hb_tr(texts, "haobtc uuid:"), profile->uuid);
    show(hb_tr(texts, "haobtc username:"), profile->username);
    show(hb_tr(texts, "address:"), profile->address);
    show(hb_tr(texts, "provider:"), profile->provider);
    const char *maps_to = hb_tr(texts, "maps to:");
    char line[HB_ERRMSG_MAX + HB_USERNAME_MAX + 64];
    if (user != NULL) {
        status = hb_identity_check(cfg, profile, user, NULL, err);
        /* TRANSLATORS: %s is the local account. */
        snprintf(line, sizeof(line), hb_tr(texts, "%s (may log in)"), user);
        if (status == HB_OK)
            show(maps_to, line);
    } else {
        char local[HB_USERNAME_MAX + 1];
        if (hb_identity_lookup(cfg, profile, "", local, sizeof(local), NULL,
                               err) == HB_OK) {
            show(maps_to, local);
        } else {
            /* TRANSLATORS: %s is why (in English, as the log says). */
            snprintf(line, sizeof(line), hb_tr(texts, "nothing (%s)"),
                     err->msg);
            show(maps_to, line);
        }
    }
    return status;
}

/* haobtc-login pkce's verdict on the probe's outcome, and its exit
 * status: only a refusal carrying a haobtc code is "ok", only a token is
 * "FAIL"; anything else (unreachable, a paste refused here, the deadline)
 * says nothing about PKCE. */
static int pkce_verdict(enum hb_status status, const struct hb_error *err)
{
    if (status == HB_OK) {
        printf("FAIL pkce: haobtc accepted a code with the wrong "
               "code_verifier: it ignores PKCE, so a code injected at the "
               "relay's /cb or pasted from another attempt is not caught by "
               "haobtc (see doc/threat-model.md)\n");
        return 1;
    }
    const struct hb_code_info *info = hb_code_lookup(err->haobtc_code);
    /* Only "this code is not valid" speaks of the verifier; a refusal of
     * the client (a wrong secret, say) would refuse any code. */
    if (status == HB_ERR_DENIED && err->haobtc_code == 40009 && info != NULL) {
        printf("ok pkce: haobtc refused a code redeemed with the wrong "
               "code_verifier (%ld %s)\n",
               err->haobtc_code, info->name);
        return 0;
    }
    if (status == HB_ERR_DENIED) {
        fprintf(stderr,
                "haobtc-login: no verdict: haobtc refused for another reason "
                "(%s); an ordinary haobtc-login -u USER must succeed first\n",
                err->msg);
        return 3;
    }
    fprintf(stderr, "haobtc-login: %s: %s\n", hb_status_name(status), err->msg);
    switch (status) {
    case HB_ERR_UNAVAIL:
        return 2;
    case HB_ERR_CONFIG:
        return 3;
    default:
        return 4;
    }
}

/* The login of both commands; probe: haobtc-login pkce. */
static int run_flow(int argc, char **argv, bool probe)
{
    static const struct option options[] = {
        {"conf", required_argument, NULL, 'c'},
        {"user", required_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *user = NULL;
    char *conf_arg = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:u:h", options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            if (!login_conf_arg(&conf_arg, optarg))
                return 4;
            break;
        case 'u':
            user = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 4;
        }
    }
    /* The relay's context page names the account the phone approves. */
    if (probe && user == NULL) {
        fputs("haobtc-login pkce: -u LOCALUSER is required\n", stderr);
        usage(stderr);
        free(conf_arg);
        return 4;
    }

    /* The same argument list a pam.d line would give the module. */
    int n_args = argc - optind + (conf_arg != NULL ? 1 : 0);
    const char **args = calloc((size_t)n_args + 1, sizeof(*args));
    if (args == NULL)
        return 4;
    int k = 0;
    if (conf_arg != NULL)
        args[k++] = conf_arg;
    for (int i = optind; i < argc; i++)
        args[k++] = argv[i];

    struct hb_config cfg;
    struct hb_helper helper = {0};
    struct hb_offer offer = {0};
    struct hb_profile profile = {0};
    struct hb_error err = {0};
    char *code = NULL;
    /* The same split as a login: this process never holds the secret or
     * the token; the helper does the network part. */
    struct hb_texts texts;
    enum hb_status status = hb_config_load_without_secret(k, args, &cfg, &err);
    /* The tool tries the haobtc way only; there is no password to go on
     * to. */
    cfg.or_password = false;
    /* This program's own locale decides lang = auto, as for su. */
    setlocale(LC_ALL, "");
    hb_texts_open(&texts,
                  hb_lang_choose(status == HB_OK ? cfg.lang : HB_LANG_SET_AUTO),
                  hb_catalog_dir());
    if (status == HB_OK)
        status =
            hb_helper_start(&helper, time(NULL) + cfg.timeout, false, &err);
    if (status == HB_OK)
        status = hb_helper_challenge(&helper, k, args, user, NULL, NULL, &offer,
                                     &err);
    const struct hb_person person = {
        .ask = terminal_ask,
        .tell = terminal_tell,
        .note = terminal_note,
        .service = "haobtc-login",
        .output_is_a_terminal = isatty(STDOUT_FILENO) == 1,
        .texts = &texts,
    };
    if (status == HB_OK)
        status = hb_obtain_code(
            &person, &cfg, &helper, &offer,
            user != NULL ? user : hb_tr(&texts, "your account"), &code, &err);
    int rc;
    if (probe) {
        if (status == HB_OK)
            status = hb_helper_probe_pkce(&helper, code, &err);
        rc = pkce_verdict(status, &err);
    } else {
        if (status == HB_OK)
            status = hb_helper_exchange(&helper, code, &profile, &err);
        if (status == HB_OK)
            status = show_result(&texts, &cfg, &profile, user, &err);
        if (status != HB_OK)
            fprintf(stderr, "haobtc-login: %s: %s\n", hb_status_name(status),
                    err.msg);
        rc = exit_code(status);
    }
    hb_free_secret(&code);

    hb_profile_free(&profile);
    hb_offer_free(&offer);
    hb_helper_stop(&helper);
    hb_config_free(&cfg);
    hb_texts_close(&texts);
    free(args);
    free(conf_arg);
    return rc;
}

int login_flow_main(int argc, char **argv)
{
    return run_flow(argc, argv, false);
}

int login_pkce_main(int argc, char **argv)
{
    return run_flow(argc, argv, true);
}

/* haobtc-login: the module's flow from a shell, so an administrator can try
 * a configuration without PAM: prints the link, reads the pasted code,
 * prints the profile and the local account it maps to. */
#include "autoconf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "challenge.h"
#include "config.h"
#include "http.h"
#include "identity.h"
#include "prompt.h"
#include "provider.h"
#include "relay_client.h"
#include "secure.h"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: haobtc-login [-c CONF] [-u LOCALUSER] [key=value ...]\n"
            "  Prints the haobtc authorize link, reads the code pasted from\n"
            "  the page haobtc redirects to, exchanges it, and prints the\n"
            "  profile and the local account it maps to.\n"
            "  -c, --conf FILE   configuration (default %s)\n"
            "  -u, --user NAME   local account to check the mapping against\n"
            "exit: 0 mapped (or no -u), 1 refused, 2 provider unavailable,\n"
            "      3 configuration error, 4 other error\n",
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

/* Like the module: with a relay, Enter waits for the phone; a pasted code
 * is used directly. */
static enum hb_status obtain_code(struct hb_http *http,
                                  const struct hb_config *cfg,
                                  const struct hb_challenge *ch,
                                  const char *user, char **code,
                                  struct hb_error *err)
{
    if (ch->relay_error.status != HB_OK)
        fprintf(stderr, "haobtc-login: relay unavailable, paste instead: %s\n",
                ch->relay_error.msg);
    /* The very prompt the module would show, QR code included. */
    char *prompt = hb_prompt_build(cfg, user != NULL ? user : "your account",
                                   ch->host, ch->link, ch->can_poll);
    if (prompt == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "cannot build the prompt");
    fputs(prompt, stdout);
    free(prompt);
    fflush(stdout);
    for (;;) {
        *code = read_code();
        if (*code == NULL)
            return hb_fail(err, HB_ERR_INPUT, "no code was read");
        enum hb_status status = hb_answer_check(*code, err);
        if (status != HB_ERR_PENDING)
            return status;
        hb_free_secret(code);
        if (!ch->can_poll)
            return hb_fail(err, HB_ERR_INPUT, "no code was entered");
        printf("waiting for approval...\n");
        fflush(stdout);
        status = hb_relay_wait(http, ch->poll_secret, code, err);
        if (status != HB_ERR_PENDING)
            return status;
        printf("Not approved yet. Press Enter to keep waiting (or paste "
               "the code): ");
        fflush(stdout);
    }
}

static void show(const char *label, const char *value)
{
    if (value == NULL)
        return;
    /* Provider text goes to a terminal: keep control bytes out of it. */
    printf("%-18s", label);
    for (const unsigned char *c = (const unsigned char *)value; *c; c++)
        putchar(*c < 0x20 || *c == 0x7f ? '?' : *c);
    putchar('\n');
}

int main(int argc, char **argv)
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
            free(conf_arg);
            if (asprintf(&conf_arg, "conf=%s", optarg) < 0)
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
    struct hb_http http = {0};
    struct hb_challenge ch = {0};
    struct hb_profile profile = {0};
    struct hb_error err = {0};
    char *code = NULL;
    char *token = NULL;
    enum hb_status status = hb_config_load(k, args, &cfg, &err);
    if (status == HB_OK)
        status = hb_http_open(&http, &cfg, time(NULL) + cfg.timeout, &err);
    if (status == HB_OK)
        status = hb_challenge_start(&http, user, NULL, &ch, &err);
    if (status == HB_OK)
        status = obtain_code(&http, &cfg, &ch, user, &code, &err);
    if (status == HB_OK)
        status = hb_get_token(&http, code, &token, &err);
    if (status == HB_OK) {
        printf("token exchange:   ok\n");
        status = hb_get_profile(&http, token, &profile, &err);
    }
    if (status == HB_OK) {
        show("haobtc uuid:", profile.uuid);
        show("haobtc username:", profile.username);
        show("address:", profile.address);
        show("provider:", profile.provider);
        if (user != NULL) {
            status = hb_identity_check(&cfg, &profile, user, &err);
            if (status == HB_OK)
                printf("maps to:          %s (may log in)\n", user);
        } else {
            char local[HB_USERNAME_MAX + 1];
            if (hb_identity_lookup(&cfg, &profile, "", local, sizeof(local),
                                   &err) == HB_OK)
                printf("maps to:          %s\n", local);
            else
                printf("maps to:          nothing (%s)\n", err.msg);
        }
    }
    if (status != HB_OK)
        fprintf(stderr, "haobtc-login: %s: %s\n", hb_status_name(status),
                err.msg);

    hb_free_secret(&token);
    hb_free_secret(&code);
    hb_profile_free(&profile);
    hb_challenge_free(&ch);
    hb_http_close(&http);
    hb_config_free(&cfg);
    free(args);
    free(conf_arg);
    return exit_code(status);
}

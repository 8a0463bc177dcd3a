/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's options: one table read from the command line and from a
 * --config file, checked before the daemon starts. */
#include "autoconf.h"

#include "relay.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_kind { OPT_TEXT, OPT_NUMBER, OPT_FLAG };

struct opt_def {
    const char *name;
    enum opt_kind kind;
    long min, max;
    size_t at; /* offset in struct relay_options */
};

#define AT(field) offsetof(struct relay_options, field)
/* One table serves getopt_long and --config, so the names cannot drift. */
static const struct opt_def opt_defs[] = {
    {"listen", OPT_TEXT, 0, 0, AT(listen)},
    {"port", OPT_NUMBER, 0, 65535, AT(port)},
    {"module-port", OPT_NUMBER, 1, 65535, AT(module_port)},
    {"port-file", OPT_TEXT, 0, 0, AT(port_file)},
    {"cert", OPT_TEXT, 0, 0, AT(cert)},
    {"key", OPT_TEXT, 0, 0, AT(key)},
    {"public-url", OPT_TEXT, 0, 0, AT(public_url)},
    {"fleet-key-file", OPT_TEXT, 0, 0, AT(fleet_key_file)},
    {"authorize-url", OPT_TEXT, 0, 0, AT(authorize_url)},
    {"client-id", OPT_TEXT, 0, 0, AT(client_id)},
    {"session-ttl", OPT_NUMBER, 10, 86400, AT(session_ttl)},
    {"max-sessions", OPT_NUMBER, 1, 1000000, AT(max_sessions)},
    {"max-poll-wait", OPT_NUMBER, 0, 600, AT(max_poll_wait)},
    {"rate", OPT_NUMBER, 1, 1000000, AT(rate)},
    {"burst", OPT_NUMBER, 1, 1000000, AT(burst)},
    {"module-rate", OPT_NUMBER, 1, 1000000, AT(module_rate)},
    {"module-burst", OPT_NUMBER, 1, 1000000, AT(module_burst)},
    {"unsigned-rate", OPT_NUMBER, 1, 1000000, AT(unsigned_rate)},
    {"unsigned-burst", OPT_NUMBER, 1, 1000000, AT(unsigned_burst)},
    {"trusted-proxy", OPT_TEXT, 0, 0, AT(trusted_proxy)},
    {"receive-timeout", OPT_NUMBER, 1, 300, AT(receive_timeout)},
    {"max-client-connections", OPT_NUMBER, 1, 100000,
     AT(max_client_connections)},
    {"store", OPT_TEXT, 0, 0, AT(store)},
    {"store-password-file", OPT_TEXT, 0, 0, AT(store_password_file)},
    {"store-ca-file", OPT_TEXT, 0, 0, AT(store_ca_file)},
    {"quiet", OPT_FLAG, 0, 0, AT(quiet)},
    {"debug", OPT_FLAG, 0, 0, AT(debug)},
    {"require-pkce", OPT_FLAG, 0, 0, AT(require_pkce)},
};
#define N_OPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))
enum { OPT_CONFIG = 256 + N_OPTS, OPT_HELP, OPT_CHECK };

/* where names the source ("--port", "relay.conf:3") for the error. */
static bool apply_option(struct relay_options *o, const struct opt_def *d,
                         const char *value, const char *where)
{
    void *field = (char *)o + d->at;
    char *copy;

    switch (d->kind) {
    case OPT_TEXT:
        copy = value[0] != '\0' ? strdup(value) : NULL;
        if (copy == NULL)
            break;
        free(*(char **)field);
        *(char **)field = copy;
        return true;
    case OPT_NUMBER:
        if (hb_parse_long(value, d->min, d->max, (long *)field))
            return true;
        relay_log(NULL, RELAY_ERROR,
                  "haobtc-relay: %s: want a number from %ld to %ld", where,
                  d->min, d->max);
        return false;
    case OPT_FLAG:
        /* A bare --quiet, or quiet = yes|no in a file. */
        if (value == NULL || strcmp(value, "yes") == 0 ||
            strcmp(value, "no") == 0) {
            *(bool *)field = value == NULL || value[0] == 'y';
            return true;
        }
        relay_log(NULL, RELAY_ERROR, "haobtc-relay: %s: want yes or no", where);
        return false;
    }
    relay_log(NULL, RELAY_ERROR, "haobtc-relay: %s: empty value", where);
    return false;
}

static bool read_config(struct relay_options *o, const char *path)
{
    FILE *f = fopen(path, "re");
    char *line = NULL, where[512];
    size_t cap = 0;
    unsigned lineno = 0;
    bool ok = f != NULL;

    if (f == NULL)
        relay_log(NULL, RELAY_ERROR, "haobtc-relay: %s: %s", path,
                  strerror(errno));
    while (ok && getline(&line, &cap, f) >= 0) {
        char *key = hb_trim(line), *eq = strchr(key, '=');
        const struct opt_def *d = NULL;

        snprintf(where, sizeof(where), "%s:%u", path, ++lineno);
        if (key[0] == '\0' || key[0] == '#')
            continue;
        if (eq != NULL) {
            *eq = '\0';
            key = hb_trim(key);
        }
        /* port_file reads as well as port-file. */
        for (char *k = key; *k != '\0'; k++)
            *k = *k == '_' ? '-' : *k;
        for (size_t i = 0; i < N_OPTS && eq != NULL; i++) {
            if (strcmp(key, opt_defs[i].name) == 0)
                d = &opt_defs[i];
        }
        if (d == NULL)
            relay_log(NULL, RELAY_ERROR, "haobtc-relay: %s: %s '%s'", where,
                      eq == NULL ? "expected key = value, not" : "unknown key",
                      key);
        ok = d != NULL && apply_option(o, d, hb_trim(eq + 1), where);
    }
    free(line);
    if (f != NULL)
        fclose(f);
    return ok;
}

/* A base URL we will print into links: scheme, no spaces, no fragment. */
static bool plain_url(const char *u)
{
    if (u == NULL ||
        (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0))
        return false;
    for (; *u != '\0'; u++) {
        if ((unsigned char)*u <= ' ' || *u == 0x7f || *u == '#')
            return false;
    }
    return true;
}

/* The provider's authorize page: a path after the host, no user info. */
static bool names_a_path(const char *u)
{
    const char *host = strstr(u, "://");
    if (host == NULL)
        return false;
    host += 3;
    size_t host_len = strcspn(host, "/?");
    return host[host_len] == '/' && host_len > 0 &&
           memchr(host, '@', host_len) == NULL;
}

static void usage(FILE *to)
{
    fputs("Usage: haobtc-relay --public-url URL --fleet-key-file FILE\n"
          "         --authorize-url URL --client-id ID [options]\n"
          "  --config FILE          key = value lines, names as below\n"
          "  --fleet-key-file FILE  the key modules sign requests with\n"
          "  --authorize-url URL    the provider's authorize page\n"
          "  --client-id ID         the client registered with the provider\n"
          "  --listen ADDR (127.0.0.1) --port N (8080; 0: any free port)\n"
          "  --port-file FILE       where to write the port listened on\n"
          "  --module-port N        also listen here for modules' requests\n"
          "                         only, at a quarter of the memory each\n"
          "  --cert FILE --key FILE serve HTTPS (else HTTP behind a proxy)\n"
          "  --session-ttl S (300)  --max-sessions N (20000)\n"
          "  --max-poll-wait S (60)\n"
          "  --quiet                log errors only  --debug  log everything\n"
          "  --check-config         check the options and the files they\n"
          "                         name, as a start would, and exit\n"
          "  --require-pkce         refuse a registration without a PKCE\n"
          "                         code_challenge (modules before PKCE)\n"
          "  --rate N (20) --burst N (60)   per client, phones' requests\n"
          "                         that fail (a live login's never count)\n"
          "  --module-rate N (100) --module-burst N (1000)   per module\n"
          "                         host and fleet key, signed module\n"
          "                         requests (register, poll, ping)\n"
          "  --unsigned-rate N (20) --unsigned-burst N (60)   per client,\n"
          "                         module requests without a good signature\n"
          "  --trusted-proxy ADDR[,ADDR...]|none (none)  take the client\n"
          "                         address from X-Forwarded-For on\n"
          "                         connections from these proxies\n"
          "  --store memory|redis://HOST[:PORT][/DB]|rediss://... (memory)\n"
          "                         where sessions live: this relay's\n"
          "                         memory, or Redis shared by a fleet\n"
          "  --store-password-file FILE  Redis's password (one line)\n"
          "  --store-ca-file FILE   the CA of a rediss:// certificate\n",
          to);
}

int relay_parse_options(int argc, char **argv, struct relay_options *o)
{
    struct option longs[N_OPTS + 4];
    const char *config = NULL, *why = NULL;
    char where[64];
    int c, rc = 0;

    /* The defaults usage() shows, kept beside it so the two agree. */
    *o = (struct relay_options){.port = 8080,
                                .session_ttl = 300,
                                .max_sessions = 20000,
                                .max_poll_wait = HB_RELAY_POLL_WAIT_DEFAULT_MAX,
                                .rate = 20,
                                .burst = 60,
                                .module_rate = 100,
                                .module_burst = 1000,
                                .unsigned_rate = 20,
                                .unsigned_burst = 60,
                                .receive_timeout = 10,
                                .max_client_connections = 32};
    for (size_t i = 0; i < N_OPTS; i++)
        longs[i] = (struct option){
            opt_defs[i].name,
            opt_defs[i].kind == OPT_FLAG ? no_argument : required_argument,
            NULL, 256 + (int)i};
    longs[N_OPTS] =
        (struct option){"config", required_argument, NULL, OPT_CONFIG};
    longs[N_OPTS + 1] = (struct option){"help", no_argument, NULL, OPT_HELP};
    longs[N_OPTS + 2] =
        (struct option){"check-config", no_argument, NULL, OPT_CHECK};
    longs[N_OPTS + 3] = (struct option){NULL, 0, NULL, 0};
    /* Two passes: the file is read first, so flags anywhere override it. */
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        optind = 0;
        while (rc == 0 &&
               (c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
            if (c == OPT_HELP || c == '?') {
                usage(c == '?' ? stderr : stdout);
                rc = c == '?' ? 1 : -1;
            } else if (c == OPT_CONFIG) {
                config = optarg;
            } else if (c == OPT_CHECK) {
                o->check_config = true;
            } else if (pass == 1) {
                snprintf(where, sizeof(where), "--%s", opt_defs[c - 256].name);
                rc = apply_option(o, &opt_defs[c - 256], optarg, where) ? 0 : 1;
            }
        }
        if (pass == 0 && rc == 0 && optind < argc) {
            relay_log(NULL, RELAY_ERROR, "haobtc-relay: stray argument '%s'",
                      argv[optind]);
            rc = 1;
        }
        if (pass == 0 && rc == 0 && config != NULL && !read_config(o, config))
            rc = 1;
    }
    if (rc != 0)
        return rc;
    if (!plain_url(o->public_url) || strchr(o->public_url, '?') != NULL)
        why = "--public-url: need an http(s) base URL";
    else if (!plain_url(o->authorize_url) || !names_a_path(o->authorize_url))
        why = "--authorize-url: need an http(s) URL with a path";
    else if (o->client_id == NULL ||
             strspn(o->client_id,
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                    "qrstuvwxyz0123456789-._~") != strlen(o->client_id))
        why = "--client-id: need the client id (letters, digits, -._~)";
    else if (o->fleet_key_file == NULL)
        why = "--fleet-key-file: required (modules sign their requests "
              "with it)";
    else if (o->module_port != 0 && o->module_port == o->port)
        why = "--module-port: must differ from --port";
    else if (o->quiet && o->debug)
        why = "--quiet and --debug: choose one";
    else if ((o->cert == NULL) != (o->key == NULL))
        why = "--cert and --key go together";
    else if (o->store != NULL && strcmp(o->store, "memory") != 0 &&
             strncmp(o->store, "redis://", 8) != 0 &&
             strncmp(o->store, "rediss://", 9) != 0)
        why = "--store: want memory, redis://HOST[:PORT][/DB] or rediss://";
    if (why != NULL)
        relay_log(NULL, RELAY_ERROR, "haobtc-relay: %s", why);
    return why != NULL;
}

void relay_free_options(struct relay_options *o)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        if (opt_defs[i].kind == OPT_TEXT)
            free(*(char **)(void *)((char *)o + opt_defs[i].at));
    }
}

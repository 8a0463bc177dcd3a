/* SPDX-License-Identifier: BSD-2-Clause */
/* The configuration: defaults, the file, and module arguments on top, with
 * every unknown key or bad value refused. */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "config_secrets.h"
#include "lang.h"
#include "safefile.h"
#include "scope.h"
#include "secure.h"
#include "text.h"

#define VALUE_MAX 1024

void hb_config_free(struct hb_config *cfg)
{
    char **strings[] = {
        &cfg->conf_path,          &cfg->site_url,     &cfg->authorize_url,
        &cfg->token_url,          &cfg->resource_url, &cfg->client_id,
        &cfg->client_secret_file, &cfg->redirect_uri, &cfg->relay_url,
        &cfg->map_file,           &cfg->ca_file,      &cfg->proxy,
        &cfg->breakglass_file,    &cfg->services,     &cfg->groups,
        &cfg->reuse_dir,
    };
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        free(*strings[i]);
        *strings[i] = NULL;
    }
    hb_free_secret(&cfg->client_secret);
    free(cfg->fleet_key_file);
    cfg->fleet_key_file = NULL;
    hb_free_secret(&cfg->fleet_key);
}

static enum hb_status set_string(char **slot, const char *value,
                                 struct hb_error *err)
{
    char *copy = strdup(value);
    if (copy == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    free(*slot);
    *slot = copy;
    return HB_OK;
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(v, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcmp(v, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool is_https_url(const char *v)
{
    return strncmp(v, "https://", 8) == 0 && v[8] != '\0' && v[8] != '/';
}

/* Files are named from / up: the module runs in whatever directory the
 * PAM application happens to be in. */
static bool is_absolute_path(const char *v)
{
    return v[0] == '/';
}

/* http:// too: a provider may send the phone to a loopback page. */
static bool is_redirect_uri(const char *v)
{
    return is_https_url(v) || strncmp(v, "http://", 7) == 0;
}

/* A path to join to site_url, or an absolute https URL. */
static bool is_endpoint(const char *v)
{
    return v[0] == '/' || is_https_url(v);
}

static enum hb_status bad_value(const char *key, const char *value,
                                const char *expected, struct hb_error *err)
{
    /* Values of secret keys are never echoed. */
    (void)value;
    return hb_fail(err, HB_ERR_CONFIG, "bad value for %s: expected %s", key,
                   expected);
}

/* Every key but client_secret, which has rules of its own: one table, so
 * that a new key is one line and the man page can be checked against it
 * (hb_config_key_name). */
enum key_kind {
    KEY_STRING,
    KEY_CHOICE,
    KEY_BOOL,
    KEY_SECONDS,
    KEY_SCOPE,
    KEY_DURATION
};

struct key {
    const char *name;
    enum key_kind kind;
    size_t offset;               /* of the field in struct hb_config */
    bool (*valid)(const char *); /* KEY_STRING, may be NULL */
    const char *const *words;    /* KEY_CHOICE: the field gets the index */
    long min, max; /* KEY_SECONDS, KEY_DURATION; KEY_SCOPE: the list */
    /* The value when the key is not set, as it would be written (NULL:
     * none, or one made from other keys, as the doc says); the man page
     * shows the same text (every_key_is_in_the_man_page). */
    const char *dflt;
    const char *expected;
    const char *doc; /* one line, for haobtc-login keys */
};

/* A choice is stored as its index: the enums it lands in are ints that
 * count from 0 in the order of the words. */
_Static_assert(sizeof(enum hb_mode) == sizeof(int) &&
                   sizeof(enum hb_qr) == sizeof(int) &&
                   sizeof(enum hb_qr_background) == sizeof(int) &&
                   sizeof(enum hb_match) == sizeof(int) &&
                   sizeof(enum hb_prompt) == sizeof(int) &&
                   sizeof(enum hb_lang_setting) == sizeof(int),
               "choice fields are ints");

static const char *const modes[] = {"auto", "paste", "poll", NULL};
static const char *const qrs[] = {"utf8", "ascii", "off", NULL};
static const char *const backgrounds[] = {"any", "dark", "light", NULL};
static const char *const matches[] = {"uuid", "username", NULL};
static const char *const prompts[] = {"auto", "always", "never", NULL};
static const char *const langs[] = {"auto", "en", "zh_CN", NULL};

#define AT(field) offsetof(struct hb_config, field)
#define STRING(name, valid, dflt, expected, doc)                               \
    {                                                                          \
#name, KEY_STRING, AT(name), valid, NULL, 0, 0, dflt, expected, doc    \
    }
#define CHOICE(name, words, dflt, expected, doc)                               \
    {                                                                          \
#name, KEY_CHOICE, AT(name), NULL, words, 0, 0, dflt, expected, doc    \
    }
#define BOOL(name, dflt, doc)                                                  \
    {                                                                          \
#name, KEY_BOOL, AT(name), NULL, NULL, 0, 0, dflt, yes_or_no, doc      \
    }
#define SECONDS(name, min, max, dflt, expected, doc)                           \
    {                                                                          \
#name, KEY_SECONDS, AT(name), NULL, NULL, min, max, dflt, expected,    \
            doc                                                                \
    }

#define SCOPE(name, list, expected, doc)                                       \
    {                                                                          \
#name, KEY_SCOPE, AT(name), NULL, NULL, list, 0, NULL, expected, doc   \
    }

/* A time with a unit (hb_parse_duration), in seconds in the field. */
#define DURATION(name, min, max, dflt, expected, doc)                          \
    {                                                                          \
#name, KEY_DURATION, AT(name), NULL, NULL, min, max, dflt, expected,   \
            doc                                                                \
    }

static const char yes_or_no[] = N_("yes or no");
static const char reuse_time[] =
    N_("a time such as 30m or 8h, from 0 (off) to 12h");
static const char endpoint[] = N_("a path starting with / or an https:// URL");

static const struct key keys[] = {
    STRING(site_url, is_https_url, "https://haobtc.com", N_("an https:// URL"),
           N_("the provider's base URL")),
    STRING(authorize_url, is_endpoint, "/auth/oauth/authorize/", endpoint,
           N_("the provider's authorization page, on site_url")),
    STRING(token_url, is_endpoint, "/auth/settings/oauth/get_token/", endpoint,
           N_("where the code is exchanged for a token, on site_url")),
    STRING(resource_url, is_endpoint, "/api/v1/user/profile", endpoint,
           N_("the profile of the token's owner, on site_url")),
    STRING(relay_url, is_https_url, NULL, N_("an https:// URL"),
           N_("haobtc-relay: the short link, and waiting on Enter or none")),
    STRING(client_id, NULL, NULL, N_("a client id"),
           N_("the application's id at haobtc (required)")),
    STRING(client_secret_file, is_absolute_path, NULL, N_("an absolute path"),
           N_("a root-only file holding the client secret on one line")),
    STRING(redirect_uri, is_redirect_uri, NULL, N_("an absolute URL"),
           N_("the address registered with haobtc (with a relay: its /cb)")),
    STRING(map_file, is_absolute_path, HB_DEFAULT_MAP, N_("an absolute path"),
           N_("which haobtc identity may log in to which account")),
    STRING(breakglass_file, is_absolute_path, HB_DEFAULT_BREAKGLASS,
           N_("an absolute path"),
           N_("one-time codes for when haobtc is unreachable")),
    STRING(reuse_dir, is_absolute_path, HB_DEFAULT_REUSE_DIR,
           N_("an absolute path"),
           N_("the root-only store of approvals kept for reuse")),
    STRING(ca_file, is_absolute_path, NULL, N_("an absolute path"),
           N_("the CA for the provider and the relay (else the system's)")),
    STRING(proxy, NULL, NULL, N_("a proxy URL"),
           N_("an explicit proxy; never taken from the environment")),
    STRING(fleet_key_file, is_absolute_path, NULL, N_("an absolute path"),
           N_("the key every request to the relay is signed with")),
    SCOPE(services, HB_SCOPE_SERVICES,
          N_("the services asked, ! to leave one out"),
          N_("the PAM services the module asks in (else every one)")),
    SCOPE(groups, HB_SCOPE_GROUPS, N_("groups, * for all, ! to leave one out"),
          N_("the local groups whose members it asks (else everyone)")),
    CHOICE(mode, modes, "auto", N_("auto, paste or poll"),
           N_("how the code arrives: the relay, a paste, or either")),
    CHOICE(qr, qrs, "utf8", N_("utf8, ascii or off"),
           N_("how the QR code is drawn")),
    CHOICE(qr_background, backgrounds, "any", N_("any, dark or light"),
           N_("the terminal background the QR code is drawn for")),
    CHOICE(match, matches, "uuid", N_("uuid or username"),
           N_("which map entries count")),
    CHOICE(prompt, prompts, "auto", N_("auto, always or never"),
           N_("a prompt, or info messages and no keypress")),
    CHOICE(lang, langs, "auto", N_("auto, en or zh_CN"),
           N_("the language the person reads")),
    BOOL(sshd_instant_info, "no",
         N_("this host's sshd (10.3 or later) shows info messages at once")),
    BOOL(same_name, "no",
         N_("without a map entry, a haobtc username equal to the local name")),
    BOOL(or_password, "no", N_("the stack lets the password in instead")),
    BOOL(number_match, "yes",
         N_("the phone picks the number the terminal shows (relay only)")),
    BOOL(debug, "no", N_("log each step of a login at LOG_DEBUG")),
    SECONDS(timeout, 5, 3600, "110", N_("seconds from 5 to 3600"),
            N_("the whole login's deadline")),
    SECONDS(http_timeout, 1, 300, "10", N_("seconds from 1 to 300"),
            N_("the limit of each request to haobtc or the relay")),
    DURATION(reuse_for_key, 0, HB_REUSE_MAX_SECONDS, "0", reuse_time,
             N_("an sshd approval serves the same key again for this long")),
    DURATION(session_reuse, 0, HB_REUSE_MAX_SECONDS, "0", reuse_time,
             N_("sudo and su in an approved login session need no phone")),
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

const char *hb_config_key_name(size_t i)
{
    struct hb_config_key info;
    return hb_config_key_info(i, &info) ? info.name : NULL;
}

bool hb_config_key_info(size_t i, struct hb_config_key *info)
{
    if (i == 0) {
        *info = (struct hb_config_key){
            "client_secret", NULL, N_("a non-empty secret"),
            N_("the client secret itself (only in a root-only file)"), false};
        return true;
    }
    if (i - 1 >= N_KEYS)
        return false;
    const struct key *k = &keys[i - 1];
    *info = (struct hb_config_key){k->name, k->dflt, k->expected, k->doc,
                                   k->valid == is_endpoint};
    return true;
}

static enum hb_status set_key(struct hb_config *cfg, const struct key *k,
                              const char *value, struct hb_error *err)
{
    char *field = (char *)cfg + k->offset;
    switch (k->kind) {
    case KEY_STRING:
        if (value[0] == '\0' || (k->valid != NULL && !k->valid(value)))
            break;
        return set_string((char **)(void *)field, value, err);
    case KEY_CHOICE:
        for (int i = 0; k->words[i] != NULL; i++) {
            if (strcmp(value, k->words[i]) == 0) {
                memcpy(field, &i, sizeof(i));
                return HB_OK;
            }
        }
        break;
    case KEY_BOOL:
        if (parse_bool(value, (bool *)(void *)field))
            return HB_OK;
        break;
    case KEY_SECONDS:
        if (hb_parse_long(value, k->min, k->max, (long *)(void *)field))
            return HB_OK;
        break;
    case KEY_SCOPE: {
        /* The list's own words say what is wrong with it. */
        char why[200];
        if (hb_scope_problem((enum hb_scope_list)k->min, value, why,
                             sizeof(why)) != NULL)
            return hb_fail(err, HB_ERR_CONFIG, "bad value for %s: %s", k->name,
                           why);
        return set_string((char **)(void *)field, value, err);
    }
    case KEY_DURATION:
        if (hb_parse_duration(value, k->min, k->max, (long *)(void *)field))
            return HB_OK;
        break;
    }
    return bad_value(k->name, value, k->expected, err);
}

void hb_config_init(struct hb_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    /* The strings' defaults wait for hb_config_finish: some are joined to
     * site_url, which the file may still set. */
    for (size_t i = 0; i < N_KEYS; i++) {
        struct hb_error ignored;
        if (keys[i].dflt != NULL && keys[i].kind != KEY_STRING)
            (void)set_key(cfg, &keys[i], keys[i].dflt, &ignored);
    }
}

bool hb_config_value(const struct hb_config *cfg, size_t i, char *out,
                     size_t size)
{
    if (i == 0 || i - 1 >= N_KEYS)
        return false; /* the secret is never shown */
    const struct key *k = &keys[i - 1];
    const char *field = (const char *)cfg + k->offset;
    int index;
    long seconds;
    bool yes;
    switch (k->kind) {
    case KEY_SCOPE:
    case KEY_STRING: {
        const char *text;
        memcpy(&text, field, sizeof(text));
        if (text == NULL)
            return false;
        snprintf(out, size, "%s", text);
        return true;
    }
    case KEY_CHOICE:
        memcpy(&index, field, sizeof(index));
        snprintf(out, size, "%s", k->words[index]);
        return true;
    case KEY_BOOL:
        memcpy(&yes, field, sizeof(yes));
        snprintf(out, size, "%s", yes ? "yes" : "no");
        return true;
    case KEY_DURATION:
    case KEY_SECONDS:
        memcpy(&seconds, field, sizeof(seconds));
        snprintf(out, size, "%ld", seconds);
        return true;
    }
    return false;
}

enum hb_status hb_config_set(struct hb_config *cfg, const char *key,
                             const char *value, bool from_args,
                             struct hb_error *err)
{
    if (strlen(value) > VALUE_MAX)
        return hb_fail(err, HB_ERR_CONFIG, "value for %s is too long", key);
    for (const char *c = value; *c != '\0'; c++) {
        if (iscntrl((unsigned char)*c))
            return hb_fail(err, HB_ERR_CONFIG,
                           "value for %s contains a control character", key);
    }
    if (strcmp(key, "client_secret") == 0)
        return hb_config_set_secret(cfg, value, from_args, err);
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(key, keys[i].name) == 0)
            return set_key(cfg, &keys[i], value, err);
    return hb_fail(err, HB_ERR_CONFIG, "unknown key '%s'", key);
}

enum hb_status hb_config_parse(struct hb_config *cfg, char *text,
                               struct hb_error *err)
{
    unsigned line_no = 0;
    char *line = text;
    /* Walk lines by hand: strtok_r would merge empty lines and skew the
     * line numbers that errors report. */
    while (line != NULL) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        line_no++;
        char *s = hb_trim(line);
        line = next;
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL)
            return hb_fail(err, HB_ERR_CONFIG,
                           "%s line %u: expected 'key = value'", cfg->conf_path,
                           line_no);
        *eq = '\0';
        char *key = hb_trim(s);
        char *value = hb_trim(eq + 1);
        enum hb_status status = hb_config_set(cfg, key, value, false, err);
        if (status != HB_OK) {
            char detail[HB_ERRMSG_MAX];
            memcpy(detail, err->msg, sizeof(detail));
            return hb_fail(err, status, "%s line %u: %s", cfg->conf_path,
                           line_no, detail);
        }
    }
    return HB_OK;
}

/* "path" on site_url, or the absolute URL as it is. */
static enum hb_status resolve(const char *site, char **slot,
                              const char *fallback, struct hb_error *err)
{
    const char *path = *slot != NULL ? *slot : fallback;
    if (is_https_url(path))
        return *slot != NULL ? HB_OK : set_string(slot, path, err);
    size_t site_len = strlen(site);
    while (site_len > 0 && site[site_len - 1] == '/')
        site_len--;
    size_t n = site_len + strlen(path) + 1;
    char *joined = malloc(n);
    if (joined == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    memcpy(joined, site, site_len);
    memcpy(joined + site_len, path, strlen(path) + 1);
    free(*slot);
    *slot = joined;
    return HB_OK;
}

enum hb_status hb_config_finish(struct hb_config *cfg, struct hb_error *err)
{
    enum hb_status status = HB_OK;
    /* site_url comes first in the table, so the endpoints join to it. */
    for (size_t i = 0; status == HB_OK && i < N_KEYS; i++) {
        const struct key *k = &keys[i];
        char **slot = (char **)(void *)((char *)cfg + k->offset);
        if (k->kind != KEY_STRING)
            continue;
        if (k->valid == is_endpoint)
            status = resolve(cfg->site_url, slot, k->dflt, err);
        else if (*slot == NULL && k->dflt != NULL)
            status = set_string(slot, k->dflt, err);
    }
    if (status != HB_OK)
        return status;

    if (cfg->client_id == NULL)
        return hb_fail(err, HB_ERR_CONFIG, "client_id is not set");
    status = hb_config_load_client_secret(cfg, err);
    if (status != HB_OK)
        return status;
    if (cfg->http_timeout > cfg->timeout)
        return hb_fail(err, HB_ERR_CONFIG,
                       "http_timeout (%ld) is longer than timeout (%ld)",
                       cfg->http_timeout, cfg->timeout);
    if (cfg->mode == HB_MODE_POLL && cfg->relay_url == NULL)
        return hb_fail(err, HB_ERR_CONFIG, "mode=poll needs relay_url");
    status = hb_config_load_fleet_key(cfg, err);
    if (status != HB_OK)
        return status;

    /* With no prompt the code can only come from the relay. */
    if (cfg->prompt == HB_PROMPT_NEVER &&
        (cfg->relay_url == NULL || cfg->mode == HB_MODE_PASTE))
        return hb_fail(err, HB_ERR_CONFIG,
                       "prompt=never needs relay_url and a mode other than "
                       "paste");
    /* The relay's callback is where haobtc must send the browser. */
    if (cfg->relay_url != NULL && cfg->redirect_uri == NULL)
        return resolve(cfg->relay_url, &cfg->redirect_uri, "/cb", err);
    return HB_OK;
}

static enum hb_status load(int argc, const char **argv, bool without_secret,
                           struct hb_config *cfg, struct hb_error *err)
{
    hb_config_init(cfg);
    cfg->without_secret = without_secret;
    enum hb_status status = set_string(&cfg->conf_path, HB_DEFAULT_CONF, err);
    for (int i = 0; status == HB_OK && i < argc; i++) {
        if (strncmp(argv[i], "conf=", 5) == 0) {
            if (argv[i][5] != '/')
                return hb_fail(err, HB_ERR_CONFIG,
                               "conf= needs an absolute path");
            status = set_string(&cfg->conf_path, argv[i] + 5, err);
        }
    }
    if (status != HB_OK)
        return status;

    char *text = NULL;
    size_t len = 0;
    mode_t mode = 0;
    status =
        hb_read_safe_file(cfg->conf_path, 0, false, &text, &len, &mode, err);
    if (status != HB_OK)
        return status;
    status = hb_config_parse(cfg, text, err);
    hb_wipe(text, len);
    free(text);
    if (status != HB_OK)
        return status;
    if (cfg->secret_in_file && (mode & (S_IRGRP | S_IROTH)))
        return hb_fail(err, HB_ERR_CONFIG,
                       "%s holds client_secret but is readable by group or "
                       "others (mode %03o)",
                       cfg->conf_path, (unsigned)(mode & 0777));

    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "conf=", 5) == 0)
            continue;
        if (strcmp(arg, "debug") == 0) {
            cfg->debug = true;
            continue;
        }
        if (strcmp(arg, "or_password") == 0) {
            cfg->or_password = true;
            continue;
        }
        const char *eq = strchr(arg, '=');
        if (eq == NULL || eq == arg)
            return hb_fail(
                err, HB_ERR_CONFIG,
                "module argument %d is not key=value, debug or or_password",
                i + 1);
        char key[64];
        size_t key_len = (size_t)(eq - arg);
        if (key_len >= sizeof(key))
            return hb_fail(err, HB_ERR_CONFIG, "module argument key too long");
        memcpy(key, arg, key_len);
        key[key_len] = '\0';
        status = hb_config_set(cfg, key, eq + 1, true, err);
        if (status != HB_OK) {
            char detail[HB_ERRMSG_MAX];
            memcpy(detail, err->msg, sizeof(detail));
            return hb_fail(err, status, "module argument %s: %s", key, detail);
        }
    }
    return hb_config_finish(cfg, err);
}

enum hb_status hb_config_load(int argc, const char **argv,
                              struct hb_config *cfg, struct hb_error *err)
{
    return load(argc, argv, false, cfg, err);
}

enum hb_status hb_config_load_without_secret(int argc, const char **argv,
                                             struct hb_config *cfg,
                                             struct hb_error *err)
{
    return load(argc, argv, true, cfg, err);
}

const char *hb_mode_name(enum hb_mode mode)
{
    switch (mode) {
    case HB_MODE_PASTE:
        return "paste";
    case HB_MODE_POLL:
        return "poll";
    default:
        return "auto";
    }
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The configuration contract: defaults, file and arguments, and every way a
 * file or value is refused. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "testutil.h"

static const char *base = "site_url = https://127.0.0.1:9\n"
                          "client_id = test-client\n"
                          "client_secret = test-secret\n";

static enum hb_status load_text(const char *text, mode_t mode, int argc,
                                const char **extra, struct hb_config *cfg,
                                struct hb_error *err)
{
    char *path = tu_file("pam_haobtc.conf", text, mode);
    char *conf = tu_printf("conf=%s", path);
    const char *argv[8] = {conf};
    for (int i = 0; i < argc; i++)
        argv[i + 1] = extra[i];
    enum hb_status status = hb_config_load(argc + 1, argv, cfg, err);
    free(conf);
    free(path);
    return status;
}

static void defaults_follow_the_design(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(load_text(base, 0600, 0, NULL, &cfg, &err), HB_OK);
    assert_string_equal(cfg.authorize_url,
                        "https://127.0.0.1:9/auth/oauth/authorize/");
    assert_string_equal(cfg.token_url,
                        "https://127.0.0.1:9/auth/settings/oauth/get_token/");
    assert_string_equal(cfg.resource_url,
                        "https://127.0.0.1:9/api/v1/user/profile");
    assert_int_equal(cfg.mode, HB_MODE_AUTO);
    assert_int_equal(cfg.qr, HB_QR_UTF8);
    assert_int_equal(cfg.qr_background, HB_QR_BG_ANY);
    assert_int_equal(cfg.match, HB_MATCH_UUID);
    assert_string_equal(cfg.map_file, "/etc/security/pam_haobtc.map");
    assert_false(cfg.same_name);
    assert_int_equal(cfg.timeout, 110);
    assert_int_equal(cfg.http_timeout, 10);
    assert_null(cfg.proxy);
    assert_false(cfg.debug);
    assert_int_equal(cfg.prompt, HB_PROMPT_AUTO);
    assert_false(cfg.sshd_instant_info);
    hb_config_free(&cfg);
}

static void prompt_keys_are_read(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    char *key =
        tu_file("fleet.key", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==\n", 0600);
    char *text = tu_printf("%srelay_url = https://relay\nprompt = never\n"
                           "sshd_instant_info = yes\nfleet_key_file = %s\n",
                           base, key);
    assert_int_equal(load_text(text, 0600, 0, NULL, &cfg, &err), HB_OK);
    assert_int_equal(cfg.prompt, HB_PROMPT_NEVER);
    assert_true(cfg.sshd_instant_info);
    hb_config_free(&cfg);
    /* A service's own line can keep the prompt. */
    const char *args[] = {"prompt=always"};
    assert_int_equal(load_text(text, 0600, 1, args, &cfg, &err), HB_OK);
    assert_int_equal(cfg.prompt, HB_PROMPT_ALWAYS);
    hb_config_free(&cfg);
    free(text);
    free(key);
}

static void site_url_defaults_to_haobtc(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(load_text("client_id = x\nclient_secret = y\n", 0600, 0,
                               NULL, &cfg, &err),
                     HB_OK);
    assert_string_equal(cfg.site_url, "https://haobtc.com");
    hb_config_free(&cfg);
}

static void absolute_endpoint_urls_are_kept(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    char *text = tu_printf("%stoken_url = https://bixin.example/auth/oauth/"
                           "get_token/\nsite_url = https://127.0.0.1:9/\n",
                           base);
    assert_int_equal(load_text(text, 0600, 0, NULL, &cfg, &err), HB_OK);
    assert_string_equal(cfg.token_url,
                        "https://bixin.example/auth/oauth/get_token/");
    assert_string_equal(cfg.resource_url,
                        "https://127.0.0.1:9/api/v1/user/profile");
    hb_config_free(&cfg);
    free(text);
}

static void arguments_override_the_file(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    const char *args[] = {"mode=paste",     "qr=off",
                          "timeout=60",     "debug",
                          "match=username", "qr_background=light"};
    assert_int_equal(load_text(base, 0600, 6, args, &cfg, &err), HB_OK);
    assert_int_equal(cfg.mode, HB_MODE_PASTE);
    assert_int_equal(cfg.qr, HB_QR_OFF);
    assert_int_equal(cfg.qr_background, HB_QR_BG_LIGHT);
    assert_int_equal(cfg.timeout, 60);
    assert_true(cfg.debug);
    assert_int_equal(cfg.match, HB_MATCH_USERNAME);
    hb_config_free(&cfg);
}

static void secret_in_arguments_is_refused(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    const char *args[] = {"client_secret=hunter2"};
    assert_int_equal(load_text(base, 0600, 1, args, &cfg, &err), HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "client_secret is refused"));
    assert_null(strstr(err.msg, "hunter2"));
    hb_config_free(&cfg);
}

static void unknown_key_names_the_line(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    char *text = tu_printf("%s\n# comment\nclient_secrte = typo\n", base);
    assert_int_equal(load_text(text, 0600, 0, NULL, &cfg, &err), HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "line 6: unknown key 'client_secrte'"));
    hb_config_free(&cfg);
    free(text);
}

static void bad_values_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "mode = sometimes\n",
        "qr = png\n",
        "qr_background = grey\n",
        "match = email\n",
        "timeout = 0\n",
        "timeout = 99999\n",
        "timeout = 12abc\n",
        "http_timeout = -1\n",
        "same_name = maybe\n",
        "prompt = sometimes\n",
        "sshd_instant_info = 10.3\n",
        "prompt = never\n",
        "relay_url = https://relay\nmode = paste\nprompt = never\n",
        "map_file = rel/map\n",
        "ca_file = ca.pem\n",
        "relay_url = http://relay\n",
        "site_url = http://127.0.0.1:9\n",
        "token_url = ftp://x/\n",
        "authorize_url = auth\n",
        "no equals sign\n",
        "= value\n",
        "http_timeout = 100\ntimeout = 50\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct hb_config cfg;
        struct hb_error err = {0};
        char *text = tu_printf("%s%s", base, bad[i]);
        enum hb_status st = load_text(text, 0600, 0, NULL, &cfg, &err);
        if (st != HB_ERR_CONFIG)
            fail_msg("accepted: %s", bad[i]);
        hb_config_free(&cfg);
        free(text);
    }
}

static void http_url_in_arguments_is_refused(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    const char *args[] = {"site_url=http://127.0.0.1:9"};
    assert_int_equal(load_text(base, 0600, 1, args, &cfg, &err), HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "https://"));
    hb_config_free(&cfg);
}

static void missing_client_id_is_refused(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(
        load_text("client_secret = s\n", 0600, 0, NULL, &cfg, &err),
        HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "client_id is not set"));
    hb_config_free(&cfg);
}

static void missing_secret_is_refused(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(load_text("client_id = c\n", 0600, 0, NULL, &cfg, &err),
                     HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "client_secret"));
    hb_config_free(&cfg);
}

static void symlinked_config_is_refused(void **state)
{
    (void)state;
    char *real = tu_file("real.conf", base, 0600);
    char *link = tu_printf("%s.link", real);
    assert_int_equal(symlink(real, link), 0);
    char *conf = tu_printf("conf=%s", link);
    const char *argv[] = {conf};
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(hb_config_load(1, argv, &cfg, &err), HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "symbolic link"));
    hb_config_free(&cfg);
    free(conf);
    free(link);
    free(real);
}

static void world_writable_config_is_refused(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(load_text(base, 0602, 0, NULL, &cfg, &err), HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "writable by group or others"));
    hb_config_free(&cfg);
}

static void group_writable_config_is_refused(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(load_text(base, 0620, 0, NULL, &cfg, &err), HB_ERR_CONFIG);
    hb_config_free(&cfg);
}

static void readable_config_holding_secret_is_refused(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(load_text(base, 0644, 0, NULL, &cfg, &err), HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "readable by group or others"));
    assert_null(strstr(err.msg, "test-secret"));
    hb_config_free(&cfg);
}

static void config_owned_by_another_user_is_refused(void **state)
{
    (void)state;
    if (geteuid() != 0)
        fail_msg("this test must run as root (CI does)");
    char *path = tu_file("owned.conf", base, 0600);
    assert_int_equal(chown(path, 65534, 65534), 0);
    char *conf = tu_printf("conf=%s", path);
    const char *argv[] = {conf};
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(hb_config_load(1, argv, &cfg, &err), HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "owned by uid 65534"));
    hb_config_free(&cfg);
    free(conf);
    free(path);
}

static void missing_config_is_refused(void **state)
{
    (void)state;
    const char *argv[] = {"conf=/nonexistent/pam_haobtc.conf"};
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(hb_config_load(1, argv, &cfg, &err), HB_ERR_CONFIG);
    hb_config_free(&cfg);
}

static void relative_conf_argument_is_refused(void **state)
{
    (void)state;
    const char *argv[] = {"conf=pam_haobtc.conf"};
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(hb_config_load(1, argv, &cfg, &err), HB_ERR_CONFIG);
    hb_config_free(&cfg);
}

static void secret_file_is_read_and_trimmed(void **state)
{
    (void)state;
    char *secret = tu_file("secret", "s3cret-value\n", 0600);
    char *text = tu_printf("client_id = c\nclient_secret_file = %s\n", secret);
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(load_text(text, 0644, 0, NULL, &cfg, &err), HB_OK);
    assert_string_equal(cfg.client_secret, "s3cret-value");
    hb_config_free(&cfg);
    free(text);
    free(secret);
}

static void readable_secret_file_is_refused(void **state)
{
    (void)state;
    char *secret = tu_file("secret", "s3cret-value\n", 0640);
    char *text = tu_printf("client_id = c\nclient_secret_file = %s\n", secret);
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(load_text(text, 0644, 0, NULL, &cfg, &err), HB_ERR_CONFIG);
    assert_null(strstr(err.msg, "s3cret"));
    hb_config_free(&cfg);
    free(text);
    free(secret);
}

/* Relay authentication: the fleet key is required with a relay, read
 * like a secret file, and never echoed. */
static void relay_without_fleet_key_file_is_refused(void **state)
{
    (void)state;
    char *text = tu_printf("%srelay_url = https://127.0.0.1:7\n", base);
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(load_text(text, 0600, 0, NULL, &cfg, &err), HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "relay_url needs fleet_key_file"));
    hb_config_free(&cfg);
    free(text);
}

static void fleet_key_file_is_read_and_trimmed(void **state)
{
    (void)state;
    char *key =
        tu_file("fleet.key", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==\n", 0600);
    char *text = tu_printf("%srelay_url = https://127.0.0.1:7\n"
                           "fleet_key_file = %s\n",
                           base, key);
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(load_text(text, 0600, 0, NULL, &cfg, &err), HB_OK);
    assert_string_equal(cfg.fleet_key, "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==");
    hb_config_free(&cfg);
    assert_null(cfg.fleet_key);
    free(text);
    free(key);
}

static void readable_or_short_fleet_key_file_is_refused(void **state)
{
    (void)state;
    const struct {
        const char *content;
        mode_t mode;
    } cases[] = {{"Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==\n", 0644},
                 {"Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==\n", 0660},
                 {"short\n", 0600},
                 {"Zm9vYmFyYmF6cXV4\nMTIzNDU2Nzg5MA==\n", 0600}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *key = tu_file("fleet.key", cases[i].content, cases[i].mode);
        char *text = tu_printf("%srelay_url = https://127.0.0.1:7\n"
                               "fleet_key_file = %s\n",
                               base, key);
        struct hb_config cfg;
        struct hb_error err = {0};
        assert_int_equal(load_text(text, 0600, 0, NULL, &cfg, &err),
                         HB_ERR_CONFIG);
        assert_null(strstr(err.msg, "Zm9v"));
        hb_config_free(&cfg);
        free(text);
        free(key);
    }
}

static void oversized_config_is_refused(void **state)
{
    (void)state;
    size_t n = 70 * 1024;
    char *text = malloc(n + 1);
    memset(text, '#', n);
    text[n] = '\0';
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(load_text(text, 0600, 0, NULL, &cfg, &err), HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "larger than"));
    hb_config_free(&cfg);
    free(text);
}

/* pam_haobtc.conf(5) defines each key the code takes on a line of its own
 * after ".TP" or ".TQ" (".B key" or ".BR key \" (default)\""): a key added to
 * the table without its documentation fails here. */
/* The man page's line that names key after .TP or .TQ ("" when none),
 * macro and quotes dropped: "timeout (110)". */
static char *man_entry(const char *man, const char *key)
{
    char *found = tu_printf("%s", "");
    char *copy = tu_printf("%s", man);
    bool after_tp = false;
    for (char *line = strtok(copy, "\n"); line != NULL;
         line = strtok(NULL, "\n")) {
        if (after_tp && strncmp(line, ".B", 2) == 0) {
            char words[1024] = "";
            /* Quotes dropped, runs of spaces made one. */
            for (const char *c = line + strcspn(line, " "); *c != '\0'; c++) {
                size_t n = strlen(words);
                bool repeat = *c == ' ' && n > 0 && words[n - 1] == ' ';
                if (*c != '"' && !repeat && n < sizeof(words) - 1)
                    strncat(words, c, 1);
            }
            char *w = words + strspn(words, " ");
            /* The key is a word of the entry's head (before " ("): one
             * entry may define two keys ("client_secret or
             * client_secret_file"). */
            char *head = tu_printf(" %.*s ", (int)strcspn(w, "("), w);
            char *word = tu_printf(" %s ", key);
            bool named = strstr(head, word) != NULL;
            free(head);
            free(word);
            if (named) {
                free(found);
                found = tu_printf("%s", w);
                break;
            }
        }
        after_tp = strcmp(line, ".TP") == 0 || strcmp(line, ".TQ") == 0;
    }
    free(copy);
    return found;
}

/* Every key of the code's table is defined in pam_haobtc.conf(5), with
 * the table's default in parentheses where it has one, and none where it
 * has none: the page and the parser cannot drift apart. */
static void every_key_is_in_the_man_page(void **state)
{
    (void)state;
    char *path = tu_printf("%s/doc/pam_haobtc.conf.5", tu_env("HB_SRC"));
    char *man = tu_read_file(path);
    assert_non_null(man);
    struct hb_config_key k;
    for (size_t i = 0; hb_config_key_info(i, &k); i++) {
        char *entry = man_entry(man, k.name);
        if (entry[0] == '\0')
            fail_msg("%s is not defined in %s", k.name, path);
        const char *shown = strchr(entry, '(');
        if (k.dflt != NULL) {
            size_t n = strlen(k.dflt);
            if (shown == NULL || strncmp(shown + 1, k.dflt, n) != 0 ||
                strchr("),;", shown[1 + n]) == NULL || shown[1 + n] == '\0')
                fail_msg("%s: the page says '%s', the code's default is %s",
                         path, entry, k.dflt);
        } else if (shown != NULL) {
            fail_msg("%s: '%s' names a default the code does not have", path,
                     entry);
        }
        assert_non_null(k.doc);
        assert_non_null(k.expected);
        free(entry);
    }
    /* client_secret shares its entry with client_secret_file. */
    assert_non_null(
        strstr(man, ".BR client_secret \" or \" client_secret_file"));
    assert_string_equal(hb_config_key_name(0), "client_secret");
    assert_null(hb_config_key_name(1000));
    free(man);
    free(path);
}

/* A configuration that sets nothing optional shows every default as the
 * table writes it (the endpoints joined to site_url), and never the
 * secret. */
static void unset_keys_show_the_tables_defaults(void **state)
{
    (void)state;
    struct hb_config cfg;
    struct hb_error err = {0};
    assert_int_equal(load_text(base, 0600, 0, NULL, &cfg, &err), HB_OK);
    struct hb_config_key k;
    char value[512];
    size_t checked = 0;
    for (size_t i = 1; hb_config_key_info(i, &k); i++) {
        if (k.dflt == NULL || strcmp(k.name, "site_url") == 0)
            continue;
        assert_true(hb_config_value(&cfg, i, value, sizeof(value)));
        if (k.on_site) {
            char *joined = tu_printf("https://127.0.0.1:9%s", k.dflt);
            assert_string_equal(value, joined);
            free(joined);
        } else {
            assert_string_equal(value, k.dflt);
        }
        checked++;
    }
    assert_int_equal(checked, 21);
    assert_false(hb_config_value(&cfg, 0, value, sizeof(value)));
    hb_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_follow_the_design),
        cmocka_unit_test(every_key_is_in_the_man_page),
        cmocka_unit_test(unset_keys_show_the_tables_defaults),
        cmocka_unit_test(prompt_keys_are_read),
        cmocka_unit_test(site_url_defaults_to_haobtc),
        cmocka_unit_test(absolute_endpoint_urls_are_kept),
        cmocka_unit_test(arguments_override_the_file),
        cmocka_unit_test(secret_in_arguments_is_refused),
        cmocka_unit_test(unknown_key_names_the_line),
        cmocka_unit_test(bad_values_are_refused),
        cmocka_unit_test(http_url_in_arguments_is_refused),
        cmocka_unit_test(missing_client_id_is_refused),
        cmocka_unit_test(missing_secret_is_refused),
        cmocka_unit_test(symlinked_config_is_refused),
        cmocka_unit_test(world_writable_config_is_refused),
        cmocka_unit_test(group_writable_config_is_refused),
        cmocka_unit_test(readable_config_holding_secret_is_refused),
        cmocka_unit_test(config_owned_by_another_user_is_refused),
        cmocka_unit_test(missing_config_is_refused),
        cmocka_unit_test(relative_conf_argument_is_refused),
        cmocka_unit_test(secret_file_is_read_and_trimmed),
        cmocka_unit_test(readable_secret_file_is_refused),
        cmocka_unit_test(relay_without_fleet_key_file_is_refused),
        cmocka_unit_test(fleet_key_file_is_read_and_trimmed),
        cmocka_unit_test(readable_or_short_fleet_key_file_is_refused),
        cmocka_unit_test(oversized_config_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

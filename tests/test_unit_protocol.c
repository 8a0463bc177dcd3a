/* The haobtc protocol without a network: authorize URLs, token and profile
 * answers of every shape, and the code table. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "config.h"
#include "http.h"
#include "provider.h"
#include "secure.h"
#include "token.h"
#include "testutil.h"

static enum hb_status token(const char *body, char **out, struct hb_error *err)
{
    return hb_parse_token_body(body, strlen(body), out, err);
}

static void token_success_with_ok_true(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(
        token("{\"ok\":true,\"access_token\":\"abc.DEF-123\"}", &t, &err),
        HB_OK);
    assert_string_equal(t, "abc.DEF-123");
    hb_free_secret(&t);
}

static void token_success_with_code_zero_and_no_ok(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(
        token(" {\"code\":0,\"access_token\":\"t0k\"}\n", &t, &err), HB_OK);
    assert_string_equal(t, "t0k");
    hb_free_secret(&t);
}

static void token_missing_is_unavailable(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"ok\":true}", &t, &err), HB_ERR_UNAVAIL);
    assert_non_null(strstr(err.msg, "no access_token"));
    assert_null(t);
}

static void token_empty_is_unavailable(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"ok\":true,\"access_token\":\"\"}", &t, &err),
                     HB_ERR_UNAVAIL);
    assert_non_null(strstr(err.msg, "empty"));
}

static void token_number_is_unavailable(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"ok\":true,\"access_token\":12345}", &t, &err),
                     HB_ERR_UNAVAIL);
    assert_non_null(strstr(err.msg, "not a string"));
}

static void token_with_embedded_nul_is_unavailable(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(
        token("{\"ok\":true,\"access_token\":\"abc\\u0000def\"}", &t, &err),
        HB_ERR_UNAVAIL);
    assert_non_null(strstr(err.msg, "NUL"));
    assert_null(t);
}

static void raw_nul_byte_in_body_is_unavailable(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    const char body[] = "{\"ok\":true,\"access_token\":\"a\0b\"}";
    assert_int_equal(hb_parse_token_body(body, sizeof(body) - 1, &t, &err),
                     HB_ERR_UNAVAIL);
}

static void every_haobtc_code_is_denied_with_its_name(void **state)
{
    (void)state;
    for (long code = 40001; code <= 40015; code++) {
        char *body = tu_printf(
            "{\"ok\":false,\"code\":%ld,\"message\":\"whatever\"}", code);
        char *t = NULL;
        struct hb_error err = {0};
        assert_int_equal(token(body, &t, &err), HB_ERR_DENIED);
        assert_int_equal(err.haobtc_code, code);
        const struct hb_code_info *info = hb_code_lookup(code);
        assert_non_null(info);
        assert_non_null(strstr(err.msg, info->name));
        assert_non_null(strstr(err.msg, info->english));
        assert_non_null(strstr(err.msg, info->chinese));
        free(body);
    }
}

static void code_without_ok_is_honoured(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"code\":40009,\"message\":\"x\"}", &t, &err),
                     HB_ERR_DENIED);
    assert_int_equal(err.haobtc_code, 40009);
}

static void unknown_code_is_unavailable(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"ok\":false,\"code\":500}", &t, &err),
                     HB_ERR_UNAVAIL);
    assert_non_null(strstr(err.msg, "unknown haobtc code 500"));
}

static void ok_false_without_code_is_unavailable(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"ok\":false}", &t, &err), HB_ERR_UNAVAIL);
}

static void non_boolean_ok_is_unavailable(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(
        token("{\"ok\":\"true\",\"access_token\":\"x\"}", &t, &err),
        HB_ERR_UNAVAIL);
}

static void html_is_unavailable(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("<html><body>Bad Gateway</body></html>", &t, &err),
                     HB_ERR_UNAVAIL);
    assert_non_null(strstr(err.msg, "not JSON"));
}

static void truncated_json_is_unavailable(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"ok\": true, \"access_token\": \"abc", &t, &err),
                     HB_ERR_UNAVAIL);
}

static void trailing_data_is_unavailable(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(
        token("{\"ok\":true,\"access_token\":\"a\"}{\"x\":1}", &t, &err),
        HB_ERR_UNAVAIL);
}

static void array_instead_of_object_is_unavailable(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("[1,2,3]", &t, &err), HB_ERR_UNAVAIL);
}

static void json_ten_thousand_levels_deep_is_unavailable(void **state)
{
    (void)state;
    size_t depth = 10000;
    char *body = malloc(2 * depth + 1);
    memset(body, '[', depth);
    memset(body + depth, ']', depth);
    body[2 * depth] = '\0';
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token(body, &t, &err), HB_ERR_UNAVAIL);
    assert_non_null(strstr(err.msg, "deeper"));
    free(body);
}

static enum hb_status profile(const char *body, struct hb_profile *p,
                              struct hb_error *err)
{
    return hb_parse_profile_body(body, strlen(body), p, err);
}

static void flat_profile_is_read(void **state)
{
    (void)state;
    struct hb_profile p;
    struct hb_error err = {0};
    assert_int_equal(
        profile("{\"ok\":true,\"code\":0,\"user_info\":{\"uuid\":\"ab12\","
                "\"username\":\"alice\",\"address\":\"1A\","
                "\"provider\":\"haobtc\"}}",
                &p, &err),
        HB_OK);
    assert_string_equal(p.uuid, "ab12");
    assert_string_equal(p.username, "alice");
    assert_string_equal(p.address, "1A");
    assert_string_equal(p.provider, "haobtc");
    hb_profile_free(&p);
}

static void nested_profile_with_privider_is_read(void **state)
{
    (void)state;
    struct hb_profile p;
    struct hb_error err = {0};
    assert_int_equal(
        profile("{\"code\":0,\"user_info\":{\"uuid\":\"ab12\","
                "\"privider\":\"haobtc\",\"raw_info\":{\"username\":\"bob\","
                "\"address\":\"1B\"}}}",
                &p, &err),
        HB_OK);
    assert_string_equal(p.username, "bob");
    assert_string_equal(p.address, "1B");
    assert_string_equal(p.provider, "haobtc");
    hb_profile_free(&p);
}

static void profile_without_user_info_is_unavailable(void **state)
{
    (void)state;
    struct hb_profile p;
    struct hb_error err = {0};
    assert_int_equal(profile("{\"ok\":true}", &p, &err), HB_ERR_UNAVAIL);
    assert_int_equal(profile("{\"ok\":true,\"user_info\":[]}", &p, &err),
                     HB_ERR_UNAVAIL);
    assert_int_equal(
        profile("{\"ok\":true,\"user_info\":{\"username\":\"a\"}}", &p, &err),
        HB_ERR_UNAVAIL);
    assert_int_equal(
        profile("{\"ok\":true,\"user_info\":{\"uuid\":7}}", &p, &err),
        HB_ERR_UNAVAIL);
}

static void profile_error_code_is_denied(void **state)
{
    (void)state;
    struct hb_profile p;
    struct hb_error err = {0};
    assert_int_equal(profile("{\"ok\":false,\"code\":40008}", &p, &err),
                     HB_ERR_DENIED);
    assert_int_equal(err.haobtc_code, 40008);
}

static void code_table_has_every_code(void **state)
{
    (void)state;
    for (long code = 40001; code <= 40015; code++)
        assert_non_null(hb_code_lookup(code));
    assert_null(hb_code_lookup(40016));
    assert_null(hb_code_lookup(-1));
    char buf[200];
    assert_string_equal(hb_code_describe(40007, buf, sizeof(buf)),
                        "40007 client_secret_mismatch: client_secret mismatch "
                        "(client_secret不匹配)");
}

static void authorize_url_escapes_its_parameters(void **state)
{
    (void)state;
    struct hb_config cfg;
    hb_config_init(&cfg);
    cfg.client_id = strdup("id with&space");
    cfg.client_secret = strdup("s");
    cfg.site_url = strdup("https://127.0.0.1:9");
    cfg.redirect_uri = strdup("https://relay.example/cb?x=1");
    struct hb_error err = {0};
    assert_int_equal(hb_config_finish(&cfg, &err), HB_OK);
    struct hb_http http;
    assert_int_equal(hb_http_open(&http, &cfg, 0, &err), HB_OK);
    char *url = hb_authorize_url(&http, "st/ate=");
    assert_string_equal(url, "https://127.0.0.1:9/auth/oauth/authorize/"
                             "?response_type=code&client_id=id%20with%26space"
                             "&state=st%2Fate%3D&redirect_uri=https%3A%2F%2F"
                             "relay.example%2Fcb%3Fx%3D1");
    free(url);
    hb_http_close(&http);
    hb_config_free(&cfg);
}

static void state_from_secret_is_base64url_sha256(void **state)
{
    (void)state;
    /* SHA-256("abc") in base64url, no padding. */
    char *s = hb_state_from_secret("abc");
    assert_string_equal(s, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    free(s);
    char *a = hb_random_token(32), *b = hb_random_token(32);
    assert_int_equal(strlen(a), 43);
    assert_string_not_equal(a, b);
    assert_true(hb_ct_streq(a, a));
    assert_false(hb_ct_streq(a, b));
    assert_false(hb_ct_streq("abc", "abcd"));
    assert_false(hb_ct_streq("abcd", "abc"));
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_success_with_ok_true),
        cmocka_unit_test(token_success_with_code_zero_and_no_ok),
        cmocka_unit_test(token_missing_is_unavailable),
        cmocka_unit_test(token_empty_is_unavailable),
        cmocka_unit_test(token_number_is_unavailable),
        cmocka_unit_test(token_with_embedded_nul_is_unavailable),
        cmocka_unit_test(raw_nul_byte_in_body_is_unavailable),
        cmocka_unit_test(every_haobtc_code_is_denied_with_its_name),
        cmocka_unit_test(code_without_ok_is_honoured),
        cmocka_unit_test(unknown_code_is_unavailable),
        cmocka_unit_test(ok_false_without_code_is_unavailable),
        cmocka_unit_test(non_boolean_ok_is_unavailable),
        cmocka_unit_test(html_is_unavailable),
        cmocka_unit_test(truncated_json_is_unavailable),
        cmocka_unit_test(trailing_data_is_unavailable),
        cmocka_unit_test(array_instead_of_object_is_unavailable),
        cmocka_unit_test(json_ten_thousand_levels_deep_is_unavailable),
        cmocka_unit_test(flat_profile_is_read),
        cmocka_unit_test(nested_profile_with_privider_is_read),
        cmocka_unit_test(profile_without_user_info_is_unavailable),
        cmocka_unit_test(profile_error_code_is_denied),
        cmocka_unit_test(code_table_has_every_code),
        cmocka_unit_test(authorize_url_escapes_its_parameters),
        cmocka_unit_test(state_from_secret_is_base64url_sha256),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

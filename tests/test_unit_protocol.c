/* The haobtc protocol without a network: authorize URLs, token and profile
 * answers of every shape, and the code table. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "config.h"
#include "http.h"
#include "json.h"
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

static void token_missing_is_a_protocol_error(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"ok\":true}", &t, &err), HB_ERR_PROTOCOL);
    assert_non_null(strstr(err.msg, "no access_token"));
    assert_null(t);
}

static void token_empty_is_a_protocol_error(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"ok\":true,\"access_token\":\"\"}", &t, &err),
                     HB_ERR_PROTOCOL);
    assert_non_null(strstr(err.msg, "empty"));
}

static void token_number_is_a_protocol_error(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"ok\":true,\"access_token\":12345}", &t, &err),
                     HB_ERR_PROTOCOL);
    assert_non_null(strstr(err.msg, "not a string"));
}

static void token_with_embedded_nul_is_a_protocol_error(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(
        token("{\"ok\":true,\"access_token\":\"abc\\u0000def\"}", &t, &err),
        HB_ERR_PROTOCOL);
    assert_non_null(strstr(err.msg, "NUL"));
    assert_null(t);
}

static void raw_nul_byte_in_body_is_a_protocol_error(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    const char body[] = "{\"ok\":true,\"access_token\":\"a\0b\"}";
    assert_int_equal(hb_parse_token_body(body, sizeof(body) - 1, &t, &err),
                     HB_ERR_PROTOCOL);
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

static void unknown_code_is_a_protocol_error(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"ok\":false,\"code\":500}", &t, &err),
                     HB_ERR_PROTOCOL);
    assert_non_null(strstr(err.msg, "unknown haobtc code 500"));
}

static void ok_false_without_code_is_a_protocol_error(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"ok\":false}", &t, &err), HB_ERR_PROTOCOL);
}

static void non_boolean_ok_is_a_protocol_error(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(
        token("{\"ok\":\"true\",\"access_token\":\"x\"}", &t, &err),
        HB_ERR_PROTOCOL);
}

static void html_is_a_protocol_error(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("<html><body>Bad Gateway</body></html>", &t, &err),
                     HB_ERR_PROTOCOL);
    assert_non_null(strstr(err.msg, "not JSON"));
}

static void truncated_json_is_a_protocol_error(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("{\"ok\": true, \"access_token\": \"abc", &t, &err),
                     HB_ERR_PROTOCOL);
}

static void trailing_data_is_a_protocol_error(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(
        token("{\"ok\":true,\"access_token\":\"a\"}{\"x\":1}", &t, &err),
        HB_ERR_PROTOCOL);
}

static void array_instead_of_object_is_a_protocol_error(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token("[1,2,3]", &t, &err), HB_ERR_PROTOCOL);
}

static void json_ten_thousand_levels_deep_is_a_protocol_error(void **state)
{
    (void)state;
    size_t depth = 10000;
    char *body = malloc(2 * depth + 1);
    memset(body, '[', depth);
    memset(body + depth, ']', depth);
    body[2 * depth] = '\0';
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(token(body, &t, &err), HB_ERR_PROTOCOL);
    assert_non_null(strstr(err.msg, "deeper"));
    free(body);
}

/* Whether all n bytes at p are zero. */
static bool all_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != '\0')
            return false;
    return true;
}

/* The storage json-c holds for a string member, observed through an extra
 * reference the test keeps on the tree. */
static const char *storage(json_object *obj, const char *key, size_t *n)
{
    json_object *member = NULL;
    assert_true(json_object_object_get_ex(obj, key, &member));
    assert_true(json_object_is_type(member, json_type_string));
    *n = (size_t)json_object_get_string_len(member);
    return json_object_get_string(member);
}

static void put_wiped_zeroes_every_string_value(void **state)
{
    (void)state;
    json_object *obj = json_object_new_object();
    json_object *nested = json_object_new_object();
    json_object *list = json_object_new_array();
    json_object *inner = json_object_new_object();
    json_object_object_add(obj, "access_token",
                           json_object_new_string("tok-SECRET-0123456789"));
    json_object_object_add(obj, "s", json_object_new_string("ab"));
    json_object_object_add(obj, "n", json_object_new_int(5));
    json_object_object_add(obj, "nested", nested);
    json_object_object_add(nested, "list", list);
    json_object_array_add(list, json_object_new_string("code-SECRET"));
    json_object_array_add(list, inner);
    json_object_object_add(inner, "deep",
                           json_object_new_string("poll-SECRET"));

    size_t n_tok, n_s, n_deep;
    const char *tok = storage(obj, "access_token", &n_tok);
    const char *s = storage(obj, "s", &n_s);
    const char *deep = storage(inner, "deep", &n_deep);
    json_object *code_obj = json_object_array_get_idx(list, 0);
    const char *code = json_object_get_string(code_obj);
    size_t n_code = (size_t)json_object_get_string_len(code_obj);
    assert_int_equal(n_tok, 21);
    assert_string_equal(code, "code-SECRET");

    /* The extra reference keeps the tree alive to look at afterwards. */
    json_object_get(obj);
    hb_json_put_wiped(obj);
    assert_true(all_zero(tok, n_tok));
    assert_true(all_zero(s, n_s));
    assert_true(all_zero(code, n_code));
    assert_true(all_zero(deep, n_deep));
    /* Only the values: lengths, keys and numbers are as they were. */
    assert_int_equal(
        json_object_get_string_len(json_object_object_get(obj, "access_token")),
        21);
    long n = 0;
    assert_true(hb_json_int(obj, "n", &n));
    assert_int_equal(n, 5);
    json_object_put(obj);
    hb_json_put_wiped(NULL);
}

/* {"a":{"a":...{"a":"SECRET"}...}} with levels objects. */
static char *nested_body(int levels)
{
    size_t n = (size_t)levels * 6 + 8 + (size_t)levels + 1;
    char *body = malloc(n);
    assert_non_null(body);
    char *p = body;
    for (int i = 0; i < levels; i++) {
        memcpy(p, "{\"a\":", 5);
        p += 5;
    }
    memcpy(p, "\"SECRET\"", 8);
    p += 8;
    memset(p, '}', (size_t)levels);
    p[levels] = '\0';
    return body;
}

static void put_wiped_reaches_strings_as_deep_as_the_parser_goes(void **state)
{
    (void)state;
    struct hb_error err = {0};
    json_object *obj = NULL;
    /* The deepest answer hb_json_parse_object accepts... */
    char *body = nested_body(HB_JSON_MAX_DEPTH - 1);
    assert_int_equal(hb_json_parse_object(body, strlen(body), &obj, &err),
                     HB_OK);
    free(body);
    body = nested_body(HB_JSON_MAX_DEPTH);
    json_object *too_deep = NULL;
    assert_int_equal(hb_json_parse_object(body, strlen(body), &too_deep, &err),
                     HB_ERR_PROTOCOL);
    assert_non_null(strstr(err.msg, "deeper"));
    free(body);

    /* ...has its innermost string wiped. */
    json_object *at = obj;
    for (int i = 0; i < HB_JSON_MAX_DEPTH - 2; i++)
        assert_true(json_object_object_get_ex(at, "a", &at));
    size_t n = 0;
    const char *secret = storage(at, "a", &n);
    assert_string_equal(secret, "SECRET");
    json_object_get(obj);
    hb_json_put_wiped(obj);
    assert_true(all_zero(secret, n));
    json_object_put(obj);
}

static void tokener_keeps_no_copy_of_a_half_parsed_token(void **state)
{
    (void)state;
    /* A complete access_token, then the answer breaks off. */
    const char *body = "{\"access_token\":\"tok-SECRET-0123456789-abcdefghij-"
                       "0123456789\",\"x\":";
    size_t len = strlen(body);
    json_tokener *tok = hb_json_tokener_new(len);
    assert_non_null(tok);
    /* tok->pb and tok->stack are json-c internals (public in 0.16): the
     * test looks at them to see what the tokener keeps. */
    char *buf = tok->pb->buf;
    assert_true((size_t)tok->pb->size > len);
    assert_null(json_tokener_parse_ex(tok, body, (int)len));
    assert_int_equal(json_tokener_get_error(tok), json_tokener_continue);
    /* The 43-byte token went through pb without it growing: no freed,
     * unwiped copy of it was left behind. */
    assert_ptr_equal(tok->pb->buf, buf);

    json_object *partial = tok->stack[0].current;
    assert_non_null(partial);
    size_t n = 0;
    const char *secret = storage(partial, "access_token", &n);
    assert_int_equal(n, 43);
    json_object_get(partial);
    hb_json_tokener_free(tok);
    assert_true(all_zero(secret, n));
    json_object_put(partial);
    hb_json_tokener_free(NULL);
}

static void too_large_input_gets_no_tokener(void **state)
{
    (void)state;
    assert_null(hb_json_tokener_new((size_t)INT32_MAX));
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

static void profile_without_user_info_is_a_protocol_error(void **state)
{
    (void)state;
    struct hb_profile p;
    struct hb_error err = {0};
    assert_int_equal(profile("{\"ok\":true}", &p, &err), HB_ERR_PROTOCOL);
    assert_int_equal(profile("{\"ok\":true,\"user_info\":[]}", &p, &err),
                     HB_ERR_PROTOCOL);
    assert_int_equal(
        profile("{\"ok\":true,\"user_info\":{\"username\":\"a\"}}", &p, &err),
        HB_ERR_PROTOCOL);
    assert_int_equal(
        profile("{\"ok\":true,\"user_info\":{\"uuid\":7}}", &p, &err),
        HB_ERR_PROTOCOL);
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
    char *url = hb_authorize_url(
        &http, "st/ate=", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    assert_string_equal(url, "https://127.0.0.1:9/auth/oauth/authorize/"
                             "?response_type=code&client_id=id%20with%26space"
                             "&state=st%2Fate%3D"
                             "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URW"
                             "buGJSstw-cM&code_challenge_method=S256"
                             "&redirect_uri=https%3A%2F%2F"
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

static void code_challenge_is_rfc7636_appendix_b(void **state)
{
    (void)state;
    /* RFC 7636, appendix B: the verifier and its S256 challenge. */
    char *c =
        hb_code_challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_string_equal(c, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    free(c);
}

static void code_verifier_is_43_fresh_base64url_characters(void **state)
{
    (void)state;
    char *a = hb_code_verifier_new(), *b = hb_code_verifier_new();
    assert_int_equal(strlen(a), 43);
    assert_int_equal(strspn(a,
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                            "wxyz0123456789-_"),
                     43);
    assert_string_not_equal(a, b);
    char *ca = hb_code_challenge_of(a), *cb = hb_code_challenge_of(b);
    assert_int_equal(strlen(ca), 43);
    assert_string_not_equal(ca, cb);
    assert_string_not_equal(ca, a);
    free(ca);
    free(cb);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_success_with_ok_true),
        cmocka_unit_test(token_success_with_code_zero_and_no_ok),
        cmocka_unit_test(token_missing_is_a_protocol_error),
        cmocka_unit_test(token_empty_is_a_protocol_error),
        cmocka_unit_test(token_number_is_a_protocol_error),
        cmocka_unit_test(token_with_embedded_nul_is_a_protocol_error),
        cmocka_unit_test(raw_nul_byte_in_body_is_a_protocol_error),
        cmocka_unit_test(every_haobtc_code_is_denied_with_its_name),
        cmocka_unit_test(code_without_ok_is_honoured),
        cmocka_unit_test(unknown_code_is_a_protocol_error),
        cmocka_unit_test(ok_false_without_code_is_a_protocol_error),
        cmocka_unit_test(non_boolean_ok_is_a_protocol_error),
        cmocka_unit_test(html_is_a_protocol_error),
        cmocka_unit_test(truncated_json_is_a_protocol_error),
        cmocka_unit_test(trailing_data_is_a_protocol_error),
        cmocka_unit_test(array_instead_of_object_is_a_protocol_error),
        cmocka_unit_test(json_ten_thousand_levels_deep_is_a_protocol_error),
        cmocka_unit_test(put_wiped_zeroes_every_string_value),
        cmocka_unit_test(put_wiped_reaches_strings_as_deep_as_the_parser_goes),
        cmocka_unit_test(tokener_keeps_no_copy_of_a_half_parsed_token),
        cmocka_unit_test(too_large_input_gets_no_tokener),
        cmocka_unit_test(flat_profile_is_read),
        cmocka_unit_test(nested_profile_with_privider_is_read),
        cmocka_unit_test(profile_without_user_info_is_a_protocol_error),
        cmocka_unit_test(profile_error_code_is_denied),
        cmocka_unit_test(code_table_has_every_code),
        cmocka_unit_test(authorize_url_escapes_its_parameters),
        cmocka_unit_test(state_from_secret_is_base64url_sha256),
        cmocka_unit_test(code_challenge_is_rfc7636_appendix_b),
        cmocka_unit_test(code_verifier_is_43_fresh_base64url_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

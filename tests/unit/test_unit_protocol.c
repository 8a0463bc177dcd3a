/* SPDX-License-Identifier: BSD-2-Clause */
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

/* What haobtc-mock sends, as the provider does: the message in English
 * and Chinese, the Chinese as UTF-8. json-c 0.18 (Debian 13) in its strict
 * mode refuses every byte above 0x7f, which made each refusal "not JSON"
 * instead of its code. */
static void refusal_with_a_chinese_message_is_denied_with_its_code(void **state)
{
    (void)state;
    for (long code = 40001; code <= 40015; code++) {
        const struct hb_code_info *info = hb_code_lookup(code);
        assert_non_null(info);
        char *body =
            tu_printf("{\"ok\":false,\"code\":%ld,\"message\":\"%s (%s)\"}",
                      code, info->english, info->chinese);
        char *t = NULL;
        struct hb_error err = {0};
        assert_int_equal(token(body, &t, &err), HB_ERR_DENIED);
        assert_int_equal(err.haobtc_code, code);
        assert_null(t);
        free(body);
    }
}

/* The same refusal as Python's json.dumps writes it (ensure_ascii). */
static void refusal_with_an_escaped_chinese_message_is_denied(void **state)
{
    (void)state;
    char *t = NULL;
    struct hb_error err = {0};
    assert_int_equal(
        token("{\"ok\":false,\"code\":40009,\"message\":\"authorization_code "
              "\\u4e0d\\u5b58\\u5728\\u6216\\u5df2\\u8fc7\\u671f\"}",
              &t, &err),
        HB_ERR_DENIED);
    assert_int_equal(err.haobtc_code, 40009);
    assert_string_equal(err.msg, "token request refused by haobtc: 40009 "
                                 "invalid_authorization_code: "
                                 "authorization_code missing or expired "
                                 "(authorization_code 不存在或已过期)");
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

/* json-c documents its strict mode as growing stricter between releases,
 * and 0.18's refuses UTF-8 in strings: the parser checks RFC 8259 itself
 * and keeps json-c out of that mode. On Debian 12 (json-c 0.16, whose
 * strict mode passes UTF-8) only this test notices the flag coming back. */
static void tokener_is_not_in_json_c_strict_mode(void **state)
{
    (void)state;
    json_tokener *tok = hb_json_tokener_new(64);
    assert_non_null(tok);
    /* tok->flags is a json-c internal, public in 0.16 and 0.18. */
    assert_int_equal(tok->flags & JSON_TOKENER_STRICT, 0);
    hb_json_tokener_free(tok);
}

struct syntax_case {
    const char *body;
    const char *msg;
};

/* What json-c's strict mode refused, and what RFC 8259 refuses besides
 * (raw control characters in strings), with where each goes wrong. */
static void what_rfc_8259_forbids_is_a_protocol_error(void **state)
{
    (void)state;
    static const char not_json[] = "response is not JSON (RFC 8259) at byte ";
    static const char truncated[] = "response JSON is truncated";
    static const char trailing[] = "response has data after the JSON value";
    const struct syntax_case cases[] = {
        {"{'ok':true}", "1"},
        {"{\"ok\":true /* c */}", "11"},
        {"{\"ok\":true // c\n}", "11"},
        {"{\"ok\":true,}", "11"},
        {"{\"a\":[1,2,]}", "10"},
        {"{\"a\":01}", "6"},
        {"{\"a\":-01}", "7"},
        {"{\"a\":+1}", "5"},
        {"{\"a\":.5}", "5"},
        {"{\"a\":1.}", "7"},
        {"{\"a\":1.e5}", "7"},
        {"{\"a\":1e}", "7"},
        {"{\"a\":1e+}", "8"},
        {"{\"a\":-}", "6"},
        {"{\"a\":0x10}", "6"},
        {"{\"a\":NaN}", "5"},
        {"{\"a\":Infinity}", "5"},
        {"{\"a\":-Infinity}", "6"},
        {"{\"a\":TRUE}", "5"},
        {"{\"a\":nul}", "5"},
        {"{\"a\":truex}", "9"},
        {"{\"a\":\"x\001y\"}", "7"},
        {"{\"a\":\"tab\there\"}", "9"},
        {"{\"a\":\"line\nbreak\"}", "10"},
        {"{\"a\":\"\\x41\"}", "7"},
        {"{\"a\":\"\\u12g4\"}", "10"},
        {"{\"a\":\"\\U0041\"}", "7"},
        {"{a:1}", "1"},
        {"{\"a\" 1}", "5"},
        {"{\"a\":1 \"b\":2}", "7"},
        {"{\"a\":1]", "6"},
        {"{\"a\":[1}", "7"},
        {"{,}", "1"},
        {"{\"a\":1,,\"b\":2}", "7"},
        {"{\"a\":\xe2\x80\x9cx\xe2\x80\x9d}", "5"},
        {"\xef\xbb\xbf{\"a\":1}", "0"},
        {"<html><body>Bad Gateway</body></html>", "0"},
        {"\v{\"a\":1}", "0"},
        {"", NULL},
        {"  \r\n", NULL},
        {"{", NULL},
        {"{\"a\"", NULL},
        {"{\"a\":", NULL},
        {"{\"a\":1", NULL},
        {"{\"a\":1,", NULL},
        {"{\"a\":\"x", NULL},
        {"{\"a\":\"x\\", NULL},
        {"{\"a\":\"\\u12", NULL},
        {"{\"a\":tru", NULL},
        {"{\"a\":-", NULL},
        {"{\"a\":1.", NULL},
        {"{\"a\":[1,[2]", NULL},
        {"{\"a\":1} x", trailing},
        {"{\"a\":1}{}", trailing},
        {"{\"a\":1}\xc2\xa0", trailing},
        {"{\"a\":1}\f", trailing},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *body = cases[i].body;
        const char *msg = cases[i].msg;
        char *want = NULL;
        if (msg == NULL)
            want = tu_printf("%s", truncated);
        else if (msg == trailing)
            want = tu_printf("%s", trailing);
        else
            want = tu_printf("%s%s", not_json, msg);
        json_object *obj = NULL;
        struct hb_error err = {0};
        enum hb_status st =
            hb_json_parse_object(body, strlen(body), &obj, &err);
        if (st != HB_ERR_PROTOCOL || strcmp(err.msg, want) != 0)
            fail_msg("case %zu (%s): status %d, \"%s\", wanted \"%s\"", i, body,
                     (int)st, err.msg, want);
        assert_null(obj);
        free(want);
    }
}

static const char *member_string(json_object *obj, const char *key)
{
    const char *s = hb_json_string(obj, key);
    assert_non_null(s);
    return s;
}

/* Everything RFC 8259 allows, read to the same values json-c's strict mode
 * gave on Debian 12. */
static void what_rfc_8259_allows_is_read(void **state)
{
    (void)state;
    const char *body =
        " \r\n\t{ \"esc\" : \"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d"
        "\\ude00\", \"zh\":\"北京\", \"用户\":\"\xff\xfe\", \"n\":[0, -0, 1.5, "
        "-2e10, 3E+2, 4e-2, 10, -7], \"w\":[true,false,null,{},[],{\"k\":[]}],"
        "\"e\":\"\"} \n";
    json_object *obj = NULL;
    struct hb_error err = {0};
    assert_int_equal(hb_json_parse_object(body, strlen(body), &obj, &err),
                     HB_OK);
    assert_string_equal(member_string(obj, "esc"),
                        "\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
    assert_string_equal(member_string(obj, "zh"), "北京");
    /* Not UTF-8, passed as it is: a provider's text in another encoding
     * must not hide the code beside it. */
    assert_string_equal(member_string(obj, "用户"), "\xff\xfe");
    assert_string_equal(member_string(obj, "e"), "");
    json_object *n = NULL;
    assert_true(json_object_object_get_ex(obj, "n", &n));
    assert_int_equal(json_object_array_length(n), 8);
    assert_int_equal(json_object_get_int64(json_object_array_get_idx(n, 7)),
                     -7);
    assert_true(json_object_get_double(json_object_array_get_idx(n, 3)) ==
                -2e10);
    json_object *w = NULL;
    assert_true(json_object_object_get_ex(obj, "w", &w));
    assert_int_equal(json_object_array_length(w), 6);
    hb_json_put_wiped(obj);
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

static void profile_with_chinese_text_is_read(void **state)
{
    (void)state;
    struct hb_profile p;
    struct hb_error err = {0};
    assert_int_equal(
        profile("{\"ok\":true,\"code\":0,\"message\":\"请求成功\","
                "\"user_info\":{\"uuid\":\"ab12\",\"username\":\"alice\","
                "\"address\":\"北京\",\"provider\":\"haobtc\"}}",
                &p, &err),
        HB_OK);
    assert_string_equal(p.username, "alice");
    assert_string_equal(p.address, "北京");
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
        cmocka_unit_test(
            refusal_with_a_chinese_message_is_denied_with_its_code),
        cmocka_unit_test(refusal_with_an_escaped_chinese_message_is_denied),
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
        cmocka_unit_test(tokener_is_not_in_json_c_strict_mode),
        cmocka_unit_test(what_rfc_8259_forbids_is_a_protocol_error),
        cmocka_unit_test(what_rfc_8259_allows_is_read),
        cmocka_unit_test(too_large_input_gets_no_tokener),
        cmocka_unit_test(flat_profile_is_read),
        cmocka_unit_test(nested_profile_with_privider_is_read),
        cmocka_unit_test(profile_with_chinese_text_is_read),
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

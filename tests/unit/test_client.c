/* SPDX-License-Identifier: BSD-2-Clause */
/* The client against the bundled mock provider over real TLS: the whole
 * exchange, connection reuse, every provider refusal, and every hostile
 * answer the mock can be told to give. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "http.h"
#include "provider.h"
#include "secure.h"
#include "token.h"
#include "testutil.h"

/* RFC 7636 appendix B: a verifier and its S256 challenge. */
#define RFC_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

struct login {
    struct hb_config cfg;
    struct hb_http http;
    struct hb_error err;
    char *token;
    struct hb_profile profile;
};

static void open_login(struct login *l, const char *extra)
{
    memset(l, 0, sizeof(*l));
    char *path = tu_conf(extra);
    char *conf = tu_printf("conf=%s", path);
    const char *argv[] = {conf};
    if (hb_config_load(1, argv, &l->cfg, &l->err) != HB_OK)
        fail_msg("config: %s", l->err.msg);
    assert_int_equal(hb_http_open(&l->http, &l->cfg, time(NULL) + 30, &l->err),
                     HB_OK);
    free(conf);
    free(path);
}

static void close_login(struct login *l)
{
    hb_free_secret(&l->token);
    hb_profile_free(&l->profile);
    hb_http_close(&l->http);
    hb_config_free(&l->cfg);
}

static enum hb_status exchange(struct login *l, const char *user)
{
    char *state = hb_random_token(32);
    char *verifier = hb_code_verifier_new();
    char *challenge = hb_code_challenge_of(verifier);
    char *code = tu_approve(user, state, challenge);
    enum hb_status st =
        hb_get_token(&l->http, code, verifier, &l->token, &l->err);
    if (st == HB_OK)
        st = hb_get_profile(&l->http, l->token, &l->profile, &l->err);
    free(code);
    free(challenge);
    free(verifier);
    free(state);
    return st;
}

static int clear_faults(void **state)
{
    (void)state;
    tu_fault("none", "all", NULL);
    free(tu_mock_post("/mock/layout", "layout=flat"));
    return 0;
}

static void pasted_code_login_reaches_profile(void **state)
{
    (void)state;
    struct login l;
    open_login(&l, NULL);
    assert_int_equal(exchange(&l, "alice"), HB_OK);
    assert_string_equal(l.profile.uuid, "5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60");
    assert_string_equal(l.profile.username, "alice");
    assert_non_null(l.profile.address);
    close_login(&l);
}

static void token_and_profile_share_one_connection(void **state)
{
    (void)state;
    struct login l;
    open_login(&l, NULL);
    char *st = hb_random_token(32);
    char *code = tu_approve("bob", st, RFC_CHALLENGE);
    free(tu_mock_post("/mock/reset-stats", ""));
    assert_int_equal(
        hb_get_token(&l.http, code, RFC_VERIFIER, &l.token, &l.err), HB_OK);
    assert_int_equal(hb_get_profile(&l.http, l.token, &l.profile, &l.err),
                     HB_OK);
    /* Read the counters before this helper's own request adds one. */
    long connections = tu_stat("connections");
    assert_int_equal(connections, 2); /* ours, plus the stats request */
    assert_int_equal(tu_stat("token_requests"), 1);
    assert_int_equal(tu_stat("profile_requests"), 1);
    free(code);
    free(st);
    close_login(&l);
}

static void later_token_path_works(void **state)
{
    (void)state;
    struct login l;
    open_login(&l, "token_url = /auth/oauth/get_token/\n");
    assert_int_equal(exchange(&l, "alice"), HB_OK);
    close_login(&l);
}

static void nested_profile_layout_is_read(void **state)
{
    (void)state;
    free(tu_mock_post("/mock/layout", "layout=nested"));
    struct login l;
    open_login(&l, NULL);
    assert_int_equal(exchange(&l, "bob"), HB_OK);
    assert_string_equal(l.profile.username, "bob");
    assert_string_equal(l.profile.provider, "haobtc");
    close_login(&l);
}

static void same_code_twice_is_40009(void **state)
{
    (void)state;
    struct login l;
    open_login(&l, NULL);
    char *st = hb_random_token(32);
    char *code = tu_approve("alice", st, RFC_CHALLENGE);
    assert_int_equal(
        hb_get_token(&l.http, code, RFC_VERIFIER, &l.token, &l.err), HB_OK);
    hb_free_secret(&l.token);
    assert_int_equal(
        hb_get_token(&l.http, code, RFC_VERIFIER, &l.token, &l.err),
        HB_ERR_DENIED);
    assert_int_equal(l.err.haobtc_code, 40009);
    free(code);
    free(st);
    close_login(&l);
}

/* The code is bound to the challenge its authorize request carried: the
 * token request must prove the verifier behind it. */
static void code_with_another_verifier_is_40009(void **state)
{
    (void)state;
    struct login l;
    open_login(&l, NULL);
    char *st = hb_random_token(32);
    char *code = tu_approve("alice", st, RFC_CHALLENGE);
    char *other = hb_code_verifier_new();
    assert_int_equal(hb_get_token(&l.http, code, other, &l.token, &l.err),
                     HB_ERR_DENIED);
    assert_int_equal(l.err.haobtc_code, 40009);
    free(other);
    free(code);
    free(st);
    close_login(&l);
}

static void code_with_a_challenge_and_no_verifier_is_40009(void **state)
{
    (void)state;
    struct login l;
    open_login(&l, NULL);
    char *st = hb_random_token(32);
    char *code = tu_approve("alice", st, RFC_CHALLENGE);
    assert_int_equal(hb_get_token(&l.http, code, NULL, &l.token, &l.err),
                     HB_ERR_DENIED);
    assert_int_equal(l.err.haobtc_code, 40009);
    free(code);
    free(st);
    close_login(&l);
}

static void unknown_code_is_40009(void **state)
{
    (void)state;
    struct login l;
    open_login(&l, NULL);
    assert_int_equal(hb_get_token(&l.http, "made-up", NULL, &l.token, &l.err),
                     HB_ERR_DENIED);
    assert_int_equal(l.err.haobtc_code, 40009);
    close_login(&l);
}

/* The provider words a refusal in English and Chinese, and the mock sends
 * the Chinese as UTF-8 bytes, as it does: the answer json-c 0.18's strict
 * mode (Debian 13) turned into "not JSON", so that the code was lost. */
static void refusal_in_utf8_is_read_as_its_code(void **state)
{
    (void)state;
    struct login l;
    open_login(&l, NULL);
    struct hb_response resp;
    assert_int_equal(hb_http_post_form(&l.http, l.cfg.token_url,
                                       "grant_type=authorization_code&code="
                                       "made-up&client_id=test-client&"
                                       "client_secret=test-secret",
                                       0, &resp, &l.err),
                     HB_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body, "{\"ok\":false,\"code\":40009,\"message\":"
                                   "\"authorization_code missing or expired "
                                   "(authorization_code 不存在或已过期)\"}");
    hb_response_free(&resp);
    assert_int_equal(hb_get_token(&l.http, "made-up", NULL, &l.token, &l.err),
                     HB_ERR_DENIED);
    assert_int_equal(l.err.haobtc_code, 40009);
    assert_string_equal(l.err.msg,
                        "token request refused by haobtc: 40009 "
                        "invalid_authorization_code: authorization_code "
                        "missing or expired (authorization_code "
                        "不存在或已过期)");
    close_login(&l);
}

static void expect_code(const char *extra, const char *user, long code)
{
    struct login l;
    open_login(&l, extra);
    assert_int_not_equal(exchange(&l, user), HB_OK);
    assert_int_equal(l.err.status, HB_ERR_DENIED);
    assert_int_equal(l.err.haobtc_code, code);
    close_login(&l);
}

static void wrong_secret_is_40007(void **state)
{
    (void)state;
    char *path = tu_file("secret", "wrong-secret\n", 0600);
    char *extra = tu_printf("client_secret_file = %s\n", path);
    /* tu_conf sets client_secret too; the file must replace it. */
    struct login l;
    memset(&l, 0, sizeof(l));
    char *text = tu_printf("site_url = %s\nca_file = %s\nclient_id = "
                           "test-client\n%s",
                           tu_env("MOCK_URL"), tu_env("HB_CA_FILE"), extra);
    char *conf_path = tu_file("c.conf", text, 0600);
    char *conf = tu_printf("conf=%s", conf_path);
    const char *argv[] = {conf};
    assert_int_equal(hb_config_load(1, argv, &l.cfg, &l.err), HB_OK);
    assert_int_equal(hb_http_open(&l.http, &l.cfg, 0, &l.err), HB_OK);
    assert_int_equal(exchange(&l, "alice"), HB_ERR_DENIED);
    assert_int_equal(l.err.haobtc_code, 40007);
    assert_null(strstr(l.err.msg, "wrong-secret"));
    close_login(&l);
    free(conf);
    free(conf_path);
    free(text);
    free(extra);
    free(path);
}

static void redirect_mismatch_is_40006(void **state)
{
    (void)state;
    expect_code("redirect_uri = https://127.0.0.1/elsewhere\n", "alice", 40006);
}

static void deleted_user_is_40011(void **state)
{
    (void)state;
    expect_code(NULL, "ghost", 40011);
}

static void unauthorized_user_is_40012(void **state)
{
    (void)state;
    expect_code(NULL, "mallory", 40012);
}

static void bad_access_token_is_40008(void **state)
{
    (void)state;
    struct login l;
    open_login(&l, NULL);
    assert_int_equal(hb_get_profile(&l.http, "not-a-token", &l.profile, &l.err),
                     HB_ERR_DENIED);
    assert_int_equal(l.err.haobtc_code, 40008);
    close_login(&l);
}

static void every_forced_code_is_denied_with_that_code(void **state)
{
    (void)state;
    for (long code = 40001; code <= 40015; code++) {
        char *extra = tu_printf("code=%ld", code);
        tu_fault("code", "token", extra);
        struct login l;
        open_login(&l, NULL);
        assert_int_equal(exchange(&l, "alice"), HB_ERR_DENIED);
        assert_int_equal(l.err.haobtc_code, code);
        close_login(&l);
        free(extra);
    }
}

/* What a fault of the provider makes of the exchange: only what says
 * haobtc cannot serve is "unavailable"; an answer we cannot read is a
 * protocol error and a busy provider busy (both PAM_AUTH_ERR). */
static void expect_status(const char *mode, const char *target,
                          enum hb_status want, const char *needle)
{
    tu_fault(mode, target, NULL);
    struct login l;
    open_login(&l, NULL);
    enum hb_status st = exchange(&l, "alice");
    if (st != want)
        fail_msg("fault %s on %s gave %s (%s)", mode, target,
                 hb_status_name(st), l.err.msg);
    if (needle != NULL && strstr(l.err.msg, needle) == NULL)
        fail_msg("fault %s: message '%s' lacks '%s'", mode, l.err.msg, needle);
    if (strcmp(target, "token") == 0)
        assert_null(l.token);
    close_login(&l);
    tu_fault("none", "all", NULL);
}

#define FAULT_CASE(name, mode, target, want, needle)                           \
    static void name(void **s)                                                 \
    {                                                                          \
        (void)s;                                                               \
        expect_status(mode, target, want, needle);                             \
    }
FAULT_CASE(token_html_is_a_protocol_error, "html", "token", HB_ERR_PROTOCOL,
           "not JSON")
FAULT_CASE(token_malformed_is_a_protocol_error, "malformed", "token",
           HB_ERR_PROTOCOL, NULL)
FAULT_CASE(token_body_over_cap_is_a_protocol_error, "huge", "token",
           HB_ERR_PROTOCOL, "larger than")
FAULT_CASE(token_body_over_cap_without_length_is_a_protocol_error,
           "huge_chunked", "token", HB_ERR_PROTOCOL, "larger than")
FAULT_CASE(token_deep_json_is_a_protocol_error, "deep", "token",
           HB_ERR_PROTOCOL, "deeper")
FAULT_CASE(token_http_500_is_unavailable, "http500", "token", HB_ERR_UNAVAIL,
           "HTTP 500")
FAULT_CASE(token_proxy_502_page_is_unavailable, "http502", "token",
           HB_ERR_UNAVAIL, "HTTP 502")
FAULT_CASE(token_proxy_429_page_is_busy_not_unavailable, "http429", "token",
           HB_ERR_BUSY, "HTTP 429")
FAULT_CASE(token_connection_reset_is_unavailable, "reset", "token",
           HB_ERR_UNAVAIL, "failed")
FAULT_CASE(token_missing_is_a_protocol_error, "no_token", "token",
           HB_ERR_PROTOCOL, "no access_token")
FAULT_CASE(token_empty_is_a_protocol_error, "empty_token", "token",
           HB_ERR_PROTOCOL, "empty")
FAULT_CASE(token_number_is_a_protocol_error, "number_token", "token",
           HB_ERR_PROTOCOL, "not a string")
FAULT_CASE(token_with_nul_is_a_protocol_error, "nul_token", "token",
           HB_ERR_PROTOCOL, "NUL")
FAULT_CASE(profile_html_is_a_protocol_error, "html", "profile", HB_ERR_PROTOCOL,
           "not JSON")
FAULT_CASE(profile_huge_is_a_protocol_error, "huge_chunked", "profile",
           HB_ERR_PROTOCOL, "larger than")
FAULT_CASE(profile_proxy_502_page_is_unavailable, "http502", "profile",
           HB_ERR_UNAVAIL, "HTTP 502")

static void stalled_provider_is_bounded_by_http_timeout(void **state)
{
    (void)state;
    tu_fault("stall", "token", NULL);
    struct login l;
    open_login(&l, "http_timeout = 2\n");
    time_t start = time(NULL);
    assert_int_equal(exchange(&l, "alice"), HB_ERR_UNAVAIL);
    time_t spent = time(NULL) - start;
    assert_true(spent >= 1 && spent <= 4);
    assert_non_null(strstr(l.err.msg, "Timeout"));
    close_login(&l);
    tu_fault("none", "all", NULL);
}

/* A request the login's deadline cut short (the person took the time)
 * found nothing about the network: expired, never unavailable. */
static void request_cut_by_the_login_deadline_is_expired(void **state)
{
    (void)state;
    tu_fault("stall", "token", NULL);
    struct login l;
    open_login(&l, "http_timeout = 10\n");
    l.http.deadline = time(NULL) + 2;
    time_t start = time(NULL);
    assert_int_equal(exchange(&l, "alice"), HB_ERR_EXPIRED);
    assert_true(time(NULL) - start <= 4);
    assert_non_null(strstr(l.err.msg, "deadline"));
    close_login(&l);
    tu_fault("none", "all", NULL);
}

static void untrusted_certificate_is_unavailable(void **state)
{
    (void)state;
    char *extra = tu_printf("ca_file = %s\n", tu_env("HB_UNTRUSTED_CA"));
    struct login l;
    open_login(&l, extra);
    assert_int_equal(hb_get_token(&l.http, "x", NULL, &l.token, &l.err),
                     HB_ERR_UNAVAIL);
    assert_non_null(strstr(l.err.msg, "certificate"));
    close_login(&l);
    free(extra);
}

static void wrong_host_name_is_unavailable(void **state)
{
    (void)state;
    /* The certificate names 127.0.0.1 and haobtc.test, not localhost. */
    char *extra =
        tu_printf("site_url = https://localhost:%s\n", tu_env("MOCK_PORT"));
    struct login l;
    open_login(&l, extra);
    assert_int_equal(hb_get_token(&l.http, "x", NULL, &l.token, &l.err),
                     HB_ERR_UNAVAIL);
    close_login(&l);
    free(extra);
}

static void unreachable_provider_is_unavailable(void **state)
{
    (void)state;
    struct login l;
    open_login(&l, "site_url = https://127.0.0.1:1\n");
    assert_int_equal(hb_get_token(&l.http, "x", NULL, &l.token, &l.err),
                     HB_ERR_UNAVAIL);
    assert_non_null(strstr(l.err.msg, "127.0.0.1:1"));
    close_login(&l);
}

static void passed_deadline_is_expired_not_unavailable(void **state)
{
    (void)state;
    struct login l;
    open_login(&l, NULL);
    l.http.deadline = time(NULL) - 1;
    assert_int_equal(hb_get_token(&l.http, "x", NULL, &l.token, &l.err),
                     HB_ERR_EXPIRED);
    assert_non_null(strstr(l.err.msg, "deadline"));
    close_login(&l);
}

int main(void)
{
#define T(name) cmocka_unit_test_teardown(name, clear_faults)
    const struct CMUnitTest tests[] = {
        T(pasted_code_login_reaches_profile),
        T(token_and_profile_share_one_connection),
        T(later_token_path_works),
        T(nested_profile_layout_is_read),
        T(same_code_twice_is_40009),
        T(unknown_code_is_40009),
        T(refusal_in_utf8_is_read_as_its_code),
        T(wrong_secret_is_40007),
        T(redirect_mismatch_is_40006),
        T(deleted_user_is_40011),
        T(unauthorized_user_is_40012),
        T(code_with_another_verifier_is_40009),
        T(code_with_a_challenge_and_no_verifier_is_40009),
        T(bad_access_token_is_40008),
        T(every_forced_code_is_denied_with_that_code),
        T(token_html_is_a_protocol_error),
        T(token_malformed_is_a_protocol_error),
        T(token_body_over_cap_is_a_protocol_error),
        T(token_body_over_cap_without_length_is_a_protocol_error),
        T(token_deep_json_is_a_protocol_error),
        T(token_http_500_is_unavailable),
        T(token_proxy_502_page_is_unavailable),
        T(token_proxy_429_page_is_busy_not_unavailable),
        T(token_connection_reset_is_unavailable),
        T(token_missing_is_a_protocol_error),
        T(token_empty_is_a_protocol_error),
        T(token_number_is_a_protocol_error),
        T(token_with_nul_is_a_protocol_error),
        T(profile_html_is_a_protocol_error),
        T(profile_huge_is_a_protocol_error),
        T(profile_proxy_502_page_is_unavailable),
        T(stalled_provider_is_bounded_by_http_timeout),
        T(untrusted_certificate_is_unavailable),
        T(wrong_host_name_is_unavailable),
        T(unreachable_provider_is_unavailable),
        T(passed_deadline_is_expired_not_unavailable),
        T(request_cut_by_the_login_deadline_is_expired),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

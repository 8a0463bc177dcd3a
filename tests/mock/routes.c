/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-mock's endpoints: authorize, token, profile and the /mock/ helpers. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "mock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "digest.h"
#include "lang.h"
#include "token.h"

/* 0 when client_id names the usable client, else the provider's code. */
static long check_client(const char *client_id)
{
    if (client_id == NULL)
        return 40001;
    if (mock_opt.blocked_client != NULL &&
        strcmp(client_id, mock_opt.blocked_client) == 0)
        return 40015;
    if (strcmp(client_id, mock_opt.client_id) != 0)
        return 40002;
    return 0;
}

static void add_redirect(struct hb_buf *b, const char *key, const char *value,
                         const char *state)
{
    hb_buf_add(b, mock_opt.redirect_uri);
    hb_buf_add(b, strchr(mock_opt.redirect_uri, '?') != NULL ? "&" : "?");
    hb_buf_add(b, key);
    mock_buf_add_url(b, value);
    hb_buf_add(b, "&state=");
    mock_buf_add_url(b, state);
}

static enum MHD_Result send_redirect(struct MHD_Connection *c,
                                     const struct mock_request *req,
                                     struct hb_buf *location)
{
    struct MHD_Response *r;

    if (location->failed)
        return mock_send_internal(c, req);
    r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (r != NULL && MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION,
                                             location->data) != MHD_YES) {
        MHD_destroy_response(r);
        return mock_send_internal(c, req);
    }
    return mock_send_resp(c, req, MHD_HTTP_FOUND, r);
}

static long check_authorize(const char *client_id, const char *state,
                            const char *redirect_uri)
{
    long code =
        client_id == NULL || state == NULL ? 40001 : check_client(client_id);

    if (code == 0 && mock_opt.redirect_uri == NULL)
        code = 40003;
    if (code == 0 && redirect_uri != NULL &&
        strcmp(redirect_uri, mock_opt.redirect_uri) != 0)
        code = 40006;
    return code;
}

/* 0 when the PKCE parameters of an authorize request are acceptable: S256
 * only ("plain" and a method without a challenge are 40001), a challenge
 * of 43 base64url characters, and with --require-pkce one must be there. */
static long check_pkce(const char *challenge, const char *method)
{
    if (challenge == NULL)
        return method != NULL || mock_opt.require_pkce ? 40001 : 0;
    if (method == NULL || strcmp(method, "S256") != 0 ||
        strlen(challenge) != MOCK_CHALLENGE_LEN ||
        !hb_is_b64url(challenge, MOCK_CHALLENGE_LEN))
        return 40001;
    return 0;
}

/* Logs why a code was refused at the token endpoint for PKCE (never the
 * code or the verifier), so a test can tell it from an unknown code. */
static void pkce_refused(const char *why)
{
    if (!mock_opt.quiet)
        fprintf(stderr, "haobtc-mock: token: PKCE: %s\n", why);
}

/* 0 when code_verifier redeems a code issued with challenge ("" none):
 * RFC 7636's S256 check, and RFC 9700's downgrade rule (a verifier for a
 * code issued without a challenge is refused). Else 40009, as haobtc
 * treats a code it will not redeem. */
static long check_verifier(const char *challenge, const char *verifier)
{
    char want[HB_DIGEST_B64_LEN + 1];
    size_t n = verifier != NULL ? strlen(verifier) : 0;

    if (challenge[0] == '\0' && verifier == NULL)
        return 0;
    if (challenge[0] == '\0') {
        pkce_refused("code_verifier sent for a code issued without "
                     "code_challenge (downgrade)");
        return 40009;
    }
    if (verifier == NULL) {
        pkce_refused("code_verifier missing for a code issued with "
                     "code_challenge");
        return 40009;
    }
    /* RFC 7636 4.1: 43 to 128 unreserved characters. */
    if (n < 43 || n > 128 ||
        strspn(verifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789-._~") != n ||
        !hb_sha256_b64url(verifier, n, want) ||
        !hb_ct_equal(want, challenge, MOCK_CHALLENGE_LEN)) {
        pkce_refused("code_verifier does not match the code's "
                     "code_challenge");
        return 40009;
    }
    return 0;
}

static struct hb_texts zh_cn;
static pthread_once_t zh_cn_once = PTHREAD_ONCE_INIT;

static void zh_cn_load(void)
{
    hb_texts_open_memory(&zh_cn, HB_LANG_ZH_CN, hb_catalog_zh_CN,
                         hb_catalog_zh_CN_len);
}

/* Like the relay's pages: the browser's Accept-Language (the demo shows
 * the Chinese page with --lang zh_CN). */
static const struct hb_texts *page_texts(struct MHD_Connection *c)
{
    if (hb_lang_of_accept(MHD_lookup_connection_value(
            c, MHD_HEADER_KIND, "Accept-Language")) != HB_LANG_ZH_CN)
        return NULL;
    pthread_once(&zh_cn_once, zh_cn_load);
    return zh_cn.mo != NULL ? &zh_cn : NULL;
}

static enum MHD_Result authorize_page(struct MHD_Connection *c,
                                      const struct mock_request *req)
{
    const char *client_id = mock_query_get(c, "client_id");
    const char *state = mock_query_get(c, "state");
    const char *type = mock_query_get(c, "response_type");
    const char *challenge = mock_query_get(c, "code_challenge");
    long code =
        client_id == NULL || state == NULL ? 40001 : check_client(client_id);
    struct hb_buf b = {0};
    enum MHD_Result ret;

    if (code == 0 && (type == NULL || strcmp(type, "code") != 0))
        code = 40005;
    if (code == 0)
        code = check_authorize(client_id, state,
                               mock_query_get(c, "redirect_uri"));
    if (code == 0)
        code =
            check_pkce(challenge, mock_query_get(c, "code_challenge_method"));
    if (code != 0)
        return mock_send_error(c, req, code);
    const struct hb_texts *t = page_texts(c);
    const char *title = hb_tr(t, "Sign in with haobtc (mock)");
    /* TRANSLATORS: the mock provider's page; %s is the client id. */
    const char *asks = hb_tr(t, "Application %s asks to read your haobtc "
                                "profile.");
    const char *hole = strstr(asks, "%s");
    hb_buf_add(&b, "<!DOCTYPE html>\n<html lang=\"");
    hb_buf_add(&b, t != NULL ? "zh-CN" : "en");
    hb_buf_add(&b, "\"><head><meta charset=\"utf-8\"><title>");
    hb_buf_add_html(&b, title);
    hb_buf_add(&b, "</title></head>\n<body><h1>");
    hb_buf_add_html(&b, title);
    hb_buf_add(&b, "</h1>\n<p>");
    if (hole != NULL) {
        char *before = strndup(asks, (size_t)(hole - asks));
        if (before == NULL)
            b.failed = 1;
        else
            hb_buf_add_html(&b, before);
        free(before);
    }
    hb_buf_add(&b, "<b>");
    hb_buf_add_html(&b, client_id);
    hb_buf_add(&b, "</b>");
    hb_buf_add_html(&b, hole != NULL ? hole + 2 : asks);
    hb_buf_add(&b, "</p>\n<form method=\"POST\" "
                   "action=\"" AUTHORIZE_PATH "\">\n"
                   "<input type=\"hidden\" name=\"client_id\" value=\"");
    hb_buf_add_html(&b, client_id);
    hb_buf_add(&b, "\">\n<input type=\"hidden\" name=\"state\" value=\"");
    hb_buf_add_html(&b, state);
    hb_buf_add(&b,
               "\">\n<input type=\"hidden\" name=\"redirect_uri\" value=\"");
    hb_buf_add_html(&b, mock_opt.redirect_uri);
    if (challenge != NULL) {
        hb_buf_add(&b, "\">\n<input type=\"hidden\" name=\"code_challenge\" "
                       "value=\"");
        hb_buf_add_html(&b, challenge);
        hb_buf_add(&b, "\">\n<input type=\"hidden\" "
                       "name=\"code_challenge_method\" value=\"S256");
    }
    hb_buf_add(&b, "\">\n<label for=\"username\">");
    hb_buf_add_html(&b, hb_tr(t, "Account"));
    hb_buf_add(&b, "</label>\n<select id=\"username\" name=\"username\">\n");
    for (size_t i = 0; i < mock_user_count(); i++) {
        const struct mock_user *u = mock_user_at(i);

        if (u->status != MOCK_USER_ACTIVE)
            continue;
        hb_buf_add(&b, "<option value=\"");
        hb_buf_add_html(&b, u->username);
        hb_buf_add(&b, "\">");
        hb_buf_add_html(&b, u->username);
        hb_buf_add(&b, "</option>\n");
    }
    hb_buf_add(&b, "</select>\n<button type=\"submit\" id=\"approve\" "
                   "name=\"decision\" value=\"approve\">");
    hb_buf_add_html(&b, hb_tr(t, "Approve"));
    hb_buf_add(&b, "</button>\n<button type=\"submit\" id=\"deny\" "
                   "name=\"decision\" value=\"deny\">");
    hb_buf_add_html(&b, hb_tr(t, "Deny"));
    hb_buf_add(&b, "</button>\n</form>\n</body></html>\n");
    if (b.failed)
        ret = mock_send_internal(c, req);
    else
        ret = mock_send_body(c, req, MHD_HTTP_OK, "text/html; charset=utf-8",
                             b.data, b.len);
    hb_buf_wipe(&b);
    return ret;
}

/* Issues a code for username; *code_out is the provider code on failure. */
static int issue_for(const char *client_id, const char *username,
                     const char *challenge, char *auth_code, long *code_out)
{
    const struct mock_user *user = username ? mock_user_find(username) : NULL;

    *code_out = username == NULL ? 40001 : user == NULL ? 40011 : 0;
    if (*code_out != 0)
        return -1;
    if (mock_code_issue(client_id, user, challenge, auth_code) != MOCK_OK) {
        *code_out = 500;
        return -1;
    }
    return 0;
}

static enum MHD_Result authorize_post(struct MHD_Connection *c,
                                      const struct mock_request *req)
{
    const char *state = mock_form_get(req, "state");
    const char *decision = mock_form_get(req, "decision");
    const char *challenge = mock_form_get(req, "code_challenge");
    long code = check_authorize(mock_form_get(req, "client_id"), state,
                                mock_form_get(req, "redirect_uri"));
    char auth_code[MOCK_SECRET_LEN];
    struct hb_buf b = {0};
    enum MHD_Result ret;

    if (code == 0)
        code =
            check_pkce(challenge, mock_form_get(req, "code_challenge_method"));
    if (code == 0 && decision == NULL)
        code = 40001;
    if (code == 0 && strcmp(decision, "deny") == 0) {
        add_redirect(&b, "error=", "access_denied", state);
    } else if (code == 0 && strcmp(decision, "approve") != 0) {
        code = 40001;
    } else if (code == 0 &&
               issue_for(mock_opt.client_id, mock_form_get(req, "username"),
                         challenge, auth_code, &code) == 0) {
        add_redirect(&b, "code=", auth_code, state);
        hb_wipe(auth_code, sizeof(auth_code));
    }
    if (code == 500)
        ret = mock_send_internal(c, req);
    else if (code != 0)
        ret = mock_send_error(c, req, code);
    else
        ret = send_redirect(c, req, &b);
    hb_buf_wipe(&b);
    return ret;
}

static enum MHD_Result mock_approve(struct MHD_Connection *c,
                                    const struct mock_request *req)
{
    const char *client_id = mock_any_get(c, req, "client_id");
    const char *state = mock_any_get(c, req, "state");
    const char *challenge = mock_any_get(c, req, "code_challenge");
    long code = check_client(client_id);
    char auth_code[MOCK_SECRET_LEN];
    struct json_object *obj;
    struct hb_buf b = {0};

    if (code == 0 && state == NULL)
        code = 40001;
    /* The phone's shortcut is an authorize request like any other. */
    if (code == 0)
        code = check_pkce(challenge,
                          mock_any_get(c, req, "code_challenge_method"));
    if (code == 0)
        issue_for(client_id, mock_any_get(c, req, "username"), challenge,
                  auth_code, &code);
    if (code != 0)
        return code == 500 ? mock_send_internal(c, req)
                           : mock_send_error(c, req, code);
    obj = mock_ok_object();
    if (obj != NULL) {
        mock_add_str(obj, "auth_code", auth_code);
        mock_add_str(obj, "state", state);
    }
    if (obj != NULL && mock_opt.redirect_uri != NULL) {
        add_redirect(&b, "code=", auth_code, state);
        if (!b.failed)
            mock_add_str(obj, "location", b.data);
    }
    hb_wipe(auth_code, sizeof(auth_code));
    hb_buf_wipe(&b);
    return mock_send_json(c, req, obj);
}

static enum MHD_Result token(struct MHD_Connection *c,
                             const struct mock_request *req, int is_post)
{
    const char *grant = mock_form_get(req, "grant_type");
    const char *secret = mock_form_get(req, "client_secret");
    const char *auth_code = mock_form_get(req, "code");
    const char *redirect_uri = mock_form_get(req, "redirect_uri");
    const char *verifier = mock_form_get(req, "code_verifier");
    const struct mock_user *user = NULL;
    char challenge[MOCK_CHALLENGE_LEN + 1] = "";
    char access[MOCK_SECRET_LEN];
    char refresh[MOCK_SECRET_LEN];
    struct json_object *obj;
    long code = check_client(mock_form_get(req, "client_id"));

    if (!is_post)
        return mock_send_error(c, req, 40014);
    if (code == 0 && grant == NULL)
        code = 40001;
    if (code == 0 && strcmp(grant, "refresh_token") == 0)
        code = mock_form_get(req, "refresh_token") == NULL ? 40001 : 40010;
    if (code == 0 && strcmp(grant, "authorization_code") != 0)
        code = 40004;
    if (code == 0 && secret == NULL)
        code = 40001;
    if (code == 0 && !hb_ct_streq(secret, mock_opt.client_secret))
        code = 40007;
    if (code == 0 && auth_code == NULL)
        code = 40001;
    if (code == 0 && redirect_uri != NULL &&
        (mock_opt.redirect_uri == NULL ||
         strcmp(redirect_uri, mock_opt.redirect_uri) != 0))
        code = 40006;
    if (code == 0 && mock_code_take(auth_code, mock_opt.client_id, &user,
                                    challenge) != MOCK_OK)
        code = 40009;
    /* The secrets log (tests only) lists the verifiers a module sends (43
     * characters) too, so the suite can show that none reached a log. */
    if (verifier != NULL && strlen(verifier) >= 43 &&
        strlen(verifier) < MOCK_SECRET_LEN && mock_secret_log(verifier) != 0)
        return mock_send_internal(c, req);
    /* --ignore-pkce: the provider haobtc-login pkce must catch. */
    if (code == 0 && !mock_opt.ignore_pkce)
        code = check_verifier(challenge, verifier);
    if (code == 0 && user->status == MOCK_USER_DELETED)
        code = 40011;
    if (code != 0)
        return mock_send_error(c, req, code);
    if (mock_token_issue(user, access) != MOCK_OK)
        return mock_send_internal(c, req);
    if (mock_random_hex(refresh) != 0 || mock_secret_log(refresh) != 0) {
        hb_wipe(access, sizeof(access));
        hb_wipe(refresh, sizeof(refresh));
        return mock_send_internal(c, req);
    }
    obj = mock_ok_object();
    if (obj != NULL) {
        mock_add_str(obj, "access_token", access);
        mock_add_str(obj, "token_type", "Bearer");
        json_object_object_add(obj, "expires_in",
                               json_object_new_int64(mock_opt.token_ttl));
        mock_add_str(obj, "refresh_token", refresh);
        mock_add_str(obj, "scope", "user_info");
    }
    hb_wipe(access, sizeof(access));
    hb_wipe(refresh, sizeof(refresh));
    return mock_send_json(c, req, obj);
}

static enum MHD_Result profile(struct MHD_Connection *c,
                               const struct mock_request *req, int is_get,
                               int nested)
{
    const char *access = mock_query_get(c, "access_token");
    const struct mock_user *user = NULL;
    struct json_object *obj;
    struct json_object *info;
    struct json_object *raw;

    if (!is_get)
        return mock_send_error(c, req, 40014);
    if (access == NULL || mock_token_find(access, &user) != MOCK_OK)
        return mock_send_error(c, req, 40008);
    if (user->status == MOCK_USER_UNAUTHORIZED)
        return mock_send_error(c, req, 40012);
    if (user->status == MOCK_USER_DELETED)
        return mock_send_error(c, req, 40011);
    obj = mock_ok_object();
    info = json_object_new_object();
    raw = nested ? json_object_new_object() : json_object_get(info);
    if (obj == NULL || info == NULL || raw == NULL) {
        json_object_put(obj);
        json_object_put(info);
        json_object_put(raw);
        return mock_send_internal(c, req);
    }
    mock_add_str(info, "uuid", user->uuid);
    mock_add_str(raw, "username", user->username);
    mock_add_str(raw, "address", user->address);
    /* The nested servers really do spell it "privider". */
    mock_add_str(info, nested ? "privider" : "provider", "haobtc");
    if (nested)
        json_object_object_add(info, "raw_info", raw);
    else
        json_object_put(raw);
    json_object_object_add(obj, "user_info", info);
    return mock_send_json(c, req, obj);
}

/* Besides the counters, which connection (by number) carried the last
 * token and profile requests, and the number of the newest connection:
 * the stats request's own, so a test that reads it before an approval can
 * tell a connection opened before from one opened after. */
static enum MHD_Result stats(struct MHD_Connection *c,
                             const struct mock_request *req)
{
    static const char *const names[MOCK_COUNT_MAX] = {
        "connections", "requests", "token_requests", "profile_requests",
        "head_requests"};
    static const char *const seen[MOCK_SEEN_MAX] = {"token_connection",
                                                    "profile_connection"};
    unsigned long counts[MOCK_COUNT_MAX];
    struct json_object *obj = mock_ok_object();

    mock_counts_get(counts);
    for (size_t i = 0; obj != NULL && i < MOCK_COUNT_MAX; i++)
        json_object_object_add(obj, names[i],
                               json_object_new_uint64(counts[i]));
    for (size_t i = 0; obj != NULL && i < MOCK_SEEN_MAX; i++)
        json_object_object_add(
            obj, seen[i],
            json_object_new_uint64(mock_seen_get((enum mock_seen)i)));
    if (obj != NULL)
        json_object_object_add(obj, "last_connection",
                               json_object_new_uint64(mock_connection_last()));
    return mock_send_json(c, req, obj);
}

static enum MHD_Result set_idle(struct MHD_Connection *c,
                                const struct mock_request *req)
{
    long seconds = 0;

    if (!hb_parse_long(mock_any_get(c, req, "seconds"), 0, 3600, &seconds))
        return mock_send_misuse(c, req);
    mock_idle_set((unsigned)seconds);
    return mock_send_json(c, req, mock_ok_object());
}

static enum MHD_Result set_fault(struct MHD_Connection *c,
                                 const struct mock_request *req)
{
    const char *mode = mock_any_get(c, req, "mode");
    const char *target = mock_any_get(c, req, "target");
    const char *count_s = mock_any_get(c, req, "count");
    const char *delay_s = mock_any_get(c, req, "delay_ms");
    struct mock_fault f = {MOCK_FAULT_NONE, 2000, 0};
    unsigned targets = MOCK_TARGET_TOKEN | MOCK_TARGET_PROFILE;
    long count = 0;

    if (mode == NULL || mock_fault_parse(mode, &f.mode) != 0)
        return mock_send_misuse(c, req);
    if (target != NULL && strcmp(target, "token") == 0)
        targets = MOCK_TARGET_TOKEN;
    else if (target != NULL && strcmp(target, "profile") == 0)
        targets = MOCK_TARGET_PROFILE;
    else if (target != NULL && strcmp(target, "all") != 0)
        return mock_send_misuse(c, req);
    if ((count_s != NULL && !hb_parse_long(count_s, 0, 1000000, &count)) ||
        (delay_s != NULL && !hb_parse_long(delay_s, 0, 600000, &f.delay_ms)))
        return mock_send_misuse(c, req);
    if (f.mode == MOCK_FAULT_CODE &&
        (!hb_parse_long(mock_any_get(c, req, "code"), 40001, 40015, &f.code)))
        return mock_send_misuse(c, req);
    mock_fault_set(&f, targets, count);
    return mock_send_json(c, req, mock_ok_object());
}

static enum MHD_Result set_layout(struct MHD_Connection *c,
                                  const struct mock_request *req)
{
    const char *layout = mock_any_get(c, req, "layout");

    if (layout != NULL && strcmp(layout, "flat") == 0)
        mock_layout_set(0);
    else if (layout != NULL && strcmp(layout, "nested") == 0)
        mock_layout_set(1);
    else
        return mock_send_misuse(c, req);
    return mock_send_json(c, req, mock_ok_object());
}

enum MHD_Result mock_dispatch(struct MHD_Connection *c,
                              const struct mock_request *req)
{
    const char *url = req->url;
    int get = strcmp(req->method, MHD_HTTP_METHOD_GET) == 0;
    int post = strcmp(req->method, MHD_HTTP_METHOD_POST) == 0;
    enum MHD_Result ret = MHD_NO;
    int nested = 0;

    /* A module opening its connection before it has a code: counted apart
     * and past every fault, so that token and profile counts, and counted
     * faults, stay those of the real requests. The token endpoint refuses
     * the method, as haobtc's would. */
    if (strcmp(req->method, MHD_HTTP_METHOD_HEAD) == 0) {
        mock_count(MOCK_COUNT_HEAD);
        return mock_send_error(c, req, 40014);
    }
    if (strcmp(url, "/auth/settings/oauth/get_token/") == 0 ||
        strcmp(url, "/auth/oauth/get_token/") == 0) {
        mock_count(MOCK_COUNT_TOKEN);
        mock_seen_set(MOCK_SEEN_TOKEN, req->connection);
        if (mock_apply_fault(c, req, MOCK_TARGET_TOKEN, &nested, &ret))
            return ret;
        return token(c, req, post);
    }
    if (strcmp(url, "/api/v1/user/profile") == 0) {
        mock_count(MOCK_COUNT_PROFILE);
        mock_seen_set(MOCK_SEEN_PROFILE, req->connection);
        if (mock_apply_fault(c, req, MOCK_TARGET_PROFILE, &nested, &ret))
            return ret;
        return profile(c, req, get, nested || mock_layout_nested());
    }
    if (strcmp(url, AUTHORIZE_PATH) == 0 && (get || post))
        return get ? authorize_page(c, req) : authorize_post(c, req);
    if (strcmp(url, "/mock/stats") == 0 && get)
        return stats(c, req);
    if (strcmp(url, "/mock/reset-stats") == 0 && post) {
        mock_counts_reset();
        return mock_send_json(c, req, mock_ok_object());
    }
    if (strcmp(url, "/mock/approve") == 0 && post)
        return mock_approve(c, req);
    if (strcmp(url, "/mock/fault") == 0 && post)
        return set_fault(c, req);
    if (strcmp(url, "/mock/layout") == 0 && post)
        return set_layout(c, req);
    if (strcmp(url, "/mock/idle") == 0 && post)
        return set_idle(c, req);
    if (strcmp(url, AUTHORIZE_PATH) == 0 || strncmp(url, "/mock/", 6) == 0)
        return mock_send_error(c, req, 40014);
    return mock_send_text(
        c, req, MHD_HTTP_NOT_FOUND,
        "{\"ok\":false,\"code\":404,\"message\":\"not found\"}");
}

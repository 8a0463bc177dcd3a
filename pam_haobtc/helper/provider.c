/* SPDX-License-Identifier: BSD-2-Clause */
/* The haobtc OAuth protocol as the official clients speak it: the
 * authorize URL, the token exchange and the profile fetch. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codes.h"
#include "json.h"
#include "provider.h"
#include "secure.h"

#define TOKEN_MAX 4096
#define FIELD_MAX 1024

/* Joins parts into one malloc'd string; NULL entries end the list. */
static char *join(const char *const *parts)
{
    size_t n = 1;
    for (size_t i = 0; parts[i] != NULL; i++)
        n += strlen(parts[i]);
    char *out = malloc(n);
    if (out == NULL)
        return NULL;
    char *p = out;
    for (size_t i = 0; parts[i] != NULL; i++) {
        size_t len = strlen(parts[i]);
        memcpy(p, parts[i], len);
        p += len;
    }
    *p = '\0';
    return out;
}

char *hb_authorize_url(struct hb_http *http, const char *state,
                       const char *code_challenge)
{
    const struct hb_config *cfg = http->cfg;
    char *id = hb_http_escape(http, cfg->client_id);
    char *st = hb_http_escape(http, state);
    char *ch =
        code_challenge != NULL ? hb_http_escape(http, code_challenge) : NULL;
    char *redirect = cfg->redirect_uri != NULL
                         ? hb_http_escape(http, cfg->redirect_uri)
                         : NULL;
    char *url = NULL;
    if (id != NULL && st != NULL && (code_challenge == NULL || ch != NULL) &&
        (cfg->redirect_uri == NULL || redirect != NULL)) {
        const char *sep = strchr(cfg->authorize_url, '?') ? "&" : "?";
        /* S256 only: "plain" would put the secret itself in the link. */
        const char *parts[] = {cfg->authorize_url,
                               sep,
                               "response_type=code&client_id=",
                               id,
                               "&state=",
                               st,
                               ch != NULL ? "&code_challenge=" : "",
                               ch != NULL ? ch : "",
                               ch != NULL ? "&code_challenge_method=S256" : "",
                               redirect != NULL ? "&redirect_uri=" : NULL,
                               redirect,
                               NULL};
        url = join(parts);
    }
    free(id);
    free(st);
    free(ch);
    free(redirect);
    return url;
}

/* Reads the verdict every haobtc answer carries: "ok": true, or "code": 0
 * where ok is absent. A refusal with a table code is the provider saying
 * no; anything else is a provider we cannot understand. */
static enum hb_status read_verdict(json_object *obj, long http_status,
                                   const char *what, struct hb_error *err)
{
    long code = 0;
    bool has_code = hb_json_int(obj, "code", &code);
    json_object *ok = NULL;
    if (json_object_object_get_ex(obj, "ok", &ok)) {
        if (!json_object_is_type(ok, json_type_boolean))
            return hb_fail(err, HB_ERR_PROTOCOL,
                           "%s answer has a non-boolean \"ok\"", what);
        if (json_object_get_boolean(ok))
            return HB_OK;
    } else if (has_code && code == 0) {
        return HB_OK;
    } else if (!has_code) {
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "%s answer (HTTP %ld) has neither \"ok\" nor \"code\"",
                       what, http_status);
    }
    if (!has_code)
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "%s failed (HTTP %ld) without a haobtc code", what,
                       http_status);
    char text[HB_ERRMSG_MAX / 2];
    hb_code_describe(code, text, sizeof(text));
    if (hb_code_lookup(code) == NULL || code == 0) {
        return hb_fail(err, HB_ERR_PROTOCOL, "%s failed (HTTP %ld): %s", what,
                       http_status, text);
    }
    if (err != NULL)
        err->haobtc_code = code;
    return hb_fail(err, HB_ERR_DENIED, "%s refused by haobtc: %s", what, text);
}

/* An answer that is no haobtc answer: unreachable when haobtc (or a proxy
 * before it) said it cannot serve, busy on 429 or 503, and otherwise a
 * provider we do not understand. */
static enum hb_status not_an_answer(long http_status, const char *what,
                                    struct hb_error *err)
{
    enum hb_status status = HB_ERR_PROTOCOL;
    if (http_status == 429 || http_status == 503)
        status = HB_ERR_BUSY;
    else if (http_status >= 500 && http_status <= 599)
        status = HB_ERR_UNAVAIL;
    char detail[HB_ERRMSG_MAX];
    memcpy(detail, err->msg, sizeof(detail));
    return hb_fail(err, status, "%s answer (HTTP %ld): %s", what, http_status,
                   detail);
}

static enum hb_status parse_answer(const char *body, size_t len,
                                   long http_status, const char *what,
                                   json_object **out, struct hb_error *err)
{
    enum hb_status status = hb_json_parse_object(body, len, out, err);
    if (status == HB_ERR_PROTOCOL)
        return not_an_answer(http_status, what, err);
    if (status != HB_OK)
        return status;
    status = read_verdict(*out, http_status, what, err);
    if (status == HB_ERR_PROTOCOL)
        status = not_an_answer(http_status, what, err);
    if (status != HB_OK) {
        hb_json_put_wiped(*out);
        *out = NULL;
    }
    return status;
}

static enum hb_status token_from(json_object *obj, char **access_token,
                                 struct hb_error *err)
{
    json_object *member = NULL;
    if (!json_object_object_get_ex(obj, "access_token", &member))
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "token answer has no access_token");
    if (!json_object_is_type(member, json_type_string))
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "token answer's access_token is not a string");
    const char *token = hb_json_string(obj, "access_token");
    if (token == NULL)
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "token answer's access_token contains a NUL");
    size_t n = strlen(token);
    if (n == 0)
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "token answer's access_token is empty");
    if (n > TOKEN_MAX)
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "token answer's access_token is longer than %d",
                       TOKEN_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)token[i];
        if (c <= 0x20 || c >= 0x7f)
            return hb_fail(err, HB_ERR_PROTOCOL,
                           "token answer's access_token has a character "
                           "outside printable ASCII");
    }
    *access_token = strdup(token);
    if (*access_token == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    return HB_OK;
}

enum hb_status hb_parse_token_body(const char *body, size_t len,
                                   char **access_token, struct hb_error *err)
{
    *access_token = NULL;
    json_object *obj = NULL;
    enum hb_status status =
        parse_answer(body, len, 200, "token request", &obj, err);
    if (status == HB_OK)
        status = token_from(obj, access_token, err);
    /* json-c keeps its own copy of the token; it is wiped with the object. */
    hb_json_put_wiped(obj);
    return status;
}

enum hb_status hb_get_token(struct hb_http *http, const char *code,
                            const char *code_verifier, char **access_token,
                            struct hb_error *err)
{
    const struct hb_config *cfg = http->cfg;
    *access_token = NULL;
    char *e_code = hb_http_escape(http, code);
    char *e_verifier =
        code_verifier != NULL ? hb_http_escape(http, code_verifier) : NULL;
    char *e_id = hb_http_escape(http, cfg->client_id);
    char *e_secret = hb_http_escape(http, cfg->client_secret);
    char *e_redirect = cfg->redirect_uri != NULL
                           ? hb_http_escape(http, cfg->redirect_uri)
                           : NULL;
    char *form = NULL;
    enum hb_status status = HB_ERR_NOMEM;
    if (e_code != NULL && e_id != NULL && e_secret != NULL &&
        (code_verifier == NULL || e_verifier != NULL) &&
        (cfg->redirect_uri == NULL || e_redirect != NULL)) {
        const char *parts[] = {"grant_type=authorization_code&code=",
                               e_code,
                               e_verifier != NULL ? "&code_verifier=" : "",
                               e_verifier != NULL ? e_verifier : "",
                               "&client_id=",
                               e_id,
                               "&client_secret=",
                               e_secret,
                               e_redirect != NULL ? "&redirect_uri=" : NULL,
                               e_redirect,
                               NULL};
        form = join(parts);
    }
    if (form == NULL) {
        hb_fail(err, HB_ERR_NOMEM, "out of memory");
        goto out;
    }
    struct hb_response resp;
    /* Never sent twice, by us or by libcurl: a code is redeemed once, and
     * a second try could only be refused (40009). */
    status = hb_http_post_form_once(http, cfg->token_url, form, &resp, err);
    if (status == HB_OK) {
        json_object *obj = NULL;
        status = parse_answer(resp.body, resp.len, resp.status, "token request",
                              &obj, err);
        if (status == HB_OK)
            status = token_from(obj, access_token, err);
        hb_json_put_wiped(obj);
        hb_response_free(&resp);
    }
out:
    hb_free_secret(&form);
    hb_free_secret(&e_code);
    hb_free_secret(&e_verifier);
    hb_free_secret(&e_secret);
    free(e_id);
    free(e_redirect);
    return status;
}

static enum hb_status copy_field(json_object *from, const char *key,
                                 char **slot, struct hb_error *err)
{
    if (hb_json_absent(from, key))
        return HB_OK;
    const char *value = hb_json_string(from, key);
    if (value == NULL)
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "profile's %s is not a string without NUL bytes", key);
    if (strlen(value) > FIELD_MAX)
        return hb_fail(err, HB_ERR_PROTOCOL, "profile's %s is too long", key);
    free(*slot);
    *slot = strdup(value);
    if (*slot == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    return HB_OK;
}

static enum hb_status profile_from(json_object *obj, struct hb_profile *profile,
                                   struct hb_error *err)
{
    json_object *info = NULL;
    if (!json_object_object_get_ex(obj, "user_info", &info) ||
        !json_object_is_type(info, json_type_object))
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "profile answer has no user_info object");
    json_object *raw = NULL;
    if (json_object_object_get_ex(info, "raw_info", &raw) &&
        !json_object_is_type(raw, json_type_object))
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "profile's raw_info is not an object");

    if (hb_json_absent(info, "uuid"))
        return hb_fail(err, HB_ERR_PROTOCOL, "profile has no uuid");
    /* Older servers put username and address under raw_info and spell
     * provider "privider"; the flat layout wins where both exist. */
    enum hb_status status = copy_field(info, "uuid", &profile->uuid, err);
    if (status == HB_OK && raw != NULL)
        status = copy_field(raw, "username", &profile->username, err);
    if (status == HB_OK && raw != NULL)
        status = copy_field(raw, "address", &profile->address, err);
    if (status == HB_OK)
        status = copy_field(info, "username", &profile->username, err);
    if (status == HB_OK)
        status = copy_field(info, "address", &profile->address, err);
    if (status == HB_OK)
        status = copy_field(info, "privider", &profile->provider, err);
    if (status == HB_OK)
        status = copy_field(info, "provider", &profile->provider, err);
    return status;
}

enum hb_status hb_parse_profile_body(const char *body, size_t len,
                                     struct hb_profile *profile,
                                     struct hb_error *err)
{
    memset(profile, 0, sizeof(*profile));
    json_object *obj = NULL;
    enum hb_status status =
        parse_answer(body, len, 200, "profile request", &obj, err);
    if (status == HB_OK)
        status = profile_from(obj, profile, err);
    hb_json_put_wiped(obj);
    if (status != HB_OK)
        hb_profile_free(profile);
    return status;
}

static enum hb_status fetch_profile(struct hb_http *http, const char *url,
                                    struct hb_profile *profile,
                                    long *http_status, struct hb_error *err)
{
    struct hb_response resp;
    *http_status = 0;
    enum hb_status status = hb_http_get(http, url, &resp, err);
    if (status != HB_OK)
        return status;
    *http_status = resp.status;
    json_object *obj = NULL;
    status = parse_answer(resp.body, resp.len, resp.status, "profile request",
                          &obj, err);
    if (status == HB_OK)
        status = profile_from(obj, profile, err);
    hb_json_put_wiped(obj);
    hb_response_free(&resp);
    if (status != HB_OK)
        hb_profile_free(profile);
    return status;
}

enum hb_status hb_get_profile(struct hb_http *http, const char *access_token,
                              struct hb_profile *profile, struct hb_error *err)
{
    memset(profile, 0, sizeof(*profile));
    char *e_token = hb_http_escape(http, access_token);
    if (e_token == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    const char *url_base = http->cfg->resource_url;
    const char *parts[] = {url_base, strchr(url_base, '?') ? "&" : "?",
                           "access_token=", e_token, NULL};
    char *url = join(parts);
    hb_free_secret(&e_token);
    if (url == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");

    long http_status = 0;
    enum hb_status status =
        fetch_profile(http, url, profile, &http_status, err);
    /* A 5xx that is no haobtc answer (a proxy's 502, a worker's 500, a
     * 503) is often gone on the next request, and a GET changes nothing
     * at haobtc: asked once more. A refusal in a haobtc answer stays one.
     * A second try the deadline stops found nothing new: the first answer
     * stands (the module judges it by the deadline, as any). */
    if ((status == HB_ERR_UNAVAIL || status == HB_ERR_BUSY) &&
        http_status >= 500 && http_status <= 599) {
        struct hb_error first = *err;
        status = fetch_profile(http, url, profile, &http_status, err);
        if (status == HB_ERR_EXPIRED) {
            *err = first;
            status = first.status;
        }
    }
    hb_free_secret(&url);
    return status;
}

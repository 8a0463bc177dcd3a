/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's pages for the phone: the short link's context page, its
 * Continue, and the provider's callback that stores the code. */
#include "autoconf.h"

#include "digest.h"
#include "relay.h"

#include "lang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#define UNKNOWN_LOGIN                                                          \
    N_("This is an unknown or expired login. Start again at your terminal.")
#define LINK_EXPIRED N_("Link expired")
#define LINK_EXPIRED_TEXT N_("This login link has expired or is unknown.")
#define LOGIN_FAILED N_("Login failed")

/* The same for a phone: a page that says to reload. */
static enum MHD_Result unavailable_page(struct MHD_Connection *c)
{
    return relay_send_message(
        c, MHD_HTTP_SERVICE_UNAVAILABLE, relay_texts(c),
        N_("Try again in a moment"),
        N_("The login service is briefly unavailable. Reload this page in a "
           "few seconds."),
        NULL);
}

/* A phone's request that served no live login (an unknown or expired
 * link, a form or cookie that is not the session's, a callback for no
 * login), or a live login's past RELAY_FREE_VIEWS: it spends its
 * address's budget, and once that is spent it is answered 429 instead
 * (*ret). A live login's own requests never get here. */
static bool over_budget(const struct relay *r, struct MHD_Connection *c,
                        enum MHD_Result *ret)
{
    long retry = 1;

    if (r->phone_spend == NULL || r->phone_spend(r, c, &retry))
        return false;
    *ret = relay_not_admitted(r, c, "page", RELAY_LIMITED, retry);
    return true;
}

static void put_public(struct hb_buf *p, const struct relay *r,
                       const char *path)
{
    char *base = strndup(r->public_url, r->public_len);

    if (base == NULL) {
        p->failed = true;
        return;
    }
    hb_buf_add_html(p, base);
    hb_buf_add(p, path);
    free(base);
}

/* fmt's each %s becomes the next value, escaped, in bold: a
 * translation may put the values where its grammar wants them. */
static void put_bold_values(struct hb_buf *p, const char *fmt, const char *a,
                            const char *b)
{
    const char *values[] = {a, b};
    size_t used = 0;

    for (const char *at = fmt; *at != '\0';) {
        const char *next = strstr(at, "%s");
        char *part;

        if (next == NULL || used == 2) {
            hb_buf_add_html(p, at);
            break;
        }
        part = strndup(at, (size_t)(next - at));
        if (part == NULL) {
            p->failed = true;
            return;
        }
        hb_buf_add_html(p, part);
        free(part);
        hb_buf_add(p, "<b>");
        hb_buf_add_html(p, values[used++]);
        hb_buf_add(p, "</b>");
        at = next + 2;
    }
}

/* The PAM service and, under sudo, the command: what the person is asked
 * to approve beyond the account (absent from a module before them). */
static void put_what(struct hb_buf *p, const struct hb_texts *t,
                     const struct relay_view *v)
{
    if (v->service[0] != '\0') {
        hb_buf_add(p, "<p id=\"service\">");
        /* TRANSLATORS: %s is the PAM service asking, e.g. sshd or sudo. */
        put_bold_values(p, hb_tr(t, "through %s"), v->service, NULL);
        hb_buf_add(p, "</p>");
    }
    if (v->command[0] != '\0') {
        hb_buf_add(p, "<p>");
        /* TRANSLATORS: the context page, before the command sudo runs. */
        hb_buf_add_html(p, hb_tr(t, "to run this command:"));
        hb_buf_add(p, "</p><pre id=\"command\">");
        hb_buf_add_html(p, v->command);
        hb_buf_add(p, "</pre>");
    }
}

/* The three numbers the page offers: the session's and two others, in an
 * order, all derived from the session's anti-CSRF value, so a reload shows
 * the same three (a person who reloads learns nothing by comparing). */
static void choices_of(const struct relay_view *v, int out[3])
{
    const int span = HB_RELAY_NUMBER_MAX - HB_RELAY_NUMBER_MIN + 1;
    unsigned char mac[32] = {0};
    size_t at = 1;

    /* Without a MAC the choices are fixed, still three distinct ones. */
    (void)hb_hmac_sha256(v->csrf, RELAY_TOKEN_LEN, "choices", 7, mac);
    for (int k = 0; k < 3; k++)
        out[k] = 0;
    out[mac[0] % 3] = v->number;
    for (int k = 0; k < 3; k++) {
        int pick = 0;

        while (out[k] == 0) {
            pick = at < sizeof(mac) ? HB_RELAY_NUMBER_MIN + mac[at++] % span
                                    : pick + 1;
            if (pick > HB_RELAY_NUMBER_MAX)
                pick = HB_RELAY_NUMBER_MIN;
            if (pick != out[0] && pick != out[1] && pick != out[2])
                out[k] = pick;
        }
    }
    hb_wipe(mac, sizeof(mac));
}

/* The Continue form's buttons: with number matching, one per choice, each
 * a Continue with its pick; else the one Continue. */
static void put_buttons(struct hb_buf *p, const struct hb_texts *t,
                        const struct relay_view *v)
{
    int choices[3];
    char button[160];

    if (v->number == 0) {
        hb_buf_add(p, "<button id=\"continue\" class=\"button\" "
                      "type=\"submit\">");
        hb_buf_add_html(p, hb_tr(t, "Continue to haobtc"));
        hb_buf_add(p, "</button>");
        return;
    }
    hb_buf_add(p, "<p id=\"pick\">");
    /* TRANSLATORS: above three buttons with numbers; the terminal shows
     * the right one. */
    hb_buf_add_html(p, hb_tr(t, "Pick the number your terminal shows:"));
    hb_buf_add(p, "</p><div class=\"picks\">");
    choices_of(v, choices);
    for (int k = 0; k < 3; k++) {
        snprintf(button, sizeof(button),
                 "<button class=\"button pick\" type=\"submit\" "
                 "name=\"number\" value=\"%d\">%d</button>",
                 choices[k], choices[k]);
        hb_buf_add(p, button);
    }
    hb_buf_add(p, "</div>");
}

/* The page's own language switch: the context page can be fetched again. */
static void put_switch(struct hb_buf *p, const struct hb_texts *t)
{
    hb_buf_add(p, t != NULL
                      ? "<p class=\"lang\"><a href=\"?lang=en\" "
                        "lang=\"en\">English</a></p>"
                      : "<p class=\"lang\"><a href=\"?lang=zh-CN\" "
                        "lang=\"zh-CN\">\xe4\xb8\xad\xe6\x96\x87</a></p>");
}

enum MHD_Result relay_do_page(const struct relay *r, struct MHD_Connection *c,
                              const char *id)
{
    struct relay_view v;
    enum relay_result rc = relay_store_view(r->store, id, &v);
    const struct hb_texts *t = relay_texts(c);
    struct hb_buf p = {0};
    char left[64];
    enum MHD_Result ret;

    if (rc == RELAY_UNKNOWN)
        return over_budget(r, c, &ret)
                   ? ret
                   : relay_send_message(c, MHD_HTTP_NOT_FOUND, t, LINK_EXPIRED,
                                        LINK_EXPIRED_TEXT, NULL);
    if (rc == RELAY_UNAVAILABLE)
        return unavailable_page(c);
    if (rc != RELAY_OK)
        return relay_fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    if (v.views > RELAY_FREE_VIEWS && over_budget(r, c, &ret)) {
        relay_view_clear(&v);
        return ret;
    }
    relay_page_start(&p, t, N_("Approve login"));
    put_switch(&p, t);
    hb_buf_add(&p, "<h1>");
    hb_buf_add_html(&p, hb_tr(t, "Approve login"));
    hb_buf_add(&p, "</h1><p>");
    /* TRANSLATORS: the context page; the first %s is the local account,
     * the second the host (both shown in bold). */
    put_bold_values(&p, hb_tr(t, "Log in as %s on %s"), v.user, v.host);
    hb_buf_add(&p, "</p>");
    if (v.rhost[0] != '\0') {
        hb_buf_add(&p, "<p>");
        /* TRANSLATORS: %s is the address the login comes from. */
        put_bold_values(&p, hb_tr(t, "from %s"), v.rhost, NULL);
        hb_buf_add(&p, "</p>");
    }
    put_what(&p, t, &v);
    /* Rendered once: without JavaScript the page cannot count down. */
    if (v.seconds_left >= 60)
        /* TRANSLATORS: minutes and seconds left, e.g. "4 min 30 s". */
        snprintf(left, sizeof(left), hb_tr(t, "%ld min %ld s"),
                 v.seconds_left / 60, v.seconds_left % 60);
    else
        /* TRANSLATORS: seconds left, e.g. "45 s". */
        snprintf(left, sizeof(left), hb_tr(t, "%ld s"), v.seconds_left);
    hb_buf_add(&p, "<p class=\"muted\">");
    /* TRANSLATORS: %s is the time left, e.g. "4 min 30 s". */
    put_bold_values(&p, hb_tr(t, "This link expires in %s."), left, NULL);
    /* A form, not a link: the POST sets the cookie /cb asks for, so a
     * browser must have shown this page before its approval counts. */
    hb_buf_add(&p, "</p><p class=\"warn\">");
    hb_buf_add_html(
        &p, hb_tr(t, "Only continue if you started this login yourself."));
    hb_buf_add(&p, "</p><form method=\"post\" action=\"");
    put_public(&p, r, "/s/");
    hb_buf_add_html(&p, id);
    hb_buf_add(&p, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
    hb_buf_add(&p, v.csrf);
    hb_buf_add(&p, "\">");
    put_buttons(&p, t, &v);
    hb_buf_add(&p, "</form>");
    relay_view_clear(&v);
    return relay_send_page_lang(c, MHD_HTTP_OK, &p, t,
                                strncmp(r->origin, "https:", 6) == 0);
}

/* MHD has decoded the value; len also counts any decoded NUL. */
static const char *query_arg(struct MHD_Connection *c, const char *key,
                             size_t *len)
{
    const char *v = NULL;

    *len = 0;
    if (MHD_lookup_connection_value_n(c, MHD_GET_ARGUMENT_KIND, key,
                                      strlen(key), &v, len) != MHD_YES)
        return NULL;
    return v;
}

static bool code_ok(const char *s, size_t len)
{
    if (s == NULL || len == 0 || len > RELAY_CODE_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\0' ||
            (strchr(".~", s[i]) == NULL && !hb_is_b64url(s + i, 1)))
            return false;
    }
    return true;
}

/* A browser's POST from another site is refused: the form must come from
 * the context page itself (the anti-CSRF value is the session's, so a
 * page elsewhere could copy it; the browser's own headers say where the
 * form was). Clients that send neither header (curl) pass on the value. */
static bool same_origin(const struct relay *r, struct MHD_Connection *c)
{
    const char *site =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
    const char *origin =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");

    if (site != NULL && strcmp(site, "same-origin") != 0)
        return false;
    /* Under Referrer-Policy: no-referrer a browser sends "Origin: null"
     * even for its own form; only Sec-Fetch-Site can vouch for it then (a
     * sandboxed frame elsewhere says null too). */
    if (origin != NULL && strcmp(origin, "null") == 0)
        return site != NULL;
    return origin == NULL || strcmp(origin, r->origin) == 0;
}

/* The session's own cookie, for a denial the context page's form vouches
 * for (its anti-CSRF value was checked). */
static const char *view_cookie(void *cls, const char *id)
{
    (void)id;
    return ((const struct relay_view *)cls)->cookie;
}

/* A pick's number, or 0 when the field is not one of the numbers. */
static int pick_of(const struct relay_field *f)
{
    if (f->value == NULL || f->len != 2 || f->value[0] < '1' ||
        f->value[0] > '9' || f->value[1] < '0' || f->value[1] > '9')
        return 0;
    return (f->value[0] - '0') * 10 + (f->value[1] - '0');
}

/* A wrong pick ends the login: stored as a denial no code can follow,
 * which the waiting poll answers "number mismatch". */
static enum MHD_Result mismatch(const struct relay *r, struct MHD_Connection *c,
                                struct relay_view *v)
{
    enum relay_result rc =
        relay_store_mismatch(r->store, v->state, view_cookie, v);

    if (rc == RELAY_OK)
        relay_log(r, RELAY_WARNING, "login refused: number mismatch: %s on %s",
                  v->user, v->host);
    relay_view_clear(v);
    if (rc == RELAY_UNAVAILABLE)
        return unavailable_page(c);
    if (rc != RELAY_OK && rc != RELAY_ANSWERED && rc != RELAY_UNKNOWN)
        return relay_fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    return relay_send_message(
        c, MHD_HTTP_FORBIDDEN, relay_texts(c), N_("Number did not match"),
        N_("The number you picked is not the one your terminal shows, so "
           "this login was refused. If you started it, start again at "
           "your terminal."),
        NULL);
}

enum MHD_Result relay_do_continue(const struct relay *r,
                                  struct MHD_Connection *c, const char *id,
                                  char *body, size_t len)
{
    struct relay_field f[] = {{"csrf", NULL, 0}, {"number", NULL, 0}};
    struct relay_view v;
    enum relay_result rc = relay_store_view(r->store, id, &v);
    char *location = NULL, *cookie = NULL;
    enum MHD_Result ret;

    if (rc == RELAY_UNKNOWN)
        return over_budget(r, c, &ret)
                   ? ret
                   : relay_send_message(c, MHD_HTTP_NOT_FOUND, relay_texts(c),
                                        LINK_EXPIRED, LINK_EXPIRED_TEXT, NULL);
    if (rc == RELAY_UNAVAILABLE)
        return unavailable_page(c);
    if (rc != RELAY_OK)
        return relay_fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    if (!relay_form_parse(body, len, f, 2) || f[0].len != RELAY_TOKEN_LEN ||
        !hb_ct_equal(f[0].value, v.csrf, RELAY_TOKEN_LEN) ||
        !same_origin(r, c)) {
        relay_view_clear(&v);
        if (over_budget(r, c, &ret))
            return ret;
        return relay_send_message(
            c, MHD_HTTP_FORBIDDEN, relay_texts(c), N_("Open the link again"),
            N_("This form did not come from the login page. Open the link "
               "shown at your terminal and press Continue there."),
            NULL);
    }
    if (v.views > RELAY_FREE_VIEWS && over_budget(r, c, &ret)) {
        relay_view_clear(&v);
        return ret;
    }
    if (v.number != 0 && pick_of(&f[1]) == 0) {
        relay_view_clear(&v);
        return relay_send_message(
            c, MHD_HTTP_BAD_REQUEST, relay_texts(c), N_("Pick a number"),
            N_("Open the link again and pick the number your terminal "
               "shows."),
            NULL);
    }
    if (v.number != 0 && pick_of(&f[1]) != v.number)
        return mismatch(r, c, &v);
    /* Lives no longer than the session; only /cb ever sees it. */
    if (asprintf(&location, "%s%s%s%s%s", r->continue_prefix, v.state,
                 v.code_challenge[0] != '\0' ? "&code_challenge=" : "",
                 v.code_challenge,
                 v.code_challenge[0] != '\0' ? "&code_challenge_method=S256"
                                             : "") < 0)
        location = NULL;
    if (asprintf(&cookie,
                 "hb_%s=%s; Max-Age=%ld; Path=/cb; Secure; HttpOnly; "
                 "SameSite=Lax",
                 id, v.cookie, v.seconds_left) < 0)
        cookie = NULL;
    relay_view_clear(&v);
    ret = location != NULL && cookie != NULL
              ? relay_send_redirect(c, location, cookie)
              : relay_fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    free(location);
    if (cookie != NULL)
        hb_wipe(cookie, strlen(cookie));
    free(cookie);
    return ret;
}

static const char *cookie_of(void *cls, const char *id)
{
    char name[4 + RELAY_ID_LEN];

    snprintf(name, sizeof(name), "hb_%s", id);
    return MHD_lookup_connection_value(cls, MHD_COOKIE_KIND, name);
}

/* code:TAG, TAG = the first RELAY_TAG_LEN characters of
 * base64url(HMAC-SHA256(key = the session's tag key, message = code)):
 * only the login that registered the tag key can check it. */
static char *tagged(const char *code, const char *tag_key)
{
    char tag[HB_DIGEST_B64_LEN + 1];
    char *out = NULL;

    if (!hb_hmac_b64url(tag_key, strlen(tag_key), code, strlen(code), tag))
        return NULL;
    tag[RELAY_TAG_LEN] = '\0';
    if (asprintf(&out, "%s:%s", code, tag) < 0)
        out = NULL;
    return out;
}

enum MHD_Result relay_do_callback(const struct relay *r,
                                  struct MHD_Connection *c)
{
    size_t slen, clen, elen;
    const char *state = query_arg(c, "state", &slen);
    const char *code = query_arg(c, "code", &clen);
    const char *error = query_arg(c, "error", &elen);
    struct relay_view ctx = {0};
    const struct hb_texts *t = relay_texts(c);
    enum relay_result rc;
    enum MHD_Result ret;

    if (state == NULL || slen != RELAY_STATE_LEN || !hb_is_b64url(state, slen))
        return over_budget(r, c, &ret)
                   ? ret
                   : relay_send_message(c, MHD_HTTP_BAD_REQUEST, t,
                                        LOGIN_FAILED, UNKNOWN_LOGIN, NULL);
    /* Any provider error ends the login; access_denied is the usual one. */
    if (error == NULL && !code_ok(code, clen))
        return over_budget(r, c, &ret)
                   ? ret
                   : relay_send_message(
                         c, MHD_HTTP_BAD_REQUEST, t, LOGIN_FAILED,
                         clen == 0
                             ? N_("The login provider sent no code.")
                             : N_("The login provider sent a malformed code."),
                         NULL);
    rc = relay_store_answer(r->store, state, error == NULL ? code : NULL,
                            cookie_of, c, &ctx);
    if (rc == RELAY_OK && ctx.user != NULL)
        relay_log(r, RELAY_INFO, "login %s: %s on %s",
                  error == NULL ? "approved" : "denied", ctx.user, ctx.host);
    if (rc == RELAY_OK && error == NULL) {
        char *shown = tagged(code, ctx.tag_key);

        relay_view_clear(&ctx);
        if (shown == NULL)
            return relay_fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
        ret = relay_send_message(
            c, MHD_HTTP_OK, t, N_("Login approved"),
            N_("Login approved \u2014 return to your terminal."), shown);
        hb_wipe(shown, strlen(shown));
        free(shown);
        return ret;
    }
    relay_view_clear(&ctx);
    /* No cookie, no login, or one answered already: nothing was stored. */
    if ((rc == RELAY_NO_COOKIE || rc == RELAY_UNKNOWN ||
         rc == RELAY_ANSWERED) &&
        over_budget(r, c, &ret))
        return ret;
    switch (rc) {
    case RELAY_OK:
        return relay_send_message(c, MHD_HTTP_OK, t, N_("Login denied"),
                                  N_("Login denied. You can close this page."),
                                  NULL);
    case RELAY_NO_COOKIE:
        relay_log(r, RELAY_WARNING,
                  "callback refused: the browser did not come through "
                  "the context page");
        return relay_send_message(
            c, MHD_HTTP_FORBIDDEN, t, N_("Login not accepted"),
            N_("This browser did not come through the login page that says "
               "which account on which host you are approving, so nothing "
               "was accepted. Open the link shown at your terminal, check "
               "what it says, and press Continue there."),
            NULL);
    case RELAY_UNKNOWN:
        return relay_send_message(c, MHD_HTTP_BAD_REQUEST, t, LOGIN_FAILED,
                                  UNKNOWN_LOGIN, NULL);
    case RELAY_ANSWERED:
        return relay_send_message(
            c, MHD_HTTP_CONFLICT, t, N_("Already answered"),
            N_("This login was already answered. You can close this page."),
            NULL);
    case RELAY_UNAVAILABLE:
        return unavailable_page(c);
    default:
        return relay_fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    }
}

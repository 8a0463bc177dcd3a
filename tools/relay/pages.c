/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's endpoints: registering a login, the short link's context
 * page, the provider's callback, the poll for the code, health, and the
 * signed no-op that checks a module's fleet key. */
#include "autoconf.h"

#include "digest.h"
#include "relay.h"

#include "lang.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#define DEFAULT_POLL_WAIT 25
#define WAIT_ASKED_MAX 3600
#define UNKNOWN_LOGIN                                                          \
    N_("This is an unknown or expired login. Start again at your terminal.")
#define LINK_EXPIRED N_("Link expired")
#define LINK_EXPIRED_TEXT N_("This login link has expired or is unknown.")
#define LOGIN_FAILED N_("Login failed")

static enum MHD_Result fail(struct MHD_Connection *c, unsigned status,
                            const char *reason)
{
    return relay_send_error(c, status, reason, NULL, NULL);
}

/* The shared store is away: the module asks again after Retry-After. */
static enum MHD_Result unavailable(struct MHD_Connection *c)
{
    return relay_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                            "store unavailable", MHD_HTTP_HEADER_RETRY_AFTER,
                            "1");
}

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

/* Printable ASCII only, 1..max bytes: no controls, no decoded NUL, and
 * nothing beyond ASCII, so no bidi override can turn a page around. */
static bool text_ok(const char *s, size_t len, size_t max)
{
    if (s == NULL || len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    }
    return true;
}

/* In place: decoded text is never longer than its encoding. */
static bool form_decode(char *s, size_t n, size_t *out_len)
{
    static const char hex[] = "0123456789abcdef0123456789ABCDEF";
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        const char *hi, *lo;

        if (s[i] != '%') {
            s[o++] = s[i] == '+' ? ' ' : s[i];
            continue;
        }
        hi = i + 2 < n && s[i + 1] != '\0' ? strchr(hex, s[i + 1]) : NULL;
        lo = hi != NULL && s[i + 2] != '\0' ? strchr(hex, s[i + 2]) : NULL;
        if (lo == NULL)
            return false;
        s[o++] = (char)((hi - hex) % 16 * 16 + (lo - hex) % 16);
        i += 2;
    }
    *out_len = o;
    return true;
}

struct field {
    const char *name;
    char *value; /* NUL-terminated in the body; len counts inner NULs */
    size_t len;
};

/* Fills the named fields; unknown names are skipped, repeats refused. */
static bool form_parse(char *body, size_t len, struct field *f, size_t nf)
{
    char *p = body, *end = body + len;

    while (p < end) {
        char *stop = memchr(p, '&', (size_t)(end - p));
        char *eq, *val;
        size_t klen, vlen;

        if (stop == NULL)
            stop = end;
        eq = memchr(p, '=', (size_t)(stop - p));
        val = eq != NULL ? eq + 1 : stop;
        if (!form_decode(p, (size_t)((eq != NULL ? eq : stop) - p), &klen) ||
            !form_decode(val, (size_t)(stop - val), &vlen))
            return false;
        for (size_t i = 0; i < nf; i++) {
            if (strlen(f[i].name) != klen || memcmp(f[i].name, p, klen) != 0)
                continue;
            if (f[i].value != NULL)
                return false;
            val[vlen] = '\0';
            f[i].value = val;
            f[i].len = vlen;
        }
        p = stop + 1;
    }
    return true;
}

enum { F_STATE, F_TAG_KEY, F_HOST, F_USER, F_RHOST, F_CHALLENGE };

static const char *check_session(const struct relay *r, const struct field *f)
{
    if (f[F_STATE].len != RELAY_STATE_LEN ||
        !hb_is_b64url(f[F_STATE].value, f[F_STATE].len))
        return "bad state";
    /* A module before PKCE sends none: accepted until the fleet is
     * upgraded and the relay runs with --require-pkce. */
    if (f[F_CHALLENGE].value == NULL && r->require_pkce)
        return "code_challenge required";
    if (f[F_CHALLENGE].value != NULL &&
        (f[F_CHALLENGE].len != HB_RELAY_CODE_CHALLENGE_LEN ||
         !hb_is_b64url(f[F_CHALLENGE].value, f[F_CHALLENGE].len)))
        return "bad code_challenge";
    if (f[F_TAG_KEY].len != RELAY_TAG_KEY_LEN ||
        !hb_is_b64url(f[F_TAG_KEY].value, f[F_TAG_KEY].len))
        return "bad tag_key";
    if (!text_ok(f[F_HOST].value, f[F_HOST].len, RELAY_HOST_MAX))
        return "bad host";
    if (!text_ok(f[F_USER].value, f[F_USER].len, RELAY_USER_MAX))
        return "bad user";
    if (f[F_RHOST].value != NULL && f[F_RHOST].len != 0 &&
        !text_ok(f[F_RHOST].value, f[F_RHOST].len, RELAY_HOST_MAX))
        return "bad rhost";
    return NULL;
}

enum relay_route relay_route_of(const char *path)
{
    if (strcmp(path, HB_RELAY_PATH_HEALTH) == 0)
        return R_HEALTH;
    if (strcmp(path, HB_RELAY_PATH_SESSIONS) == 0)
        return R_SESSIONS;
    if (strcmp(path, HB_RELAY_PATH_POLL) == 0)
        return R_POLL;
    if (strcmp(path, HB_RELAY_PATH_PING) == 0)
        return R_PING;
    if (strncmp(path, "/s/", 3) == 0)
        return R_PAGE;
    if (strcmp(path, HB_RELAY_PATH_CALLBACK) == 0)
        return R_CB;
    return R_NONE;
}

enum MHD_Result relay_do_register(const struct relay *r,
                                  struct MHD_Connection *c, char *body,
                                  size_t len)
{
    struct field f[] = {{HB_RELAY_FIELD_STATE, NULL, 0},
                        {HB_RELAY_FIELD_TAG_KEY, NULL, 0},
                        {HB_RELAY_FIELD_HOST, NULL, 0},
                        {HB_RELAY_FIELD_USER, NULL, 0},
                        {HB_RELAY_FIELD_RHOST, NULL, 0},
                        {HB_RELAY_FIELD_CODE_CHALLENGE, NULL, 0}};
    const char *why = "bad form";
    char id[RELAY_ID_LEN + 1];
    char link[1024];
    const char *rhost, *challenge;
    struct json_object *o;

    if (form_parse(body, len, f, sizeof(f) / sizeof(f[0])))
        why = check_session(r, f);
    if (why != NULL)
        return fail(c, MHD_HTTP_BAD_REQUEST, why);
    rhost = f[F_RHOST].value != NULL ? f[F_RHOST].value : "";
    challenge = f[F_CHALLENGE].value != NULL ? f[F_CHALLENGE].value : "";
    switch (relay_store_add(r->store, f[F_STATE].value, challenge,
                            f[F_TAG_KEY].value, f[F_HOST].value,
                            f[F_USER].value, rhost, id)) {
    case RELAY_OK:
        break;
    case RELAY_DUPLICATE:
        return fail(c, MHD_HTTP_CONFLICT, "duplicate state");
    case RELAY_FULL:
        return fail(c, MHD_HTTP_SERVICE_UNAVAILABLE, "busy");
    case RELAY_UNAVAILABLE:
        return unavailable(c);
    default:
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    }
    relay_log(r, RELAY_INFO, "login registered: %s on %s%s%s%s",
              f[F_USER].value, f[F_HOST].value,
              rhost[0] != '\0' ? " from " : "", rhost,
              challenge[0] == '\0' ? " (without PKCE: an older module)" : "");
    snprintf(link, sizeof(link), "%.*s/s/%s", (int)r->public_len, r->public_url,
             id);
    o = relay_reply_new(true);
    relay_reply_add(o, "id", json_object_new_string(id));
    relay_reply_add(o, HB_RELAY_ANSWER_LINK, json_object_new_string(link));
    relay_reply_add(o, "expires_in", json_object_new_int64(r->session_ttl));
    return relay_send_json(c, MHD_HTTP_CREATED, o, false, NULL, NULL);
}

/* The answer to a poll that is over; takes code. */
static enum MHD_Result poll_answer(const struct relay *r,
                                   struct MHD_Connection *c,
                                   enum relay_result rc, char *code)
{
    struct json_object *o;

    switch (rc) {
    case RELAY_CODE:
        o = relay_reply_new(true);
        relay_reply_add(o, HB_RELAY_ANSWER_CODE, json_object_new_string(code));
        hb_wipe(code, strlen(code));
        free(code);
        relay_log(r, RELAY_INFO, "code handed out");
        return relay_send_json(c, MHD_HTTP_OK, o, true, NULL, NULL);
    case RELAY_DENIED:
        return fail(c, MHD_HTTP_OK, "access_denied");
    case RELAY_PENDING:
    case RELAY_SUPERSEDED:
        o = relay_reply_new(false);
        relay_reply_add(o, HB_RELAY_ANSWER_PENDING, json_object_new_boolean(1));
        return relay_send_json(c, MHD_HTTP_OK, o, false, NULL, NULL);
    case RELAY_STOPPING:
        return relay_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                                "shutting down", MHD_HTTP_HEADER_RETRY_AFTER,
                                "1");
    case RELAY_UNKNOWN:
        return fail(c, MHD_HTTP_NOT_FOUND, "unknown");
    case RELAY_UNAVAILABLE:
        return unavailable(c);
    default:
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    }
}

/* Suspends c until w is woken; the caller returns what this returns. */
static enum MHD_Result park(const struct relay *r, struct MHD_Connection *c,
                            struct relay_waiter *w)
{
    MHD_suspend_connection(c);
    relay_wait_suspended(r->waits, w);
    return MHD_YES;
}

enum MHD_Result relay_not_admitted(const struct relay *r,
                                   struct MHD_Connection *c, const char *what,
                                   enum relay_result rc, long retry_after)
{
    char after[32];

    switch (rc) {
    case RELAY_LIMITED:
        snprintf(after, sizeof(after), "%ld",
                 retry_after > 0 ? retry_after : 1);
        return relay_send_error(c, MHD_HTTP_TOO_MANY_REQUESTS, "rate limited",
                                MHD_HTTP_HEADER_RETRY_AFTER, after);
    case RELAY_REPLAYED:
        relay_log(r, RELAY_WARNING,
                  "refused an unauthenticated %s: replayed signature", what);
        return relay_send_error(c, MHD_HTTP_UNAUTHORIZED, "replayed signature",
                                MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "HMAC-SHA256");
    case RELAY_FULL:
        /* Refused rather than a signature forgotten (auth.c). */
        relay_log(r, RELAY_WARNING,
                  "refused a %s: too many signatures to remember", what);
        return relay_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
                                MHD_HTTP_HEADER_RETRY_AFTER, "1");
    case RELAY_UNAVAILABLE:
        return unavailable(c);
    default:
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    }
}

/* Whether rc is relay_admit's refusal rather than the poll's answer. */
static bool refused(enum relay_result rc)
{
    return rc == RELAY_LIMITED || rc == RELAY_REPLAYED || rc == RELAY_FULL;
}

enum MHD_Result relay_do_poll(const struct relay *r, struct MHD_Connection *c,
                              const struct relay_signed *s, char *body,
                              size_t len, struct relay_waiter **w)
{
    struct field f[] = {{HB_RELAY_FIELD_SECRET, NULL, 0},
                        {HB_RELAY_FIELD_WAIT, NULL, 0}};
    long wait = r->max_poll_wait < DEFAULT_POLL_WAIT ? r->max_poll_wait
                                                     : DEFAULT_POLL_WAIT;
    char state[RELAY_STATE_LEN + 1];
    char *code = NULL;
    const char *bad = NULL;
    enum relay_result rc;
    long long left_ms = 0;
    long retry = 1;
    uint64_t gen = 0;

    if (!form_parse(body, len, f, 2))
        bad = "bad form";
    else if (f[0].len == 0 || f[0].len > RELAY_SECRET_MAX ||
             !hb_is_b64url(f[0].value, f[0].len))
        bad = "bad secret";
    /* A longer wait than --max-poll-wait is cut to it, not refused: the
     * module asks for up to 50 s whatever this relay was started with. */
    else if (f[1].value != NULL &&
             !hb_parse_long(f[1].value, 0, WAIT_ASKED_MAX, &wait))
        bad = "bad wait";
    if (bad != NULL) {
        /* Admitted all the same: counted, and never accepted twice. */
        rc = relay_admit(r->auth, r->store, s, &retry);
        return rc != RELAY_OK ? relay_not_admitted(r, c, "poll", rc, retry)
                              : fail(c, MHD_HTTP_BAD_REQUEST, bad);
    }
    if (wait > r->max_poll_wait)
        wait = r->max_poll_wait;
    if (!hb_sha256_b64url(f[0].value, f[0].len, state))
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    /* Armed before the first look, so an answer that comes meanwhile
     * either is seen by the look or wakes the waiter: none is missed, and
     * the look is the only one (on a shared store, one round trip). */
    if (wait > 0) {
        *w = relay_wait_add(r->waits, c, state,
                            relay_now_ms() + (long long)wait * 1000);
        if (*w == NULL)
            return poll_answer(r, c, RELAY_STOPPING, NULL);
    }
    rc = relay_admit_poll_start(r->auth, r->store, s, &retry, state, wait, &gen,
                                &code, &left_ms);
    if (rc != RELAY_PENDING || wait == 0) {
        relay_wait_free(r->waits, *w);
        *w = NULL;
        return refused(rc) ? relay_not_admitted(r, c, "poll", rc, retry)
                           : poll_answer(r, c, rc, code);
    }
    /* Never past the session's end: then the answer is "unknown". */
    relay_wait_numbered(r->waits, *w, gen, relay_now_ms() + left_ms);
    return park(r, c, *w);
}

enum MHD_Result relay_poll_resumed(const struct relay *r,
                                   struct MHD_Connection *c,
                                   struct relay_waiter **w)
{
    enum relay_wake why = relay_wait_reason(r->waits, *w);
    enum relay_result rc = RELAY_SUPERSEDED;
    char *code = NULL;

    /* Every other wake looks once more: an answer already there is handed
     * out even at the deadline or while stopping. */
    if (why != RELAY_WAKE_SUPERSEDED)
        rc = relay_store_take(r->store, relay_wait_state(*w),
                              relay_wait_gen(*w), &code);
    if (rc == RELAY_PENDING && why == RELAY_WAKE_CHECK &&
        relay_now_ms() < relay_wait_deadline(*w)) {
        /* Nothing for this poll yet (another login's answer, or a look
         * after the store came back): wait on. */
        if (relay_wait_rearm(r->waits, *w))
            return park(r, c, *w);
        why = RELAY_WAKE_STOPPING;
    }
    if (rc == RELAY_PENDING && why == RELAY_WAKE_STOPPING)
        rc = RELAY_STOPPING;
    relay_wait_free(r->waits, *w);
    *w = NULL;
    return poll_answer(r, c, rc, code);
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
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
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
    hb_buf_add(&p, "\"><button id=\"continue\" class=\"button\" "
                   "type=\"submit\">");
    hb_buf_add_html(&p, hb_tr(t, "Continue to haobtc"));
    hb_buf_add(&p, "</button></form>");
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

enum MHD_Result relay_do_continue(const struct relay *r,
                                  struct MHD_Connection *c, const char *id,
                                  char *body, size_t len)
{
    struct field f[] = {{"csrf", NULL, 0}};
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
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    if (!form_parse(body, len, f, 1) || f[0].len != RELAY_TOKEN_LEN ||
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
              : fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
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
            return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
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
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    }
}

enum MHD_Result relay_do_health(const struct relay *r, struct MHD_Connection *c)
{
    char why[200];
    size_t sessions = 0;
    struct json_object *o;

    /* A load balancer takes a relay whose store is away out of rotation,
     * and an administrator reads why. */
    if (relay_store_health(r->store, &sessions, why, sizeof(why)) != RELAY_OK)
        return relay_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, why, NULL,
                                NULL);
    o = relay_reply_new(true);
    relay_reply_add(o, "sessions", json_object_new_int64((int64_t)sessions));
    relay_reply_add(
        o, "waiting",
        json_object_new_int64((int64_t)relay_waits_count(r->waits)));
    return relay_send_json(c, MHD_HTTP_OK, o, false, NULL, NULL);
}

enum MHD_Result relay_do_ping(const struct relay *r, struct MHD_Connection *c)
{
    struct json_object *o = relay_reply_new(true);

    (void)r;
    relay_reply_add(o, "time", json_object_new_int64((int64_t)time(NULL)));
    return relay_send_json(c, MHD_HTTP_OK, o, false, NULL, NULL);
}

/* haobtc-relay's endpoints: registering a login, the short link's context
 * page, the provider's callback, the poll for the code, and health. */
#include "autoconf.h"

#include "relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#define DEFAULT_POLL_WAIT 25
#define WAIT_ASKED_MAX 3600
#define UNKNOWN_LOGIN                                                          \
    "This is an unknown or expired login. Start again at your terminal."

static enum MHD_Result fail(struct MHD_Connection *c, unsigned status,
                            const char *reason)
{
    return relay_send_error(c, status, reason, NULL, NULL);
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static bool is_b64url(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\0' || strchr(b64url, s[i]) == NULL)
            return false;
    }
    return true;
}

/* base64url(SHA-256(secret)) without padding, as the module computes it. */
static bool state_from_secret(const char *secret, size_t len,
                              char out[RELAY_STATE_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    unsigned acc = 0;
    int bits = 0;
    size_t o = 0;

    if (!EVP_Digest(secret, len, md, &md_len, EVP_sha256(), NULL) ||
        md_len != 32)
        return false;
    for (unsigned i = 0; i < md_len; i++) {
        acc = (acc << 8 | md[i]) & 0xffff;
        for (bits += 8; bits >= 6; bits -= 6)
            out[o++] = b64url[(acc >> (bits - 6)) & 63];
    }
    /* 256 bits leave 4 over: one last character carries them. */
    out[o++] = b64url[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    relay_wipe(md, sizeof(md));
    return true;
}

/* No control characters (a decoded NUL included) and at most max bytes. */
static bool text_ok(const char *s, size_t len, size_t max)
{
    if (s == NULL || len > max)
        return false;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
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

/* Every state= in the query must be ours, and one must be there: the
 * provider hands it back, and the callback is filed under it. */
static bool query_has_state(const char *url, const char *state)
{
    const char *p = strchr(url, '?');
    bool seen = false;

    while (p != NULL && *p != '\0') {
        size_t n = strcspn(++p, "&");
        if (n >= 6 && memcmp(p, "state=", 6) == 0) {
            if (n - 6 != RELAY_STATE_LEN ||
                memcmp(p + 6, state, RELAY_STATE_LEN) != 0)
                return false;
            seen = true;
        }
        p += n;
    }
    return seen;
}

enum { F_URL, F_STATE, F_HOST, F_USER, F_RHOST };

static const char *check_session(const struct relay *r, const struct field *f)
{
    const char *url = f[F_URL].value;

    if (f[F_STATE].len != RELAY_STATE_LEN ||
        !is_b64url(f[F_STATE].value, f[F_STATE].len))
        return "bad state";
    if (f[F_URL].len == 0 || !text_ok(url, f[F_URL].len, RELAY_URL_MAX) ||
        strpbrk(url, "# ") != NULL)
        return "bad authorize_url";
    /* The one place a browser is ever sent: the configured provider. */
    if (strncmp(url, r->authorize_prefix, strlen(r->authorize_prefix)) != 0)
        return "authorize_url outside prefix";
    if (!query_has_state(url, f[F_STATE].value))
        return "authorize_url lacks state";
    if (f[F_HOST].len == 0 ||
        !text_ok(f[F_HOST].value, f[F_HOST].len, RELAY_FIELD_MAX))
        return "bad host";
    if (f[F_USER].len == 0 ||
        !text_ok(f[F_USER].value, f[F_USER].len, RELAY_FIELD_MAX))
        return "bad user";
    if (f[F_RHOST].value != NULL &&
        !text_ok(f[F_RHOST].value, f[F_RHOST].len, RELAY_FIELD_MAX))
        return "bad rhost";
    return NULL;
}

enum MHD_Result relay_do_register(const struct relay *r,
                                  struct MHD_Connection *c, char *body,
                                  size_t len)
{
    struct field f[] = {{"authorize_url", NULL, 0},
                        {"state", NULL, 0},
                        {"host", NULL, 0},
                        {"user", NULL, 0},
                        {"rhost", NULL, 0}};
    const char *why = "bad form";
    char id[RELAY_ID_LEN + 1];
    char link[1024];
    const char *rhost;
    struct json_object *o;

    if (form_parse(body, len, f, 5))
        why = check_session(r, f);
    if (why != NULL)
        return fail(c, MHD_HTTP_BAD_REQUEST, why);
    rhost = f[F_RHOST].value != NULL ? f[F_RHOST].value : "";
    switch (relay_store_add(r->store, f[F_URL].value, f[F_STATE].value,
                            f[F_HOST].value, f[F_USER].value, rhost, id)) {
    case RELAY_OK:
        break;
    case RELAY_DUPLICATE:
        return fail(c, MHD_HTTP_CONFLICT, "duplicate state");
    case RELAY_FULL:
        return fail(c, MHD_HTTP_SERVICE_UNAVAILABLE, "busy");
    default:
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    }
    relay_say(r, "login registered: %s on %s%s%s", f[F_USER].value,
              f[F_HOST].value, rhost[0] != '\0' ? " from " : "", rhost);
    snprintf(link, sizeof(link), "%.*s/s/%s", (int)r->public_len, r->public_url,
             id);
    o = relay_reply_new(true);
    relay_reply_add(o, "id", json_object_new_string(id));
    relay_reply_add(o, "link", json_object_new_string(link));
    relay_reply_add(o, "expires_in", json_object_new_int64(r->session_ttl));
    return relay_send_json(c, MHD_HTTP_CREATED, o, false, NULL, NULL);
}

enum MHD_Result relay_do_poll(const struct relay *r, struct MHD_Connection *c,
                              char *body, size_t len)
{
    struct field f[] = {{"secret", NULL, 0}, {"wait", NULL, 0}};
    long wait = r->max_poll_wait < DEFAULT_POLL_WAIT ? r->max_poll_wait
                                                     : DEFAULT_POLL_WAIT;
    char state[RELAY_STATE_LEN + 1];
    char *code = NULL;
    struct json_object *o;
    enum relay_result rc;

    if (!form_parse(body, len, f, 2))
        return fail(c, MHD_HTTP_BAD_REQUEST, "bad form");
    if (f[0].len == 0 || f[0].len > RELAY_SECRET_MAX ||
        !is_b64url(f[0].value, f[0].len))
        return fail(c, MHD_HTTP_BAD_REQUEST, "bad secret");
    /* A longer wait than --max-poll-wait is cut to it, not refused: the
     * module asks for up to 50 s whatever this relay was started with. */
    if (f[1].value != NULL &&
        !relay_parse_long(f[1].value, 0, WAIT_ASKED_MAX, &wait))
        return fail(c, MHD_HTTP_BAD_REQUEST, "bad wait");
    if (wait > r->max_poll_wait)
        wait = r->max_poll_wait;
    if (!state_from_secret(f[0].value, f[0].len, state))
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    rc = relay_store_poll(r->store, state, wait, &code);
    switch (rc) {
    case RELAY_CODE:
        o = relay_reply_new(true);
        relay_reply_add(o, "code", json_object_new_string(code));
        relay_wipe(code, strlen(code));
        free(code);
        relay_say(r, "code handed out");
        return relay_send_json(c, MHD_HTTP_OK, o, true, NULL, NULL);
    case RELAY_DENIED:
        return fail(c, MHD_HTTP_OK, "access_denied");
    case RELAY_PENDING:
        o = relay_reply_new(false);
        relay_reply_add(o, "pending", json_object_new_boolean(1));
        return relay_send_json(c, MHD_HTTP_OK, o, false, NULL, NULL);
    case RELAY_STOPPING:
        return fail(c, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down");
    case RELAY_UNKNOWN:
        return fail(c, MHD_HTTP_NOT_FOUND, "unknown");
    default:
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    }
}

enum MHD_Result relay_do_page(const struct relay *r, struct MHD_Connection *c,
                              const char *id)
{
    struct relay_view v;
    enum relay_result rc = relay_store_view(r->store, id, &v);
    struct relay_page p = {0};
    char left[64];

    if (rc == RELAY_UNKNOWN)
        return relay_send_message(c, MHD_HTTP_NOT_FOUND, "Link expired",
                                  "This login link has expired or is unknown.",
                                  NULL);
    if (rc != RELAY_OK)
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    relay_page_start(&p, "Approve login");
    relay_put(&p, "<p>Log in as <b>");
    relay_put_escaped(&p, v.user);
    relay_put(&p, "</b> on <b>");
    relay_put_escaped(&p, v.host);
    relay_put(&p, "</b></p>");
    if (v.rhost[0] != '\0') {
        relay_put(&p, "<p>from <b>");
        relay_put_escaped(&p, v.rhost);
        relay_put(&p, "</b></p>");
    }
    /* Rendered once: without JavaScript the page cannot count down. */
    if (v.seconds_left >= 60)
        snprintf(left, sizeof(left), "%ld min %ld s", v.seconds_left / 60,
                 v.seconds_left % 60);
    else
        snprintf(left, sizeof(left), "%ld s", v.seconds_left);
    relay_put(&p, "<p class=\"muted\">This link expires in ");
    relay_put(&p, left);
    relay_put(&p,
              ".</p><p class=\"warn\">Only continue if you started this login "
              "yourself.</p><a id=\"continue\" class=\"button\" href=\"");
    relay_put_escaped(&p, v.authorize_url);
    relay_put(&p, "\">Continue to haobtc</a>");
    relay_view_clear(&v);
    return relay_send_page(c, MHD_HTTP_OK, &p);
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
            (strchr(".~", s[i]) == NULL && !is_b64url(s + i, 1)))
            return false;
    }
    return true;
}

enum MHD_Result relay_do_callback(const struct relay *r,
                                  struct MHD_Connection *c)
{
    size_t slen, clen, elen;
    const char *state = query_arg(c, "state", &slen);
    const char *code = query_arg(c, "code", &clen);
    const char *error = query_arg(c, "error", &elen);
    struct relay_view ctx = {0};
    enum relay_result rc;

    if (state == NULL || slen != RELAY_STATE_LEN || !is_b64url(state, slen))
        return relay_send_message(c, MHD_HTTP_BAD_REQUEST, "Login failed",
                                  UNKNOWN_LOGIN, NULL);
    /* Any provider error ends the login; access_denied is the usual one. */
    if (error == NULL && !code_ok(code, clen))
        return relay_send_message(
            c, MHD_HTTP_BAD_REQUEST, "Login failed",
            clen == 0 ? "The login provider sent no code."
                      : "The login provider sent a malformed code.",
            NULL);
    rc = relay_store_answer(r->store, state, error == NULL ? code : NULL, &ctx);
    if (rc == RELAY_OK && ctx.user != NULL)
        relay_say(r, "login %s: %s on %s",
                  error == NULL ? "approved" : "denied", ctx.user, ctx.host);
    relay_view_clear(&ctx);
    switch (rc) {
    case RELAY_OK:
        if (error != NULL)
            return relay_send_message(c, MHD_HTTP_OK, "Login denied",
                                      "Login denied. You can close this page.",
                                      NULL);
        return relay_send_message(
            c, MHD_HTTP_OK, "Login approved",
            "Login approved \u2014 return to your terminal.", code);
    case RELAY_UNKNOWN:
        return relay_send_message(c, MHD_HTTP_BAD_REQUEST, "Login failed",
                                  UNKNOWN_LOGIN, NULL);
    case RELAY_ANSWERED:
        return relay_send_message(
            c, MHD_HTTP_CONFLICT, "Already answered",
            "This login was already answered. You can close "
            "this page.",
            NULL);
    default:
        return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    }
}

enum MHD_Result relay_do_health(const struct relay *r, struct MHD_Connection *c)
{
    struct json_object *o = relay_reply_new(true);

    relay_reply_add(
        o, "sessions",
        json_object_new_int64((int64_t)relay_store_count(r->store)));
    return relay_send_json(c, MHD_HTTP_OK, o, false, NULL, NULL);
}

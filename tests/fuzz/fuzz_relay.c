/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: haobtc-relay's request handlers (register, poll, the
 * context page, its Continue, the provider's callback, health and ping),
 * run unchanged on a made-up sequence of requests, with libmicrohttpd
 * replaced by tests/fuzz/mhd_stub.c and the store on a clock the input
 * turns.
 *
 * An input is steps separated by a line "%%". A step is "@N" (the store's
 * clock moves N ms on) or a request: "METHOD /path?query", header lines,
 * an empty line, the body. Before a step is read, $ID, $CSRF and $COOKIE
 * become what the last registration, context page and Continue gave (a
 * browser and a module would copy them too), $SECRETn and $STATEn
 * (n = 0..9) a poll secret and its state, $NOW the time (a minute back, so
 * the relay forgets the signatures it saw within seconds), and a signature
 * header "$SIG" the fleet key's signature of the request, whose form gets
 * a "nonce" field as a module's does. "!stop" stops the relay's waiting
 * polls as the daemon does when it stops; "!sleep N" waits N ms (at most
 * 10, 20 an input) of real time, in which a poll's deadline may pass.
 *
 * Every answer is checked: one per request, the security headers, no
 * header a value could break, JSON that parses, HTML whose every tag is
 * one the relay writes, the provider link the only redirect, and a code
 * handed to a poll only after a callback brought it, and only once. */
#include "autoconf.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "digest.h"
#include "mhd_stub.h"
#include "relay.h"

#define MAX_STEPS 32
/* main.c answers 413 to anything longer, before a handler sees it. */
#define BODY_MAX 4096
#define PUBLIC_URL "https://relay.example"
#define CONTINUE_PREFIX                                                        \
    "https://id.example/auth/oauth/authorize/?response_type=code&client_id="   \
    "fuzz&redirect_uri=https%3A%2F%2Frelay.example%2Fcb&state="
#define FLEET_KEY "fuzz-fleet-key-0123456789abcdef"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Made once: a relay_auth is megabytes, and a relay_waits a thread, which
 * per input would cost more than the input. The nonces keep one input's
 * signatures from being replays of another's. */
static struct relay_auth *auth;
static struct relay_waits *waits;
static unsigned long long nonce;
static char continue_prefix[] = CONTINUE_PREFIX;
/* FUZZ_RELAY_TRACE=1: each answer's status on stderr, for whoever writes
 * a seed and wants to see it get where it should. */
static bool tracing;
static long long fake_now;

/* relay_log's lines are formatted (a wrong argument shows) and dropped. */
static FILE *devnull;

static long long fake_clock(void)
{
    return fake_now;
}

/* The fleet key in a file only this user may read, as auth.c demands;
 * read once, then gone. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    devnull = fopen("/dev/null", "w");
    const char *tmp = getenv("TMPDIR");
    char key_path[64];
    int fd;

    (void)argc;
    (void)argv;
    tracing = getenv("FUZZ_RELAY_TRACE") != NULL;
    snprintf(key_path, sizeof(key_path), "%s/fuzz_relay.XXXXXX",
             tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
    fd = mkstemp(key_path);
    if (fd < 0 || fchmod(fd, 0600) != 0 ||
        write(fd, FLEET_KEY "\n", strlen(FLEET_KEY) + 1) !=
            (ssize_t)strlen(FLEET_KEY) + 1)
        abort();
    close(fd);
    auth = relay_auth_new(key_path);
    unlink(key_path);
    if (auth == NULL)
        abort();
    return 0;
}

struct parked {
    struct MHD_Connection *c;
    struct relay_waiter *w;
};

/* One input's relay and what its browser and module have seen. */
struct run {
    struct relay r;
    char id[RELAY_ID_LEN + 1];
    char csrf[RELAY_TOKEN_LEN + 1];
    char cookie[4 + RELAY_ID_LEN + RELAY_TOKEN_LEN + 1]; /* hb_ID=VALUE */
    struct parked parked[MAX_STEPS];
    size_t n_parked;
    char *codes[MAX_STEPS]; /* brought by a callback, not yet handed out */
    size_t n_codes;
};

/* Allocation failures end the process. */
static void put(struct hb_buf *b, const char *s, size_t n)
{
    if (!hb_buf_addn(b, s, n))
        abort();
}

static void secret_of(int n, char out[16])
{
    snprintf(out, 16, "fuzzSecret%d", n);
}

static void state_of(int n, char out[RELAY_STATE_LEN + 1])
{
    char secret[16];

    secret_of(n, secret);
    if (!hb_sha256_b64url(secret, strlen(secret), out))
        abort();
}

/* The step with its placeholders filled in. */
static char *expand(const struct run *run, const char *s, size_t n)
{
    struct hb_buf b = {0};
    char *text;
    char tmp[64];

    for (size_t i = 0; i < n; i++) {
        const char *at = s + i;
        size_t left = n - i;

        if (s[i] != '$') {
            put(&b, at, 1);
        } else if (left >= 3 && memcmp(at, "$ID", 3) == 0) {
            put(&b, run->id, strlen(run->id));
            i += 2;
        } else if (left >= 5 && memcmp(at, "$CSRF", 5) == 0) {
            put(&b, run->csrf, strlen(run->csrf));
            i += 4;
        } else if (left >= 7 && memcmp(at, "$COOKIE", 7) == 0) {
            put(&b, run->cookie, strlen(run->cookie));
            i += 6;
        } else if (left >= 4 && memcmp(at, "$NOW", 4) == 0) {
            snprintf(tmp, sizeof(tmp), "%lld", (long long)time(NULL) - 59);
            put(&b, tmp, strlen(tmp));
            i += 3;
        } else if (left >= 8 && memcmp(at, "$SECRET", 7) == 0 && at[7] >= '0' &&
                   at[7] <= '9') {
            secret_of(at[7] - '0', tmp);
            put(&b, tmp, strlen(tmp));
            i += 7;
        } else if (left >= 7 && memcmp(at, "$STATE", 6) == 0 && at[6] >= '0' &&
                   at[6] <= '9') {
            state_of(at[6] - '0', tmp);
            put(&b, tmp, strlen(tmp));
            i += 6;
        } else {
            put(&b, at, 1);
        }
    }
    text = hb_buf_take(&b, NULL);
    if (text == NULL)
        text = strdup("");
    if (text == NULL)
        abort();
    return text;
}

/* What a module of the fleet sends. */
static void sign(const char *method, const char *path, const char *ts,
                 const char *body, size_t len, char sig[44])
{
    unsigned char mac[32];

    if (!hb_fleet_mac(FLEET_KEY, strlen(FLEET_KEY), method, path, ts, body, len,
                      mac))
        abort();
    hb_b64url(mac, sizeof(mac), sig);
}

static bool has_header(const struct MHD_Connection *c, const char *name,
                       const char *want)
{
    size_t len = 0;
    const char *v = stub_header(c, name, &len);

    return v != NULL &&
           (want == NULL || (len == strlen(want) && memcmp(v, want, len) == 0));
}

static bool is_b64url(const char *s, size_t n)
{
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789-_") >= n;
}

/* Every tag is one the relay writes: whatever was put on a page from the
 * request was escaped. */
static void check_html(const char *body)
{
    static const char *const tags[] = {"!DOCTYPE html>",
                                       "html ",
                                       "/html>",
                                       "head>",
                                       "/head>",
                                       "meta ",
                                       "title>",
                                       "/title>",
                                       "style>",
                                       "/style>",
                                       "body>",
                                       "/body>",
                                       "main>",
                                       "/main>",
                                       "h1>",
                                       "/h1>",
                                       "p>",
                                       "p ",
                                       "/p>",
                                       "b>",
                                       "/b>",
                                       "a ",
                                       "/a>",
                                       "div ",
                                       "/div>",
                                       "code ",
                                       "/code>",
                                       "form ",
                                       "/form>",
                                       "input ",
                                       "button ",
                                       "/button>"};

    for (const char *lt = strchr(body, '<'); lt != NULL;
         lt = strchr(lt + 1, '<')) {
        size_t i = 0;

        while (i < sizeof(tags) / sizeof(tags[0]) &&
               strncmp(lt + 1, tags[i], strlen(tags[i])) != 0)
            i++;
        if (i == sizeof(tags) / sizeof(tags[0]))
            abort();
    }
}

static void copy_between(const char *body, const char *start, size_t max,
                         char *out)
{
    const char *at = strstr(body, start);
    size_t n;

    if (at == NULL)
        return;
    at += strlen(start);
    n = strcspn(at, "\"<;");
    if (n <= max) {
        memcpy(out, at, n);
        out[n] = '\0';
    }
}

/* What a poll hands out must have come through a callback, once. */
static void code_handed_out(struct run *run, const char *code)
{
    for (size_t i = 0; i < run->n_codes; i++) {
        if (strcmp(run->codes[i], code) == 0) {
            free(run->codes[i]);
            run->codes[i] = run->codes[--run->n_codes];
            return;
        }
    }
    abort();
}

static void check_json(struct run *run, const struct MHD_Connection *c,
                       enum relay_route route)
{
    struct json_object *o = json_tokener_parse(c->body), *v;

    if (o == NULL || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, "ok", &v) ||
        !json_object_is_type(v, json_type_boolean))
        abort();
    if (route == R_SESSIONS && c->status == MHD_HTTP_CREATED) {
        const char *id =
            json_object_get_string(json_object_object_get(o, "id"));
        const char *link =
            json_object_get_string(json_object_object_get(o, "link"));

        if (id == NULL || !relay_is_id(id) || link == NULL ||
            strncmp(link, PUBLIC_URL "/s/", strlen(PUBLIC_URL) + 3) != 0 ||
            strcmp(link + strlen(PUBLIC_URL) + 3, id) != 0)
            abort();
        memcpy(run->id, id, RELAY_ID_LEN + 1);
    }
    if (json_object_object_get_ex(o, "code", &v)) {
        if (route != R_POLL || c->status != MHD_HTTP_OK)
            abort();
        code_handed_out(run, json_object_get_string(v));
    }
    json_object_put(o);
}

/* The one place a browser is sent, with a state and the module's PKCE
 * challenge when it registered one, and the cookie that only the
 * session's callback path sees. */
static void check_redirect(struct run *run, const struct MHD_Connection *c)
{
    static const char ch[] = "&code_challenge=";
    static const char method[] = "&code_challenge_method=S256\n";
    size_t len = 0, n = strlen(CONTINUE_PREFIX);
    const char *loc = stub_header(c, "Location", &len);
    const char *cookie = stub_header(c, "Set-Cookie", &len);
    const char *rest;
    size_t name_len;

    if (loc == NULL || strncmp(loc, CONTINUE_PREFIX, n) != 0 ||
        !is_b64url(loc + n, RELAY_STATE_LEN))
        abort();
    rest = loc + n + RELAY_STATE_LEN;
    if (strncmp(rest, ch, strlen(ch)) == 0) {
        rest += strlen(ch);
        if (!is_b64url(rest, HB_RELAY_CODE_CHALLENGE_LEN) ||
            strncmp(rest + HB_RELAY_CODE_CHALLENGE_LEN, method,
                    strlen(method)) != 0)
            abort();
    } else if (rest[0] != '\n') {
        abort();
    }
    name_len = strcspn(cookie != NULL ? cookie : "", ";");
    if (cookie == NULL || strncmp(cookie, "hb_", 3) != 0 ||
        name_len != 4 + RELAY_ID_LEN + RELAY_TOKEN_LEN ||
        strstr(cookie, "; Path=/cb; Secure; HttpOnly; SameSite=Lax\n") == NULL)
        abort();
    memcpy(run->cookie, cookie, name_len);
    run->cookie[name_len] = '\0';
}

/* A code the callback page shows for pasting, CODE:TAG. */
static void note_code(struct run *run, const char *body)
{
    const char *at = strstr(body, "<code id=\"code\">");
    const char *end, *colon;

    if (at == NULL)
        return;
    at += strlen("<code id=\"code\">");
    end = strstr(at, "</code>");
    colon = end != NULL ? memchr(at, ':', (size_t)(end - at)) : NULL;
    if (colon == NULL || end - colon != 1 + 8 || run->n_codes == MAX_STEPS)
        abort();
    run->codes[run->n_codes] = strndup(at, (size_t)(colon - at));
    if (run->codes[run->n_codes++] == NULL)
        abort();
}

static void check_answer(struct run *run, const struct MHD_Connection *c,
                         enum relay_route route, enum MHD_Result ret)
{
    if (tracing)
        fprintf(stderr, "fuzz_relay: route %d: %u %.60s\n", (int)route,
                c->status, c->body);
    if (ret != MHD_YES || c->queued != 1 ||
        c->status == MHD_HTTP_INTERNAL_SERVER_ERROR ||
        !has_header(c, "Cache-Control", "no-store") ||
        !has_header(c, "Referrer-Policy", "no-referrer") ||
        !has_header(c, "X-Frame-Options", "DENY") ||
        !has_header(c, "X-Content-Type-Options", "nosniff") ||
        !has_header(c, "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'") ||
        strlen(c->body) != c->body_len)
        abort();
    if (has_header(c, "Content-Type", "application/json")) {
        check_json(run, c, route);
        return;
    }
    if (!has_header(c, "Content-Type", "text/html; charset=utf-8"))
        abort();
    check_html(c->body);
    if (c->status == MHD_HTTP_SEE_OTHER)
        check_redirect(run, c);
    else if (route == R_PAGE && c->status == MHD_HTTP_OK)
        copy_between(c->body, "name=\"csrf\" value=\"", RELAY_TOKEN_LEN,
                     run->csrf);
    else if (route == R_CB && c->status == MHD_HTTP_OK)
        note_code(run, c->body);
}

/* MHD calls the handler again for a resumed poll. */
static void serve_resumed(struct run *run)
{
    for (size_t i = 0; i < run->n_parked;) {
        struct parked *p = &run->parked[i];
        enum MHD_Result ret;

        if (!atomic_load(&p->c->resumed)) {
            i++;
            continue;
        }
        atomic_store(&p->c->resumed, false);
        atomic_store(&p->c->suspended, false);
        ret = relay_poll_resumed(&run->r, p->c, &p->w);
        if (p->w != NULL) {
            if (!atomic_load(&p->c->suspended) || p->c->queued != 0)
                abort();
            i++;
            continue;
        }
        check_answer(run, p->c, R_POLL, ret);
        stub_connection_free(p->c);
        *p = run->parked[--run->n_parked];
    }
}

/* As main.c's handle(), after its checks on method and size. */
static void request(struct run *run, char *text)
{
    char *line_end = strchr(text, '\n');
    char *method = text, *target, *query, *body, *line, *next;
    char none[1] = "", *signed_body = NULL;
    const char *ts = NULL;
    struct MHD_Connection *c = stub_connection_new();
    struct relay_waiter *w = NULL;
    enum MHD_Result ret = MHD_NO;
    bool get, post, sig = false;
    enum relay_route route;
    /* No client address: every request without a host in its form
     * shares one bucket. */
    struct relay_signed signed_rq = {.client = NULL};
    enum relay_result admitted;
    long retry = 1;
    size_t len;

    if (line_end != NULL)
        *line_end = '\0';
    target = strchr(text, ' ');
    if (target == NULL)
        goto done;
    *target++ = '\0';
    query = strchr(target, '?');
    if (query != NULL) {
        *query++ = '\0';
        stub_add_query(c, query);
    }
    /* MHD decodes the path before the handler sees it. */
    target[stub_unescape(target, strlen(target), false)] = '\0';
    body = none;
    for (line = line_end != NULL ? line_end + 1 : NULL; line != NULL;
         line = next) {
        char *colon;

        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (line[0] == '\0') {
            body = next != NULL ? next : none;
            break;
        }
        colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        *colon++ = '\0';
        colon += strspn(colon, " ");
        if (strcasecmp(line, HB_RELAY_SIG_HEADER) == 0 &&
            strcmp(colon, "$SIG") == 0) {
            sig = true;
            continue;
        }
        if (ts == NULL && strcasecmp(line, HB_RELAY_TS_HEADER) == 0)
            ts = colon;
        stub_add_header(c, line, colon);
    }
    if (sig) {
        size_t n = strlen(body) + 32;

        signed_body = malloc(n);
        if (signed_body == NULL)
            abort();
        snprintf(signed_body, n, "%s%s" HB_RELAY_FIELD_NONCE "=%llu", body,
                 body[0] != '\0' ? "&" : "", ++nonce);
        body = signed_body;
    }
    len = strlen(body);
    route = relay_route_of(target);
    get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    post = strcmp(method, "POST") == 0;
    if (len > BODY_MAX)
        goto done;
    if (sig) {
        char s[44];

        sign(method, target, ts != NULL ? ts : "", body, len, s);
        stub_add_header(c, HB_RELAY_SIG_HEADER, s);
    }
    switch (route) {
    case R_HEALTH:
        if (!get)
            goto done;
        ret = relay_do_health(&run->r, c);
        break;
    case R_PAGE:
        if (post)
            ret = relay_do_continue(&run->r, c, target + 3, body, len);
        else if (get)
            ret = relay_do_page(&run->r, c, target + 3);
        else
            goto done;
        break;
    case R_CB:
        if (!get)
            goto done;
        ret = relay_do_callback(&run->r, c);
        break;
    case R_SESSIONS:
    case R_POLL:
    case R_PING:
        if (!post || relay_auth_verify(run->r.auth, c, method, target, body,
                                       len, &signed_rq) != NULL)
            goto done;
        if (route == R_POLL) {
            ret = relay_do_poll(&run->r, c, &signed_rq, body, len, &w);
            break;
        }
        admitted = relay_admit(run->r.auth, run->r.store, &signed_rq, &retry);
        if (admitted != RELAY_OK)
            ret = relay_not_admitted(&run->r, c, "fuzz", admitted, retry);
        else if (route == R_SESSIONS)
            ret = relay_do_register(&run->r, c, body, len);
        else
            ret = relay_do_ping(&run->r, c);
        break;
    default:
        goto done;
    }
    if (w != NULL) {
        /* Waiting: suspended, nothing queued yet. */
        if (!atomic_load(&c->suspended) || c->queued != 0 ||
            run->n_parked == MAX_STEPS)
            abort();
        run->parked[run->n_parked++] = (struct parked){c, w};
        c = NULL;
        goto done;
    }
    check_answer(run, c, route, ret);
done:
    stub_connection_free(c);
    free(signed_body);
}

/* Polls still waiting when the input ends step aside, as they do for a
 * newer poll of their login; the deadline thread may have woken some
 * already, and their resumes may still be on the way. */
static void end_waiting_polls(struct run *run)
{
    for (size_t i = 0; i < run->n_parked; i++)
        relay_waits_notify(waits, relay_wait_state(run->parked[i].w),
                           UINT64_MAX);
    for (int tries = 0; run->n_parked != 0; tries++) {
        struct timespec pause = {0, 1000 * 1000};

        serve_resumed(run);
        /* A waiter nothing resumes: a login that would hang. */
        if (tries == 5000)
            abort();
        if (run->n_parked != 0)
            nanosleep(&pause, NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char sep[] = "\n%%\n";
    struct relay_limits limits = {.max_sessions = 4,
                                  .session_ttl = 300,
                                  .rate = 10,
                                  .burst = 20,
                                  .module_rate = 10,
                                  .module_burst = 20,
                                  .unsigned_rate = 10,
                                  .unsigned_burst = 20,
                                  .clock_ms = fake_clock};
    struct run run = {.r = {.public_url = PUBLIC_URL,
                            .public_len = strlen(PUBLIC_URL),
                            .continue_prefix = continue_prefix,
                            .origin = PUBLIC_URL,
                            .session_ttl = 300,
                            .max_poll_wait = 60,
                            .log = devnull}};
    const char *text = (const char *)data;
    const char *end = text + size;
    bool stopped = false;
    int steps = 0;
    long slept = 0;

    fake_now = 1000000;
    if (waits == NULL)
        waits = relay_waits_new();
    run.r.waits = waits;
    run.r.auth = auth;
    run.r.store = relay_store_memory(&limits, relay_waits_notify, waits);
    if (waits == NULL || run.r.store == NULL)
        abort();
    while (text < end && steps++ < MAX_STEPS) {
        const char *stop = memmem(text, (size_t)(end - text), sep, 4);
        char *step;

        if (stop == NULL)
            stop = end;
        step = expand(&run, text, (size_t)(stop - text));
        if (step[0] == '@') {
            long long ms = strtoll(step + 1, NULL, 10);
            if (ms > 0 && ms < 1000LL * 1000 * 1000)
                fake_now += ms;
        } else if (strncmp(step, "!sleep ", 7) == 0) {
            long ms = strtol(step + 7, NULL, 10);
            struct timespec pause;

            ms = ms < 0 ? 0 : ms > 10 ? 10 : ms;
            ms = ms > 20 - slept ? 20 - slept : ms;
            slept += ms;
            pause = (struct timespec){0, ms * 1000 * 1000};
            nanosleep(&pause, NULL);
        } else if (strcmp(step, "!stop") == 0) {
            /* Every waiting poll is answered, and none waits after. */
            relay_waits_stop(waits);
            stopped = true;
        } else {
            request(&run, step);
        }
        free(step);
        serve_resumed(&run);
        if (stopped && run.n_parked != 0)
            abort();
        text = stop == end ? end : stop + 4;
    }
    end_waiting_polls(&run);
    if (stopped) {
        relay_waits_free(waits);
        waits = NULL;
    }
    relay_store_free(run.r.store);
    for (size_t i = 0; i < run.n_codes; i++)
        free(run.codes[i]);
    return 0;
}

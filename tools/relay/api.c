/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's API for the modules: registering a login, the poll for
 * its code, health, and the signed no-op that checks a module's fleet key;
 * and which route a path is. */
#include "autoconf.h"

#include "digest.h"
#include "relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#define DEFAULT_POLL_WAIT 25
#define WAIT_ASKED_MAX 3600

/* The shared store is away: the module asks again after Retry-After. */
static enum MHD_Result unavailable(struct MHD_Connection *c)
{
    return relay_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                            "store unavailable", MHD_HTTP_HEADER_RETRY_AFTER,
                            "1");
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

enum {
    F_STATE,
    F_TAG_KEY,
    F_HOST,
    F_USER,
    F_RHOST,
    F_CHALLENGE,
    F_SERVICE,
    F_COMMAND,
    F_NUMBER_MATCH
};

/* An optional field: absent or empty is none. */
static bool optional_ok(const struct relay_field *f, size_t max)
{
    return f->value == NULL || f->len == 0 || text_ok(f->value, f->len, max);
}

static const char *check_session(const struct relay *r,
                                 const struct relay_field *f)
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
    if (!optional_ok(&f[F_SERVICE], RELAY_SERVICE_MAX))
        return "bad service";
    if (!optional_ok(&f[F_COMMAND], RELAY_COMMAND_MAX))
        return "bad command";
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
    struct relay_field f[] = {{HB_RELAY_FIELD_STATE, NULL, 0},
                              {HB_RELAY_FIELD_TAG_KEY, NULL, 0},
                              {HB_RELAY_FIELD_HOST, NULL, 0},
                              {HB_RELAY_FIELD_USER, NULL, 0},
                              {HB_RELAY_FIELD_RHOST, NULL, 0},
                              {HB_RELAY_FIELD_CODE_CHALLENGE, NULL, 0},
                              {HB_RELAY_FIELD_SERVICE, NULL, 0},
                              {HB_RELAY_FIELD_COMMAND, NULL, 0},
                              {HB_RELAY_FIELD_NUMBER_MATCH, NULL, 0}};
    const char *why = "bad form";
    char id[RELAY_ID_LEN + 1];
    char link[1024];
    const char *rhost, *challenge;
    struct relay_login login;
    struct json_object *o;

    if (relay_form_parse(body, len, f, sizeof(f) / sizeof(f[0])))
        why = check_session(r, f);
    if (why != NULL)
        return relay_fail(c, MHD_HTTP_BAD_REQUEST, why);
    rhost = f[F_RHOST].value != NULL ? f[F_RHOST].value : "";
    challenge = f[F_CHALLENGE].value != NULL ? f[F_CHALLENGE].value : "";
    login.host = f[F_HOST].value;
    login.user = f[F_USER].value;
    login.rhost = rhost;
    login.service = f[F_SERVICE].value != NULL ? f[F_SERVICE].value : "";
    login.command = f[F_COMMAND].value != NULL ? f[F_COMMAND].value : "";
    /* Drawn here, never from the link or the id: only the terminal that
     * registered it shows it. */
    login.number = 0;
    if (f[F_NUMBER_MATCH].value != NULL &&
        strcmp(f[F_NUMBER_MATCH].value, "yes") == 0) {
        login.number = relay_new_number();
        if (login.number == 0)
            return relay_fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
    }
    switch (relay_store_add(r->store, f[F_STATE].value, challenge,
                            f[F_TAG_KEY].value, &login, id)) {
    case RELAY_OK:
        break;
    case RELAY_DUPLICATE:
        return relay_fail(c, MHD_HTTP_CONFLICT, "duplicate state");
    case RELAY_FULL:
        return relay_fail(c, MHD_HTTP_SERVICE_UNAVAILABLE, "busy");
    case RELAY_UNAVAILABLE:
        return unavailable(c);
    default:
        return relay_fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
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
    if (login.number != 0)
        relay_reply_add(o, HB_RELAY_ANSWER_NUMBER,
                        json_object_new_int(login.number));
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
        return relay_fail(c, MHD_HTTP_OK, "access_denied");
    case RELAY_MISMATCH:
        return relay_fail(c, MHD_HTTP_OK, "number mismatch");
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
        return relay_fail(c, MHD_HTTP_NOT_FOUND, "unknown");
    case RELAY_UNAVAILABLE:
        return unavailable(c);
    default:
        return relay_fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
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
        return relay_fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
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
    struct relay_field f[] = {{HB_RELAY_FIELD_SECRET, NULL, 0},
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

    if (!relay_form_parse(body, len, f, 2))
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
                              : relay_fail(c, MHD_HTTP_BAD_REQUEST, bad);
    }
    if (wait > r->max_poll_wait)
        wait = r->max_poll_wait;
    if (!hb_sha256_b64url(f[0].value, f[0].len, state))
        return relay_fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal");
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

/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's shared store: sessions, codes, denials and rate limits in
 * Redis with TTLs, so any relay of a fleet can serve any step of a login
 * and losing one relay loses no login.
 *
 * Each change that must be atomic is one Lua script: a code is taken by
 * the script that deletes its session, so it is handed out once whichever
 * relays ask at the same moment. A waiting poll learns of an answer over
 * pub/sub: one channel, one connection per relay, whatever the number of
 * waiting polls (a blocking pop per session would hold a Redis connection
 * per waiting login, the thread-per-poll problem moved to Redis). Pub/sub
 * drops messages while a relay is not subscribed, so after every
 * (re)subscription every waiting poll looks again, and each looks again at
 * its deadline anyway. */
#include "autoconf.h"

#include "redis_lua.h"
#include "relay.h"
#include "resp.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#define SESSIONS REDIS_PREFIX "sessions"
#define RECONNECT_MS_MAX 1000
#define STR(x) #x
#define XSTR(x) STR(x)
#define MAX_WAIT_MS XSTR(HB_RELAY_POLL_WAIT_DEFAULT_MAX) "000"

struct redis_store {
    struct relay_store base; /* first: the store's interface */
    struct relay_resp *resp;
    char sha[N_SCRIPTS][41];
    long long ttl_ms;
    long max_sessions;
    /* As the scripts take them, by enum relay_budget. */
    char rate[RELAY_BUDGETS][32], burst[RELAY_BUDGETS][32];
    /* While Redis is away each relay limits on its own. */
    struct relay_store *local;
    relay_notify_fn *notify;
    relay_notify_all_fn *notify_all;
    void *notify_cls;
    pthread_t subscriber;
    bool subscribing;
    pthread_mutex_t lock;
    bool stopping;
    bool subscribed;
    char sub_why[160];
};

static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* EVALSHA, or EVAL when Redis does not know the script (it forgets them
 * all on a restart). args: the keys, then the other arguments, strings. */
static redisReply *run(struct redis_store *rs, enum script which, int nkeys,
                       int nargs, const char **args)
{
    const char *argv[24];
    size_t argl[24];
    char keys[12];
    redisReply *reply;

    if (nargs + 3 > 24)
        return NULL;
    snprintf(keys, sizeof(keys), "%d", nkeys);
    argv[0] = "EVALSHA";
    argv[1] = rs->sha[which];
    argv[2] = keys;
    argl[0] = 7;
    argl[1] = 40;
    argl[2] = strlen(keys);
    for (int i = 0; i < nargs; i++) {
        argv[3 + i] = args[i];
        argl[3 + i] = strlen(args[i]);
    }
    reply = relay_resp_call(rs->resp, nargs + 3, argv, argl);
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR &&
        strncmp(reply->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(reply);
        argv[0] = "EVAL";
        argl[0] = 4;
        argv[1] = redis_scripts[which];
        argl[1] = strlen(redis_scripts[which]);
        reply = relay_resp_call(rs->resp, nargs + 3, argv, argl);
    }
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        /* LOADING after a restart, or a script error: either way the
         * store cannot answer now. Only the error's name is logged: the
         * rest may quote arguments, a code among them. */
        relay_log(NULL, RELAY_ERROR, "haobtc-relay: Redis answered %.*s",
                  (int)strcspn(reply->str, " "), reply->str);
        hb_wipe(reply->str, reply->len);
        freeReplyObject(reply);
        reply = NULL;
    }
    return reply;
}

static bool is_text(const redisReply *r, const char *text)
{
    return r != NULL &&
           (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) &&
           strcmp(r->str, text) == 0;
}

static char *key_of(char *buf, size_t n, const char *kind, const char *name)
{
    snprintf(buf, n, REDIS_PREFIX "%s%s", kind, name);
    return buf;
}

static void free_wiped(redisReply *r)
{
    /* Replies may carry a code. */
    if (r == NULL)
        return;
    if (r->str != NULL)
        hb_wipe(r->str, r->len);
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        if (r->element[i] != NULL && r->element[i]->str != NULL)
            hb_wipe(r->element[i]->str, r->element[i]->len);
    }
    freeReplyObject(r);
}

static void rs_free(struct relay_store *base)
{
    struct redis_store *rs = (struct redis_store *)(void *)base;

    pthread_mutex_lock(&rs->lock);
    rs->stopping = true;
    pthread_mutex_unlock(&rs->lock);
    if (rs->subscribing)
        pthread_join(rs->subscriber, NULL);
    relay_resp_free(rs->resp);
    relay_store_free(rs->local);
    pthread_mutex_destroy(&rs->lock);
    free(rs);
}

static void rs_purge(struct relay_store *base)
{
    struct redis_store *rs = (struct redis_store *)(void *)base;
    const char *args[] = {SESSIONS};

    /* Redis expires the sessions themselves; this trims the index. */
    freeReplyObject(run(rs, S_COUNT, 1, 1, args));
    relay_store_purge(rs->local);
}

static enum relay_result rs_health(struct relay_store *base, size_t *sessions,
                                   char *why, size_t n)
{
    struct redis_store *rs = (struct redis_store *)(void *)base;
    const char *args[] = {SESSIONS};
    redisReply *r = run(rs, S_COUNT, 1, 1, args);
    bool subscribed;

    pthread_mutex_lock(&rs->lock);
    subscribed = rs->subscribed;
    if (!subscribed)
        snprintf(why, n, "store: %s",
                 rs->sub_why[0] != '\0' ? rs->sub_why : "not subscribed yet");
    pthread_mutex_unlock(&rs->lock);
    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        char detail[160];
        relay_resp_why(rs->resp, detail, sizeof(detail));
        snprintf(why, n, "store: %s", detail);
        freeReplyObject(r);
        return RELAY_UNAVAILABLE;
    }
    *sessions = (size_t)r->integer;
    freeReplyObject(r);
    return subscribed ? RELAY_OK : RELAY_UNAVAILABLE;
}

static enum relay_result rs_add(struct relay_store *base, const char *state,
                                const char *code_challenge, const char *tag_key,
                                const struct relay_login *login,
                                char id_out[RELAY_ID_LEN + 1])
{
    struct redis_store *rs = (struct redis_store *)(void *)base;
    char skey[64], ikey[32], ttl[24], max[24];
    char csrf[RELAY_TOKEN_LEN + 1], cookie[RELAY_TOKEN_LEN + 1];
    char id[RELAY_ID_LEN + 1];
    char number[8];
    enum relay_result rc = RELAY_FAILED;

    snprintf(number, sizeof(number), "%d", login->number);
    snprintf(ttl, sizeof(ttl), "%lld", rs->ttl_ms);
    snprintf(max, sizeof(max), "%ld", rs->max_sessions);
    if (!relay_new_token(csrf) || !relay_new_token(cookie))
        return RELAY_FAILED;
    /* A new id for each try: another relay may have taken one. */
    for (int attempt = 0; attempt < 8 && rc == RELAY_FAILED; attempt++) {
        const char *args[] = {key_of(skey, sizeof(skey), "s:", state),
                              NULL,
                              SESSIONS,
                              ttl,
                              max,
                              state,
                              id,
                              csrf,
                              cookie,
                              tag_key,
                              login->host,
                              login->user,
                              login->rhost,
                              code_challenge,
                              login->service,
                              login->command,
                              number};
        redisReply *r;

        if (!relay_new_id(id))
            break;
        args[1] = key_of(ikey, sizeof(ikey), "i:", id);
        r = run(rs, S_ADD, 3, 17, args);
        if (r == NULL)
            rc = RELAY_UNAVAILABLE;
        else if (is_text(r, "ok"))
            rc = RELAY_OK;
        else if (is_text(r, "duplicate"))
            rc = RELAY_DUPLICATE;
        else if (is_text(r, "full"))
            rc = RELAY_FULL;
        freeReplyObject(r);
    }
    if (rc == RELAY_OK)
        memcpy(id_out, id, sizeof(id));
    hb_wipe(cookie, sizeof(cookie));
    hb_wipe(csrf, sizeof(csrf));
    return rc;
}

/* Element i of an array reply as a new string (empty for nil). */
static char *dup_element(const redisReply *r, size_t i)
{
    const redisReply *e = r->element[i];

    if (e->type != REDIS_REPLY_STRING)
        return strdup("");
    return strndup(e->str, e->len);
}

/* Copies the view script's reply; RELAY_ANSWERED for an answered session
 * (which the context page no longer shows). */
static enum relay_result fill_view(const redisReply *r, const char *state,
                                   struct relay_view *out, char *id,
                                   size_t id_len)
{
    static const size_t fixed[4] = {RELAY_STATE_LEN, RELAY_TOKEN_LEN,
                                    RELAY_TOKEN_LEN, RELAY_TAG_KEY_LEN};
    char *fields[4] = {out->state, out->csrf, out->cookie, out->tag_key};

    memset(out, 0, sizeof(*out));
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 15 ||
        r->element[14]->type != REDIS_REPLY_STRING ||
        r->element[10]->type != REDIS_REPLY_STRING ||
        r->element[11]->type != REDIS_REPLY_INTEGER ||
        (r->element[10]->len != 0 &&
         r->element[10]->len != HB_RELAY_CODE_CHALLENGE_LEN))
        return RELAY_UNKNOWN;
    memcpy(out->code_challenge, r->element[10]->str, r->element[10]->len);
    for (size_t i = 0; i < 4; i++) {
        const redisReply *e = r->element[i];
        const char *v = i == 0 && state != NULL ? state : e->str;
        size_t len = i == 0 && state != NULL ? strlen(state) : e->len;
        if ((e->type != REDIS_REPLY_STRING && !(i == 0 && state != NULL)) ||
            len != fixed[i])
            return RELAY_UNKNOWN;
        memcpy(fields[i], v, len);
    }
    if (r->element[7]->type != REDIS_REPLY_STRING ||
        r->element[7]->len >= id_len)
        return RELAY_UNKNOWN;
    memcpy(id, r->element[7]->str, r->element[7]->len);
    id[r->element[7]->len] = '\0';
    out->host = dup_element(r, 4);
    out->user = dup_element(r, 5);
    out->rhost = dup_element(r, 6);
    out->service = dup_element(r, 12);
    out->command = dup_element(r, 13);
    out->number = (int)strtol(r->element[14]->str, NULL, 10);
    if (out->number < HB_RELAY_NUMBER_MIN || out->number > HB_RELAY_NUMBER_MAX)
        out->number = 0;
    out->seconds_left = (long)((r->element[9]->integer + 999) / 1000);
    out->views = r->element[11]->integer < 0 ? 0
                 : r->element[11]->integer > UINT_MAX
                     ? UINT_MAX
                     : (unsigned)r->element[11]->integer;
    if (out->host == NULL || out->user == NULL || out->rhost == NULL ||
        out->service == NULL || out->command == NULL) {
        relay_view_clear(out);
        return RELAY_FAILED;
    }
    return r->element[8]->integer != 0 ? RELAY_ANSWERED : RELAY_OK;
}

static enum relay_result rs_view(struct relay_store *base, const char *id,
                                 struct relay_view *out)
{
    struct redis_store *rs = (struct redis_store *)(void *)base;
    char ikey[32], got_id[RELAY_ID_LEN + 1];
    const char *args[] = {"", key_of(ikey, sizeof(ikey), "i:", id),
                          REDIS_PREFIX "s:", "1"};
    redisReply *r;
    enum relay_result rc;

    if (!relay_is_id(id))
        return RELAY_UNKNOWN;
    r = run(rs, S_VIEW, 2, 4, args);
    if (r == NULL)
        return RELAY_UNAVAILABLE;
    rc = r->type == REDIS_REPLY_NIL
             ? RELAY_UNKNOWN
             : fill_view(r, NULL, out, got_id, sizeof(got_id));
    free_wiped(r);
    if (rc == RELAY_ANSWERED) {
        relay_view_clear(out);
        rc = RELAY_UNKNOWN;
    }
    return rc;
}

static enum relay_result rs_answer(struct relay_store *base, const char *state,
                                   const char *code, bool mismatch,
                                   relay_cookie_fn *cookie_of, void *cls,
                                   struct relay_view *ctx)
{
    struct redis_store *rs = (struct redis_store *)(void *)base;
    char skey[64], id[RELAY_ID_LEN + 1];
    const char *view_args[] = {key_of(skey, sizeof(skey), "s:", state), "",
                               REDIS_PREFIX "s:", "0"};
    const char *cookie;
    struct relay_view v;
    enum relay_result rc;
    redisReply *r;

    r = run(rs, S_VIEW, 2, 4, view_args);
    if (r == NULL)
        return RELAY_UNAVAILABLE;
    rc = r->type == REDIS_REPLY_NIL ? RELAY_UNKNOWN
                                    : fill_view(r, state, &v, id, sizeof(id));
    free_wiped(r);
    if (rc != RELAY_OK && rc != RELAY_ANSWERED)
        return rc;
    cookie = cookie_of(cls, id);
    if (cookie == NULL || strlen(cookie) != RELAY_TOKEN_LEN ||
        !hb_ct_equal(cookie, v.cookie, RELAY_TOKEN_LEN)) {
        /* This browser never pressed Continue on the context page. */
        relay_view_clear(&v);
        return RELAY_NO_COOKIE;
    }
    if (rc == RELAY_OK) {
        const char *args[] = {skey, code != NULL ? "code" : "denied",
                              code != NULL ? code
                              : mismatch   ? "mismatch"
                                           : "1",
                              state};
        r = run(rs, S_ANSWER, 1, 4, args);
        rc = r == NULL                ? RELAY_UNAVAILABLE
             : is_text(r, "ok")       ? RELAY_OK
             : is_text(r, "answered") ? RELAY_ANSWERED
                                      : RELAY_UNKNOWN;
        freeReplyObject(r);
    }
    if (rc == RELAY_OK && ctx != NULL)
        *ctx = v;
    else
        relay_view_clear(&v);
    return rc;
}

/* A look's answer (take's, or admit's refusal) as a result. */
static enum relay_result read_look(redisReply *r, uint64_t *gen,
                                   char **code_out, long long *left_ms,
                                   long *retry_after)
{
    enum relay_result rc = RELAY_FAILED;
    const redisReply *last;

    *code_out = NULL;
    if (r == NULL)
        return RELAY_UNAVAILABLE;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
        r->element[0]->type != REDIS_REPLY_INTEGER) {
        free_wiped(r);
        return RELAY_FAILED;
    }
    last = r->element[r->elements - 1];
    if (gen != NULL && r->elements >= 2 && last->type == REDIS_REPLY_INTEGER)
        *gen = (uint64_t)last->integer;
    switch (r->element[0]->integer) {
    case 0:
        rc = RELAY_UNKNOWN;
        break;
    case 1:
        rc = RELAY_SUPERSEDED;
        break;
    case 2:
        rc = RELAY_PENDING;
        if (left_ms != NULL)
            *left_ms = r->element[1]->integer;
        break;
    case 3:
        *code_out = r->element[1]->type == REDIS_REPLY_STRING
                        ? strndup(r->element[1]->str, r->element[1]->len)
                        : NULL;
        rc = *code_out != NULL ? RELAY_CODE : RELAY_FAILED;
        break;
    case 4:
        rc = RELAY_DENIED;
        break;
    case 8:
        rc = RELAY_MISMATCH;
        break;
    case 5:
        rc = RELAY_LIMITED;
        if (retry_after != NULL)
            *retry_after = r->elements > 1 ? (long)r->element[1]->integer : 1;
        break;
    case 6:
        rc = RELAY_REPLAYED;
        break;
    case 7:
        rc = RELAY_OK;
        break;
    default:
        break;
    }
    free_wiped(r);
    return rc;
}

/* wait_ms: how long a new poll (gen_arg "start") may wait. */
static enum relay_result take(struct redis_store *rs, const char *state,
                              const char *gen_arg, const char *wait_ms,
                              uint64_t *gen, char **code_out,
                              long long *left_ms)
{
    char skey[64];
    const char *args[] = {key_of(skey, sizeof(skey), "s:", state),
                          SESSIONS,
                          gen_arg,
                          state,
                          REDIS_PREFIX "i:",
                          wait_ms};

    return read_look(run(rs, S_TAKE, 2, 6, args), gen, code_out, left_ms, NULL);
}

static enum relay_result rs_poll_start(struct relay_store *base,
                                       const char *state, uint64_t *gen,
                                       char **code_out, long long *left_ms)
{
    struct redis_store *rs = (struct redis_store *)(void *)base;

    *gen = 0;
    /* The script told the other relays' older waiters (pub/sub); this
     * relay's hear it directly, sooner. */
    /* As if it waits as long as any poll may. */
    enum relay_result rc =
        take(rs, state, "start", MAX_WAIT_MS, gen, code_out, left_ms);
    if (*gen > 1 && rs->notify != NULL)
        rs->notify(rs->notify_cls, state, *gen);
    return rc;
}

static enum relay_result rs_take(struct relay_store *base, const char *state,
                                 uint64_t gen, char **code_out)
{
    struct redis_store *rs = (struct redis_store *)(void *)base;
    char g[24];

    snprintf(g, sizeof(g), "%llu", (unsigned long long)gen);
    return take(rs, state, g, "0", NULL, code_out, NULL);
}

/* A budget's bucket for who (see the memory store). Named "g:" since
 * buckets are one number (LUA_RATE_FN), so a relay of a version before,
 * during a rolling upgrade, keeps its own "b:" text instead of misreading
 * this. Phones' keep "p"; modules' have "u" (unsigned, by address) and "s"
 * (signed, by fleet key and host), not the "m" (by address, signed or
 * not) of the version before, whose buckets they would otherwise share. */
static char *bucket_key(char key[64], enum relay_budget budget, const char *who)
{
    static const char kind[RELAY_BUDGETS] = {[RELAY_BUDGET_PHONE] = 'p',
                                             [RELAY_BUDGET_UNSIGNED] = 'u',
                                             [RELAY_BUDGET_MODULE] = 's'};

    snprintf(key, 64, REDIS_PREFIX "g:%c%.*s", kind[budget], RELAY_WHO_MAX,
             who);
    return key;
}

static bool rs_rate_allow(struct relay_store *base, enum relay_budget budget,
                          const char *who, long *retry_after)
{
    struct redis_store *rs = (struct redis_store *)(void *)base;
    char key[64];
    const char *args[] = {bucket_key(key, budget, who), rs->rate[budget],
                          rs->burst[budget]};
    redisReply *r;
    bool ok;

    r = run(rs, S_RATE, 1, 3, args);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 1) {
        freeReplyObject(r);
        return relay_store_rate_allow(rs->local, budget, who, retry_after);
    }
    ok = r->element[0]->integer == 1;
    if (!ok)
        *retry_after = r->elements > 1 ? (long)r->element[1]->integer : 1;
    freeReplyObject(r);
    return ok;
}

/* The admit script's keys and arguments: bucket, MAC key, rate, burst and
 * the MAC's time to live. */
struct admission {
    char bucket[64], mac_key[64], ttl[24];
};

static void admission_of(const struct relay_signed *s, struct admission *a)
{
    long long now = (long long)time(NULL);
    /* Kept past this relay's window by another window: a relay whose
     * clock is behind this one's (by less than the window, or it would
     * refuse the fleet's modules as stale) still knows the signature. */
    long long ttl = s->expires - now + HB_RELAY_AUTH_WINDOW;

    bucket_key(a->bucket, RELAY_BUDGET_MODULE, s->who);
    snprintf(a->mac_key, sizeof(a->mac_key), REDIS_PREFIX "n:");
    hb_b64url(s->mac, 32, a->mac_key + strlen(a->mac_key));
    snprintf(a->ttl, sizeof(a->ttl), "%lld", ttl > 0 ? ttl : 1);
}

/* SET NX: of the relays that see one signature, exactly one is first. */
static enum relay_result rs_admit(struct relay_store *base,
                                  const struct relay_signed *s,
                                  long *retry_after)
{
    struct redis_store *rs = (struct redis_store *)(void *)base;
    struct admission a;
    const char *args[5];
    char *none;

    admission_of(s, &a);
    args[0] = a.bucket;
    args[1] = a.mac_key;
    args[2] = rs->rate[RELAY_BUDGET_MODULE];
    args[3] = rs->burst[RELAY_BUDGET_MODULE];
    args[4] = a.ttl;
    return read_look(run(rs, S_ADMIT, 2, 5, args), NULL, &none, NULL,
                     retry_after);
}

static enum relay_result
rs_admit_poll_start(struct relay_store *base, const struct relay_signed *s,
                    long *retry_after, const char *state, long wait,
                    uint64_t *gen, char **code_out, long long *left_ms)
{
    struct redis_store *rs = (struct redis_store *)(void *)base;
    struct admission a;
    char skey[64], wait_ms[24];
    const char *args[] = {a.bucket,
                          a.mac_key,
                          key_of(skey, sizeof(skey), "s:", state),
                          SESSIONS,
                          rs->rate[RELAY_BUDGET_MODULE],
                          rs->burst[RELAY_BUDGET_MODULE],
                          a.ttl,
                          state,
                          REDIS_PREFIX "i:",
                          wait_ms};
    enum relay_result rc;

    admission_of(s, &a);
    snprintf(wait_ms, sizeof(wait_ms), "%ld", wait * 1000);
    *gen = 0;
    rc = read_look(run(rs, S_ADMIT_POLL, 4, 10, args), gen, code_out, left_ms,
                   retry_after);
    if (*gen > 1 && rs->notify != NULL)
        rs->notify(rs->notify_cls, state, *gen);
    return rc;
}

/* "a STATE" (answered) or "p GEN STATE" (a newer poll). */
static void on_message(struct redis_store *rs, const redisReply *m)
{
    const redisReply *payload;
    const char *p;
    unsigned long long gen = 0;
    char *end = NULL;

    if (m->type != REDIS_REPLY_ARRAY || m->elements != 3 ||
        m->element[0]->type != REDIS_REPLY_STRING ||
        strcmp(m->element[0]->str, "message") != 0)
        return;
    payload = m->element[2];
    if (payload->type != REDIS_REPLY_STRING || payload->len < 2)
        return;
    p = payload->str + 2;
    if (payload->str[0] == 'p') {
        gen = strtoull(p, &end, 10);
        if (end == p || *end != ' ' || gen == 0)
            return;
        p = end + 1;
    } else if (payload->str[0] != 'a') {
        return;
    }
    if (strlen(p) == RELAY_STATE_LEN && rs->notify != NULL)
        rs->notify(rs->notify_cls, p, gen);
}

static bool stopping(struct redis_store *rs)
{
    bool s;

    pthread_mutex_lock(&rs->lock);
    s = rs->stopping;
    pthread_mutex_unlock(&rs->lock);
    return s;
}

static void set_subscribed(struct redis_store *rs, bool on, const char *why)
{
    pthread_mutex_lock(&rs->lock);
    rs->subscribed = on;
    snprintf(rs->sub_why, sizeof(rs->sub_why), "%s", why);
    pthread_mutex_unlock(&rs->lock);
}

/* One connection subscribed to the channel, for as long as the relay
 * runs: reconnects by itself, and after each (re)subscription every
 * waiting poll looks again for what it may have missed. */
static void *subscriber_main(void *arg)
{
    struct redis_store *rs = arg;
    long backoff = 50;

    while (!stopping(rs)) {
        char why[160] = "";
        struct relay_resp_conn *c =
            relay_resp_connect(rs->resp, why, sizeof(why));
        const char *argv[] = {"SUBSCRIBE", REDIS_CHANNEL};
        size_t lens[] = {9, strlen(REDIS_CHANNEL)};
        redisReply *r = NULL;

        if (c != NULL && relay_resp_send(c, 2, argv, lens, mono_ms() + 1000) &&
            relay_resp_read(c, mono_ms() + 1000, &r) == 1 &&
            r->type == REDIS_REPLY_ARRAY) {
            freeReplyObject(r);
            r = NULL;
            set_subscribed(rs, true, "");
            backoff = 50;
            if (rs->notify_all != NULL)
                rs->notify_all(rs->notify_cls);
            /* Short reads, so a stop is seen within a quarter second. */
            for (;;) {
                int got = relay_resp_read(c, mono_ms() + 250, &r);
                if (got < 0 || stopping(rs))
                    break;
                if (got == 1)
                    on_message(rs, r);
                freeReplyObject(r);
                r = NULL;
            }
            snprintf(why, sizeof(why), "lost the subscription to Redis");
        } else if (why[0] == '\0') {
            snprintf(why, sizeof(why), "cannot subscribe on Redis");
        }
        freeReplyObject(r);
        relay_resp_close(c);
        set_subscribed(rs, false, why);
        for (long slept = 0; slept < backoff && !stopping(rs); slept += 50) {
            struct timespec pause = {0, 50 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        backoff =
            backoff * 2 > RECONNECT_MS_MAX ? RECONNECT_MS_MAX : backoff * 2;
    }
    return NULL;
}

static const struct relay_store_ops redis_ops = {
    .free = rs_free,
    .purge = rs_purge,
    .health = rs_health,
    .add = rs_add,
    .view = rs_view,
    .answer = rs_answer,
    .poll_start = rs_poll_start,
    .take = rs_take,
    .rate_allow = rs_rate_allow,
    .admit = rs_admit,
    .admit_poll_start = rs_admit_poll_start,
};

static void rate_args(struct redis_store *rs, enum relay_budget budget,
                      double rate, double burst)
{
    snprintf(rs->rate[budget], sizeof(rs->rate[budget]), "%.3f", rate);
    snprintf(rs->burst[budget], sizeof(rs->burst[budget]), "%.3f", burst);
}

struct relay_store *
relay_store_redis(const char *url, const char *password_file,
                  const char *ca_file, const struct relay_limits *limits,
                  relay_notify_fn *notify, relay_notify_all_fn *notify_all,
                  void *notify_cls, char *why, size_t n)
{
    struct redis_store *rs = calloc(1, sizeof(*rs));

    if (rs == NULL) {
        snprintf(why, n, "out of memory");
        return NULL;
    }
    rs->base.ops = &redis_ops;
    rs->ttl_ms = limits->session_ttl * 1000;
    rs->max_sessions = limits->max_sessions;
    rate_args(rs, RELAY_BUDGET_PHONE, limits->rate, limits->burst);
    rate_args(rs, RELAY_BUDGET_UNSIGNED, limits->unsigned_rate,
              limits->unsigned_burst);
    rate_args(rs, RELAY_BUDGET_MODULE, limits->module_rate,
              limits->module_burst);
    rs->notify = notify;
    rs->notify_all = notify_all;
    rs->notify_cls = notify_cls;
    snprintf(rs->sub_why, sizeof(rs->sub_why), "not subscribed yet");
    for (size_t i = 0; i < N_SCRIPTS; i++) {
        /* EVALSHA names a script by its SHA-1, as Redis computes it. */
        unsigned char md[20];
        if (gnutls_hash_fast(GNUTLS_DIG_SHA1, redis_scripts[i],
                             strlen(redis_scripts[i]), md) != 0) {
            free(rs);
            snprintf(why, n, "cannot hash the scripts");
            return NULL;
        }
        for (size_t k = 0; k < sizeof(md); k++)
            snprintf(rs->sha[i] + 2 * k, 3, "%02x", md[k]);
    }
    if (pthread_mutex_init(&rs->lock, NULL) != 0) {
        free(rs);
        snprintf(why, n, "out of memory");
        return NULL;
    }
    rs->resp = relay_resp_new(url, password_file, ca_file, why, n);
    rs->local =
        rs->resp != NULL ? relay_store_memory(limits, NULL, NULL) : NULL;
    if (rs->local != NULL) {
        rs->subscribing =
            pthread_create(&rs->subscriber, NULL, subscriber_main, rs) == 0;
        if (rs->subscribing)
            return &rs->base;
        snprintf(why, n, "cannot start the subscriber thread");
    }
    rs_free(&rs->base);
    return NULL;
}

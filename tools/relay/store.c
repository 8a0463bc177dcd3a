/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's memory store: login sessions, their codes and rate
 * limits in this process, behind one mutex. */
#include "autoconf.h"

#include "relay.h"
#include "siphash.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* Chains the session table starts with; it doubles as sessions come. */
#define FIRST_BUCKETS 1024
/* Bounded so a spray of addresses cannot grow the table; the bucket
 * made first is forgotten first. */
#define RATE_SLOTS 4096
#define RATE_BUCKETS 8192
#define KEY_MAX (1 + RELAY_WHO_MAX) /* the budget, then who */

struct session {
    struct session *id_next;    /* hash chain by short id */
    struct session *state_next; /* hash chain by state */
    struct session *older;      /* age list: equal TTLs make it expiry order */
    struct session *newer;
    long long expires_ms;
    char *code; /* NULL until the callback; wiped when the session goes */
    bool denied;
    bool mismatch;        /* denied by a wrong number on the context page */
    unsigned char number; /* number matching's, 0 for none */
    /* The latest poll's number: an earlier one still waiting belongs to a
     * connection its module gave up on, and must not take the code. */
    uint64_t poll_gen;
    unsigned views; /* page views and Continues (RELAY_FREE_VIEWS) */
    char id[RELAY_ID_LEN + 1];
    char state[RELAY_STATE_LEN + 1];
    char csrf[RELAY_TOKEN_LEN + 1];
    char cookie[RELAY_TOKEN_LEN + 1];
    char tag_key[RELAY_TAG_KEY_LEN + 1];
    char code_challenge[HB_RELAY_CODE_CHALLENGE_LEN + 1]; /* "" for none */
    /* One allocation holds the strings exactly sized: host, user, rhost,
     * service, command (struct relay_login's order). */
    unsigned short text_at[5];
    char text[];
};

struct rate_slot {
    unsigned char key[KEY_MAX];
    unsigned char key_len;
    bool in_use;
    int next; /* hash chain, -1 ends it */
    unsigned bucket;
    double tokens;
    long long last_ms;
};

struct mem_store {
    struct relay_store base; /* first: the store's interface */
    pthread_mutex_t lock;
    relay_notify_fn *notify; /* an answer arrived, or a newer poll */
    void *notify_cls;
    struct session **by_id;
    struct session **by_state;
    size_t mask;
    size_t max_buckets; /* what --max-sessions needs; the table grows to it */
    struct session *oldest;
    struct session *newest;
    size_t count;
    size_t max_sessions;
    long long ttl_ms;
    long long (*clock_ms)(void);
    uint64_t hash_key[2];
    double rate[RELAY_BUDGETS];
    double burst[RELAY_BUDGETS];
    struct rate_slot slots[RATE_SLOTS];
    int rate_heads[RATE_BUCKETS];
    int rate_next; /* ring position of the next slot to (re)use */
};

static long long monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t slot_of(const struct mem_store *st, const char *s, size_t n)
{
    return (size_t)relay_siphash24(st->hash_key, s, n) & st->mask;
}

static const struct relay_store_ops mem_ops;

struct relay_store *relay_store_memory(const struct relay_limits *limits,
                                       relay_notify_fn *notify,
                                       void *notify_cls)
{
    struct mem_store *st = calloc(1, sizeof(*st));
    size_t buckets = 16;
    bool ok;

    if (st == NULL)
        return NULL;
    while (buckets < (size_t)limits->max_sessions)
        buckets *= 2;
    st->max_buckets = buckets;
    /* Small at first: the table costs memory as sessions come, not as
     * --max-sessions allows. */
    if (buckets > FIRST_BUCKETS)
        buckets = FIRST_BUCKETS;
    st->mask = buckets - 1;
    st->max_sessions = (size_t)limits->max_sessions;
    st->ttl_ms = (long long)limits->session_ttl * 1000;
    st->clock_ms = limits->clock_ms != NULL ? limits->clock_ms : monotonic_ms;
    st->rate[RELAY_BUDGET_PHONE] = limits->rate;
    st->burst[RELAY_BUDGET_PHONE] = limits->burst;
    st->rate[RELAY_BUDGET_UNSIGNED] = limits->unsigned_rate;
    st->burst[RELAY_BUDGET_UNSIGNED] = limits->unsigned_burst;
    st->rate[RELAY_BUDGET_MODULE] = limits->module_rate;
    st->burst[RELAY_BUDGET_MODULE] = limits->module_burst;
    st->notify = notify;
    st->notify_cls = notify_cls;
    for (size_t i = 0; i < RATE_BUCKETS; i++)
        st->rate_heads[i] = -1;
    /* One array: the id chains' heads, then the state chains' heads. */
    st->by_id = calloc(2 * buckets, sizeof(*st->by_id));
    st->by_state = st->by_id != NULL ? st->by_id + buckets : NULL;
    ok = st->by_id != NULL &&
         getrandom(st->hash_key, sizeof(st->hash_key), 0) ==
             (ssize_t)sizeof(st->hash_key) &&
         pthread_mutex_init(&st->lock, NULL) == 0;
    st->base.ops = &mem_ops;
    if (ok)
        return &st->base;
    free(st->by_id);
    free(st);
    return NULL;
}

/* Twice the chains' heads, every session rehashed (along the age list,
 * which holds each once). Left as it is when memory is short: the chains
 * are longer, not wrong. */
static void grow(struct mem_store *st)
{
    size_t buckets = 2 * (st->mask + 1);
    struct session **heads = calloc(2 * buckets, sizeof(*heads));

    if (heads == NULL)
        return;
    free(st->by_id);
    st->by_id = heads;
    st->by_state = heads + buckets;
    st->mask = buckets - 1;
    for (struct session *s = st->oldest; s != NULL; s = s->newer) {
        size_t i = slot_of(st, s->id, RELAY_ID_LEN);
        size_t j = slot_of(st, s->state, RELAY_STATE_LEN);

        s->id_next = st->by_id[i];
        st->by_id[i] = s;
        s->state_next = st->by_state[j];
        st->by_state[j] = s;
    }
}

static void unlink_chain(struct session **head, struct session *s,
                         size_t next_offset)
{
    /* Chains are short (keyed hash, at least as many chains as sessions
     * up to the cap). */
    while (*head != NULL && *head != s)
        head = (struct session **)(void *)((char *)*head + next_offset);
    if (*head == s)
        *head = *(struct session **)(void *)((char *)s + next_offset);
}

static void remove_session(struct mem_store *st, struct session *s)
{
    unlink_chain(&st->by_id[slot_of(st, s->id, RELAY_ID_LEN)], s,
                 offsetof(struct session, id_next));
    unlink_chain(&st->by_state[slot_of(st, s->state, RELAY_STATE_LEN)], s,
                 offsetof(struct session, state_next));
    if (s->older != NULL)
        s->older->newer = s->newer;
    else
        st->oldest = s->newer;
    if (s->newer != NULL)
        s->newer->older = s->older;
    else
        st->newest = s->older;
    st->count--;
    if (s->code != NULL) {
        hb_wipe(s->code, strlen(s->code));
        free(s->code);
    }
    /* The tag key and the browser's cookie are the session's secrets. */
    hb_wipe(s, sizeof(*s));
    free(s);
}

static void purge_locked(struct mem_store *st, long long now)
{
    while (st->oldest != NULL && st->oldest->expires_ms <= now)
        remove_session(st, st->oldest);
}

static void mem_free(struct relay_store *base)
{
    struct mem_store *st = (struct mem_store *)(void *)base;
    if (st == NULL)
        return;
    while (st->oldest != NULL)
        remove_session(st, st->oldest);
    pthread_mutex_destroy(&st->lock);
    free(st->by_id);
    free(st);
}

static void mem_purge(struct relay_store *base)
{
    struct mem_store *st = (struct mem_store *)(void *)base;
    pthread_mutex_lock(&st->lock);
    purge_locked(st, st->clock_ms());
    pthread_mutex_unlock(&st->lock);
}

static enum relay_result mem_health(struct relay_store *base, size_t *sessions,
                                    char *why, size_t n)
{
    struct mem_store *st = (struct mem_store *)(void *)base;

    (void)why;
    (void)n;
    pthread_mutex_lock(&st->lock);
    purge_locked(st, st->clock_ms());
    *sessions = st->count;
    pthread_mutex_unlock(&st->lock);
    return RELAY_OK;
}

/* Expired but not yet purged sessions are found too: their ids are taken. */
static struct session *find_id(struct mem_store *st, const char *id)
{
    struct session *s = st->by_id[slot_of(st, id, RELAY_ID_LEN)];

    while (s != NULL && memcmp(s->id, id, RELAY_ID_LEN) != 0)
        s = s->id_next;
    return s;
}

/* The state is a hash of the poll secret, so compare it in constant time. */
static struct session *find_state(struct mem_store *st, const char *state,
                                  long long now)
{
    struct session *s = st->by_state[slot_of(st, state, RELAY_STATE_LEN)];

    for (; s != NULL; s = s->state_next) {
        if (hb_ct_equal(s->state, state, RELAY_STATE_LEN))
            return s->expires_ms > now ? s : NULL;
    }
    return NULL;
}

static bool new_id(struct mem_store *st, char id[RELAY_ID_LEN + 1])
{
    for (int attempt = 0; attempt < 16; attempt++) {
        if (!relay_new_id(id))
            return false;
        if (find_id(st, id) == NULL)
            return true;
    }
    return false;
}

static enum relay_result mem_add(struct relay_store *base, const char *state,
                                 const char *code_challenge,
                                 const char *tag_key,
                                 const struct relay_login *login,
                                 char id_out[RELAY_ID_LEN + 1])
{
    struct mem_store *st = (struct mem_store *)(void *)base;
    const char *texts[] = {login->host, login->user, login->rhost,
                           login->service, login->command};
    size_t lens[5], total = 0;
    enum relay_result rc = RELAY_FAILED;
    struct session *s;
    long long now;

    for (size_t i = 0; i < 5; i++) {
        lens[i] = strlen(texts[i]) + 1;
        total += lens[i];
    }
    /* The offsets below are unsigned short; validation keeps well inside. */
    if (total > 65535)
        return RELAY_FAILED;
    s = malloc(sizeof(*s) + total);
    if (s == NULL)
        return RELAY_FAILED;
    memset(s, 0, sizeof(*s));
    memcpy(s->state, state, RELAY_STATE_LEN);
    memcpy(s->tag_key, tag_key, RELAY_TAG_KEY_LEN);
    memcpy(s->code_challenge, code_challenge,
           strnlen(code_challenge, HB_RELAY_CODE_CHALLENGE_LEN));
    if (!relay_new_token(s->csrf) || !relay_new_token(s->cookie)) {
        hb_wipe(s, sizeof(*s));
        free(s);
        return RELAY_FAILED;
    }
    s->number = (unsigned char)login->number;
    total = 0;
    for (size_t i = 0; i < 5; i++) {
        s->text_at[i] = (unsigned short)total;
        memcpy(s->text + total, texts[i], lens[i]);
        total += lens[i];
    }

    pthread_mutex_lock(&st->lock);
    now = st->clock_ms();
    purge_locked(st, now);
    if (find_state(st, state, now) != NULL) {
        rc = RELAY_DUPLICATE;
    } else if (st->count >= st->max_sessions) {
        rc = RELAY_FULL;
    } else if (new_id(st, s->id)) {
        size_t i, j;

        if (st->count > st->mask && st->mask + 1 < st->max_buckets)
            grow(st);
        i = slot_of(st, s->id, RELAY_ID_LEN);
        j = slot_of(st, s->state, RELAY_STATE_LEN);

        s->expires_ms = now + st->ttl_ms;
        s->id_next = st->by_id[i];
        st->by_id[i] = s;
        s->state_next = st->by_state[j];
        st->by_state[j] = s;
        s->older = st->newest;
        if (st->newest != NULL)
            st->newest->newer = s;
        else
            st->oldest = s;
        st->newest = s;
        st->count++;
        memcpy(id_out, s->id, RELAY_ID_LEN + 1);
        s = NULL;
        rc = RELAY_OK;
    }
    pthread_mutex_unlock(&st->lock);
    if (s != NULL)
        hb_wipe(s, sizeof(*s));
    free(s);
    return rc;
}

void relay_view_clear(struct relay_view *v)
{
    free(v->host);
    free(v->user);
    free(v->rhost);
    free(v->service);
    free(v->command);
    hb_wipe(v, sizeof(*v));
}

/* Copies what pages and logs need, so nothing points into a session that
 * another thread may delete. */
static bool copy_view(const struct session *s, struct relay_view *out,
                      long long now)
{
    memset(out, 0, sizeof(*out));
    memcpy(out->state, s->state, sizeof(out->state));
    memcpy(out->csrf, s->csrf, sizeof(out->csrf));
    memcpy(out->cookie, s->cookie, sizeof(out->cookie));
    memcpy(out->tag_key, s->tag_key, sizeof(out->tag_key));
    memcpy(out->code_challenge, s->code_challenge, sizeof(out->code_challenge));
    out->host = strdup(s->text + s->text_at[0]);
    out->user = strdup(s->text + s->text_at[1]);
    out->rhost = strdup(s->text + s->text_at[2]);
    out->service = strdup(s->text + s->text_at[3]);
    out->command = strdup(s->text + s->text_at[4]);
    out->number = s->number;
    out->seconds_left = (long)((s->expires_ms - now + 999) / 1000);
    if (out->host == NULL || out->user == NULL || out->rhost == NULL ||
        out->service == NULL || out->command == NULL) {
        relay_view_clear(out);
        return false;
    }
    return true;
}

static enum relay_result mem_view(struct relay_store *base, const char *id,
                                  struct relay_view *out)
{
    struct mem_store *st = (struct mem_store *)(void *)base;
    enum relay_result rc = RELAY_UNKNOWN;
    struct session *s;
    long long now;

    if (!relay_is_id(id))
        return RELAY_UNKNOWN;
    pthread_mutex_lock(&st->lock);
    now = st->clock_ms();
    s = find_id(st, id);
    /* An answered login has nothing left to approve. */
    if (s != NULL && s->expires_ms > now && s->code == NULL && !s->denied) {
        s->views += s->views < UINT_MAX;
        rc = copy_view(s, out, now) ? RELAY_OK : RELAY_FAILED;
        out->views = s->views;
    }
    pthread_mutex_unlock(&st->lock);
    return rc;
}

static enum relay_result mem_answer(struct relay_store *base, const char *state,
                                    const char *code, bool mismatch,
                                    relay_cookie_fn *cookie_of, void *cls,
                                    struct relay_view *ctx)
{
    struct mem_store *st = (struct mem_store *)(void *)base;
    const char *cookie;
    enum relay_result rc = RELAY_UNKNOWN;
    char *copy = NULL;
    struct session *s;
    long long now;

    if (code != NULL) {
        copy = strdup(code);
        if (copy == NULL)
            return RELAY_FAILED;
    }
    pthread_mutex_lock(&st->lock);
    now = st->clock_ms();
    s = find_state(st, state, now);
    cookie = s != NULL ? cookie_of(cls, s->id) : NULL;
    if (s == NULL) {
        rc = RELAY_UNKNOWN;
    } else if (cookie == NULL || strlen(cookie) != RELAY_TOKEN_LEN ||
               !hb_ct_equal(cookie, s->cookie, RELAY_TOKEN_LEN)) {
        /* This browser never pressed Continue on the context page. */
        rc = RELAY_NO_COOKIE;
    } else if (s->code != NULL || s->denied) {
        /* First answer wins: a second one may be an attacker's code. */
        rc = RELAY_ANSWERED;
    } else {
        s->code = copy;
        s->denied = copy == NULL;
        s->mismatch = copy == NULL && mismatch;
        copy = NULL;
        if (ctx != NULL)
            copy_view(s, ctx, now);
        rc = RELAY_OK;
    }
    pthread_mutex_unlock(&st->lock);
    if (rc == RELAY_OK && st->notify != NULL)
        st->notify(st->notify_cls, state, 0);
    if (copy != NULL) {
        hb_wipe(copy, strlen(copy));
        free(copy);
    }
    return rc;
}

/* What the poll with number gen finds; the session goes with an answer. */
static enum relay_result take_locked(struct mem_store *st, const char *state,
                                     uint64_t gen, char **code_out,
                                     long long *left_ms)
{
    long long now = st->clock_ms();
    struct session *s = find_state(st, state, now);

    if (s == NULL)
        return RELAY_UNKNOWN;
    if (s->poll_gen != gen)
        return RELAY_SUPERSEDED;
    if (s->code != NULL) {
        /* Handed out once: the session goes with it. */
        *code_out = s->code;
        s->code = NULL;
        remove_session(st, s);
        return RELAY_CODE;
    }
    if (s->denied) {
        bool mismatch = s->mismatch;
        remove_session(st, s);
        return mismatch ? RELAY_MISMATCH : RELAY_DENIED;
    }
    if (left_ms != NULL)
        *left_ms = s->expires_ms - now;
    return RELAY_PENDING;
}

static enum relay_result mem_poll_start(struct relay_store *base,
                                        const char *state, uint64_t *gen,
                                        char **code_out, long long *left_ms)
{
    struct mem_store *st = (struct mem_store *)(void *)base;
    enum relay_result rc = RELAY_UNKNOWN;
    struct session *s;

    *code_out = NULL;
    *gen = 0;
    pthread_mutex_lock(&st->lock);
    s = find_state(st, state, st->clock_ms());
    if (s != NULL) {
        /* The newest poll is the live one (a module retries when its
         * connection drops, while the relay may not have noticed): an
         * older waiter steps aside. */
        *gen = ++s->poll_gen;
        rc = take_locked(st, state, *gen, code_out, left_ms);
    }
    pthread_mutex_unlock(&st->lock);
    if (*gen > 1 && st->notify != NULL)
        st->notify(st->notify_cls, state, *gen);
    return rc;
}

static enum relay_result mem_take(struct relay_store *base, const char *state,
                                  uint64_t gen, char **code_out)
{
    struct mem_store *st = (struct mem_store *)(void *)base;
    enum relay_result rc;

    *code_out = NULL;
    pthread_mutex_lock(&st->lock);
    rc = take_locked(st, state, gen, code_out, NULL);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

static struct rate_slot *rate_slot(struct mem_store *st,
                                   const unsigned char *key, size_t len,
                                   double burst, long long now)
{
    unsigned b = (unsigned)(relay_siphash24(st->hash_key, key, len) &
                            (RATE_BUCKETS - 1));
    struct rate_slot *r;
    int i;

    for (i = st->rate_heads[b]; i >= 0; i = st->slots[i].next) {
        r = &st->slots[i];
        if (r->key_len == len && memcmp(r->key, key, len) == 0)
            return r;
    }
    /* Full: the slot taken longest ago is reused (a ring, first in first
     * out), which costs a bucket at most a fresh burst. */
    i = st->rate_next;
    st->rate_next = (st->rate_next + 1) % RATE_SLOTS;
    r = &st->slots[i];
    if (r->in_use) {
        int *p = &st->rate_heads[r->bucket];
        while (*p != i)
            p = &st->slots[*p].next;
        *p = r->next;
    }
    memcpy(r->key, key, len);
    r->key_len = (unsigned char)len;
    r->in_use = true;
    r->bucket = b;
    r->tokens = burst;
    r->last_ms = now;
    r->next = st->rate_heads[b];
    st->rate_heads[b] = i;
    return r;
}

/* Whole seconds, rounded up and at least one, as Retry-After wants: a
 * client that waits that long finds a token. */
static long seconds_up(double seconds)
{
    long whole = (long)seconds;

    return whole + (seconds > (double)whole || whole < 1 ? 1 : 0);
}

static bool mem_rate_allow(struct relay_store *base, enum relay_budget budget,
                           const char *who, long *retry_after)
{
    struct mem_store *st = (struct mem_store *)(void *)base;
    unsigned char key[KEY_MAX];
    size_t who_len = strnlen(who, RELAY_WHO_MAX);
    size_t key_len = 1 + who_len;
    double rate = st->rate[budget], burst = st->burst[budget];
    struct rate_slot *r;
    bool ok;
    long long now;

    key[0] = (unsigned char)budget;
    memcpy(key + 1, who, who_len);
    pthread_mutex_lock(&st->lock);
    now = st->clock_ms();
    r = rate_slot(st, key, key_len, burst, now);
    r->tokens += (double)(now - r->last_ms) / 1000.0 * rate;
    if (r->tokens > burst)
        r->tokens = burst;
    r->last_ms = now;
    ok = r->tokens >= 1.0;
    if (ok)
        r->tokens -= 1.0;
    else
        *retry_after = seconds_up((1.0 - r->tokens) / rate);
    pthread_mutex_unlock(&st->lock);
    return ok;
}

static const struct relay_store_ops mem_ops = {
    .free = mem_free,
    .purge = mem_purge,
    .health = mem_health,
    .add = mem_add,
    .view = mem_view,
    .answer = mem_answer,
    .poll_start = mem_poll_start,
    .take = mem_take,
    .rate_allow = mem_rate_allow,
};

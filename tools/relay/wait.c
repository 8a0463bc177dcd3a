/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's waiting long polls: each is a suspended MHD connection
 * that holds no thread, found by its state when an answer or a newer poll
 * for the login comes, and by its deadline when nothing does. */
#include "autoconf.h"

#include "relay.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define WAIT_BUCKETS 16384

struct relay_waiter {
    struct relay_waiter *next; /* hash chain by state, or the wake list */
    struct MHD_Connection *conn;
    size_t heap_at; /* index in the deadline heap while armed */
    bool armed;     /* in the hash and the heap: a wake can find it */
    bool suspended; /* MHD_suspend_connection has returned */
    bool woken;     /* a wake came: resumed, or to be once suspended */
    enum relay_wake why;
    uint64_t gen; /* 0 until the poll's first look has numbered it */
    /* The newest poll heard of while gen was 0: a newer one than this
     * poll's own supersedes it once gen is known. */
    uint64_t newest_heard;
    long long deadline_ms;
    char state[RELAY_STATE_LEN + 1];
};

struct relay_waits {
    pthread_mutex_t lock;
    pthread_cond_t sooner; /* a nearer deadline, or stopping */
    pthread_t timer;
    bool timer_started;
    bool stopping;
    uint64_t seed;
    size_t count;
    struct relay_waiter **heap; /* min-heap on deadline_ms */
    size_t heap_cap;
    struct relay_waiter *buckets[WAIT_BUCKETS];
};

static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long relay_now_ms(void)
{
    return mono_ms();
}

/* States are chosen by fleet modules, which hold the key anyway; the seed
 * only keeps chains from lining up by accident across restarts. */
static size_t bucket_of(const struct relay_waits *ws, const char *state)
{
    uint64_t h = ws->seed ^ 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < RELAY_STATE_LEN; i++) {
        h ^= (unsigned char)state[i];
        h *= 0x100000001b3ULL;
    }
    return (size_t)(h ^ (h >> 32)) & (WAIT_BUCKETS - 1);
}

static void heap_swap(struct relay_waits *ws, size_t a, size_t b)
{
    struct relay_waiter *t = ws->heap[a];

    ws->heap[a] = ws->heap[b];
    ws->heap[b] = t;
    ws->heap[a]->heap_at = a;
    ws->heap[b]->heap_at = b;
}

static void heap_fix(struct relay_waits *ws, size_t i)
{
    while (i > 0 &&
           ws->heap[(i - 1) / 2]->deadline_ms > ws->heap[i]->deadline_ms) {
        heap_swap(ws, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < ws->count &&
            ws->heap[l]->deadline_ms < ws->heap[m]->deadline_ms)
            m = l;
        if (r < ws->count &&
            ws->heap[r]->deadline_ms < ws->heap[m]->deadline_ms)
            m = r;
        if (m == i)
            break;
        heap_swap(ws, i, m);
        i = m;
    }
}

static bool arm(struct relay_waits *ws, struct relay_waiter *w)
{
    size_t b = bucket_of(ws, w->state);

    if (ws->count == ws->heap_cap) {
        size_t cap = ws->heap_cap != 0 ? ws->heap_cap * 2 : 1024;
        struct relay_waiter **grown = realloc(ws->heap, cap * sizeof(*grown));
        if (grown == NULL)
            return false;
        ws->heap = grown;
        ws->heap_cap = cap;
    }
    w->heap_at = ws->count;
    ws->heap[ws->count++] = w;
    heap_fix(ws, w->heap_at);
    w->next = ws->buckets[b];
    ws->buckets[b] = w;
    w->armed = true;
    w->woken = false;
    /* The timer sleeps until the nearest deadline: this may be nearer. */
    if (w->heap_at == 0)
        pthread_cond_signal(&ws->sooner);
    return true;
}

static void disarm(struct relay_waits *ws, struct relay_waiter *w)
{
    struct relay_waiter **p = &ws->buckets[bucket_of(ws, w->state)];
    size_t at = w->heap_at;

    while (*p != NULL && *p != w)
        p = &(*p)->next;
    if (*p == w)
        *p = w->next;
    w->next = NULL;
    ws->count--;
    if (at != ws->count) {
        ws->heap[at] = ws->heap[ws->count];
        ws->heap[at]->heap_at = at;
        heap_fix(ws, at);
    }
    w->armed = false;
}

/* Takes w out of reach and marks it woken; returns it when its connection
 * is suspended and so must be resumed by the caller, after the lock is
 * released (resuming needs MHD's own lock). A waiter not yet suspended is
 * resumed by relay_wait_suspended instead. */
static struct relay_waiter *
wake_locked(struct relay_waits *ws, struct relay_waiter *w, enum relay_wake why)
{
    disarm(ws, w);
    w->woken = true;
    w->why = why;
    return w->suspended ? w : NULL;
}

static void resume_all(struct relay_waiter *list)
{
    while (list != NULL) {
        struct relay_waiter *next = list->next;
        /* Still ours: the connection is suspended until this very call,
         * so the request holding w cannot have ended. */
        list->next = NULL;
        MHD_resume_connection(list->conn);
        list = next;
    }
}

/* Deadlines: one thread sleeping until the nearest one. A timerfd per poll
 * would spend a descriptor per waiting login, the very thing connections
 * now need, and MHD owns its epoll set, so deadlines cannot ride in it;
 * one thread and a heap cost the same for ten polls or ten thousand. */
static void *timer_main(void *arg)
{
    struct relay_waits *ws = arg;

    pthread_mutex_lock(&ws->lock);
    while (!ws->stopping) {
        struct relay_waiter *due = NULL;
        long long now = mono_ms();
        struct timespec until;

        while (ws->count > 0 && ws->heap[0]->deadline_ms <= now) {
            struct relay_waiter *w =
                wake_locked(ws, ws->heap[0], RELAY_WAKE_DEADLINE);
            if (w != NULL) {
                w->next = due;
                due = w;
            }
        }
        if (due != NULL) {
            pthread_mutex_unlock(&ws->lock);
            resume_all(due);
            pthread_mutex_lock(&ws->lock);
            continue;
        }
        if (ws->count == 0) {
            pthread_cond_wait(&ws->sooner, &ws->lock);
            continue;
        }
        until.tv_sec = (time_t)(ws->heap[0]->deadline_ms / 1000);
        until.tv_nsec = (long)(ws->heap[0]->deadline_ms % 1000) * 1000000;
        pthread_cond_timedwait(&ws->sooner, &ws->lock, &until);
    }
    pthread_mutex_unlock(&ws->lock);
    return NULL;
}

struct relay_waits *relay_waits_new(void)
{
    struct relay_waits *ws = calloc(1, sizeof(*ws));
    pthread_condattr_t attr;
    bool ok;

    if (ws == NULL)
        return NULL;
    if (getrandom(&ws->seed, sizeof(ws->seed), 0) != (ssize_t)sizeof(ws->seed))
        ws->seed = (uint64_t)mono_ms();
    ok = pthread_condattr_init(&attr) == 0;
    if (ok) {
        /* Monotonic: a clock step cannot cut a long poll short or stretch
         * it. */
        ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
             pthread_cond_init(&ws->sooner, &attr) == 0;
        pthread_condattr_destroy(&attr);
    }
    if (ok && pthread_mutex_init(&ws->lock, NULL) != 0) {
        pthread_cond_destroy(&ws->sooner);
        ok = false;
    }
    if (ok && pthread_create(&ws->timer, NULL, timer_main, ws) != 0) {
        pthread_cond_destroy(&ws->sooner);
        pthread_mutex_destroy(&ws->lock);
        ok = false;
    }
    if (ok) {
        ws->timer_started = true;
        return ws;
    }
    free(ws);
    return NULL;
}

void relay_waits_stop(struct relay_waits *ws)
{
    struct relay_waiter *due = NULL;

    if (ws == NULL)
        return;
    pthread_mutex_lock(&ws->lock);
    ws->stopping = true;
    while (ws->count > 0) {
        struct relay_waiter *w =
            wake_locked(ws, ws->heap[0], RELAY_WAKE_STOPPING);
        if (w != NULL) {
            w->next = due;
            due = w;
        }
    }
    pthread_cond_signal(&ws->sooner);
    pthread_mutex_unlock(&ws->lock);
    resume_all(due);
}

void relay_waits_free(struct relay_waits *ws)
{
    if (ws == NULL)
        return;
    relay_waits_stop(ws);
    if (ws->timer_started)
        pthread_join(ws->timer, NULL);
    pthread_cond_destroy(&ws->sooner);
    pthread_mutex_destroy(&ws->lock);
    free(ws->heap);
    free(ws);
}

size_t relay_waits_count(struct relay_waits *ws)
{
    size_t n;

    pthread_mutex_lock(&ws->lock);
    n = ws->count;
    pthread_mutex_unlock(&ws->lock);
    return n;
}

struct relay_waiter *relay_wait_add(struct relay_waits *ws,
                                    struct MHD_Connection *c, const char *state,
                                    long long deadline_ms)
{
    struct relay_waiter *w = calloc(1, sizeof(*w));
    bool ok;

    if (w == NULL)
        return NULL;
    w->conn = c;
    w->deadline_ms = deadline_ms;
    memcpy(w->state, state, RELAY_STATE_LEN);
    pthread_mutex_lock(&ws->lock);
    ok = !ws->stopping && arm(ws, w);
    pthread_mutex_unlock(&ws->lock);
    if (ok)
        return w;
    free(w);
    return NULL;
}

void relay_wait_numbered(struct relay_waits *ws, struct relay_waiter *w,
                         uint64_t gen, long long deadline_ms)
{
    pthread_mutex_lock(&ws->lock);
    w->gen = gen;
    if (w->armed && w->newest_heard > gen) {
        /* Not suspended yet: relay_wait_suspended resumes it. */
        wake_locked(ws, w, RELAY_WAKE_SUPERSEDED);
    } else if (w->armed && deadline_ms < w->deadline_ms) {
        w->deadline_ms = deadline_ms;
        heap_fix(ws, w->heap_at);
        if (w->heap_at == 0)
            pthread_cond_signal(&ws->sooner);
    }
    pthread_mutex_unlock(&ws->lock);
}

bool relay_wait_rearm(struct relay_waits *ws, struct relay_waiter *w)
{
    bool ok;

    pthread_mutex_lock(&ws->lock);
    w->suspended = false;
    ok = !ws->stopping && arm(ws, w);
    pthread_mutex_unlock(&ws->lock);
    return ok;
}

void relay_wait_suspended(struct relay_waits *ws, struct relay_waiter *w)
{
    bool now;

    pthread_mutex_lock(&ws->lock);
    w->suspended = true;
    now = w->woken;
    pthread_mutex_unlock(&ws->lock);
    /* A wake that came between the waiter's arming and the suspension. */
    if (now)
        MHD_resume_connection(w->conn);
}

enum relay_wake relay_wait_reason(struct relay_waits *ws,
                                  struct relay_waiter *w)
{
    enum relay_wake why;

    pthread_mutex_lock(&ws->lock);
    why = w->woken ? w->why : RELAY_WAKE_NONE;
    pthread_mutex_unlock(&ws->lock);
    return why;
}

long long relay_wait_deadline(const struct relay_waiter *w)
{
    return w->deadline_ms;
}

uint64_t relay_wait_gen(const struct relay_waiter *w)
{
    return w->gen;
}

const char *relay_wait_state(const struct relay_waiter *w)
{
    return w->state;
}

void relay_wait_free(struct relay_waits *ws, struct relay_waiter *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&ws->lock);
    if (w->armed)
        disarm(ws, w);
    pthread_mutex_unlock(&ws->lock);
    free(w);
}

void relay_waits_notify(void *cls, const char *state, uint64_t gen)
{
    struct relay_waits *ws = cls;
    struct relay_waiter *due = NULL, *w, *next;

    pthread_mutex_lock(&ws->lock);
    for (w = ws->buckets[bucket_of(ws, state)]; w != NULL; w = next) {
        next = w->next;
        if (memcmp(w->state, state, RELAY_STATE_LEN) != 0)
            continue;
        /* gen 0: an answer, for every waiter to look at; else a newer poll,
         * which only the waiters before it step aside for. A waiter not
         * numbered yet keeps it for relay_wait_numbered (it may be its own
         * poll's notice). */
        if (gen != 0 && w->gen == 0 && gen > w->newest_heard)
            w->newest_heard = gen;
        if (gen != 0 && (w->gen == 0 || w->gen >= gen))
            continue;
        w = wake_locked(ws, w,
                        gen == 0 ? RELAY_WAKE_CHECK : RELAY_WAKE_SUPERSEDED);
        if (w != NULL) {
            w->next = due;
            due = w;
        }
    }
    pthread_mutex_unlock(&ws->lock);
    resume_all(due);
}

void relay_waits_notify_all(void *cls)
{
    struct relay_waits *ws = cls;
    struct relay_waiter *due = NULL;

    pthread_mutex_lock(&ws->lock);
    while (ws->count > 0) {
        struct relay_waiter *w = wake_locked(ws, ws->heap[0], RELAY_WAKE_CHECK);
        if (w != NULL) {
            w->next = due;
            due = w;
        }
    }
    pthread_mutex_unlock(&ws->lock);
    resume_all(due);
}

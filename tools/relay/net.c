/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's view of who a client is: the connection's address, or,
 * on a connection from a trusted proxy, the last X-Forwarded-For hop that
 * is not itself a trusted proxy; and how long a client may take: each
 * connection has an absolute deadline for a request's headers and body,
 * and one address only so many connections that are slow to send one. */
#include "autoconf.h"

#include "relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TRUSTED_MAX 32
#define XFF_MAX 2048
/* A connection that has waited this long for a request (idle between two,
 * or trickling one) is slow, and one address keeps only so many slow ones
 * (--max-client-connections): a request that comes sooner counts for
 * nothing, so a crowd of phones behind one address (an office's NAT) is
 * never turned away, while a slowloris keeps at most that many. */
#define SLOW_MS 2000

struct addr {
    int family; /* AF_INET or AF_INET6; v4-mapped IPv6 is kept as AF_INET */
    unsigned char bytes[16];
};

/* What a connection is doing, for its deadline. */
enum phase { P_RECEIVING, P_HANDLING };

struct conn {
    struct conn *prev, *next;
    int fd;
    struct addr peer;
    bool exempt; /* a trusted proxy's, or of no address: never slow */
    unsigned long long seq; /* the order connections came in */
    enum phase phase;
    long long since_ms;    /* while P_RECEIVING: waiting since */
    long long deadline_ms; /* while P_RECEIVING */
    bool cut;
};

struct relay_net {
    struct addr trusted[TRUSTED_MAX];
    size_t n_trusted;
    long receive_ms;     /* headers and body, from connect or last answer */
    long per_client_max; /* slow connections per address (SLOW_MS) */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct conn head; /* a ring: head.next is the oldest */
    size_t count;     /* connections in the ring */
    unsigned long long next_seq;
    bool stopping;
    bool watching;
    pthread_t watchdog;
};

static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool parse_addr(const char *s, size_t len, struct addr *out)
{
    char buf[64];

    /* "[v6]" as some proxies write it. */
    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
        s++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, out->bytes) == 1) {
        out->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, buf, out->bytes) != 1)
        return false;
    out->family = AF_INET6;
    if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)(void *)out->bytes)) {
        memmove(out->bytes, out->bytes + 12, 4);
        memset(out->bytes + 4, 0, 12);
        out->family = AF_INET;
    }
    return true;
}

static void from_sockaddr(const struct sockaddr *sa, struct addr *out)
{
    memset(out, 0, sizeof(*out));
    if (sa != NULL && sa->sa_family == AF_INET) {
        out->family = AF_INET;
        memcpy(out->bytes,
               &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa != NULL && sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 =
            &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6)) {
            out->family = AF_INET;
            memcpy(out->bytes, a6->s6_addr + 12, 4);
        } else {
            out->family = AF_INET6;
            memcpy(out->bytes, a6->s6_addr, 16);
        }
    }
}

static void to_sockaddr(const struct addr *a, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof(*out));
    if (a->family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)out;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, a->bytes, 4);
    } else if (a->family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)out;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, a->bytes, 16);
    }
}

static bool is_trusted(const struct relay_net *n, const struct addr *a)
{
    for (size_t i = 0; i < n->n_trusted; i++) {
        if (n->trusted[i].family == a->family &&
            memcmp(n->trusted[i].bytes, a->bytes, 16) == 0)
            return true;
    }
    return false;
}

struct relay_net *relay_net_new(const char *trusted, long receive_s,
                                long per_client_max)
{
    struct relay_net *n = calloc(1, sizeof(*n));
    const char *p = trusted;

    if (n == NULL)
        return NULL;
    n->receive_ms = receive_s * 1000;
    n->per_client_max = per_client_max;
    n->head.prev = n->head.next = &n->head;
    while (p != NULL && *p != '\0') {
        size_t len = strcspn(p, ",");
        while (len > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (n->n_trusted == TRUSTED_MAX ||
            !parse_addr(p, len, &n->trusted[n->n_trusted])) {
            relay_log(NULL, RELAY_ERROR,
                      "haobtc-relay: --trusted-proxy: want numeric addresses "
                      "separated by commas (at most %d)",
                      TRUSTED_MAX);
            free(n);
            return NULL;
        }
        n->n_trusted++;
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    if (pthread_mutex_init(&n->lock, NULL) != 0) {
        free(n);
        return NULL;
    }
    if (pthread_cond_init(&n->wake, NULL) != 0) {
        pthread_mutex_destroy(&n->lock);
        free(n);
        return NULL;
    }
    return n;
}

/* shutdown() makes the socket readable at its end, so the pool thread
 * that holds it closes it. */
static void cut(struct conn *k)
{
    shutdown(k->fd, SHUT_RDWR);
    k->cut = true;
}

static bool is_slow(const struct conn *k, long long now)
{
    return k->phase == P_RECEIVING && !k->cut && !k->exempt &&
           now - k->since_ms >= SLOW_MS;
}

static bool same_addr(const struct addr *a, const struct addr *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, 16) == 0;
}

/* By address, and within one the most recent waiter first (of two since
 * the same millisecond, the later connection). */
static int by_peer_then_newest(const void *pa, const void *pb)
{
    const struct conn *a = *(const struct conn *const *)pa;
    const struct conn *b = *(const struct conn *const *)pb;
    int c = a->peer.family - b->peer.family;

    if (c == 0)
        c = memcmp(a->peer.bytes, b->peer.bytes, 16);
    if (c == 0)
        c = (a->since_ms < b->since_ms) - (a->since_ms > b->since_ms);
    if (c == 0)
        c = (a->seq < b->seq) - (a->seq > b->seq);
    return c;
}

/* An address's slow connections past its share: those that have waited
 * longest are cut. Memory short: left for the next tick. */
static void cut_slow_locked(struct relay_net *n, long long now)
{
    struct conn **slow;
    size_t count = 0, run = 0;

    for (struct conn *k = n->head.next; k != &n->head; k = k->next)
        count += is_slow(k, now);
    if (count <= (size_t)n->per_client_max)
        return;
    slow = malloc(count * sizeof(*slow));
    if (slow == NULL)
        return;
    count = 0;
    for (struct conn *k = n->head.next; k != &n->head; k = k->next) {
        if (is_slow(k, now))
            slow[count++] = k;
    }
    qsort(slow, count, sizeof(*slow), by_peer_then_newest);
    for (size_t i = 0; i < count; i++) {
        run = i > 0 && same_addr(&slow[i]->peer, &slow[i - 1]->peer) ? run + 1
                                                                     : 1;
        if (run > (size_t)n->per_client_max)
            cut(slow[i]);
    }
    free(slow);
}

/* Cuts every connection past its deadline, and slow ones past their
 * address's share. */
static void *watch(void *arg)
{
    struct relay_net *n = arg;
    struct timespec tick;

    pthread_mutex_lock(&n->lock);
    while (!n->stopping) {
        long long now = mono_ms();
        for (struct conn *k = n->head.next; k != &n->head; k = k->next) {
            if (k->phase == P_RECEIVING && !k->cut && now >= k->deadline_ms)
                cut(k);
        }
        cut_slow_locked(n, now);
        clock_gettime(CLOCK_REALTIME, &tick);
        tick.tv_nsec += 250 * 1000000L;
        if (tick.tv_nsec >= 1000000000L) {
            tick.tv_sec++;
            tick.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&n->wake, &n->lock, &tick);
    }
    pthread_mutex_unlock(&n->lock);
    return NULL;
}

bool relay_net_watch(struct relay_net *n)
{
    n->watching = pthread_create(&n->watchdog, NULL, watch, n) == 0;
    return n->watching;
}

void relay_net_free(struct relay_net *n)
{
    if (n == NULL)
        return;
    if (n->watching) {
        pthread_mutex_lock(&n->lock);
        n->stopping = true;
        pthread_cond_signal(&n->wake);
        pthread_mutex_unlock(&n->lock);
        pthread_join(n->watchdog, NULL);
    }
    /* Connections MHD never reported closed (the daemon is gone). */
    while (n->head.next != &n->head) {
        struct conn *k = n->head.next;
        n->head.next = k->next;
        free(k);
    }
    pthread_cond_destroy(&n->wake);
    pthread_mutex_destroy(&n->lock);
    free(n);
}

void relay_net_notify(void *cls, struct MHD_Connection *c,
                      void **socket_context,
                      enum MHD_ConnectionNotificationCode toe)
{
    struct relay_net *n = cls;
    struct conn *k = *socket_context;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        /* Each answer is copied out before the next question: since
         * libmicrohttpd 1.0 every answer for a connection is kept in one
         * place, which the next call overwrites (read later, the
         * descriptor was part of the address's pointer, and the watchdog
         * shut down no connection, or another's). */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        MHD_socket fd = ci != NULL ? ci->connect_fd : MHD_INVALID_SOCKET;
        struct addr peer;

        ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        from_sockaddr(ci != NULL ? ci->client_addr : NULL, &peer);
        k = calloc(1, sizeof(*k));
        if (k == NULL || fd == MHD_INVALID_SOCKET) {
            /* Untracked connections would escape the deadline. */
            if (fd != MHD_INVALID_SOCKET)
                shutdown(fd, SHUT_RDWR);
            free(k);
            return;
        }
        k->fd = fd;
        k->peer = peer;
        k->exempt = k->peer.family == 0 || is_trusted(n, &k->peer);
        k->phase = P_RECEIVING;
        k->since_ms = mono_ms();
        k->deadline_ms = k->since_ms + n->receive_ms;
        pthread_mutex_lock(&n->lock);
        k->seq = n->next_seq++;
        k->prev = n->head.prev;
        k->next = &n->head;
        n->head.prev->next = k;
        n->head.prev = k;
        n->count++;
        pthread_mutex_unlock(&n->lock);
        *socket_context = k;
        return;
    }
    if (k == NULL)
        return;
    /* Unlinked before MHD closes the descriptor, so the watchdog never
     * shuts down a number that now names another connection. */
    pthread_mutex_lock(&n->lock);
    k->prev->next = k->next;
    k->next->prev = k->prev;
    n->count--;
    pthread_mutex_unlock(&n->lock);
    free(k);
    *socket_context = NULL;
}

static void set_phase(struct relay_net *n, struct MHD_Connection *c,
                      enum phase phase, long long since)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn *k = ci != NULL ? ci->socket_context : NULL;

    if (k == NULL)
        return;
    pthread_mutex_lock(&n->lock);
    k->phase = phase;
    k->since_ms = since;
    k->deadline_ms = since + n->receive_ms;
    pthread_mutex_unlock(&n->lock);
}

void relay_net_handling(struct relay_net *n, struct MHD_Connection *c)
{
    set_phase(n, c, P_HANDLING, 0);
}

void relay_net_answered(struct relay_net *n, struct MHD_Connection *c)
{
    /* The next request on a kept-alive connection: a fresh deadline. */
    set_phase(n, c, P_RECEIVING, mono_ms());
}

size_t relay_net_count(struct relay_net *n)
{
    size_t count;

    pthread_mutex_lock(&n->lock);
    count = n->count;
    pthread_mutex_unlock(&n->lock);
    return count;
}

bool relay_net_is_trusted(const struct relay_net *n, const struct sockaddr *sa)
{
    struct addr a;

    from_sockaddr(sa, &a);
    return a.family != 0 && is_trusted(n, &a);
}

struct xff {
    char text[XFF_MAX];
    size_t len;
};

/* Every X-Forwarded-For header, in order, joined with commas: a client
 * can send its own, and the proxy's hop is the last one. Only the right
 * end is kept when it is long: that is the part that counts, and a hop cut
 * in two at the left no longer parses, which ends the walk there. */
static enum MHD_Result collect_xff(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *value)
{
    struct xff *x = cls;
    size_t n, room = sizeof(x->text) - 1;

    (void)kind;
    if (strcasecmp(key, "X-Forwarded-For") != 0 || value == NULL)
        return MHD_YES;
    n = strlen(value);
    if (n >= room) {
        value += n - (room - 1);
        n = room - 1;
    }
    if (x->len > 0 && x->len + 1 + n > room) {
        size_t drop = x->len + 1 + n - room;
        memmove(x->text, x->text + drop, x->len - drop);
        x->len -= drop;
    }
    if (x->len > 0)
        x->text[x->len++] = ',';
    memcpy(x->text + x->len, value, n);
    x->len += n;
    x->text[x->len] = '\0';
    return MHD_YES;
}

void relay_net_client(const struct relay_net *n, struct MHD_Connection *c,
                      struct sockaddr_storage *out)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct addr peer, hop, last_trusted;
    struct xff x = {.len = 0};

    from_sockaddr(ci != NULL ? ci->client_addr : NULL, &peer);
    to_sockaddr(&peer, out);
    if (peer.family == 0 || !is_trusted(n, &peer))
        return;
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_xff, &x);
    last_trusted = peer;
    /* From the right: hops our proxies added, until the first that is
     * not one of them; a hop that is not an address ends the walk. */
    for (size_t end = x.len; end > 0;) {
        size_t start = end;
        while (start > 0 && x.text[start - 1] != ',')
            start--;
        const char *s = x.text + start;
        size_t len = end - start;
        while (len > 0 && (*s == ' ' || *s == '\t')) {
            s++;
            len--;
        }
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (!parse_addr(s, len, &hop))
            break;
        if (!is_trusted(n, &hop)) {
            to_sockaddr(&hop, out);
            return;
        }
        last_trusted = hop;
        end = start > 0 ? start - 1 : 0;
    }
    to_sockaddr(&last_trusted, out);
}

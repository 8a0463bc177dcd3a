/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's check that a request comes from a module of the fleet:
 * an HMAC-SHA256 with the fleet key over method, path, timestamp and body,
 * made within HB_RELAY_AUTH_WINDOW seconds of now and never seen before;
 * and the name of the budget it is counted in. */
#include "autoconf.h"

#include "digest.h"
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KEY_FILE_MAX 4096
#define KEY_MIN 16
/* Every signature accepted in the last 2 * window seconds is remembered:
 * a table of slots (a power of two), probed SEEN_PROBE slots from the
 * signature's own bits (an HMAC output, so nobody without the key can aim
 * at a slot). It starts small, so its memory follows what the fleet sends,
 * and doubles when a signature finds no free slot, up to SEEN_MAX (80 MiB,
 * some 17,000 signed requests a second over the window); past that a
 * request is refused "busy" rather than a signature forgotten. Only the
 * fleet can fill it. */
#define SEEN_FIRST 4096u
#define SEEN_MAX (1u << 21)
#define SEEN_PROBE 64
#define SIG_LEN HB_DIGEST_B64_LEN
/* What the fleet key's MAC of a budget's name starts with, so that it can
 * never be a request's signature. */
#define WHO_PREFIX "haobtc-relay-budget\n"
/* A host longer than the relay takes, even with every byte escaped, is
 * no module's (its registration is refused). */
#define WHO_HOST_MAX (3 * RELAY_HOST_MAX)

struct seen {
    unsigned char mac[32];
    long long expires; /* unix seconds; 0: free */
};

struct relay_auth {
    pthread_mutex_t lock;
    unsigned char key[KEY_FILE_MAX];
    size_t key_len;
    struct seen *seen;
    uint32_t slots;
};

/* Root (or the relay's own user, as systemd's LoadCredential= hands it
 * over) must own it, and nobody else may read or write it. */
struct relay_auth *relay_auth_new(const char *path)
{
    struct relay_auth *a = calloc(1, sizeof(*a));
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    const char *why = NULL;
    struct stat sb;
    ssize_t n = 0;

    if (a == NULL)
        why = "out of memory";
    else if (fd < 0)
        why = strerror(errno);
    else if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        why = "not a regular file";
    else if (sb.st_uid != 0 && sb.st_uid != geteuid())
        why = "owned by another user";
    else if ((sb.st_mode & 077) != 0)
        why = "readable or writable by group or others (chmod 600 it)";
    else if ((n = read(fd, a->key, sizeof(a->key))) < 0)
        why = strerror(errno);
    if (why == NULL) {
        a->key_len = (size_t)n;
        /* The trailing newline an editor or echo adds is not key. */
        while (a->key_len > 0 &&
               strchr(" \t\r\n", a->key[a->key_len - 1]) != NULL)
            a->key_len--;
        if ((size_t)n == sizeof(a->key) || a->key_len < KEY_MIN ||
            memchr(a->key, '\n', a->key_len) != NULL)
            why = "want one line of at least 16 characters (see "
                  "haobtc-relay(8) for how to make one)";
    }
    if (why == NULL) {
        a->slots = SEEN_FIRST;
        a->seen = calloc(a->slots, sizeof(*a->seen));
        if (a->seen == NULL || pthread_mutex_init(&a->lock, NULL) != 0)
            why = "out of memory";
    }
    if (fd >= 0)
        close(fd);
    if (why == NULL)
        return a;
    relay_log(NULL, RELAY_ERROR, "haobtc-relay: --fleet-key-file %s: %s", path,
              why);
    if (a != NULL) {
        free(a->seen);
        hb_wipe(a, sizeof(*a));
        free(a);
    }
    return NULL;
}

void relay_auth_free(struct relay_auth *a)
{
    if (a == NULL)
        return;
    pthread_mutex_destroy(&a->lock);
    free(a->seen);
    hb_wipe(a, sizeof(*a));
    free(a);
}

static uint32_t slot_of(const unsigned char mac[32])
{
    uint32_t h;

    memcpy(&h, mac, sizeof(h));
    return h;
}

/* Looks mac up in the table: false when it is there and live; else *free
 * is the first slot of its probes that is free or expired (NULL: none).
 * Every probe is looked at: a slot that expired since the first sighting
 * must not hide a later one. */
static bool lookup(const struct relay_auth *a, const unsigned char mac[32],
                   long long now, struct seen **free_slot)
{
    uint32_t h = slot_of(mac);
    bool fresh = true;

    *free_slot = NULL;
    for (uint32_t i = 0; i < SEEN_PROBE; i++) {
        struct seen *s = &a->seen[(h + i) & (a->slots - 1)];
        if (s->expires <= now) {
            if (*free_slot == NULL)
                *free_slot = s;
        } else if (hb_ct_equal(s->mac, mac, 32)) {
            fresh = false;
        }
    }
    return fresh;
}

/* Twice the slots, with every live signature moved over; false (and the
 * table as it was) at SEEN_MAX, out of memory, or when a signature finds
 * no free slot in the new table either. */
static bool grow(struct relay_auth *a, long long now)
{
    struct relay_auth bigger = {.slots = a->slots * 2};
    struct seen *slot;

    if (a->slots >= SEEN_MAX)
        return false;
    bigger.seen = calloc(bigger.slots, sizeof(*bigger.seen));
    if (bigger.seen == NULL)
        return false;
    for (uint32_t i = 0; i < a->slots; i++) {
        const struct seen *s = &a->seen[i];
        if (s->expires <= now)
            continue;
        lookup(&bigger, s->mac, now, &slot);
        if (slot == NULL) {
            free(bigger.seen);
            return false;
        }
        *slot = *s;
    }
    free(a->seen);
    a->seen = bigger.seen;
    a->slots = bigger.slots;
    return true;
}

bool relay_auth_remember(struct relay_auth *a, const unsigned char mac[32],
                         long long now, long long expires, bool *full)
{
    struct seen *free_slot;
    bool fresh;

    *full = false;
    pthread_mutex_lock(&a->lock);
    fresh = lookup(a, mac, now, &free_slot);
    while (fresh && free_slot == NULL && grow(a, now))
        fresh = lookup(a, mac, now, &free_slot);
    if (fresh && free_slot == NULL) {
        *full = true;
    } else if (fresh) {
        memcpy(free_slot->mac, mac, 32);
        free_slot->expires = expires;
    }
    pthread_mutex_unlock(&a->lock);
    return fresh && !*full;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

bool relay_auth_present(struct MHD_Connection *c)
{
    return header(c, HB_RELAY_TS_HEADER) != NULL &&
           header(c, HB_RELAY_SIG_HEADER) != NULL;
}

/* The host field of a form as it was sent (still escaped: the name need
 * only tell hosts apart), its first if repeated; false when there is
 * none or it is empty. */
static bool form_host(const char *body, size_t len, const char **host,
                      size_t *host_len)
{
    static const char name[] = HB_RELAY_FIELD_HOST "=";
    const char *p = body, *end = body + len;

    while (p < end) {
        const char *stop = memchr(p, '&', (size_t)(end - p));

        if (stop == NULL)
            stop = end;
        if ((size_t)(stop - p) > strlen(name) &&
            memcmp(p, name, strlen(name)) == 0) {
            *host = p + strlen(name);
            *host_len = (size_t)(stop - *host);
            return true;
        }
        p = stop + 1;
    }
    return false;
}

/* out->who: the fleet key's MAC of "h" and the module's host, or of "a"
 * and the client's address when the form names no host. */
static bool signer_of(const struct relay_auth *a, const char *body, size_t len,
                      struct relay_signed *out)
{
    unsigned char msg[sizeof(WHO_PREFIX) + 1 + WHO_HOST_MAX], mac[32];
    size_t n = strlen(WHO_PREFIX), what_len;
    const char *host;
    const unsigned char *what;
    bool ok;

    memcpy(msg, WHO_PREFIX, n);
    if (form_host(body, len, &host, &what_len) && what_len <= WHO_HOST_MAX) {
        msg[n++] = 'h';
        what = (const unsigned char *)host;
    } else {
        msg[n++] = 'a';
        what_len = relay_client_bytes(out->client, &what);
    }
    if (what_len > 0)
        memcpy(msg + n, what, what_len);
    n += what_len;
    ok = hb_hmac_sha256(a->key, a->key_len, msg, n, mac);
    /* 128 bits name a budget well enough. */
    hb_b64url(mac, 16, out->who);
    return ok;
}

const char *relay_auth_verify(const struct relay_auth *a,
                              struct MHD_Connection *c, const char *method,
                              const char *path, const char *body, size_t len,
                              struct relay_signed *out)
{
    const char *ts = header(c, HB_RELAY_TS_HEADER);
    const char *sig = header(c, HB_RELAY_SIG_HEADER);
    char want[SIG_LEN + 1];
    long stamp;
    long long now = (long long)time(NULL);

    if (ts == NULL || sig == NULL)
        return "unauthenticated";
    if (!hb_parse_long(ts, 0, 0x7fffffffL, &stamp) || strlen(sig) != SIG_LEN)
        return "bad signature";
    if (!hb_fleet_mac(a->key, a->key_len, method, path, ts, body, len,
                      out->mac))
        return "internal";
    hb_b64url(out->mac, sizeof(out->mac), want);
    if (!hb_ct_equal(want, sig, SIG_LEN))
        return "bad signature";
    if (stamp < now - HB_RELAY_AUTH_WINDOW ||
        stamp > now + HB_RELAY_AUTH_WINDOW)
        return "stale signature";
    if (!signer_of(a, body, len, out))
        return "internal";
    /* Past that moment this relay refuses the signature as stale. */
    out->expires = (long long)stamp + HB_RELAY_AUTH_WINDOW + 1;
    return NULL;
}

/* Only a signed request gets here, so only the fleet can fill the table
 * of signatures. Rate first: a request refused for its rate leaves its
 * signature unused, and the module may send it again. */
enum relay_result relay_admit(struct relay_auth *a, struct relay_store *st,
                              const struct relay_signed *s, long *retry_after)
{
    bool full = false;

    if (st->ops->admit != NULL)
        return st->ops->admit(st, s, retry_after);
    if (!relay_store_rate_allow(st, RELAY_BUDGET_MODULE, s->who, retry_after))
        return RELAY_LIMITED;
    if (!relay_auth_remember(a, s->mac, (long long)time(NULL), s->expires,
                             &full))
        return full ? RELAY_FULL : RELAY_REPLAYED;
    return RELAY_OK;
}

enum relay_result relay_admit_poll_start(struct relay_auth *a,
                                         struct relay_store *st,
                                         const struct relay_signed *s,
                                         long *retry_after, const char *state,
                                         long wait, uint64_t *gen,
                                         char **code_out, long long *left_ms)
{
    enum relay_result rc;

    *code_out = NULL;
    if (st->ops->admit_poll_start != NULL)
        return st->ops->admit_poll_start(st, s, retry_after, state, wait, gen,
                                         code_out, left_ms);
    rc = relay_admit(a, st, s, retry_after);
    if (rc != RELAY_OK)
        return rc;
    return relay_store_poll_start(st, state, gen, code_out, left_ms);
}

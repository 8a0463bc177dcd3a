/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's connections to Redis: redis:// or rediss:// (TLS), a
 * password from a file, a pool of connections with short deadlines, and
 * a memory of why the last attempt failed. hiredis speaks the protocol;
 * the bytes travel here, because Debian's hiredis has no TLS. */
#include "autoconf.h"

#include "resp.h"
#include "secure.h"
#include "text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#define CONNECT_MS 500
#define IO_MS 1000
/* After a failure, calls fail at once for this long instead of each one
 * waiting out a connect: the relay answers 503 quickly meanwhile. */
#define BACKOFF_MS 250
#define PASSWORD_MAX 512

struct relay_resp_conn {
    struct relay_resp_conn *next; /* the pool's idle list */
    long long idle_since_ms;
    int fd;
    gnutls_session_t tls; /* NULL on redis:// */
    redisReader *reader;
};

struct relay_resp {
    pthread_mutex_t lock;
    struct relay_resp_conn *idle;
    char host[256];
    char port[8];
    long db;
    char user[128];
    char password[PASSWORD_MAX];
    /* rediss:// only: the CAs trusted and TLS 1.2 or later. */
    gnutls_certificate_credentials_t tls;
    gnutls_priority_t versions;
    long long retry_at_ms; /* no attempt before this (after a failure) */
    char why[160];         /* the last failure, "" when none since */
};

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool set_why(char *why, size_t n, const char *what, const char *detail)
{
    snprintf(why, n, "%s%s%s", what, detail != NULL ? ": " : "",
             detail != NULL ? detail : "");
    return false;
}

/* redis[s]://[user@]host[:port][/db]: no password in the URL, which
 * would show in ps; it comes from a file. */
static bool parse_url(struct relay_resp *r, const char *url, bool *tls,
                      char *why, size_t n)
{
    const char *p, *host, *end;
    size_t len;

    *tls = strncmp(url, "rediss://", 9) == 0;
    if (!*tls && strncmp(url, "redis://", 8) != 0)
        return set_why(why, n, "want redis://HOST[:PORT][/DB] or rediss://",
                       NULL);
    p = url + (*tls ? 9 : 8);
    end = p + strcspn(p, "/");
    host = memchr(p, '@', (size_t)(end - p));
    if (host != NULL) {
        len = (size_t)(host - p);
        if (memchr(p, ':', len) != NULL)
            return set_why(why, n,
                           "no password in the URL (use "
                           "--store-password-file)",
                           NULL);
        if (len == 0 || len >= sizeof(r->user))
            return set_why(why, n, "bad user name", NULL);
        memcpy(r->user, p, len);
        p = host + 1;
    }
    if (*p == '[') {
        host = p + 1;
        p = memchr(host, ']', (size_t)(end - host));
        if (p == NULL)
            return set_why(why, n, "unclosed [", NULL);
        len = (size_t)(p - host);
        p++;
    } else {
        host = p;
        len = strcspn(p, ":/");
        p += len;
    }
    if (len == 0 || len >= sizeof(r->host))
        return set_why(why, n, "bad host", NULL);
    memcpy(r->host, host, len);
    snprintf(r->port, sizeof(r->port), "6379");
    if (*p == ':') {
        long port;
        char digits[8];
        len = (size_t)(end - p - 1);
        if (len == 0 || len >= sizeof(digits))
            return set_why(why, n, "bad port", NULL);
        memcpy(digits, p + 1, len);
        digits[len] = '\0';
        if (!hb_parse_long(digits, 1, 65535, &port))
            return set_why(why, n, "bad port", NULL);
        snprintf(r->port, sizeof(r->port), "%ld", port);
    } else if (p != end) {
        return set_why(why, n, "bad host", NULL);
    }
    r->db = 0;
    if (*end == '/' && end[1] != '\0' &&
        !hb_parse_long(end + 1, 0, 1000000, &r->db))
        return set_why(why, n, "bad database number", NULL);
    return true;
}

/* The same rules as every secret file here: ours or root's, nobody
 * else's to read or write. */
static bool read_password(struct relay_resp *r, const char *path, char *why,
                          size_t n)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    struct stat sb;
    ssize_t got;
    size_t len;

    if (fd < 0)
        return set_why(why, n, path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (sb.st_uid != 0 && sb.st_uid != geteuid()) || (sb.st_mode & 077)) {
        close(fd);
        return set_why(why, n, path,
                       "want a regular file of ours or root's, mode 0600");
    }
    got = read(fd, r->password, sizeof(r->password) - 1);
    close(fd);
    if (got < 0 || (size_t)got == sizeof(r->password) - 1)
        return set_why(why, n, path, "unreadable or too long");
    len = (size_t)got;
    while (len > 0 && strchr(" \t\r\n", r->password[len - 1]) != NULL)
        len--;
    r->password[len] = '\0';
    if (len == 0 || memchr(r->password, '\n', len) != NULL)
        return set_why(why, n, path, "want one line");
    return true;
}

static void tls_free(struct relay_resp *r)
{
    if (r->versions != NULL)
        gnutls_priority_deinit(r->versions);
    if (r->tls != NULL)
        gnutls_certificate_free_credentials(r->tls);
    r->versions = NULL;
    r->tls = NULL;
}

/* A CA file must hold at least one certificate: with none, no Redis could
 * ever be verified, and the relay would only say so at the first call. */
static bool tls_setup(struct relay_resp *r, const char *ca_file)
{
    if (gnutls_certificate_allocate_credentials(&r->tls) != 0) {
        r->tls = NULL;
        return false;
    }
    if (gnutls_priority_init(&r->versions,
                             "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2",
                             NULL) != 0) {
        r->versions = NULL;
        return false;
    }
    return (ca_file != NULL
                ? gnutls_certificate_set_x509_trust_file(r->tls, ca_file,
                                                         GNUTLS_X509_FMT_PEM)
                : gnutls_certificate_set_x509_system_trust(r->tls)) > 0;
}

struct relay_resp *relay_resp_new(const char *url, const char *password_file,
                                  const char *ca_file, char *why, size_t n)
{
    struct relay_resp *r = calloc(1, sizeof(*r));
    bool tls = false;

    if (r == NULL) {
        set_why(why, n, "out of memory", NULL);
        return NULL;
    }
    if (!parse_url(r, url, &tls, why, n) ||
        (password_file != NULL && !read_password(r, password_file, why, n)))
        goto fail;
    if (tls && !tls_setup(r, ca_file)) {
        set_why(why, n, "cannot set up TLS",
                ca_file != NULL ? "check --store-ca-file" : NULL);
        goto fail;
    }
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        set_why(why, n, "out of memory", NULL);
        goto fail;
    }
    return r;
fail:
    tls_free(r);
    hb_wipe(r, sizeof(*r));
    free(r);
    return NULL;
}

void relay_resp_close(struct relay_resp_conn *c)
{
    if (c == NULL)
        return;
    if (c->tls != NULL)
        gnutls_deinit(c->tls);
    if (c->fd >= 0)
        close(c->fd);
    if (c->reader != NULL)
        redisReaderFree(c->reader);
    free(c);
}

void relay_resp_free(struct relay_resp *r)
{
    if (r == NULL)
        return;
    while (r->idle != NULL) {
        struct relay_resp_conn *c = r->idle;
        r->idle = c->next;
        relay_resp_close(c);
    }
    pthread_mutex_destroy(&r->lock);
    tls_free(r);
    hb_wipe(r, sizeof(*r));
    free(r);
}

/* Waits until fd is ready for events or the deadline passes. */
static bool wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd p = {fd, events, 0};
        int rc;

        if (left <= 0)
            return false;
        rc = poll(&p, 1, (int)left);
        if (rc > 0)
            return true;
        if (rc == 0 || errno != EINTR)
            return false;
    }
}

static int tcp_connect(const struct relay_resp *r, long long deadline,
                       char *why, size_t n)
{
    struct addrinfo hints = {0}, *res = NULL;
    int fd = -1, rc, one = 1;

    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    rc = getaddrinfo(r->host, r->port, &hints, &res);
    if (rc != 0) {
        set_why(why, n, "cannot resolve the Redis host", gai_strerror(rc));
        return -1;
    }
    for (struct addrinfo *a = res; a != NULL && fd < 0; a = a->ai_next) {
        int err = 0;
        socklen_t len = sizeof(err);

        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 &&
            (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, deadline) ||
             getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
             err != 0)) {
            set_why(why, n, "cannot connect to Redis",
                    err != 0 ? strerror(err) : "timed out");
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* After a TLS call on a non-blocking socket returned rc: 1 done, 0 try
 * again (after waiting for the way GnuTLS wants to go), -1 failed. */
static int tls_step(struct relay_resp_conn *c, ssize_t rc, long long deadline)
{
    if (rc >= 0)
        return 1;
    if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED)
        return -1;
    return wait_fd(c->fd,
                   gnutls_record_get_direction(c->tls) != 0 ? POLLOUT : POLLIN,
                   deadline)
               ? 0
               : -1;
}

static bool send_all(struct relay_resp_conn *c, const char *buf, size_t len,
                     long long deadline)
{
    while (len > 0) {
        ssize_t sent;

        if (c->tls != NULL) {
            /* After GNUTLS_E_AGAIN the same bytes go again, as it asks. */
            ssize_t rc = gnutls_record_send(c->tls, buf, len);
            if (tls_step(c, rc, deadline) < 0)
                return false;
            sent = rc > 0 ? rc : 0;
        } else {
            sent = send(c->fd, buf, len, MSG_NOSIGNAL);
            if (sent < 0 && (errno == EAGAIN || errno == EINTR)) {
                if (!wait_fd(c->fd, POLLOUT, deadline))
                    return false;
                sent = 0;
            } else if (sent < 0) {
                return false;
            }
        }
        buf += sent;
        len -= (size_t)sent;
    }
    return true;
}

/* 1: a reply in *out; 0: none before the deadline; -1: the connection is
 * broken or the reply malformed. */
int relay_resp_read(struct relay_resp_conn *c, long long deadline,
                    redisReply **out)
{
    char buf[4096];
    void *reply = NULL;
    int rc = -1;

    *out = NULL;
    for (;;) {
        ssize_t got;

        if (redisReaderGetReply(c->reader, &reply) != REDIS_OK)
            break;
        if (reply != NULL) {
            /* Consumed bytes may hold a code: wiped, not left behind. */
            hb_wipe(c->reader->buf, c->reader->pos);
            *out = reply;
            rc = 1;
            break;
        }
        /* Waited for first: a reply is never there the moment a command
         * has gone, and a read that finds nothing costs a system call. */
        if ((c->tls == NULL || gnutls_record_check_pending(c->tls) == 0) &&
            !wait_fd(c->fd, POLLIN, deadline)) {
            rc = now_ms() >= deadline ? 0 : -1;
            break;
        }
        if (c->tls != NULL) {
            ssize_t n = gnutls_record_recv(c->tls, buf, sizeof(buf));
            /* 0: Redis closed the connection. */
            int step = n == 0 ? -1 : tls_step(c, n, deadline);
            if (step < 0) {
                rc = now_ms() >= deadline ? 0 : -1;
                break;
            }
            got = n > 0 ? n : 0;
        } else {
            got = recv(c->fd, buf, sizeof(buf), 0);
            if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
                if (!wait_fd(c->fd, POLLIN, deadline)) {
                    rc = now_ms() >= deadline ? 0 : -1;
                    break;
                }
                continue;
            }
            if (got <= 0)
                break;
        }
        if (got > 0 && redisReaderFeed(c->reader, buf, (size_t)got) != REDIS_OK)
            break;
    }
    hb_wipe(buf, sizeof(buf));
    return rc;
}

bool relay_resp_send(struct relay_resp_conn *c, int argc, const char **argv,
                     const size_t *lens, long long deadline)
{
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, lens);
    bool ok;

    if (len < 0)
        return false;
    ok = send_all(c, cmd, (size_t)len, deadline);
    hb_wipe(cmd, (size_t)len);
    redisFreeCommand(cmd);
    return ok;
}

static redisReply *call_on(struct relay_resp_conn *c, int argc,
                           const char **argv, const size_t *lens)
{
    long long deadline = now_ms() + IO_MS;
    redisReply *reply = NULL;

    if (!relay_resp_send(c, argc, argv, lens, deadline) ||
        relay_resp_read(c, deadline, &reply) != 1)
        return NULL;
    return reply;
}

/* Whether a setup command's reply says it worked. Redis's own text is
 * not repeated: it may quote the arguments, the password among them. */
static bool accepted(redisReply *reply, char *why, size_t n, const char *what)
{
    bool ok = reply != NULL && reply->type != REDIS_REPLY_ERROR;

    if (!ok)
        set_why(why, n, what, reply != NULL ? NULL : "no answer from Redis");
    if (reply != NULL && reply->str != NULL)
        hb_wipe(reply->str, reply->len);
    freeReplyObject(reply);
    return ok;
}

/* The handshake on c's socket: 0, or GnuTLS's error. The certificate must
 * chain to a trusted CA and name the host asked for, a name or an
 * address (which is not sent as the server name: RFC 6066 allows none). */
static int tls_connect(const struct relay_resp *r, struct relay_resp_conn *c,
                       long long deadline)
{
    unsigned char addr[sizeof(struct in6_addr)];
    bool literal = inet_pton(AF_INET, r->host, addr) == 1 ||
                   inet_pton(AF_INET6, r->host, addr) == 1;
    int rc = gnutls_init(&c->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK);

    if (rc != 0) {
        c->tls = NULL;
        return rc;
    }
    rc = gnutls_priority_set(c->tls, r->versions);
    if (rc == 0)
        rc = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, r->tls);
    if (rc == 0 && !literal)
        rc = gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, r->host,
                                    strlen(r->host));
    if (rc != 0)
        return rc;
    gnutls_session_set_verify_cert(c->tls, r->host, 0);
    gnutls_transport_set_int(c->tls, c->fd);
    do
        rc = gnutls_handshake(c->tls);
    while (rc < 0 && tls_step(c, rc, deadline) == 0);
    return rc;
}

struct relay_resp_conn *relay_resp_connect(struct relay_resp *r, char *why,
                                           size_t n)
{
    long long deadline = now_ms() + CONNECT_MS + IO_MS;
    struct relay_resp_conn *c = calloc(1, sizeof(*c));
    int tls_rc;

    if (c == NULL) {
        set_why(why, n, "out of memory", NULL);
        return NULL;
    }
    c->fd = tcp_connect(r, now_ms() + CONNECT_MS, why, n);
    c->reader = c->fd >= 0 ? redisReaderCreate() : NULL;
    if (c->reader == NULL)
        goto fail;
    if (r->tls != NULL && (tls_rc = tls_connect(r, c, deadline)) != 0) {
        set_why(why, n, "TLS to Redis failed", gnutls_strerror(tls_rc));
        goto fail;
    }
    if (r->password[0] != '\0') {
        bool user = r->user[0] != '\0';
        const char *argv[3] = {"AUTH", user ? r->user : r->password,
                               r->password};
        size_t lens[3] = {4, strlen(argv[1]), strlen(r->password)};
        if (!accepted(call_on(c, user ? 3 : 2, argv, lens), why, n,
                      "Redis refused the password"))
            goto fail;
    }
    if (r->db != 0) {
        char db[24];
        const char *argv[2] = {"SELECT", db};
        size_t lens[2] = {6, 0};
        lens[1] = (size_t)snprintf(db, sizeof(db), "%ld", r->db);
        if (!accepted(call_on(c, 2, argv, lens), why, n,
                      "Redis refused the database number"))
            goto fail;
    }
    return c;
fail:
    relay_resp_close(c);
    return NULL;
}

/* An idle connection that Redis closed (a restart) reads as ready: it
 * is dropped here rather than failing the next command. One back in the
 * pool this very moment is taken as it is: a restart takes longer than
 * that, and a busy relay saves a system call per command. */
#define FRESH_MS 20

static bool still_open(const struct relay_resp_conn *c, long long now)
{
    struct pollfd p = {c->fd, POLLIN, 0};

    return now - c->idle_since_ms < FRESH_MS || poll(&p, 1, 0) == 0;
}

redisReply *relay_resp_call(struct relay_resp *r, int argc, const char **argv,
                            const size_t *lens)
{
    struct relay_resp_conn *c = NULL;
    redisReply *reply = NULL;
    char why[sizeof(r->why)] = "";
    long long now = now_ms();

    pthread_mutex_lock(&r->lock);
    while (c == NULL && r->idle != NULL) {
        c = r->idle;
        r->idle = c->next;
        if (!still_open(c, now)) {
            relay_resp_close(c);
            c = NULL;
        }
    }
    if (c == NULL && now < r->retry_at_ms) {
        pthread_mutex_unlock(&r->lock);
        return NULL;
    }
    pthread_mutex_unlock(&r->lock);
    if (c == NULL)
        c = relay_resp_connect(r, why, sizeof(why));
    if (c != NULL) {
        reply = call_on(c, argc, argv, lens);
        if (reply == NULL) {
            set_why(why, sizeof(why), "Redis stopped answering", NULL);
            relay_resp_close(c);
            c = NULL;
        }
    }
    pthread_mutex_lock(&r->lock);
    if (c != NULL) {
        c->idle_since_ms = now_ms();
        c->next = r->idle;
        r->idle = c;
        r->why[0] = '\0';
    } else {
        r->retry_at_ms = now_ms() + BACKOFF_MS;
        memcpy(r->why, why, sizeof(r->why));
    }
    pthread_mutex_unlock(&r->lock);
    return reply;
}

void relay_resp_why(struct relay_resp *r, char *why, size_t n)
{
    pthread_mutex_lock(&r->lock);
    snprintf(why, n, "%s", r->why[0] != '\0' ? r->why : "Redis unreachable");
    pthread_mutex_unlock(&r->lock);
}

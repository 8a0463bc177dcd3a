/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay: HTTP handling and main of the daemon that carries an OAuth
 * code from a person's phone to the PAM module waiting for it. */
#include "autoconf.h"

#include "files.h"
#include "relay.h"
#include "resp.h"
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

/* Each connection's libmicrohttpd pool holds its request line and
 * headers and its answer's headers, and libmicrohttpd zeroes all of it
 * between two requests on a kept-alive connection: such a connection
 * costs its whole pool. A module registers and then polls on one, so a
 * waiting login would cost 16 KiB and a little (measured: 180 MiB for
 * 10,000). Modules' requests are a few hundred bytes: on --module-port
 * they get 4 KiB, which takes some 2.5 KiB of headers more than a module
 * sends (61 MiB for the same 10,000). Phones' carry a browser's headers,
 * cookies of the parent domain among them: 16 KiB takes some 7 KiB. */
#define PHONE_POOL_SIZE (16 * 1024)
#define MODULE_POOL_SIZE (4 * 1024)
/* Connections cost a descriptor and a few KiB, not a thread: the cap is
 * what the descriptor limit allows, up to this. */
#define CONNECTIONS_MAX 65536
/* Descriptors kept for everything that is not a client connection. */
#define FD_RESERVE 64
/* The pool's threads run every connection's events; waiting polls are
 * suspended connections and hold none, so a few suffice. */
#define THREADS 4
#define PEM_MAX (1024 * 1024)

/* Pages freed inside malloc's heaps go back to the system. A closed
 * connection frees its 16 KiB pool, of which it touched a page or two; a
 * new one carved from that free space touches other pages of it, so
 * after a burst (10,000 waiting polls, say) the memory the burst reserved
 * would fill up page by page with the connections that follow (measured:
 * 62 -> 73 MiB over 100,000, and growing). Every tick (10 s), a few ms. */
static void give_back_memory(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/* Numeric addresses only: a name could resolve differently tomorrow. */
static bool listen_address(const char *host, long port,
                           struct sockaddr_storage *ss, bool *v6)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)ss;

    memset(ss, 0, sizeof(*ss));
    *v6 = inet_pton(AF_INET6, host, &a6->sin6_addr) == 1;
    if (*v6) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        return true;
    }
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
        relay_log(NULL, RELAY_ERROR,
                  "haobtc-relay: --listen: not a numeric address");
        return false;
    }
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    return true;
}

/* The listening socket, bound here rather than by libmicrohttpd so that a
 * failure names the address and the port it was for (libmicrohttpd's own
 * message names its port argument, 0 when the address carries the port);
 * -1 after a message on stderr. */
static int listen_on(const char *host, long port, bool *v6)
{
    struct sockaddr_storage addr;
    int fd, err, on = 1;

    if (!listen_address(host, port, &addr, v6))
        return -1;
    fd = socket(*v6 ? AF_INET6 : AF_INET,
                SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* As libmicrohttpd would: a restart binds at once, and an IPv6
     * address is IPv6 only. */
    if (fd >= 0 &&
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0 &&
        (!*v6 ||
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == 0) &&
        bind(fd, (const struct sockaddr *)&addr,
             *v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) ==
            0 &&
        listen(fd, SOMAXCONN) == 0)
        return fd;
    err = errno;
    if (fd >= 0)
        close(fd);
    relay_log(NULL, RELAY_ERROR,
              "haobtc-relay: cannot listen on %s%s%s:%ld: %s", *v6 ? "[" : "",
              host, *v6 ? "]" : "", port, strerror(err));
    return -1;
}

/* Reads a whole PEM file as MHD wants it: one NUL-terminated string. */
static char *read_pem(const char *path, bool secret, size_t *len)
{
    FILE *f = fopen(path, "re");
    struct stat sb;
    char *buf = f != NULL ? calloc(1, PEM_MAX + 1) : NULL;

    *len = 0;
    if (buf != NULL) {
        /* Unbuffered, so no stdio copy of the key is left behind. */
        setvbuf(f, NULL, _IONBF, 0);
        *len = fread(buf, 1, PEM_MAX, f);
        if (ferror(f) || !feof(f) || *len == 0) {
            hb_wipe(buf, PEM_MAX);
            free(buf);
            buf = NULL;
        }
    }
    if (buf == NULL)
        relay_log(NULL, RELAY_ERROR, "haobtc-relay: %s: cannot read a PEM file",
                  path);
    /* A group may be meant to read it (Debian's ssl-cert); others not. */
    else if (secret && fstat(fileno(f), &sb) == 0 && (sb.st_mode & 007) != 0)
        relay_log(NULL, RELAY_WARNING,
                  "haobtc-relay: warning: %s: readable or writable by "
                  "others (chmod o= it)",
                  path);
    if (f != NULL)
        fclose(f);
    return buf;
}

/* As many descriptors as the hard limit allows: each waiting login is a
 * connection, and the soft limit is often 1024. */
static size_t connections_max(void)
{
    struct rlimit rl;
    rlim_t want;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024 - FD_RESERVE;
    want = rl.rlim_max == RLIM_INFINITY ||
                   rl.rlim_max > CONNECTIONS_MAX + FD_RESERVE
               ? CONNECTIONS_MAX + FD_RESERVE
               : rl.rlim_max;
    if (want > rl.rlim_cur) {
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < 2 * FD_RESERVE)
        return FD_RESERVE;
    return rl.rlim_cur > CONNECTIONS_MAX + FD_RESERVE
               ? CONNECTIONS_MAX
               : (size_t)rl.rlim_cur - FD_RESERVE;
}

/* libmicrohttpd's own messages (MHD_USE_ERROR_LOG), through the log. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    size_t n;

    (void)cls;
    vsnprintf(line, sizeof(line), fmt, ap);
    n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    relay_log(NULL, RELAY_ERROR, "%s", line);
}

static struct MHD_Daemon *start(struct listener *l, long port, size_t pool_size,
                                char *cert_pem, char *key_pem, size_t max_conns)
{
    struct server *sv = l->sv;
    const char *host = sv->opt.listen != NULL ? sv->opt.listen : "127.0.0.1";
    /* epoll with a fixed pool of threads; a waiting long poll is a
     * suspended connection. ITC lets MHD_quiesce_daemon stop accepts
     * before the final drain, and a resume wake its thread. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    bool v6 = false;
    struct MHD_OptionItem ops[12];
    size_t n = 0;
    struct MHD_Daemon *d;
    int fd = listen_on(host, port, &v6);

    if (fd < 0)
        return NULL;
    if (v6)
        flags |= MHD_USE_IPv6;
    if (cert_pem != NULL)
        flags |= MHD_USE_TLS;
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL};
    ops[n++] =
        (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, THREADS, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT,
                                       (intptr_t)max_conns, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                       (intptr_t)pool_size, NULL};
    ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL};
    ops[n++] =
        (struct MHD_OptionItem){MHD_OPTION_THREAD_STACK_SIZE, 512 * 1024, NULL};
    if (cert_pem != NULL) {
        ops[n++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert_pem};
        ops[n++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key_pem};
    }
    ops[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    /* The logger first: MHD complains of options read before it. */
    d = MHD_start_daemon(flags, 0, NULL, NULL, relay_handle, l,
                         MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                         MHD_OPTION_NOTIFY_COMPLETED, relay_request_done, l,
                         /* Per-address caps and the receive deadline
                          * (net.c): MHD's own per-IP limit cannot spare
                          * the trusted proxies, nor tell a slow connection
                          * from a quick one. */
                         MHD_OPTION_NOTIFY_CONNECTION, relay_net_notify,
                         sv->relay.net, MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
    /* On failure libmicrohttpd has closed fd (its message says why: a
     * certificate it cannot use, say). */
    if (d == NULL)
        relay_log(NULL, RELAY_ERROR, "haobtc-relay: cannot serve on %s%s%s:%ld",
                  v6 ? "[" : "", host, v6 ? "]" : "", port);
    return d;
}

/* Stops accepting on both ports, lets every waiting poll answer 503
 * (bounded), then stops MHD, which must find no connection still
 * suspended. */
static void stop(struct server *sv, struct MHD_Daemon *d[2])
{
    MHD_socket listening[2] = {MHD_INVALID_SOCKET, MHD_INVALID_SOCKET};

    for (int k = 0; k < 2; k++) {
        if (d[k] != NULL)
            listening[k] = MHD_quiesce_daemon(d[k]);
    }
    relay_waits_stop(sv->relay.waits);
    /* A shutdown-only wait: the woken polls need a moment to send. */
    for (int i = 0; d[0] != NULL && i < 300 && atomic_load(&sv->in_flight) > 0;
         i++) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    for (int k = 0; k < 2; k++) {
        if (d[k] != NULL)
            MHD_stop_daemon(d[k]);
        if (listening[k] != MHD_INVALID_SOCKET)
            close(listening[k]);
    }
}

/* The provider's authorize URL for a state, up to the state's value:
 * authorize-url?response_type=code&client_id=ID&redirect_uri=PUBLIC/cb&
 * state=; and the origin (scheme://host[:port]) of the public URL. */
static bool build_continue(struct relay *r, const struct relay_options *o)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *au = o->authorize_url;
    char cb[RELAY_URL_MAX], enc[3 * RELAY_URL_MAX + 1];
    size_t e = 0, host_end;
    int n;

    n = snprintf(cb, sizeof(cb), "%.*s/cb", (int)r->public_len, r->public_url);
    if (n < 0 || (size_t)n >= sizeof(cb))
        return false;
    for (const char *p = cb; *p != '\0'; p++) {
        if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789-._~",
                   *p) != NULL) {
            enc[e++] = *p;
        } else {
            enc[e++] = '%';
            enc[e++] = hex[(unsigned char)*p >> 4];
            enc[e++] = hex[(unsigned char)*p & 15];
        }
    }
    enc[e] = '\0';
    if (asprintf(
            &r->continue_prefix,
            "%s%sresponse_type=code&client_id=%s&redirect_uri=%s&state=", au,
            strchr(au, '?') == NULL                                  ? "?"
            : au[strlen(au) - 1] == '?' || au[strlen(au) - 1] == '&' ? ""
                                                                     : "&",
            o->client_id, enc) < 0) {
        r->continue_prefix = NULL;
        return false;
    }
    host_end = (size_t)(strstr(r->public_url, "://") - r->public_url) + 3;
    host_end += strcspn(r->public_url + host_end, "/?");
    if (host_end > r->public_len)
        host_end = r->public_len;
    snprintf(r->origin, sizeof(r->origin), "%.*s", (int)host_end,
             r->public_url);
    return true;
}

/* libmicrohttpd aborts on what it takes for a misuse (a connection still
 * suspended at its stop, say); its default says nothing of where. */
static void on_mhd_panic(void *cls, const char *file, unsigned int line,
                         const char *reason)
{
    (void)cls;
    relay_log(NULL, RELAY_ERROR,
              "haobtc-relay: libmicrohttpd gave up at %s:%u: %s",
              file != NULL ? file : "?", line, reason != NULL ? reason : "?");
    abort();
}

/* --check-config (as smtpd -n): reads and checks what a start would,
 * short of binding, starting a thread or connecting to the store. */
static bool check_config(const struct relay_options *o)
{
    struct sockaddr_storage addr;
    struct relay_auth *auth;
    struct relay_net *net;
    struct relay_resp *resp;
    const char *trusted = o->trusted_proxy;
    char *pem;
    size_t len = 0;
    char why[256] = "";
    bool v6;

    if (!listen_address(o->listen != NULL ? o->listen : "127.0.0.1", o->port,
                        &addr, &v6))
        return false;
    auth = relay_auth_new(o->fleet_key_file);
    if (auth == NULL)
        return false;
    relay_auth_free(auth);
    if (trusted != NULL && strcmp(trusted, "none") == 0)
        trusted = NULL;
    net = relay_net_new(trusted, o->receive_timeout, o->max_client_connections);
    if (net == NULL)
        return false;
    relay_net_free(net);
    for (int k = 0; k < 2 && o->cert != NULL; k++) {
        pem = read_pem(k == 0 ? o->cert : o->key, k == 1, &len);
        if (pem == NULL)
            return false;
        hb_wipe(pem, len);
        free(pem);
    }
    if (o->store != NULL && strcmp(o->store, "memory") != 0) {
        resp = relay_resp_new(o->store, o->store_password_file,
                              o->store_ca_file, why, sizeof(why));
        if (resp == NULL) {
            relay_log(NULL, RELAY_ERROR, "haobtc-relay: --store: %s", why);
            return false;
        }
        relay_resp_free(resp);
    }
    return true;
}

int main(int argc, char **argv)
{
    struct server sv = {0};
    struct relay *r = &sv.relay;
    char *cert_pem = NULL, *key_pem = NULL;
    size_t cert_len = 0, key_len = 0;
    /* [0] the public port, [1] the module port (--module-port) */
    struct MHD_Daemon *d[2] = {NULL, NULL};
    struct listener ports[2] = {{&sv, false}, {&sv, true}};
    const union MHD_DaemonInfo *info;
    unsigned port = 0;
    size_t max_conns;
    struct relay_limits limits;
    char why[256] = "", modules_on[32] = "";
    const char *trusted;
    sigset_t sigs;
    int status = EXIT_FAILURE;
    int rc = relay_parse_options(argc, argv, &sv.opt);

    if (rc != 0) {
        relay_free_options(&sv.opt);
        return rc < 0 ? EXIT_SUCCESS : 2;
    }
    relay_log_level(sv.opt.quiet   ? RELAY_ERROR
                    : sv.opt.debug ? RELAY_DEBUG
                                   : RELAY_INFO);
    /* Blocked before any thread starts (the store's, the watchdog, the
     * poll timer, libmicrohttpd's), so only sigtimedwait sees them: one
     * that came to another thread would end the process on the spot,
     * with no clean stop and status 143. */
    MHD_set_panic_func(on_mhd_panic, NULL);
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    *r = (struct relay){.public_url = sv.opt.public_url,
                        .public_len = strlen(sv.opt.public_url),
                        .session_ttl = sv.opt.session_ttl,
                        .max_poll_wait = sv.opt.max_poll_wait,
                        .require_pkce = sv.opt.require_pkce,
                        .phone_spend = relay_phone_spend};
    while (r->public_len > 0 && r->public_url[r->public_len - 1] == '/')
        r->public_len--;
    if (!build_continue(r, &sv.opt)) {
        relay_log(NULL, RELAY_ERROR,
                  "haobtc-relay: --public-url: too long or out of memory");
        status = sv.opt.check_config ? 2 : EXIT_FAILURE;
        goto out;
    }
    if (sv.opt.check_config) {
        status = check_config(&sv.opt) ? EXIT_SUCCESS : 2;
        if (status == EXIT_SUCCESS)
            puts("haobtc-relay: configuration ok");
        goto out;
    }
    r->auth = relay_auth_new(sv.opt.fleet_key_file);
    if (r->auth == NULL)
        goto out;
    /* No proxy is trusted unless named: trusting loopback by default let
     * any local user of this host choose the address a request is
     * counted for. */
    trusted = sv.opt.trusted_proxy;
    if (trusted != NULL && strcmp(trusted, "none") == 0)
        trusted = NULL;
    r->net = relay_net_new(trusted, sv.opt.receive_timeout,
                           sv.opt.max_client_connections);
    if (r->net == NULL || !relay_net_watch(r->net))
        goto out;
    if (r->public_len + 3 + RELAY_ID_LEN > 40)
        relay_log(r, RELAY_INFO,
                  "note: short links are %zu characters; a shorter "
                  "--public-url keeps the QR code small",
                  r->public_len + 3 + RELAY_ID_LEN);
    if (sv.opt.cert != NULL) {
        cert_pem = read_pem(sv.opt.cert, false, &cert_len);
        key_pem = read_pem(sv.opt.key, true, &key_len);
        if (cert_pem == NULL || key_pem == NULL)
            goto out;
    }
    r->waits = relay_waits_new();
    if (r->waits == NULL) {
        relay_log(NULL, RELAY_ERROR,
                  "haobtc-relay: cannot start the poll timer");
        goto out;
    }
    limits =
        (struct relay_limits){.max_sessions = sv.opt.max_sessions,
                              .session_ttl = sv.opt.session_ttl,
                              .rate = (double)sv.opt.rate,
                              .burst = (double)sv.opt.burst,
                              .module_rate = (double)sv.opt.module_rate,
                              .module_burst = (double)sv.opt.module_burst,
                              .unsigned_rate = (double)sv.opt.unsigned_rate,
                              .unsigned_burst = (double)sv.opt.unsigned_burst};
    if (sv.opt.store == NULL || strcmp(sv.opt.store, "memory") == 0)
        r->store = relay_store_memory(&limits, relay_waits_notify, r->waits);
    else
        r->store = relay_store_redis(sv.opt.store, sv.opt.store_password_file,
                                     sv.opt.store_ca_file, &limits,
                                     relay_waits_notify, relay_waits_notify_all,
                                     r->waits, why, sizeof(why));
    if (r->store == NULL) {
        relay_log(NULL, RELAY_ERROR, "haobtc-relay: --store: %s",
                  why[0] != '\0' ? why : "cannot set up the store");
        goto out;
    }
    max_conns = connections_max();
    sv.pages_until = max_conns / 4 * 3;
    d[0] = start(&ports[0], sv.opt.port, PHONE_POOL_SIZE, cert_pem, key_pem,
                 max_conns);
    if (d[0] != NULL && sv.opt.module_port != 0)
        d[1] = start(&ports[1], sv.opt.module_port, MODULE_POOL_SIZE, cert_pem,
                     key_pem, max_conns);
    if (d[0] == NULL || (sv.opt.module_port != 0 && d[1] == NULL))
        goto out;
    info = MHD_get_daemon_info(d[0], MHD_DAEMON_INFO_BIND_PORT);
    port = info != NULL ? info->port : 0;
    if (sv.opt.port_file != NULL &&
        !hb_write_port_file(sv.opt.port_file, port)) {
        relay_log(NULL, RELAY_ERROR, "haobtc-relay: %s: %s", sv.opt.port_file,
                  strerror(errno));
        goto out;
    }
    if (sv.opt.module_port != 0)
        snprintf(modules_on, sizeof(modules_on), ", modules on port %ld",
                 sv.opt.module_port);
    relay_log(r, RELAY_INFO, "listening on %s port %u%s (%s, store %s)",
              sv.opt.listen != NULL ? sv.opt.listen : "127.0.0.1", port,
              modules_on, cert_pem != NULL ? "https" : "http",
              sv.opt.store != NULL ? sv.opt.store : "memory");
    for (;;) {
        struct timespec tick = {10, 0};
        int sig = sigtimedwait(&sigs, NULL, &tick);
        if (sig == SIGTERM || sig == SIGINT)
            break;
        if (sig < 0 && errno == EAGAIN) {
            relay_store_purge(r->store);
            give_back_memory();
        }
    }
    relay_log(r, RELAY_INFO, "stopping");
    status = EXIT_SUCCESS;
out:
    stop(&sv, d);
    /* The store first: a shared store's subscriber thread wakes waiters
     * until it is stopped, so the waiters outlive it. */
    relay_store_free(r->store);
    relay_waits_free(r->waits);
    relay_auth_free(r->auth);
    relay_net_free(r->net);
    free(r->continue_prefix);
    hb_wipe(key_pem, key_len);
    free(key_pem);
    free(cert_pem);
    relay_free_options(&sv.opt);
    return status;
}

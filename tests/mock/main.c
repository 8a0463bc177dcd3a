/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-mock: a haobtc-compatible OAuth provider over HTTPS for tests. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "files.h"
#include "mock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#define PEM_MAX (1024 * 1024)

struct mock_options mock_opt = {.http_port = -1,
                                .code_ttl = 120,
                                .token_ttl = 300,
                                .client_id = "test-client"};
atomic_int mock_stopping;

/* Each connection, for its idle time. A test sets how long an idle
 * connection stays open (/mock/idle); libmicrohttpd's own per-connection
 * timeout (MHD_CONNECTION_OPTION_TIMEOUT) cannot say it here: since 1.0 it
 * is ignored in thread-per-connection mode (the value is stored only for
 * the other modes), so the mock closes such a connection itself, whatever
 * the version. The daemon's timeout (MOCK_IDLE_DEFAULT) still bounds the
 * others. */
struct mock_conn {
    struct mock_conn *prev, *next;
    unsigned long serial;
    int fd;
    int busy;        /* a request is being received or answered */
    unsigned idle_s; /* 0 until a request set it */
    struct timespec idle_since;
    int cut;
};
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mock_conn conns = {.prev = &conns, .next = &conns};

static long long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct mock_conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci != NULL ? ci->socket_context : NULL;
}

/* shutdown() makes the socket readable for the connection's thread, which
 * then closes it as a client's close, as libmicrohttpd's timeout would. */
static void close_idle_connections(void)
{
    long long now = mono_ms();

    pthread_mutex_lock(&conns_lock);
    for (struct mock_conn *k = conns.next; k != &conns; k = k->next) {
        long long since = (long long)k->idle_since.tv_sec * 1000 +
                          k->idle_since.tv_nsec / 1000000;
        if (!k->busy && !k->cut && k->idle_s != 0 &&
            now - since >= (long long)k->idle_s * 1000) {
            shutdown(k->fd, SHUT_RDWR);
            k->cut = 1;
        }
    }
    pthread_mutex_unlock(&conns_lock);
}
/* Not const: MHD takes the handler's closure as a plain pointer. */
static int tls_on = 1;
static int tls_off = 0;

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const char *version, const char *upload,
                              size_t *upload_size, void **req_cls)
{
    struct mock_request *req = *req_cls;
    const char *length;
    long len = 0;

    (void)version;
    if (req == NULL) {
        req = calloc(1, sizeof(*req));
        if (req == NULL)
            return MHD_NO;
        req->url = url;
        req->method = method;
        *req_cls = req;
        mock_count(MOCK_COUNT_REQUESTS);
        struct mock_conn *k = conn_of(c);
        if (k != NULL) {
            req->connection = k->serial;
            /* From this request on, as long as a test last asked for. */
            pthread_mutex_lock(&conns_lock);
            k->busy = 1;
            k->idle_s = mock_idle_get();
            pthread_mutex_unlock(&conns_lock);
        }
        length = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
        /* Refused before reading; MHD then closes the connection. */
        if (length != NULL && !hb_parse_long(length, 0, BODY_MAX, &len))
            return mock_send_text(c, req, MHD_HTTP_CONTENT_TOO_LARGE,
                                  "{\"ok\":false,\"code\":413,\"message\":"
                                  "\"request body too large\"}");
        if (strcmp(method, MHD_HTTP_METHOD_POST) == 0)
            req->pp = MHD_create_post_processor(c, 1024, mock_form_iter, req);
        return MHD_YES;
    }
    if (*upload_size != 0) {
        req->body_len += *upload_size;
        /* A chunked upload past the cap just loses its connection. */
        if (req->body_len > BODY_MAX)
            return MHD_NO;
        if (req->pp != NULL &&
            MHD_post_process(req->pp, upload, *upload_size) != MHD_YES)
            req->bad_body = 1;
        *upload_size = 0;
        return MHD_YES;
    }
    if (*(const int *)cls != tls_on)
        return mock_send_error(c, req, 40013);
    if (req->bad_body)
        return mock_send_misuse(c, req);
    return mock_dispatch(c, req);
}

static void request_done(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct mock_conn *k = conn_of(c);

    (void)cls;
    (void)toe;
    if (k != NULL) {
        pthread_mutex_lock(&conns_lock);
        k->busy = 0;
        clock_gettime(CLOCK_MONOTONIC, &k->idle_since);
        pthread_mutex_unlock(&conns_lock);
    }
    if (*req_cls != NULL)
        mock_request_free(*req_cls);
    *req_cls = NULL;
}

static void connection_seen(void *cls, struct MHD_Connection *c,
                            void **socket_context,
                            enum MHD_ConnectionNotificationCode toe)
{
    struct mock_conn *k = *socket_context;

    (void)cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        unsigned long serial = mock_connection_opened();

        k = fd != NULL ? calloc(1, sizeof(*k)) : NULL;
        if (k != NULL) {
            k->serial = serial;
            k->fd = fd->connect_fd;
            clock_gettime(CLOCK_MONOTONIC, &k->idle_since);
            pthread_mutex_lock(&conns_lock);
            k->prev = conns.prev;
            k->next = &conns;
            conns.prev->next = k;
            conns.prev = k;
            pthread_mutex_unlock(&conns_lock);
        }
        *socket_context = k;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && k != NULL) {
        /* Unlinked before libmicrohttpd closes the descriptor, so that
         * close_idle_connections never shuts down a reused number. */
        pthread_mutex_lock(&conns_lock);
        k->prev->next = k->next;
        k->next->prev = k->prev;
        pthread_mutex_unlock(&conns_lock);
        free(k);
        *socket_context = NULL;
    }
}

/* PEM keys and secrets: the caller wipes them. */
static char *read_pem_or_secret(const char *path, size_t *len)
{
    char *data = hb_read_small_file(path, PEM_MAX, len);

    if (data == NULL)
        fprintf(stderr, "haobtc-mock: cannot read %s: %s\n", path,
                strerror(errno));
    return data;
}

static void usage(FILE *out)
{
    fputs("usage: haobtc-mock --cert FILE --key FILE [--port N] [--port-file "
          "FILE]\n"
          "  [--users FILE] [--client-id ID] [--client-secret S | "
          "--client-secret-file FILE]\n"
          "  [--redirect-uri URI] [--blocked-client ID] [--layout "
          "flat|nested]\n"
          "  [--code-ttl S] [--token-ttl S] [--http-port N] "
          "[--http-port-file FILE] [--quiet]\n"
          "  [--secrets-log FILE] [--require-pkce] [--ignore-pkce]\n"
          "--require-pkce refuses an authorize request without a PKCE\n"
          "code_challenge (S256); a code issued with one is redeemed only\n"
          "with its code_verifier, whatever this switch says, unless\n"
          "--ignore-pkce: then the token endpoint redeems a code whatever\n"
          "code_verifier comes with it, or none, as a provider that ignores\n"
          "PKCE does.\n"
          "--secrets-log FILE is for tests only: every authorization code,\n"
          "access token and refresh token the mock issues is appended to FILE\n"
          "in the clear, one a line, so a test can check that none of them\n"
          "appears in any log. Never use it outside a test.\n",
          out);
}

/* Plain string and number options; the few with side effects are below. */
static const struct {
    const char *name;
    const char **str;
    long *num;
    long min;
    long max;
} simple_opts[] = {
    {"cert", &mock_opt.cert_file, NULL, 0, 0},
    {"key", &mock_opt.key_file, NULL, 0, 0},
    {"users", &mock_opt.users_file, NULL, 0, 0},
    {"client-id", &mock_opt.client_id, NULL, 0, 0},
    {"client-secret-file", &mock_opt.secret_file, NULL, 0, 0},
    {"redirect-uri", &mock_opt.redirect_uri, NULL, 0, 0},
    {"blocked-client", &mock_opt.blocked_client, NULL, 0, 0},
    {"port-file", &mock_opt.port_file, NULL, 0, 0},
    {"http-port-file", &mock_opt.http_port_file, NULL, 0, 0},
    {"secrets-log", &mock_opt.secrets_log, NULL, 0, 0},
    {"port", NULL, &mock_opt.port, 0, 65535},
    {"http-port", NULL, &mock_opt.http_port, 0, 65535},
    {"code-ttl", NULL, &mock_opt.code_ttl, 1, 86400},
    {"token-ttl", NULL, &mock_opt.token_ttl, 1, 86400},
};
#define N_SIMPLE (sizeof(simple_opts) / sizeof(simple_opts[0]))

/* 0 to run, 1 after --help, -1 on a bad command line. */
static int parse_args(int argc, char **argv)
{
    struct option longopts[N_SIMPLE + 7] = {
        [N_SIMPLE] = {"client-secret", required_argument, NULL, 's'},
        {"layout", required_argument, NULL, 'l'},
        {"quiet", no_argument, NULL, 'q'},
        {"require-pkce", no_argument, NULL, 'p'},
        {"ignore-pkce", no_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int secret_arg = 0;
    int bad = 0;
    int ch;
    int idx = 0;

    for (size_t i = 0; i < N_SIMPLE; i++)
        longopts[i] = (struct option){simple_opts[i].name, required_argument,
                                      NULL, (int)i};
    while (!bad && (ch = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
        if (ch >= 0 && (size_t)ch < N_SIMPLE && simple_opts[ch].str != NULL) {
            *simple_opts[ch].str = optarg;
        } else if (ch >= 0 && (size_t)ch < N_SIMPLE) {
            bad = !hb_parse_long(optarg, simple_opts[ch].min,
                                 simple_opts[ch].max, simple_opts[ch].num);
        } else if (ch == 's') {
            free(mock_opt.client_secret);
            mock_opt.client_secret = strdup(optarg);
            secret_arg = 1;
            /* Keeps the secret out of ps(1) from here on. */
            hb_wipe(optarg, strlen(optarg));
        } else if (ch == 'l') {
            mock_opt.nested = strcmp(optarg, "nested") == 0;
            bad = !mock_opt.nested && strcmp(optarg, "flat") != 0;
        } else if (ch == 'q') {
            mock_opt.quiet = 1;
        } else if (ch == 'p') {
            mock_opt.require_pkce = 1;
        } else if (ch == 'i') {
            mock_opt.ignore_pkce = 1;
        } else if (ch == 'h') {
            usage(stdout);
            return 1;
        } else {
            usage(stderr);
            return -1;
        }
        if (bad)
            fprintf(stderr, "haobtc-mock: bad value for --%s\n",
                    longopts[idx].name);
    }
    if (bad)
        return -1;
    if (optind != argc || mock_opt.cert_file == NULL ||
        mock_opt.key_file == NULL ||
        (secret_arg && mock_opt.secret_file != NULL) ||
        mock_opt.client_id[0] == '\0') {
        fputs("haobtc-mock: need --cert and --key, at most one of "
              "--client-secret and --client-secret-file, a non-empty "
              "--client-id and no other arguments\n",
              stderr);
        return -1;
    }
    return 0;
}

static int load_secret(void)
{
    size_t len = 0;

    if (mock_opt.secret_file != NULL) {
        mock_opt.client_secret = read_pem_or_secret(mock_opt.secret_file, &len);
        if (mock_opt.client_secret == NULL)
            return -1;
        /* A trailing newline is an editor's, not part of the secret. */
        while (len > 0 && strchr("\r\n \t", mock_opt.client_secret[len - 1]))
            mock_opt.client_secret[--len] = '\0';
    } else if (mock_opt.client_secret == NULL) {
        mock_opt.client_secret = strdup("test-secret");
    }
    if (mock_opt.client_secret == NULL || mock_opt.client_secret[0] == '\0') {
        fputs("haobtc-mock: the client secret is empty\n", stderr);
        return -1;
    }
    return 0;
}

static struct MHD_Daemon *start_daemon(long port, char *cert, char *key,
                                       long *bound)
{
    struct MHD_OptionItem tls[] = {{MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
                                   {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
                                   {MHD_OPTION_END, 0, NULL}};
    const union MHD_DaemonInfo *info;
    struct MHD_Daemon *d;
    struct sockaddr_in sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(
        cert != NULL ? flags | MHD_USE_TLS : flags, (uint16_t)port, NULL, NULL,
        handle, cert != NULL ? &tls_on : &tls_off, MHD_OPTION_SOCK_ADDR, &sa,
        MHD_OPTION_NOTIFY_CONNECTION, connection_seen, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, MOCK_IDLE_DEFAULT,
        MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_ARRAY,
        cert != NULL ? tls : &tls[2], MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "haobtc-mock: cannot listen on 127.0.0.1:%ld\n", port);
        return NULL;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    *bound = info != NULL ? (long)info->port : port;
    return d;
}

int main(int argc, char **argv)
{
    struct MHD_Daemon *tls_daemon = NULL;
    struct MHD_Daemon *plain_daemon = NULL;
    char *cert = NULL;
    char *key = NULL;
    size_t cert_len = 0;
    size_t key_len = 0;
    long port = 0;
    long http_port = 0;
    sigset_t sigs;
    int sig = 0;
    int rc = 1;

    rc = parse_args(argc, argv);
    if (rc != 0 || load_secret() != 0) {
        rc = rc > 0 ? 0 : 1;
        goto out;
    }
    rc = 1;
    cert = read_pem_or_secret(mock_opt.cert_file, &cert_len);
    key = cert != NULL ? read_pem_or_secret(mock_opt.key_file, &key_len) : NULL;
    if (key == NULL ||
        mock_store_init(mock_opt.users_file, mock_opt.code_ttl,
                        mock_opt.token_ttl) != 0 ||
        mock_secrets_log_open(mock_opt.secrets_log) != 0)
        goto out;
    mock_layout_set(mock_opt.nested);
    signal(SIGPIPE, SIG_IGN);
    /* Blocked before any thread starts, so only sigwait below sees them. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    tls_daemon = start_daemon(mock_opt.port, cert, key, &port);
    if (tls_daemon == NULL)
        goto out;
    if (mock_opt.http_port >= 0) {
        plain_daemon = start_daemon(mock_opt.http_port, NULL, NULL, &http_port);
        if (plain_daemon == NULL ||
            (mock_opt.http_port_file != NULL &&
             !hb_write_port_file(mock_opt.http_port_file, (unsigned)http_port)))
            goto out;
    }
    if (mock_opt.port_file != NULL &&
        !hb_write_port_file(mock_opt.port_file, (unsigned)port)) {
        fprintf(stderr, "haobtc-mock: cannot write %s\n", mock_opt.port_file);
        goto out;
    }
    if (!mock_opt.quiet)
        fprintf(stderr, "haobtc-mock: listening on https://127.0.0.1:%ld/\n",
                port);
    /* A tenth of a second: how late past its idle time a connection may
     * close. */
    for (;;) {
        struct timespec tick = {0, 100 * 1000000L};
        sig = sigtimedwait(&sigs, NULL, &tick);
        if (sig == SIGINT || sig == SIGTERM)
            break;
        close_idle_connections();
    }
    rc = 0;
out:
    atomic_store(&mock_stopping, 1);
    if (plain_daemon != NULL)
        MHD_stop_daemon(plain_daemon);
    if (tls_daemon != NULL)
        MHD_stop_daemon(tls_daemon);
    mock_store_free();
    if (key != NULL)
        hb_wipe(key, key_len);
    if (mock_opt.client_secret != NULL)
        hb_wipe(mock_opt.client_secret, strlen(mock_opt.client_secret));
    free(key);
    free(cert);
    free(mock_opt.client_secret);
    return rc;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTPS requests with libcurl, locked down: https only, no redirects, no
 * proxy from the environment, bounded time and bounded bodies; and the
 * connection to haobtc kept ready while the login waits on the relay. */
#include "autoconf.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "files.h"
#include "http.h"
#include "http_outcome.h"
#include "secure.h"

/* The body grows in a buffer that wipes what it leaves behind: a token
 * answer must not linger in freed memory. */
struct sink {
    struct hb_buf buf;
    bool overflowed;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    struct sink *sink = user;
    size_t n = size * nmemb;
    if (n > HB_HTTP_MAX_BODY - sink->buf.len) {
        sink->overflowed = true;
        return 0; /* makes curl stop with CURLE_WRITE_ERROR */
    }
    return hb_buf_addn(&sink->buf, data, n) ? n : 0;
}

/* The connection kept ready for haobtc while the person approves: a HEAD
 * of the token URL on a second easy handle in the login's multi handle.
 * An easy handle runs one transfer at a time, and the login's is busy with
 * the relay's long poll then; the multi handle's connection pool is what
 * lets the token request take the connection the HEAD left open. */
struct hb_http_ready {
    CURL *curl;
    char *url;
    char host[128];
    bool running;
    bool given_up;
    curl_socket_t sock;    /* the ready connection's; CURL_SOCKET_BAD: none */
    unsigned asked;        /* HEADs so far */
    struct timespec began; /* the last HEAD's start */
    struct timespec idle_since; /* the last HEAD's end */
    long idle_limit_ms; /* shortest idle time after which the server closed
                           a ready connection; 0 while none was */
};

/* HEADs one login may send: a minute's wait on a server that closes idle
 * connections after 6 s (one HEAD every 3 s). */
#define READY_MAX 20
/* A server is not asked again sooner than this after a HEAD... */
#define READY_GAP_MS 1000
/* ...so one that closes idle connections sooner than twice that cannot be
 * kept ready: the token request opens its own, as without. */
#define READY_IDLE_MIN_MS (2 * READY_GAP_MS)
/* libcurl does not reuse a connection idle for longer than 118 s
 * (CURLOPT_MAXAGE_CONN's default): asked again before that. */
#define READY_REFRESH_MS 100000

static long ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)((now.tv_sec - t->tv_sec) * 1000 +
                  (now.tv_nsec - t->tv_nsec) / 1000000);
}

static size_t discard(char *data, size_t size, size_t nmemb, void *user)
{
    (void)data, (void)user;
    return size * nmemb;
}

bool hb_http_login_ended(const struct hb_http *http)
{
    if (http->watch_fd < 0)
        return false;
    /* The module says nothing while a request or a wait runs: anything
     * readable on its socket is a hang-up (the login ended). */
    struct pollfd pfd = {.fd = http->watch_fd, .events = POLLIN | POLLRDHUP};
    return poll(&pfd, 1, 0) != 0;
}

static int on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return hb_http_login_ended(user);
}

/* A CA bundle as large as the system's (about 200 KiB) fits many times. */
#define CA_FILE_MAX (1024 * 1024)

/* ca_file may be readable by root only, and the helper stops being root
 * before its first request (sandbox.c): libcurl gets the CA as bytes read
 * now, not as a path it would open later. */
static enum hb_status set_ca(CURL *curl, const char *path, struct hb_error *err)
{
    size_t len = 0;
    char *pem = hb_read_small_file(path, CA_FILE_MAX, &len);
    if (pem == NULL)
        return hb_fail(err, HB_ERR_CONFIG, "cannot read ca_file %s: %s", path,
                       strerror(errno));
    struct curl_blob blob = {.data = pem, .len = len, .flags = CURL_BLOB_COPY};
    CURLcode rc = curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
    free(pem);
    if (rc != CURLE_OK)
        return hb_fail(err, HB_ERR_CONFIG, "libcurl refused ca_file %s: %s",
                       path, curl_easy_strerror(rc));
    return HB_OK;
}

enum hb_status hb_http_open(struct hb_http *http, const struct hb_config *cfg,
                            time_t deadline, struct hb_error *err)
{
    memset(http, 0, sizeof(*http));
    http->cfg = cfg;
    http->deadline = deadline;
    http->watch_fd = -1;
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "cannot create a libcurl handle");
    http->curl = curl;
    http->multi = curl_multi_init();
    if (http->multi == NULL) {
        hb_http_close(http);
        return hb_fail(err, HB_ERR_NOMEM, "cannot create a libcurl handle");
    }

    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                          \
    do {                                                                       \
        if (rc == CURLE_OK)                                                    \
            rc = curl_easy_setopt(curl, opt, val);                             \
    } while (0)
    SET(CURLOPT_PROTOCOLS_STR, "https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    /* An empty proxy turns off the *_proxy environment variables. */
    SET(CURLOPT_PROXY, cfg->proxy != NULL ? cfg->proxy : "");
    /* An empty list, so no_proxy/NO_PROXY cannot exempt a host from the
     * configured proxy (libcurl reads them unless this is set). */
    SET(CURLOPT_NOPROXY, "");
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HB_HTTP_MAX_BODY);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_XFERINFODATA, http);
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_USERAGENT, "pam_haobtc/" PACKAGE_VERSION);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    /* Its words go only to the setup check (trace.detail), not to logs. */
    SET(CURLOPT_ERRORBUFFER, http->errbuf);
#undef SET
    if (rc != CURLE_OK) {
        hb_http_close(http);
        return hb_fail(err, HB_ERR_CONFIG, "libcurl refused an option: %s",
                       curl_easy_strerror(rc));
    }
    if (cfg->ca_file != NULL && set_ca(curl, cfg->ca_file, err) != HB_OK) {
        hb_http_close(http);
        return err->status;
    }
    return HB_OK;
}

void hb_http_close(struct hb_http *http)
{
    struct hb_http_ready *r = http->ready;
    if (r != NULL) {
        if (r->running)
            curl_multi_remove_handle(http->multi, r->curl);
        if (r->curl != NULL)
            curl_easy_cleanup(r->curl);
        free(r->url);
        free(r);
    }
    http->ready = NULL;
    /* No transfer is left in the multi handle: each request takes its
     * handle out when it ends. */
    if (http->curl != NULL)
        curl_easy_cleanup(http->curl);
    http->curl = NULL;
    if (http->multi != NULL)
        curl_multi_cleanup(http->multi);
    http->multi = NULL;
}

void hb_response_free(struct hb_response *resp)
{
    if (resp->body != NULL) {
        hb_wipe(resp->body, resp->len);
        free(resp->body);
    }
    memset(resp, 0, sizeof(*resp));
}

char *hb_http_escape(struct hb_http *http, const char *s)
{
    char *escaped = curl_easy_escape(http->curl, s, 0);
    if (escaped == NULL)
        return NULL;
    /* Hand back malloc memory so callers free every secret the same way. */
    char *copy = strdup(escaped);
    hb_wipe(escaped, strlen(escaped));
    curl_free(escaped);
    return copy;
}

/* A request's connect and total limits: http_timeout (plus wait_s for a
 * long poll), cut to what is left of the login's deadline (*cut then
 * true). False once the deadline has passed. */
static bool limits(const struct hb_http *http, long wait_s, long *connect_ms,
                   long *total_ms, bool *cut)
{
    *connect_ms = http->cfg->http_timeout * 1000;
    *total_ms = (http->cfg->http_timeout + wait_s) * 1000;
    *cut = false;
    if (http->deadline == 0)
        return true;
    long left_ms = (long)(http->deadline - time(NULL)) * 1000;
    if (left_ms <= 0)
        return false;
    if (left_ms < *total_ms) {
        *total_ms = left_ms;
        *cut = true;
    }
    if (left_ms < *connect_ms)
        *connect_ms = left_ms;
    return true;
}

/* Milliseconds until the ready's next HEAD is due (0: now; -1: none is to
 * come): at once when there is no ready connection, else when the one there
 * has been idle for half as long as the server let the last one be (a HEAD
 * on it then keeps it open) or nearly as long as libcurl would reuse it;
 * never sooner than READY_GAP_MS after the last. */
static long ready_due_ms(const struct hb_http_ready *r)
{
    if (r->given_up || r->running)
        return -1;
    long due = 0;
    if (r->sock != CURL_SOCKET_BAD) {
        long idle_max = READY_REFRESH_MS;
        if (r->idle_limit_ms > 0 && r->idle_limit_ms / 2 < idle_max)
            idle_max = r->idle_limit_ms / 2;
        due = idle_max - ms_since(&r->idle_since);
    }
    if (r->asked > 0 && READY_GAP_MS - ms_since(&r->began) > due)
        due = READY_GAP_MS - ms_since(&r->began);
    return due > 0 ? due : 0;
}

/* Starts the ready's HEAD when it is due. Nothing here may fail the
 * login: at worst the token request opens its own connection, as it
 * would without. */
static void ready_start(struct hb_http *http)
{
    struct hb_http_ready *r = http->ready;
    if (ready_due_ms(r) != 0)
        return;
    long connect_ms = 0, total_ms = 0;
    bool cut = false;
    if (r->asked >= READY_MAX ||
        !limits(http, 0, &connect_ms, &total_ms, &cut)) {
        r->given_up = true;
        return;
    }
    curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, total_ms);
    if (curl_multi_add_handle(http->multi, r->curl) != CURLM_OK) {
        r->given_up = true;
        return;
    }
    r->running = true;
    r->asked++;
    clock_gettime(CLOCK_MONOTONIC, &r->began);
}

static void ready_done(struct hb_http *http, CURLcode rc)
{
    struct hb_http_ready *r = http->ready;
    curl_socket_t sock = CURL_SOCKET_BAD;
    /* Only while the handle is in the multi handle can libcurl say which
     * of its pool's connections the HEAD left. */
    if (rc == CURLE_OK &&
        curl_easy_getinfo(r->curl, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK)
        sock = CURL_SOCKET_BAD;
    if (http->on_call != NULL)
        hb_http_tell_call(http, r->curl, r->url, rc, &r->began);
    curl_multi_remove_handle(http->multi, r->curl);
    r->running = false;
    r->sock = sock;
    clock_gettime(CLOCK_MONOTONIC, &r->idle_since);
    /* A server that closes after the answer, or that cannot be reached
     * now, leaves nothing to keep: the token request finds out for itself.
     * A HEAD that only ran out of time (nothing drives it while the helper
     * waits on the module) may be asked again. */
    if (sock == CURL_SOCKET_BAD && rc != CURLE_OPERATION_TIMEDOUT)
        r->given_up = true;
}

/* Anything to read on an idle connection is the server closing it (or a
 * message libcurl takes for that): libcurl will not reuse it, so another
 * HEAD opens the next, and how long the server let it idle is noted. */
static void ready_check(struct hb_http *http)
{
    struct hb_http_ready *r = http->ready;
    if (r->running || r->sock == CURL_SOCKET_BAD)
        return;
    struct pollfd pfd = {.fd = r->sock, .events = POLLIN};
    if (poll(&pfd, 1, 0) == 0)
        return;
    long idle = ms_since(&r->idle_since);
    if (r->idle_limit_ms == 0 || idle < r->idle_limit_ms)
        r->idle_limit_ms = idle;
    r->sock = CURL_SOCKET_BAD;
    if (r->idle_limit_ms < READY_IDLE_MIN_MS)
        r->given_up = true;
}

/* Runs curl's transfer to its end in the multi handle, and beside it
 * (when beside) the ready's HEAD and its watch on the ready connection. */
static CURLcode run(struct hb_http *http, CURL *curl, bool beside)
{
    CURLM *multi = http->multi;
    CURLMcode mc = curl_multi_add_handle(multi, curl);
    if (mc != CURLM_OK)
        return mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY
                                         : CURLE_FAILED_INIT;
    CURLcode rc = CURLE_FAILED_INIT;
    bool done = false;
    while (!done) {
        if (beside) {
            ready_check(http);
            ready_start(http);
        }
        int running = 0;
        if (curl_multi_perform(multi, &running) != CURLM_OK)
            break;
        CURLMsg *msg = NULL;
        int left = 0;
        while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            /* msg does not outlive the handle's removal (ready_done). */
            CURL *easy = msg->easy_handle;
            CURLcode result = msg->data.result;
            if (easy == curl) {
                rc = result;
                done = true;
            } else if (http->ready != NULL && easy == http->ready->curl) {
                ready_done(http, result);
            }
        }
        if (done)
            break;
        /* libcurl's own timers bound the wait; a second at most, so the
         * progress callback (the module's hang-up) runs as often, and no
         * later than the ready's next HEAD is due. */
        struct curl_waitfd idle = {CURL_SOCKET_BAD, CURL_WAIT_POLLIN, 0};
        unsigned n = 0;
        int wait_ms = 1000;
        if (beside && !http->ready->running &&
            http->ready->sock != CURL_SOCKET_BAD) {
            idle.fd = http->ready->sock;
            n = 1;
        }
        long due = beside ? ready_due_ms(http->ready) : -1;
        if (due >= 0 && due < wait_ms)
            wait_ms = (int)due;
        if (curl_multi_poll(multi, n > 0 ? &idle : NULL, n, wait_ms, NULL) !=
            CURLM_OK)
            break;
    }
    curl_multi_remove_handle(multi, curl);
    return rc;
}

static enum hb_status perform(struct hb_http *http, const char *url,
                              long wait_s, struct hb_response *resp,
                              struct hb_error *err)
{
    CURL *curl = http->curl;
    char host[128];
    hb_http_url_host(url, host, sizeof(host));
    memset(resp, 0, sizeof(*resp));
    memset(&http->trace, 0, sizeof(http->trace));

    long connect_ms = 0, total_ms = 0;
    bool cut_by_deadline = false;
    if (!limits(http, wait_s, &connect_ms, &total_ms, &cut_by_deadline))
        return hb_fail(err, HB_ERR_EXPIRED,
                       "login deadline passed before contacting %s", host);
    struct sink sink = {.buf = {.max = HB_HTTP_MAX_BODY}};
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, total_ms);
    curl_easy_setopt(curl, CURLOPT_CERTINFO, http->want_cert ? 1L : 0L);
    http->errbuf[0] = '\0';

    struct timespec began;
    clock_gettime(CLOCK_MONOTONIC, &began);
    /* The ready connection is kept while other hosts are asked; a request
     * to its own host takes it (or opens another) and never waits. */
    bool beside = http->ready != NULL && strcmp(host, http->ready->host) != 0;
    CURLcode rc = run(http, curl, beside);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, NULL);
    hb_http_trace_of(curl, rc, http->want_cert, http->errbuf, &http->trace);
    if (http->on_call != NULL)
        hb_http_tell_call(http, curl, url, rc, &began);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
        curl_off_t retry = 0;
        if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK &&
            retry > 0)
            resp->retry_after = retry > 3600 ? 3600 : (long)retry;
        resp->body = hb_buf_take(&sink.buf, &resp->len);
        if (resp->body == NULL) {
            resp->body = calloc(1, 1);
            if (resp->body == NULL)
                return hb_fail(err, HB_ERR_NOMEM, "out of memory");
        }
        return HB_OK;
    }
    hb_buf_wipe(&sink.buf);
    if (sink.overflowed || rc == CURLE_FILESIZE_EXCEEDED)
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "%s sent a response larger than %d bytes", host,
                       HB_HTTP_MAX_BODY);
    if (rc == CURLE_ABORTED_BY_CALLBACK)
        return hb_fail(err, HB_ERR_CONV,
                       "request to %s was cancelled: the login ended", host);
    if (rc == CURLE_OUT_OF_MEMORY)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory talking to %s", host);
    /* A request the login's deadline cut short found nothing about the
     * network: the person (or whoever stopped the program) took the time. */
    if (rc == CURLE_OPERATION_TIMEDOUT && cut_by_deadline)
        return hb_fail(err, HB_ERR_EXPIRED,
                       "the login's deadline passed during a request to %s",
                       host);
    return hb_fail(err,
                   hb_http_network_failure(rc) ? HB_ERR_UNAVAIL : HB_ERR_SYSTEM,
                   "request to %s failed: %s", host, curl_easy_strerror(rc));
}

enum hb_status hb_http_post_form(struct hb_http *http, const char *url,
                                 const char *form, long wait_s,
                                 struct hb_response *resp, struct hb_error *err)
{
    return hb_http_post_form_with(http, url, form, NULL, wait_s, resp, err);
}

enum hb_status hb_http_post_form_with(struct hb_http *http, const char *url,
                                      const char *form,
                                      const char *const *extra, long wait_s,
                                      struct hb_response *resp,
                                      struct hb_error *err)
{
    struct curl_slist *headers =
        curl_slist_append(NULL, "Accept: application/json");
    for (size_t i = 0; headers != NULL && extra != NULL && extra[i] != NULL;
         i++) {
        struct curl_slist *more = curl_slist_append(headers, extra[i]);
        if (more == NULL) {
            curl_slist_free_all(headers);
            headers = NULL;
        } else {
            headers = more;
        }
    }
    if (headers == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    curl_easy_setopt(http->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(http->curl, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(http->curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     (curl_off_t)strlen(form));
    enum hb_status status = perform(http, url, wait_s, resp, err);
    curl_easy_setopt(http->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(http->curl, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(http->curl, CURLOPT_HTTPGET, 1L);
    curl_slist_free_all(headers);
    return status;
}

enum hb_status hb_http_get(struct hb_http *http, const char *url,
                           struct hb_response *resp, struct hb_error *err)
{
    struct curl_slist *headers =
        curl_slist_append(NULL, "Accept: application/json");
    if (headers == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    curl_easy_setopt(http->curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(http->curl, CURLOPT_HTTPHEADER, headers);
    enum hb_status status = perform(http, url, 0, resp, err);
    curl_easy_setopt(http->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    return status;
}

struct body_left {
    const char *at;
    size_t left;
};

static size_t read_body(char *out, size_t size, size_t nmemb, void *user)
{
    struct body_left *b = user;
    size_t n = size * nmemb < b->left ? size * nmemb : b->left;
    memcpy(out, b->at, n);
    b->at += n;
    b->left -= n;
    return n;
}

/* libcurl resends a request on a fresh connection when a kept-alive one
 * dies before any answer, rewinding the body first; a body it reads
 * through a callback with no seek callback cannot be rewound, so once
 * any of it was sent, the request fails (CURLE_SEND_FAIL_REWIND) instead
 * of going out twice. Before any of it was sent it may go again: haobtc
 * cannot have acted on a request without its body. */
enum hb_status hb_http_post_form_once(struct hb_http *http, const char *url,
                                      const char *form,
                                      struct hb_response *resp,
                                      struct hb_error *err)
{
    /* "Expect:" keeps libcurl from waiting for a 100 Continue. */
    struct curl_slist *headers =
        curl_slist_append(NULL, "Accept: application/json");
    struct curl_slist *more =
        headers != NULL ? curl_slist_append(headers, "Expect:") : NULL;
    if (more == NULL) {
        curl_slist_free_all(headers);
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    }
    struct body_left body = {form, strlen(form)};
    CURL *curl = http->curl;
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, more);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(curl, CURLOPT_READDATA, &body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.left);
    enum hb_status status = perform(http, url, 0, resp, err);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, NULL);
    curl_easy_setopt(curl, CURLOPT_READDATA, NULL);
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_slist_free_all(more);
    return status;
}

enum hb_status hb_http_keep_ready(struct hb_http *http, const char *url,
                                  struct hb_error *err)
{
    if (http->ready != NULL)
        return HB_OK;
    struct hb_http_ready *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    http->ready = r;
    r->sock = CURL_SOCKET_BAD;
    hb_http_url_host(url, r->host, sizeof(r->host));
    r->url = strdup(url);
    /* The copy has every option of the login's handle: https only, the
     * CA, no proxy from the environment, the module's hang-up. */
    r->curl = r->url != NULL ? curl_easy_duphandle(http->curl) : NULL;
    if (r->curl == NULL) {
        r->given_up = true;
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    }
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                          \
    do {                                                                       \
        if (rc == CURLE_OK)                                                    \
            rc = curl_easy_setopt(r->curl, opt, val);                          \
    } while (0)
    /* HEAD: safe (RFC 9110 9.2.1), no body to read, and haobtc does not
     * act on it; what it answers does not matter, only the connection. */
    SET(CURLOPT_NOBODY, 1L);
    SET(CURLOPT_URL, r->url);
    SET(CURLOPT_HTTPHEADER, NULL);
    SET(CURLOPT_WRITEFUNCTION, discard);
    SET(CURLOPT_WRITEDATA, NULL);
    SET(CURLOPT_ERRORBUFFER, NULL);
    SET(CURLOPT_CERTINFO, 0L);
#undef SET
    /* Without it the login goes on as it would have without. */
    r->given_up = rc != CURLE_OK;
    if (rc == CURLE_OUT_OF_MEMORY)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    return HB_OK;
}

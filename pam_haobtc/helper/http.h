/* SPDX-License-Identifier: BSD-2-Clause */
/* A hardened libcurl client: one handle for one login, so the profile call
 * reuses the token call's connection, and while the login waits on the
 * relay, a second one keeping a connection to haobtc ready (http.c). */
#ifndef HB_HTTP_H
#define HB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "config.h"
#include "status.h"

#define HB_HTTP_MAX_BODY (64 * 1024)

/* How far the last request got: the setup check reports name lookup,
 * connection and TLS apart, so an administrator knows which to fix. */
enum hb_http_reach {
    HB_REACH_NOTHING,   /* the name did not resolve */
    HB_REACH_RESOLVED,  /* resolved, but no TCP connection */
    HB_REACH_CONNECTED, /* connected, but the TLS handshake failed */
    HB_REACH_SECURED,   /* verified TLS, then no complete answer */
    HB_REACH_ANSWERED,
};

struct hb_http_trace {
    enum hb_http_reach reach;
    char ip[64]; /* the address connected to (the proxy's, with a proxy) */
    long port;
    long long cert_expires; /* the server certificate's notAfter (Unix
                               seconds) when want_cert was set, else 0 */
    char detail[256];       /* libcurl's own words for a failure (no URL) */
};

struct hb_http_ready;

struct hb_http {
    void *curl;  /* CURL *, kept opaque so callers need no curl headers */
    void *multi; /* CURLM *: runs curl, and beside it the ready's request */
    struct hb_http_ready *ready; /* NULL until hb_http_keep_ready */
    const struct hb_config *cfg;
    time_t deadline; /* whole-login deadline, 0 for none */
    int watch_fd;    /* the module's end: a hang-up cancels (-1: none) */
    bool want_cert;  /* fill trace.cert_expires (the setup check) */
    struct hb_http_trace trace; /* of the last request */
    /* Told of each request that got an answer or failed: method, host and
     * path (never the query), the HTTP status (0 for none) and how long it
     * took; for debug logging. May be NULL. */
    void (*on_call)(void *cls, const char *what, long status, long ms);
    void *on_call_cls;
    char errbuf[256]; /* CURLOPT_ERRORBUFFER (CURL_ERROR_SIZE) */
};

struct hb_response {
    long status;
    char *body; /* NUL-terminated; wiped when freed */
    size_t len;
    long retry_after; /* seconds from a Retry-After header, 0 if none */
};

enum hb_status hb_http_open(struct hb_http *http, const struct hb_config *cfg,
                            time_t deadline, struct hb_error *err);
void hb_http_close(struct hb_http *http);
/* True once the module's end of watch_fd hung up: stop waiting. */
bool hb_http_login_ended(const struct hb_http *http);
/* form is an application/x-www-form-urlencoded body, already escaped.
 * wait_s lengthens the time limit for a long poll (0 for API calls). */
enum hb_status hb_http_post_form(struct hb_http *http, const char *url,
                                 const char *form, long wait_s,
                                 struct hb_response *resp,
                                 struct hb_error *err);
/* The same with extra "Name: value" header lines (NULL-terminated). */
enum hb_status hb_http_post_form_with(struct hb_http *http, const char *url,
                                      const char *form,
                                      const char *const *headers, long wait_s,
                                      struct hb_response *resp,
                                      struct hb_error *err);
/* A POST whose body libcurl never sends twice: it resends a request by
 * itself when a kept-alive connection dies under it, which a single-use
 * code must not be. Such a death is HB_ERR_UNAVAIL instead. */
enum hb_status hb_http_post_form_once(struct hb_http *http, const char *url,
                                      const char *form,
                                      struct hb_response *resp,
                                      struct hb_error *err);
enum hb_status hb_http_get(struct hb_http *http, const char *url,
                           struct hb_response *resp, struct hb_error *err);
/* From now on, while requests to other hosts run (the relay's long poll),
 * a HEAD of url opens a connection to its host and keeps it ready for the
 * requests to come: reopened when the server closes it, and asked again
 * before it would have been idle as long as the last one the server
 * closed. Requests to url's host never wait for it. */
enum hb_status hb_http_keep_ready(struct hb_http *http, const char *url,
                                  struct hb_error *err);
void hb_response_free(struct hb_response *resp);
/* curl-escaped copy of s, to free with hb_free_secret(). */
char *hb_http_escape(struct hb_http *http, const char *s);

#endif

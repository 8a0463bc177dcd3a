/* SPDX-License-Identifier: BSD-2-Clause */
/* What a finished request says: how far it got (for the setup check's
 * findings), whether its failure is the network's (the only failure that
 * may become PAM_AUTHINFO_UNAVAIL), and the one line about it the
 * module's debug log gets. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"
#include "http_outcome.h"

/* "Expire date:Nov 27 12:00:00 2026 GMT", as libcurl's OpenSSL backend
 * words the leaf certificate's notAfter; 0 when absent or worded else. */
static long long cert_expiry(CURL *curl)
{
    struct curl_certinfo *info = NULL;
    if (curl_easy_getinfo(curl, CURLINFO_CERTINFO, &info) != CURLE_OK ||
        info == NULL || info->num_of_certs < 1)
        return 0;
    for (struct curl_slist *l = info->certinfo[0]; l != NULL; l = l->next) {
        if (strncmp(l->data, "Expire date:", 12) != 0)
            continue;
        struct tm tm;
        memset(&tm, 0, sizeof(tm));
        const char *end = strptime(l->data + 12, "%b %d %H:%M:%S %Y", &tm);
        if (end == NULL)
            return 0;
        return (long long)timegm(&tm);
    }
    return 0;
}

static bool is_tls_failure(CURLcode rc)
{
    static const CURLcode tls[] = {
        CURLE_SSL_CONNECT_ERROR,        CURLE_PEER_FAILED_VERIFICATION,
        CURLE_SSL_CERTPROBLEM,          CURLE_SSL_CIPHER,
        CURLE_SSL_CACERT_BADFILE,       CURLE_SSL_ISSUER_ERROR,
        CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
        CURLE_SSL_CRL_BADFILE,          CURLE_SSL_ENGINE_INITFAILED,
    };
    for (size_t i = 0; i < sizeof(tls) / sizeof(tls[0]); i++)
        if (rc == tls[i])
            return true;
    return false;
}

/* How far the request got, from the error, or else from the timers: a
 * failure before the TCP connection leaves the connect time at zero, one
 * before the end of the handshake the TLS time. */
void hb_http_trace_of(CURL *curl, CURLcode rc, bool want_cert,
                      const char *errbuf, struct hb_http_trace *t)
{
    memset(t, 0, sizeof(*t));
    char *ip = NULL;
    if (curl_easy_getinfo(curl, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
        ip != NULL)
        snprintf(t->ip, sizeof(t->ip), "%s", ip);
    curl_easy_getinfo(curl, CURLINFO_PRIMARY_PORT, &t->port);
    curl_off_t connected = 0, secured = 0;
    curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connected);
    curl_easy_getinfo(curl, CURLINFO_APPCONNECT_TIME_T, &secured);
    if (rc == CURLE_OK)
        t->reach = HB_REACH_ANSWERED;
    else if (rc == CURLE_COULDNT_RESOLVE_HOST ||
             rc == CURLE_COULDNT_RESOLVE_PROXY)
        t->reach = HB_REACH_NOTHING;
    else if (rc == CURLE_COULDNT_CONNECT)
        t->reach = HB_REACH_RESOLVED;
    else if (is_tls_failure(rc))
        t->reach = HB_REACH_CONNECTED;
    else if (connected == 0)
        t->reach = HB_REACH_RESOLVED;
    else if (secured == 0)
        t->reach = HB_REACH_CONNECTED;
    else
        t->reach = HB_REACH_SECURED;
    if (want_cert && t->reach >= HB_REACH_SECURED)
        t->cert_expires = cert_expiry(curl);
    if (rc != CURLE_OK)
        snprintf(t->detail, sizeof(t->detail), "%s", errbuf);
}

/* Failures that say the host cannot be reached over the network; the
 * rest (a bad URL, a libcurl without https) are faults of this host. */
bool hb_http_network_failure(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_PROXY:
    /* The handshake with the peer; a CA or CRL file we cannot read is
     * this host's fault, not the network's. */
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    /* A body sent once (hb_http_post_form_once) on a kept-alive connection
     * that died before any answer: libcurl would have sent it again. */
    case CURLE_SEND_FAIL_REWIND:
        return true;
    default:
        return false;
    }
}

/* The host part of url, for error messages: never the path or query. */
void hb_http_url_host(const char *url, char *out, size_t n)
{
    const char *start = strstr(url, "://");
    start = start != NULL ? start + 3 : url;
    size_t len = strcspn(start, "/?#");
    if (len >= n)
        len = n - 1;
    memcpy(out, start, len);
    out[len] = '\0';
}

/* Only method, host and path: a query may carry a token. */
void hb_http_tell_call(struct hb_http *http, CURL *curl, const char *url,
                       CURLcode rc, const struct timespec *began)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (long)((now.tv_sec - began->tv_sec) * 1000 +
                     (now.tv_nsec - began->tv_nsec) / 1000000);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    const char *method = NULL;
    if (curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_METHOD, &method) !=
            CURLE_OK ||
        method == NULL)
        method = "?";
    const char *start = strstr(url, "://");
    start = start != NULL ? start + 3 : url;
    char what[256];
    snprintf(what, sizeof(what), "%s %.*s", method, (int)strcspn(start, "?#"),
             start);
    http->on_call(http->on_call_cls, what, status, ms);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* What a finished request says (http_outcome.c), for http.c. */
#ifndef HB_HTTP_OUTCOME_H
#define HB_HTTP_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

#include "http.h"

/* How far the request got, from rc and libcurl's timers, into t (and
 * the leaf certificate's end when want_cert). */
void hb_http_trace_of(CURL *curl, CURLcode rc, bool want_cert,
                      const char *errbuf, struct hb_http_trace *t);
/* Whether rc says the host cannot be reached over the network. */
bool hb_http_network_failure(CURLcode rc);
/* The host part of url (never its path or query) into out. */
void hb_http_url_host(const char *url, char *out, size_t n);
/* The call, its status and its time, to http's on_call. */
void hb_http_tell_call(struct hb_http *http, CURL *curl, const char *url,
                       CURLcode rc, const struct timespec *began);

#endif

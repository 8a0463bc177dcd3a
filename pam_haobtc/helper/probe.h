/* SPDX-License-Identifier: BSD-2-Clause */
/* The network half of haobtc-login check: the provider and the relay
 * tried without a login, by the helper, the way a login reaches them. */
#ifndef HB_PROBE_H
#define HB_PROBE_H

#include "config.h"
#include "finding.h"
#include "http.h"

enum hb_verdict { HB_VERDICT_OK, HB_VERDICT_WARN, HB_VERDICT_FAIL };

/* Days before a certificate's end from which the check warns. */
#define HB_CERT_WARN_DAYS 14

/* One finding: the topic ("provider TLS", English in every language),
 * what was found, and for a warning or a failure the fix in one sentence
 * (NULL when there is none). */
typedef void (*hb_probe_say_fn)(void *arg, enum hb_verdict verdict,
                                const char *topic,
                                const struct hb_finding_text *finding,
                                const struct hb_finding_text *fix);

/* The client secret and the fleet key as the loader accepted them. */
void hb_probe_files(const struct hb_config *cfg, hb_probe_say_fn say,
                    void *arg);
/* DNS, TCP and TLS to the token endpoint, then the client credentials:
 * a token request with a made-up code must be refused with 40009. */
void hb_probe_provider(struct hb_http *http, hb_probe_say_fn say, void *arg);
/* With relay_url: DNS, TCP, TLS, GET /health, and a signed no-op request
 * that shows whether the relay accepts this host's fleet key. */
void hb_probe_relay(struct hb_http *http, hb_probe_say_fn say, void *arg);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* Talking to haobtc-relay: registering a login and long-polling its code. */
#ifndef HB_RELAY_CLIENT_H
#define HB_RELAY_CLIENT_H

#include "http.h"
#include "relay_protocol.h"
#include "status.h"

/* relay_url (trailing slashes dropped) and path: an endpoint's URL, on the
 * heap; NULL when out of memory. */
char *hb_relay_url(const char *base, const char *path);

/* Printable ASCII for the relay's page: other bytes (controls, bidi
 * overrides, any UTF-8) as \xNN, a backslash doubled, cut with "..." to
 * max bytes; on the heap, NULL when out of memory. */
char *hb_relay_shown(const char *s, size_t max);

/* Registers a session for state and returns the short link; the relay
 * builds the provider's link itself, with code_challenge (PKCE S256; the
 * verifier stays in the helper). host, user, rhost, service and
 * command (printable ASCII, see hb_challenge_start) are shown on the
 * relay's context page;
 * tag_key keys the tag its done page shows beside the code. Every request
 * is signed with the fleet key; a relay answering 429 or 503 is asked
 * again within http_timeout. */
struct hb_relay_what {
    const char *host;
    const char *user;
    const char *rhost;
    const char *service; /* NULL or "": not sent */
    const char *command; /* NULL or "": not sent (not under sudo) */
    bool number_match;   /* ask the relay for a number */
};
/* *number: the relay's number for number matching, 0 when it sent none
 * (not asked, or a relay before it). */
enum hb_status hb_relay_register(struct hb_http *http, const char *state,
                                 const char *code_challenge,
                                 const char *tag_key,
                                 const struct hb_relay_what *shown, char **link,
                                 int *number, struct hb_error *err);
/* Waits up to wait_s for the code of the session whose state derives from
 * poll_secret (the poll names this host, as registrations do: the relay
 * counts a module's requests by it); 429/503 (after Retry-After, with jitter)
 * and dropped connections are retried within the login deadline, each retry
 * waiting no longer than leaves the code's exchange its time. HB_OK with
 * *code set, HB_ERR_PENDING when nothing arrived in time, HB_ERR_REJECTED
 * when the person denied, HB_ERR_LOST when the relay no longer knows the
 * session ("unknown": it restarted without it). */
enum hb_status hb_relay_poll(struct hb_http *http, const char *poll_secret,
                             long wait_s, char **code, struct hb_error *err);

/* One long poll as long as the login deadline allows (at most
 * HB_RELAY_WAIT_MAX seconds); HB_ERR_EXPIRED once no further poll
 * would fit before the deadline. */
enum hb_status hb_relay_wait(struct hb_http *http, const char *poll_secret,
                             char **code, struct hb_error *err);

/* The setup check's proof that the relay takes this host's fleet key: a
 * signed POST /api/v1/ping, which changes nothing there. HB_OK when the
 * relay answered 200 with its clock in *relay_time; otherwise
 * *http_status (0 when nothing answered) and *reason (one of the relay's
 * known words, or "no known reason") say what the relay objected to. */
enum hb_status hb_relay_ping(struct hb_http *http, long *http_status,
                             const char **reason, long long *relay_time,
                             struct hb_error *err);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* What the module's helper and haobtc-relay must agree on, in one place:
 * the paths, the signed-request headers, the form fields, the words the
 * relay answers with, and the limits that depend on each other. */
#ifndef HB_RELAY_PROTOCOL_H
#define HB_RELAY_PROTOCOL_H

#define HB_RELAY_PATH_SESSIONS "/api/v1/sessions"
#define HB_RELAY_PATH_POLL "/api/v1/poll"
#define HB_RELAY_PATH_PING "/api/v1/ping"
#define HB_RELAY_PATH_HEALTH "/health"
#define HB_RELAY_PATH_CALLBACK "/cb"

/* A module request is signed with the fleet key:
 * X-Haobtc-Signature = base64url(HMAC-SHA256(key,
 *     PREFIX METHOD "\n" PATH "\n" TIMESTAMP "\n" BODY)),
 * X-Haobtc-Timestamp = TIMESTAMP (Unix seconds), fresh within the window;
 * the body carries a random nonce, so no two requests sign alike. */
#define HB_RELAY_SIGNATURE_PREFIX "haobtc-relay-v1\n"
#define HB_RELAY_TS_HEADER "X-Haobtc-Timestamp"
#define HB_RELAY_SIG_HEADER "X-Haobtc-Signature"
#define HB_RELAY_AUTH_WINDOW 60

/* Register: state, code_challenge, tag_key, host, user, rhost (and
 * nonce). code_challenge is the PKCE S256 challenge, 43 base64url
 * characters, which the relay puts in the provider's link; a module
 * before PKCE sends none. The host (this machine's name, up to
 * HB_RELAY_HOST_MAX bytes) is in every poll and ping too: the relay counts
 * a module's requests by it. */
#define HB_RELAY_FIELD_STATE "state"
#define HB_RELAY_FIELD_CODE_CHALLENGE "code_challenge"
#define HB_RELAY_CODE_CHALLENGE_LEN 43
#define HB_RELAY_FIELD_TAG_KEY "tag_key"
#define HB_RELAY_FIELD_HOST "host"
#define HB_RELAY_FIELD_USER "user"
#define HB_RELAY_FIELD_RHOST "rhost"
#define HB_RELAY_FIELD_NONCE "nonce"
#define HB_RELAY_HOST_MAX 253
/* Optional (a relay before them ignores them, and shows none when a module
 * before them sends none): the PAM service, and under sudo the command
 * sudo was asked to run, both printable ASCII, the command cut at
 * HB_RELAY_COMMAND_MAX bytes with "..." at its end. */
#define HB_RELAY_FIELD_SERVICE "service"
#define HB_RELAY_FIELD_COMMAND "command"
#define HB_RELAY_SERVICE_MAX 64
#define HB_RELAY_COMMAND_MAX 200
/* Number matching: a module that sends number_match=yes gets a number
 * (HB_RELAY_NUMBER_MIN..MAX) in the registration's answer, which its
 * terminal shows and the context page asks the person to pick; a wrong
 * pick ends the login, and its poll answers "number mismatch". A module
 * that sends no or another value gets none (a module before it). */
#define HB_RELAY_FIELD_NUMBER_MATCH "number_match"
#define HB_RELAY_ANSWER_NUMBER "number"
#define HB_RELAY_NUMBER_MIN 10
#define HB_RELAY_NUMBER_MAX 99
/* Poll: secret and wait (seconds), and host. */
#define HB_RELAY_FIELD_SECRET "secret"
#define HB_RELAY_FIELD_WAIT "wait"
/* The JSON answers: link (register), code or pending (poll), error. */
#define HB_RELAY_ANSWER_LINK "link"
#define HB_RELAY_ANSWER_CODE "code"
#define HB_RELAY_ANSWER_PENDING "pending"
#define HB_RELAY_ANSWER_ERROR "error"

/* The relay's longest wait by default (--max-poll-wait) and what a module
 * asks for: below it, so the relay answers "pending" before any proxy or
 * the module's own timeout cuts the connection. */
#define HB_RELAY_POLL_WAIT_DEFAULT_MAX 60
#define HB_RELAY_WAIT_MAX 50
_Static_assert(HB_RELAY_WAIT_MAX < HB_RELAY_POLL_WAIT_DEFAULT_MAX,
               "a module's poll must end before the relay's longest wait");

/* The error words of the relay's JSON answers. The helper logs only these
 * (anything else a relay says is not echoed into logs). */
#define HB_RELAY_ERROR_WORDS                                                   \
    "busy", "rate limited", "duplicate state", "bad state", "bad tag_key",     \
        "unauthenticated", "bad signature", "stale signature",                 \
        "replayed signature", "bad host", "bad user", "bad rhost", "bad form", \
        "bad secret", "bad wait", "shutting down", "unknown", "access_denied", \
        "not found", "method not allowed", "form expected", "too large",       \
        "internal", "store unavailable", "bad code_challenge",                 \
        "code_challenge required", "bad service", "bad command",               \
        "number mismatch"

#endif

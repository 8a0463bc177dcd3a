/* SPDX-License-Identifier: BSD-2-Clause */
/* The module-helper protocol: length-prefixed frames of NUL-free string
 * fields over one socketpair, bounded in size and field count. */
#ifndef HB_WIRE_H
#define HB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "status.h"

/* Raised when the frames change incompatibly: module and helper are
 * installed together, so a mismatch means a half-finished upgrade. */
#define HB_WIRE_VERSION "3"

#define HB_WIRE_MAX 16384 /* body bytes: type, then fields */
#define HB_WIRE_FIELDS 40

enum hb_wire_type {
    /* module -> helper */
    /* version, deadline, user, rhost, service, command, args... */
    HB_WIRE_START = 1,
    HB_WIRE_WAIT,     /* wait on the relay for this login's code */
    HB_WIRE_EXCHANGE, /* pasted answer, or "" for the relay's code */
    /* helper -> module */
    /* link, "poll"|"paste", relay error or "", number to match or "" */
    HB_WIRE_CHALLENGE,
    HB_WIRE_PENDING,  /* the relay has nothing yet */
    HB_WIRE_APPROVED, /* the relay handed over the code; it stays here */
    HB_WIRE_PROFILE,  /* uuid, username, address, provider */
    HB_WIRE_ERROR,    /* status, haobtc code, message */
    /* haobtc-login check: instead of START, the network half of the setup
     * check, answered by RESULT lines and then CHECKED */
    HB_WIRE_CHECK, /* version, deadline, args... */
    /* "ok"|"warn"|"FAIL", topic, finding, fix or "" (English); then, for
     * haobtc-login to show them in its language, the finding's and the
     * fix's msgid ("": data, shown as it is) each followed by its
     * arguments (finding.h). A reader takes four fields alone as English. */
    HB_WIRE_RESULT,
    HB_WIRE_CHECKED, /* no more results */
    /* helper -> module, before an answer, only with debug: one line of the
     * login's story the module logs (an HTTP call's status and duration);
     * never a secret */
    HB_WIRE_NOTE, /* text */
    /* haobtc-login pkce only (the module never sends it): instead of
     * EXCHANGE, redeem the code with a throw-away code_verifier, not this
     * attempt's, and never fetch the profile; answered by ERROR (haobtc
     * refused it, as a provider enforcing PKCE does) or PKCE_IGNORED. */
    HB_WIRE_PROBE_PKCE,   /* pasted answer, or "" for the relay's code */
    HB_WIRE_PKCE_IGNORED, /* haobtc handed out a token; it was dropped */
    /* the module, when a login found haobtc unreachable and the person
     * offers a break-glass code: instead of START, is haobtc still
     * unreachable? answered by REACH */
    HB_WIRE_PROBE, /* version, deadline, args... */
    HB_WIRE_REACH, /* "reachable"|"unreachable", what was found */
    HB_WIRE_LAST = HB_WIRE_REACH
};

/* One decoded frame. Fields point into store; a frame may carry a code, so
 * hb_wire_clear wipes it. */
struct hb_wire {
    int type;
    int n_fields;
    const char *field[HB_WIRE_FIELDS];
    size_t used;
    char store[HB_WIRE_MAX + HB_WIRE_FIELDS];
};

void hb_wire_init(struct hb_wire *w, int type);
/* false when the frame would outgrow the limits. */
bool hb_wire_add(struct hb_wire *w, const char *s);
void hb_wire_clear(struct hb_wire *w);
/* The field, or "" when the frame has fewer. */
const char *hb_wire_field(const struct hb_wire *w, int i);

/* What else a wait on the helper watches: check is called about once a
 * second, and at once when fd (-1: none) has something to read; any status
 * but HB_OK ends the wait with it (err filled). */
struct hb_wire_watch {
    enum hb_status (*check)(void *arg, struct hb_error *err);
    void *arg;
    int fd;
};

/* Sends the frame whole; a peer that went away is HB_ERR_HELPER (never a
 * SIGPIPE: su and sudo must not die of it). */
enum hb_status hb_wire_send(int fd, const struct hb_wire *w,
                            struct hb_error *err);
/* Receives one frame before deadline (0: no deadline), while watch (may
 * be NULL) is kept. */
enum hb_status hb_wire_recv(int fd, time_t deadline,
                            const struct hb_wire_watch *watch,
                            struct hb_wire *w, struct hb_error *err);
/* Parses a frame body (type byte and fields), as hb_wire_recv does after
 * reading it; exposed for the fuzz target. */
enum hb_status hb_wire_decode(const unsigned char *body, size_t len,
                              struct hb_wire *w, struct hb_error *err);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* The audit trail of a login: one structured record per outcome, sent to
 * journald's native socket (no libsystemd), with a MESSAGE_ID an
 * administrator can select on ("journalctl MESSAGE_ID=..."). The syslog
 * line the module writes anyway stays the human account of it. */
#ifndef HB_AUDIT_H
#define HB_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

/* Where journald listens; the tests' module build names its own. */
#ifndef HB_JOURNAL_SOCKET
#define HB_JOURNAL_SOCKET "/run/systemd/journal/socket"
#endif

/* How a login ended, each its own MESSAGE_ID (pam_haobtc(8) lists them). */
enum hb_audit_outcome {
    HB_AUDIT_APPROVED,   /* the phone approved, the identity maps */
    HB_AUDIT_REFUSED,    /* haobtc or the map said no, or the person did */
    HB_AUDIT_MISMATCH,   /* the number picked on the phone was not shown */
    HB_AUDIT_UNAVAIL,    /* haobtc or the relay could not be reached */
    HB_AUDIT_BREAKGLASS, /* a one-time break-glass code let it in */
    HB_AUDIT_REUSE,      /* an earlier approval let it in (reuse_*) */
    HB_AUDIT_PASSWORD,   /* the person chose the password (or_password) */
    HB_AUDIT_NOT_ASKED,  /* outside services= or groups= */
    HB_AUDIT_ERROR,      /* a local fault: configuration, memory, system */
    HB_AUDIT_OUTCOMES
};

/* The attempt's id: 16 random bytes in hex, made when the login starts,
 * the same in the relay's log for this attempt. */
#define HB_ATTEMPT_LEN 32

/* One record; NULL or "" strings are left out. */
struct hb_audit_record {
    enum hb_audit_outcome outcome;
    const char *message; /* the human line (MESSAGE) */
    const char *service, *user, *rhost;
    const char *uuid, *username; /* haobtc's, when the profile came */
    const char *reason;          /* why it was not approved */
    long haobtc_code;            /* haobtc's refusal code, 0 for none */
    const char *attempt;
    long long latency_ms; /* from the module's start, -1 when unknown */
    const char *phone_address, *phone_agent; /* as the relay saw them */
};

const char *hb_audit_message_id(enum hb_audit_outcome outcome);
const char *hb_audit_outcome_name(enum hb_audit_outcome outcome);
/* The record in journald's native format into out: KEY=value lines, each
 * value with every control byte, byte >= 0x80 and backslash escaped (so
 * no value can add a field or a line); false when out is too small. */
bool hb_audit_format(const struct hb_audit_record *r, char *out, size_t size,
                     size_t *len);
/* Sends the record to journald at socket_path; false (and nothing else
 * happens) when there is no journald there or it did not take it. */
bool hb_audit_send(const struct hb_audit_record *r, const char *socket_path);
/* A new attempt id into out (HB_ATTEMPT_LEN + 1 bytes). */
bool hb_audit_new_attempt(char out[HB_ATTEMPT_LEN + 1]);

#endif

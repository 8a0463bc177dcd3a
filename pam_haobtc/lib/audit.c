/* SPDX-License-Identifier: BSD-2-Clause */
/* A login's audit record in journald's native protocol: one datagram of
 * KEY=value lines to its socket, as sd_journal_send would send it. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "audit.h"
#include "logsafe.h"
#include "secure.h"

/* Made once with a random generator and never changed: a MESSAGE_ID names
 * the kind of event for as long as the project lives. */
static const struct {
    const char *id, *name;
    int priority;
} outcomes[HB_AUDIT_OUTCOMES] = {
    [HB_AUDIT_APPROVED] = {"c1931cc2acf6401990fe999cf72ca340", "approved",
                           LOG_INFO},
    [HB_AUDIT_REFUSED] = {"d4954fe06ffd4fce914af6f9600e5ec2", "refused",
                          LOG_NOTICE},
    [HB_AUDIT_MISMATCH] = {"da9ef54579bf42efaa162381a267e4dd", "mismatch",
                           LOG_WARNING},
    [HB_AUDIT_UNAVAIL] = {"18ddf56919dc4a6084e0e32814561d4a", "unavailable",
                          LOG_WARNING},
    [HB_AUDIT_BREAKGLASS] = {"25a38e2acd93462c8457906d92a9c992", "break-glass",
                             LOG_WARNING},
    [HB_AUDIT_REUSE] = {"1d4e72af4b7942ed8688668b48670167", "reuse", LOG_INFO},
    [HB_AUDIT_PASSWORD] = {"83c8a3ffd8464f358b255eaacfcd350f", "password",
                           LOG_INFO},
    [HB_AUDIT_NOT_ASKED] = {"1d799f1bff86415da236e3871642d020", "not-asked",
                            LOG_INFO},
    [HB_AUDIT_ERROR] = {"a54def238ae04e44886cafc2079bca70", "error", LOG_ERR},
};

const char *hb_audit_message_id(enum hb_audit_outcome outcome)
{
    return outcome < HB_AUDIT_OUTCOMES ? outcomes[outcome].id : NULL;
}

const char *hb_audit_outcome_name(enum hb_audit_outcome outcome)
{
    return outcome < HB_AUDIT_OUTCOMES ? outcomes[outcome].name : NULL;
}

struct out {
    char *buf;
    size_t size, used;
    bool full;
};

static void put_field(struct out *o, const char *key, const char *value)
{
    if (value == NULL || value[0] == '\0' || o->full)
        return;
    /* Escaped, a value is one line of printable ASCII. */
    char safe[2048];
    hb_log_escape(value, safe, sizeof(safe));
    int n = snprintf(o->buf + o->used, o->size - o->used, "%s=%s\n", key, safe);
    if (n < 0 || (size_t)n >= o->size - o->used) {
        o->full = true;
        return;
    }
    o->used += (size_t)n;
}

static void put_number(struct out *o, const char *key, long long value)
{
    char text[32];
    snprintf(text, sizeof(text), "%lld", value);
    put_field(o, key, text);
}

bool hb_audit_format(const struct hb_audit_record *r, char *buf, size_t size,
                     size_t *len)
{
    struct out o = {buf, size, 0, size == 0};
    if (r->outcome >= HB_AUDIT_OUTCOMES)
        return false;
    put_field(&o, "MESSAGE", r->message);
    put_field(&o, "MESSAGE_ID", outcomes[r->outcome].id);
    put_number(&o, "PRIORITY", outcomes[r->outcome].priority);
    put_number(&o, "SYSLOG_FACILITY", LOG_AUTHPRIV >> 3);
    put_field(&o, "SYSLOG_IDENTIFIER", "pam_haobtc");
    put_field(&o, "HAOBTC_OUTCOME", outcomes[r->outcome].name);
    put_field(&o, "HAOBTC_ATTEMPT", r->attempt);
    put_field(&o, "HAOBTC_UUID", r->uuid);
    put_field(&o, "HAOBTC_USERNAME", r->username);
    put_field(&o, "HAOBTC_PAM_SERVICE", r->service);
    put_field(&o, "HAOBTC_PAM_USER", r->user);
    put_field(&o, "HAOBTC_PAM_RHOST", r->rhost);
    put_field(&o, "HAOBTC_REASON", r->reason);
    if (r->haobtc_code != 0)
        put_number(&o, "HAOBTC_CODE", r->haobtc_code);
    if (r->latency_ms >= 0)
        put_number(&o, "HAOBTC_LATENCY_MS", r->latency_ms);
    put_field(&o, "HAOBTC_PHONE_ADDRESS", r->phone_address);
    put_field(&o, "HAOBTC_PHONE_USER_AGENT", r->phone_agent);
    if (o.full)
        return false;
    *len = o.used;
    return true;
}

bool hb_audit_send(const struct hb_audit_record *r, const char *socket_path)
{
    char record[8192];
    size_t len = 0;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (!hb_audit_format(r, record, sizeof(record), &len) ||
        strlen(socket_path) >= sizeof(sa.sun_path))
        return false;
    memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
    /* Non-blocking: a journald that does not read must not hold a login. */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return false;
    ssize_t sent;
    do {
        sent = sendto(fd, record, len, MSG_NOSIGNAL, (struct sockaddr *)&sa,
                      sizeof(sa));
    } while (sent < 0 && errno == EINTR);
    close(fd);
    return sent == (ssize_t)len;
}

bool hb_audit_new_attempt(char out[HB_ATTEMPT_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[HB_ATTEMPT_LEN / 2];
    if (!hb_random_bytes(raw, sizeof(raw))) {
        out[0] = '\0';
        return false;
    }
    for (size_t i = 0; i < sizeof(raw); i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[HB_ATTEMPT_LEN] = '\0';
    return true;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The PAM side of the audit trail: what this login was (libpam's items,
 * the flow's result, how long it took) as one record for journald. */
#include "autoconf.h"

#include <stdio.h>
#include <time.h>

#include "audit.h"
#include "pam_util.h"

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void hb_pam_attempt_begin(struct hb_pam_attempt *a)
{
    *a = (struct hb_pam_attempt){0};
    a->started_ms = mono_ms();
    /* Without randomness the record still goes out, with no id. */
    (void)hb_audit_new_attempt(a->id);
}

static enum hb_audit_outcome outcome_of(const struct hb_pam_attempt *a,
                                        enum hb_status status)
{
    switch (status) {
    case HB_OK:
        return a->via_breakglass ? HB_AUDIT_BREAKGLASS
               : a->via_reuse    ? HB_AUDIT_REUSE
                                 : HB_AUDIT_APPROVED;
    case HB_ERR_UNAVAIL:
    case HB_ERR_BUSY:
        return HB_AUDIT_UNAVAIL;
    case HB_ERR_PASSWORD:
        return HB_AUDIT_PASSWORD;
    case HB_NOT_ASKED:
        return HB_AUDIT_NOT_ASKED;
    case HB_ERR_DENIED:
    case HB_ERR_REJECTED:
    case HB_ERR_INPUT:
    case HB_ERR_EXPIRED:
    case HB_ERR_BREAKGLASS:
    case HB_ERR_LOST:
    case HB_ERR_PENDING:
        return HB_AUDIT_REFUSED;
    case HB_ERR_MISMATCH:
        return HB_AUDIT_MISMATCH;
    case HB_ERR_CONFIG:
    case HB_ERR_CONV:
    case HB_ERR_NOMEM:
    case HB_ERR_PROTOCOL:
    case HB_ERR_HELPER:
    case HB_ERR_SYSTEM:
        break;
    }
    return HB_AUDIT_ERROR;
}

void hb_pam_audit(pam_handle_t *pamh, const struct hb_pam_attempt *a,
                  enum hb_status status, const struct hb_error *err,
                  const char *user, const struct hb_profile *profile)
{
    const char *from = NULL;
    const char *rhost = hb_pam_rhost(pamh, &from);
    enum hb_audit_outcome outcome = outcome_of(a, status);
    char message[512];
    snprintf(message, sizeof(message), "haobtc login for %s from %s: %s%s%s",
             user != NULL ? user : "(no user)", from,
             hb_audit_outcome_name(outcome), status != HB_OK ? ": " : "",
             status != HB_OK ? err->msg : "");
    struct hb_audit_record r = {
        .outcome = outcome,
        .message = message,
        .service = hb_pam_service(pamh),
        .user = user,
        .rhost = rhost,
        .uuid = profile->uuid,
        .username = profile->username,
        .reason = status != HB_OK ? err->msg : NULL,
        .haobtc_code = status != HB_OK ? err->haobtc_code : 0,
        .attempt = a->id,
        .latency_ms = mono_ms() - a->started_ms,
        .phone_address = a->phone_address,
        .phone_agent = a->phone_agent,
    };
    /* No journald (a container, another init): the syslog line the
     * module wrote is the record. */
    (void)hb_audit_send(&r, HB_JOURNAL_SOCKET);
}

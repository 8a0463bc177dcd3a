/* SPDX-License-Identifier: BSD-2-Clause */
/* Outcome of every library call; the PAM layer maps these to PAM values in
 * one place (hb_pam_result in pam_util.c), the tools to exit codes. */
#ifndef HB_STATUS_H
#define HB_STATUS_H

#include <stddef.h>

enum hb_status {
    HB_OK = 0,
    HB_ERR_CONFIG, /* configuration or unsafe file: PAM_SERVICE_ERR */
    /* The helper positively found, within the login's deadline, that haobtc
     * or the relay cannot be reached over the network (DNS, connect, TLS,
     * their own time limit, or a 5xx from them). Nothing else: a stack may
     * let this one fall back to another way in, so nothing the person at
     * the prompt controls may produce it (see pam_haobtc(8)). */
    HB_ERR_UNAVAIL,
    HB_ERR_DENIED, /* provider said no, bad code, identity mismatch */
    HB_ERR_INPUT,  /* the person's answer is unusable */
    HB_ERR_CONV,   /* the conversation function failed */
    HB_ERR_NOMEM,
    HB_ERR_PENDING,  /* relay: no code yet (not an error to the person) */
    HB_ERR_EXPIRED,  /* no approval before the deadline, or the login expired */
    HB_ERR_REJECTED, /* the person pressed "deny" on the haobtc page */
    HB_ERR_PROTOCOL, /* an answer that is not what the protocol says */
    HB_ERR_BUSY,     /* the relay or haobtc kept answering 429 or 503 */
    HB_ERR_HELPER,   /* the helper died, hung, or spoke out of turn */
    HB_ERR_SYSTEM,   /* a local fault: no socket, no process */
    HB_ERR_BREAKGLASS, /* a break-glass code not accepted */
    /* The person chose the password instead (or_password): the stack's
     * password module goes on, with what they typed as PAM_AUTHTOK. */
    HB_ERR_PASSWORD,
    /* The relay no longer knows this login while it is still within its
     * time (it restarted without its sessions): start again. */
    HB_ERR_LOST,
    /* The person picked another number than the terminal showed on the
     * relay's page (number matching): the login is refused. */
    HB_ERR_MISMATCH,
    /* Not a failure: the login is outside services= or groups= (scope.h),
     * PAM_IGNORE. Never crosses the helper link, so after HB_ERR_LAST. */
    HB_NOT_ASKED,
};
/* The last value, for checking a status that crossed the helper link. */
#define HB_ERR_LAST HB_ERR_MISMATCH

#define HB_ERRMSG_MAX 256

/* What went wrong, in words an administrator can act on, plus the haobtc
 * code when the provider sent one. Never holds a secret. */
struct hb_error {
    enum hb_status status;
    long haobtc_code;
    char msg[HB_ERRMSG_MAX];
};

enum hb_status hb_fail(struct hb_error *err, enum hb_status status,
                       const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *hb_status_name(enum hb_status status);

#endif

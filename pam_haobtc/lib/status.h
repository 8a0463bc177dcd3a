/* Outcome of every library call; the PAM layer maps these to PAM values in
 * one place (hb_pam_result in pam_util.c), the tools to exit codes. */
#ifndef HB_STATUS_H
#define HB_STATUS_H

#include <stddef.h>

enum hb_status {
    HB_OK = 0,
    HB_ERR_CONFIG,  /* configuration or unsafe file: PAM_SERVICE_ERR */
    HB_ERR_UNAVAIL, /* provider or relay unreachable, slow or garbled */
    HB_ERR_DENIED,  /* provider said no, bad code, identity mismatch */
    HB_ERR_INPUT,   /* the person's answer is unusable */
    HB_ERR_CONV,    /* the conversation function failed */
    HB_ERR_NOMEM,
    HB_ERR_PENDING,  /* relay: no code yet (not an error to the person) */
    HB_ERR_EXPIRED,  /* no approval before the deadline, or the login expired */
    HB_ERR_REJECTED, /* the person pressed "deny" on the haobtc page */
};

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

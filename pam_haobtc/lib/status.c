/* SPDX-License-Identifier: BSD-2-Clause */
/* Filling in and naming the library's error results. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "status.h"

enum hb_status hb_fail(struct hb_error *err, enum hb_status status,
                       const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->status = status;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return status;
}

const char *hb_status_name(enum hb_status status)
{
    switch (status) {
    case HB_OK:
        return "ok";
    case HB_ERR_CONFIG:
        return "configuration error";
    case HB_ERR_UNAVAIL:
        return "provider unavailable";
    case HB_ERR_DENIED:
        return "denied";
    case HB_ERR_INPUT:
        return "unusable answer";
    case HB_ERR_CONV:
        return "conversation failed";
    case HB_ERR_NOMEM:
        return "out of memory";
    case HB_ERR_PENDING:
        return "pending";
    case HB_ERR_EXPIRED:
        return "expired";
    case HB_ERR_REJECTED:
        return "denied on the haobtc page";
    case HB_ERR_PROTOCOL:
        return "unexpected answer";
    case HB_ERR_BUSY:
        return "busy";
    case HB_ERR_HELPER:
        return "helper failed";
    case HB_ERR_SYSTEM:
        return "system error";
    case HB_ERR_BREAKGLASS:
        return "break-glass code refused";
    case HB_ERR_PASSWORD:
        return "the password chosen instead";
    case HB_ERR_LOST:
        return "lost by the relay";
    case HB_ERR_MISMATCH:
        return "number mismatch";
    case HB_NOT_ASKED:
        return "not asked";
    }
    return "unknown";
}

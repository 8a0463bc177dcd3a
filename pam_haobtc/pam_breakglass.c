/* SPDX-License-Identifier: BSD-2-Clause */
/* The way in when haobtc is really down: a one-time break-glass code an
 * administrator issued (haobtc-login breakglass), asked for only after this
 * login found haobtc unreachable, and counted only while a fresh helper
 * still finds it so. Never the password: that would make the phone
 * optional to whoever can make haobtc look down. */
#include "autoconf.h"

#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "breakglass.h"
#include "helper_client.h"
#include "pam_util.h"
#include "secure.h"

/* Whether this module's own helper still finds haobtc unreachable. */
static enum hb_status still_down(time_t deadline, int argc, const char **argv,
                                 struct hb_error *err)
{
    struct hb_helper h;
    bool reachable = true;
    enum hb_status status = hb_helper_start(&h, deadline, true, err);
    if (status == HB_OK)
        status = hb_helper_reach(&h, argc, argv, &reachable, err);
    hb_helper_stop(&h);
    if (status == HB_OK && reachable)
        status = hb_fail(err, HB_ERR_BREAKGLASS,
                         "haobtc can be reached again, and a break-glass code "
                         "counts only while it cannot");
    return status;
}

enum hb_status hb_pam_break_glass(pam_handle_t *pamh,
                                  const struct hb_config *cfg,
                                  const struct hb_texts *texts, time_t deadline,
                                  int argc, const char **argv, const char *user,
                                  const char *from, struct hb_error *err)
{
    struct stat st;
    /* No codes were ever issued here: the outage stands as it is. */
    if (lstat(cfg->breakglass_file, &st) != 0)
        return HB_ERR_UNAVAIL;
    struct hb_error outage = *err;
    char *answer = NULL;
    int rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &answer, "%s",
                        hb_tr(texts, "haobtc cannot be reached. A break-glass "
                                     "code from your administrator (or Enter "
                                     "to give up): "));
    if (rc != PAM_SUCCESS || answer == NULL) {
        hb_free_secret(&answer);
        return hb_fail(err, rc == PAM_BUF_ERR ? HB_ERR_NOMEM : HB_ERR_CONV,
                       "the conversation failed: %s", pam_strerror(pamh, rc));
    }
    if (answer[0] == '\0') {
        hb_free_secret(&answer);
        *err = outage;
        return HB_ERR_UNAVAIL;
    }
    enum hb_status status = HB_OK;
    char id[HB_BG_ID_LEN + 1] = "";
    if (time(NULL) >= deadline)
        status = hb_fail(err, HB_ERR_EXPIRED,
                         "the break-glass code came after the login's "
                         "deadline");
    else if (!hb_breakglass_looks_like(answer))
        status = hb_fail(err, HB_ERR_BREAKGLASS,
                         "the answer is not a break-glass code");
    if (status == HB_OK)
        status = still_down(deadline, argc, argv, err);
    if (status == HB_OK)
        status = hb_breakglass_use(cfg->breakglass_file, user, answer, id, err);
    hb_free_secret(&answer);
    /* Only the status changes: err->msg formatted into itself (an
     * overlapping copy) came out empty in the log. */
    if (status == HB_ERR_DENIED)
        status = err->status = HB_ERR_BREAKGLASS;
    if (status == HB_OK)
        hb_pam_log(pamh, LOG_ALERT,
                   "break-glass code %s let %s in from %s: haobtc cannot be "
                   "reached (%s)",
                   id, user, from, outage.msg);
    else
        hb_pam_log(pamh, LOG_ALERT,
                   "a break-glass code for %s from %s was not accepted: %s",
                   user, from, err->msg);
    return status;
}

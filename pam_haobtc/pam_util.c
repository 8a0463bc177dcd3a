/* PAM glue: results, logs, the conversation and the PAM environment. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "codes.h"
#include "identity.h"
#include "logsafe.h"
#include "pam_util.h"
#include "prompt.h"
#include "secure.h"

int hb_pam_result(enum hb_status status)
{
    switch (status) {
    case HB_OK:
        return PAM_SUCCESS;
    case HB_ERR_CONFIG:
        return PAM_SERVICE_ERR;
    case HB_ERR_UNAVAIL:
        return PAM_AUTHINFO_UNAVAIL;
    case HB_ERR_CONV:
        return PAM_CONV_ERR;
    case HB_ERR_NOMEM:
        return PAM_BUF_ERR;
    case HB_ERR_DENIED:
    case HB_ERR_INPUT:
    case HB_ERR_PENDING:
    case HB_ERR_EXPIRED:
    case HB_ERR_REJECTED:
        return PAM_AUTH_ERR;
    }
    return PAM_AUTH_ERR;
}

static void log_escaped(pam_handle_t *pamh, int priority, const char *prefix,
                        const char *fmt, va_list ap)
{
    char raw[1024];
    /* Four bytes out for each byte in, at worst. */
    char shown[4 * sizeof(raw)];
    vsnprintf(raw, sizeof(raw), fmt, ap);
    hb_log_escape(raw, shown, sizeof(shown));
    pam_syslog(pamh, priority, "%s%s", prefix, shown);
}

void hb_pam_log(pam_handle_t *pamh, int priority, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_escaped(pamh, priority, "", fmt, ap);
    va_end(ap);
}

void hb_pam_debug(pam_handle_t *pamh, const struct hb_config *cfg,
                  const char *fmt, ...)
{
    if (!cfg->debug)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_escaped(pamh, LOG_DEBUG, "debug: ", fmt, ap);
    va_end(ap);
}

const char *hb_pam_rhost(pam_handle_t *pamh, const char **shown)
{
    const void *item = NULL;
    if (pam_get_item(pamh, PAM_RHOST, &item) != PAM_SUCCESS || item == NULL ||
        ((const char *)item)[0] == '\0') {
        *shown = "local";
        return NULL;
    }
    if (!hb_host_is_valid(item)) {
        *shown = "(not a host)";
        return NULL;
    }
    *shown = item;
    return item;
}

static const char *person_text(const struct hb_error *err, char *buf, size_t n)
{
    switch (err->status) {
    case HB_ERR_UNAVAIL:
        return "haobtc sign-in is unavailable right now.";
    case HB_ERR_CONFIG:
        return "haobtc sign-in is not configured correctly; tell the "
               "administrator.";
    case HB_ERR_INPUT:
        /* Says what to do instead: paste the whole CODE:TAG line, or
         * approve again for this attempt. */
        snprintf(buf, n, "The pasted code was not used: %s.", err->msg);
        return buf;
    case HB_ERR_PENDING:
        return "No code was entered.";
    case HB_ERR_EXPIRED:
        return "No approval arrived in time.";
    case HB_ERR_REJECTED:
        return "The sign-in was denied on the haobtc page.";
    case HB_ERR_DENIED:
        if (err->haobtc_code != 0) {
            const struct hb_code_info *info = hb_code_lookup(err->haobtc_code);
            if (info != NULL) {
                snprintf(buf, n, "haobtc refused the sign-in: %s (%s).",
                         info->english, info->name);
                return buf;
            }
        }
        return "This haobtc account may not log in to this account.";
    default:
        return "haobtc sign-in failed.";
    }
}

void hb_pam_log_success(pam_handle_t *pamh, const char *user, const char *from,
                        const struct hb_profile *profile)
{
    hb_pam_log(pamh, LOG_INFO, "haobtc login for %s from %s: uuid %s%s%s", user,
               from, profile->uuid,
               profile->username != NULL ? ", username " : "",
               profile->username != NULL ? profile->username : "");
}

void hb_pam_report(pam_handle_t *pamh, const char *user, const char *from,
                   const struct hb_error *err)
{
    int prio = err->status == HB_ERR_CONFIG ? LOG_ERR : LOG_NOTICE;
    hb_pam_log(pamh, prio, "haobtc login for %s from %s failed: %s",
               user != NULL ? user : "(no user)", from, err->msg);
    if (err->status == HB_ERR_CONV)
        return;
    /* Room for a sentence around the longest message. */
    char buf[HB_ERRMSG_MAX + 64];
    pam_error(pamh, "%s", person_text(err, buf, sizeof(buf)));
}

char *hb_pam_ask(pam_handle_t *pamh, const char *prompt, struct hb_error *err)
{
    char *answer = NULL;
    /* pam_prompt ignores PAM_SILENT on purpose here: without the prompt no
     * one could log in (sudo passes PAM_SILENT by default). */
    int rc = pam_prompt(pamh, PAM_PROMPT_ECHO_ON, &answer, "%s", prompt);
    if (rc != PAM_SUCCESS || answer == NULL) {
        hb_free_secret(&answer);
        hb_fail(err, rc == PAM_BUF_ERR ? HB_ERR_NOMEM : HB_ERR_CONV,
                "the conversation failed: %s", pam_strerror(pamh, rc));
        return NULL;
    }
    return answer;
}

static enum hb_status put_env(pam_handle_t *pamh, const char *name,
                              const char *value, struct hb_error *err)
{
    char *entry = NULL;
    if (asprintf(&entry, "%s=%s", name, value) < 0)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    int rc = pam_putenv(pamh, entry);
    free(entry);
    if (rc != PAM_SUCCESS)
        return hb_fail(err, rc == PAM_BUF_ERR ? HB_ERR_NOMEM : HB_ERR_CONFIG,
                       "cannot set %s: %s", name, pam_strerror(pamh, rc));
    return HB_OK;
}

enum hb_status hb_pam_export(pam_handle_t *pamh,
                             const struct hb_profile *profile,
                             struct hb_error *err)
{
    enum hb_status status = put_env(pamh, "HAOBTC_UUID", profile->uuid, err);
    /* A username that is not plain ASCII is never handed to the session. */
    if (status == HB_OK && hb_username_is_plain(profile->username))
        status = put_env(pamh, "HAOBTC_USERNAME", profile->username, err);
    return status;
}

enum hb_status hb_pam_tell(pam_handle_t *pamh, const char *text,
                           struct hb_error *err)
{
    /* Like the prompt, shown under PAM_SILENT too: it is the login. */
    int rc = pam_prompt(pamh, PAM_TEXT_INFO, NULL, "%s", text);
    if (rc != PAM_SUCCESS)
        return hb_fail(err, rc == PAM_BUF_ERR ? HB_ERR_NOMEM : HB_ERR_CONV,
                       "the conversation failed: %s", pam_strerror(pamh, rc));
    return HB_OK;
}

static const char *pam_service(pam_handle_t *pamh)
{
    const void *item = NULL;
    if (pam_get_item(pamh, PAM_SERVICE, &item) != PAM_SUCCESS)
        return NULL;
    return item;
}

/* The link and the QR as two info messages, then the wait on the relay
 * until the phone approves or the login's deadline: nothing to type. */
static enum hb_status wait_without_prompt(pam_handle_t *pamh,
                                          const struct hb_config *cfg,
                                          struct hb_helper *helper,
                                          const char *link, const char *notice,
                                          struct hb_error *err)
{
    enum hb_status status = hb_pam_tell(pamh, notice, err);
    if (status != HB_OK)
        return status;
    char *qr = hb_notice_qr(cfg, link);
    if (qr == NULL && cfg->qr != HB_QR_OFF)
        return hb_fail(err, HB_ERR_NOMEM, "cannot draw the QR code");
    if (qr != NULL) {
        status = hb_pam_tell(pamh, qr, err);
        free(qr);
        if (status != HB_OK)
            return status;
    }
    return hb_helper_wait_approval(helper, err);
}

enum hb_status
hb_pam_obtain_code(pam_handle_t *pamh, const struct hb_config *cfg,
                   struct hb_helper *helper, const struct hb_offer *offer,
                   const char *user, char **code, struct hb_error *err)
{
    *code = NULL;
    if (offer->relay_error[0] != '\0')
        hb_pam_log(pamh, LOG_WARNING,
                   "relay unavailable, asking for a pasted code instead: %s",
                   offer->relay_error);
    char host[256];
    if (gethostname(host, sizeof(host)) != 0)
        host[0] = '\0';
    host[sizeof(host) - 1] = '\0';

    const char *service = pam_service(pamh);
    if (hb_prompt_skipped(cfg, service, offer->can_poll,
                          isatty(STDOUT_FILENO) == 1)) {
        char *notice = hb_notice_build(user, host, offer->link);
        if (notice != NULL) {
            hb_pam_debug(pamh, cfg,
                         "showing the link with no prompt (service %s); "
                         "waiting on the relay",
                         service != NULL ? service : "(none)");
            enum hb_status status = wait_without_prompt(
                pamh, cfg, helper, offer->link, notice, err);
            free(notice);
            return status;
        }
        hb_pam_log(pamh, LOG_WARNING,
                   "the link is not short plain ASCII; asking instead");
    }

    char *prompt =
        hb_prompt_build(cfg, user, host, offer->link, offer->can_poll);
    if (prompt == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "cannot build the prompt");

    enum hb_status status;
    for (int asked = 1;; asked++) {
        hb_pam_debug(pamh, cfg, "prompt %d shown (service %s)", asked,
                     service != NULL ? service : "(none)");
        char *answer = hb_pam_ask(pamh, prompt, err);
        if (answer == NULL) {
            status = err->status;
            break;
        }
        /* In poll mode whatever is typed just means "go and look"; it may
         * still be a code, so it is wiped whole, not just cut short. */
        if (cfg->mode == HB_MODE_POLL)
            hb_wipe(answer, strlen(answer));
        status = hb_answer_check(answer, err);
        if (status == HB_OK) {
            hb_pam_debug(pamh, cfg, "a code of %zu characters was pasted",
                         strlen(answer));
            *code = answer;
            break;
        }
        hb_free_secret(&answer);
        if (status != HB_ERR_PENDING)
            break;
        if (!offer->can_poll) {
            status = hb_fail(err, HB_ERR_PENDING, "no code was entered");
            break;
        }
        hb_pam_debug(pamh, cfg, "empty answer: asking the relay");
        status = hb_helper_wait(helper, err);
        hb_pam_debug(pamh, cfg, "the relay: %s",
                     status == HB_OK            ? "approved"
                     : status == HB_ERR_PENDING ? "not approved yet"
                                                : "failed");
        if (status != HB_ERR_PENDING)
            break;
        /* Not approved yet: ask again, shortly, keeping the link. */
        free(prompt);
        prompt = hb_prompt_again(cfg, offer->link);
        if (prompt == NULL) {
            status = hb_fail(err, HB_ERR_NOMEM, "cannot build the prompt");
            break;
        }
    }
    free(prompt);
    return status;
}

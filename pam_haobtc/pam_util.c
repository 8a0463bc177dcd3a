/* SPDX-License-Identifier: BSD-2-Clause */
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
#include "obtain.h"
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
    case HB_ERR_SYSTEM:
        return PAM_SYSTEM_ERR;
    case HB_NOT_ASKED:
        return PAM_IGNORE;
    case HB_ERR_DENIED:
    case HB_ERR_PROTOCOL:
    case HB_ERR_BUSY:
    case HB_ERR_HELPER:
    case HB_ERR_BREAKGLASS:
    case HB_ERR_INPUT:
    case HB_ERR_PENDING:
    case HB_ERR_EXPIRED:
    case HB_ERR_REJECTED:
    case HB_ERR_PASSWORD:
    case HB_ERR_LOST:
    case HB_ERR_MISMATCH:
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

void hb_pam_debug_note(void *cls, const char *text)
{
    const struct hb_pam_debug_to *to = cls;
    hb_pam_debug(to->pamh, to->cfg, "%s", text);
}

const char *hb_pam_service(pam_handle_t *pamh)
{
    const void *item = NULL;
    if (pam_get_item(pamh, PAM_SERVICE, &item) != PAM_SUCCESS)
        return NULL;
    return item;
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

/* What the person reads about a failure, in their language; the log
 * line beside it stays English. */
static const char *person_text(const struct hb_texts *t,
                               const struct hb_error *err, char *buf, size_t n)
{
    switch (err->status) {
    case HB_ERR_UNAVAIL:
        return hb_tr(t, "haobtc sign-in is unavailable right now.");
    case HB_ERR_CONFIG:
        return hb_tr(t, "haobtc sign-in is not configured correctly; tell the "
                        "administrator.");
    case HB_ERR_INPUT:
        /* Says what to do instead: paste the whole CODE:TAG line, or
         * approve again for this attempt. The reasons are fixed texts
         * (marked where they are made), so they translate as they are. */
        /* TRANSLATORS: %s is why, e.g. "the pasted code is too long". */
        snprintf(buf, n, hb_tr(t, "The pasted code was not used: %s."),
                 hb_tr(t, err->msg));
        return buf;
    case HB_ERR_PENDING:
        return hb_tr(t, "No code was entered.");
    case HB_ERR_EXPIRED:
        return hb_tr(t, "No approval arrived in time.");
    case HB_ERR_LOST:
        return hb_tr(t, "The relay lost this sign-in (it may have restarted); "
                        "start again.");
    case HB_ERR_BUSY:
        return hb_tr(t, "haobtc sign-in is busy; try again in a minute.");
    case HB_ERR_BREAKGLASS:
        return hb_tr(t, "The break-glass code was not accepted.");
    case HB_ERR_REJECTED:
        return hb_tr(t, "The sign-in was denied on the haobtc page.");
    case HB_ERR_MISMATCH:
        return hb_tr(t, "The number picked on the phone did not match the "
                        "one shown here, so this sign-in was refused; start "
                        "again.");
    case HB_ERR_DENIED:
        if (err->haobtc_code != 0) {
            const struct hb_code_info *info = hb_code_lookup(err->haobtc_code);
            if (info != NULL) {
                /* haobtc's own table has both texts: no catalog needed. */
                /* TRANSLATORS: the first %s is haobtc's text for its
                 * return code (in Chinese from haobtc's table), the
                 * second the code's name, e.g. invalid_authorization_code. */
                snprintf(buf, n,
                         hb_tr(t, "haobtc refused the sign-in: %s (%s)."),
                         t != NULL && t->lang == HB_LANG_ZH_CN ? info->chinese
                                                               : info->english,
                         info->name);
                return buf;
            }
        }
        return hb_tr(t, "This haobtc account may not log in to this account.");
    default:
        return hb_tr(t, "haobtc sign-in failed.");
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

void hb_pam_report(pam_handle_t *pamh, const struct hb_texts *t,
                   const char *user, const char *from,
                   const struct hb_error *err)
{
    /* Outside services= or groups=: why, and nothing for the person, for
     * whom the rest of the stack goes on as if the module were not there. */
    if (err->status == HB_NOT_ASKED) {
        hb_pam_log(pamh, LOG_INFO, "%s", err->msg);
        return;
    }
    int prio = err->status == HB_ERR_CONFIG ? LOG_ERR : LOG_NOTICE;
    hb_pam_log(pamh, prio, "haobtc login for %s from %s failed: %s",
               user != NULL ? user : "(no user)", from, err->msg);
    /* The password module asks next: nothing failed that the person must
     * read about. */
    if (err->status == HB_ERR_CONV || err->status == HB_ERR_PASSWORD)
        return;
    /* Room for a sentence around the longest message. */
    char buf[HB_ERRMSG_MAX + 64];
    pam_error(pamh, "%s", person_text(t, err, buf, sizeof(buf)));
}

char *hb_pam_ask(pam_handle_t *pamh, const char *prompt, bool hidden,
                 struct hb_error *err)
{
    char *answer = NULL;
    /* pam_prompt ignores PAM_SILENT on purpose here: without the prompt no
     * one could log in (sudo passes PAM_SILENT by default). */
    int rc = pam_prompt(pamh, hidden ? PAM_PROMPT_ECHO_OFF : PAM_PROMPT_ECHO_ON,
                        &answer, "%s", prompt);
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

/* The module's side of hb_obtain_code: the PAM conversation and syslog. */
struct conversation {
    pam_handle_t *pamh;
    const struct hb_config *cfg;
};

static char *conversation_ask(void *ctx, const char *prompt, bool hidden,
                              struct hb_error *err)
{
    return hb_pam_ask(((struct conversation *)ctx)->pamh, prompt, hidden, err);
}

/* pam_unix and its kind take PAM_AUTHTOK with try_first_pass (Debian's
 * common-auth has it after a module of the profile) or use_first_pass. */
static enum hb_status conversation_hand_on(void *ctx, const char *password,
                                           struct hb_error *err)
{
    int rc =
        pam_set_item(((struct conversation *)ctx)->pamh, PAM_AUTHTOK, password);
    if (rc != PAM_SUCCESS)
        return hb_fail(err, rc == PAM_BUF_ERR ? HB_ERR_NOMEM : HB_ERR_SYSTEM,
                       "cannot hand the password on");
    return HB_OK;
}

static enum hb_status conversation_tell(void *ctx, const char *text,
                                        struct hb_error *err)
{
    return hb_pam_tell(((struct conversation *)ctx)->pamh, text, err);
}

static void conversation_note(void *ctx, int priority, const char *text)
{
    struct conversation *c = ctx;
    if (priority == LOG_DEBUG)
        hb_pam_debug(c->pamh, c->cfg, "%s", text);
    else
        hb_pam_log(c->pamh, priority, "%s", text);
}

enum hb_status
hb_pam_obtain_code(pam_handle_t *pamh, const struct hb_config *cfg,
                   const struct hb_texts *texts, struct hb_helper *helper,
                   const struct hb_offer *offer, const char *user, char **code,
                   struct hb_error *err)
{
    struct conversation c = {pamh, cfg};
    const char *service = pam_service(pamh);
    const struct hb_person person = {
        .ask = conversation_ask,
        .hand_on = conversation_hand_on,
        .tell = conversation_tell,
        .note = conversation_note,
        .ctx = &c,
        .service = service != NULL ? service : "(none)",
        .output_is_a_terminal = isatty(STDOUT_FILENO) == 1,
        .texts = texts,
    };
    return hb_obtain_code(&person, cfg, helper, offer, user, code, err);
}

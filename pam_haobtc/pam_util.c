/* PAM glue: results, logs, the conversation and the PAM environment. */
#include "autoconf.h"

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
#include "pam_util.h"
#include "prompt.h"
#include "relay_client.h"
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

const char *hb_pam_printable(const char *name)
{
    return hb_username_is_plain(name) ? name : "(unprintable name)";
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
        return "That is not a haobtc code.";
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

static const char *remote_host(pam_handle_t *pamh)
{
    const void *rhost = NULL;
    if (pam_get_item(pamh, PAM_RHOST, &rhost) != PAM_SUCCESS || rhost == NULL)
        return "local";
    return hb_pam_printable(rhost);
}

void hb_pam_log_success(pam_handle_t *pamh, const char *user,
                        const struct hb_profile *profile)
{
    pam_syslog(pamh, LOG_INFO, "haobtc login for %s from %s: uuid %s%s%s",
               hb_pam_printable(user), remote_host(pamh),
               hb_pam_printable(profile->uuid),
               hb_username_is_plain(profile->username) ? ", username " : "",
               hb_username_is_plain(profile->username) ? profile->username
                                                       : "");
}

void hb_pam_report(pam_handle_t *pamh, const struct hb_config *cfg,
                   const char *user, const struct hb_error *err)
{
    const void *rhost = NULL;
    if (pam_get_item(pamh, PAM_RHOST, &rhost) != PAM_SUCCESS)
        rhost = NULL;
    int prio = err->status == HB_ERR_CONFIG ? LOG_ERR : LOG_NOTICE;
    pam_syslog(pamh, prio, "haobtc login for %s from %s failed: %s",
               user != NULL ? hb_pam_printable(user) : "(no user)",
               rhost != NULL ? hb_pam_printable(rhost) : "local", err->msg);
    (void)cfg;
    if (err->status == HB_ERR_CONV)
        return;
    char buf[HB_ERRMSG_MAX];
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

enum hb_status
hb_pam_obtain_code(pam_handle_t *pamh, const struct hb_config *cfg,
                   struct hb_http *http, const struct hb_challenge *ch,
                   const char *user, char **code, struct hb_error *err)
{
    *code = NULL;
    if (ch->relay_error.status != HB_OK)
        pam_syslog(pamh, LOG_WARNING,
                   "relay unavailable, asking for a pasted code instead: %s",
                   ch->relay_error.msg);
    char *prompt = hb_prompt_build(cfg, user, ch->host, ch->link, ch->can_poll);
    if (prompt == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "cannot build the prompt");

    enum hb_status status;
    for (;;) {
        char *answer = hb_pam_ask(pamh, prompt, err);
        if (answer == NULL) {
            status = err->status;
            break;
        }
        /* In poll mode whatever is typed just means "go and look". */
        if (cfg->mode == HB_MODE_POLL)
            answer[0] = '\0';
        status = hb_answer_check(answer, err);
        if (status == HB_OK) {
            *code = answer;
            break;
        }
        hb_free_secret(&answer);
        if (status != HB_ERR_PENDING)
            break;
        if (!ch->can_poll) {
            status = hb_fail(err, HB_ERR_PENDING, "no code was entered");
            break;
        }
        status = hb_relay_wait(http, ch->poll_secret, code, err);
        if (status != HB_ERR_PENDING)
            break;
        /* Not approved yet: ask again, shortly, keeping the link. */
        free(prompt);
        prompt = hb_prompt_again(cfg, ch->link);
        if (prompt == NULL) {
            status = hb_fail(err, HB_ERR_NOMEM, "cannot build the prompt");
            break;
        }
    }
    free(prompt);
    return status;
}

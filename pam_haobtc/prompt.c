/* The one prompt the person sees, and the check of what they type back. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "prompt.h"
#include "qr.h"
#include "secure.h"

static const char *question_for(const struct hb_config *cfg, bool can_poll)
{
    if (!can_poll)
        return "Open the link, approve, then paste the code shown: ";
    if (cfg->mode == HB_MODE_POLL)
        return "Approve on your phone, then press Enter: ";
    return "Approve on your phone, then press Enter (or paste the code): ";
}

char *hb_prompt_again(const struct hb_config *cfg, const char *link)
{
    char *out = NULL;
    if (asprintf(&out, "Not approved yet. %s\n%s", link,
                 question_for(cfg, true)) < 0)
        return NULL;
    return out;
}

char *hb_prompt_build(const struct hb_config *cfg, const char *user,
                      const char *host, const char *link, bool can_poll)
{
    int rows = 0;
    char *qr = hb_qr_render(link, cfg->qr, &rows);
    if (qr == NULL && cfg->qr != HB_QR_OFF)
        return NULL;
    /* Names typed at a login prompt can be anything; only plain ones are
     * echoed back so the prompt cannot carry terminal controls. */
    const char *shown_user = hb_username_is_plain(user) ? user : "this account";
    const char *shown_host = hb_username_is_plain(host) ? host : "this host";
    const char *question = question_for(cfg, can_poll);
    char *out = NULL;
    int n =
        asprintf(&out, "Sign in with haobtc to log in as %s on %s.\n%s%s\n%s",
                 shown_user, shown_host, qr != NULL ? qr : "", link, question);
    free(qr);
    return n < 0 ? NULL : out;
}

static bool is_code_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || strchr("-._~+/=:", c) != NULL;
}

enum hb_status hb_answer_check(char *answer, struct hb_error *err)
{
    size_t whole = strlen(answer);
    size_t len = whole;
    while (len > 0 && (answer[len - 1] == ' ' || answer[len - 1] == '\t' ||
                       answer[len - 1] == '\r' || answer[len - 1] == '\n'))
        len--;
    size_t start = 0;
    while (start < len && (answer[start] == ' ' || answer[start] == '\t'))
        start++;
    len -= start;
    if (len == 0)
        return hb_fail(err, HB_ERR_PENDING, "empty answer");
    if (len > HB_CODE_MAX)
        return hb_fail(err, HB_ERR_INPUT,
                       "the pasted code is longer than %d characters",
                       HB_CODE_MAX);
    for (size_t i = 0; i < len; i++) {
        if (!is_code_char((unsigned char)answer[start + i]) ||
            answer[start + i] == '\0')
            return hb_fail(err, HB_ERR_INPUT,
                           "the pasted code contains a character that no "
                           "code has");
    }
    memmove(answer, answer + start, len);
    /* The bytes past the new end may still hold part of the code, and the
     * caller wipes only up to the terminator. */
    hb_wipe(answer + len, whole - len);
    return HB_OK;
}

bool hb_prompt_skipped(const struct hb_config *cfg, const char *service,
                       bool can_poll, bool stdout_is_terminal)
{
    if (!can_poll || cfg->prompt == HB_PROMPT_ALWAYS)
        return false;
    if (cfg->prompt == HB_PROMPT_NEVER)
        return true;
    /* sshd up to 10.2 holds info messages back until the next prompt, and
     * a PAM module cannot see sshd's version: the admin says it. */
    if (service != NULL && strcmp(service, "sshd") == 0)
        return cfg->sshd_instant_info;
    /* Messages printed into a file or a pipe would leave the person
     * waiting for a link they never see. */
    return stdout_is_terminal;
}

static bool is_printable_ascii(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

char *hb_notice_build(const char *user, const char *host, const char *link)
{
    /* ssh clients up to 10.2 escape every other byte in an info message:
     * the link must come through as it is. */
    if (!is_printable_ascii(link))
        return NULL;
    const char *shown_user = hb_username_is_plain(user) ? user : "this account";
    const char *shown_host = hb_username_is_plain(host) ? host : "this host";
    char *out = NULL;
    int n = asprintf(&out,
                     "Sign in with haobtc to log in as %s on %s.\n%s\n"
                     "Approve on your phone; the login goes on by itself.",
                     shown_user, shown_host, link);
    if (n < 0)
        return NULL;
    if ((size_t)n >= HB_NOTICE_MAX) {
        free(out);
        return NULL;
    }
    return out;
}

char *hb_notice_qr(const struct hb_config *cfg, const char *link)
{
    int rows = 0;
    char *qr = hb_qr_render(link, cfg->qr, &rows);
    if (qr == NULL)
        return NULL;
    size_t n = strlen(qr);
    /* The application ends each message with a newline of its own. */
    if (n > 0 && qr[n - 1] == '\n')
        qr[n - 1] = '\0';
    return qr;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The loop that gets a login's code from the person; see obtain.h. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "keyboard.h"
#include "obtain.h"
#include "prompt.h"
#include "secure.h"

static void note(const struct hb_person *p, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void note(const struct hb_person *p, int priority, const char *fmt, ...)
{
    if (p->note == NULL)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    p->note(p->ctx, priority, line);
}

/* A conversation can block for as long as the program (or whoever
 * stopped it) likes: what comes back after the deadline is too late,
 * whatever it is. */
static enum hb_status told(const struct hb_person *p, struct hb_helper *helper,
                           const char *text, struct hb_error *err)
{
    enum hb_status status = p->tell(p->ctx, text, err);
    if (status == HB_OK)
        status = hb_helper_in_time(helper, err);
    return status;
}

static char *ask_in_time(const struct hb_person *p, struct hb_helper *helper,
                         const char *prompt, bool hidden, struct hb_error *err)
{
    char *answer = p->ask(p->ctx, prompt, hidden, err);
    if (answer != NULL && hb_helper_in_time(helper, err) != HB_OK)
        hb_free_secret(&answer);
    return answer;
}

/* The person typed something that is not a code under or_password: it
 * is their password, for the stack's password module (PAM_AUTHTOK), so
 * that nobody types it twice. Too long or empty: nothing is handed on,
 * and the password module asks. */
static enum hb_status chose_password(const struct hb_person *p,
                                     const char *typed, bool too_long,
                                     struct hb_error *err)
{
    note(p, LOG_DEBUG, "not a code: %s",
         typed[0] == '\0' ? "Enter alone, the password module asks"
                          : "handed on as the password");
    if (typed[0] != '\0' && !too_long && p->hand_on != NULL) {
        enum hb_status status = p->hand_on(p->ctx, typed, err);
        if (status != HB_OK)
            return status;
    }
    return hb_fail(err, HB_ERR_PASSWORD,
                   "the person chose the password instead");
}

/* The keyboard during a wait with no prompt. */
struct typing {
    const struct hb_person *p;
    bool or_password;
    struct hb_keyboard keys;
};

static enum hb_status typed(void *arg, struct hb_error *err)
{
    struct typing *t = arg;
    enum hb_status status = hb_keyboard_read(&t->keys, err);
    if (status != HB_ERR_PASSWORD)
        return status;
    if (t->or_password && !hb_answer_is_tagged(t->keys.line))
        return status;
    /* Enter means nothing while the wait goes on by itself, and a pasted
     * CODE:TAG is the code the relay is bringing anyway. */
    note(t->p, LOG_DEBUG, "a line typed during the wait was dropped");
    hb_keyboard_clear(&t->keys);
    return HB_OK;
}

/* The link and the QR as two info messages, then the wait on the relay
 * until the phone approves or the login's deadline: nothing to type. A
 * line typed meanwhile (keys; fd -1 without a terminal) can end it. */
static enum hb_status wait_without_prompt(const struct hb_person *p,
                                          const struct hb_config *cfg,
                                          struct hb_helper *helper,
                                          const char *link, const char *notice,
                                          struct typing *keys,
                                          struct hb_error *err)
{
    enum hb_status status = told(p, helper, notice, err);
    if (status != HB_OK)
        return status;
    char *qr = hb_notice_qr(cfg, link);
    if (qr == NULL && cfg->qr != HB_QR_OFF)
        return hb_fail(err, HB_ERR_NOMEM, "cannot draw the QR code");
    if (qr != NULL) {
        status = told(p, helper, qr, err);
        free(qr);
        if (status != HB_OK)
            return status;
    }
    const struct hb_wire_watch watch = {typed, keys, keys->keys.fd};
    status = hb_helper_wait_approval(helper, keys->keys.fd >= 0 ? &watch : NULL,
                                     err);
    /* Its long poll would notice the closed socket only at libcurl's next
     * progress call, up to a second later: the person waits for nothing. */
    if (status == HB_ERR_PASSWORD ||
        (status == HB_ERR_CONV && keys->keys.signal_typed != 0))
        hb_helper_abandon(helper);
    if (status == HB_ERR_PASSWORD)
        status = chose_password(p, keys->keys.line, keys->keys.too_long, err);
    return status;
}

/* Asks with prompt (which it frees) until a code or the end. */
static enum hb_status ask_until_code(const struct hb_person *p,
                                     const struct hb_config *cfg,
                                     struct hb_helper *helper,
                                     const struct hb_offer *offer, char *prompt,
                                     char **code, struct hb_error *err)
{
    enum hb_status status;
    for (int asked = 1;; asked++) {
        note(p, LOG_DEBUG, "prompt %d shown (service %s)", asked, p->service);
        /* A password may be typed here: it is not echoed. */
        char *answer = ask_in_time(p, helper, prompt, cfg->or_password, err);
        if (answer == NULL) {
            status = err->status;
            break;
        }
        if (cfg->or_password && answer[strspn(answer, " \t")] != '\0' &&
            !hb_answer_is_tagged(answer)) {
            status = chose_password(p, answer, false, err);
            hb_free_secret(&answer);
            break;
        }
        /* In poll mode whatever is typed just means "go and look"; it may
         * still be a code, so it is wiped whole, not just cut short. */
        if (cfg->mode == HB_MODE_POLL)
            hb_wipe(answer, strlen(answer));
        status = hb_answer_check(answer, err);
        if (status == HB_OK) {
            note(p, LOG_DEBUG, "a code of %zu characters was pasted",
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
        note(p, LOG_DEBUG, "empty answer: asking the relay");
        status = hb_helper_wait(helper, err);
        note(p, LOG_DEBUG, "the relay: %s",
             status == HB_OK            ? "approved"
             : status == HB_ERR_PENDING ? "not approved yet"
                                        : "failed");
        if (status != HB_ERR_PENDING)
            break;
        /* Not approved yet: ask again, shortly, keeping the link. */
        free(prompt);
        prompt = hb_number_first(p->texts,
                                 hb_prompt_again(cfg, p->texts, offer->link),
                                 offer->number);
        if (prompt == NULL) {
            status = hb_fail(err, HB_ERR_NOMEM, "cannot build the prompt");
            break;
        }
    }
    free(prompt);
    return status;
}

enum hb_status hb_obtain_code(const struct hb_person *person,
                              const struct hb_config *cfg,
                              struct hb_helper *helper,
                              const struct hb_offer *offer, const char *user,
                              char **code, struct hb_error *err)
{
    *code = NULL;
    if (offer->relay_error[0] != '\0')
        note(person, LOG_WARNING,
             "relay unavailable, asking for a pasted code instead: %s",
             offer->relay_error);
    char host[256];
    if (gethostname(host, sizeof(host)) != 0)
        host[0] = '\0';
    host[sizeof(host) - 1] = '\0';

    bool skipped = hb_prompt_skipped(cfg, person->service, offer->can_poll,
                                     person->output_is_a_terminal);
    struct typing keys = {person, cfg->or_password, {.fd = -1}};
    /* Without a keyboard to read during the wait (sshd, a pipe, a
     * background job), someone who would rather use the password could
     * only wait for the deadline: the prompt lets them type it. */
    if (skipped && !hb_keyboard_open(&keys.keys, NULL) && cfg->or_password) {
        note(person, LOG_DEBUG,
             "no terminal to read a password from during "
             "the wait: asking instead");
        skipped = false;
    }
    if (skipped) {
        bool ascii = hb_notice_ascii_only(person->service);
        char *notice = hb_number_first(ascii ? NULL : person->texts,
                                       hb_notice_build(person->texts, user,
                                                       host, offer->link, ascii,
                                                       cfg->or_password),
                                       offer->number);
        if (notice != NULL) {
            note(person, LOG_DEBUG,
                 "showing the link with no prompt (service %s); waiting on "
                 "the relay",
                 person->service);
            enum hb_status status = wait_without_prompt(
                person, cfg, helper, offer->link, notice, &keys, err);
            free(notice);
            hb_keyboard_close(&keys.keys);
            return status;
        }
        hb_keyboard_close(&keys.keys);
        note(person, LOG_WARNING,
             "the link is not short plain ASCII; asking instead");
    }

    char *prompt =
        hb_number_first(person->texts,
                        hb_prompt_build(cfg, person->texts, user, host,
                                        offer->link, offer->can_poll),
                        offer->number);
    if (prompt == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "cannot build the prompt");
    return ask_until_code(person, cfg, helper, offer, prompt, code, err);
}

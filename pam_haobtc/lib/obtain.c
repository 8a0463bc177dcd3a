/* The loop that gets a login's code from the person; see obtain.h. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

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
                         const char *prompt, struct hb_error *err)
{
    char *answer = p->ask(p->ctx, prompt, err);
    if (answer != NULL && hb_helper_in_time(helper, err) != HB_OK)
        hb_free_secret(&answer);
    return answer;
}

/* The link and the QR as two info messages, then the wait on the relay
 * until the phone approves or the login's deadline: nothing to type. */
static enum hb_status wait_without_prompt(const struct hb_person *p,
                                          const struct hb_config *cfg,
                                          struct hb_helper *helper,
                                          const char *link, const char *notice,
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
    return hb_helper_wait_approval(helper, err);
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
        char *answer = ask_in_time(p, helper, prompt, err);
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
        prompt = hb_prompt_again(cfg, p->texts, offer->link);
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

    if (hb_prompt_skipped(cfg, person->service, offer->can_poll,
                          person->output_is_a_terminal)) {
        char *notice = hb_notice_build(person->texts, user, host, offer->link,
                                       hb_notice_ascii_only(person->service));
        if (notice != NULL) {
            note(person, LOG_DEBUG,
                 "showing the link with no prompt (service %s); waiting on "
                 "the relay",
                 person->service);
            enum hb_status status = wait_without_prompt(
                person, cfg, helper, offer->link, notice, err);
            free(notice);
            return status;
        }
        note(person, LOG_WARNING,
             "the link is not short plain ASCII; asking instead");
    }

    char *prompt = hb_prompt_build(cfg, person->texts, user, host, offer->link,
                                   offer->can_poll);
    if (prompt == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "cannot build the prompt");
    return ask_until_code(person, cfg, helper, offer, prompt, code, err);
}

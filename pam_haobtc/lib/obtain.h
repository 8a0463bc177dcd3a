/* SPDX-License-Identifier: BSD-2-Clause */
/* The one way a login gets its code from the person, for the module (the
 * PAM conversation) and haobtc-login (a terminal): the challenge as info
 * messages and a wait on the relay, or a prompt that takes a pasted
 * CODE:TAG or, with a relay, Enter. */
#ifndef HB_OBTAIN_H
#define HB_OBTAIN_H

#include <stdbool.h>

#include "config.h"
#include "helper_client.h"
#include "lang.h"
#include "status.h"

/* What the loop needs from where the person is. */
struct hb_person {
    /* Shows prompt and returns the answer (the caller of hb_obtain_code
     * never sees it unless it is a code), or NULL with err filled. */
    char *(*ask)(void *ctx, const char *prompt, bool hidden,
                 struct hb_error *err);
    /* Hands what the person typed instead of a code on to the next module
     * as the password (or_password); NULL where there is none. */
    enum hb_status (*hand_on)(void *ctx, const char *password,
                              struct hb_error *err);
    /* Shows text at once and asks nothing. */
    enum hb_status (*tell)(void *ctx, const char *text, struct hb_error *err);
    /* A line for the administrator: LOG_WARNING for a fallback, LOG_DEBUG
     * for each step (never a code). */
    void (*note)(void *ctx, int priority, const char *text);
    void *ctx;
    const char *service;          /* PAM_SERVICE, or the program's name */
    bool output_is_a_terminal;    /* where info messages go */
    const struct hb_texts *texts; /* the person's language (NULL: English) */
};

/* With no prompt (see hb_prompt_skipped): the link and the QR as info
 * messages, then a wait on the relay until approval or the deadline.
 * Otherwise asks until the person pastes a code (*code, wiped by the
 * caller) or, with a relay, until pressing Enter lets the helper get it
 * from the relay. *code stays NULL when the code came from the relay: it
 * never comes to this process. */
enum hb_status hb_obtain_code(const struct hb_person *person,
                              const struct hb_config *cfg,
                              struct hb_helper *helper,
                              const struct hb_offer *offer, const char *user,
                              char **code, struct hb_error *err);

#endif

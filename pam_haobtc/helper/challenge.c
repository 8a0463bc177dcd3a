/* SPDX-License-Identifier: BSD-2-Clause */
/* Building a login attempt's challenge: a fresh state and PKCE verifier
 * every attempt, and with a relay a fresh poll secret and session as
 * well. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bind.h"
#include "challenge.h"
#include "provider.h"
#include "relay_client.h"
#include "secure.h"
#include "token.h"

#define SECRET_BYTES 32
/* The relay's bound for a user its context page shows. */
#define SHOWN_USER_MAX 128

/* scheme://host[:port] of an URL, as a length of its text. */
static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");
    if (p == NULL)
        return 0;
    p += 3;
    return (size_t)(p - url) + strcspn(p, "/?#");
}

/* Whether haobtc sends the phone back to this relay (its /cb). */
static bool redirect_is_relay(const struct hb_config *cfg)
{
    if (cfg->redirect_uri == NULL || cfg->relay_url == NULL)
        return false;
    size_t n = origin_len(cfg->relay_url);
    return n > 0 && origin_len(cfg->redirect_uri) == n &&
           strncmp(cfg->redirect_uri, cfg->relay_url, n) == 0;
}

static enum hb_status register_shown(struct hb_http *http, const char *user,
                                     const char *rhost,
                                     const struct hb_challenge_what *what,
                                     struct hb_challenge *ch,
                                     struct hb_error *err)
{
    char *shown[] = {hb_relay_shown(ch->host, HB_RELAY_HOST_MAX),
                     hb_relay_shown(user, SHOWN_USER_MAX),
                     hb_relay_shown(rhost, HB_RELAY_HOST_MAX),
                     hb_relay_shown(what != NULL ? what->service : NULL,
                                    HB_RELAY_SERVICE_MAX),
                     hb_relay_shown(what != NULL ? what->command : NULL,
                                    HB_RELAY_COMMAND_MAX)};
    struct hb_relay_what s = {shown[0], shown[1], shown[2],
                              shown[3], shown[4], http->cfg->number_match};
    char *tag_key = hb_tag_key_for(ch->poll_secret);
    enum hb_status status;
    if (s.host == NULL || s.user == NULL || s.rhost == NULL ||
        s.service == NULL || s.command == NULL || tag_key == NULL)
        status = hb_fail(err, HB_ERR_NOMEM, "out of memory");
    else
        status = hb_relay_register(http, ch->state, ch->code_challenge, tag_key,
                                   &s, &ch->link, &ch->number, err);
    for (size_t i = 0; i < sizeof(shown) / sizeof(*shown); i++)
        free(shown[i]);
    if (status == HB_OK) {
        ch->tag_key = tag_key;
        tag_key = NULL;
    }
    hb_free_secret(&tag_key);
    return status;
}

enum hb_status hb_challenge_start(struct hb_http *http, const char *user,
                                  const char *rhost,
                                  const struct hb_challenge_what *what,
                                  struct hb_challenge *ch, struct hb_error *err)
{
    const struct hb_config *cfg = http->cfg;
    memset(ch, 0, sizeof(*ch));
    if (gethostname(ch->host, sizeof(ch->host)) != 0)
        ch->host[0] = '\0';
    ch->host[sizeof(ch->host) - 1] = '\0';
    /* With a relay the state is derived from a secret only the module and
     * the relay see, so the state can travel through browsers and logs. */
    if (cfg->relay_url != NULL) {
        ch->poll_secret = hb_random_token(SECRET_BYTES);
        if (ch->poll_secret != NULL)
            ch->state = hb_state_from_secret(ch->poll_secret);
    } else {
        ch->state = hb_random_token(SECRET_BYTES);
    }
    if (ch->state == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "cannot make a random state");
    /* A code injected into this attempt (at the relay's /cb, or pasted
     * with this attempt's tag) was issued for another challenge: haobtc
     * refuses to redeem it with this verifier. */
    ch->code_verifier = hb_code_verifier_new();
    if (ch->code_verifier != NULL)
        ch->code_challenge = hb_code_challenge_of(ch->code_verifier);
    if (ch->code_challenge == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "cannot make a PKCE verifier");
    ch->authorize_url = hb_authorize_url(http, ch->state, ch->code_challenge);
    if (ch->authorize_url == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");

    if (cfg->relay_url != NULL && cfg->mode != HB_MODE_PASTE) {
        /* While the person approves, the helper's requests go to the
         * relay: the connection the token request will need is opened
         * beside them, so that after the approval only the token and the
         * profile requests remain. */
        enum hb_status status = hb_http_keep_ready(http, cfg->token_url, err);
        if (status != HB_OK)
            return status;
        status = register_shown(http, user, rhost, what, ch, err);
        /* Fail closed: without the number the phone would approve a
         * login it cannot tell from another one. */
        if (status == HB_OK && cfg->number_match && ch->number == 0)
            return hb_fail(err, HB_ERR_CONFIG,
                           "the relay does not offer number matching: "
                           "upgrade haobtc-relay or set number_match = no");
        if (status == HB_OK) {
            ch->can_poll = true;
            return HB_OK;
        }
        if (cfg->mode == HB_MODE_POLL || status == HB_ERR_NOMEM ||
            status == HB_ERR_CONV)
            return status;
        /* A pasted code works without the relay only when haobtc sends
         * the phone somewhere else: its page would not load otherwise. */
        if (redirect_is_relay(cfg)) {
            char detail[HB_ERRMSG_MAX];
            memcpy(detail, err->msg, sizeof(detail));
            /* Unreachable only if the relay was; a busy or refusing relay
             * stays what it was. */
            return hb_fail(err, status,
                           "the relay cannot be used, and haobtc would "
                           "send the phone to that same relay, so there is "
                           "no code to paste either: %s",
                           detail);
        }
        ch->relay_error = *err;
    }
    /* Without a relay session the tag's key is the state (doc/admin-guide.md).
     */
    ch->tag_key = strdup(ch->state);
    ch->link = strdup(ch->authorize_url);
    if (ch->link == NULL || ch->tag_key == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    return HB_OK;
}

void hb_challenge_free(struct hb_challenge *ch)
{
    hb_free_secret(&ch->poll_secret);
    hb_free_secret(&ch->state);
    hb_free_secret(&ch->tag_key);
    hb_free_secret(&ch->code_verifier);
    free(ch->code_challenge);
    free(ch->authorize_url);
    free(ch->link);
    memset(ch, 0, sizeof(*ch));
    if (gethostname(ch->host, sizeof(ch->host)) != 0)
        ch->host[0] = '\0';
    ch->host[sizeof(ch->host) - 1] = '\0';
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* One login attempt's challenge: a fresh state, the authorize URL, and
 * the link the person is shown. */
#ifndef HB_CHALLENGE_H
#define HB_CHALLENGE_H

#include <stdbool.h>
#include "http.h"
#include "status.h"

struct hb_challenge {
    char *state;       /* travels through the browser */
    char *poll_secret; /* relay only: never leaves module and relay */
    char *tag_key;     /* keys the tag a pasted code must carry */
    /* PKCE (RFC 7636, S256): the verifier never leaves the helper; the
     * challenge goes into the authorize link (and to the relay, which
     * puts it in its own), so only this attempt can redeem the code. */
    char *code_verifier;
    char *code_challenge;
    char *authorize_url; /* the provider's page for this state */
    char *link;          /* what the QR encodes: short link or authorize */
    char host[256];      /* this machine, as the person is told */
    bool can_poll;       /* a relay session exists for this attempt */
    int number;          /* number matching's, shown at the terminal; 0 none */
    struct hb_error relay_error; /* why not, when a relay is configured */
};

/* A new state (from a new poll secret when a relay is configured), a new
 * PKCE verifier and its challenge, the authorize URL, and with a relay the
 * registered short link. The host name, user, rhost, service and command (what
 * may be NULL) are shown on the relay's context page (as printable ASCII: other
 * bytes as \xNN, long values cut). A relay that cannot be reached fails in
 * mode=poll, and in mode=auto when redirect_uri sends the phone to that same
 * relay (HB_ERR_UNAVAIL); otherwise mode=auto leaves can_poll false and the
 * person pastes the code from the redirect page. */
/* What the login is for, beyond the account: the PAM service and, under
 * sudo, the command ("" or NULL for none). */
struct hb_challenge_what {
    const char *service;
    const char *command;
};
enum hb_status hb_challenge_start(struct hb_http *http, const char *user,
                                  const char *rhost,
                                  const struct hb_challenge_what *what,
                                  struct hb_challenge *ch,
                                  struct hb_error *err);
void hb_challenge_free(struct hb_challenge *ch);

#endif

/* Building a login attempt's challenge: a fresh state every attempt, and
 * with a relay a fresh poll secret and session as well. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "challenge.h"
#include "provider.h"
#include "relay_client.h"
#include "secure.h"
#include "token.h"

#define SECRET_BYTES 32

enum hb_status hb_challenge_start(struct hb_http *http, const char *user,
                                  const char *rhost, struct hb_challenge *ch,
                                  struct hb_error *err)
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
    ch->authorize_url = hb_authorize_url(http, ch->state);
    if (ch->authorize_url == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");

    if (cfg->relay_url != NULL && cfg->mode != HB_MODE_PASTE) {
        enum hb_status status =
            hb_relay_register(http, ch->state, ch->authorize_url, ch->host,
                              user, rhost, &ch->link, err);
        if (status == HB_OK) {
            ch->can_poll = true;
            return HB_OK;
        }
        /* In auto mode a pasted code still works without the relay. */
        if (cfg->mode == HB_MODE_POLL || status == HB_ERR_NOMEM)
            return status;
        ch->relay_error = *err;
    }
    ch->link = strdup(ch->authorize_url);
    if (ch->link == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    return HB_OK;
}

void hb_challenge_free(struct hb_challenge *ch)
{
    hb_free_secret(&ch->poll_secret);
    hb_free_secret(&ch->state);
    free(ch->authorize_url);
    free(ch->link);
    memset(ch, 0, sizeof(*ch));
    if (gethostname(ch->host, sizeof(ch->host)) != 0)
        ch->host[0] = '\0';
    ch->host[sizeof(ch->host) - 1] = '\0';
}

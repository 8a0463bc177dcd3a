/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login check: the client secret, the fleet key, the provider and
 * the relay, checked by the helper.
 *
 * Why through the helper rather than linking libhaobtc_net here: a login
 * reaches the network only through the helper, started from its fixed path
 * with an empty environment, reading the secret and the fleet key itself.
 * Asking that same process keeps one code path: the root shell's
 * environment (OPENSSL_CONF, SSLKEYLOGFILE, curl's variables) cannot make
 * the check pass where a login would fail, a helper that does not start or
 * speaks another version shows up here, and this process still never
 * holds the secret. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "finding.h"
#include "helper_client.h"
#include "wire.h"

/* Requests the helper makes: the token request, then the relay's health
 * and ping (each within http_timeout), with room for the helper's start. */
#define REQUESTS 3
#define START_ROOM 5
/* A translation is longer in bytes than its English (3 per Chinese
 * character) and its arguments may be long paths. */
#define FINDING_TEXT_MAX 1024

static bool verdict_of(const char *word, enum check_verdict *v)
{
    if (strcmp(word, "ok") == 0)
        *v = CHECK_OK;
    else if (strcmp(word, "warn") == 0)
        *v = CHECK_WARN;
    else if (strcmp(word, "FAIL") == 0)
        *v = CHECK_FAIL;
    else
        return false;
    return true;
}

/* A RESULT's finding and fix in the reader's language: from the texts
 * after the four English fields, or those fields as they are when the
 * helper sent none (older) or one this program does not list (newer). */
static void result_texts(const struct check *c, const struct hb_wire *in,
                         char *finding, char *fix, size_t size)
{
    int at = 4;
    if (in->n_fields > at &&
        hb_finding_read(in, &at, c->t, hb_wire_field(in, 2), finding, size) &&
        hb_finding_read(in, &at, c->t, hb_wire_field(in, 3), fix, size) &&
        at == in->n_fields)
        return;
    snprintf(finding, size, "%s", hb_wire_field(in, 2));
    snprintf(fix, size, "%s", hb_wire_field(in, 3));
}

/* Prints the helper's findings until it says it is done. */
static enum hb_status relay_findings(struct check *c, struct hb_helper *h,
                                     struct hb_error *err)
{
    for (;;) {
        struct hb_wire in;
        enum hb_status status =
            hb_wire_recv(h->fd, h->deadline + START_ROOM, NULL, &in, err);
        if (status != HB_OK)
            return status;
        enum check_verdict v;
        if (in.type == HB_WIRE_CHECKED)
            return HB_OK;
        if (in.type == HB_WIRE_ERROR)
            return hb_fail(err, HB_ERR_UNAVAIL, "%s", hb_wire_field(&in, 2));
        if (in.type != HB_WIRE_RESULT || in.n_fields < 4 ||
            !verdict_of(hb_wire_field(&in, 0), &v))
            return hb_fail(err, HB_ERR_UNAVAIL,
                           "the haobtc helper answered out of turn (frame %d)",
                           in.type);
        char finding[FINDING_TEXT_MAX], fix[FINDING_TEXT_MAX];
        result_texts(c, &in, finding, fix, sizeof(finding));
        check_say(c, v, hb_wire_field(&in, 1), fix, "%s", finding);
    }
}

void check_network(struct check *c)
{
    if (!c->cfg_loaded || !c->helper_ok) {
        check_say(c, CHECK_WARN, "provider",
                  hb_tr(c->t, "fix the failures above, then check again"),
                  hb_tr(c->t, "the secret, the provider and the relay were "
                              "not checked (the configuration or the helper "
                              "failed)"));
        return;
    }
    struct hb_helper helper = {0};
    struct hb_error err = {0};
    time_t deadline = time(NULL) + REQUESTS * c->cfg.http_timeout + START_ROOM;
    enum hb_status status = hb_helper_start(&helper, deadline, false, &err);
    struct hb_wire out;
    char when[32];
    snprintf(when, sizeof(when), "%lld", (long long)deadline);
    hb_wire_init(&out, HB_WIRE_CHECK);
    bool fits = hb_wire_add(&out, HB_WIRE_VERSION) && hb_wire_add(&out, when);
    for (int i = 0; fits && i < c->argc; i++)
        fits = hb_wire_add(&out, c->argv[i]);
    if (status == HB_OK && !fits)
        status = hb_fail(&err, HB_ERR_CONFIG, "the arguments are too long");
    if (status == HB_OK)
        status = hb_wire_send(helper.fd, &out, &err);
    if (status == HB_OK)
        status = relay_findings(c, &helper, &err);
    if (status != HB_OK)
        check_say(c, CHECK_FAIL, "helper",
                  hb_tr(c->t, "reinstall pam_haobtc so that haobtc-login and "
                              "the helper match, and see the system log"),
                  /* TRANSLATORS: the helper's path, then why (English, from
                   * the helper or the system). */
                  hb_tr(c->t, "%s did not finish the check: %s"),
                  hb_helper_path(), err.msg);
    hb_helper_stop(&helper);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The helper's side of one login: read the configuration and the secret,
 * make the challenge, wait on the relay, exchange the code and fetch the
 * profile, answering the module one frame at a time. The token and the
 * client secret never leave this process. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bind.h"
#include "challenge.h"
#include "config.h"
#include "helper.h"
#include "lang.h"
#include "http.h"
#include "prompt.h"
#include "provider.h"
#include "relay_client.h"
#include "sandbox.h"
#include "secure.h"
#include "token.h"
#include "wire.h"

/* The module sends its first frame at once; a module that does not is
 * not one. */
#define START_WAIT 30
/* Past the login's deadline, the module has given up on us. */
#define DEADLINE_GRACE 5

struct login {
    int fd;
    time_t deadline;
    struct hb_config cfg;
    bool have_cfg;
    struct hb_http http;
    struct hb_challenge ch;
    char *relay_code; /* from the relay, until the exchange */
};

static enum hb_status send_error(int fd, const struct hb_error *err)
{
    struct hb_wire w;
    char status[16], code[24];
    snprintf(status, sizeof(status), "%d", (int)err->status);
    snprintf(code, sizeof(code), "%ld", err->haobtc_code);
    hb_wire_init(&w, HB_WIRE_ERROR);
    hb_wire_add(&w, status);
    hb_wire_add(&w, code);
    hb_wire_add(&w, err->msg);
    struct hb_error ignored;
    return hb_wire_send(fd, &w, &ignored);
}

static enum hb_status send_bare(int fd, int type)
{
    struct hb_wire w;
    struct hb_error ignored;
    hb_wire_init(&w, type);
    return hb_wire_send(fd, &w, &ignored);
}

bool hb_helper_parse_deadline(const char *s, time_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    time_t now = time(NULL);
    /* The module computed it a moment ago from a timeout of 5..3600 s. */
    if (errno != 0 || end == s || *end != '\0' || v < (long long)now - 60 ||
        v > (long long)now + 3700)
        return false;
    *out = (time_t)v;
    return true;
}

/* in is the first frame, already received. */
/* With debug, the module logs each call as a step of the login. */
static void note_call(void *cls, const char *what, long status, long ms)
{
    const struct login *l = cls;
    char text[320];
    struct hb_wire out;
    struct hb_error ignored;

    if (status != 0)
        snprintf(text, sizeof(text), "%s: HTTP %ld in %ld ms", what, status,
                 ms);
    else
        snprintf(text, sizeof(text), "%s: no answer after %ld ms", what, ms);
    hb_wire_init(&out, HB_WIRE_NOTE);
    if (hb_wire_add(&out, text))
        hb_wire_send(l->fd, &out, &ignored);
}

static enum hb_status start(struct login *l, struct hb_wire *in,
                            struct hb_error *err)
{
    enum hb_status status = HB_OK;
    if (in->type != HB_WIRE_START)
        status = hb_fail(err, HB_ERR_HELPER, "the module did not start");
    if (status == HB_OK &&
        (in->n_fields < 6 || strcmp(in->field[0], HB_WIRE_VERSION) != 0))
        status = hb_fail(err, HB_ERR_CONFIG,
                         "pam_haobtc.so and haobtc-helper are from different "
                         "versions; reinstall both");
    if (status == HB_OK &&
        !hb_helper_parse_deadline(in->field[1], &l->deadline))
        status = hb_fail(err, HB_ERR_HELPER, "the module sent a bad deadline");
    if (status == HB_OK) {
        const char *user = in->field[2];
        const char *rhost = in->field[3][0] != '\0' ? in->field[3] : NULL;
        const struct hb_challenge_what what = {in->field[4], in->field[5]};
        status = hb_config_load(in->n_fields - 6, in->field + 6, &l->cfg, err);
        l->have_cfg = true;
        if (status == HB_OK) {
            time_t own = time(NULL) + l->cfg.timeout;
            if (own < l->deadline)
                l->deadline = own;
            /* However the network behaves, this process ends soon after
             * the login would have. */
            long left = (long)(l->deadline - time(NULL));
            alarm((unsigned)((left > 0 ? left : 0) + 2 * DEADLINE_GRACE));
            status = hb_http_open(&l->http, &l->cfg, l->deadline, err);
        }
        /* Everything root-only is read (the configuration, the secret,
         * the fleet key, the CA): the network is met unprivileged. */
        if (status == HB_OK)
            status = hb_sandbox_enter(err);
        if (status == HB_OK) {
            l->http.watch_fd = l->fd;
            if (l->cfg.debug) {
                l->http.on_call = note_call;
                l->http.on_call_cls = l;
            }
            status = hb_challenge_start(&l->http, user[0] != '\0' ? user : NULL,
                                        rhost, &what, &l->ch, err);
        }
    }
    if (status != HB_OK)
        return status;

    struct hb_wire out;
    char number[8] = "";
    if (l->ch.number != 0)
        snprintf(number, sizeof(number), "%d", l->ch.number);
    hb_wire_init(&out, HB_WIRE_CHALLENGE);
    if (!hb_wire_add(&out, l->ch.link) ||
        !hb_wire_add(&out, l->ch.can_poll ? "poll" : "paste") ||
        !hb_wire_add(&out, l->ch.relay_error.status != HB_OK
                               ? l->ch.relay_error.msg
                               : "") ||
        !hb_wire_add(&out, number))
        return hb_fail(err, HB_ERR_PROTOCOL, "the challenge does not fit");
    return hb_wire_send(l->fd, &out, err);
}

static enum hb_status wait_relay(struct login *l, struct hb_error *err)
{
    if (!l->ch.can_poll)
        return hb_fail(err, HB_ERR_HELPER,
                       "asked to wait on a relay this login does not use");
    hb_free_secret(&l->relay_code);
    return hb_relay_wait(&l->http, l->ch.poll_secret, &l->relay_code, err);
}

/* The code to redeem: the pasted answer once its tag shows it was
 * approved for this attempt, or the one the relay handed over. */
static enum hb_status take_code(struct login *l, const char *pasted,
                                char **code, struct hb_error *err)
{
    enum hb_status status = HB_OK;
    if (pasted[0] != '\0') {
        char *answer = strdup(pasted);
        if (answer == NULL)
            return hb_fail(err, HB_ERR_NOMEM, "out of memory");
        /* Only this process knows the tag key, so only it can tell a code
         * approved for this attempt from one approved for another. */
        status = hb_answer_unbind(answer, &l->ch, code, err);
        hb_free_secret(&answer);
        if (status == HB_ERR_PENDING)
            status = hb_fail(err, HB_ERR_INPUT, "%s",
                             N_("the pasted code is empty"));
    } else if (l->relay_code != NULL) {
        *code = l->relay_code;
        l->relay_code = NULL;
    } else {
        status = hb_fail(err, HB_ERR_PENDING, "no code was entered");
    }
    return status;
}

static enum hb_status exchange(struct login *l, const char *pasted,
                               struct hb_error *err)
{
    char *code = NULL;
    enum hb_status status = take_code(l, pasted, &code, err);
    char *token = NULL;
    struct hb_profile profile = {0};
    if (status == HB_OK)
        status = hb_get_token(&l->http, code, l->ch.code_verifier, &token, err);
    hb_free_secret(&code);
    if (status == HB_OK)
        status = hb_get_profile(&l->http, token, &profile, err);
    hb_free_secret(&token);
    if (status != HB_OK)
        return status;

    struct hb_wire out;
    hb_wire_init(&out, HB_WIRE_PROFILE);
    const char *fields[] = {profile.uuid, profile.username, profile.address,
                            profile.provider};
    for (int i = 0; i < 4 && status == HB_OK; i++)
        if (!hb_wire_add(&out, fields[i] != NULL ? fields[i] : ""))
            status = hb_fail(err, HB_ERR_PROTOCOL,
                             "the haobtc profile is too large");
    hb_profile_free(&profile);
    if (status == HB_OK)
        status = hb_wire_send(l->fd, &out, err);
    return status;
}

/* haobtc-login pkce: redeems this attempt's code with a fresh verifier
 * that is not the attempt's. A provider that enforces PKCE refuses it
 * (the ERROR frame carries its code); one that hands out a token ignores
 * PKCE. That token is wiped unused: no profile is fetched with it. */
static enum hb_status probe_pkce(struct login *l, const char *pasted,
                                 struct hb_error *err)
{
    char *code = NULL;
    char *wrong = NULL;
    char *token = NULL;
    enum hb_status status = take_code(l, pasted, &code, err);
    if (status == HB_OK) {
        wrong = hb_code_verifier_new();
        if (wrong == NULL)
            status = hb_fail(err, HB_ERR_NOMEM, "cannot make a PKCE verifier");
        /* 256 random bits: equal only if the random source is broken. */
        else if (hb_ct_streq(wrong, l->ch.code_verifier))
            status = hb_fail(err, HB_ERR_SYSTEM,
                             "the random source repeated a PKCE verifier");
    }
    if (status == HB_OK)
        status = hb_get_token(&l->http, code, wrong, &token, err);
    hb_free_secret(&code);
    hb_free_secret(&wrong);
    hb_free_secret(&token);
    if (status == HB_OK)
        status = send_bare(l->fd, HB_WIRE_PKCE_IGNORED);
    return status;
}

/* Frames after the challenge: waits until the relay has the code or the
 * login ends, then one exchange. Returns when the login is over. */
static enum hb_status serve_answers(struct login *l, struct hb_error *err)
{
    for (;;) {
        struct hb_wire in;
        enum hb_status status =
            hb_wire_recv(l->fd, l->deadline + DEADLINE_GRACE, NULL, &in, err);
        if (status != HB_OK)
            return status;
        if (in.type == HB_WIRE_WAIT && in.n_fields == 0) {
            status = wait_relay(l, err);
            hb_wire_clear(&in);
            if (status == HB_OK)
                status = send_bare(l->fd, HB_WIRE_APPROVED);
            else if (status == HB_ERR_PENDING)
                status = send_bare(l->fd, HB_WIRE_PENDING);
            else
                return status;
            if (status != HB_OK)
                return status;
            continue;
        }
        if (in.type == HB_WIRE_EXCHANGE && in.n_fields == 1)
            status = exchange(l, in.field[0], err);
        else if (in.type == HB_WIRE_PROBE_PKCE && in.n_fields == 1)
            status = probe_pkce(l, in.field[0], err);
        else
            status = hb_fail(err, HB_ERR_HELPER,
                             "the module sent frame %d out of turn", in.type);
        hb_wire_clear(&in);
        return status;
    }
}

int hb_helper_serve(int fd)
{
    struct login l;
    memset(&l, 0, sizeof(l));
    l.fd = fd;
    struct hb_error err = {0};
    struct hb_wire in;
    enum hb_status status =
        hb_wire_recv(fd, time(NULL) + START_WAIT, NULL, &in, &err);
    if (status == HB_OK && in.type == HB_WIRE_CHECK) {
        int rc = hb_helper_serve_check(fd, &in);
        hb_wire_clear(&in);
        return rc;
    }
    if (status == HB_OK && in.type == HB_WIRE_PROBE) {
        int rc = hb_helper_serve_reach(fd, &in);
        hb_wire_clear(&in);
        return rc;
    }
    if (status == HB_OK)
        status = start(&l, &in, &err);
    hb_wire_clear(&in);
    if (status == HB_OK)
        status = serve_answers(&l, &err);
    /* An answer the module is no longer there to read is no loss. */
    if (status != HB_OK)
        send_error(fd, &err);
    hb_free_secret(&l.relay_code);
    hb_challenge_free(&l.ch);
    hb_http_close(&l.http);
    if (l.have_cfg)
        hb_config_free(&l.cfg);
    return status == HB_OK ? 0 : 1;
}

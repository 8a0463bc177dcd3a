/* SPDX-License-Identifier: BSD-2-Clause */
/* The module's side of the relay protocol (see tools/relay/pages.c). */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fleetkey.h"
#include "json.h"
#include "relay_client.h"
#include "secure.h"
#include "token.h"

#define LINK_MAX 512
/* A busy relay's Retry-After is honoured up to this; none means 1 s. */
#define RETRY_AFTER_MAX 30
/* Connection failures in a row a long poll rides out (a proxy's idle
 * cut, a relay restart) before the relay counts as unreachable. */
#define DROPPED_MAX 3

char *hb_relay_url(const char *base, const char *path)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    char *url = NULL;
    if (asprintf(&url, "%.*s%s", (int)n, base, path) < 0)
        return NULL;
    return url;
}

char *hb_relay_shown(const char *s, size_t max)
{
    static const char hex[] = "0123456789abcdef";
    char *out = malloc(max + 1);
    size_t o = 0;
    if (out == NULL)
        return NULL;
    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        size_t need = c >= 0x20 && c < 0x7f ? (c == '\\' ? 2 : 1) : 4;
        if (o + need > max - 3) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (need == 1) {
            out[o++] = (char)c;
        } else if (need == 2) {
            out[o++] = '\\';
            out[o++] = '\\';
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}

/* This machine's name as a registration names it (hb_challenge_start):
 * the relay counts a module's polls and pings by the same host. */
static char *this_host(void)
{
    char name[256];
    if (gethostname(name, sizeof(name)) != 0)
        name[0] = '\0';
    name[sizeof(name) - 1] = '\0';
    return hb_relay_shown(name, HB_RELAY_HOST_MAX);
}

/* Keys and values a form may hold, the end included. */
#define FORM_MAX 32

/* Builds "k1=v1&k2=v2..." with every value escaped; NULL values are sent
 * empty. pairs ends with a NULL key. */
static char *form_of(struct hb_http *http, const char *const *pairs)
{
    char *escaped[FORM_MAX] = {NULL};
    size_t n = 0, cap = 1;
    bool ok = true;
    for (; pairs[n] != NULL && n + 1 < FORM_MAX; n += 2) {
        escaped[n] =
            hb_http_escape(http, pairs[n + 1] != NULL ? pairs[n + 1] : "");
        if (escaped[n] == NULL)
            ok = false;
        else
            cap += strlen(pairs[n]) + strlen(escaped[n]) + 2;
    }
    char *form = ok ? malloc(cap) : NULL;
    if (form != NULL) {
        char *p = form;
        for (size_t k = 0; k < n; k += 2) {
            size_t klen = strlen(pairs[k]), vlen = strlen(escaped[k]);
            if (k > 0)
                *p++ = '&';
            memcpy(p, pairs[k], klen);
            p += klen;
            *p++ = '=';
            memcpy(p, escaped[k], vlen);
            p += vlen;
        }
        *p = '\0';
    }
    for (size_t k = 0; k < n; k += 2)
        hb_free_secret(&escaped[k]);
    return form;
}

/* The relay's reason, when it is one of the words it is known to use;
 * anything else is not echoed into logs. */
static const char *known_reason(json_object *obj)
{
    static const char *const words[] = {HB_RELAY_ERROR_WORDS};
    const char *why = hb_json_string(obj, HB_RELAY_ANSWER_ERROR);
    for (size_t i = 0; why != NULL && i < sizeof(words) / sizeof(*words); i++)
        if (strcmp(why, words[i]) == 0)
            return words[i];
    return "no known reason";
}

/* The form of pairs with a random "nonce" field added, and a "wait" field
 * when wait is not NULL. */
static char *form_with_nonce(struct hb_http *http, const char *const *pairs,
                             const char *wait)
{
    char *nonce = hb_random_token(16);
    const char *all[FORM_MAX];
    size_t n = 0;
    if (nonce == NULL)
        return NULL;
    /* Room for the wait, the nonce and the end after pairs. */
    for (; pairs[n] != NULL && n + 6 < FORM_MAX; n += 2) {
        all[n] = pairs[n];
        all[n + 1] = pairs[n + 1];
    }
    if (wait != NULL) {
        all[n++] = HB_RELAY_FIELD_WAIT;
        all[n++] = wait;
    }
    all[n] = HB_RELAY_FIELD_NONCE;
    all[n + 1] = nonce;
    all[n + 2] = NULL;
    char *form = form_of(http, all);
    free(nonce);
    return form;
}

/* Sleeps ms milliseconds plus up to a second of jitter (so modules that
 * were told the same Retry-After do not come back in step); false when
 * the person went away meanwhile. */
static bool pause_with_jitter(struct hb_http *http, long ms)
{
    unsigned short rnd = 0;
    if (!hb_random_bytes(&rnd, sizeof(rnd)))
        rnd = 0;
    ms += rnd % 1000;
    for (; ms > 0; ms -= 100) {
        if (hb_http_login_ended(http))
            return false;
        struct timespec step = {0, (ms < 100 ? ms : 100) * 1000000L};
        nanosleep(&step, NULL);
    }
    return true;
}

static enum hb_status unanswered(long http_status);
static enum hb_status refused(struct hb_error *err, const char *what,
                              long http_status, json_object *obj);

/* One signed POST: the fleet key's HMAC over method, path, timestamp and
 * body, in the two headers the relay checks. */
static enum hb_status signed_post(struct hb_http *http, const char *url,
                                  const char *path, const char *form,
                                  long wait_s, struct hb_response *resp,
                                  struct hb_error *err)
{
    const struct hb_config *cfg = http->cfg;
    if (cfg->fleet_key == NULL)
        return hb_fail(err, HB_ERR_CONFIG, "no fleet key to sign with");
    char ts[24], sig[HB_DIGEST_B64_LEN + 1];
    snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
    if (!hb_fleet_sign(cfg->fleet_key, "POST", path, ts, form, sig))
        return hb_fail(err, HB_ERR_NOMEM, "cannot sign the relay request");
    char ts_line[64], sig_line[96];
    snprintf(ts_line, sizeof(ts_line), "%s: %s", HB_RELAY_TS_HEADER, ts);
    snprintf(sig_line, sizeof(sig_line), "%s: %s", HB_RELAY_SIG_HEADER, sig);
    const char *headers[] = {ts_line, sig_line, NULL};
    return hb_http_post_form_with(http, url, form, headers, wait_s, resp, err);
}

/* POSTs pairs to the relay's path and parses the JSON answer into *obj
 * (the caller puts it); the form is wiped, as it may carry the secret.
 * A relay that answers 429 or 503 (or a proxy 502 or 504) is asked again
 * after its Retry-After (with jitter) while the deadline allows; with
 * retry_dropped, so is one whose connection failed (a long poll cut by a
 * proxy or a restart). A long poll (wait_until not 0) asks for wait_s,
 * and on each retry for no longer than still ends by wait_until: a relay
 * whose store is away for a while (a Redis restart: 503) is asked until
 * the login's time is up, not only while the first wait still fits. */
static enum hb_status relay_call(struct hb_http *http, const char *what,
                                 const char *path, const char *const *pairs,
                                 long wait_s, time_t wait_until,
                                 bool retry_dropped, time_t give_up,
                                 long *http_status, json_object **obj,
                                 struct hb_error *err)
{
    *obj = NULL;
    char *url = hb_relay_url(http->cfg->relay_url, path);
    char *form = NULL;
    enum hb_status status = HB_ERR_NOMEM;
    struct hb_response resp = {0};
    if (url == NULL) {
        hb_fail(err, HB_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* A relay that stays unreachable is reported, not waited out. */
    int dropped = 0;
    for (;;) {
        /* A fresh nonce every try makes its bytes, and so its signature,
         * new: the relay refuses a signature it has seen, and it may have
         * seen a try whose answer never came back. */
        char wait[24];
        snprintf(wait, sizeof(wait), "%ld", wait_s);
        hb_free_secret(&form);
        form = form_with_nonce(http, pairs, wait_until != 0 ? wait : NULL);
        if (form == NULL) {
            status = hb_fail(err, HB_ERR_NOMEM, "out of memory");
            goto out;
        }
        status = signed_post(http, url, path, form, wait_s, &resp, err);
        long delay_ms = -1;
        /* 502 and 504 come from a proxy whose relay died or hung under
         * the request: another relay of the fleet can answer. */
        if (status == HB_OK && (resp.status == 429 || resp.status == 502 ||
                                resp.status == 503 || resp.status == 504)) {
            long after = resp.retry_after > 0 ? resp.retry_after : 1;
            delay_ms =
                (after < RETRY_AFTER_MAX ? after : RETRY_AFTER_MAX) * 1000L;
        } else if (status == HB_ERR_UNAVAIL && retry_dropped &&
                   ++dropped <= DROPPED_MAX) {
            delay_ms = 1000;
        } else if (status == HB_OK && resp.status == 401 &&
                   strstr(resp.body, "\"replayed signature\"") != NULL &&
                   ++dropped <= DROPPED_MAX) {
            /* Our own bytes, sent twice: libcurl resends a request by
             * itself when a kept-alive connection dies under it. */
            delay_ms = 0;
        }
        /* The next try must fit, its wait included, before giving up. */
        time_t next = time(NULL) + (delay_ms + 1000) / 1000;
        if (wait_until != 0 && next + wait_s > wait_until)
            wait_s = (long)(wait_until - next);
        if (delay_ms < 0 || wait_s < 0 || next + wait_s >= give_up)
            break;
        hb_response_free(&resp);
        if (!pause_with_jitter(http, delay_ms)) {
            status =
                hb_fail(err, HB_ERR_CONV, "the person's connection went away");
            goto out;
        }
    }
    if (status == HB_OK) {
        *http_status = resp.status;
        status = hb_json_parse_object(resp.body, resp.len, obj, err);
        /* A proxy's error page (HTML) says as much as the relay's JSON. */
        if (status == HB_ERR_PROTOCOL && unanswered(resp.status) != HB_OK)
            status = refused(err, what, resp.status, NULL);
        else if (status != HB_OK) {
            char detail[HB_ERRMSG_MAX];
            memcpy(detail, err->msg, sizeof(detail));
            status = hb_fail(err, status, "relay %s answer (HTTP %ld): %s",
                             what, resp.status, detail);
        }
    }
out:
    hb_response_free(&resp);
    free(url);
    hb_free_secret(&form);
    return status;
}

/* What a relay's refusal means for the login. Only a relay that cannot
 * serve (a 5xx from it or its proxy) counts as unreachable; a busy one
 * (429, 503: anyone on the internet can make it so) and every other
 * refusal end the login as a failure, never as "unavailable". */
static enum hb_status unanswered(long http_status)
{
    if (http_status == 429 || http_status == 503)
        return HB_ERR_BUSY;
    if (http_status >= 500 && http_status <= 599)
        return HB_ERR_UNAVAIL;
    if (http_status == 401)
        return HB_ERR_CONFIG;
    return http_status >= 200 && http_status <= 299 ? HB_OK : HB_ERR_PROTOCOL;
}

/* A 401 means the two ends do not share a key, or a clock is off. */
static enum hb_status refused(struct hb_error *err, const char *what,
                              long http_status, json_object *obj)
{
    const char *why = obj != NULL ? known_reason(obj) : "no known reason";
    enum hb_status status = unanswered(http_status);
    if (status == HB_ERR_CONFIG)
        return hb_fail(err, status,
                       "relay refused the %s as unauthenticated (%s): check "
                       "that fleet_key_file holds the relay's fleet key and "
                       "that both clocks are right",
                       what, why);
    if (status == HB_ERR_BUSY)
        return hb_fail(err, status,
                       "relay kept refusing the %s as busy until the login's "
                       "time ran out (HTTP %ld: %s)",
                       what, http_status, why);
    return hb_fail(err, status != HB_OK ? status : HB_ERR_PROTOCOL,
                   "relay refused the %s (HTTP %ld: %s)", what, http_status,
                   why);
}

enum hb_status hb_relay_register(struct hb_http *http, const char *state,
                                 const char *code_challenge,
                                 const char *tag_key,
                                 const struct hb_relay_what *shown, char **link,
                                 int *number, struct hb_error *err)
{
    *link = NULL;
    *number = 0;
    const char *pairs[FORM_MAX - 6] = {HB_RELAY_FIELD_STATE,
                                       state,
                                       HB_RELAY_FIELD_CODE_CHALLENGE,
                                       code_challenge,
                                       HB_RELAY_FIELD_TAG_KEY,
                                       tag_key,
                                       HB_RELAY_FIELD_HOST,
                                       shown->host,
                                       HB_RELAY_FIELD_USER,
                                       shown->user,
                                       HB_RELAY_FIELD_RHOST,
                                       shown->rhost,
                                       NULL};
    size_t n = 12;
    pairs[n++] = HB_RELAY_FIELD_NUMBER_MATCH;
    pairs[n++] = shown->number_match ? "yes" : "no";
    /* Sent only when there is one, as a module before them did. */
    if (shown->service != NULL && shown->service[0] != '\0') {
        pairs[n++] = HB_RELAY_FIELD_SERVICE;
        pairs[n++] = shown->service;
    }
    if (shown->command != NULL && shown->command[0] != '\0') {
        pairs[n++] = HB_RELAY_FIELD_COMMAND;
        pairs[n++] = shown->command;
    }
    pairs[n] = NULL;
    json_object *obj = NULL;
    long http_status = 0;
    /* The person waits for the prompt meanwhile: a busy relay gets one
     * request timeout's worth of retries, not the whole login's. */
    time_t give_up = time(NULL) + http->cfg->http_timeout;
    if (http->deadline != 0 && http->deadline < give_up)
        give_up = http->deadline;
    enum hb_status status =
        relay_call(http, "session", HB_RELAY_PATH_SESSIONS, pairs, 0, 0, false,
                   give_up, &http_status, &obj, err);
    if (status != HB_OK)
        return status;
    const char *got = hb_json_string(obj, HB_RELAY_ANSWER_LINK);
    if (http_status != 201 || got == NULL) {
        status = refused(err, "session", http_status, obj);
    } else if (strncmp(got, "https://", 8) != 0 || strlen(got) > LINK_MAX ||
               strcspn(got, " \t\r\n\x1b") != strlen(got)) {
        status = hb_fail(err, HB_ERR_PROTOCOL,
                         "relay answered a link that is not a plain https "
                         "URL");
    } else {
        json_object *num = NULL;
        if (json_object_object_get_ex(obj, HB_RELAY_ANSWER_NUMBER, &num) &&
            json_object_is_type(num, json_type_int)) {
            int64_t v = json_object_get_int64(num);
            if (v < HB_RELAY_NUMBER_MIN || v > HB_RELAY_NUMBER_MAX) {
                hb_json_put_wiped(obj);
                return hb_fail(err, HB_ERR_PROTOCOL,
                               "relay answered a number out of range");
            }
            *number = (int)v;
        }
        *link = strdup(got);
        if (*link == NULL)
            status = hb_fail(err, HB_ERR_NOMEM, "out of memory");
    }
    hb_json_put_wiped(obj);
    return status;
}

enum hb_status hb_relay_poll(struct hb_http *http, const char *poll_secret,
                             long wait_s, char **code, struct hb_error *err)
{
    *code = NULL;
    char *host = this_host();
    if (host == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    const char *pairs[] = {HB_RELAY_FIELD_SECRET, poll_secret,
                           HB_RELAY_FIELD_HOST, host, NULL};
    json_object *obj = NULL;
    long http_status = 0;
    time_t now = time(NULL);
    time_t give_up = http->deadline != 0
                         ? http->deadline
                         : now + http->cfg->http_timeout + wait_s;
    /* A retried poll still leaves the code's exchange its time. */
    time_t wait_until = now + wait_s;
    if (http->deadline != 0 &&
        http->deadline - http->cfg->http_timeout > wait_until)
        wait_until = http->deadline - http->cfg->http_timeout;
    enum hb_status status =
        relay_call(http, "poll", HB_RELAY_PATH_POLL, pairs, wait_s, wait_until,
                   true, give_up, &http_status, &obj, err);
    free(host);
    if (status != HB_OK)
        return status;
    const char *got = hb_json_string(obj, HB_RELAY_ANSWER_CODE);
    const char *why = known_reason(obj);
    json_object *pending = NULL;
    bool is_pending =
        json_object_object_get_ex(obj, HB_RELAY_ANSWER_PENDING, &pending) &&
        json_object_get_boolean(pending);
    if (http_status == 200 && got != NULL) {
        *code = strdup(got);
        if (*code == NULL)
            status = hb_fail(err, HB_ERR_NOMEM, "out of memory");
    } else if (http_status == 200 && is_pending) {
        status = hb_fail(err, HB_ERR_PENDING, "not approved yet");
    } else if (strcmp(why, "number mismatch") == 0) {
        status = hb_fail(err, HB_ERR_MISMATCH,
                         "number mismatch: the phone picked another number "
                         "than the terminal showed");
    } else if (strcmp(why, "access_denied") == 0) {
        status = hb_fail(err, HB_ERR_REJECTED,
                         "the login was denied on the haobtc page");
    } else if (http_status == 404 && strcmp(why, "unknown") == 0) {
        /* Within the login's time (shorter than the relay's session), so
         * no answer can come: the person is told at once, not at the
         * deadline. */
        status = hb_fail(err, HB_ERR_LOST,
                         "the relay no longer knows this login (it restarted "
                         "without its sessions, or the code went to a poll "
                         "whose answer was lost)");
    } else {
        status = refused(err, "poll", http_status, obj);
    }
    hb_json_put_wiped(obj);
    return status;
}

static long seconds_to_wait(const struct hb_http *http)
{
    return (long)(http->deadline - time(NULL)) - http->cfg->http_timeout;
}

enum hb_status hb_relay_wait(struct hb_http *http, const char *poll_secret,
                             char **code, struct hb_error *err)
{
    long left = seconds_to_wait(http);
    if (left < 1)
        return hb_fail(err, HB_ERR_EXPIRED,
                       "the login timed out waiting for approval");
    long wait = left < HB_RELAY_WAIT_MAX ? left : HB_RELAY_WAIT_MAX;
    enum hb_status status = hb_relay_poll(http, poll_secret, wait, code, err);
    /* "Pending" promises that waiting again can help; once no poll would
     * fit before the deadline, the login is over instead. */
    if (status == HB_ERR_PENDING && seconds_to_wait(http) < 1)
        status = hb_fail(err, HB_ERR_EXPIRED,
                         "the login timed out waiting for approval");
    return status;
}

enum hb_status hb_relay_ping(struct hb_http *http, long *http_status,
                             const char **reason, long long *relay_time,
                             struct hb_error *err)
{
    *http_status = 0;
    *reason = "no known reason";
    *relay_time = 0;
    char *host = this_host();
    if (host == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    const char *pairs[] = {HB_RELAY_FIELD_HOST, host, NULL};
    json_object *obj = NULL;
    time_t give_up = time(NULL) + http->cfg->http_timeout;
    if (http->deadline != 0 && http->deadline < give_up)
        give_up = http->deadline;
    enum hb_status status =
        relay_call(http, "ping", HB_RELAY_PATH_PING, pairs, 0, 0, false,
                   give_up, http_status, &obj, err);
    free(host);
    if (status != HB_OK)
        return status;
    *reason = known_reason(obj);
    json_object *ok = NULL, *when = NULL;
    if (*http_status == 200 && json_object_object_get_ex(obj, "ok", &ok) &&
        json_object_get_boolean(ok)) {
        if (json_object_object_get_ex(obj, "time", &when) &&
            json_object_is_type(when, json_type_int))
            *relay_time = (long long)json_object_get_int64(when);
    } else {
        status = refused(err, "ping", *http_status, obj);
    }
    hb_json_put_wiped(obj);
    return status;
}

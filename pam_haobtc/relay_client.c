/* The module's side of the relay protocol (see tools/relay_pages.c). */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "relay_client.h"
#include "secure.h"

#define LINK_MAX 512

static char *relay_endpoint(const struct hb_config *cfg, const char *path)
{
    const char *base = cfg->relay_url;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    char *url = NULL;
    if (asprintf(&url, "%.*s%s", (int)n, base, path) < 0)
        return NULL;
    return url;
}

/* Builds "k1=v1&k2=v2..." with every value escaped; NULL values are sent
 * empty. pairs ends with a NULL key. */
static char *form_of(struct hb_http *http, const char *const *pairs)
{
    char *escaped[16] = {NULL};
    size_t n = 0, cap = 1;
    bool ok = true;
    for (; pairs[n] != NULL && n + 1 < 16; n += 2) {
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
    static const char *const words[] = {"busy",
                                        "rate limited",
                                        "duplicate state",
                                        "bad state",
                                        "bad authorize_url",
                                        "authorize_url outside prefix",
                                        "authorize_url lacks state",
                                        "bad host",
                                        "bad user",
                                        "bad rhost",
                                        "bad form",
                                        "bad secret",
                                        "bad wait",
                                        "shutting down",
                                        "unknown",
                                        "access_denied"};
    const char *why = hb_json_string(obj, "error");
    for (size_t i = 0; why != NULL && i < sizeof(words) / sizeof(*words); i++)
        if (strcmp(why, words[i]) == 0)
            return words[i];
    return "no known reason";
}

/* POSTs pairs to the relay's path and parses the JSON answer into *obj
 * (the caller puts it); the form is wiped, as it may carry the secret. */
static enum hb_status relay_call(struct hb_http *http, const char *what,
                                 const char *path, const char *const *pairs,
                                 long wait_s, long *http_status,
                                 json_object **obj, struct hb_error *err)
{
    *obj = NULL;
    char *url = relay_endpoint(http->cfg, path);
    char *form = form_of(http, pairs);
    enum hb_status status = HB_ERR_NOMEM;
    struct hb_response resp = {0};
    if (url == NULL || form == NULL)
        hb_fail(err, HB_ERR_NOMEM, "out of memory");
    else
        status = hb_http_post_form(http, url, form, wait_s, &resp, err);
    if (status == HB_OK) {
        *http_status = resp.status;
        status = hb_json_parse_object(resp.body, resp.len, obj, err);
        if (status != HB_OK) {
            char detail[HB_ERRMSG_MAX];
            memcpy(detail, err->msg, sizeof(detail));
            status = hb_fail(err, status, "relay %s answer (HTTP %ld): %s",
                             what, resp.status, detail);
        }
    }
    hb_response_free(&resp);
    free(url);
    hb_free_secret(&form);
    return status;
}

enum hb_status hb_relay_register(struct hb_http *http, const char *state,
                                 const char *authorize_url, const char *host,
                                 const char *user, const char *rhost,
                                 char **link, struct hb_error *err)
{
    *link = NULL;
    const char *pairs[] = {"authorize_url", authorize_url, "state", state,
                           "host",          host,          "user",  user,
                           "rhost",         rhost,         NULL};
    json_object *obj = NULL;
    long http_status = 0;
    enum hb_status status = relay_call(http, "session", "/api/v1/sessions",
                                       pairs, 0, &http_status, &obj, err);
    if (status != HB_OK)
        return status;
    const char *got = hb_json_string(obj, "link");
    if (http_status != 201 || got == NULL) {
        status = hb_fail(err, HB_ERR_UNAVAIL,
                         "relay refused the session (HTTP %ld: %s)",
                         http_status, known_reason(obj));
    } else if (strncmp(got, "https://", 8) != 0 || strlen(got) > LINK_MAX ||
               strcspn(got, " \t\r\n\x1b") != strlen(got)) {
        status = hb_fail(err, HB_ERR_UNAVAIL,
                         "relay answered a link that is not a plain https "
                         "URL");
    } else {
        *link = strdup(got);
        if (*link == NULL)
            status = hb_fail(err, HB_ERR_NOMEM, "out of memory");
    }
    json_object_put(obj);
    return status;
}

enum hb_status hb_relay_poll(struct hb_http *http, const char *poll_secret,
                             long wait_s, char **code, struct hb_error *err)
{
    *code = NULL;
    char wait[24];
    snprintf(wait, sizeof(wait), "%ld", wait_s);
    const char *pairs[] = {"secret", poll_secret, "wait", wait, NULL};
    json_object *obj = NULL;
    long http_status = 0;
    enum hb_status status = relay_call(http, "poll", "/api/v1/poll", pairs,
                                       wait_s, &http_status, &obj, err);
    if (status != HB_OK)
        return status;
    const char *got = hb_json_string(obj, "code");
    const char *why = known_reason(obj);
    json_object *pending = NULL;
    bool is_pending = json_object_object_get_ex(obj, "pending", &pending) &&
                      json_object_get_boolean(pending);
    if (http_status == 200 && got != NULL) {
        *code = strdup(got);
        if (*code == NULL)
            status = hb_fail(err, HB_ERR_NOMEM, "out of memory");
    } else if (http_status == 200 && is_pending) {
        status = hb_fail(err, HB_ERR_PENDING, "not approved yet");
    } else if (strcmp(why, "access_denied") == 0) {
        status = hb_fail(err, HB_ERR_REJECTED,
                         "the login was denied on the haobtc page");
    } else if (http_status == 404) {
        status = hb_fail(err, HB_ERR_EXPIRED,
                         "the relay no longer knows this login (expired or "
                         "already used)");
    } else {
        status = hb_fail(err, HB_ERR_UNAVAIL,
                         "relay poll failed (HTTP %ld: %s)", http_status, why);
    }
    json_object_put(obj);
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

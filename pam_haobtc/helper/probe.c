/* SPDX-License-Identifier: BSD-2-Clause */
/* The network half of haobtc-login check. It runs in the helper, with the
 * helper's configuration, secret, libcurl options and empty environment,
 * so what it finds is what a login would meet. Its texts are finding.h's,
 * so that haobtc-login can show them in the reader's language. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "codes.h"
#include "json.h"
#include "probe.h"
#include "provider.h"
#include "relay_client.h"
#include "secure.h"
#include "token.h"

/* Beyond this the relay is still fine (it allows 60 s), but not for long. */
#define SKEW_WARN 30

struct out {
    hb_probe_say_fn say;
    void *arg;
};

/* A finding made of a listed text (finding.h) and its arguments, all
 * strings; fix may be NULL. */
__attribute__((format(printf, 5, 6))) static void
sayf(const struct out *o, enum hb_verdict v, const char *topic,
     const struct hb_finding_text *fix, const char *msgid, ...)
{
    struct hb_finding_text finding;
    va_list ap;
    va_start(ap, msgid);
    hb_finding_vtext(&finding, msgid, ap);
    va_end(ap);
    o->say(o->arg, v, topic, &finding, fix);
}

/* A finding that is data (libcurl's or another library's words), shown
 * as it is in every language. */
static void say_data(const struct out *o, enum hb_verdict v, const char *topic,
                     const struct hb_finding_text *fix, const char *data)
{
    struct hb_finding_text finding;
    hb_finding_data(&finding, data);
    o->say(o->arg, v, topic, &finding, fix);
}

/* A file the loader accepted, as it is now. */
static void file_line(const struct out *o, const char *topic, const char *key,
                      const char *path)
{
    struct stat st;
    char mode[8], uid[24];
    if (lstat(path, &st) != 0) {
        sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_FILE_GONE, key, path);
        return;
    }
    snprintf(mode, sizeof(mode), "%04o", (unsigned)(st.st_mode & 07777));
    snprintf(uid, sizeof(uid), "%u", (unsigned)st.st_uid);
    if (st.st_uid == 0)
        sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_FILE_ROOT, key, path, mode);
    else
        sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_FILE_UID, key, path, uid,
             mode);
}

void hb_probe_files(const struct hb_config *cfg, hb_probe_say_fn say, void *arg)
{
    struct out o = {say, arg};
    if (cfg->client_secret_file != NULL)
        file_line(&o, "secret", "client_secret_file", cfg->client_secret_file);
    else
        sayf(&o, HB_VERDICT_OK, "secret", NULL, HB_FT_SECRET_IN_CONF,
             cfg->conf_path);
    if (cfg->relay_url != NULL)
        file_line(&o, "fleet key", "fleet_key_file", cfg->fleet_key_file);
}

/* The host of an https URL, without port or brackets; *port gets the
 * port (443 when the URL names none). */
static void host_of(const char *url, char *out, size_t n, long *port)
{
    *port = 443;
    const char *start = strstr(url, "://");
    start = start != NULL ? start + 3 : url;
    size_t len = strcspn(start, "/?#");
    const char *at = memchr(start, '@', len);
    if (at != NULL) {
        len -= (size_t)(at + 1 - start);
        start = at + 1;
    }
    const char *colon = NULL;
    if (len > 0 && start[0] == '[') {
        const char *close = memchr(start, ']', len);
        if (close != NULL && (size_t)(close + 1 - start) < len &&
            close[1] == ':')
            colon = close + 1;
        len = close != NULL ? (size_t)(close - start - 1) : len - 1;
        start++;
    } else {
        colon = memchr(start, ':', len);
        if (colon != NULL)
            len = (size_t)(colon - start);
    }
    if (colon != NULL)
        *port = strtol(colon + 1, NULL, 10);
    if (len >= n)
        len = n - 1;
    memcpy(out, start, len);
    out[len] = '\0';
}

static bool is_address(const char *host)
{
    return strspn(host, "0123456789.") == strlen(host) ||
           strchr(host, ':') != NULL;
}

static void cert_line(const struct out *o, const struct hb_config *cfg,
                      const char *what, const char *host,
                      const struct hb_http_trace *t)
{
    char topic[64];
    snprintf(topic, sizeof(topic), "%s TLS", what);
    const char *ca = cfg->ca_file;
    if (t->cert_expires == 0) {
        if (ca != NULL)
            sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_CERT_CA, host, ca);
        else
            sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_CERT_SYSTEM, host);
        return;
    }
    long long left = (t->cert_expires - (long long)time(NULL)) / 86400;
    char date[32], days[24];
    time_t when = (time_t)t->cert_expires;
    struct tm tm;
    strftime(date, sizeof(date), "%Y-%m-%d", gmtime_r(&when, &tm));
    if (left >= HB_CERT_WARN_DAYS) {
        if (ca != NULL)
            sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_CERT_CA_UNTIL, host, ca,
                 date);
        else
            sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_CERT_SYSTEM_UNTIL, host,
                 date);
        return;
    }
    struct hb_finding_text fix;
    hb_finding_text(&fix, HB_FT_FIX_CERT_RENEW, host, date);
    snprintf(days, sizeof(days), "%lld", left);
    if (left == 1)
        sayf(o, HB_VERDICT_WARN, topic, &fix, HB_FT_CERT_ENDS_1, host, date);
    else
        sayf(o, HB_VERDICT_WARN, topic, &fix, HB_FT_CERT_ENDS, host, date,
             days);
}

/* One line each for DNS, TCP and TLS, as far as the request got (the
 * first failure ends the list); true when an HTTP answer came back. */
static bool transport_lines(const struct out *o, const struct hb_config *cfg,
                            const char *what, const char *key, const char *url,
                            const struct hb_http_trace *t,
                            const struct hb_error *err)
{
    char host[256], topic[64], port_text[24];
    struct hb_finding_text fix;
    long port = 443;
    host_of(url, host, sizeof(host), &port);
    /* libcurl's words ("SSL certificate problem: ...") say more than the
     * status's. */
    const char *why = t->detail[0] != '\0' ? t->detail : err->msg;
    snprintf(topic, sizeof(topic), "%s DNS", what);
    if (t->reach == HB_REACH_NOTHING) {
        if (cfg->proxy != NULL)
            hb_finding_text(&fix, HB_FT_FIX_DNS_PROXY);
        else
            hb_finding_text(&fix, HB_FT_FIX_DNS, key);
        say_data(o, HB_VERDICT_FAIL, topic, &fix, why);
        return false;
    }
    if (cfg->proxy != NULL)
        sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_DNS_PROXY, cfg->proxy, host);
    else if (is_address(host))
        sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_DNS_ADDRESS, host);
    else
        sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_DNS_RESOLVED, host, t->ip);

    snprintf(topic, sizeof(topic), "%s TCP", what);
    if (t->reach == HB_REACH_RESOLVED) {
        snprintf(port_text, sizeof(port_text), "%ld", port);
        if (cfg->proxy != NULL)
            hb_finding_text(&fix, HB_FT_FIX_TCP_PROXY, cfg->proxy);
        else
            hb_finding_text(&fix, HB_FT_FIX_TCP, host, port_text);
        say_data(o, HB_VERDICT_FAIL, topic, &fix, why);
        return false;
    }
    snprintf(port_text, sizeof(port_text), "%ld", t->port);
    if (cfg->proxy != NULL)
        sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_TCP_PROXY, t->ip, port_text);
    else
        sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_TCP, t->ip, port_text);

    snprintf(topic, sizeof(topic), "%s TLS", what);
    if (t->reach == HB_REACH_CONNECTED) {
        if (cfg->ca_file != NULL)
            hb_finding_text(&fix, HB_FT_FIX_TLS_CA, host, cfg->ca_file);
        else
            hb_finding_text(&fix, HB_FT_FIX_TLS_SYSTEM, host);
        say_data(o, HB_VERDICT_FAIL, topic, &fix, why);
        return false;
    }
    cert_line(o, cfg, what, host, t);
    if (t->reach == HB_REACH_SECURED) {
        snprintf(topic, sizeof(topic), "%s HTTP", what);
        hb_finding_text(&fix, HB_FT_FIX_HTTP, key);
        say_data(o, HB_VERDICT_FAIL, topic, &fix, why);
        return false;
    }
    return true;
}

/* What the provider's refusal of a made-up code says about this setup. */
static void credentials_line(const struct out *o, const struct hb_config *cfg,
                             enum hb_status status, const struct hb_error *err)
{
    const char *topic = "provider credentials";
    struct hb_finding_text fix;
    char text[HB_ERRMSG_MAX / 2];
    long code = status == HB_ERR_DENIED ? err->haobtc_code : -1;
    hb_code_describe(code, text, sizeof(text));
    const char *secret_at = cfg->client_secret_file != NULL
                                ? cfg->client_secret_file
                                : cfg->conf_path;
    switch (code) {
    case 40009:
        sayf(o, HB_VERDICT_OK, topic, NULL, HB_FT_CREDENTIALS_OK,
             cfg->client_id);
        return;
    case 40002:
        hb_finding_text(&fix, HB_FT_FIX_CLIENT_ID, cfg->conf_path);
        sayf(o, HB_VERDICT_FAIL, topic, &fix, HB_FT_CLIENT_ID_WRONG,
             cfg->client_id, text);
        return;
    case 40007:
        hb_finding_text(&fix, HB_FT_FIX_CLIENT_SECRET, cfg->client_id,
                        secret_at);
        sayf(o, HB_VERDICT_FAIL, topic, &fix, HB_FT_CLIENT_SECRET_WRONG,
             cfg->client_id, text);
        return;
    case 40006:
        hb_finding_text(&fix, HB_FT_FIX_REDIRECT, cfg->client_id);
        if (cfg->redirect_uri != NULL)
            sayf(o, HB_VERDICT_FAIL, topic, &fix, HB_FT_REDIRECT_WRONG,
                 cfg->redirect_uri, text);
        else
            sayf(o, HB_VERDICT_FAIL, topic, &fix, HB_FT_REDIRECT_UNSET, text);
        return;
    case 40015:
        hb_finding_text(&fix, HB_FT_FIX_CLIENT_BLOCKED);
        sayf(o, HB_VERDICT_FAIL, topic, &fix, HB_FT_CLIENT_BLOCKED,
             cfg->client_id, text);
        return;
    default:
        break;
    }
    hb_finding_text(&fix, HB_FT_FIX_TOKEN_URL, cfg->token_url);
    if (status == HB_OK)
        sayf(o, HB_VERDICT_FAIL, topic, &fix, HB_FT_TOKEN_FOR_ANY_CODE,
             cfg->token_url);
    else if (status == HB_ERR_DENIED)
        sayf(o, HB_VERDICT_FAIL, topic, &fix, HB_FT_OTHER_REFUSAL, text);
    else
        say_data(o, HB_VERDICT_FAIL, topic, &fix, err->msg);
}

static void no_memory(const struct out *o, const char *topic)
{
    struct hb_finding_text fix;
    hb_finding_text(&fix, HB_FT_FIX_NO_MEMORY);
    sayf(o, HB_VERDICT_FAIL, topic, &fix, HB_FT_NO_MEMORY);
}

void hb_probe_provider(struct hb_http *http, hb_probe_say_fn say, void *arg)
{
    struct out o = {say, arg};
    const struct hb_config *cfg = http->cfg;
    struct hb_error err = {0};
    char *random = hb_random_token(18);
    char *code = NULL;
    char *token = NULL;
    if (random == NULL || asprintf(&code, "haobtc-login-check-%s", random) < 0)
        code = NULL;
    free(random);
    if (code == NULL) {
        no_memory(&o, "provider");
        return;
    }
    http->want_cert = true;
    enum hb_status status = hb_get_token(http, code, NULL, &token, &err);
    http->want_cert = false;
    free(code);
    hb_free_secret(&token);
    if (!transport_lines(&o, cfg, "provider", "site_url", cfg->token_url,
                         &http->trace, &err))
        return;
    credentials_line(&o, cfg, status, &err);
}

/* GET /health: true when it is haobtc-relay's answer. */
static bool health_line(const struct out *o, struct hb_http *http)
{
    const struct hb_config *cfg = http->cfg;
    char *url = hb_relay_url(cfg->relay_url, HB_RELAY_PATH_HEALTH);
    struct hb_response resp = {0};
    struct hb_error err = {0};
    if (url == NULL) {
        no_memory(o, "relay");
        return false;
    }
    http->want_cert = true;
    enum hb_status status = hb_http_get(http, url, &resp, &err);
    http->want_cert = false;
    bool reached =
        transport_lines(o, cfg, "relay", "relay_url", url, &http->trace, &err);
    json_object *obj = NULL, *ok = NULL, *sessions = NULL;
    if (reached && status == HB_OK && resp.status == 200 &&
        hb_json_parse_object(resp.body, resp.len, &obj, &err) == HB_OK &&
        json_object_object_get_ex(obj, "ok", &ok) &&
        json_object_get_boolean(ok) &&
        json_object_object_get_ex(obj, "sessions", &sessions)) {
        long long waiting = (long long)json_object_get_int64(sessions);
        char count[24];
        snprintf(count, sizeof(count), "%lld", waiting);
        if (waiting == 1)
            sayf(o, HB_VERDICT_OK, "relay health", NULL, HB_FT_RELAY_UP_1, url);
        else
            sayf(o, HB_VERDICT_OK, "relay health", NULL, HB_FT_RELAY_UP, url,
                 count);
    } else if (reached) {
        struct hb_finding_text fix;
        char code[24];
        snprintf(code, sizeof(code), "%ld", resp.status);
        hb_finding_text(&fix, HB_FT_FIX_RELAY_URL, cfg->conf_path);
        sayf(o, HB_VERDICT_FAIL, "relay health", &fix, HB_FT_NOT_A_RELAY, url,
             code);
        reached = false;
    }
    if (obj != NULL)
        json_object_put(obj);
    hb_response_free(&resp);
    free(url);
    return reached;
}

void hb_probe_relay(struct hb_http *http, hb_probe_say_fn say, void *arg)
{
    struct out o = {say, arg};
    const struct hb_config *cfg = http->cfg;
    if (cfg->relay_url == NULL) {
        sayf(&o, HB_VERDICT_OK, "relay", NULL, HB_FT_NO_RELAY);
        return;
    }
    if (!health_line(&o, http))
        return;

    long http_status = 0;
    const char *reason = NULL;
    long long relay_time = 0;
    struct hb_error err = {0};
    struct hb_finding_text fix;
    const char *topic = "relay fleet key";
    enum hb_status status =
        hb_relay_ping(http, &http_status, &reason, &relay_time, &err);
    if (status == HB_OK) {
        long long skew =
            relay_time != 0 ? relay_time - (long long)time(NULL) : 0;
        if (skew < 0)
            skew = -skew;
        if (skew > SKEW_WARN) {
            char seconds[24];
            snprintf(seconds, sizeof(seconds), "%lld", skew);
            hb_finding_text(&fix, HB_FT_FIX_CLOCK_OFF);
            sayf(&o, HB_VERDICT_WARN, topic, &fix, HB_FT_CLOCK_OFF, seconds);
            return;
        }
        sayf(&o, HB_VERDICT_OK, topic, NULL, HB_FT_FLEET_KEY_OK,
             cfg->fleet_key_file);
        return;
    }
    if (reason == NULL)
        reason = "";
    if (http_status == 401 && strcmp(reason, "stale signature") == 0) {
        hb_finding_text(&fix, HB_FT_FIX_STALE);
        sayf(&o, HB_VERDICT_FAIL, topic, &fix, HB_FT_STALE);
    } else if (http_status == 401) {
        hb_finding_text(&fix, HB_FT_FIX_FLEET_KEY, cfg->fleet_key_file);
        sayf(&o, HB_VERDICT_FAIL, topic, &fix, HB_FT_FLEET_KEY_WRONG,
             cfg->fleet_key_file, reason);
    } else if (http_status == 404 || http_status == 405) {
        hb_finding_text(&fix, HB_FT_FIX_NO_PING);
        sayf(&o, HB_VERDICT_WARN, topic, &fix, HB_FT_NO_PING);
    } else {
        hb_finding_text(&fix, HB_FT_FIX_RELAY_LOG);
        say_data(&o, HB_VERDICT_FAIL, topic, &fix, err.msg);
    }
}

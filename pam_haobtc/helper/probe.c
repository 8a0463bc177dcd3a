/* The network half of haobtc-login check. It runs in the helper, with the
 * helper's configuration, secret, libcurl options and empty environment,
 * so what it finds is what a login would meet. */
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

#define FINDING_MAX 512
/* Beyond this the relay is still fine (it allows 60 s), but not for long. */
#define SKEW_WARN 30

struct out {
    hb_probe_say_fn say;
    void *arg;
};

__attribute__((format(printf, 5, 6))) static void
sayf(const struct out *o, enum hb_verdict v, const char *topic, const char *fix,
     const char *fmt, ...)
{
    char finding[FINDING_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(finding, sizeof(finding), fmt, ap);
    va_end(ap);
    o->say(o->arg, v, topic, finding, fix);
}

static const char *mode_text(const char *path, char *buf, size_t n)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        snprintf(buf, n, "gone since it was read");
    else if (st.st_uid == 0)
        snprintf(buf, n, "owned by root, mode %04o",
                 (unsigned)(st.st_mode & 07777));
    else
        snprintf(buf, n, "owned by uid %u, mode %04o", (unsigned)st.st_uid,
                 (unsigned)(st.st_mode & 07777));
    return buf;
}

void hb_probe_files(const struct hb_config *cfg, hb_probe_say_fn say, void *arg)
{
    struct out o = {say, arg};
    char mode[64];
    if (cfg->client_secret_file != NULL)
        sayf(&o, HB_VERDICT_OK, "secret", NULL,
             "client_secret_file %s: a regular file, %s, one line",
             cfg->client_secret_file,
             mode_text(cfg->client_secret_file, mode, sizeof(mode)));
    else
        sayf(&o, HB_VERDICT_OK, "secret", NULL,
             "client_secret is in %s, which only root can read",
             cfg->conf_path);
    if (cfg->relay_url != NULL)
        sayf(&o, HB_VERDICT_OK, "fleet key", NULL,
             "fleet_key_file %s: a regular file, %s, one line",
             cfg->fleet_key_file,
             mode_text(cfg->fleet_key_file, mode, sizeof(mode)));
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
    char topic[64], trust[FINDING_MAX / 2], fix[FINDING_MAX];
    snprintf(topic, sizeof(topic), "%s TLS", what);
    if (cfg->ca_file != NULL)
        snprintf(trust, sizeof(trust), "ca_file %s", cfg->ca_file);
    else
        snprintf(trust, sizeof(trust), "the system's trusted CAs");
    if (t->cert_expires == 0) {
        sayf(o, HB_VERDICT_OK, topic, NULL,
             "certificate of %s verified with %s", host, trust);
        return;
    }
    long long left = (t->cert_expires - (long long)time(NULL)) / 86400;
    char date[32];
    time_t when = (time_t)t->cert_expires;
    struct tm tm;
    strftime(date, sizeof(date), "%Y-%m-%d", gmtime_r(&when, &tm));
    if (left >= HB_CERT_WARN_DAYS) {
        sayf(o, HB_VERDICT_OK, topic, NULL,
             "certificate of %s verified with %s, valid until %s", host, trust,
             date);
        return;
    }
    snprintf(fix, sizeof(fix),
             "renew the certificate of %s before %s (logins fail from then "
             "on)",
             host, date);
    sayf(o, HB_VERDICT_WARN, topic, fix,
         "certificate of %s verified with %s, but it ends on %s, in %lld "
         "day%s",
         host, trust, date, left, left == 1 ? "" : "s");
}

/* One line each for DNS, TCP and TLS, as far as the request got (the
 * first failure ends the list); true when an HTTP answer came back. */
static bool transport_lines(const struct out *o, const struct hb_config *cfg,
                            const char *what, const char *key, const char *url,
                            const struct hb_http_trace *t,
                            const struct hb_error *err)
{
    char host[256], topic[64], fix[FINDING_MAX];
    long port = 443;
    host_of(url, host, sizeof(host), &port);
    /* libcurl's words ("SSL certificate problem: ...") say more than the
     * status's. */
    const char *why = t->detail[0] != '\0' ? t->detail : err->msg;
    snprintf(topic, sizeof(topic), "%s DNS", what);
    if (t->reach == HB_REACH_NOTHING) {
        if (cfg->proxy != NULL)
            snprintf(fix, sizeof(fix), "check the proxy's host name in proxy");
        else
            snprintf(fix, sizeof(fix),
                     "check the host name in %s and this machine's DNS "
                     "resolver (/etc/resolv.conf)",
                     key);
        sayf(o, HB_VERDICT_FAIL, topic, fix, "%s", why);
        return false;
    }
    if (cfg->proxy != NULL)
        sayf(o, HB_VERDICT_OK, topic, NULL,
             "through proxy %s, which resolves %s", cfg->proxy, host);
    else if (is_address(host))
        sayf(o, HB_VERDICT_OK, topic, NULL, "%s is an address (no lookup)",
             host);
    else
        sayf(o, HB_VERDICT_OK, topic, NULL, "%s is %s", host, t->ip);

    snprintf(topic, sizeof(topic), "%s TCP", what);
    if (t->reach == HB_REACH_RESOLVED) {
        if (cfg->proxy != NULL)
            snprintf(fix, sizeof(fix),
                     "make the proxy %s reachable from this host", cfg->proxy);
        else
            snprintf(fix, sizeof(fix),
                     "make %s port %ld reachable from this host (is the "
                     "service up? a firewall? an outbound proxy to set?)",
                     host, port);
        sayf(o, HB_VERDICT_FAIL, topic, fix, "%s", why);
        return false;
    }
    sayf(o, HB_VERDICT_OK, topic, NULL, "connected to %s port %ld%s", t->ip,
         t->port, cfg->proxy != NULL ? " (the proxy)" : "");

    snprintf(topic, sizeof(topic), "%s TLS", what);
    if (t->reach == HB_REACH_CONNECTED) {
        if (cfg->ca_file != NULL)
            snprintf(fix, sizeof(fix),
                     "set ca_file to the CA that issued the certificate of "
                     "%s (now %s), or remove ca_file to use the system's",
                     host, cfg->ca_file);
        else
            snprintf(fix, sizeof(fix),
                     "give %s a certificate from a CA this system trusts, or "
                     "set ca_file to the CA that issued it",
                     host);
        sayf(o, HB_VERDICT_FAIL, topic, fix, "%s", why);
        return false;
    }
    cert_line(o, cfg, what, host, t);
    if (t->reach == HB_REACH_SECURED) {
        snprintf(topic, sizeof(topic), "%s HTTP", what);
        snprintf(fix, sizeof(fix), "check that %s is the right address", key);
        sayf(o, HB_VERDICT_FAIL, topic, fix, "%s", why);
        return false;
    }
    return true;
}

/* What the provider's refusal of a made-up code says about this setup. */
static void credentials_line(const struct out *o, const struct hb_config *cfg,
                             enum hb_status status, const struct hb_error *err)
{
    const char *topic = "provider credentials";
    char fix[FINDING_MAX], text[HB_ERRMSG_MAX / 2];
    long code = status == HB_ERR_DENIED ? err->haobtc_code : -1;
    hb_code_describe(code, text, sizeof(text));
    const char *secret_at = cfg->client_secret_file != NULL
                                ? cfg->client_secret_file
                                : cfg->conf_path;
    switch (code) {
    case 40009:
        sayf(o, HB_VERDICT_OK, topic, NULL,
             "haobtc accepts client_id %s and its secret (a made-up code was "
             "refused with 40009, as it must be)",
             cfg->client_id);
        return;
    case 40002:
        snprintf(fix, sizeof(fix),
                 "set client_id in %s to the id haobtc issued for this "
                 "application",
                 cfg->conf_path);
        sayf(o, HB_VERDICT_FAIL, topic, fix,
             "the client id is wrong: haobtc does not know client_id %s (%s)",
             cfg->client_id, text);
        return;
    case 40007:
        snprintf(fix, sizeof(fix),
                 "put the secret haobtc issued for client_id %s in %s",
                 cfg->client_id, secret_at);
        sayf(o, HB_VERDICT_FAIL, topic, fix,
             "the client secret is wrong: haobtc knows client_id %s but "
             "refused its secret (%s)",
             cfg->client_id, text);
        return;
    case 40006:
        snprintf(fix, sizeof(fix),
                 "set redirect_uri to the address registered for client_id "
                 "%s (with a relay, its /cb)",
                 cfg->client_id);
        sayf(o, HB_VERDICT_FAIL, topic, fix,
             "redirect_uri %s is not the address registered with haobtc (%s)",
             cfg->redirect_uri != NULL ? cfg->redirect_uri : "(unset)", text);
        return;
    case 40015:
        sayf(o, HB_VERDICT_FAIL, topic,
             "ask haobtc to unblock the application, or register a new one",
             "haobtc has blocked client_id %s (%s)", cfg->client_id, text);
        return;
    default:
        break;
    }
    snprintf(fix, sizeof(fix),
             "check site_url and token_url (%s; later servers use "
             "/auth/oauth/get_token/)",
             cfg->token_url);
    if (status == HB_OK)
        sayf(o, HB_VERDICT_FAIL, topic, fix,
             "%s issued a token for a made-up code: it does not behave like "
             "haobtc",
             cfg->token_url);
    else if (status == HB_ERR_DENIED)
        sayf(o, HB_VERDICT_FAIL, topic, fix,
             "a made-up code was refused with %s, not 40009 (authorization "
             "code missing or expired)",
             text);
    else
        sayf(o, HB_VERDICT_FAIL, topic, fix, "%s", err->msg);
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
        sayf(&o, HB_VERDICT_FAIL, "provider", "free some memory",
             "out of memory");
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
        sayf(o, HB_VERDICT_FAIL, "relay", "free some memory", "out of memory");
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
        sayf(o, HB_VERDICT_OK, "relay health", NULL,
             "GET %s answered: up, %lld login%s waiting", url,
             (long long)json_object_get_int64(sessions),
             json_object_get_int64(sessions) == 1 ? "" : "s");
    } else if (reached) {
        char fix[FINDING_MAX];
        snprintf(fix, sizeof(fix),
                 "set relay_url in %s to the relay's public address (its "
                 "--public-url)",
                 cfg->conf_path);
        sayf(o, HB_VERDICT_FAIL, "relay health", fix,
             "GET %s answered HTTP %ld, not haobtc-relay's health", url,
             resp.status);
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
        sayf(&o, HB_VERDICT_OK, "relay", NULL,
             "not configured (no relay_url): people paste the code shown by "
             "the page haobtc redirects to");
        return;
    }
    if (!health_line(&o, http))
        return;

    long http_status = 0;
    const char *reason = NULL;
    long long relay_time = 0;
    struct hb_error err = {0};
    char fix[FINDING_MAX];
    const char *topic = "relay fleet key";
    enum hb_status status =
        hb_relay_ping(http, &http_status, &reason, &relay_time, &err);
    if (status == HB_OK) {
        long long skew =
            relay_time != 0 ? relay_time - (long long)time(NULL) : 0;
        if (skew < 0)
            skew = -skew;
        if (skew > SKEW_WARN) {
            sayf(&o, HB_VERDICT_WARN, topic,
                 "keep both clocks in time (NTP): the relay refuses "
                 "signatures more than 60 s off",
                 "accepted, but the relay's clock is %lld s off this host's",
                 skew);
            return;
        }
        sayf(&o, HB_VERDICT_OK, topic, NULL,
             "the relay accepted a no-op request signed with %s",
             cfg->fleet_key_file);
        return;
    }
    if (http_status == 401 && strcmp(reason, "stale signature") == 0) {
        sayf(&o, HB_VERDICT_FAIL, topic,
             "set both clocks right (NTP): the relay accepts signatures up "
             "to 60 s off",
             "the relay refused the signature as stale: its clock and this "
             "host's are more than 60 s apart");
    } else if (http_status == 401) {
        snprintf(fix, sizeof(fix),
                 "copy the relay's --fleet-key-file to %s on this host "
                 "(root-owned, mode 0600)",
                 cfg->fleet_key_file);
        sayf(&o, HB_VERDICT_FAIL, topic, fix,
             "the relay refused a request signed with %s (%s): the two keys "
             "differ",
             cfg->fleet_key_file, reason);
    } else if (http_status == 404 || http_status == 405) {
        sayf(&o, HB_VERDICT_WARN, topic,
             "upgrade haobtc-relay to check the fleet key here",
             "the relay has no POST /api/v1/ping (it is older than this "
             "haobtc-login): the fleet key was not checked");
    } else {
        sayf(&o, HB_VERDICT_FAIL, topic,
             "see the relay's log for why it refused the request", "%s",
             err.msg);
    }
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's handling of each HTTP request: its route, the limits it
 * meets first (the port, the phones' budget, a module's signature and
 * rate), its body, and the endpoint that answers it. */
#include "autoconf.h"

#include "relay.h"
#include "server.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#define BODY_MAX 4096
#define FORM_TYPE "application/x-www-form-urlencoded"

/* Per request: progress and the body, which may hold a poll secret. The
 * body is let go of once handled, so a waiting poll holds little. */
struct request {
    bool answered; /* a response is queued or the body is not wanted */
    bool too_big;
    size_t len;
    /* The Content-Length (else BODY_MAX): a poll's body is about 200
     * bytes, not worth 4 KiB zeroed and wiped per request. */
    size_t cap;
    char *body; /* cap + 1 bytes, from the first byte of body */
    struct relay_waiter *waiter;
};
static void drop_body(struct request *rq)
{
    if (rq->body != NULL) {
        hb_wipe(rq->body, rq->cap + 1);
        free(rq->body);
        rq->body = NULL;
    }
}

/* relay.phone_spend: the phone budget of c's client address. */
bool relay_phone_spend(const struct relay *r, struct MHD_Connection *c,
                       long *retry_after)
{
    struct sockaddr_storage client;
    char who[RELAY_WHO_MAX + 1];

    relay_net_client(r->net, c, &client);
    return relay_store_rate_allow(
        r->store, RELAY_BUDGET_PHONE,
        relay_client_who((const struct sockaddr *)&client, who), retry_after);
}

/* A refusal: for a phone's request (phone) a failure, which spends its
 * address's budget, and once that is spent 429 instead. */
static enum MHD_Result refuse(const struct relay *r, struct MHD_Connection *c,
                              bool phone, unsigned status, const char *reason,
                              const char *hname, const char *hval)
{
    long retry = 1;

    if (phone && !relay_phone_spend(r, c, &retry))
        return relay_not_admitted(r, c, "request", RELAY_LIMITED, retry);
    return relay_send_error(c, status, reason, hname, hval);
}

static const char *route_name(enum relay_route route)
{
    switch (route) {
    case R_HEALTH:
        return HB_RELAY_PATH_HEALTH;
    case R_SESSIONS:
        return HB_RELAY_PATH_SESSIONS;
    case R_POLL:
        return HB_RELAY_PATH_POLL;
    case R_PING:
        return HB_RELAY_PATH_PING;
    case R_PAGE:
        return "/s/(a short link)";
    case R_CB:
        return HB_RELAY_PATH_CALLBACK;
    case R_NONE:
        break;
    }
    return "(no such path)";
}

static const char *address_text(const struct sockaddr_storage *ss, char *buf,
                                socklen_t n)
{
    const void *a =
        ss->ss_family == AF_INET6
            ? (const void *)&((const struct sockaddr_in6 *)(const void *)ss)
                  ->sin6_addr
            : (const void *)&((const struct sockaddr_in *)(const void *)ss)
                  ->sin_addr;

    if (inet_ntop(ss->ss_family, a, buf, n) == NULL)
        snprintf(buf, n, "?");
    return buf;
}

/* Checks that need only the headers. An answer queued this early closes
 * the connection, which suits refusals: no unwanted body is read. */
static enum MHD_Result first_call(struct server *sv, bool modules_only,
                                  struct MHD_Connection *c, const char *url,
                                  const char *method, struct request *rq)
{
    const struct relay *r = &sv->relay;
    enum relay_route route = relay_route_of(url);
    bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
               strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    bool wants_post = route == R_SESSIONS || route == R_POLL || route == R_PING;
    /* The context page is shown (GET) and its Continue posted (POST). */
    bool page_post = route == R_PAGE && post;
    struct sockaddr_storage client;
    char who[RELAY_WHO_MAX + 1], addr[INET6_ADDRSTRLEN];
    long retry = 1, length;
    const char *type = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    const char *size = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    bool form =
        type != NULL && strncasecmp(type, FORM_TYPE, strlen(FORM_TYPE)) == 0 &&
        (type[strlen(FORM_TYPE)] == '\0' || type[strlen(FORM_TYPE)] == ';');
    bool sized = size == NULL || hb_parse_long(size, 0, BODY_MAX, &length);
    /* A module's request that passes every check here is counted once its
     * body is read, with its signature (relay_admit): on a shared store,
     * one round trip for both. */
    bool counted_later =
        wants_post && post && relay_auth_present(c) && form && sized;
    /* Every other refusal below is of a phone's request (or of a path
     * nobody serves): a failure, which spends the phone budget. */
    bool phone = !wants_post && route != R_HEALTH;

    rq->answered = true; /* until every check below has passed */
    relay_net_client(r->net, c, &client);
    /* The route, not the path: a short link's id lets its holder see
     * the login's context. A query (a code) is never in url. */
    relay_log(r, RELAY_DEBUG, "request %s %s from %s%s", method,
              route_name(route), address_text(&client, addr, sizeof(addr)),
              modules_only ? " (module port)" : "");
    /* A module route's request refused here is not signed, so it spends
     * the unsigned budget, never the one the module's own requests need
     * (nor the phones'). Phones' requests are counted only when they
     * fail: a live login's own are served whatever its address did. */
    if (wants_post && !counted_later &&
        !relay_store_rate_allow(
            r->store, RELAY_BUDGET_UNSIGNED,
            relay_client_who((const struct sockaddr *)&client, who), &retry))
        return relay_not_admitted(r, c, "request", RELAY_LIMITED, retry);
    /* A phone sent to the module port would meet its small pool. */
    if (route == R_NONE || (modules_only && (route == R_PAGE || route == R_CB)))
        return refuse(r, c, phone, MHD_HTTP_NOT_FOUND, "not found", NULL, NULL);
    if (route == R_PAGE && relay_net_count(r->net) > sv->pages_until)
        return relay_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
                                MHD_HTTP_HEADER_RETRY_AFTER, "1");
    if (wants_post ? !post : !(get || page_post))
        return refuse(r, c, phone, MHD_HTTP_METHOD_NOT_ALLOWED,
                      "method not allowed", MHD_HTTP_HEADER_ALLOW,
                      wants_post        ? "POST"
                      : route == R_PAGE ? "GET, HEAD, POST"
                                        : "GET, HEAD");
    /* Refused before the body is read: only modules of the fleet sign. */
    if (wants_post && !relay_auth_present(c))
        return relay_send_error(c, MHD_HTTP_UNAUTHORIZED, "unauthenticated",
                                MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "HMAC-SHA256");
    if (!wants_post && !page_post) {
        rq->answered = false;
        return MHD_YES;
    }
    if (!form)
        return refuse(r, c, phone, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                      "form expected", NULL, NULL);
    /* Refused before reading when the client says up front it is too big. */
    if (!sized)
        return refuse(r, c, phone, MHD_HTTP_CONTENT_TOO_LARGE, "too large",
                      NULL, NULL);
    rq->cap = size != NULL ? (size_t)length : BODY_MAX;
    rq->answered = false;
    return MHD_YES;
}

/* Whether a module route's request that is refused for what it is (no
 * good signature, too large) may still be answered: counted in the
 * client address's unsigned budget. */
static bool unsigned_allowed(const struct relay *r, struct MHD_Connection *c,
                             long *retry)
{
    struct sockaddr_storage client;
    char who[RELAY_WHO_MAX + 1];

    relay_net_client(r->net, c, &client);
    return relay_store_rate_allow(
        r->store, RELAY_BUDGET_UNSIGNED,
        relay_client_who((const struct sockaddr *)&client, who), retry);
}

/* A request whose signature does not hold: logged, as only a module
 * with a wrong key or clock (or someone without the key) sends one. */
static enum MHD_Result refuse_unsigned(const struct relay *r,
                                       struct MHD_Connection *c,
                                       const char *what, const char *why)
{
    relay_log(r, RELAY_WARNING, "refused an unauthenticated %s: %s", what, why);
    return relay_send_error(
        c,
        strcmp(why, "internal") == 0 ? MHD_HTTP_INTERNAL_SERVER_ERROR
                                     : MHD_HTTP_UNAUTHORIZED,
        why, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "HMAC-SHA256");
}

enum MHD_Result relay_handle(void *cls, struct MHD_Connection *c,
                             const char *url, const char *method,
                             const char *version, const char *upload,
                             size_t *upload_size, void **con_cls)
{
    const struct listener *l = cls;
    struct server *sv = l->sv;
    struct request *rq = *con_cls;
    char none[1] = "";
    char *body;
    enum MHD_Result ret;
    enum relay_route route;
    struct sockaddr_storage client;
    struct relay_signed signed_rq;
    const char *why, *what;
    long retry = 1;

    (void)version;
    if (rq != NULL && rq->waiter != NULL)
        return relay_poll_resumed(&sv->relay, c, &rq->waiter);
    if (rq == NULL) {
        rq = calloc(1, sizeof(*rq));
        if (rq == NULL)
            return MHD_NO;
        *con_cls = rq;
        atomic_fetch_add(&sv->in_flight, 1);
        return first_call(sv, l->modules_only, c, url, method, rq);
    }
    if (*upload_size != 0) {
        /* Over the cap the rest is read and dropped, then answered 413. */
        rq->too_big = rq->too_big || *upload_size > rq->cap - rq->len;
        if (!rq->answered && !rq->too_big && rq->body == NULL) {
            rq->body = calloc(1, rq->cap + 1);
            rq->too_big = rq->body == NULL;
        }
        if (!rq->answered && !rq->too_big) {
            memcpy(rq->body + rq->len, upload, *upload_size);
            rq->len += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->answered)
        return MHD_YES;
    rq->answered = true;
    /* Received whole: no deadline while it is answered (a long poll). */
    relay_net_handling(sv->relay.net, c);
    route = relay_route_of(url);
    /* A module route's body past the cap was not counted yet (its
     * signature was never read). */
    if (rq->too_big &&
        (route == R_SESSIONS || route == R_POLL || route == R_PING) &&
        !unsigned_allowed(&sv->relay, c, &retry))
        return relay_not_admitted(&sv->relay, c, "request", RELAY_LIMITED,
                                  retry);
    if (rq->too_big)
        return refuse(&sv->relay, c, route == R_PAGE,
                      MHD_HTTP_CONTENT_TOO_LARGE, "too large", NULL, NULL);
    body = rq->body != NULL ? rq->body : none;
    /* Answered here, not on the first call, which would cost keep-alive. */
    switch (route) {
    case R_HEALTH:
        return relay_do_health(&sv->relay, c);
    case R_PAGE:
        if (strcmp(method, MHD_HTTP_METHOD_POST) == 0)
            ret = relay_do_continue(&sv->relay, c, url + 3, body, rq->len);
        else
            ret = relay_do_page(&sv->relay, c, url + 3);
        drop_body(rq);
        return ret;
    case R_CB:
        return relay_do_callback(&sv->relay, c);
    default:
        break;
    }
    relay_net_client(sv->relay.net, c, &client);
    signed_rq.client = (const struct sockaddr *)&client;
    what = route == R_SESSIONS ? "registration"
           : route == R_PING   ? "ping"
                               : "poll";
    why = relay_auth_verify(sv->relay.auth, c, method, url, body, rq->len,
                            &signed_rq);
    if (why != NULL) {
        /* Counted as well, so a flood of bad signatures is limited too;
         * in the unsigned budget, which the module's own never spend. */
        if (!unsigned_allowed(&sv->relay, c, &retry))
            ret = relay_not_admitted(&sv->relay, c, what, RELAY_LIMITED, retry);
        else
            ret = refuse_unsigned(&sv->relay, c, what, why);
    } else if (route == R_POLL) {
        /* Admitted with its first look: one step on a shared store. */
        ret = relay_do_poll(&sv->relay, c, &signed_rq, body, rq->len,
                            &rq->waiter);
    } else {
        enum relay_result rc =
            relay_admit(sv->relay.auth, sv->relay.store, &signed_rq, &retry);
        ret = rc != RELAY_OK
                  ? relay_not_admitted(&sv->relay, c, what, rc, retry)
              : route == R_SESSIONS
                  ? relay_do_register(&sv->relay, c, body, rq->len)
                  : relay_do_ping(&sv->relay, c);
    }
    hb_wipe(signed_rq.mac, sizeof(signed_rq.mac));
    /* The secret is not needed while the poll waits. */
    drop_body(rq);
    return ret;
}

void relay_request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    const struct listener *l = cls;
    struct server *sv = l->sv;
    struct request *rq = *con_cls;

    (void)toe;
    relay_net_answered(sv->relay.net, c);
    if (rq == NULL)
        return;
    /* A poll whose client left while it was being resumed. */
    relay_wait_free(sv->relay.waits, rq->waiter);
    drop_body(rq);
    hb_wipe(rq, sizeof(*rq));
    free(rq);
    *con_cls = NULL;
    atomic_fetch_sub(&sv->in_flight, 1);
}

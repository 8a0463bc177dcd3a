/* haobtc-relay's view of who a client is: the connection's address, or,
 * on a connection from a trusted proxy, the last X-Forwarded-For hop that
 * is not itself a trusted proxy. */
#include "autoconf.h"

#include "relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TRUSTED_MAX 32
#define XFF_MAX 2048

struct addr {
    int family; /* AF_INET or AF_INET6; v4-mapped IPv6 is kept as AF_INET */
    unsigned char bytes[16];
};

struct relay_net {
    struct addr trusted[TRUSTED_MAX];
    size_t n_trusted;
};

static bool parse_addr(const char *s, size_t len, struct addr *out)
{
    char buf[64];

    /* "[v6]" as some proxies write it. */
    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
        s++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, out->bytes) == 1) {
        out->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, buf, out->bytes) != 1)
        return false;
    out->family = AF_INET6;
    if (IN6_IS_ADDR_V4MAPPED((struct in6_addr *)(void *)out->bytes)) {
        memmove(out->bytes, out->bytes + 12, 4);
        memset(out->bytes + 4, 0, 12);
        out->family = AF_INET;
    }
    return true;
}

static void from_sockaddr(const struct sockaddr *sa, struct addr *out)
{
    memset(out, 0, sizeof(*out));
    if (sa != NULL && sa->sa_family == AF_INET) {
        out->family = AF_INET;
        memcpy(out->bytes,
               &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa != NULL && sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 =
            &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6)) {
            out->family = AF_INET;
            memcpy(out->bytes, a6->s6_addr + 12, 4);
        } else {
            out->family = AF_INET6;
            memcpy(out->bytes, a6->s6_addr, 16);
        }
    }
}

static void to_sockaddr(const struct addr *a, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof(*out));
    if (a->family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)out;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, a->bytes, 4);
    } else if (a->family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)out;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, a->bytes, 16);
    }
}

static bool is_trusted(const struct relay_net *n, const struct addr *a)
{
    for (size_t i = 0; i < n->n_trusted; i++) {
        if (n->trusted[i].family == a->family &&
            memcmp(n->trusted[i].bytes, a->bytes, 16) == 0)
            return true;
    }
    return false;
}

struct relay_net *relay_net_new(const char *trusted)
{
    struct relay_net *n = calloc(1, sizeof(*n));
    const char *p = trusted;

    if (n == NULL)
        return NULL;
    while (p != NULL && *p != '\0') {
        size_t len = strcspn(p, ",");
        while (len > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (n->n_trusted == TRUSTED_MAX ||
            !parse_addr(p, len, &n->trusted[n->n_trusted])) {
            fprintf(stderr,
                    "haobtc-relay: --trusted-proxy: want numeric addresses "
                    "separated by commas (at most %d)\n",
                    TRUSTED_MAX);
            free(n);
            return NULL;
        }
        n->n_trusted++;
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    return n;
}

void relay_net_free(struct relay_net *n)
{
    free(n);
}

bool relay_net_is_trusted(const struct relay_net *n, const struct sockaddr *sa)
{
    struct addr a;

    from_sockaddr(sa, &a);
    return a.family != 0 && is_trusted(n, &a);
}

struct xff {
    char text[XFF_MAX];
    size_t len;
    bool overflow;
};

/* Every X-Forwarded-For header, in order, joined with commas: a client
 * can send its own, and the proxy's hop is the last one. */
static enum MHD_Result collect_xff(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *value)
{
    struct xff *x = cls;
    size_t n;

    (void)kind;
    if (strcasecmp(key, "X-Forwarded-For") != 0 || value == NULL)
        return MHD_YES;
    n = strlen(value);
    if (x->len + n + 2 > sizeof(x->text)) {
        /* Keep the right end, which is the part that counts. */
        x->overflow = true;
        x->len = 0;
        if (n + 1 > sizeof(x->text))
            return MHD_YES;
    }
    if (x->len > 0)
        x->text[x->len++] = ',';
    memcpy(x->text + x->len, value, n);
    x->len += n;
    x->text[x->len] = '\0';
    return MHD_YES;
}

void relay_net_client(const struct relay_net *n, struct MHD_Connection *c,
                      struct sockaddr_storage *out)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct addr peer, hop, last_trusted;
    struct xff x = {.len = 0};

    from_sockaddr(ci != NULL ? ci->client_addr : NULL, &peer);
    to_sockaddr(&peer, out);
    if (peer.family == 0 || !is_trusted(n, &peer))
        return;
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_xff, &x);
    last_trusted = peer;
    /* From the right: hops our proxies added, until the first that is
     * not one of them; a hop that is not an address ends the walk. */
    for (size_t end = x.len; end > 0;) {
        size_t start = end;
        while (start > 0 && x.text[start - 1] != ',')
            start--;
        const char *s = x.text + start;
        size_t len = end - start;
        while (len > 0 && (*s == ' ' || *s == '\t')) {
            s++;
            len--;
        }
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (!parse_addr(s, len, &hop))
            break;
        if (!is_trusted(n, &hop)) {
            to_sockaddr(&hop, out);
            return;
        }
        last_trusted = hop;
        end = start > 0 ? start - 1 : 0;
    }
    to_sockaddr(&last_trusted, out);
}

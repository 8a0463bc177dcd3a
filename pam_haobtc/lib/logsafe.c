/* SPDX-License-Identifier: BSD-2-Clause */
/* What may reach a log line: text a caller chose (a user name, a remote
 * host), made printable ASCII before it is formatted into a message. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <string.h>

#include "logsafe.h"

size_t hb_log_escape(const char *in, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = 0;
    if (out == NULL || n == 0)
        return 0;
    for (; in != NULL && *in != '\0'; in++) {
        unsigned char c = (unsigned char)*in;
        /* Room for the longest form (4 bytes) plus the NUL is checked per
         * byte, so an escape is written whole or not at all. */
        if (c == '\\') {
            if (n - len < 3)
                break;
            out[len++] = '\\';
            out[len++] = '\\';
        } else if (c < 0x20 || c >= 0x7f) {
            if (n - len < 5)
                break;
            out[len++] = '\\';
            out[len++] = 'x';
            out[len++] = hex[c >> 4];
            out[len++] = hex[c & 0x0f];
        } else {
            if (n - len < 2)
                break;
            out[len++] = (char)c;
        }
    }
    out[len] = '\0';
    return len;
}

static bool is_alnum_ascii(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

/* An interface name as it may follow '%' in a link-local address. */
static bool scope_is_valid(const char *scope)
{
    size_t len = 0;
    for (; scope[len] != '\0'; len++) {
        unsigned char c = (unsigned char)scope[len];
        if (len + 1 >= IF_NAMESIZE ||
            !(is_alnum_ascii(c) || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return len > 0;
}

static bool ipv6_is_valid(const char *host)
{
    char addr[INET6_ADDRSTRLEN];
    struct in6_addr bin;
    const char *pct = strchr(host, '%');
    size_t len = pct != NULL ? (size_t)(pct - host) : strlen(host);
    if (len >= sizeof(addr))
        return false;
    memcpy(addr, host, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET6, addr, &bin) != 1)
        return false;
    return pct == NULL || scope_is_valid(pct + 1);
}

static bool dns_name_is_valid(const char *host)
{
    size_t label = 0;
    unsigned char prev = '\0';
    for (const char *p = host; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.') {
            /* A leading or doubled dot leaves an empty label; a label
             * may not end in '-'. */
            if (label == 0 || prev == '-')
                return false;
            label = 0;
        } else if (is_alnum_ascii(c) || c == '_' || (c == '-' && label > 0)) {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
        prev = c;
    }
    /* The last label may be empty only after a trailing dot. */
    return label > 0 ? prev != '-' : prev == '.';
}

bool hb_host_is_valid(const char *host)
{
    struct in_addr v4;
    if (host == NULL || host[0] == '\0' ||
        strnlen(host, NI_MAXHOST) >= NI_MAXHOST)
        return false;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return true;
    if (strchr(host, ':') != NULL)
        return ipv6_is_valid(host);
    return dns_name_is_valid(host);
}

/* Placeholder until the reviewed version lands. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "logsafe.h"

size_t hb_log_escape(const char *in, char *out, size_t n)
{
    size_t k = 0;
    if (n == 0)
        return 0;
    for (; in != NULL && *in != '\0'; in++) {
        unsigned char c = (unsigned char)*in;
        char esc[5];
        size_t len = 1;
        if (c < 0x20 || c >= 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", c);
            len = 4;
        } else if (c == '\\') {
            memcpy(esc, "\\\\", 2);
            len = 2;
        } else {
            esc[0] = (char)c;
        }
        if (k + len >= n)
            break;
        memcpy(out + k, esc, len);
        k += len;
    }
    out[k] = '\0';
    return k;
}

bool hb_host_is_valid(const char *host)
{
    unsigned char buf[16];
    return host != NULL && inet_pton(AF_INET, host, buf) == 1;
}

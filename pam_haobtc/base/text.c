/* SPDX-License-Identifier: BSD-2-Clause */
/* Numbers, trimming and base64url, one copy for every program. */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool hb_parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    long v;

    /* strtol would also take leading blanks and a '+'. */
    if (s == NULL || !(isdigit((unsigned char)s[0]) || s[0] == '-'))
        return false;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool hb_parse_duration(const char *s, long min, long max, long *out)
{
    size_t n = strlen(s);
    long unit = 1;
    char digits[24];
    if (n == 0 || n >= sizeof(digits))
        return false;
    memcpy(digits, s, n + 1);
    switch (digits[n - 1]) {
    case 'd':
        unit *= 24;
        __attribute__((fallthrough));
    case 'h':
        unit *= 60;
        __attribute__((fallthrough));
    case 'm':
        unit *= 60;
        __attribute__((fallthrough));
    case 's':
        digits[n - 1] = '\0';
        break;
    default:
        break;
    }
    long v = 0;
    if (!hb_parse_long(digits, 0, max, &v) || v > max / unit)
        return false;
    v *= unit;
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

char *hb_trim(char *s)
{
    char *end = s + strlen(s);

    while (*s == ' ' || *s == '\t')
        s++;
    while (end > s && strchr(" \t\r\n", end[-1]) != NULL)
        *--end = '\0';
    return s;
}

void hb_b64url(const unsigned char *in, size_t n, char *out)
{
    unsigned acc = 0;
    int bits = 0;
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8 | in[i]) & 0xffff;
        for (bits += 8; bits >= 6; bits -= 6)
            out[o++] = b64url_alphabet[(acc >> (bits - 6)) & 63];
    }
    /* The bits left over (2 or 4) make one more character. */
    if (bits > 0)
        out[o++] = b64url_alphabet[(acc << (6 - bits)) & 63];
    out[o] = '\0';
}

bool hb_is_b64url(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\0' || strchr(b64url_alphabet, s[i]) == NULL)
            return false;
    }
    return true;
}

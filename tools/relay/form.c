/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's form bodies (application/x-www-form-urlencoded), from the
 * modules and from the phone alike: decoded in place, named fields only. */
#include "autoconf.h"

#include "relay.h"

#include <string.h>

/* In place: decoded text is never longer than its encoding. */
static bool form_decode(char *s, size_t n, size_t *out_len)
{
    static const char hex[] = "0123456789abcdef0123456789ABCDEF";
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        const char *hi, *lo;

        if (s[i] != '%') {
            s[o++] = s[i] == '+' ? ' ' : s[i];
            continue;
        }
        hi = i + 2 < n && s[i + 1] != '\0' ? strchr(hex, s[i + 1]) : NULL;
        lo = hi != NULL && s[i + 2] != '\0' ? strchr(hex, s[i + 2]) : NULL;
        if (lo == NULL)
            return false;
        s[o++] = (char)((hi - hex) % 16 * 16 + (lo - hex) % 16);
        i += 2;
    }
    *out_len = o;
    return true;
}

bool relay_form_parse(char *body, size_t len, struct relay_field *f, size_t nf)
{
    char *p = body, *end = body + len;

    while (p < end) {
        char *stop = memchr(p, '&', (size_t)(end - p));
        char *eq, *val;
        size_t klen, vlen;

        if (stop == NULL)
            stop = end;
        eq = memchr(p, '=', (size_t)(stop - p));
        val = eq != NULL ? eq + 1 : stop;
        if (!form_decode(p, (size_t)((eq != NULL ? eq : stop) - p), &klen) ||
            !form_decode(val, (size_t)(stop - val), &vlen))
            return false;
        for (size_t i = 0; i < nf; i++) {
            if (strlen(f[i].name) != klen || memcmp(f[i].name, p, klen) != 0)
                continue;
            if (f[i].value != NULL)
                return false;
            val[vlen] = '\0';
            f[i].value = val;
            f[i].len = vlen;
        }
        p = stop + 1;
    }
    return true;
}

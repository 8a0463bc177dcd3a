/* SPDX-License-Identifier: BSD-2-Clause */
/* Secrets: wiping and kernel randomness. */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "secure.h"

void hb_wipe(void *p, size_t n)
{
    if (p == NULL || n == 0)
        return;
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(p, n);
#else
    /* A store through a volatile pointer is one the compiler must keep. */
    volatile unsigned char *v = p;
    while (n-- > 0)
        *v++ = 0;
#endif
}

bool hb_ct_equal(const void *a, const void *b, size_t n)
{
    /* Every byte is read whatever came before: volatile keeps the
     * compiler from stopping at the first difference. */
    const volatile unsigned char *x = a, *y = b;
    unsigned char diff = 0;

    for (size_t i = 0; i < n; i++)
        diff |= x[i] ^ y[i];
    return diff == 0;
}

void hb_free_secret(char **s)
{
    if (s == NULL || *s == NULL)
        return;
    hb_wipe(*s, strlen(*s));
    free(*s);
    *s = NULL;
}

bool hb_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += got;
        n -= (size_t)got;
    }
    return true;
}

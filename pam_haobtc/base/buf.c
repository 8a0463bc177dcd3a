/* SPDX-License-Identifier: BSD-2-Clause */
/* The wiped growing buffer. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "secure.h"

#define BUF_FIRST_CAP 1024

static bool grow(struct hb_buf *b, size_t need)
{
    size_t cap = b->cap != 0 ? b->cap : BUF_FIRST_CAP;
    char *bigger;

    while (cap < need)
        cap *= 2;
    if (b->max != 0 && cap > b->max + 1)
        cap = b->max + 1;
    bigger = malloc(cap);
    if (bigger == NULL)
        return false;
    if (b->data != NULL) {
        memcpy(bigger, b->data, b->len + 1);
        hb_wipe(b->data, b->cap);
        free(b->data);
    }
    b->data = bigger;
    b->cap = cap;
    return true;
}

bool hb_buf_addn(struct hb_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return false;
    if ((b->max != 0 && n > b->max - b->len) ||
        (b->cap - b->len <= n && !grow(b, b->len + n + 1))) {
        b->failed = true;
        return false;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool hb_buf_add(struct hb_buf *b, const char *s)
{
    return hb_buf_addn(b, s, strlen(s));
}

bool hb_buf_add_html(struct hb_buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        const char *e = *s == '&'    ? "&amp;"
                        : *s == '<'  ? "&lt;"
                        : *s == '>'  ? "&gt;"
                        : *s == '"'  ? "&quot;"
                        : *s == '\'' ? "&#39;"
                                     : NULL;
        if (!(e != NULL ? hb_buf_add(b, e) : hb_buf_addn(b, s, 1)))
            return false;
    }
    return true;
}

char *hb_buf_take(struct hb_buf *b, size_t *len)
{
    char *data = b->data;

    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
    return data;
}

void hb_buf_wipe(struct hb_buf *b)
{
    if (b->data != NULL) {
        hb_wipe(b->data, b->cap);
        free(b->data);
    }
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

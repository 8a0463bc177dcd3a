/* SPDX-License-Identifier: BSD-2-Clause */
/* A growing text buffer that may hold secrets (a token in an HTTP body, a
 * code on a page): it never leaves an unwiped copy behind when it grows or
 * is freed, which realloc would. */
#ifndef HB_BUF_H
#define HB_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct hb_buf {
    char *data; /* NUL-terminated once anything was added */
    size_t len;
    size_t cap;
    size_t max;  /* longest text allowed; 0 for no limit */
    bool failed; /* out of memory or over max: the text is incomplete */
};

/* False (and failed set) when out of memory or the text would pass max. */
bool hb_buf_addn(struct hb_buf *b, const char *s, size_t n);
bool hb_buf_add(struct hb_buf *b, const char *s);
/* Escaped for HTML text and quoted attributes alike. */
bool hb_buf_add_html(struct hb_buf *b, const char *s);
/* Hands the text over (the caller wipes and frees it); b is emptied. */
char *hb_buf_take(struct hb_buf *b, size_t *len);
/* Wipes and frees the text; b can be used again. */
void hb_buf_wipe(struct hb_buf *b);

#endif

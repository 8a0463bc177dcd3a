/* SPDX-License-Identifier: BSD-2-Clause */
/* Small text chores that the module's library, the helper, the relay and
 * the mock all need: numbers, trimming, base64url. */
#ifndef HB_TEXT_H
#define HB_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The whole of s is a decimal number within [min, max]: nothing before or
 * after it, no overflow. *out is left alone otherwise. */
bool hb_parse_long(const char *s, long min, long max, long *out);

/* "90m", "8h", "7d", "30s" or "3600" (seconds) within [min, max] seconds
 * into *out; nothing else around it. */
bool hb_parse_duration(const char *s, long min, long max, long *out);
/* Skips leading blanks and cuts trailing blanks and line ends in place. */
char *hb_trim(char *s);

/* Characters base64url without padding needs for n bytes, without the NUL. */
#define HB_B64URL_LEN(n) (((n)*4 + 2) / 3)
/* Writes HB_B64URL_LEN(n) characters and a NUL to out. */
void hb_b64url(const unsigned char *in, size_t n, char *out);
/* Every one of the len bytes is a base64url character. */
bool hb_is_b64url(const char *s, size_t len);

#endif

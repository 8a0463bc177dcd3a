/* SPDX-License-Identifier: BSD-2-Clause */
/* Handling of secrets on both sides of the helper: wiping and kernel
 * randomness (no crypto library, so the module links none). */
#ifndef HB_SECURE_H
#define HB_SECURE_H

#include <stdbool.h>
#include <stddef.h>

void hb_wipe(void *p, size_t n);
/* Wipes a NUL-terminated string, frees it, and clears the pointer. */
void hb_free_secret(char **s);
/* Whether a and b hold the same n bytes, in a time that does not depend on
 * where they differ (secrets, MACs, tokens). */
bool hb_ct_equal(const void *a, const void *b, size_t n);
/* Fills buf from getrandom(); false if the kernel could not. */
bool hb_random_bytes(void *buf, size_t n);

/* The one way to drop a const, for two cases only: a secret in storage
 * that a library owns and hands out read-only (json-c's strings) and
 * offers no call to clear, right before that storage is released; and a
 * read-only buffer given to an API that takes void * but only reads it
 * (libmicrohttpd's MHD_RESPMEM_MUST_COPY). */
static inline void *hb_drop_const(const void *p)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
    return (void *)p;
#pragma GCC diagnostic pop
}

#endif

/* Handling of secrets on both sides of the helper: wiping and kernel
 * randomness (no crypto library, so the module links none). */
#ifndef HB_SECURE_H
#define HB_SECURE_H

#include <stdbool.h>
#include <stddef.h>

void hb_wipe(void *p, size_t n);
/* Wipes a NUL-terminated string, frees it, and clears the pointer. */
void hb_free_secret(char **s);
/* Fills buf from getrandom(); false if the kernel could not. */
bool hb_random_bytes(void *buf, size_t n);

/* The one way to drop a const: for a secret in storage that a library
 * owns and hands out read-only (json-c's strings) and offers no call to
 * clear, right before that storage is released. */
static inline void *hb_owned_bytes(const void *p)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
    return (void *)p;
#pragma GCC diagnostic pop
}

#endif

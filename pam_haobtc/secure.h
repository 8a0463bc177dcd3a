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

#endif

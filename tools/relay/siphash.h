/* SPDX-License-Identifier: BSD-2-Clause */
/* The memory store's keyed hash (store.c), declared apart so that a test
 * can hold it to the published SipHash vectors. */
#ifndef HB_RELAY_SIPHASH_H
#define HB_RELAY_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 of data under the key: key[0] is the key's first 8 bytes
 * read little-endian, key[1] the next 8. */
uint64_t relay_siphash24(const uint64_t key[2], const void *data, size_t len);

#endif

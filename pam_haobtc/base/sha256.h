/* SPDX-License-Identifier: BSD-2-Clause */
/* SHA-256 with libc only, for what the module itself must hash (an SSH
 * key's fingerprint, a map line): the module links no crypto library, and
 * digest.h's GnuTLS stays in the helper. Nothing secret goes through it. */
#ifndef HB_SHA256_H
#define HB_SHA256_H

#include <stddef.h>

#define HB_SHA256_LEN 32

void hb_sha256(const void *in, size_t n, unsigned char out[HB_SHA256_LEN]);

/* Standard base64 (RFC 4648 section 4) without padding, as ssh-keygen
 * prints fingerprints: 4 * n / 3 rounded up characters and a NUL. */
#define HB_B64_NOPAD_LEN(n) (((n)*4 + 2) / 3)
void hb_b64_nopad(const unsigned char *in, size_t n, char *out);

/* Decodes standard base64 (padding optional, no blanks) into out (room
 * for max bytes); the decoded length, or -1 when s is not base64 or does
 * not fit. */
long hb_b64_decode(const char *s, size_t len, unsigned char *out, size_t max);

#endif

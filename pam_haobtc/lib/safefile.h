/* SPDX-License-Identifier: BSD-2-Clause */
/* Reading a root-owned file that nobody else may change (or read). */
#ifndef HB_SAFEFILE_H
#define HB_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "status.h"

#define HB_SAFEFILE_MAX (64 * 1024)

/* Opens with O_NOFOLLOW, requires a regular file owned by owner (normally
 * root) not writable by group or others, and when secret also not readable
 * by them; reads at most HB_SAFEFILE_MAX bytes into a NUL-terminated
 * buffer. Rejects embedded NUL bytes. mode (may be NULL) gets the file's
 * permission bits. */
enum hb_status hb_read_safe_file(const char *path, uid_t owner, bool secret,
                                 char **out, size_t *out_len, mode_t *mode,
                                 struct hb_error *err);

struct hb_finding_text;
/* What to do, in one sentence, about a file that hb_read_safe_file
 * refused, judged from the file as it is now (missing, a symbolic link,
 * not root's, too open, or its content): a finding text, so that it reads
 * in the reader's language; it keeps path. */
void hb_safe_file_fix(const char *path, bool secret,
                      struct hb_finding_text *fix);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* What may reach a log line: escaping for text a caller chose, and the rule
 * a remote host name must pass. */
#ifndef HB_LOGSAFE_H
#define HB_LOGSAFE_H

#include <stdbool.h>
#include <stddef.h>

/* Copies in to out (size n, always NUL-terminated when n > 0), writing
 * every control byte, DEL, every byte >= 0x80 and the backslash as \xNN
 * (lower-case hex) or \\, so the result is printable ASCII and cannot start
 * a new log line or reorder one on a terminal (bidi overrides). Stops
 * before an escape that would not fit whole. NULL in writes "". Returns
 * the length written, without the NUL. */
size_t hb_log_escape(const char *in, char *out, size_t n);

/* Whether host is fit for PAM_RHOST: an IPv4 address, an IPv6 address
 * with an optional %scope, or a DNS name whose labels are [A-Za-z0-9_-]
 * (underscores occur in real names and are harmless), 1 to 63 bytes, not
 * starting or ending with '-', with an optional final dot, shorter than
 * NI_MAXHOST in all. */
bool hb_host_is_valid(const char *host);

#endif

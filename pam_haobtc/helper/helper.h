/* SPDX-License-Identifier: BSD-2-Clause */
/* The helper's side of one login: everything that touches the network or
 * the client secret, driven by the module over the socketpair. */
#ifndef HB_HELPER_H
#define HB_HELPER_H

/* The descriptor the module hands the helper its socketpair on. */
#define HB_HELPER_FD 3

#include <stdbool.h>
#include <time.h>

struct hb_wire;

/* The login's deadline as the module sent it (Unix seconds): a moment ago
 * it was now plus a timeout of 5 to 3600 s. */
bool hb_helper_parse_deadline(const char *s, time_t *out);

/* Serves one login on fd until it ends; returns the exit status. */
int hb_helper_serve(int fd);
/* Serves haobtc-login check, whose first frame (CHECK) is in: one RESULT
 * frame per finding, then CHECKED; returns the exit status. */
int hb_helper_serve_check(int fd, struct hb_wire *in);
/* Serves a break-glass attempt's question, whose first frame (PROBE) is
 * in: one REACH frame (or ERROR); returns the exit status. */
int hb_helper_serve_reach(int fd, struct hb_wire *in);

#endif

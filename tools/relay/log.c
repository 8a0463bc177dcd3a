/* SPDX-License-Identifier: BSD-2-Clause */
/* The relay's one way to its log: every message, from every thread and
 * every part (the store, Redis, libmicrohttpd's own), passes here, where
 * --quiet and --debug decide what is written. */
#include "autoconf.h"

#include <stdarg.h>
#include <stdio.h>

#include "relay.h"

/* Set once by main before any thread starts. */
static enum relay_level log_max = RELAY_INFO;

void relay_log_level(enum relay_level max)
{
    log_max = max;
}

void relay_log(const struct relay *r, enum relay_level level, const char *fmt,
               ...)
{
    FILE *out = r != NULL && r->log != NULL ? r->log : stderr;
    va_list ap;

    if (level > log_max)
        return;
    /* Locked, so lines from connection threads do not interleave. */
    flockfile(out);
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
    funlockfile(out);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Whole small files: keys, certificates and secrets read by the daemons
 * (not the module's root-owned files: safefile.h checks those), and the
 * port files the tests read. */
#ifndef HB_FILES_H
#define HB_FILES_H

#include <stdbool.h>
#include <stddef.h>

/* The file's text with a NUL after it, NULL with errno set when it cannot
 * be read or is longer than max (EFBIG). The caller wipes it if secret. */
char *hb_read_small_file(const char *path, size_t max, size_t *len);

/* Writes "PORT\n" beside path and renames it there, so a reader polling
 * for the file never sees half a number. */
bool hb_write_port_file(const char *path, unsigned port);

#endif

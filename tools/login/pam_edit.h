/* SPDX-License-Identifier: BSD-2-Clause */
/* A PAM service file as bytes, read line by line as libpam reads it, and
 * the marked block haobtc-login enable writes into it. Positions are byte
 * offsets into the file; a line's range ends after its newline. */
#ifndef HB_PAM_EDIT_H
#define HB_PAM_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define PAM_BLOCK_BEGIN "# haobtc (haobtc-login enable)"
#define PAM_BLOCK_END "# end haobtc"
/* A line quoted in a finding is cut after this many bytes. */
#define PAM_QUOTE_MAX 160

/* The file's bytes, as they are, and what it was when read. */
struct pam_text {
    char *b;
    size_t len;
    struct stat st;
};

/* The line number of the byte at at. */
unsigned pam_text_line_no(const struct pam_text *f, size_t at);
/* The first line that reads file's auth lines ("@include FILE", or an
 * auth include or substack of it), as [*at, *end). */
bool pam_text_reader(const struct pam_text *f, const char *file, size_t *at,
                     size_t *end);
/* The first auth (or -auth) line. */
bool pam_text_auth(const struct pam_text *f, size_t *at, size_t *end);
/* The first module line from from on that names pam_haobtc.so, or a slip
 * of that name, in any type. */
bool pam_text_module(const struct pam_text *f, size_t from, size_t *at,
                     size_t *end);
/* The marked block from from on: [*at, *end), with its one line at
 * [*inner, *inner_end). 1 found, 0 none, -1 a begin mark without the end
 * mark two lines later (*at set). */
int pam_text_block(const struct pam_text *f, size_t from, size_t *at,
                   size_t *inner, size_t *inner_end, size_t *end);
/* [at, end) on one line and at most PAM_QUOTE_MAX bytes, for a finding. */
void pam_text_quote(const struct pam_text *f, size_t at, size_t end, char *out,
                    size_t size);
/* A path's last part. */
const char *pam_file_name(const char *path);

#endif

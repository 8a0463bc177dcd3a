/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers shared by the C tests: scratch files, the mock provider's
 * control endpoints, and configs pointing at it. */
#ifndef HB_TESTUTIL_H
#define HB_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>
#include <cmocka.h>

/* A fresh directory under HB_TEST_DIR (or /tmp) for one test. */
const char *tu_dir(void);
/* Writes name in tu_dir() with content and mode; returns a static path
 * copy the caller frees. */
char *tu_file(const char *name, const char *content, mode_t mode);
/* An environment variable the driver sets; fails the test when absent. */
const char *tu_env(const char *name);
/* A config for the mock: site_url, ca_file, client_id, client_secret and
 * map_file set, extra lines appended ("key = value\n..."). */
char *tu_conf(const char *extra);
/* The same config written at path (mode 0600); returns path copied. */
char *tu_conf_at(const char *path, const char *extra);
/* Writes content at path with mode. */
void tu_write(const char *path, const char *content, mode_t mode);
/* POSTs form to the mock's path; returns the body (caller frees). */
char *tu_mock_post(const char *path, const char *form);
char *tu_mock_get(const char *path);
/* GET (form NULL) or POST form to any URL trusted by the test CA. */
char *tu_fetch(const char *url, const char *form);
/* A top-level string or number member of a flat JSON body, or NULL. */
char *json_member(const char *body, const char *key);
/* The simulated phone: a fresh code for username and state, issued with
 * the PKCE S256 challenge (NULL for none, which a mock started with
 * --require-pkce refuses). */
char *tu_approve(const char *username, const char *state,
                 const char *challenge);
/* The same for the authorize link a login shows: its state and its
 * code_challenge, read from the link. */
char *tu_approve_link(const char *username, const char *link);
/* The value of name= in url's query, or NULL (caller frees). */
char *tu_query(const char *url, const char *name);
/* What a page without a relay shows for pasting: "CODE:TAG", the tag keyed
 * by the state (README, "Pasting without a relay"). Frees code. */
char *tu_paste_answer(const char *state, char *code);
/* How many lines of the file at path hold needle. */
int tu_lines_with(const char *path, const char *needle);
/* Sets a fault on the mock (mode "none" clears it). */
void tu_fault(const char *mode, const char *target, const char *extra);
long tu_stat(const char *name);
char *tu_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The whole file at path as a string (NULL when it cannot be read). */
char *tu_read_file(const char *path);

#endif

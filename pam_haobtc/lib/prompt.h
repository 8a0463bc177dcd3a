/* SPDX-License-Identifier: BSD-2-Clause */
/* What the person sees and types. */
#ifndef HB_PROMPT_H
#define HB_PROMPT_H

#include <stddef.h>
#include "config.h"
#include "lang.h"
#include "status.h"

#define HB_CODE_MAX 256
/* The tag after a pasted code's colon (CODE:TAG). */
#define HB_TAG_LEN 8

/* The terminal the prompt must fit: sshd's clients and consoles start at
 * 80x24. */
#define HB_COLUMNS 80

/* The single prompt in t's language: intro line, QR, link, question; the
 * sentences wrapped at HB_COLUMNS terminal columns, the link never. */
char *hb_prompt_build(const struct hb_config *cfg, const struct hb_texts *t,
                      const char *user, const char *host, const char *link,
                      bool can_poll);
/* The shorter prompt after a poll found nothing yet. */
char *hb_prompt_again(const struct hb_config *cfg, const struct hb_texts *t,
                      const char *link);
/* The terminal columns of s's first line (up to len bytes, a newline or
 * the end): CJK characters count two. */
size_t hb_text_columns(const char *s, size_t len);
/* text with line breaks so that no line is wider than width columns:
 * at a space, or between two characters where one is wide (Chinese has
 * no spaces), never inside a word; a word wider than width keeps its
 * line. NULL when out of memory. */
char *hb_wrap_columns(const char *text, size_t width);
/* An answer may be a code when it is 1..HB_CODE_MAX characters from the
 * URL-safe set or ':' (the page shows CODE:TAG; the helper, which holds
 * the tag key, checks the tag); surrounding blanks are trimmed in place. */
enum hb_status hb_answer_check(char *answer, struct hb_error *err);
/* Whether an answer has the shape the page shows, CODE:TAG (blanks around
 * it aside): under or_password everything else typed is the password. */
bool hb_answer_is_tagged(const char *answer);

/* The largest notice: every ssh client shows an info message this long
 * whole (clients up to 10.2 cut their log lines at about 1 KB). */
#define HB_NOTICE_MAX 1000

/* True when this login shows the challenge as info messages and waits on
 * the relay with no prompt: the code comes from the relay (can_poll), and
 * prompt = never, or prompt = auto for a service that shows info messages
 * at once. Those are every service but sshd, when the application's
 * standard output is a terminal (su, sudo and login print info messages
 * there but ask on the terminal, so "su -c cmd >file" keeps the prompt),
 * and sshd when sshd_instant_info says it is OpenSSH 10.3 or later.
 * service is PAM_SERVICE (NULL: a local one). */
bool hb_prompt_skipped(const struct hb_config *cfg, const char *service,
                       bool can_poll, bool stdout_is_terminal);
/* The first info message with no prompt: the sentence, the link and a
 * one-line hint (with or_password, a second: how to use the password), under
 * HB_NOTICE_MAX bytes; with ascii_only in English and all ASCII, otherwise in
 * t's language. NULL when the link cannot be shown that way (or out of memory).
 */
char *hb_notice_build(const struct hb_texts *t, const char *user,
                      const char *host, const char *link, bool ascii_only,
                      bool or_password);
/* Whether the notice must be ASCII for service: sshd's clients up to
 * 10.2 print info messages through their logger, escaping other bytes. */
bool hb_notice_ascii_only(const char *service);
/* text with number matching's line first (number 0: text as it is): the
 * number the phone must pick, in t's language (NULL: English ASCII, as a
 * notice over sshd must be). Takes text; NULL when out of memory. */
char *hb_number_first(const struct hb_texts *t, char *text, int number);
/* The second: the QR code alone, without its last newline; NULL with qr =
 * off (or out of memory). */
char *hb_notice_qr(const struct hb_config *cfg, const char *link);

#endif

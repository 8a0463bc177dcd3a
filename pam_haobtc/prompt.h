/* What the person sees and types. */
#ifndef HB_PROMPT_H
#define HB_PROMPT_H

#include <stddef.h>
#include "config.h"
#include "status.h"

#define HB_CODE_MAX 256

/* The single prompt: intro line, QR, link, question. */
char *hb_prompt_build(const struct hb_config *cfg, const char *user,
                      const char *host, const char *link, bool can_poll);
/* The shorter prompt after a poll found nothing yet. */
char *hb_prompt_again(const struct hb_config *cfg, const char *link);
/* An answer may be a code when it is 1..HB_CODE_MAX characters from the
 * URL-safe set or ':' (the page shows CODE:TAG; the helper, which holds
 * the tag key, checks the tag); surrounding blanks are trimmed in place. */
enum hb_status hb_answer_check(char *answer, struct hb_error *err);

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
 * one-line hint, all ASCII and under HB_NOTICE_MAX bytes; NULL when the
 * link cannot be shown that way (or out of memory). */
char *hb_notice_build(const char *user, const char *host, const char *link);
/* The second: the QR code alone, without its last newline; NULL with qr =
 * off (or out of memory). */
char *hb_notice_qr(const struct hb_config *cfg, const char *link);

#endif

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
/* An answer is a code when it is 1..HB_CODE_MAX characters from the
 * URL-safe set; surrounding blanks are trimmed in place. */
enum hb_status hb_answer_check(char *answer, struct hb_error *err);

#endif

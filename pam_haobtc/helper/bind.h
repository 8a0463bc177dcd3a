/* SPDX-License-Identifier: BSD-2-Clause */
/* Binding a pasted code to the login attempt that asked for it: the page
 * that shows the code shows "CODE:TAG", and only this attempt's tag key
 * gives that TAG. */
#ifndef HB_BIND_H
#define HB_BIND_H

#include "challenge.h"
#include "prompt.h"
#include "status.h"

/* The tag key registered with the relay for a poll secret:
 * base64url(HMAC-SHA256(key = poll secret, "haobtc-tag-key-v1")). Without a
 * relay session the tag key is the state itself (see doc/admin-guide.md). */
char *hb_tag_key_for(const char *poll_secret);
/* out = the first HB_TAG_LEN characters of
 * base64url(HMAC-SHA256(key = tag_key, message = code)). */
bool hb_answer_tag(const char *tag_key, const char *code,
                   char out[HB_TAG_LEN + 1]);
/* Checks a pasted "CODE:TAG" against this attempt (ch->tag_key), in
 * constant time, trimming blanks. HB_OK: *code is a new copy of CODE for
 * the token exchange (free with hb_free_secret). HB_ERR_PENDING: the
 * answer is empty (poll the relay). HB_ERR_INPUT with a message for the
 * person: no tag, a tag of another attempt, or not a code. answer is left
 * to the caller to wipe and free. */
enum hb_status hb_answer_unbind(char *answer, const struct hb_challenge *ch,
                                char **code, struct hb_error *err);

#endif

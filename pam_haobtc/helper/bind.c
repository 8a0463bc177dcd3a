/* SPDX-License-Identifier: BSD-2-Clause */
/* A pasted code counts only with the tag of the attempt that asked for it,
 * so a code approved through someone else's link cannot be pasted here. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "lang.h"
#include "digest.h"
#include "prompt.h"
#include "secure.h"
#include "token.h"

#define TAG_KEY_LABEL "haobtc-tag-key-v1"

char *hb_tag_key_for(const char *poll_secret)
{
    char out[HB_DIGEST_B64_LEN + 1];
    char *copy;

    if (!hb_hmac_b64url(poll_secret, strlen(poll_secret), TAG_KEY_LABEL,
                        strlen(TAG_KEY_LABEL), out))
        return NULL;
    copy = strdup(out);
    hb_wipe(out, sizeof(out));
    return copy;
}

bool hb_answer_tag(const char *tag_key, const char *code,
                   char out[HB_TAG_LEN + 1])
{
    char mac[HB_DIGEST_B64_LEN + 1];

    if (!hb_hmac_b64url(tag_key, strlen(tag_key), code, strlen(code), mac))
        return false;
    memcpy(out, mac, HB_TAG_LEN);
    out[HB_TAG_LEN] = '\0';
    hb_wipe(mac, sizeof(mac));
    return true;
}

enum hb_status hb_answer_unbind(char *answer, const struct hb_challenge *ch,
                                char **code, struct hb_error *err)
{
    *code = NULL;
    size_t len = strlen(answer);
    while (len > 0 && strchr(" \t\r\n", answer[len - 1]) != NULL)
        len--;
    size_t start = strspn(answer, " \t");
    if (start >= len)
        return hb_fail(err, HB_ERR_PENDING, "empty answer");
    char *colon = memchr(answer + start, ':', len - start);
    if (colon == NULL)
        return hb_fail(err, HB_ERR_INPUT, "%s",
                       N_("paste the code with its tag, as the page shows it "
                          "(CODE:TAG); a bare code is not accepted"));
    size_t tag_len = (size_t)(answer + len - (colon + 1));
    if (tag_len != HB_TAG_LEN || ch->tag_key == NULL)
        return hb_fail(err, HB_ERR_INPUT, "%s",
                       N_("the tag after the code has the wrong length: "
                          "paste the whole line the page shows"));
    char *bare = strndup(answer + start, (size_t)(colon - (answer + start)));
    if (bare == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    enum hb_status status = hb_answer_check(bare, err);
    char want[HB_TAG_LEN + 1];
    if (status == HB_ERR_PENDING)
        status = hb_fail(err, HB_ERR_INPUT, "%s",
                         N_("there is no code before the tag"));
    if (status == HB_OK && !hb_answer_tag(ch->tag_key, bare, want))
        status = hb_fail(err, HB_ERR_NOMEM, "cannot compute the tag");
    if (status == HB_OK && !hb_ct_equal(colon + 1, want, HB_TAG_LEN))
        status = hb_fail(err, HB_ERR_INPUT, "%s",
                         N_("this code was approved for another login "
                            "attempt (its tag does not match this one); "
                            "nothing was sent to haobtc. Open the link "
                            "shown here and approve again"));
    hb_wipe(want, sizeof(want));
    if (status == HB_OK)
        *code = bare;
    else
        hb_free_secret(&bare);
    return status;
}

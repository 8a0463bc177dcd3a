/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: everything the provider, the person or the other end
 * of the helper's socketpair can send that we parse: token and profile
 * answers, pasted codes, identities, helper frames, log escaping.
 * The first byte picks the parser so one corpus covers all of them. */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "identity.h"
#include "prompt.h"
#include "provider.h"
#include "logsafe.h"
#include "secure.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    struct hb_error err = {0};
    switch (data[0] % 4) {
    case 0: {
        char *token = NULL;
        if (hb_parse_token_body(text, len, &token, &err) == HB_OK &&
            (token == NULL || token[0] == '\0'))
            abort();
        hb_free_secret(&token);
        break;
    }
    case 1: {
        struct hb_profile profile;
        if (hb_parse_profile_body(text, len, &profile, &err) == HB_OK) {
            if (profile.uuid == NULL)
                abort();
            (void)hb_uuid_is_valid(profile.uuid);
            (void)hb_username_is_plain(profile.username);
            hb_profile_free(&profile);
        }
        break;
    }
    case 3: {
        struct hb_wire frame;
        if (hb_wire_decode(data + 1, len, &frame, &err) == HB_OK) {
            for (int i = 0; i < frame.n_fields; i++) {
                char shown[64];
                size_t n = hb_log_escape(hb_wire_field(&frame, i), shown,
                                         sizeof(shown));
                /* Escaped text is printable ASCII that fits. */
                if (n >= sizeof(shown) || strlen(shown) != n ||
                    strspn(shown, " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDE"
                                  "FGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijk"
                                  "lmnopqrstuvwxyz{|}~") != n)
                    abort();
            }
        }
        hb_wire_clear(&frame);
        break;
    }
    default: {
        char *answer = malloc(len + 1);
        if (answer == NULL)
            return 0;
        memcpy(answer, text, len);
        answer[len] = '\0';
        if (hb_answer_check(answer, &err) == HB_OK) {
            /* An accepted answer is plain URL-safe text and short (CODE or
             * CODE:TAG). */
            size_t n = strlen(answer);
            if (n == 0 || n > HB_CODE_MAX ||
                strspn(answer, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
                               "rstuvwxyz0123456789-._~+/=:") != n)
                abort();
        }
        /* What the helper does with it: a code comes out only with this
         * attempt's tag, and then without the tag. */
        memcpy(answer, text, len);
        answer[len] = '\0';
        char tag_key[] = "fuzz-state";
        struct hb_challenge ch = {.tag_key = tag_key};
        char *code = NULL;
        if (hb_answer_unbind(answer, &ch, &code, &err) == HB_OK) {
            char want[HB_TAG_LEN + 1];
            const char *colon = strrchr(answer, ':');
            if (code == NULL || strchr(code, ':') != NULL || colon == NULL ||
                !hb_answer_tag(tag_key, code, want) ||
                strncmp(colon + 1, want, HB_TAG_LEN) != 0)
                abort();
        } else if (code != NULL) {
            abort();
        }
        hb_free_secret(&code);
        free(answer);
        break;
    }
    }
    return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login keys: every key the module takes, with its default, its
 * values and what it is for, from the one table the module parses with
 * (pam_haobtc.conf(5) explains each at length). */
#include "autoconf.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "lang.h"
#include "login.h"

int keys_main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: haobtc-login keys\n");
        return 2;
    }
    struct hb_texts texts;
    setlocale(LC_ALL, "");
    hb_texts_open(&texts, hb_lang_choose(HB_LANG_SET_AUTO), hb_catalog_dir());
    struct hb_config_key k;
    for (size_t i = 0; hb_config_key_info(i, &k); i++) {
        if (k.dflt != NULL)
            printf("%s = %s\n", k.name, k.dflt);
        else
            /* TRANSLATORS: haobtc-login keys, a key without a default. */
            printf("%s %s\n", k.name, hb_tr(&texts, "(no default)"));
        printf(
            /* TRANSLATORS: haobtc-login keys: what a key is for, then the
             * values it takes. */
            hb_tr(&texts, "    %s (%s)\n"), hb_tr(&texts, k.doc),
            hb_tr(&texts, k.expected));
    }
    hb_texts_close(&texts);
    return ferror(stdout) ? 1 : 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The module a PAM line names, as haobtc-login check judges it
 * (check_module.c), for check_pam.c. */
#ifndef HB_CHECK_MODULE_H
#define HB_CHECK_MODULE_H

#include <stdbool.h>
#include <stddef.h>

#include "check.h"
#include "pam_stack.h"

/* "FILE line N: CONTROL MODULE", in t's language, for findings. */
void check_where(const struct hb_texts *t, const struct pam_line *l, char *out,
                 size_t n);
/* A pam_haobtc line: false after a FAIL, libpam cannot load the module
 * named there. */
bool check_module_file(struct check *c, const char *topic,
                       const struct pam_line *l);
/* A line naming another module: false after a FAIL, when libpam cannot
 * load it or it is pam_haobtc.so misspelled. */
bool check_other_module_file(struct check *c, const char *topic,
                             const struct pam_line *l);
/* The line's module arguments, by the module's own loader: false after a
 * FAIL. */
bool check_module_args(struct check *c, const char *topic,
                       const struct pam_line *l);

#endif

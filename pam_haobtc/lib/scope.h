/* SPDX-License-Identifier: BSD-2-Clause */
/* The module's scope: services= and groups= (Duo-like lists with !
 * exclusions), and whether a login falls inside them. */
#ifndef HB_SCOPE_H
#define HB_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "status.h"

enum hb_scope_list { HB_SCOPE_SERVICES, HB_SCOPE_GROUPS };

/* NULL when value is a good services= or groups= list, else why not, in
 * why (English, for the configuration error). */
const char *hb_scope_problem(enum hb_scope_list kind, const char *value,
                             char *why, size_t n);

/* The i-th entry of a list (from 0) into name, without its !, which
 * *negated tells; false past the last. */
bool hb_scope_entry(const char *list, size_t i, char *name, size_t n,
                    bool *negated);

/* Whether service (a PAM service name) is in a services= list: a positive
 * entry covers it and no ! entry does. sudo covers sudo-i and su covers
 * su-l, as haobtc-login enable names them. */
bool hb_scope_service_in(const char *list, const char *service);

/* How one group name fares in a groups= list. */
enum hb_scope_group {
    HB_GROUP_NONE,     /* named by no entry */
    HB_GROUP_INCLUDED, /* named, or covered by *, and not excluded */
    HB_GROUP_EXCLUDED, /* named by a ! entry (or !*) */
};
enum hb_scope_group hb_scope_group_in(const char *list, const char *group);

/* HB_OK when this login is in the configured scope. HB_NOT_ASKED with the
 * reason in err->msg ("not asked: ...") when it is outside. A failed
 * lookup (an unknown user, an NSS error, no service name) is in scope:
 * an error never turns the phone off. */
enum hb_status hb_scope_check(const struct hb_config *cfg, const char *service,
                              const char *user, struct hb_error *err);

#endif

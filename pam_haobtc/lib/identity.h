/* SPDX-License-Identifier: BSD-2-Clause */
/* Mapping a haobtc identity to the local account being logged in to. */
#ifndef HB_IDENTITY_H
#define HB_IDENTITY_H

#include <stdbool.h>
#include <sys/types.h>
#include "config.h"
#include "profile.h"
#include "status.h"

bool hb_username_is_plain(const char *name);
bool hb_uuid_is_valid(const char *uuid);
bool hb_uuid_equal(const char *a, const char *b);

/* The first uid of ordinary accounts: UID_MIN in login_defs_path (normally
 * /etc/login.defs), 1000 when the file is missing or unsafe, or its
 * UID_MIN line missing or not a number. */
uid_t hb_uid_min(const char *login_defs_path);
/* The same for UID_MAX (default 60000): accounts above it, such as nobody
 * (65534), are not people's either. */
uid_t hb_uid_max(const char *login_defs_path);

/* The map file's lines with something on them, one by one: set next to
 * the file's text (changed in place) and call hb_map_next until false.
 * Comments are cut; user is NULL on a line of one field, extra non-NULL on
 * a line of three or more. */
struct hb_map_line {
    char *next;
    unsigned line_no;
    char *identity;
    char *user;
    char *extra;
};
bool hb_map_next(struct hb_map_line *m);

/* The map file's text (changed in place) against a profile: the local
 * account it names for the profile in local (the one being logged in to,
 * pam_user, when the identity has several), and in *names_pam_user whether
 * any line names pam_user; in *line (may be NULL) the number of the line
 * that gave local. HB_ERR_CONFIG for a malformed line; an empty local when
 * nothing matches. */
enum hb_status hb_map_lookup(const struct hb_config *cfg, char *text,
                             const struct hb_profile *profile,
                             const char *pam_user, char *local, size_t n,
                             bool *names_pam_user, unsigned *line,
                             struct hb_error *err);
/* The local account the profile maps to, written into local (size n).
 * HB_ERR_DENIED when the map has no entry and same_name does not apply:
 * same_name never gives uid 0, an account below UID_MIN, or an account the
 * map names for any identity. HB_ERR_CONFIG when the map file is unsafe or
 * malformed. *map_line (may be NULL) is the map file's line that gave
 * local, 0 when same_name did. */
enum hb_status hb_identity_lookup(const struct hb_config *cfg,
                                  const struct hb_profile *profile,
                                  const char *pam_user, char *local, size_t n,
                                  unsigned *map_line, struct hb_error *err);
/* Lookup, then: the account must be pam_user and must exist. */
enum hb_status hb_identity_check(const struct hb_config *cfg,
                                 const struct hb_profile *profile,
                                 const char *pam_user, unsigned *map_line,
                                 struct hb_error *err);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* Break-glass codes: the way in an administrator hands out for when haobtc
 * really cannot be reached, instead of a password that would make the
 * phone optional. One-time, per local account, with an end; the file
 * keeps only a salted hash (crypt(3), yescrypt) of each. */
#ifndef HB_BREAKGLASS_H
#define HB_BREAKGLASS_H

#include <stdbool.h>

#include "status.h"

/* "BG-" and four groups of five (Crockford base32, 100 random bits). */
#define HB_BG_CODE_MAX 32
#define HB_BG_ID_LEN 8
#define HB_BG_TTL_MAX (30L * 24 * 3600)

struct hb_bg_entry {
    char id[HB_BG_ID_LEN + 1];
    char user[65];
    long long expires; /* Unix seconds */
    long long used;    /* Unix seconds, 0 while unused */
};

/* Makes a code for the local account user, valid for ttl seconds, adds
 * its hash to the file at path (made root-only if missing); the code (to
 * show once) and its id go to code and id. */
enum hb_status hb_breakglass_issue(const char *path, const char *user, long ttl,
                                   char code[HB_BG_CODE_MAX],
                                   char id[HB_BG_ID_LEN + 1],
                                   struct hb_error *err);
/* Whether code is an unused, unexpired code of user's; if so it is marked
 * used (for good) before this returns HB_OK with its id. HB_ERR_DENIED
 * otherwise. */
enum hb_status hb_breakglass_use(const char *path, const char *user,
                                 const char *code, char id[HB_BG_ID_LEN + 1],
                                 struct hb_error *err);
/* Removes the code with this id; HB_ERR_DENIED when there is none. */
enum hb_status hb_breakglass_revoke(const char *path, const char *id,
                                    struct hb_error *err);
/* Calls each for every code in the file (none when it does not exist). */
enum hb_status hb_breakglass_list(const char *path,
                                  void (*each)(void *arg,
                                               const struct hb_bg_entry *e),
                                  void *arg, struct hb_error *err);
/* Whether the answer has a break-glass code's shape ("BG-..."). */
bool hb_breakglass_looks_like(const char *answer);
/* Parses "24h", "90m", "7d", "3600s" or "3600" into seconds (1 min to
 * HB_BG_TTL_MAX). */
bool hb_breakglass_parse_ttl(const char *s, long *out);

#endif

/* Mapping a haobtc identity to the local account being logged in to. */
#ifndef HB_IDENTITY_H
#define HB_IDENTITY_H

#include <stdbool.h>
#include "config.h"
#include "profile.h"
#include "status.h"

bool hb_username_is_plain(const char *name);
bool hb_uuid_is_valid(const char *uuid);
bool hb_uuid_equal(const char *a, const char *b);

/* The local account the profile maps to, written into local (size n).
 * HB_ERR_DENIED when the map has no entry (and same_name does not apply),
 * HB_ERR_CONFIG when the map file is unsafe or malformed. */
enum hb_status hb_identity_lookup(const struct hb_config *cfg,
                                  const struct hb_profile *profile,
                                  const char *pam_user, char *local, size_t n,
                                  struct hb_error *err);
/* Lookup, then: the account must be pam_user and must exist. */
enum hb_status hb_identity_check(const struct hb_config *cfg,
                                 const struct hb_profile *profile,
                                 const char *pam_user, struct hb_error *err);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* Releasing a profile; it holds no secret, only the identity. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "profile.h"

void hb_profile_free(struct hb_profile *profile)
{
    free(profile->uuid);
    free(profile->username);
    free(profile->address);
    free(profile->provider);
    memset(profile, 0, sizeof(*profile));
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* A haobtc identity as the provider sent it: what the helper hands the
 * module, and what identity mapping decides on. */
#ifndef HB_PROFILE_H
#define HB_PROFILE_H

#define HB_UUID_MAX 64
#define HB_USERNAME_MAX 64

/* As the provider sent it; identity.c decides what is acceptable. */
struct hb_profile {
    char *uuid;
    char *username; /* may be NULL */
    char *address;  /* may be NULL */
    char *provider; /* may be NULL */
};

void hb_profile_free(struct hb_profile *profile);

#endif

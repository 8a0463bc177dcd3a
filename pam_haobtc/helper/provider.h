/* SPDX-License-Identifier: BSD-2-Clause */
/* The haobtc OAuth protocol: authorize URL, token exchange, profile. */
#ifndef HB_PROVIDER_H
#define HB_PROVIDER_H

#include "config.h"
#include "http.h"
#include "profile.h"
#include "status.h"

/* The URL the person opens; state is escaped here. code_challenge (the
 * S256 PKCE challenge, NULL for none) binds the code to this attempt. */
char *hb_authorize_url(struct hb_http *http, const char *state,
                       const char *code_challenge);
/* Exchanges code for an access token (wiped by the caller with
 * hb_free_secret); code_verifier (NULL for none) is the PKCE secret whose
 * challenge the authorize link carried. Provider error codes are
 * HB_ERR_DENIED with err->haobtc_code set; garbage and transport errors
 * HB_ERR_UNAVAIL. */
enum hb_status hb_get_token(struct hb_http *http, const char *code,
                            const char *code_verifier, char **access_token,
                            struct hb_error *err);
enum hb_status hb_get_profile(struct hb_http *http, const char *access_token,
                              struct hb_profile *profile, struct hb_error *err);

/* Exposed for unit tests: interpreting bodies without a network. */
enum hb_status hb_parse_token_body(const char *body, size_t len,
                                   char **access_token, struct hb_error *err);
enum hb_status hb_parse_profile_body(const char *body, size_t len,
                                     struct hb_profile *profile,
                                     struct hb_error *err);

#endif

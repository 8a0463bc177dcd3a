/* The haobtc OAuth protocol: authorize URL, token exchange, profile. */
#ifndef HB_PROVIDER_H
#define HB_PROVIDER_H

#include "config.h"
#include "http.h"
#include "profile.h"
#include "status.h"

/* The URL the person opens; state is escaped here. */
char *hb_authorize_url(struct hb_http *http, const char *state);
/* Exchanges code for an access token (wiped by the caller with
 * hb_free_secret). Provider error codes are HB_ERR_DENIED with
 * err->haobtc_code set; garbage and transport errors HB_ERR_UNAVAIL. */
enum hb_status hb_get_token(struct hb_http *http, const char *code,
                            char **access_token, struct hb_error *err);
enum hb_status hb_get_profile(struct hb_http *http, const char *access_token,
                              struct hb_profile *profile, struct hb_error *err);

/* Exposed for unit tests: interpreting bodies without a network. */
enum hb_status hb_parse_token_body(const char *body, size_t len,
                                   char **access_token, struct hb_error *err);
enum hb_status hb_parse_profile_body(const char *body, size_t len,
                                     struct hb_profile *profile,
                                     struct hb_error *err);

#endif

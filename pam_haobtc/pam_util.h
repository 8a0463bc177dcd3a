/* The PAM side of the module: turning library results into PAM values,
 * logging, and talking to the person. Linked into the module only. */
#ifndef HB_PAM_UTIL_H
#define HB_PAM_UTIL_H

#include <security/pam_modules.h>

#include "challenge.h"
#include "config.h"
#include "http.h"
#include "provider.h"
#include "status.h"

/* The one place library statuses become PAM return values. */
int hb_pam_result(enum hb_status status);
/* Logs why the login failed and tells the person in one line. */
void hb_pam_report(pam_handle_t *pamh, const struct hb_config *cfg,
                   const char *user, const struct hb_error *err);
/* Shows prompt (PAM_PROMPT_ECHO_ON) and returns the answer, or NULL with
 * err filled when the conversation failed. */
char *hb_pam_ask(pam_handle_t *pamh, const char *prompt, struct hb_error *err);
/* Asks until the person pastes a code (or, with a relay, until pressing
 * Enter lets the relay hand it over); *code is wiped by the caller. */
enum hb_status
hb_pam_obtain_code(pam_handle_t *pamh, const struct hb_config *cfg,
                   struct hb_http *http, const struct hb_challenge *ch,
                   const char *user, char **code, struct hb_error *err);
/* One line for the administrator: who logged in as whom, from where. */
void hb_pam_log_success(pam_handle_t *pamh, const char *user,
                        const struct hb_profile *profile);
/* HAOBTC_UUID and HAOBTC_USERNAME for the session modules. */
enum hb_status hb_pam_export(pam_handle_t *pamh,
                             const struct hb_profile *profile,
                             struct hb_error *err);
/* The name to print for user: itself when plain, a placeholder otherwise. */
const char *hb_pam_printable(const char *name);

#endif

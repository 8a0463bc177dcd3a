/* SPDX-License-Identifier: BSD-2-Clause */
/* The PAM side of the module: turning library results into PAM values,
 * logging, and talking to the person. Linked into the module only. */
#ifndef HB_PAM_UTIL_H
#define HB_PAM_UTIL_H

#include <security/pam_modules.h>

#include "audit.h"
#include "config.h"
#include "lang.h"
#include "helper_client.h"
#include "profile.h"
#include "status.h"

/* The one place library statuses become PAM return values. */
int hb_pam_result(enum hb_status status);
/* Every line the module logs goes through here: control characters,
 * non-ASCII bytes (bidi overrides among them) and backslashes escaped in
 * the whole message, whatever its fields hold. */
void hb_pam_log(pam_handle_t *pamh, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* With the debug option, one LOG_DEBUG line per step of the login, for an
 * administrator following a login that fails. Never a code, tag, token or
 * secret: only which step, which way, and how it ended. */
/* The helper's notes (its HTTP calls), as debug lines: on_note of struct
 * hb_helper, with a struct hb_pam_debug_to as cls. */
struct hb_pam_debug_to {
    pam_handle_t *pamh;
    const struct hb_config *cfg;
};
void hb_pam_debug_note(void *cls, const char *text);
void hb_pam_debug(pam_handle_t *pamh, const struct hb_config *cfg,
                  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* PAM_SERVICE, or NULL when libpam has none. */
const char *hb_pam_service(pam_handle_t *pamh);
/* PAM_RHOST when it is a host name or address (NULL otherwise), and in
 * *shown what the logs call it: the host, "local", or "(not a host)". */
const char *hb_pam_rhost(pam_handle_t *pamh, const char **shown);
/* Logs why the login failed (in English) and tells the person in one
 * line, in t's language. */
void hb_pam_report(pam_handle_t *pamh, const struct hb_texts *t,
                   const char *user, const char *from,
                   const struct hb_error *err);
/* Shows prompt (PAM_PROMPT_ECHO_OFF when hidden, else ECHO_ON) and returns the
 * answer, or NULL with err filled when the conversation failed. */
char *hb_pam_ask(pam_handle_t *pamh, const char *prompt, bool hidden,
                 struct hb_error *err);
/* Shows text as an info message (PAM_TEXT_INFO), PAM_SILENT or not. */
enum hb_status hb_pam_tell(pam_handle_t *pamh, const char *text,
                           struct hb_error *err);
/* With no prompt (see hb_prompt_skipped): the link and the QR as info
 * messages, then a wait on the relay until approval or the deadline.
 * Otherwise asks until the person pastes a code (*code, wiped by the
 * caller) or, with a relay, until pressing Enter lets the helper get it
 * from the relay. *code stays NULL when the code came from the relay: it
 * never comes to this process. */
enum hb_status
hb_pam_obtain_code(pam_handle_t *pamh, const struct hb_config *cfg,
                   const struct hb_texts *texts, struct hb_helper *helper,
                   const struct hb_offer *offer, const char *user, char **code,
                   struct hb_error *err);
/* After a login found haobtc unreachable (err): asks for a break-glass
 * code when the file of codes exists, and lets user in (HB_OK) once a
 * fresh helper still finds haobtc unreachable and the code is user's,
 * unused and unexpired (logged at LOG_ALERT either way). Enter keeps the
 * outage (HB_ERR_UNAVAIL, err as it was). pam_breakglass.c. */
enum hb_status hb_pam_break_glass(pam_handle_t *pamh,
                                  const struct hb_config *cfg,
                                  const struct hb_texts *texts, time_t deadline,
                                  int argc, const char **argv, const char *user,
                                  const char *from, struct hb_error *err);
/* One line for the administrator: who logged in as whom, from where. */
void hb_pam_log_success(pam_handle_t *pamh, const char *user, const char *from,
                        const struct hb_profile *profile);
/* HAOBTC_UUID and HAOBTC_USERNAME for the session modules. */
enum hb_status hb_pam_export(pam_handle_t *pamh,
                             const struct hb_profile *profile,
                             struct hb_error *err);
/* reuse_for_key and session_reuse (pam_reuse.c): HB_OK, logged and
 * exported, when this login has a fresh approval to reuse (sshd: the same
 * key; sudo and su: the audit session opened after one); anything else
 * means the phone as usual. */
enum hb_status hb_pam_reuse(pam_handle_t *pamh, const struct hb_config *cfg,
                            const char *user, const char *from,
                            struct hb_error *err);
/* After an approval: keeps it for reuse_for_key, and for the session this
 * login opens (session_reuse), when those apply. */
void hb_pam_reuse_keep(pam_handle_t *pamh, const struct hb_config *cfg,
                       const char *user, const struct hb_profile *profile,
                       unsigned map_line);
/* pam_sm_open_session and pam_sm_close_session: the audit session's
 * record of the approval, made and removed. Never fail a session. */
int hb_pam_session_open(pam_handle_t *pamh, int argc, const char **argv);
int hb_pam_session_close(pam_handle_t *pamh, int argc, const char **argv);

/* pam_audit.c: one audit record per login (audit.h). */
struct hb_pam_attempt {
    char id[HB_ATTEMPT_LEN + 1];
    long long started_ms;
    bool via_breakglass, via_reuse;
    /* As the relay saw the approving phone (none without a relay). */
    const char *phone_address, *phone_agent;
};
void hb_pam_attempt_begin(struct hb_pam_attempt *a);
/* The record of how this login ended (status, err) for user, with
 * haobtc's identity from profile when it came. */
void hb_pam_audit(pam_handle_t *pamh, const struct hb_pam_attempt *a,
                  enum hb_status status, const struct hb_error *err,
                  const char *user, const struct hb_profile *profile);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* pam_haobtc: log in to a Unix account with a haobtc account (OAuth 2.0
 * authorization code). The entry points only; the work is in the library. */
#include "autoconf.h"

#include <string.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "config.h"
#include "helper_client.h"
#include "identity.h"
#include "lang.h"
#include "pam_util.h"
#include "scope.h"
#include "secure.h"

/* The same delay pam_unix asks for, so failures cost an attacker time. */
#define FAIL_DELAY_USEC 2000000

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
                                   const char **argv)
{
    struct hb_config cfg;
    struct hb_helper helper = {0};
    struct hb_offer offer = {0};
    struct hb_profile profile = {0};
    struct hb_error err = {0};
    const char *user = NULL;
    const char *from = "local";
    char *code = NULL;
    struct hb_texts texts = {0};
    struct hb_pam_attempt attempt;
    enum hb_status status = HB_ERR_DENIED;
    (void)flags;

    hb_pam_attempt_begin(&attempt);

    pam_fail_delay(pamh, FAIL_DELAY_USEC);

    status = hb_config_load_without_secret(argc, argv, &cfg, &err);
    /* Chosen per login and kept to it: the application's locale is only
     * read (lang = auto), never set. A broken configuration is reported
     * in the application's language. */
    hb_texts_open(&texts,
                  hb_lang_choose(status == HB_OK ? cfg.lang : HB_LANG_SET_AUTO),
                  hb_catalog_dir());
    if (status != HB_OK)
        goto done;

    int rc = pam_get_user(pamh, &user, NULL);
    if (rc != PAM_SUCCESS || user == NULL || user[0] == '\0') {
        status =
            hb_fail(&err, rc == PAM_BUF_ERR ? HB_ERR_NOMEM : HB_ERR_CONV,
                    "cannot get the user name: %s", pam_strerror(pamh, rc));
        goto done;
    }
    /* Outside services= or groups= (scope.h): PAM_IGNORE, before any
     * prompt or helper. */
    status = hb_scope_check(&cfg, hb_pam_service(pamh), user, &err);
    if (status != HB_OK)
        goto done;
    const char *rhost = hb_pam_rhost(pamh, &from);
    hb_pam_debug(pamh, &cfg,
                 "login for %s from %s: %s, mode %s, relay %s, timeout %ld s",
                 user, from, cfg.conf_path, hb_mode_name(cfg.mode),
                 cfg.relay_url != NULL ? cfg.relay_url : "none",
                 (long)cfg.timeout);

    /* reuse_for_key and session_reuse: an approval bound to this SSH key
     * or this audit session, within its window, needs no second one. */
    status = hb_pam_reuse(pamh, &cfg, user, from, &err);
    attempt.via_reuse = status == HB_OK;
    if (status == HB_OK)
        goto done;

    /* Everything that reaches the network runs in the helper, away from
     * this process's environment, descriptors and memory. */
    status = hb_helper_start(&helper, time(NULL) + cfg.timeout, true, &err);
    if (status != HB_OK)
        goto done;
    struct hb_pam_debug_to debug_to = {pamh, &cfg};
    helper.on_note = hb_pam_debug_note;
    helper.note_cls = &debug_to;
    hb_pam_debug(pamh, &cfg, "helper %s started (pid %ld)", hb_helper_path(),
                 (long)helper.pid);

    status = hb_helper_challenge(&helper, argc, argv, user, rhost,
                                 hb_pam_service(pamh), &offer, &err);
    if (status != HB_OK)
        goto done;
    hb_pam_debug(pamh, &cfg, "challenge: %s",
                 offer.can_poll ? "a relay session (Enter or no prompt)"
                                : "a provider link (paste only)");

    status = hb_pam_obtain_code(pamh, &cfg, &texts, &helper, &offer, user,
                                &code, &err);
    if (status != HB_OK)
        goto done;

    /* The token exchange and the profile fetch, in the helper. */
    hb_pam_debug(pamh, &cfg, "exchanging the %s code for the profile",
                 code != NULL ? "pasted" : "relay's");
    status = hb_helper_exchange(&helper, code, &profile, &err);
    hb_free_secret(&code);
    if (status != HB_OK)
        goto done;
    hb_pam_debug(pamh, &cfg, "haobtc profile: uuid %s, username %s",
                 profile.uuid,
                 profile.username != NULL ? profile.username : "(none)");

    unsigned map_line = 0;
    status = hb_identity_check(&cfg, &profile, user, &map_line, &err);
    if (status != HB_OK)
        goto done;
    if (map_line != 0)
        hb_pam_debug(pamh, &cfg, "mapped to %s by %s line %u", user,
                     cfg.map_file, map_line);
    else
        hb_pam_debug(pamh, &cfg, "mapped to %s by same_name", user);

    status = hb_pam_export(pamh, &profile, &err);
    if (status == HB_OK) {
        hb_pam_log_success(pamh, user, from, &profile);
        hb_pam_reuse_keep(pamh, &cfg, user, &profile, map_line);
    }

done:
    /* Really down: the way in is an administrator's one-time code, never
     * the password (pam_haobtc(8)). */
    if (status == HB_ERR_UNAVAIL) {
        status = hb_pam_break_glass(pamh, &cfg, &texts, helper.deadline, argc,
                                    argv, user, from, &err);
        attempt.via_breakglass = status == HB_OK;
    }
    if (status != HB_OK)
        hb_pam_report(pamh, &texts, user, from, &err);
    hb_pam_audit(pamh, &attempt, status, &err, user, &profile);
    hb_pam_debug(pamh, &cfg, "result: %s",
                 pam_strerror(pamh, hb_pam_result(status)));
    hb_free_secret(&code);
    hb_profile_free(&profile);
    hb_offer_free(&offer);
    hb_helper_stop(&helper);
    hb_config_free(&cfg);
    hb_texts_close(&texts);
    return hb_pam_result(status);
}

/* There are no credentials to set: the haobtc token is used once and
 * dropped. Succeeding keeps "auth required" stacks working. */
PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
                              const char **argv)
{
    (void)pamh, (void)flags, (void)argc, (void)argv;
    return PAM_SUCCESS;
}

/* session_reuse: after pam_loginuid, records that this audit session was
 * opened after an approval (pam_reuse.c); otherwise nothing to do. */
PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
                                   const char **argv)
{
    (void)flags;
    return hb_pam_session_open(pamh, argc, argv);
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
                                    const char **argv)
{
    (void)flags;
    return hb_pam_session_close(pamh, argc, argv);
}

/* Account policy (expiry, locks) belongs to pam_unix and friends; this
 * module has none, so it stays out of the account stack's decision. */
PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
                                const char **argv)
{
    (void)pamh, (void)flags, (void)argc, (void)argv;
    return PAM_IGNORE;
}

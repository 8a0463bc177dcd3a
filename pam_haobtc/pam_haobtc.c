/* pam_haobtc: log in to a Unix account with a haobtc account (OAuth 2.0
 * authorization code). The entry points only; the work is in the library. */
#include "autoconf.h"

#include <string.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "challenge.h"
#include "config.h"
#include "http.h"
#include "identity.h"
#include "pam_util.h"
#include "provider.h"
#include "secure.h"

/* The same delay pam_unix asks for, so failures cost an attacker time. */
#define FAIL_DELAY_USEC 2000000

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
                                   const char **argv)
{
    struct hb_config cfg;
    struct hb_http http = {0};
    struct hb_challenge challenge = {0};
    struct hb_profile profile = {0};
    struct hb_error err = {0};
    const char *user = NULL;
    char *code = NULL;
    char *token = NULL;
    enum hb_status status = HB_ERR_DENIED;
    (void)flags;

    pam_fail_delay(pamh, FAIL_DELAY_USEC);

    status = hb_config_load(argc, argv, &cfg, &err);
    if (status != HB_OK)
        goto done;

    int rc = pam_get_user(pamh, &user, NULL);
    if (rc != PAM_SUCCESS || user == NULL || user[0] == '\0') {
        status =
            hb_fail(&err, rc == PAM_BUF_ERR ? HB_ERR_NOMEM : HB_ERR_CONV,
                    "cannot get the user name: %s", pam_strerror(pamh, rc));
        goto done;
    }

    status = hb_http_open(&http, &cfg, time(NULL) + cfg.timeout, &err);
    if (status != HB_OK)
        goto done;

    const void *rhost = NULL;
    if (pam_get_item(pamh, PAM_RHOST, &rhost) != PAM_SUCCESS)
        rhost = NULL;
    status = hb_challenge_start(&http, user, rhost, &challenge, &err);
    if (status != HB_OK)
        goto done;

    status =
        hb_pam_obtain_code(pamh, &cfg, &http, &challenge, user, &code, &err);
    if (status != HB_OK)
        goto done;

    status = hb_get_token(&http, code, &token, &err);
    if (status != HB_OK)
        goto done;

    status = hb_get_profile(&http, token, &profile, &err);
    if (status != HB_OK)
        goto done;

    status = hb_identity_check(&cfg, &profile, user, &err);
    if (status != HB_OK)
        goto done;

    status = hb_pam_export(pamh, &profile, &err);
    if (status == HB_OK)
        hb_pam_log_success(pamh, user, &profile);

done:
    if (status != HB_OK)
        hb_pam_report(pamh, &cfg, user, &err);
    hb_free_secret(&token);
    hb_free_secret(&code);
    hb_profile_free(&profile);
    hb_challenge_free(&challenge);
    hb_http_close(&http);
    hb_config_free(&cfg);
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

/* Account policy (expiry, locks) belongs to pam_unix and friends; this
 * module has none, so it stays out of the account stack's decision. */
PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
                                const char **argv)
{
    (void)pamh, (void)flags, (void)argc, (void)argv;
    return PAM_IGNORE;
}

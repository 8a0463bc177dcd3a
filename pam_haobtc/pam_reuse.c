/* SPDX-License-Identifier: BSD-2-Clause */
/* The PAM side of reuse_for_key: only for sshd, with the key sshd puts in
 * its PAM environment, logged either way (reuse.h has the store). */
#include "autoconf.h"

#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pam_util.h"
#include "reuse.h"

/* The fingerprint of the key this sshd login proved, when reuse_for_key
 * applies to it; false (and why, in debug) when it does not. Only sshd
 * sets SSH_AUTH_INFO_0 for itself, and only in the PAM environment: the
 * process environment is the caller's. */
static bool key_login(pam_handle_t *pamh, const struct hb_config *cfg,
                      char fp[HB_FINGERPRINT_MAX])
{
    if (cfg->reuse_for_key <= 0)
        return false;
    const void *service = NULL;
    if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS ||
        service == NULL || strcmp(service, "sshd") != 0) {
        hb_pam_debug(pamh, cfg, "no reuse: the service is not sshd");
        return false;
    }
    struct hb_error why = {0};
    if (hb_authinfo_key(pam_getenv(pamh, "SSH_AUTH_INFO_0"), fp, &why) !=
        HB_OK) {
        hb_pam_debug(pamh, cfg, "no reuse: %s", why.msg);
        return false;
    }
    return true;
}

enum hb_status hb_pam_reuse_key(pam_handle_t *pamh, const struct hb_config *cfg,
                                const char *user, const char *from,
                                struct hb_error *err)
{
    char fp[HB_FINGERPRINT_MAX];
    if (!key_login(pamh, cfg, fp))
        return HB_ERR_DENIED;
    struct hb_reuse_record rec;
    struct hb_error why = {0};
    time_t now = time(NULL);
    enum hb_status status = hb_reuse_key_find(cfg, user, fp, now, &rec, &why);
    if (status == HB_ERR_CONFIG)
        hb_pam_log(pamh, LOG_WARNING,
                   "no reuse for %s from %s (key %s), asking for approval: %s",
                   user, from, fp, why.msg);
    else if (status != HB_OK)
        hb_pam_debug(pamh, cfg, "no reuse for key %s: %s", fp, why.msg);
    if (status != HB_OK)
        return HB_ERR_DENIED;

    struct hb_profile profile = {
        .uuid = rec.uuid,
        .username = rec.username[0] != '\0' ? rec.username : NULL,
    };
    status = hb_pam_export(pamh, &profile, err);
    if (status != HB_OK)
        return status;
    hb_pam_log(pamh, LOG_INFO,
               "haobtc login for %s from %s: uuid %s, reusing the approval of "
               "%lld s ago for key %s (good for %lld s more; haobtc-login "
               "reuse revoke %s ends it)",
               user, from, rec.uuid, (long long)now - rec.approved, fp,
               rec.expires - (long long)now, user);
    return HB_OK;
}

void hb_pam_reuse_key_record(pam_handle_t *pamh, const struct hb_config *cfg,
                             const char *user, const struct hb_profile *profile,
                             unsigned map_line)
{
    char fp[HB_FINGERPRINT_MAX];
    if (!key_login(pamh, cfg, fp))
        return;
    struct hb_error why = {0};
    if (hb_reuse_key_record(cfg, user, fp, profile, map_line, time(NULL),
                            &why) != HB_OK) {
        hb_pam_log(pamh, LOG_WARNING,
                   "the approval for %s (key %s) is not kept for reuse: %s",
                   user, fp, why.msg);
        return;
    }
    hb_pam_log(pamh, LOG_INFO,
               "the approval for %s with key %s is reused for %ld s "
               "(haobtc-login reuse revoke %s ends it)",
               user, fp, cfg->reuse_for_key, user);
}

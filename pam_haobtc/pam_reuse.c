/* SPDX-License-Identifier: BSD-2-Clause */
/* The PAM side of reuse_for_key (only for sshd, with the key sshd puts in
 * its PAM environment) and of session_reuse (only for sudo and su, within
 * the audit session opened after an approval): every reuse logged
 * (reuse.h and reuse_session.h have the store). */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "pam_util.h"
#include "reuse.h"
#include "reuse_session.h"

/* The pam_set_data name of the approval authenticate hands to
 * open_session. */
#define APPROVAL_DATA "pam_haobtc_approval"

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

static const char *service_of(pam_handle_t *pamh)
{
    const void *item = NULL;
    if (pam_get_item(pamh, PAM_SERVICE, &item) != PAM_SUCCESS || item == NULL)
        return "";
    return item;
}

static enum hb_status reuse_key(pam_handle_t *pamh, const struct hb_config *cfg,
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

static void keep_key(pam_handle_t *pamh, const struct hb_config *cfg,
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

/* ---- session_reuse */

/* sudo and su only: the services that raise privilege inside a session
 * (the names of examples/pam.d). */
static bool session_service(const char *service)
{
    static const char *const names[] = {"sudo", "sudo-i", "su", "su-l"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(service, names[i]) == 0)
            return true;
    return false;
}

static enum hb_status reuse_session(pam_handle_t *pamh,
                                    const struct hb_config *cfg,
                                    const char *user, const char *from,
                                    struct hb_error *err)
{
    if (cfg->session_reuse <= 0)
        return HB_ERR_DENIED;
    const char *service = service_of(pamh);
    if (!session_service(service)) {
        hb_pam_debug(pamh, cfg, "no session reuse: %s is not sudo or su",
                     service);
        return HB_ERR_DENIED;
    }
    unsigned long sid = 0;
    if (!hb_audit_session(&sid)) {
        hb_pam_debug(pamh, cfg, "no session reuse: no audit session");
        return HB_ERR_DENIED;
    }
    struct hb_reuse_record rec;
    struct hb_error why = {0};
    time_t now = time(NULL);
    enum hb_status status =
        hb_reuse_session_find(cfg, user, getuid(), sid, now, &rec, &why);
    if (status == HB_ERR_CONFIG)
        hb_pam_log(pamh, LOG_WARNING,
                   "no reuse for %s in audit session %lu, asking for "
                   "approval: %s",
                   user, sid, why.msg);
    else if (status != HB_OK)
        hb_pam_debug(pamh, cfg, "no reuse in audit session %lu: %s", sid,
                     why.msg);
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
               "%s's audit session %lu, %lld s ago (good for %lld s more; "
               "haobtc-login reuse revoke %s ends it)",
               user, from, rec.uuid, rec.user, sid,
               (long long)now - rec.approved, rec.expires - (long long)now,
               rec.user);
    return HB_OK;
}

enum hb_status hb_pam_reuse(pam_handle_t *pamh, const struct hb_config *cfg,
                            const char *user, const char *from,
                            struct hb_error *err)
{
    enum hb_status status = reuse_key(pamh, cfg, user, from, err);
    if (status == HB_ERR_DENIED)
        status = reuse_session(pamh, cfg, user, from, err);
    return status;
}

static void free_approval(pam_handle_t *pamh, void *data, int status)
{
    (void)pamh, (void)status;
    free(data);
}

/* The approval, for the session this login opens: through pam_set_data in
 * this process, or for sshd, whose PAM process for keyboard-interactive is
 * a child of the one that opens the session, through the store. */
static void hand_to_session(pam_handle_t *pamh, const struct hb_config *cfg,
                            const char *user, const struct hb_profile *profile)
{
    if (cfg->session_reuse <= 0)
        return;
    struct hb_approval *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return;
    snprintf(a->uuid, sizeof(a->uuid), "%s", profile->uuid);
    if (profile->username != NULL)
        snprintf(a->username, sizeof(a->username), "%s", profile->username);
    a->approved = (long long)time(NULL);
    hb_audit_session(&a->session_at_auth);
    struct hb_error why = {0};
    if (strcmp(service_of(pamh), "sshd") == 0 &&
        hb_reuse_pending_put(cfg, user, a, getppid(), &why) != HB_OK)
        hb_pam_log(pamh, LOG_WARNING,
                   "the approval for %s is not kept for its session: %s", user,
                   why.msg);
    if (pam_set_data(pamh, APPROVAL_DATA, a, free_approval) != PAM_SUCCESS)
        free(a);
}

void hb_pam_reuse_keep(pam_handle_t *pamh, const struct hb_config *cfg,
                       const char *user, const struct hb_profile *profile,
                       unsigned map_line)
{
    keep_key(pamh, cfg, user, profile, map_line);
    hand_to_session(pamh, cfg, user, profile);
}

/* The session's configuration and user; false when session_reuse is off
 * or either cannot be had. */
static bool session_setup(pam_handle_t *pamh, int argc, const char **argv,
                          struct hb_config *cfg, const char **user)
{
    struct hb_error err = {0};
    const void *item = NULL;
    if (hb_config_load_without_secret(argc, argv, cfg, &err) != HB_OK) {
        hb_pam_log(pamh, LOG_ERR, "session: %s", err.msg);
        return false;
    }
    if (cfg->session_reuse <= 0 ||
        pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || item == NULL)
        return false;
    *user = item;
    return true;
}

int hb_pam_session_open(pam_handle_t *pamh, int argc, const char **argv)
{
    struct hb_config cfg;
    const char *user = NULL;
    int rc = PAM_IGNORE;
    const void *data = NULL;
    struct hb_approval pending;
    const struct hb_approval *a = NULL;
    struct hb_error why = {0};
    time_t now = time(NULL);
    bool found = false;
    unsigned long sid = 0;
    if (!session_setup(pamh, argc, argv, &cfg, &user))
        goto out;
    if (pam_get_data(pamh, APPROVAL_DATA, &data) == PAM_SUCCESS && data != NULL)
        a = data;
    else if (strcmp(service_of(pamh), "sshd") == 0 &&
             hb_reuse_pending_take(&cfg, user, getpid(), now, &pending, &found,
                                   &why) == HB_OK &&
             found)
        a = &pending;
    if (a == NULL) {
        hb_pam_debug(pamh, &cfg, "session: no approval to keep%s%s",
                     why.msg[0] != '\0' ? ": " : "", why.msg);
        goto out;
    }
    if (!hb_audit_session(&sid)) {
        hb_pam_log(pamh, LOG_WARNING,
                   "the approval for %s is not kept for its session: the "
                   "audit session is unset (pam_loginuid must come before "
                   "pam_haobtc in the session stack)",
                   user);
        goto out;
    }
    /* su and sudo keep their caller's session: only a session this stack
     * opened (pam_loginuid's) is the login's. */
    if (sid == a->session_at_auth) {
        hb_pam_debug(pamh, &cfg,
                     "session: audit session %lu was not opened by this "
                     "login",
                     sid);
        goto out;
    }
    if (hb_reuse_session_open(&cfg, user, a, sid, now, &why) != HB_OK) {
        hb_pam_log(pamh, LOG_WARNING,
                   "the approval for %s is not kept for its session: %s", user,
                   why.msg);
        goto out;
    }
    hb_pam_log(pamh, LOG_INFO,
               "audit session %lu of %s: sudo and su reuse the approval of "
               "uuid %s for %lld s (haobtc-login reuse revoke %s ends it)",
               sid, user, a->uuid,
               a->approved + cfg.session_reuse - (long long)now, user);
    rc = PAM_SUCCESS;
out:
    hb_config_free(&cfg);
    return rc;
}

int hb_pam_session_close(pam_handle_t *pamh, int argc, const char **argv)
{
    struct hb_config cfg;
    const char *user = NULL;
    unsigned long sid = 0;
    bool found = false;
    struct hb_error why = {0};
    int rc = PAM_IGNORE;
    if (session_setup(pamh, argc, argv, &cfg, &user) &&
        hb_audit_session(&sid)) {
        if (hb_reuse_session_close(&cfg, sid, &found, &why) != HB_OK) {
            hb_pam_log(pamh, LOG_WARNING, "session close: %s", why.msg);
        } else if (found) {
            hb_pam_log(pamh, LOG_INFO,
                       "audit session %lu of %s closed: its approval is no "
                       "longer reused",
                       sid, user);
            rc = PAM_SUCCESS;
        }
    }
    hb_config_free(&cfg);
    return rc;
}

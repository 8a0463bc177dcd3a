/* SPDX-License-Identifier: BSD-2-Clause */
/* session_reuse: an approval bound to the audit session opened after it,
 * and handed from authentication to the session that follows. */
#include "autoconf.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "reuse_session.h"
#include "text.h"

/* A pending approval is for the session of the login it came from: one
 * that sshd has not opened within this time is not taken. */
#define PENDING_MAX_SECONDS 600

static bool read_proc(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t got = read(fd, buf, n - 1);
    close(fd);
    if (got <= 0)
        return false;
    buf[got] = '\0';
    return true;
}

bool hb_audit_session(unsigned long *id)
{
    char buf[32];
    *id = HB_AUDIT_SESSION_UNSET;
    if (!read_proc("/proc/self/sessionid", buf, sizeof(buf)))
        return false;
    buf[strcspn(buf, "\n")] = '\0';
    long long v = 0;
    char *end = NULL;
    v = strtoll(buf, &end, 10);
    if (end == buf || *end != '\0' || v < 0 ||
        (unsigned long long)v >= HB_AUDIT_SESSION_UNSET)
        return false;
    *id = (unsigned long)v;
    return true;
}

unsigned long long hb_process_start(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    if (!read_proc(path, buf, sizeof(buf)))
        return 0;
    /* The name, field 2, may hold anything: count from its last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return 0;
    p++;
    for (int field = 3; field < 22 && p != NULL; field++)
        p = strchr(p + 1, ' ');
    if (p == NULL)
        return 0;
    return strtoull(p + 1, NULL, 10);
}

static void pending_name(pid_t pid, unsigned long long start, char *out,
                         size_t n)
{
    snprintf(out, n, "pending:%ld:%llu", (long)pid, start);
}

static bool fill(struct hb_reuse_record *rec, const char *user,
                 const struct hb_approval *a)
{
    if (!hb_username_is_plain(user) || strlen(user) >= sizeof(rec->user) ||
        !hb_uuid_is_valid(a->uuid))
        return false;
    snprintf(rec->user, sizeof(rec->user), "%s", user);
    snprintf(rec->uuid, sizeof(rec->uuid), "%s", a->uuid);
    if (hb_username_is_plain(a->username))
        snprintf(rec->username, sizeof(rec->username), "%s", a->username);
    rec->approved = a->approved;
    return hb_boot_id(rec->boot_id);
}

enum hb_status hb_reuse_pending_put(const struct hb_config *cfg,
                                    const char *user,
                                    const struct hb_approval *a, pid_t parent,
                                    struct hb_error *err)
{
    struct hb_reuse_record rec = {0};
    unsigned long long start = hb_process_start(parent);
    if (start == 0 || !fill(&rec, user, a))
        return hb_fail(err, HB_ERR_DENIED,
                       "the approval cannot be handed to the session");
    pending_name(parent, start, rec.bound, sizeof(rec.bound));
    /* The audit session at the approval, to tell that open_session's is
     * a new one. */
    snprintf(rec.map_digest, sizeof(rec.map_digest), "%lu", a->session_at_auth);
    rec.expires = a->approved + PENDING_MAX_SECONDS;
    return hb_reuse_add(cfg->reuse_dir, &rec, (time_t)a->approved, err);
}

enum hb_status hb_reuse_pending_take(const struct hb_config *cfg,
                                     const char *user, pid_t self, time_t now,
                                     struct hb_approval *a, bool *found,
                                     struct hb_error *err)
{
    char bound[HB_FINGERPRINT_MAX];
    struct hb_reuse_record rec;
    char boot[HB_BOOT_ID_MAX];
    memset(a, 0, sizeof(*a));
    pending_name(self, hb_process_start(self), bound, sizeof(bound));
    enum hb_status status =
        hb_reuse_take(cfg->reuse_dir, bound, user, &rec, found, err);
    if (status != HB_OK || !*found)
        return status;
    long session = 0;
    *found = hb_boot_id(boot) && strcmp(boot, rec.boot_id) == 0 &&
             rec.approved <= (long long)now && (long long)now < rec.expires &&
             hb_parse_long(rec.map_digest, 0, (long)HB_AUDIT_SESSION_UNSET,
                           &session);
    if (!*found)
        return HB_OK;
    snprintf(a->uuid, sizeof(a->uuid), "%s", rec.uuid);
    snprintf(a->username, sizeof(a->username), "%s", rec.username);
    a->approved = rec.approved;
    a->session_at_auth = (unsigned long)session;
    return HB_OK;
}

enum hb_status hb_reuse_session_open(const struct hb_config *cfg,
                                     const char *user,
                                     const struct hb_approval *a,
                                     unsigned long sid, time_t now,
                                     struct hb_error *err)
{
    struct hb_reuse_record rec = {0};
    if (!fill(&rec, user, a))
        return hb_fail(err, HB_ERR_DENIED, "the approval cannot be kept");
    snprintf(rec.bound, sizeof(rec.bound), "session:%lu", sid);
    snprintf(rec.map_digest, sizeof(rec.map_digest), "-");
    rec.expires = a->approved + cfg->session_reuse;
    return hb_reuse_add(cfg->reuse_dir, &rec, now, err);
}

/* Whether name's uid is uid. */
static bool is_uid_of(const char *name, uid_t uid)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    return getpwnam_r(name, &pw, buf, sizeof(buf), &res) == 0 && res != NULL &&
           res->pw_uid == uid;
}

enum hb_status hb_reuse_session_find(const struct hb_config *cfg,
                                     const char *pam_user, uid_t caller,
                                     unsigned long sid, time_t now,
                                     struct hb_reuse_record *found,
                                     struct hb_error *err)
{
    memset(found, 0, sizeof(*found));
    char boot[HB_BOOT_ID_MAX], bound[HB_FINGERPRINT_MAX];
    if (!hb_boot_id(boot))
        return hb_fail(err, HB_ERR_DENIED, "this boot's id is unreadable");
    snprintf(bound, sizeof(bound), "session:%lu", sid);
    struct hb_reuse_record *recs = NULL;
    size_t n = 0;
    enum hb_status status = hb_reuse_load(cfg->reuse_dir, &recs, &n, err);
    if (status != HB_OK)
        return status;
    const struct hb_reuse_record *hit = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(recs[i].bound, bound) == 0)
            hit = &recs[i];
    status = HB_ERR_DENIED;
    if (hit == NULL)
        hb_fail(err, status, "no approval recorded for audit session %lu", sid);
    else if (strcmp(hit->boot_id, boot) != 0)
        hb_fail(err, status, "the approval was in an earlier boot");
    else if (hit->approved > (long long)now ||
             (long long)now - hit->approved >= cfg->session_reuse ||
             (long long)now >= hit->expires)
        hb_fail(err, status, "the approval's window has passed");
    /* Another account's process in the session (one the user started with
     * sudo -u, say) is not the person who approved. */
    else if (!is_uid_of(hit->user, caller))
        hb_fail(err, status,
                "the caller (uid %lu) is not the session's user %s",
                (unsigned long)caller, hit->user);
    else
        status = HB_OK;
    if (status == HB_OK)
        *found = *hit;
    free(recs);
    if (status != HB_OK)
        return status;

    /* The target must be an account the same identity maps to. */
    struct hb_profile profile = {
        .uuid = found->uuid,
        .username = found->username[0] != '\0' ? found->username : NULL,
    };
    struct hb_error why = {0};
    status = hb_identity_check(cfg, &profile, pam_user, NULL, &why);
    if (status != HB_OK) {
        memset(found, 0, sizeof(*found));
        return hb_fail(err,
                       status == HB_ERR_CONFIG ? HB_ERR_CONFIG : HB_ERR_DENIED,
                       "the approval's identity does not map to this "
                       "account: %s",
                       why.msg);
    }
    return HB_OK;
}

enum hb_status hb_reuse_session_close(const struct hb_config *cfg,
                                      unsigned long sid, bool *found,
                                      struct hb_error *err)
{
    char bound[HB_FINGERPRINT_MAX];
    snprintf(bound, sizeof(bound), "session:%lu", sid);
    return hb_reuse_take(cfg->reuse_dir, bound, NULL, NULL, found, err);
}

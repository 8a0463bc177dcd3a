/* SPDX-License-Identifier: BSD-2-Clause */
/* session_reuse: an approval at login kept for its audit session (the
 * kernel's /proc/self/sessionid, set by pam_loginuid, inherited, and
 * changeable only with CAP_AUDIT_CONTROL), so that sudo and su inside that
 * session need no second approval. In the store of reuse.h. */
#ifndef HB_REUSE_SESSION_H
#define HB_REUSE_SESSION_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "reuse.h"

/* The kernel's "no audit session". */
#define HB_AUDIT_SESSION_UNSET 4294967295UL

/* This process's audit session; false when unset or unreadable. */
bool hb_audit_session(unsigned long *id);
/* When process pid started (clock ticks after boot, /proc/PID/stat), 0
 * when unreadable: a pid with its start time names one process. */
unsigned long long hb_process_start(pid_t pid);

/* What authenticate hands to open_session: who approved, when, and the
 * audit session the approval ran in (HB_AUDIT_SESSION_UNSET for none). */
struct hb_approval {
    char uuid[HB_UUID_MAX + 1];
    char username[HB_USERNAME_MAX + 1];
    long long approved;
    unsigned long session_at_auth;
};

/* sshd runs authentication in a child of the process that later opens
 * the session, so the approval waits in the store for it, bound to that
 * process (parent, and its start time) and user. */
enum hb_status hb_reuse_pending_put(const struct hb_config *cfg,
                                    const char *user,
                                    const struct hb_approval *a, pid_t parent,
                                    struct hb_error *err);
/* The approval waiting for process self and user, removed from the
 * store; *found false when none. */
enum hb_status hb_reuse_pending_take(const struct hb_config *cfg,
                                     const char *user, pid_t self, time_t now,
                                     struct hb_approval *a, bool *found,
                                     struct hb_error *err);

/* Records that audit session sid was opened for user after approval a;
 * good for cfg->session_reuse seconds from the approval. */
enum hb_status hb_reuse_session_open(const struct hb_config *cfg,
                                     const char *user,
                                     const struct hb_approval *a,
                                     unsigned long sid, time_t now,
                                     struct hb_error *err);
/* The record of audit session sid from this boot, within the window, for
 * a caller (the real uid of su or sudo) who is the session's own user, and
 * whose identity the map gives pam_user: HB_OK with it in found;
 * HB_ERR_DENIED with the reason; HB_ERR_CONFIG for an unsafe store. */
enum hb_status hb_reuse_session_find(const struct hb_config *cfg,
                                     const char *pam_user, uid_t caller,
                                     unsigned long sid, time_t now,
                                     struct hb_reuse_record *found,
                                     struct hb_error *err);
/* Removes the record of audit session sid; *found whether there was one. */
enum hb_status hb_reuse_session_close(const struct hb_config *cfg,
                                      unsigned long sid, bool *found,
                                      struct hb_error *err);

#endif

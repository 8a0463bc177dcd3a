/* SPDX-License-Identifier: BSD-2-Clause */
/* Reuse of an sshd approval for the same local user and the same SSH key
 * (reuse_for_key): the key sshd says the client proved, the root-only
 * store of approvals, and the match that lets a later login skip the
 * phone. The PAM side (which service, the PAM environment, the logs) is
 * pam_reuse.c. */
#ifndef HB_REUSE_H
#define HB_REUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "profile.h"
#include "sha256.h"
#include "status.h"

/* "SHA256:" and 43 characters, as ssh-keygen -l prints a key. */
#define HB_FINGERPRINT_MAX (7 + HB_B64_NOPAD_LEN(HB_SHA256_LEN) + 1)
#define HB_MAP_DIGEST_MAX (HB_B64_NOPAD_LEN(HB_SHA256_LEN) + 1)
#define HB_BOOT_ID_MAX 37
/* SSH_AUTH_INFO_0 longer than this is not sshd's (a 16384-bit RSA key
 * is under 3 KB of base64). */
#define HB_AUTHINFO_MAX 16384
/* The store's file in reuse_dir, and how many records it keeps. */
#define HB_REUSE_FILE "keys"
#define HB_REUSE_RECORDS_MAX 150

/* The one public key in sshd's SSH_AUTH_INFO_0 ("publickey TYPE BASE64"
 * lines, one per method passed): its fingerprint in fp. HB_ERR_DENIED
 * with the reason in err when there is none, more than one, a
 * certificate, or anything that is not a key of its own type. */
enum hb_status hb_authinfo_key(const char *info, char fp[HB_FINGERPRINT_MAX],
                               struct hb_error *err);
/* The fingerprint of a key blob, as ssh-keygen -l prints it. */
void hb_key_fingerprint(const unsigned char *blob, size_t n,
                        char fp[HB_FINGERPRINT_MAX]);

/* One approval: who was let in, bound to what (a key's fingerprint;
 * "session:N", the audit session opened after it; "pending:PID:START",
 * an approval sshd's PAM process hands to the session it opens), by which
 * map line (digest of its text; of "same_name" for same_name; "-" when
 * not bound to one), when, until when, and in which boot. */
struct hb_reuse_record {
    char user[HB_USERNAME_MAX + 1];
    char uuid[HB_UUID_MAX + 1];
    char username[HB_USERNAME_MAX + 1]; /* "" when none or not plain */
    char bound[HB_FINGERPRINT_MAX];
    char map_digest[HB_MAP_DIGEST_MAX];
    long long approved;
    long long expires;
    char boot_id[HB_BOOT_ID_MAX];
};

/* This boot's id (/proc/sys/kernel/random/boot_id). */
bool hb_boot_id(char out[HB_BOOT_ID_MAX]);
/* The digest of map line line_no's text (0: same_name gave the account). */
enum hb_status hb_map_line_digest(const struct hb_config *cfg, unsigned line_no,
                                  char out[HB_MAP_DIGEST_MAX],
                                  struct hb_error *err);

/* The store: dir owned by root with mode 0700, HB_REUSE_FILE in it owned
 * by root with mode 0600, no symbolic links, and only when this process
 * runs as root; HB_ERR_CONFIG otherwise. A missing file is no records. */
enum hb_status hb_reuse_load(const char *dir, struct hb_reuse_record **recs,
                             size_t *n, struct hb_error *err);
/* Adds rec (replacing the same user and key), dropping records past their
 * time or from another boot, and the oldest beyond HB_REUSE_RECORDS_MAX;
 * creates dir (0700) when missing. Written whole and renamed into place
 * under a lock on dir. */
enum hb_status hb_reuse_add(const char *dir, const struct hb_reuse_record *rec,
                            time_t now, struct hb_error *err);
/* Removes user's records (every record when user is NULL); *removed
 * counts them. */
enum hb_status hb_reuse_revoke(const char *dir, const char *user,
                               size_t *removed, struct hb_error *err);

/* Removes the records bound to bound (and of user, unless NULL); the
 * last of them in *out (may be NULL), *found whether there was one. */
enum hb_status hb_reuse_take(const char *dir, const char *bound,
                             const char *user, struct hb_reuse_record *out,
                             bool *found, struct hb_error *err);

/* A record for user and fp from this boot, approved less than
 * cfg->reuse_for_key seconds ago and not expired, whose identity the map
 * still gives user by the same line: HB_OK with it in found. HB_ERR_DENIED
 * with the reason when there is none; HB_ERR_CONFIG when the store is
 * unsafe or unreadable. */
enum hb_status hb_reuse_key_find(const struct hb_config *cfg, const char *user,
                                 const char *fp, time_t now,
                                 struct hb_reuse_record *found,
                                 struct hb_error *err);
/* Records the approval of profile for user with key fp, good for
 * cfg->reuse_for_key seconds from now. */
enum hb_status hb_reuse_key_record(const struct hb_config *cfg,
                                   const char *user, const char *fp,
                                   const struct hb_profile *profile,
                                   unsigned map_line, time_t now,
                                   struct hb_error *err);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* Reusing an sshd approval for the same user and the same proven SSH key:
 * the key from SSH_AUTH_INFO_0, the root-only store, and the match. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "identity.h"
#include "reuse.h"
#include "safefile.h"
#include "text.h"

/* The largest key blob taken: well over a 16384-bit RSA key. */
#define BLOB_MAX 8192

void hb_key_fingerprint(const unsigned char *blob, size_t n,
                        char fp[HB_FINGERPRINT_MAX])
{
    unsigned char md[HB_SHA256_LEN];
    hb_sha256(blob, n, md);
    memcpy(fp, "SHA256:", 7);
    hb_b64_nopad(md, sizeof(md), fp + 7);
}

/* Every public key blob is SSH strings (a 32-bit length, then that many
 * bytes) end to end, at least the type and one more: a blob cut short or
 * with bytes after it is not one. */
static bool whole_strings(const unsigned char *p, size_t n)
{
    size_t at = 0, count = 0;
    while (at < n) {
        if (n - at < 4)
            return false;
        uint32_t len = (uint32_t)p[at] << 24 | (uint32_t)p[at + 1] << 16 |
                       (uint32_t)p[at + 2] << 8 | p[at + 3];
        at += 4;
        if (n - at < len)
            return false;
        at += len;
        count++;
    }
    return count >= 2;
}

/* "TYPE BASE64" of one publickey line: the blob must decode and start
 * with TYPE as an SSH string, as every key blob does. */
static enum hb_status key_of_line(const char *line, size_t len,
                                  char fp[HB_FINGERPRINT_MAX],
                                  struct hb_error *err)
{
    const char *type = line;
    const char *sp = memchr(line, ' ', len);
    if (sp == NULL || sp == type)
        return hb_fail(err, HB_ERR_DENIED, "the publickey line has no key");
    size_t type_len = (size_t)(sp - type);
    const char *b64 = sp + 1;
    size_t b64_len = len - type_len - 1;
    /* sshd writes nothing after the key; anything there is not sshd's. */
    if (b64_len == 0 || memchr(b64, ' ', b64_len) != NULL)
        return hb_fail(err, HB_ERR_DENIED, "the publickey line is malformed");
    if (memmem(type, type_len, "-cert-", 6) != NULL)
        return hb_fail(err, HB_ERR_DENIED,
                       "a certificate is not reused (its key's fingerprint "
                       "is not what sshd logs)");

    unsigned char *blob = malloc(BLOB_MAX);
    if (blob == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    long n = hb_b64_decode(b64, b64_len, blob, BLOB_MAX);
    enum hb_status status = HB_OK;
    if (n < 4) {
        status = hb_fail(err, HB_ERR_DENIED, "the public key is not base64");
    } else {
        uint32_t name_len = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 |
                            (uint32_t)blob[2] << 8 | blob[3];
        if (name_len != type_len || (size_t)n - 4 < name_len ||
            memcmp(blob + 4, type, type_len) != 0 ||
            !whole_strings(blob, (size_t)n))
            status = hb_fail(err, HB_ERR_DENIED,
                             "the public key is not a key of its named type");
        else
            hb_key_fingerprint(blob, (size_t)n, fp);
    }
    free(blob);
    return status;
}

enum hb_status hb_authinfo_key(const char *info, char fp[HB_FINGERPRINT_MAX],
                               struct hb_error *err)
{
    fp[0] = '\0';
    if (info == NULL || info[0] == '\0')
        return hb_fail(err, HB_ERR_DENIED,
                       "sshd passed no authentication methods "
                       "(SSH_AUTH_INFO_0 is not set)");
    size_t total = strnlen(info, HB_AUTHINFO_MAX + 1);
    if (total > HB_AUTHINFO_MAX)
        return hb_fail(err, HB_ERR_DENIED, "SSH_AUTH_INFO_0 is too long");

    static const char method[] = "publickey ";
    const char *line = info, *key = NULL;
    size_t key_len = 0;
    unsigned keys = 0;
    while (line < info + total) {
        const char *nl = memchr(line, '\n', total - (size_t)(line - info));
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
        if (len > sizeof(method) - 1 &&
            memcmp(line, method, sizeof(method) - 1) == 0) {
            keys++;
            key = line + sizeof(method) - 1;
            key_len = len - (sizeof(method) - 1);
        }
        line += len + 1;
    }
    if (keys == 0)
        return hb_fail(err, HB_ERR_DENIED,
                       "no public key was proven before this module");
    /* Which of several keys would the record be bound to? None. */
    if (keys > 1)
        return hb_fail(err, HB_ERR_DENIED,
                       "more than one public key was proven");
    return key_of_line(key, key_len, fp, err);
}

bool hb_boot_id(char out[HB_BOOT_ID_MAX])
{
    out[0] = '\0';
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t got = read(fd, out, HB_BOOT_ID_MAX - 1);
    close(fd);
    if (got < 36)
        return false;
    out[36] = '\0';
    for (size_t i = 0; i < 36; i++) {
        char c = out[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-'
                 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            out[0] = '\0';
            return false;
        }
    }
    return true;
}

enum hb_status hb_map_line_digest(const struct hb_config *cfg, unsigned line_no,
                                  char out[HB_MAP_DIGEST_MAX],
                                  struct hb_error *err)
{
    unsigned char md[HB_SHA256_LEN];
    out[0] = '\0';
    if (line_no == 0) {
        hb_sha256("same_name", 9, md);
        hb_b64_nopad(md, sizeof(md), out);
        return HB_OK;
    }
    char *text = NULL;
    size_t len = 0;
    enum hb_status status =
        hb_read_safe_file(cfg->map_file, 0, false, &text, &len, NULL, err);
    if (status != HB_OK)
        return status;
    const char *line = text;
    for (unsigned i = 1; i < line_no && line != NULL; i++) {
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    if (line == NULL || *line == '\0') {
        free(text);
        return hb_fail(err, HB_ERR_DENIED, "%s has no line %u", cfg->map_file,
                       line_no);
    }
    const char *end = strchr(line, '\n');
    hb_sha256(line, end != NULL ? (size_t)(end - line) : strlen(line), md);
    hb_b64_nopad(md, sizeof(md), out);
    free(text);
    return HB_OK;
}

/* ---- the store */

/* The directory as a descriptor, checked: root's, 0700, no symlink;
 * -1 with HB_OK when it does not exist and create is false. */
static enum hb_status open_dir(const char *dir, bool create, int *fd,
                               struct hb_error *err)
{
    *fd = -1;
    if (geteuid() != 0)
        return hb_fail(err, HB_ERR_CONFIG,
                       "the reuse store %s can only be used as root", dir);
    if (dir == NULL || dir[0] != '/')
        return hb_fail(err, HB_ERR_CONFIG,
                       "the reuse store must be an "
                       "absolute path");
    /* Nothing kept yet: no store, and nothing wrong. */
    struct stat st;
    if (!create && lstat(dir, &st) != 0 && errno == ENOENT)
        return HB_OK;
    if (create && mkdir(dir, 0700) == 0) {
        /* The caller's umask may have taken bits away; the check below
         * wants exactly 0700. */
        if (chmod(dir, 0700) != 0)
            return hb_fail(err, HB_ERR_CONFIG, "cannot set the mode of %s: %s",
                           dir, strerror(errno));
    } else if (create && errno != EEXIST) {
        return hb_fail(err, HB_ERR_CONFIG, "cannot create %s: %s", dir,
                       strerror(errno));
    }
    int d = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d < 0)
        return hb_fail(err, HB_ERR_CONFIG, "cannot open %s: %s", dir,
                       errno == ELOOP || errno == ENOTDIR
                           ? "not a directory (a symbolic link?)"
                           : strerror(errno));
    if (fstat(d, &st) != 0 || st.st_uid != 0 || (st.st_mode & 07777) != 0700) {
        close(d);
        return hb_fail(err, HB_ERR_CONFIG,
                       "%s must be a directory owned by root with mode 700",
                       dir);
    }
    *fd = d;
    return HB_OK;
}

static bool copy_field(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n)
        return false;
    memcpy(dst, src, len + 1);
    return true;
}

static bool all_digits(const char *s, size_t min, size_t max)
{
    size_t n = strspn(s, "0123456789");
    return n >= min && n <= max && s[n] == '\0';
}

/* A key's fingerprint, "session:N" or "pending:PID:START". */
static bool bound_is_valid(const char *b)
{
    if (strncmp(b, "SHA256:", 7) == 0)
        return strlen(b) == HB_FINGERPRINT_MAX - 1;
    if (strncmp(b, "session:", 8) == 0)
        return all_digits(b + 8, 1, 10);
    if (strncmp(b, "pending:", 8) != 0)
        return false;
    const char *colon = strchr(b + 8, ':');
    if (colon == NULL || colon - (b + 8) > 10 || colon == b + 8)
        return false;
    return strspn(b + 8, "0123456789") == (size_t)(colon - (b + 8)) &&
           all_digits(colon + 1, 1, 20);
}

static bool parse_record(char *line, struct hb_reuse_record *r)
{
    char *f[9] = {0};
    char *save = NULL;
    size_t n = 0;
    for (char *t = strtok_r(line, " ", &save); t != NULL;
         t = strtok_r(NULL, " ", &save)) {
        if (n == 9)
            return false;
        f[n++] = t;
    }
    long approved = 0, expires = 0;
    if (n != 8 || !copy_field(r->user, sizeof(r->user), f[0]) ||
        !hb_username_is_plain(r->user) ||
        !copy_field(r->uuid, sizeof(r->uuid), f[1]) ||
        !hb_uuid_is_valid(r->uuid) ||
        !copy_field(r->username, sizeof(r->username), f[2]) ||
        !copy_field(r->bound, sizeof(r->bound), f[3]) ||
        !bound_is_valid(r->bound) ||
        !copy_field(r->map_digest, sizeof(r->map_digest), f[4]) ||
        !hb_parse_long(f[5], 0, LONG_MAX, &approved) ||
        !hb_parse_long(f[6], 0, LONG_MAX, &expires) ||
        !copy_field(r->boot_id, sizeof(r->boot_id), f[7]))
        return false;
    if (strcmp(r->username, "-") == 0)
        r->username[0] = '\0';
    else if (!hb_username_is_plain(r->username))
        return false;
    r->approved = approved;
    r->expires = expires;
    return true;
}

static enum hb_status load_at(const char *dir, struct hb_reuse_record **recs,
                              size_t *n, struct hb_error *err)
{
    *recs = NULL;
    *n = 0;
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, HB_REUSE_FILE) >=
        sizeof(path))
        return hb_fail(err, HB_ERR_CONFIG, "the reuse store path is too long");
    struct stat st;
    if (lstat(path, &st) != 0 && errno == ENOENT)
        return HB_OK;

    char *text = NULL;
    size_t len = 0;
    mode_t mode = 0;
    enum hb_status status =
        hb_read_safe_file(path, 0, true, &text, &len, &mode, err);
    if (status != HB_OK)
        return status;
    if (mode != 0600) {
        free(text);
        return hb_fail(err, HB_ERR_CONFIG, "%s must have mode 600, not %03o",
                       path, (unsigned)mode);
    }
    struct hb_reuse_record *all =
        calloc(HB_REUSE_RECORDS_MAX, sizeof(struct hb_reuse_record));
    if (all == NULL) {
        free(text);
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    }
    size_t count = 0;
    unsigned line_no = 0;
    char *next = text;
    while (status == HB_OK && next != NULL && *next != '\0') {
        char *line = next;
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        line_no++;
        if (count == HB_REUSE_RECORDS_MAX)
            status = hb_fail(err, HB_ERR_CONFIG, "%s has more than %d records",
                             path, HB_REUSE_RECORDS_MAX);
        else if (!parse_record(line, &all[count]))
            status = hb_fail(err, HB_ERR_CONFIG,
                             "%s line %u is malformed (haobtc-login reuse "
                             "revoke --all clears the store)",
                             path, line_no);
        else
            count++;
    }
    free(text);
    if (status != HB_OK) {
        free(all);
        return status;
    }
    *recs = all;
    *n = count;
    return HB_OK;
}

enum hb_status hb_reuse_load(const char *dir, struct hb_reuse_record **recs,
                             size_t *n, struct hb_error *err)
{
    *recs = NULL;
    *n = 0;
    int d = -1;
    enum hb_status status = open_dir(dir, false, &d, err);
    if (status == HB_OK && d >= 0)
        status = load_at(dir, recs, n, err);
    if (d >= 0)
        close(d);
    return status;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Writes the records beside the file and renames them over it: a reader
 * sees the old store or the new one, never half. */
static enum hb_status save_at(int d, const char *dir,
                              const struct hb_reuse_record *recs, size_t n,
                              struct hb_error *err)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", HB_REUSE_FILE, (long)getpid());
    int fd = openat(d, tmp,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return hb_fail(err, HB_ERR_SYSTEM, "cannot write in %s: %s", dir,
                       strerror(errno));
    bool ok = fchmod(fd, 0600) == 0;
    for (size_t i = 0; ok && i < n; i++) {
        char line[512];
        int len = snprintf(line, sizeof(line), "%s %s %s %s %s %lld %lld %s\n",
                           recs[i].user, recs[i].uuid,
                           recs[i].username[0] != '\0' ? recs[i].username : "-",
                           recs[i].bound, recs[i].map_digest, recs[i].approved,
                           recs[i].expires, recs[i].boot_id);
        ok = len > 0 && (size_t)len < sizeof(line) &&
             write_all(fd, line, (size_t)len);
    }
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && renameat(d, tmp, d, HB_REUSE_FILE) == 0;
    if (!ok) {
        int e = errno;
        unlinkat(d, tmp, 0);
        return hb_fail(err, HB_ERR_SYSTEM, "cannot write %s/%s: %s", dir,
                       HB_REUSE_FILE, strerror(e));
    }
    fsync(d);
    return HB_OK;
}

/* Read, change and write under one lock, so that a revoke and a login
 * that records at the same moment cannot undo each other. */
static enum hb_status edit(const char *dir, bool create,
                           size_t (*fn)(struct hb_reuse_record *recs, size_t n,
                                        void *cls),
                           void *cls, struct hb_error *err)
{
    int d = -1;
    enum hb_status status = open_dir(dir, create, &d, err);
    if (status != HB_OK || d < 0)
        return status;
    struct hb_reuse_record *recs = NULL;
    size_t n = 0;
    if (flock(d, LOCK_EX) != 0)
        status = hb_fail(err, HB_ERR_SYSTEM, "cannot lock %s: %s", dir,
                         strerror(errno));
    if (status == HB_OK)
        status = load_at(dir, &recs, &n, err);
    if (status == HB_OK) {
        if (recs == NULL)
            recs = calloc(HB_REUSE_RECORDS_MAX, sizeof(*recs));
        if (recs == NULL)
            status = hb_fail(err, HB_ERR_NOMEM, "out of memory");
    }
    if (status == HB_OK)
        status = save_at(d, dir, recs, fn(recs, n, cls), err);
    free(recs);
    close(d);
    return status;
}

struct add_cls {
    const struct hb_reuse_record *rec;
    time_t now;
};

static size_t add_edit(struct hb_reuse_record *recs, size_t n, void *cls)
{
    const struct add_cls *a = cls;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        const struct hb_reuse_record *r = &recs[i];
        bool stale = r->expires <= (long long)a->now ||
                     strcmp(r->boot_id, a->rec->boot_id) != 0;
        bool same = strcmp(r->user, a->rec->user) == 0 &&
                    strcmp(r->bound, a->rec->bound) == 0;
        if (!stale && !same)
            recs[kept++] = *r;
    }
    /* Full: the oldest approval goes (the file is kept in the order
     * written, so that is the first). */
    if (kept == HB_REUSE_RECORDS_MAX) {
        memmove(recs, recs + 1, (kept - 1) * sizeof(*recs));
        kept--;
    }
    recs[kept++] = *a->rec;
    return kept;
}

enum hb_status hb_reuse_add(const char *dir, const struct hb_reuse_record *rec,
                            time_t now, struct hb_error *err)
{
    struct add_cls a = {rec, now};
    return edit(dir, true, add_edit, &a, err);
}

struct revoke_cls {
    const char *user;
    size_t removed;
};

static size_t revoke_edit(struct hb_reuse_record *recs, size_t n, void *cls)
{
    struct revoke_cls *r = cls;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (r->user == NULL || strcmp(recs[i].user, r->user) == 0)
            r->removed++;
        else
            recs[kept++] = recs[i];
    }
    return kept;
}

enum hb_status hb_reuse_revoke(const char *dir, const char *user,
                               size_t *removed, struct hb_error *err)
{
    struct revoke_cls r = {user, 0};
    *removed = 0;
    enum hb_status status = edit(dir, false, revoke_edit, &r, err);
    if (status == HB_OK)
        *removed = r.removed;
    return status;
}

struct take_cls {
    const char *bound;
    const char *user;
    struct hb_reuse_record *out;
    bool found;
};

static size_t take_edit(struct hb_reuse_record *recs, size_t n, void *cls)
{
    struct take_cls *t = cls;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(recs[i].bound, t->bound) == 0 &&
            (t->user == NULL || strcmp(recs[i].user, t->user) == 0)) {
            if (t->out != NULL)
                *t->out = recs[i];
            t->found = true;
        } else {
            recs[kept++] = recs[i];
        }
    }
    return kept;
}

enum hb_status hb_reuse_take(const char *dir, const char *bound,
                             const char *user, struct hb_reuse_record *out,
                             bool *found, struct hb_error *err)
{
    struct take_cls t = {bound, user, out, false};
    *found = false;
    enum hb_status status = edit(dir, false, take_edit, &t, err);
    if (status == HB_OK)
        *found = t.found;
    return status;
}

/* ---- the match */

enum hb_status hb_reuse_key_find(const struct hb_config *cfg, const char *user,
                                 const char *fp, time_t now,
                                 struct hb_reuse_record *found,
                                 struct hb_error *err)
{
    memset(found, 0, sizeof(*found));
    char boot[HB_BOOT_ID_MAX];
    if (!hb_boot_id(boot))
        return hb_fail(err, HB_ERR_DENIED, "this boot's id is unreadable");
    struct hb_reuse_record *recs = NULL;
    size_t n = 0;
    enum hb_status status = hb_reuse_load(cfg->reuse_dir, &recs, &n, err);
    if (status != HB_OK)
        return status;
    const struct hb_reuse_record *hit = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(recs[i].user, user) == 0 && strcmp(recs[i].bound, fp) == 0)
            hit = &recs[i];
    status = HB_ERR_DENIED;
    if (hit == NULL)
        hb_fail(err, status, "no approval recorded for this user and key");
    else if (strcmp(hit->boot_id, boot) != 0)
        hb_fail(err, status, "the approval was in an earlier boot");
    /* A shorter reuse_for_key (0 among them) applies to what is stored;
     * a clock set back makes no approval younger. */
    else if (hit->approved > (long long)now ||
             (long long)now - hit->approved >= cfg->reuse_for_key ||
             (long long)now >= hit->expires)
        hb_fail(err, status, "the approval's window has passed");
    else
        status = HB_OK;
    if (status == HB_OK)
        *found = *hit;
    free(recs);
    if (status != HB_OK)
        return status;

    /* The map still gives this identity the account, by the same line. */
    struct hb_profile profile = {
        .uuid = found->uuid,
        .username = found->username[0] != '\0' ? found->username : NULL,
    };
    unsigned line = 0;
    char digest[HB_MAP_DIGEST_MAX];
    struct hb_error why = {0};
    status = hb_identity_check(cfg, &profile, user, &line, &why);
    if (status == HB_OK)
        status = hb_map_line_digest(cfg, line, digest, &why);
    if (status == HB_OK && strcmp(digest, found->map_digest) != 0)
        status = hb_fail(&why, HB_ERR_DENIED,
                         "the map line that allowed it "
                         "has changed");
    if (status != HB_OK) {
        memset(found, 0, sizeof(*found));
        return hb_fail(err,
                       status == HB_ERR_CONFIG ? HB_ERR_CONFIG : HB_ERR_DENIED,
                       "the mapping no longer allows it: %s", why.msg);
    }
    return HB_OK;
}

enum hb_status hb_reuse_key_record(const struct hb_config *cfg,
                                   const char *user, const char *fp,
                                   const struct hb_profile *profile,
                                   unsigned map_line, time_t now,
                                   struct hb_error *err)
{
    struct hb_reuse_record rec = {0};
    if (!hb_username_is_plain(user) ||
        !copy_field(rec.user, sizeof(rec.user), user))
        return hb_fail(err, HB_ERR_DENIED, "the local name is not plain");
    if (!hb_uuid_is_valid(profile->uuid) ||
        !copy_field(rec.uuid, sizeof(rec.uuid), profile->uuid))
        return hb_fail(err, HB_ERR_DENIED, "the uuid is not hex");
    if (hb_username_is_plain(profile->username))
        copy_field(rec.username, sizeof(rec.username), profile->username);
    if (!copy_field(rec.bound, sizeof(rec.bound), fp) ||
        strlen(fp) != HB_FINGERPRINT_MAX - 1)
        return hb_fail(err, HB_ERR_DENIED, "no key fingerprint");
    if (!hb_boot_id(rec.boot_id))
        return hb_fail(err, HB_ERR_SYSTEM, "this boot's id is unreadable");
    enum hb_status status =
        hb_map_line_digest(cfg, map_line, rec.map_digest, err);
    if (status != HB_OK)
        return status;
    rec.approved = (long long)now;
    rec.expires = (long long)now + cfg->reuse_for_key;
    return hb_reuse_add(cfg->reuse_dir, &rec, now, err);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The store of approvals kept for reuse (reuse.h): one root-only file in a
 * root-only directory, read whole, changed under a lock, and written
 * beside itself and renamed into place. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

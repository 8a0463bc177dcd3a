/* SPDX-License-Identifier: BSD-2-Clause */
/* Opening configuration, map and secret files so that nobody but their
 * owner can have put words in them, and no symlink can redirect us. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "finding.h"
#include "safefile.h"
#include "secure.h"

static enum hb_status check_stat(const char *path, const struct stat *st,
                                 uid_t owner, bool secret, struct hb_error *err)
{
    if (!S_ISREG(st->st_mode))
        return hb_fail(err, HB_ERR_CONFIG, "%s is not a regular file", path);
    if (st->st_uid != owner)
        return hb_fail(err, HB_ERR_CONFIG, "%s is owned by uid %u, not %u",
                       path, (unsigned)st->st_uid, (unsigned)owner);
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return hb_fail(err, HB_ERR_CONFIG,
                       "%s is writable by group or others (mode %03o)", path,
                       (unsigned)(st->st_mode & 0777));
    if (secret && (st->st_mode & (S_IRGRP | S_IROTH)))
        return hb_fail(err, HB_ERR_CONFIG,
                       "%s holds a secret but is readable by group or others "
                       "(mode %03o)",
                       path, (unsigned)(st->st_mode & 0777));
    if (st->st_size > HB_SAFEFILE_MAX)
        return hb_fail(err, HB_ERR_CONFIG, "%s is larger than %d bytes", path,
                       HB_SAFEFILE_MAX);
    return HB_OK;
}

enum hb_status hb_read_safe_file(const char *path, uid_t owner, bool secret,
                                 char **out, size_t *out_len, mode_t *mode,
                                 struct hb_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (path == NULL || path[0] != '/')
        return hb_fail(err, HB_ERR_CONFIG, "%s is not an absolute path",
                       path != NULL ? path : "(null)");

    int fd =
        open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ELOOP)
            return hb_fail(err, HB_ERR_CONFIG, "%s is a symbolic link", path);
        return hb_fail(err, HB_ERR_CONFIG, "cannot open %s: %s", path,
                       strerror(errno));
    }

    struct stat st;
    enum hb_status status;
    if (fstat(fd, &st) != 0) {
        status = hb_fail(err, HB_ERR_CONFIG, "cannot stat %s: %s", path,
                         strerror(errno));
        goto out;
    }
    status = check_stat(path, &st, owner, secret, err);
    if (status != HB_OK)
        goto out;

    char *buf = malloc(HB_SAFEFILE_MAX + 1);
    if (buf == NULL) {
        status = hb_fail(err, HB_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t len = 0;
    /* Read to EOF and one byte past the cap: the file may grow after fstat. */
    while (len <= HB_SAFEFILE_MAX) {
        ssize_t got = read(fd, buf + len, HB_SAFEFILE_MAX + 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            status = hb_fail(err, HB_ERR_CONFIG, "cannot read %s: %s", path,
                             strerror(errno));
            break;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    if (status == HB_OK && len > HB_SAFEFILE_MAX)
        status = hb_fail(err, HB_ERR_CONFIG, "%s is larger than %d bytes", path,
                         HB_SAFEFILE_MAX);
    if (status == HB_OK && memchr(buf, '\0', len) != NULL)
        status = hb_fail(err, HB_ERR_CONFIG, "%s contains a NUL byte", path);
    if (status != HB_OK) {
        hb_wipe(buf, HB_SAFEFILE_MAX + 1);
        free(buf);
        goto out;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    if (mode != NULL)
        *mode = st.st_mode & 07777;
out:
    close(fd);
    return status;
}

void hb_safe_file_fix(const char *path, bool secret,
                      struct hb_finding_text *fix)
{
    struct stat st;
    const char *mode = secret ? "600" : "644";
    if (lstat(path, &st) != 0)
        hb_finding_text(fix, HB_FT_FIX_FILE_CREATE, path, mode);
    else if (S_ISLNK(st.st_mode))
        hb_finding_text(fix, HB_FT_FIX_FILE_SYMLINK, path, path, path);
    else if (!S_ISREG(st.st_mode))
        hb_finding_text(fix, HB_FT_FIX_FILE_REGULAR, path);
    else if (st.st_uid != 0)
        hb_finding_text(fix, HB_FT_FIX_FILE_OWNER, path);
    else if (st.st_mode & (S_IWGRP | S_IWOTH) ||
             (secret && st.st_mode & (S_IRGRP | S_IROTH)))
        hb_finding_text(fix, HB_FT_FIX_FILE_MODE, mode, path);
    else
        hb_finding_text(fix, HB_FT_FIX_FILE_CONTENT, path);
}

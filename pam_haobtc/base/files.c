/* SPDX-License-Identifier: BSD-2-Clause */
/* Small whole-file reads and port files. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "files.h"
#include "secure.h"

char *hb_read_small_file(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    char *data;
    size_t got = 0;
    ssize_t n = 1;
    int saved;

    if (fd < 0)
        return NULL;
    data = malloc(max + 1);
    if (data == NULL) {
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    /* One byte past max tells a file that is too long from one that fits. */
    while (got <= max && n > 0) {
        n = read(fd, data + got, max + 1 - got);
        if (n > 0)
            got += (size_t)n;
        else if (n < 0 && errno == EINTR)
            n = 1;
    }
    saved = n < 0 ? errno : got > max ? EFBIG : 0;
    close(fd);
    if (saved != 0) {
        hb_wipe(data, max + 1);
        free(data);
        errno = saved;
        return NULL;
    }
    data[got] = '\0';
    if (len != NULL)
        *len = got;
    return data;
}

bool hb_write_port_file(const char *path, unsigned port)
{
    char tmp[PATH_MAX];
    char text[16];
    int fd, n;
    bool ok;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return false;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    n = snprintf(text, sizeof(text), "%u\n", port);
    ok = write(fd, text, (size_t)n) == n;
    ok = close(fd) == 0 && ok;
    if (ok)
        ok = rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    return ok;
}

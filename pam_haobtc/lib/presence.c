/* SPDX-License-Identifier: BSD-2-Clause */
/* Noticing that the person left, so a long poll stops waiting for them.
 *
 * While the module waits on the relay, sshd reads nothing from the client:
 * its unprivileged process waits on the monitor, the monitor on the PAM
 * process. A dropped client therefore shows only as the client's TCP
 * socket, which the PAM process inherited, leaving ESTABLISHED. */
#include "autoconf.h"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "presence.h"

#define FD_SCAN_MAX 1024

static bool established(int fd)
{
    struct tcp_info info;
    socklen_t len = sizeof(info);
    return getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 &&
           info.tcpi_state == TCP_ESTABLISHED;
}

/* Counts the connection on fd if it is an established TCP one. */
static void note_fd(struct hb_presence *p, int fd)
{
    int type = 0;
    socklen_t len = sizeof(type);
    struct stat st;
    if (p->conns >= HB_PRESENCE_CONNS ||
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
        type != SOCK_STREAM || !established(fd) || fstat(fd, &st) != 0)
        return;
    p->fd[p->conns] = fd;
    p->ino[p->conns] = (unsigned long)st.st_ino;
    p->conns++;
}

void hb_presence_note(struct hb_presence *p)
{
    p->parent = (long)getppid();
    p->conns = 0;
    /* The open descriptors only, rather than a getsockopt on every number
     * up to FD_SCAN_MAX; without /proc, every number it is. */
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) {
        for (int fd = 0; fd < FD_SCAN_MAX; fd++)
            note_fd(p, fd);
        return;
    }
    int own = dirfd(dir);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        char *end = NULL;
        long fd = strtol(entry->d_name, &end, 10);
        if (end == entry->d_name || *end != '\0' || fd < 0 ||
            fd >= FD_SCAN_MAX || fd == own)
            continue;
        note_fd(p, (int)fd);
    }
    closedir(dir);
}

bool hb_presence_lost(const struct hb_presence *p)
{
    if ((long)getppid() != p->parent)
        return true;
    for (int i = 0; i < p->conns; i++) {
        struct stat st;
        /* A descriptor closed and reused by the application is not ours
         * to judge. */
        if (fstat(p->fd[i], &st) != 0 || (unsigned long)st.st_ino != p->ino[i])
            continue;
        if (!established(p->fd[i]))
            return true;
    }
    return false;
}

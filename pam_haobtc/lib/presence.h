/* SPDX-License-Identifier: BSD-2-Clause */
/* Whether the person at the other end of the login is still there. */
#ifndef HB_PRESENCE_H
#define HB_PRESENCE_H

#include <stdbool.h>

#define HB_PRESENCE_CONNS 4

struct hb_presence {
    long parent; /* getppid() when the login started */
    int fd[HB_PRESENCE_CONNS];
    unsigned long ino[HB_PRESENCE_CONNS];
    int conns;
};

/* Notes the process's parent and the TCP connections already open (under
 * sshd: the client's), before the login opens any of its own. */
void hb_presence_note(struct hb_presence *p);
/* True once the parent is gone or one of those connections has closed. */
bool hb_presence_lost(const struct hb_presence *p);

#endif

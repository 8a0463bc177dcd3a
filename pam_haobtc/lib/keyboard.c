/* SPDX-License-Identifier: BSD-2-Clause */
/* The terminal during a wait with no prompt; see keyboard.h.
 *
 * The terminal stays in its own line discipline's hands as little as
 * possible: with echo off and byte-at-a-time input, a password typed
 * while the QR code is on the screen never shows, and Enter is seen at
 * once. The signal keys are read as bytes, so that the terminal is put
 * back before su or sudo die of them: left without echo, the person's
 * shell would show nothing they type afterwards. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "keyboard.h"
#include "secure.h"

bool hb_keyboard_open(struct hb_keyboard *k, const char *path)
{
    memset(k, 0, sizeof(*k));
    k->fd = -1;
    int fd = open(path != NULL ? path : "/dev/tty",
                  O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    /* A background job that touched the terminal would be stopped
     * (SIGTTIN, SIGTTOU) until the shell brings it back. */
    if (!isatty(fd) || tcgetpgrp(fd) != getpgrp() ||
        tcgetattr(fd, &k->saved) != 0) {
        close(fd);
        return false;
    }
    struct termios quiet = k->saved;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL | ICANON | ISIG);
    quiet.c_cc[VMIN] = 1;
    quiet.c_cc[VTIME] = 0;
    if (tcsetattr(fd, TCSANOW, &quiet) != 0) {
        close(fd);
        return false;
    }
    k->fd = fd;
    return true;
}

void hb_keyboard_clear(struct hb_keyboard *k)
{
    hb_wipe(k->line, sizeof(k->line));
    k->len = 0;
    k->too_long = false;
    k->line_ended = false;
}

/* Drops the last character typed, all of its UTF-8 bytes. */
static void erase_one(struct hb_keyboard *k)
{
    while (k->len > 0) {
        unsigned char c = (unsigned char)k->line[--k->len];
        k->line[k->len] = '\0';
        if ((c & 0xc0) != 0x80)
            break;
    }
}

static bool is_key(const struct hb_keyboard *k, unsigned char c, int which)
{
    cc_t key = k->saved.c_cc[which];
    return key != _POSIX_VDISABLE && c == key;
}

/* One byte typed; true when it ended the line. */
static bool take(struct hb_keyboard *k, unsigned char c)
{
    if (is_key(k, c, VINTR) || is_key(k, c, VQUIT)) {
        k->signal_typed = is_key(k, c, VINTR) ? SIGINT : SIGQUIT;
        return false;
    }
    if (c == '\r' || c == '\n' || is_key(k, c, VEOF))
        return true;
    if (is_key(k, c, VERASE) || c == 0x7f || c == 0x08) {
        erase_one(k);
    } else if (is_key(k, c, VKILL)) {
        hb_keyboard_clear(k);
    } else if (c >= 0x20 && c != 0x7f) {
        if (k->len < HB_KEYBOARD_MAX)
            k->line[k->len++] = (char)c;
        else
            k->too_long = true;
    }
    /* Other control bytes (a cursor key's escape sequence, Ctrl-Z) are
     * no part of a password: dropped. */
    return false;
}

enum hb_status hb_keyboard_read(struct hb_keyboard *k, struct hb_error *err)
{
    if (k->fd < 0)
        return HB_OK;
    unsigned char buf[64];
    for (;;) {
        ssize_t n = read(k->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return HB_OK;
        if (n <= 0) {
            hb_wipe(buf, sizeof(buf));
            return hb_fail(err, HB_ERR_CONV, "the terminal went away");
        }
        for (ssize_t i = 0; i < n; i++) {
            if (take(k, buf[i])) {
                k->line_ended = true;
                hb_wipe(buf, sizeof(buf));
                return hb_fail(err, HB_ERR_PASSWORD,
                               "the person pressed Enter during the wait");
            }
            if (k->signal_typed != 0) {
                hb_wipe(buf, sizeof(buf));
                return hb_fail(err, HB_ERR_CONV, "the person pressed %s",
                               k->signal_typed == SIGINT ? "Ctrl-C"
                                                         : "Ctrl-\\");
            }
        }
        hb_wipe(buf, sizeof(buf));
    }
}

void hb_keyboard_close(struct hb_keyboard *k)
{
    hb_keyboard_clear(k);
    if (k->fd < 0)
        return;
    /* TCSAFLUSH: keys typed after the wait ended but before this are not
     * left for the next program to read as a command. */
    tcsetattr(k->fd, TCSAFLUSH, &k->saved);
    close(k->fd);
    k->fd = -1;
    int sig = k->signal_typed;
    k->signal_typed = 0;
    if (sig != 0)
        kill(getpid(), sig);
}

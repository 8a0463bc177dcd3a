/* SPDX-License-Identifier: BSD-2-Clause */
/* The person's terminal while the module waits on the relay with no
 * prompt: what they type is not echoed, and a line they end with Enter
 * can end the wait (or_password). */
#ifndef HB_KEYBOARD_H
#define HB_KEYBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

#include "status.h"

/* Longer input is not a password any PAM application would take
 * (PAM_MAX_RESP_SIZE is 512 with its terminator). */
#define HB_KEYBOARD_MAX 511

struct hb_keyboard {
    int fd; /* -1: no terminal of the person's to read */
    struct termios saved;
    size_t len;
    bool too_long;    /* more was typed than the line holds */
    bool line_ended;  /* Enter ended the line */
    int signal_typed; /* Ctrl-C or Ctrl-\ typed: delivered at close */
    char line[HB_KEYBOARD_MAX + 1];
};

/* Opens the controlling terminal (path; NULL: /dev/tty) when this process
 * is in its foreground, and turns off echo and the keys that send
 * signals, keeping their meaning for hb_keyboard_close. false, with
 * k->fd -1, where there is no such terminal (sshd, a pipe, a background
 * job): nothing was changed. */
bool hb_keyboard_open(struct hb_keyboard *k, const char *path);
/* Reads what is there without blocking. HB_OK while the person is still
 * typing; HB_ERR_PASSWORD once Enter ended the line (k->line holds it,
 * without the Enter); HB_ERR_CONV after Ctrl-C or Ctrl-\ or when the
 * terminal went away. Erase and kill keys edit the line. */
enum hb_status hb_keyboard_read(struct hb_keyboard *k, struct hb_error *err);
/* Starts a new line (after one that ended the wait was used or refused),
 * wiping the old one. */
void hb_keyboard_clear(struct hb_keyboard *k);
/* Restores the terminal as it was, wipes the line, and then delivers a
 * signal the person typed, as the terminal would have: su and sudo end as
 * they do on Ctrl-C at their own prompts. Safe to call twice. */
void hb_keyboard_close(struct hb_keyboard *k);

#endif

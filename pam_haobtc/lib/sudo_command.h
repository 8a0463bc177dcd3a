/* SPDX-License-Identifier: BSD-2-Clause */
/* The command a login under sudo approves, as the phone's context page
 * shows it: read from sudo's own arguments, never from its environment. */
#ifndef HB_SUDO_COMMAND_H
#define HB_SUDO_COMMAND_H

#include <stddef.h>

/* Raw bytes kept of a command: enough that the helper's cut (at
 * HB_RELAY_COMMAND_MAX shown bytes, "..." at the end) always falls
 * inside them, small enough for the module-helper frame. */
#define HB_SUDO_COMMAND_KEEP 800

/* The command this process, when it is sudo, was asked to run (see
 * hb_sudo_command_of); NULL when this process is not sudo, its arguments
 * cannot be read, or memory ran out. The caller frees it. */
char *hb_sudo_command(void);

/* From sudo's argv (argv[0] included, n of them): the words after sudo's
 * options and "--", joined by spaces, a word with a space or a shell
 * character quoted as a shell would; "sudoedit FILES" for sudoedit or -e;
 * the whole invocation ("sudo -i") when no command follows. Cut at
 * HB_SUDO_COMMAND_KEEP bytes. NULL when out of memory. */
char *hb_sudo_command_of(size_t n, const char *const *argv);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* The helper's sandbox: once it has read its root-only files, it drops root
 * to its own system user and confines itself to the system calls a login
 * needs, before libcurl, TLS and json-c read anything from the network. */
#ifndef HB_SANDBOX_H
#define HB_SANDBOX_H

#include "status.h"

/* As root: becomes HB_HELPER_USER (no groups, no way back), then, in every
 * case, no new privileges and the system call filter; a call outside it
 * kills the process (SIGSYS). HB_ERR_CONFIG when the user does not exist
 * or the switch did not hold; nothing is confined then, and the caller
 * must end the login. */
enum hb_status hb_sandbox_enter(struct hb_error *err);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* What the setup check assumes each module of a stack does, and the six
 * logins it replays through the stack: the findings per service and the
 * one-line policy of every service both come from here. */
#ifndef HB_PAM_REPLAY_H
#define HB_PAM_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "pam_stack.h"

enum role { ROLE_OTHER, ROLE_HAOBTC, ROLE_PASSWORD, ROLE_PASSES, ROLE_FAILS };

/* What a module does for a person who is not root and has every other
 * factor the stack asks for. */
enum role pam_role(const struct pam_line *l);

struct scenario {
    enum pam_rv haobtc;
    enum pam_rv password;
};

/* A pam_rv_fn: a line's return value in the scenario arg points to. */
enum pam_rv pam_outcome(const struct pam_line *l, void *arg);

/* Indexes of the six logins: haobtc approves, refuses or is unreachable;
 * the password is right or wrong. */
enum { H_OK, H_NO, H_DOWN };
enum { P_OK, P_NO };

struct replay {
    bool in[3][2];
    bool reached[3][2]; /* a haobtc line ran */
    bool password_first[3][2];
    size_t ended_at[3][2]; /* the last line that ran */
    /* Two haobtc lines that ran in one login, first as the run went;
     * twice[0] == twice[1] when no login ran two. */
    size_t twice[2];
};

void pam_replay(const struct pam_stack *st, struct replay *r);
/* The same six logins with every haobtc line answering PAM_IGNORE, as
 * outside services= or groups=. */
void pam_replay_not_asked(const struct pam_stack *st, struct replay *r);

/* The stack's effective policy for a person who is not root, in the
 * fixed words haobtc-login(1) lists ("haobtc required", "haobtc or
 * password", "password only", ...). They stay English in every
 * language, like the check's verdicts, for grep and scripts. */
const char *pam_policy(const struct pam_stack *st, const struct replay *r);

#endif

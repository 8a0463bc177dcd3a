/* SPDX-License-Identifier: BSD-2-Clause */
/* A PAM service's stack as Linux-PAM reads it (@include, include and
 * substack followed) and a replay of how libpam decides it, so the setup
 * check can say in words what the module's control field means there. */
#ifndef HB_PAM_STACK_H
#define HB_PAM_STACK_H

#include <stdbool.h>
#include <stddef.h>

/* The return values the replay gives modules; libpam has more, but no
 * module the check models returns them. */
enum pam_rv {
    RV_SUCCESS,
    RV_AUTH_ERR,
    RV_AUTHINFO_UNAVAIL,
    RV_IGNORE,
    RV_ACCT_EXPIRED,
    RV_PERM_DENIED,
    RV_OTHER,
    RV_COUNT
};

/* Linux-PAM's actions; a positive value jumps over that many modules. */
enum pam_action {
    ACT_IGNORE = 0,
    ACT_OK = -1,
    ACT_DONE = -2,
    ACT_BAD = -3,
    ACT_DIE = -4,
    ACT_RESET = -5,
};

/* A line keeps at most this many module arguments. */
#define PAM_LINE_ARGS_MAX 64

struct pam_line {
    char *file;
    unsigned line_no;
    int level;     /* 0 for the service's own stack, +1 in each substack */
    bool optional; /* "-auth": skipped without a word if it cannot load */
    char *control; /* as written */
    int action[RV_COUNT];
    char *module; /* as written */
    int argc;
    char **argv;
};

struct pam_stack {
    struct pam_line *line;
    size_t n;
    /* Set when libpam would refuse the service (a missing include, a
     * line it cannot parse): file, line and what is wrong. */
    char error[512];
};

struct hb_texts;

/* The lines of type ("auth", "account") of service in dir; false with
 * st->error set (in t's language; NULL: English) when libpam would not
 * load the service. A missing service file is not an error: st->n is 0
 * and exists is false. */
bool pam_stack_load(const struct hb_texts *t, const char *dir,
                    const char *service, const char *type, struct pam_stack *st,
                    bool *exists);
void pam_stack_free(struct pam_stack *st);

/* The return value the replay gives a line. */
typedef enum pam_rv (*pam_rv_fn)(const struct pam_line *line, void *arg);
/* Replays the stack as libpam's dispatcher does; true when the stack
 * returns success. order[i] (may be NULL) gets the step at which line i
 * ran, 0 for lines never reached. */
bool pam_stack_run(const struct pam_stack *st, pam_rv_fn rv, void *arg,
                   unsigned *order);

/* The module's file name without its directory. */
const char *pam_module_name(const struct pam_line *line);

/* true when name (a file name, no directory) is pam_haobtc.so misspelled:
 * not that name, but one or two letters away from it once case and a
 * ".so" ending are set aside (pam_haobct.so, pam-haobtc.so, pam_haobtc,
 * PAM_HAOBTC.so). */
bool pam_haobtc_misspelled(const char *name);

#endif

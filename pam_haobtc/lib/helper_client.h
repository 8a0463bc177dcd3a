/* SPDX-License-Identifier: BSD-2-Clause */
/* Starting the network helper and talking to it: the only way the module
 * (and haobtc-login) reach the relay and the provider. */
#ifndef HB_HELPER_CLIENT_H
#define HB_HELPER_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "presence.h"
#include "profile.h"
#include "status.h"
#include "wire.h"

struct hb_helper {
    bool started; /* zero-initialised: nothing to stop */
    pid_t pid;
    int fd;
    time_t deadline; /* the whole login's */
    time_t timeout;  /* how long it was when the login started */
    bool chld_saved;
    struct sigaction old_chld;
    bool watch_presence;
    struct hb_presence presence;
    /* During hb_helper_wait_approval: what its caller watches besides. */
    const struct hb_wire_watch *also;
    /* With debug: what the helper tells of its calls (may be NULL). */
    void (*on_note)(void *cls, const char *text);
    void *note_cls;
};

/* What the helper made of this attempt: the link to show, whether Enter
 * can wait on the relay, and why not when a relay is configured. */
struct hb_offer {
    char *link;
    bool can_poll;
    char relay_error[HB_ERRMSG_MAX];
    int number; /* number matching's, shown at the terminal; 0 for none */
};

/* The helper's fixed path, set when the program is built (helper_path.c):
 * nothing at run time chooses it. */
const char *hb_helper_path(void);
/* What hb_helper_start requires of the helper's file before it runs it:
 * an executable regular file of root's (or of whoever runs us) that
 * nobody else can write. */
enum hb_status hb_helper_check_file(const char *path, struct hb_error *err);

/* Starts the helper from hb_helper_path() with an empty environment,
 * descriptors 0-2 on /dev/null and fd 3 a socketpair, and SIGCHLD at its
 * default until hb_helper_stop. watch_presence: a person who leaves (see
 * presence.h) cancels a wait. */
enum hb_status hb_helper_start(struct hb_helper *h, time_t deadline,
                               bool watch_presence, struct hb_error *err);
/* Hands the helper the module arguments (it reads the configuration and
 * the secret itself) and the login's user, rhost, PAM service (may be
 * NULL) and, when this process is sudo, the command it runs; it answers
 * with the challenge. */
enum hb_status hb_helper_challenge(struct hb_helper *h, int argc,
                                   const char **argv, const char *user,
                                   const char *rhost, const char *service,
                                   struct hb_offer *offer,
                                   struct hb_error *err);
/* Instead of a challenge: whether haobtc can be reached now (a break-glass
 * code counts only while it cannot); when not, err says what was found. */
enum hb_status hb_helper_reach(struct hb_helper *h, int argc, const char **argv,
                               bool *reachable, struct hb_error *err);
/* One wait on the relay: HB_OK once the relay handed the helper the code,
 * HB_ERR_PENDING when not yet, another status when the login is over. */
enum hb_status hb_helper_wait(struct hb_helper *h, struct hb_error *err);
/* hb_helper_wait again and again until the relay has the code (HB_OK) or
 * the login is over: approval with no prompt. also (may be NULL) is kept
 * meanwhile, as hb_wire_recv keeps it: the keyboard, say. A wait it ends
 * leaves the helper mid-answer: only hb_helper_stop may follow. */
enum hb_status hb_helper_wait_approval(struct hb_helper *h,
                                       const struct hb_wire_watch *also,
                                       struct hb_error *err);
/* The token exchange and profile fetch, in the helper: with the pasted
 * code, or with the relay's when code is NULL. */
enum hb_status hb_helper_exchange(struct hb_helper *h, const char *code,
                                  struct hb_profile *profile,
                                  struct hb_error *err);
/* haobtc-login pkce only; the module never calls it. Has the helper
 * redeem the code (pasted, or the relay's when NULL) with a throw-away
 * code_verifier instead of the attempt's: HB_OK when haobtc handed out a
 * token all the same (it ignores PKCE; the helper dropped the token and
 * fetched no profile), HB_ERR_DENIED with err->haobtc_code when haobtc
 * refused it, another status when it could not be asked. */
enum hb_status hb_helper_probe_pkce(struct hb_helper *h, const char *code,
                                    struct hb_error *err);
/* HB_OK while the login's deadline has not passed, else HB_ERR_EXPIRED:
 * asked after every conversation, since the person (or whoever stopped
 * the program) may answer at any time. */
enum hb_status hb_helper_in_time(const struct hb_helper *h,
                                 struct hb_error *err);
/* Ends the helper at once, mid-answer: the person left the wait (chose
 * the password, pressed Ctrl-C) and nobody waits for its long poll to
 * notice. hb_helper_stop must still follow. */
void hb_helper_abandon(struct hb_helper *h);
/* Ends the helper (whatever it is doing), reaps exactly it, and gives
 * SIGCHLD back to the application. Safe on a helper never started. */
void hb_helper_stop(struct hb_helper *h);
void hb_offer_free(struct hb_offer *offer);

#endif

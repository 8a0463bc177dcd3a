/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login check: what its areas share (the options, what earlier
 * areas found, and the one way a finding is printed). */
#ifndef HB_TOOLS_CHECK_H
#define HB_TOOLS_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "lang.h"

enum check_verdict { CHECK_OK, CHECK_WARN, CHECK_FAIL };

/* Areas --skip can leave out (the configuration is always read: the
 * others need it). */
#define SKIP_NETWORK 1u
#define SKIP_MAP 2u
#define SKIP_PAM 4u
#define SKIP_SSHD 8u

/* Seconds the module's timeout should stay below sshd's LoginGraceTime:
 * the defaults (110 and 120) keep this much. */
#define CHECK_GRACE_MARGIN 10

struct check {
    /* What to check: the module arguments (conf= first when given) and
     * where the PAM services and sshd's configuration are. */
    int argc;
    const char **argv;
    const char *pam_dir;     /* /etc/pam.d */
    const char *sshd_config; /* NULL: sshd's own */
    const char *sshd;        /* /usr/sbin/sshd */
    unsigned skip;           /* SKIP_* areas not to check */
    /* What earlier areas found, for later ones. */
    struct hb_config cfg;
    bool cfg_loaded;
    bool helper_ok;
    char **accounts; /* mapped local accounts that exist */
    size_t n_accounts;
    bool sshd_uses_module;
    /* The language of the findings and fixes: the administrator's
     * locale (lang = auto), not the lang key, which is for the people who
     * log in. */
    const struct hb_texts *t;
    /* The tally for the last line and the exit status. */
    unsigned n_ok, n_warn, n_fail;
};

/* One line: "ok", "warn" or "FAIL", the topic, the finding, and for a
 * warning or failure " Fix: " and the fix (fix may be NULL). The finding
 * and the fix come translated (hb_tr(c->t, ...)); the verdict and the
 * topic stay as they are in every language, for grep and scripts. */
void check_say(struct check *c, enum check_verdict v, const char *topic,
               const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The areas, in the order they run (check_main.c). */
void check_config(struct check *c);  /* the file, its keys, the helper */
void check_network(struct check *c); /* secret, provider, relay (helper) */
void check_map(struct check *c);     /* the map file and same_name */
void check_pam(struct check *c);     /* the PAM services using the module */
void check_sshd(struct check *c);    /* sshd -T */
/* The policy of service's auth stack (its words, as in the list) when
 * the module asks, and when it answers PAM_IGNORE (outside services= or
 * groups=); false when the stack has no haobtc line. check_policy.c. */
bool check_policy_not_asked(struct check *c, const char *service, char *asked,
                            char *not_asked, size_t size);
/* services= and groups= (check_scope.c), before the policies. */
void check_scope(struct check *c);
/* Within check_sshd, with sshd's AuthenticationMethods (NULL: unset):
 * what reuse_for_key needs, when it is on (check_reuse.c). */
void check_reuse(struct check *c, const char *methods);
/* The end of check_pam: one line per PAM service in the PAM directory
 * with its policy (check_policy.c). */
void check_policies(struct check *c);

/* s to standard output, with every control byte shown as '?'. */
void check_put_clean(const char *s);

/* The fix for a file the loaders refused (hb_safe_file_fix), in c's
 * language. */
void check_file_fix(const struct check *c, const char *path, bool secret,
                    char *out, size_t size);

/* "a, b, c" of up to max names (then ", ..."), into out. */
void check_join(char *const *names, size_t n, size_t max, char *out,
                size_t size);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* The module roles and the six-login replay behind haobtc-login check's
 * PAM findings and its policy per service. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "pam_replay.h"

static bool named(const char *name, const char *const *list)
{
    for (; *list != NULL; list++)
        if (strcmp(name, *list) == 0)
            return true;
    return false;
}

enum role pam_role(const struct pam_line *l)
{
    static const char *const passwords[] = {
        "pam_unix.so",         "pam_unix2.so",
        "pam_sss.so",          "pam_ldap.so",
        "pam_krb5.so",         "pam_winbind.so",
        "pam_userdb.so",       "pam_pwdfile.so",
        "pam_systemd_home.so", NULL};
    static const char *const passes[] = {
        "pam_permit.so",      "pam_succeed_if.so",
        "pam_wheel.so",       "pam_securetty.so",
        "pam_listfile.so",    "pam_access.so",
        "pam_time.so",        "pam_u2f.so",
        "pam_yubico.so",      "pam_google_authenticator.so",
        "pam_oath.so",        "pam_duo.so",
        "pam_radius_auth.so", NULL};
    static const char *const fails[] = {"pam_deny.so", "pam_rootok.so", NULL};
    const char *name = pam_module_name(l);
    if (strcmp(name, "pam_haobtc.so") == 0)
        return ROLE_HAOBTC;
    if (named(name, passwords))
        return ROLE_PASSWORD;
    if (strcmp(name, "pam_faillock.so") == 0) {
        for (int i = 0; i < l->argc; i++)
            if (strcmp(l->argv[i], "authfail") == 0)
                return ROLE_FAILS;
        return ROLE_PASSES;
    }
    if (named(name, passes))
        return ROLE_PASSES;
    if (named(name, fails))
        return ROLE_FAILS;
    return ROLE_OTHER;
}

enum pam_rv pam_outcome(const struct pam_line *l, void *arg)
{
    const struct scenario *s = arg;
    switch (pam_role(l)) {
    case ROLE_HAOBTC:
        return s->haobtc;
    case ROLE_PASSWORD:
        return s->password;
    case ROLE_PASSES:
        return RV_SUCCESS;
    case ROLE_FAILS:
        return RV_AUTH_ERR;
    default:
        return RV_IGNORE;
    }
}

static void replay(const struct pam_stack *st, const enum pam_rv h_rv[3],
                   struct replay *r)
{
    static const enum pam_rv p_rv[] = {RV_SUCCESS, RV_AUTH_ERR};
    unsigned *order = calloc(st->n + 1, sizeof(*order));
    memset(r, 0, sizeof(*r));
    if (order == NULL)
        return;
    for (int h = 0; h < 3; h++) {
        for (int p = 0; p < 2; p++) {
            struct scenario s = {h_rv[h], p_rv[p]};
            r->in[h][p] = pam_stack_run(st, pam_outcome, &s, order);
            unsigned first_h = 0, first_p = 0, last = 0;
            size_t h_at = 0;
            for (size_t i = 0; i < st->n; i++) {
                if (order[i] == 0)
                    continue;
                enum role role = pam_role(&st->line[i]);
                /* The replay only jumps forward: lines run in file order. */
                if (role == ROLE_HAOBTC && first_h != 0 &&
                    r->twice[0] == r->twice[1]) {
                    r->twice[0] = h_at;
                    r->twice[1] = i;
                }
                if (role == ROLE_HAOBTC && first_h == 0) {
                    first_h = order[i];
                    h_at = i;
                }
                if (role == ROLE_PASSWORD && first_p == 0)
                    first_p = order[i];
                if (order[i] > last) {
                    last = order[i];
                    r->ended_at[h][p] = i;
                }
            }
            r->reached[h][p] = first_h != 0;
            r->password_first[h][p] =
                first_p != 0 && (first_h == 0 || first_p < first_h);
        }
    }
    free(order);
}

void pam_replay(const struct pam_stack *st, struct replay *r)
{
    static const enum pam_rv h_rv[] = {RV_SUCCESS, RV_AUTH_ERR,
                                       RV_AUTHINFO_UNAVAIL};
    replay(st, h_rv, r);
}

void pam_replay_not_asked(const struct pam_stack *st, struct replay *r)
{
    static const enum pam_rv h_rv[] = {RV_IGNORE, RV_IGNORE, RV_IGNORE};
    replay(st, h_rv, r);
}

static bool has_module(const struct pam_stack *st, const char *name)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(pam_module_name(&st->line[i]), name) == 0)
            return true;
    return false;
}

const char *pam_policy(const struct pam_stack *st, const struct replay *r)
{
    bool any = false, all = true, password_decides = true;
    for (int h = 0; h < 3; h++) {
        for (int p = 0; p < 2; p++) {
            any = any || r->in[h][p];
            all = all && r->in[h][p];
        }
        password_decides =
            password_decides && r->in[h][P_OK] && !r->in[h][P_NO];
    }
    if (!any)
        return has_module(st, "pam_rootok.so") ? "root only" : "no one";
    if (all)
        return "anyone";
    /* Whatever haobtc answers (or if it is never asked). */
    if (password_decides)
        return "password only";
    bool alone = r->in[H_OK][P_NO];
    bool with_password = r->in[H_OK][P_OK];
    bool password_alone = r->in[H_NO][P_OK];
    bool when_down = r->in[H_DOWN][P_OK];
    /* A refusal, or an outage, that gets in without the password. */
    if (r->in[H_NO][P_NO] || r->in[H_DOWN][P_NO])
        return "unusual";
    if (alone && password_alone)
        return "haobtc or password";
    if (password_alone)
        return "unusual";
    if (alone)
        return when_down ? "haobtc, or password when haobtc is unreachable"
                         : "haobtc required";
    if (with_password)
        return when_down ? "haobtc and password, or password when haobtc "
                           "is unreachable"
                         : "haobtc and password";
    return "unusual";
}

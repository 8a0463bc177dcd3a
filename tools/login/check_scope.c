/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login check: services= and groups= as this machine reads them -
 * sudo and sudo -i (su and su -) split by services, a group name that
 * names no group, and a scope that leaves no one asked. */
#include "autoconf.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "scope.h"

/* The services haobtc-login enable writes to, and their variants. */
static const struct {
    const char *base, *variant, *command;
} pairs[] = {{"sudo", "sudo-i", "sudo -i"}, {"su", "su-l", "su -"}};
static char known[][8] = {"sshd", "sudo", "sudo-i", "su", "su-l", "login"};
#define N_KNOWN (sizeof(known) / sizeof(known[0]))

static void check_services(struct check *c, const char *list)
{
    bool split = false;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        bool base = hb_scope_service_in(list, pairs[i].base);
        bool variant = hb_scope_service_in(list, pairs[i].variant);
        if (base == variant)
            continue;
        char fix[512];
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: the service (sudo or su), then the
                  * services it covers (sudo and sudo-i). */
                 hb_tr(c->t, "name %s in services (it covers %s and %s), "
                             "with no ! entry for either"),
                 pairs[i].base, pairs[i].base, pairs[i].variant);
        check_say(c, CHECK_FAIL, "scope", fix,
                  /* TRANSLATORS: services= as written, the command asked
                   * for the phone, the one that is not. */
                  hb_tr(c->t, "services = %s asks the phone for %s but not "
                              "for %s: the same person gets past it with "
                              "the other"),
                  list, base ? pairs[i].base : pairs[i].command,
                  base ? pairs[i].command : pairs[i].base);
        split = true;
    }
    char *in[N_KNOWN];
    size_t n = 0;
    for (size_t i = 0; i < N_KNOWN; i++)
        if (hb_scope_service_in(list, known[i]))
            in[n++] = known[i];
    if (n == 0) {
        check_say(c, CHECK_WARN, "scope",
                  hb_tr(c->t, "name the services to ask in services, or "
                              "leave it out for every service"),
                  /* TRANSLATORS: %s is services= as written. */
                  hb_tr(c->t, "services = %s asks the phone in none of "
                              "sshd, sudo, su and login"),
                  list);
    } else if (!split) {
        char names[256];
        check_join(in, n, N_KNOWN, names, sizeof(names));
        check_say(c, CHECK_OK, "scope", NULL,
                  /* TRANSLATORS: %s is a list of PAM services. */
                  hb_tr(c->t, "services: the phone in %s (other services: "
                              "the rest of their stack)"),
                  names);
    }
}

/* false only when NSS positively says there is no such group: a group
 * too large for the buffer, or a failing lookup, is no finding. */
static bool group_exists(const char *name)
{
    struct group gr, *res = NULL;
    char buf[16384];
    int rc = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
    return (rc != 0 && rc != ENOENT) || res != NULL;
}

static void check_groups(struct check *c, const char *list)
{
    char name[128];
    bool negated = false;
    for (size_t i = 0; hb_scope_entry(list, i, name, sizeof(name), &negated);
         i++) {
        if (strcmp(name, "*") == 0 || group_exists(name))
            continue;
        char fix[512];
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: %s is a group name. */
                 hb_tr(c->t, "correct the name (getent group %s)"), name);
        check_say(c, CHECK_WARN, "scope", fix,
                  negated
                      /* TRANSLATORS: %s is a group name. */
                      ? hb_tr(c->t, "groups excludes %s, which is no group "
                                    "here: it excludes no one")
                      /* TRANSLATORS: %s is a group name. */
                      : hb_tr(c->t, "groups names %s, which is no group "
                                    "here: no one is asked for it"),
                  name);
    }
    if (c->n_accounts == 0)
        return;
    char *out[16];
    size_t n_out = 0, n_in = 0;
    for (size_t i = 0; i < c->n_accounts; i++) {
        struct hb_error err = {0};
        if (hb_scope_check(&c->cfg, NULL, c->accounts[i], &err) == HB_OK)
            n_in++;
        else if (n_out < sizeof(out) / sizeof(out[0]))
            out[n_out++] = c->accounts[i];
    }
    char names[256];
    check_join(out, n_out, 8, names, sizeof(names));
    if (n_in == 0)
        check_say(c, CHECK_WARN, "scope",
                  hb_tr(c->t, "name a group those accounts are in, or "
                              "leave groups out for everyone"),
                  /* TRANSLATORS: groups= as written, then accounts. */
                  hb_tr(c->t, "groups = %s leaves every mapped account "
                              "unasked (%s)"),
                  list, names);
    else if (n_out > 0)
        check_say(c, CHECK_OK, "scope", NULL,
                  /* TRANSLATORS: groups= as written, then accounts. */
                  hb_tr(c->t, "groups = %s: not asked: %s"), list, names);
    else
        check_say(c, CHECK_OK, "scope", NULL,
                  /* TRANSLATORS: %s is groups= as written. */
                  hb_tr(c->t, "groups = %s: every mapped account is asked"),
                  list);
}

/* A haobtc line whose control turns PAM_IGNORE into a refusal ("default=die"
 * with no ignore=): whoever the scope leaves out of it is shut out of
 * the service, not handed to its password. */
static void refusing_lines(struct check *c)
{
    for (size_t i = 0; i < N_KNOWN; i++) {
        bool left_out = c->cfg.groups != NULL ||
                        (c->cfg.services != NULL &&
                         !hb_scope_service_in(c->cfg.services, known[i]));
        char asked[128], not_asked[128];
        if (!left_out || !check_policy_not_asked(c, known[i], asked, not_asked,
                                                 sizeof(asked)))
            continue;
        bool shut = strcmp(not_asked, "no one") == 0 ||
                    strcmp(not_asked, "root only") == 0;
        if (!shut || strcmp(asked, not_asked) == 0)
            continue;
        char topic[64], fix[512];
        snprintf(topic, sizeof(topic), "pam %s", known[i]);
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: %s is the PAM directory (/etc/pam.d) and
                  * a PAM service. */
                 hb_tr(c->t, "add ignore=ignore to the control of the "
                             "haobtc line in %s/%s (auth [success=done "
                             "ignore=ignore default=die] pam_haobtc.so), so "
                             "the rest of the stack decides for them"),
                 c->pam_dir, known[i]);
        check_say(c, CHECK_WARN, topic, fix,
                  /* TRANSLATORS: the policy for those the scope leaves
                   * out ("no one", "root only"). */
                  hb_tr(c->t, "those services= or groups= leave unasked are "
                              "refused here, not asked for a password "
                              "(their policy: %s)"),
                  not_asked);
    }
}

void check_scope(struct check *c)
{
    if (!c->cfg_loaded)
        return;
    if (c->cfg.services != NULL || c->cfg.groups != NULL)
        refusing_lines(c);
    if (c->cfg.services != NULL)
        check_services(c, c->cfg.services);
    if (c->cfg.groups != NULL)
        check_groups(c, c->cfg.groups);
}

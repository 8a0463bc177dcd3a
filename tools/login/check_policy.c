/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login check: every PAM service in the PAM directory with its
 * effective policy in one line ("sudo-i: haobtc required"), so that a
 * service the administrator did not think of shows too; with services=
 * or groups=, for whom ("cron: not asked (services): password only",
 * "sudo: haobtc required; groups: wheel: password only"). */
#include "autoconf.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "pam_replay.h"
#include "scope.h"

/* Programs that never call pam_authenticate: their auth stack, even with
 * haobtc or a password in it, asks no one (cron and atd use account and
 * session only, passwd and friends only change passwords, runuser is
 * root's su without authentication, systemd-user opens sessions). */
static const char *const never_asked[] = {
    "atd",     "chpasswd",  "cron",         "newusers", "passwd",
    "runuser", "runuser-l", "systemd-user", NULL};

static bool ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), m = strlen(end);
    return n >= m && strcmp(s + n - m, end) == 0;
}

/* Service files, not the files they include (common-*), not the stack
 * of services without a file (other), and not what package managers and
 * editors leave beside them (or haobtc-login enable's temporary files,
 * which start with a dot). */
static bool is_service(const char *name)
{
    static const char *const endings[] = {
        "~", ".bak", ".orig", ".rej", ".old", ".save", ".swp", ".tmp", NULL};
    static const char *const inside[] = {".dpkg-", ".ucf-", ".rpmnew",
                                         ".rpmsave", NULL};
    if (name[0] == '.' || strncmp(name, "common-", 7) == 0 ||
        strcmp(name, "other") == 0)
        return false;
    for (size_t i = 0; endings[i] != NULL; i++)
        if (ends_with(name, endings[i]))
            return false;
    for (size_t i = 0; inside[i] != NULL; i++)
        if (strstr(name, inside[i]) != NULL)
            return false;
    return true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first haobtc line's configuration, as the module loads it there
 * (its own conf= and arguments); false when it has none or it fails to
 * load (check_pam said why). */
static bool line_config(const struct pam_stack *st, struct hb_config *cfg)
{
    for (size_t i = 0; i < st->n; i++) {
        const struct pam_line *l = &st->line[i];
        if (pam_role(l) != ROLE_HAOBTC)
            continue;
        const char *args[PAM_LINE_ARGS_MAX];
        int argc = 0;
        for (; argc < l->argc && argc < PAM_LINE_ARGS_MAX; argc++)
            args[argc] = l->argv[argc];
        struct hb_error err = {0};
        if (hb_config_load_without_secret(argc, args, cfg, &err) == HB_OK)
            return true;
        hb_config_free(cfg);
        return false;
    }
    return false;
}

/* groups= in words: the named groups without or with !, ", "-joined. */
static void group_names(const char *list, bool negated, char *out, size_t size,
                        bool *star)
{
    char name[128];
    bool neg = false;
    out[0] = '\0';
    *star = false;
    for (size_t i = 0; hb_scope_entry(list, i, name, sizeof(name), &neg); i++) {
        if (strcmp(name, "*") == 0 && !neg)
            *star = true;
        if (neg != negated || strcmp(name, "*") == 0)
            continue;
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", used > 0 ? ", " : "", name);
    }
}

/* With services= or groups= on the service's haobtc line: who is asked
 * and what applies to the others (haobtc answering PAM_IGNORE). */
static void scoped(const struct hb_config *cfg, const char *service,
                   const struct pam_stack *st, const char *asked, char *out,
                   size_t size)
{
    struct replay r;
    pam_replay_not_asked(st, &r);
    const char *other = pam_policy(st, &r);
    if (cfg->services != NULL && !hb_scope_service_in(cfg->services, service)) {
        snprintf(out, size, "not asked (services): %s", other);
        return;
    }
    if (cfg->groups == NULL) {
        snprintf(out, size, "%s", asked);
        return;
    }
    char in[256], ex[256];
    bool star = false, unused = false;
    group_names(cfg->groups, false, in, sizeof(in), &star);
    group_names(cfg->groups, true, ex, sizeof(ex), &unused);
    if (star && ex[0] == '\0')
        snprintf(out, size, "%s", asked);
    else if (star)
        snprintf(out, size, "%s; groups: %s: %s", asked, ex, other);
    else
        snprintf(out, size, "groups: %s: %s; %s%sothers: %s", in, asked, ex,
                 ex[0] != '\0' ? ", " : "", other);
}

bool check_policy_not_asked(struct check *c, const char *service, char *asked,
                            char *not_asked, size_t size)
{
    struct pam_stack st;
    bool exists = false, uses = false;
    bool ok = pam_stack_load(c->t, c->pam_dir, service, "auth", &st, &exists);
    for (size_t i = 0; ok && i < st.n; i++)
        uses = uses || pam_role(&st.line[i]) == ROLE_HAOBTC;
    if (uses) {
        struct replay r;
        pam_replay(&st, &r);
        snprintf(asked, size, "%s", pam_policy(&st, &r));
        pam_replay_not_asked(&st, &r);
        snprintf(not_asked, size, "%s", pam_policy(&st, &r));
    }
    pam_stack_free(&st);
    return uses;
}

static void policy_of(struct check *c, const char *service, char *out,
                      size_t size)
{
    for (size_t i = 0; never_asked[i] != NULL; i++) {
        if (strcmp(service, never_asked[i]) == 0) {
            snprintf(out, size, "not asked");
            return;
        }
    }
    struct pam_stack st;
    bool exists = false;
    bool ok = pam_stack_load(c->t, c->pam_dir, service, "auth", &st, &exists);
    /* libpam takes other's auth lines for a service file without any. */
    if (ok && st.n == 0) {
        pam_stack_free(&st);
        ok = pam_stack_load(c->t, c->pam_dir, "other", "auth", &st, &exists);
    }
    snprintf(out, size, "no one");
    if (ok && st.n > 0) {
        struct replay r;
        pam_replay(&st, &r);
        const char *policy = pam_policy(&st, &r);
        struct hb_config cfg;
        if (line_config(&st, &cfg)) {
            scoped(&cfg, service, &st, policy, out, size);
            hb_config_free(&cfg);
        } else {
            snprintf(out, size, "%s", policy);
        }
    }
    pam_stack_free(&st);
}

void check_policies(struct check *c)
{
    DIR *dir = opendir(c->pam_dir);
    if (dir == NULL)
        return;
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir)) {
        struct stat st;
        /* Followed, as libpam follows a symbolic link. */
        if (!is_service(e->d_name) ||
            fstatat(dirfd(dir), e->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode))
            continue;
        char **more = realloc(names, (n + 1) * sizeof(*names));
        if (more == NULL)
            break;
        names = more;
        names[n] = strdup(e->d_name);
        if (names[n] == NULL)
            break;
        n++;
    }
    closedir(dir);
    if (n > 0)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        char policy[1024];
        policy_of(c, names[i], policy, sizeof(policy));
        check_put_clean(names[i]);
        fputs(": ", stdout);
        check_put_clean(policy);
        putchar('\n');
        free(names[i]);
    }
    free(names);
    fflush(stdout);
}

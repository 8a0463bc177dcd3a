/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login check: every PAM service in the PAM directory with its
 * effective policy in one line ("sudo-i: haobtc required"), so that a
 * service the administrator did not think of shows too. */
#include "autoconf.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "pam_replay.h"

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

static const char *policy_of(struct check *c, const char *service)
{
    for (size_t i = 0; never_asked[i] != NULL; i++)
        if (strcmp(service, never_asked[i]) == 0)
            return "not asked";
    struct pam_stack st;
    bool exists = false;
    bool ok = pam_stack_load(c->t, c->pam_dir, service, "auth", &st, &exists);
    /* libpam takes other's auth lines for a service file without any. */
    if (ok && st.n == 0) {
        pam_stack_free(&st);
        ok = pam_stack_load(c->t, c->pam_dir, "other", "auth", &st, &exists);
    }
    const char *policy = "no one";
    if (ok && st.n > 0) {
        struct replay r;
        pam_replay(&st, &r);
        policy = pam_policy(&st, &r);
    }
    pam_stack_free(&st);
    return policy;
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
        check_put_clean(names[i]);
        printf(": %s\n", policy_of(c, names[i]));
        free(names[i]);
    }
    free(names);
    fflush(stdout);
}

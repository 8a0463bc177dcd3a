/* SPDX-License-Identifier: BSD-2-Clause */
/* The module's scope (services= and groups=): the lists' syntax, how a
 * service or group name fares in them, and the decision for one login,
 * which an error never turns into "not asked". */
#include "autoconf.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "scope.h"

/* Longer than any name useradd, groupadd or a PAM service file takes. */
#define NAME_MAX_LEN 64
/* NSS answers for one user or group; past this the lookup counts as
 * failed (and the login as in scope). */
#define NSS_BUF_MAX (1024 * 1024)
#define GROUPS_MAX 65536

struct entry {
    bool negated;
    const char *name;
    size_t len;
};

struct cursor {
    const char *p;
    bool after_comma;
};

/* 1 with *e filled, 0 at the end, -1 for an empty entry (",,", or a
 * comma at the start or the end). Entries are separated by commas or
 * spaces; "!" belongs to the name after it. */
static int next_entry(struct cursor *c, struct entry *e)
{
    const char *s = c->p;
    while (*s == ' ')
        s++;
    if (*s == ',')
        return -1;
    if (*s == '\0')
        return c->after_comma ? -1 : 0;
    e->negated = *s == '!';
    if (e->negated)
        s++;
    e->name = s;
    while (*s != '\0' && *s != ',' && *s != ' ')
        s++;
    e->len = (size_t)(s - e->name);
    while (*s == ' ')
        s++;
    c->after_comma = *s == ',';
    if (*s == ',')
        s++;
    c->p = s;
    return 1;
}

static bool is_star(const struct entry *e)
{
    return e->len == 1 && e->name[0] == '*';
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* libpam takes service names in any case (pam_start lowers them); group
 * names are NSS's, exact. */
static bool same(enum hb_scope_list kind, const char *a, size_t len,
                 const char *b)
{
    if (strlen(b) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        char x = a[i], y = b[i];
        if (kind == HB_SCOPE_SERVICES) {
            x = ascii_lower(x);
            y = ascii_lower(y);
        }
        if (x != y)
            return false;
    }
    return true;
}

/* Plain ASCII only: a lookalike letter (Cyrillic a in "wheel") would
 * name another group, or none, and open what the admin meant to close. */
static bool good_name(enum hb_scope_list kind, const struct entry *e)
{
    if (e->len == 0 || e->len > NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < e->len; i++) {
        char c = e->name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9');
        if (alnum || c == '_')
            continue;
        if (i > 0 && (c == '.' || c == '-'))
            continue;
        /* sssd and winbind name domain groups admins@example.com. */
        if (i > 0 && c == '@' && kind == HB_SCOPE_GROUPS)
            continue;
        return false;
    }
    return true;
}

/* entry covers service: the same name, or the variant haobtc-login
 * enable writes with it (sudo -i reads sudo-i, su - reads su-l). */
static bool covers(enum hb_scope_list kind, const struct entry *e,
                   const char *name)
{
    if (is_star(e) || same(kind, e->name, e->len, name))
        return true;
    if (kind != HB_SCOPE_SERVICES)
        return false;
    return (same(kind, e->name, e->len, "sudo") &&
            same(kind, name, strlen(name), "sudo-i")) ||
           (same(kind, e->name, e->len, "su") &&
            same(kind, name, strlen(name), "su-l"));
}

/* Whether the ! entries take away every name the positive entry e
 * covers. */
static bool fully_excluded(enum hb_scope_list kind, const char *list,
                           const struct entry *e)
{
    char name[NAME_MAX_LEN + 1], variant[NAME_MAX_LEN + 8];
    memcpy(name, e->name, e->len);
    name[e->len] = '\0';
    variant[0] = '\0';
    if (kind == HB_SCOPE_SERVICES && same(kind, name, e->len, "sudo"))
        snprintf(variant, sizeof(variant), "%s", "sudo-i");
    if (kind == HB_SCOPE_SERVICES && same(kind, name, e->len, "su"))
        snprintf(variant, sizeof(variant), "%s", "su-l");
    bool name_out = false, variant_out = variant[0] == '\0';
    struct cursor c = {list, false};
    struct entry x;
    while (next_entry(&c, &x) == 1) {
        if (!x.negated)
            continue;
        name_out = name_out || covers(kind, &x, name);
        variant_out = variant_out || covers(kind, &x, variant);
    }
    return name_out && variant_out;
}

const char *hb_scope_problem(enum hb_scope_list kind, const char *value,
                             char *why, size_t n)
{
    const char *what = kind == HB_SCOPE_SERVICES ? "service" : "group";
    const char *all = kind == HB_SCOPE_SERVICES ? "every service" : "everyone";
    struct cursor c = {value, false};
    struct entry e;
    int rc;
    size_t count = 0;
    bool positive = false;
    while ((rc = next_entry(&c, &e)) == 1) {
        count++;
        if (e.negated && is_star(&e)) {
            snprintf(why, n, "!* leaves no %s in scope", what);
            return why;
        }
        if (!is_star(&e) && !good_name(kind, &e)) {
            snprintf(why, n,
                     "'%s%.*s' is not a %s name (ASCII letters, digits, "
                     "and . _ - inside%s; ! to exclude, * for all)",
                     e.negated ? "!" : "", (int)(e.len > 40 ? 40 : e.len),
                     e.name, what, kind == HB_SCOPE_GROUPS ? " and @" : "");
            return why;
        }
        positive = positive || !e.negated;
    }
    if (rc < 0) {
        snprintf(why, n,
                 "an empty entry (two commas, or a comma at the start or "
                 "end)");
        return why;
    }
    if (count == 0) {
        snprintf(why, n, "an empty list (leave the key out for %s)", all);
        return why;
    }
    if (!positive) {
        snprintf(why, n,
                 "only exclusions, which leave no %s in scope (start the "
                 "list with *, e.g. *, !%s)",
                 what, kind == HB_SCOPE_SERVICES ? "cron" : "wheel");
        return why;
    }
    c = (struct cursor){value, false};
    while (next_entry(&c, &e) == 1)
        if (!e.negated && !fully_excluded(kind, value, &e))
            return NULL;
    snprintf(why, n,
             "every entry is excluded again, which leaves no %s in "
             "scope",
             what);
    return why;
}

bool hb_scope_entry(const char *list, size_t i, char *name, size_t n,
                    bool *negated)
{
    struct cursor c = {list, false};
    struct entry e;
    for (size_t k = 0; next_entry(&c, &e) == 1; k++) {
        if (k != i)
            continue;
        snprintf(name, n, "%.*s", (int)e.len, e.name);
        *negated = e.negated;
        return true;
    }
    return false;
}

bool hb_scope_service_in(const char *list, const char *service)
{
    bool in = false;
    struct cursor c = {list, false};
    struct entry e;
    while (next_entry(&c, &e) == 1) {
        if (!covers(HB_SCOPE_SERVICES, &e, service))
            continue;
        if (e.negated)
            return false;
        in = true;
    }
    return in;
}

enum hb_scope_group hb_scope_group_in(const char *list, const char *group)
{
    enum hb_scope_group r = HB_GROUP_NONE;
    struct cursor c = {list, false};
    struct entry e;
    while (next_entry(&c, &e) == 1) {
        if (!covers(HB_SCOPE_GROUPS, &e, group))
            continue;
        if (e.negated)
            return HB_GROUP_EXCLUDED;
        r = HB_GROUP_INCLUDED;
    }
    return r;
}

/* getpwnam_r (pw) or getgrnam_r (gr) for name, into a buffer grown until
 * the entry fits (*buf, freed by the caller); the last call's return. */
static int nss_get(const char *name, struct passwd *pw, struct passwd **pw_res,
                   struct group *gr, struct group **gr_res, char **buf)
{
    size_t size = 1024;
    int rc = ERANGE;
    *buf = NULL;
    while (rc == ERANGE && size <= NSS_BUF_MAX) {
        char *more = realloc(*buf, size);
        if (more == NULL)
            break;
        *buf = more;
        rc = pw != NULL ? getpwnam_r(name, pw, *buf, size, pw_res)
                        : getgrnam_r(name, gr, *buf, size, gr_res);
        size *= 2;
    }
    return rc;
}

/* The account's primary group and its groups as NSS lists them (the
 * same initgroups answer a login gets); false when NSS fails or does not
 * know the user. */
static bool user_groups(const char *user, gid_t *primary, gid_t **gids, int *n)
{
    struct passwd pw, *res = NULL;
    char *buf = NULL;
    int rc = nss_get(user, &pw, &res, NULL, NULL, &buf);
    if (rc != 0 || res == NULL) {
        free(buf);
        return false;
    }
    *primary = pw.pw_gid;
    free(buf);
    int want = 32;
    gid_t *list = NULL;
    for (;;) {
        gid_t *more = realloc(list, (size_t)want * sizeof(*list));
        if (more == NULL)
            break;
        list = more;
        int got = want;
        if (getgrouplist(user, *primary, list, &got) >= 0) {
            *gids = list;
            *n = got;
            return true;
        }
        /* glibc says how many it needs; grow at least twofold anyway. */
        want = got > want ? got : want * 2;
        if (want > GROUPS_MAX)
            break;
    }
    free(list);
    return false;
}

/* 1 when user is in group (primary, initgroups, or the group's member
 * list), 0 when not or the group does not exist, -1 when NSS fails. */
static int member_of(const char *user, gid_t primary, const gid_t *gids, int n,
                     const char *group)
{
    struct group gr, *res = NULL;
    char *buf = NULL;
    int rc = nss_get(group, NULL, NULL, &gr, &res, &buf);
    int r = -1;
    if (rc == 0 || rc == ENOENT)
        r = 0;
    if (rc == 0 && res != NULL) {
        r = gr.gr_gid == primary;
        for (int i = 0; i < n && !r; i++)
            r = gids[i] == gr.gr_gid;
        for (char **m = gr.gr_mem; m != NULL && *m != NULL && !r; m++)
            r = strcmp(*m, user) == 0;
    }
    free(buf);
    return r;
}

/* Every named group's answer first: one failed lookup anywhere keeps the
 * login in scope, whatever the others said. */
static enum hb_status check_groups(const char *list, const char *user,
                                   struct hb_error *err)
{
    gid_t primary = 0;
    gid_t *gids = NULL;
    int n = 0;
    if (!user_groups(user, &primary, &gids, &n))
        return HB_OK;
    bool in = false, failed = false;
    char excluded[NAME_MAX_LEN + 1] = "";
    struct cursor c = {list, false};
    struct entry e;
    while (next_entry(&c, &e) == 1 && !failed) {
        if (is_star(&e)) {
            in = true;
            continue;
        }
        char name[NAME_MAX_LEN + 1];
        if (e.len > NAME_MAX_LEN) {
            failed = true;
            break;
        }
        memcpy(name, e.name, e.len);
        name[e.len] = '\0';
        int m = member_of(user, primary, gids, n, name);
        if (m < 0)
            failed = true;
        else if (m == 1 && e.negated && excluded[0] == '\0')
            memcpy(excluded, name, e.len + 1);
        else if (m == 1 && !e.negated)
            in = true;
    }
    free(gids);
    if (failed)
        return HB_OK;
    if (excluded[0] != '\0')
        return hb_fail(err, HB_NOT_ASKED,
                       "not asked: %s is in excluded group %s", user, excluded);
    if (!in)
        return hb_fail(err, HB_NOT_ASKED,
                       "not asked: %s is in none of the groups in groups",
                       user);
    return HB_OK;
}

enum hb_status hb_scope_check(const struct hb_config *cfg, const char *service,
                              const char *user, struct hb_error *err)
{
    if (cfg->services != NULL && service != NULL &&
        !hb_scope_service_in(cfg->services, service))
        return hb_fail(err, HB_NOT_ASKED,
                       "not asked: service %s is outside services", service);
    if (cfg->groups == NULL || user == NULL)
        return HB_OK;
    return check_groups(cfg->groups, user, err);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login check: the map file as the module reads it, the accounts
 * it names, and what same_name opens. */
#include "autoconf.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "identity.h"
#include "safefile.h"

#define LOGIN_DEFS "/etc/login.defs"
#define UID_MAX_DEFAULT 60000
#define SHOWN 8

struct entry {
    unsigned line_no;
    char *identity;
    char *user;
};

struct map {
    struct entry *e;
    size_t n;
};

static void map_free(struct map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].identity);
        free(m->e[i].user);
    }
    free(m->e);
    memset(m, 0, sizeof(*m));
}

/* The entries, split as the module splits them; the module's own
 * reader has already accepted the file (see check_map). */
static bool map_read(const char *path, struct map *m)
{
    char *text = NULL;
    size_t len = 0;
    struct hb_error err = {0};
    memset(m, 0, sizeof(*m));
    if (hb_read_safe_file(path, 0, false, &text, &len, NULL, &err) != HB_OK)
        return false;
    bool ok = true;
    struct hb_map_line line = {.next = text};
    while (ok && hb_map_next(&line)) {
        const char *identity = line.identity, *user = line.user;
        unsigned line_no = line.line_no;
        if (user == NULL)
            continue;
        struct entry *more = realloc(m->e, (m->n + 1) * sizeof(*m->e));
        if (more == NULL) {
            ok = false;
            break;
        }
        m->e = more;
        m->e[m->n].line_no = line_no;
        m->e[m->n].identity = strdup(identity);
        m->e[m->n].user = strdup(user);
        ok = m->e[m->n].identity != NULL && m->e[m->n].user != NULL;
        m->n++;
    }
    free(text);
    if (!ok)
        map_free(m);
    return ok;
}

static bool counts(const struct hb_config *cfg, const struct entry *e)
{
    return cfg->match == HB_MATCH_UUID
               ? strncmp(e->identity, "uuid:", 5) == 0
               : strncmp(e->identity, "username:", 9) == 0;
}

static bool add_account(struct check *c, const char *user)
{
    for (size_t i = 0; i < c->n_accounts; i++)
        if (strcmp(c->accounts[i], user) == 0)
            return true;
    char **more =
        realloc(c->accounts, (c->n_accounts + 1) * sizeof(*c->accounts));
    if (more == NULL)
        return false;
    c->accounts = more;
    c->accounts[c->n_accounts] = strdup(user);
    return c->accounts[c->n_accounts++] != NULL;
}

/* One warning per doubtful line; the mapped accounts that exist go to
 * c->accounts for the sshd checks. */
static void entry_lines(struct check *c, const struct map *m)
{
    const struct hb_config *cfg = &c->cfg;
    const char *kind = cfg->match == HB_MATCH_UUID ? "uuid" : "username";
    for (size_t i = 0; i < m->n; i++) {
        const struct entry *e = &m->e[i];
        char fix[512];
        if (!counts(cfg, e)) {
            snprintf(fix, sizeof(fix),
                     /* TRANSLATORS: both %s are the words uuid or username
                      * (as written in the map file and the match key). */
                     hb_tr(c->t, "write it as a %s: entry, or set match = %s "
                                 "if that is what you meant"),
                     kind, cfg->match == HB_MATCH_UUID ? "username" : "uuid");
            check_say(c, CHECK_WARN, "map", fix,
                      /* TRANSLATORS: the map file, the line number, the
                       * entry, then three times uuid or username. */
                      hb_tr(c->t, "%s line %u: %s is ignored: with match = "
                                  "%s only %s: entries count"),
                      cfg->map_file, e->line_no, e->identity, kind, kind);
            continue;
        }
        struct passwd *pw = getpwnam(e->user);
        if (pw == NULL) {
            snprintf(fix, sizeof(fix),
                     /* TRANSLATORS: a local account, a line number. */
                     hb_tr(c->t, "create the account %s or remove line %u"),
                     e->user, e->line_no);
            check_say(c, CHECK_WARN, "map", fix,
                      /* TRANSLATORS: the map file, a line number, a local
                       * account. */
                      hb_tr(c->t, "%s line %u: local account %s does not "
                                  "exist"),
                      cfg->map_file, e->line_no, e->user);
            continue;
        }
        if (pw->pw_uid == 0)
            check_say(c, CHECK_WARN, "map",
                      hb_tr(c->t, "map a personal account instead and let it "
                                  "use sudo"),
                      /* TRANSLATORS: the map file, a line number, the local
                       * account (uid 0), the haobtc identity. */
                      hb_tr(c->t, "%s line %u gives %s (uid 0) to %s: whoever "
                                  "holds that haobtc account is root"),
                      cfg->map_file, e->line_no, e->user, e->identity);
        if (!add_account(c, e->user))
            check_say(c, CHECK_FAIL, "map", hb_tr(c->t, "free some memory"),
                      "%s", hb_tr(c->t, "out of memory"));
        unsigned named = 0, first = 0;
        for (size_t k = 0; k < m->n; k++) {
            if (!counts(cfg, &m->e[k]) || strcmp(m->e[k].user, e->user) != 0 ||
                strcmp(m->e[k].identity, e->identity) == 0)
                continue;
            named++;
            if (k < i)
                first = m->e[k].line_no;
        }
        /* Said once, at the account's first line. */
        if (named > 0 && first == 0) {
            snprintf(fix, sizeof(fix), "%s",
                     hb_tr(c->t, "remove the line that is not meant (if every "
                                 "one is, this warning stays)"));
            check_say(c, CHECK_WARN, "map", fix,
                      /* TRANSLATORS: a local account, how many identities,
                       * the first line number, how many more lines, the
                       * local account again. */
                      hb_tr(c->t, "local account %s is named for %u "
                                  "identities (line %u and %u more): each of "
                                  "those people can log in as %s"),
                      e->user, named + 1, e->line_no, named, e->user);
        }
    }
}

/* UID_MAX in login.defs: the module does not read it, but accounts above
 * it (nobody, 65534) are the system's too. */
static unsigned long uid_max(void)
{
    char *text = NULL;
    size_t len = 0;
    struct hb_error err = {0};
    unsigned long found = UID_MAX_DEFAULT;
    if (hb_read_safe_file(LOGIN_DEFS, 0, false, &text, &len, NULL, &err) !=
        HB_OK)
        return found;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        line += strspn(line, " \t");
        if (strncmp(line, "UID_MAX", 7) != 0 || strchr(" \t", line[7]) == NULL)
            continue;
        char *end = NULL;
        errno = 0;
        unsigned long v = strtoul(line + 7, &end, 10);
        if (errno == 0 && end != line + 7 && v > 0)
            found = v;
    }
    free(text);
    return found;
}

static bool in_map(const struct map *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->e[i].user, name) == 0)
            return true;
    return false;
}

/* same_name follows identity.c: never uid 0, an account below UID_MIN, or
 * one the map names; every other local account is open to whoever
 * registers its name at haobtc first. */
static void same_name_lines(struct check *c, const struct map *m)
{
    if (!c->cfg.same_name) {
        check_say(c, CHECK_OK, "same_name", NULL, "%s",
                  hb_tr(c->t, "no: only the map file decides who logs in as "
                              "whom"));
        return;
    }
    uid_t min = hb_uid_min(LOGIN_DEFS);
    unsigned long max = uid_max();
    char *open[SHOWN], *system[SHOWN];
    size_t n_open = 0, n_system = 0, n_below = 0;
    setpwent();
    for (struct passwd *pw = getpwent(); pw != NULL; pw = getpwent()) {
        if (pw->pw_uid == 0 || pw->pw_uid < min) {
            n_below++;
            continue;
        }
        if (in_map(m, pw->pw_name))
            continue;
        char *shown = NULL;
        if (asprintf(&shown, "%s (uid %lu)", pw->pw_name,
                     (unsigned long)pw->pw_uid) < 0)
            continue;
        if (pw->pw_uid > max) {
            if (n_system < SHOWN)
                system[n_system] = shown;
            else
                free(shown);
            n_system++;
            continue;
        }
        if (n_open < SHOWN)
            open[n_open] = shown;
        else
            free(shown);
        n_open++;
    }
    endpwent();
    char list[1024];
    check_join(open, n_open, SHOWN, list, sizeof(list));
    check_say(c, CHECK_WARN, "same_name",
              hb_tr(c->t, "map each person's uuid in the map file and set "
                          "same_name = no"),
              /* TRANSLATORS: a list of accounts (or "none right now"), how
               * many accounts are below UID_MIN, the UID_MIN value. */
              hb_tr(c->t, "yes: whoever registers one of these names at "
                          "haobtc first logs in as the account of that name: "
                          "%s (root and the %zu accounts below UID_MIN %lu "
                          "are never matched)"),
              n_open > 0 ? list : hb_tr(c->t, "none right now"), n_below,
              (unsigned long)min);
    if (n_system > 0) {
        check_join(system, n_system, SHOWN, list, sizeof(list));
        check_say(c, CHECK_WARN, "same_name",
                  hb_tr(c->t, "set same_name = no: the module refuses only "
                              "uids below UID_MIN"),
                  /* TRANSLATORS: the UID_MAX value, a list of accounts. */
                  hb_tr(c->t, "it would also match system accounts above "
                              "UID_MAX %lu: %s"),
                  max, list);
    }
    for (size_t i = 0; i < n_open && i < SHOWN; i++)
        free(open[i]);
    for (size_t i = 0; i < n_system && i < SHOWN; i++)
        free(system[i]);
}

void check_map(struct check *c)
{
    if (!c->cfg_loaded) {
        check_say(c, CHECK_WARN, "map",
                  hb_tr(c->t, "fix the configuration, then check again"), "%s",
                  hb_tr(c->t, "not checked (the configuration did not load)"));
        return;
    }
    const char *path = c->cfg.map_file;
    /* The module's own reader and parser: a profile that matches nothing
     * walks every line, and any complaint is the one a login would log. */
    char no_uuid[] = "0", no_username[] = "-";
    struct hb_profile stranger = {.uuid = no_uuid, .username = no_username};
    struct hb_error err = {0};
    char local[HB_USERNAME_MAX + 1];
    if (hb_identity_lookup(&c->cfg, &stranger, "", local, sizeof(local), NULL,
                           &err) == HB_ERR_CONFIG) {
        char fix[512];
        if (strstr(err.msg, path) != NULL && strstr(err.msg, " line ") == NULL)
            check_file_fix(c, path, false, fix, sizeof(fix));
        else
            snprintf(fix, sizeof(fix), "%s",
                     hb_tr(c->t, "write that line as IDENTITY LOCALUSER, "
                                 "IDENTITY being uuid:HEX or username:NAME"));
        check_say(c, CHECK_FAIL, "map", fix,
                  /* TRANSLATORS: %s is the module's complaint (English). */
                  hb_tr(c->t, "%s (every login fails until this is fixed)"),
                  err.msg);
        return;
    }
    struct map m;
    if (!map_read(path, &m)) {
        check_say(c, CHECK_FAIL, "map", hb_tr(c->t, "free some memory"),
                  /* TRANSLATORS: %s is the map file. */
                  hb_tr(c->t, "cannot read %s a second time"), path);
        return;
    }
    entry_lines(c, &m);
    char names[512];
    check_join(c->accounts, c->n_accounts, SHOWN, names, sizeof(names));
    if (c->n_accounts == 0 && !c->cfg.same_name)
        check_say(c, CHECK_WARN, "map",
                  hb_tr(c->t, "add a line 'uuid:HAOBTC-UUID LOCALUSER' for "
                              "each person"),
                  /* TRANSLATORS: %s is the map file. */
                  hb_tr(c->t, "%s maps nobody to an existing account: every "
                              "haobtc login is refused"),
                  path);
    else
        check_say(c, CHECK_OK, "map", NULL,
                  /* TRANSLATORS: the map file, how many entries, the local
                   * accounts that exist (or "none"). */
                  m.n == 1 ? hb_tr(c->t, "%s: owned by root, every line "
                                         "valid, %zu entry; local accounts "
                                         "that exist: %s")
                           /* TRANSLATORS: as the line above, for more
                            * than one entry. */
                           : hb_tr(c->t, "%s: owned by root, every line "
                                         "valid, %zu entries; local accounts "
                                         "that exist: %s"),
                  path, m.n, c->n_accounts > 0 ? names : hb_tr(c->t, "none"));
    same_name_lines(c, &m);
    map_free(&m);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login check: the configuration file and its keys, read the way
 * the module reads them, the helper's file as the module judges it, and
 * the break-glass codes as the module would find them. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "breakglass.h"
#include "check.h"
#include "helper_client.h"
#include "safefile.h"

/* A complaint about the file itself (missing, a link, not root's, too
 * open) rather than about a line or key in it. */
static bool about_the_file(const char *msg, const char *path)
{
    return strstr(msg, path) != NULL && strstr(msg, " line ") == NULL;
}

static void config_line(struct check *c)
{
    struct hb_error err = {0};
    enum hb_status status =
        hb_config_load_without_secret(c->argc, c->argv, &c->cfg, &err);
    if (status != HB_OK) {
        char fix[512];
        if (about_the_file(err.msg, c->cfg.conf_path))
            check_file_fix(c, c->cfg.conf_path, true, fix, sizeof(fix));
        else
            snprintf(fix, sizeof(fix),
                     /* TRANSLATORS: %s is the configuration file. */
                     hb_tr(c->t, "edit %s as the message says "
                                 "(pam_haobtc.conf(5) lists every key and "
                                 "its values)"),
                     c->cfg.conf_path);
        check_say(c, CHECK_FAIL, "config", fix, "%s", err.msg);
        hb_config_free(&c->cfg);
        return;
    }
    c->cfg_loaded = true;
    struct stat st;
    unsigned mode = lstat(c->cfg.conf_path, &st) == 0 ? st.st_mode & 07777 : 0;
    check_say(c, CHECK_OK, "config", NULL,
              /* TRANSLATORS: the configuration file, its mode (0600), the
               * client id, then "with a relay" or "no relay". */
              hb_tr(c->t, "%s: a regular file, owned by root, mode %04o, "
                          "every key valid (client_id %s, %s)"),
              c->cfg.conf_path, mode, c->cfg.client_id,
              c->cfg.relay_url != NULL ? hb_tr(c->t, "with a relay")
                                       : hb_tr(c->t, "no relay"));
    if (c->cfg.redirect_uri != NULL &&
        strncmp(c->cfg.redirect_uri, "http://", 7) == 0)
        check_say(c, CHECK_WARN, "config",
                  hb_tr(c->t, "register an https:// address with haobtc and "
                              "set redirect_uri to it"),
                  /* TRANSLATORS: %s is the configured redirect_uri. */
                  hb_tr(c->t, "redirect_uri %s is http://: the one-time code "
                              "crosses the network unencrypted"),
                  c->cfg.redirect_uri);
}

/* The keys set away from their defaults, from the one table the module
 * parses with: what this host does differently from the man page. */
static void settings_line(struct check *c)
{
    char changed[1024] = "";
    size_t used = 0;
    struct hb_config_key k;
    size_t site_len = strlen(c->cfg.site_url);
    while (site_len > 0 && c->cfg.site_url[site_len - 1] == '/')
        site_len--;
    for (size_t i = 1; hb_config_key_info(i, &k); i++) {
        char value[512];
        if (k.dflt == NULL || strcmp(k.name, "site_url") == 0 ||
            !hb_config_value(&c->cfg, i, value, sizeof(value)))
            continue;
        /* An endpoint's default is a path on site_url. */
        bool same = k.on_site
                        ? strncmp(value, c->cfg.site_url, site_len) == 0 &&
                              strcmp(value + site_len, k.dflt) == 0
                        : strcmp(value, k.dflt) == 0;
        if (!same && used < sizeof(changed))
            used += (size_t)snprintf(changed + used, sizeof(changed) - used,
                                     "%s%s = %s", used > 0 ? ", " : "", k.name,
                                     value);
    }
    if (used == 0)
        check_say(c, CHECK_OK, "config settings", NULL, "%s",
                  hb_tr(c->t, "every other key at its default "
                              "(pam_haobtc.conf(5))"));
    else
        check_say(c, CHECK_OK, "config settings", NULL,
                  /* TRANSLATORS: a list of "key = value". */
                  hb_tr(c->t, "away from the defaults: %s; every other key "
                              "at its default (pam_haobtc.conf(5))"),
                  changed);
}

static void helper_line(struct check *c)
{
    const char *path = hb_helper_path();
    struct hb_error err = {0};
    if (hb_helper_check_file(path, &err) != HB_OK) {
        char fix[512];
        struct stat st;
        if (stat(path, &st) != 0)
            snprintf(fix, sizeof(fix),
                     /* TRANSLATORS: %s is the helper's path. */
                     hb_tr(c->t, "install haobtc-helper at %s (make install, "
                                 "or reinstall the package)"),
                     path);
        else
            snprintf(fix, sizeof(fix), "chown root:root %s; chmod 755 %s", path,
                     path);
        check_say(c, CHECK_FAIL, "helper", fix, "%s", err.msg);
        return;
    }
    c->helper_ok = true;
    struct stat st;
    unsigned mode = stat(path, &st) == 0 ? st.st_mode & 07777 : 0;
    check_say(c, CHECK_OK, "helper", NULL,
              /* TRANSLATORS: the helper's path and its mode (0755). */
              hb_tr(c->t, "%s: an executable file owned by root, mode %04o"),
              path, mode);
}

/* An unused code that stays valid longer than this is a way in without
 * the phone for weeks; codes are meant for the hours haobtc is down. */
#define BG_LONG_DAYS 7
#define DAY (24LL * 3600)

/* Growing list of names for check_join. */
struct names {
    char **v;
    size_t n;
    bool oom;
};

static bool names_has(const struct names *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], name) == 0)
            return true;
    return false;
}

static void names_add(struct names *l, const char *name)
{
    char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
    char *copy = strdup(name);
    if (v == NULL || copy == NULL) {
        l->oom = true;
        free(copy);
        if (v != NULL)
            l->v = v;
        return;
    }
    l->v = v;
    l->v[l->n++] = copy;
}

static void names_free(struct names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

struct bg_tally {
    const struct hb_texts *t;
    long long now;
    size_t unused, spent;
    struct names accounts;  /* of the unused codes, each once */
    struct names long_ones; /* "ID (USER, N days left)" */
};

static void bg_count(void *arg, const struct hb_bg_entry *e)
{
    struct bg_tally *tl = arg;
    if (e->used != 0 || e->expires <= tl->now) {
        tl->spent++;
        return;
    }
    tl->unused++;
    if (!names_has(&tl->accounts, e->user))
        names_add(&tl->accounts, e->user);
    long long left = e->expires - tl->now;
    if (left > BG_LONG_DAYS * DAY) {
        char item[128];
        snprintf(item, sizeof(item),
                 /* TRANSLATORS: a break-glass code's id, its local
                  * account, and the days it stays valid (over 7). */
                 hb_tr(tl->t, "%s (%s, %lld days left)"), e->id, e->user,
                 (left + DAY - 1) / DAY);
        names_add(&tl->long_ones, item);
    }
}

static void breakglass_line(struct check *c)
{
    const char *path = c->cfg.breakglass_file;
    struct stat st;
    if (lstat(path, &st) != 0 && errno == ENOENT) {
        check_say(c, CHECK_OK, "breakglass", NULL, "%s",
                  hb_tr(c->t, "none issued (haobtc-login breakglass issue "
                              "makes one-time codes for when haobtc is "
                              "down)"));
        return;
    }
    struct bg_tally tl = {.t = c->t, .now = (long long)time(NULL)};
    struct hb_error err = {0};
    if (hb_breakglass_list(path, bg_count, &tl, &err) != HB_OK) {
        char fix[512];
        if (about_the_file(err.msg, path))
            check_file_fix(c, path, true, fix, sizeof(fix));
        else
            /* revoke and issue refuse a file with a malformed line, so the
             * line has to go by hand first. */
            snprintf(fix, sizeof(fix), "%s",
                     hb_tr(c->t, "delete that line, then issue its code "
                                 "again with haobtc-login breakglass issue "
                                 "(revoke and issue refuse the file as it "
                                 "is)"));
        check_say(c, CHECK_FAIL, "breakglass", fix, "%s", err.msg);
    } else if (tl.accounts.oom || tl.long_ones.oom) {
        check_say(c, CHECK_FAIL, "breakglass", NULL, "out of memory");
    } else {
        char accounts[256];
        check_join(tl.accounts.v, tl.accounts.n, 5, accounts, sizeof(accounts));
        check_say(c, CHECK_OK, "breakglass", NULL,
                  /* TRANSLATORS: the break-glass file, how many codes
                   * are unused (and whose), how many used or expired. */
                  hb_tr(c->t, "%s: root-only, codes: %zu unused (accounts: "
                              "%s), %zu used or expired"),
                  path, tl.unused,
                  tl.accounts.n > 0 ? accounts : hb_tr(c->t, "none"), tl.spent);
        if (tl.long_ones.n > 0) {
            char which[512];
            check_join(tl.long_ones.v, tl.long_ones.n, 3, which, sizeof(which));
            check_say(c, CHECK_WARN, "breakglass",
                      hb_tr(c->t, "revoke them (haobtc-login breakglass "
                                  "revoke ID) and issue codes for hours, "
                                  "when they are needed (--ttl 4h)"),
                      /* TRANSLATORS: the list of "ID (USER, N days
                       * left)". */
                      hb_tr(c->t, "unused codes valid for more than 7 days: "
                                  "%s; each is a long-lived way in past the "
                                  "phone"),
                      which);
        }
    }
    names_free(&tl.accounts);
    names_free(&tl.long_ones);
}

void check_config(struct check *c)
{
    config_line(c);
    if (c->cfg_loaded)
        settings_line(c);
    helper_line(c);
    /* Without the configuration, which file the module reads is unknown. */
    if (c->cfg_loaded)
        breakglass_line(c);
}

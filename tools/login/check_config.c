/* haobtc-login check: the configuration file and its keys, read the way
 * the module reads them, and the helper's file as the module judges it. */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
            hb_safe_file_fix(c->cfg.conf_path, true, fix, sizeof(fix));
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

void check_config(struct check *c)
{
    config_line(c);
    helper_line(c);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login check: whether the module a PAM line names is one libpam
 * can load (the file where libpam looks, a misspelled name), and whether
 * the module would take the line's arguments. */
#include "autoconf.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "check_module.h"

void check_where(const struct hb_texts *t, const struct pam_line *l, char *out,
                 size_t n)
{
    /* TRANSLATORS: a PAM service file, a line number, the line's control
     * field and module. */
    snprintf(out, n, hb_tr(t, "%s line %u: %s %s"), l->file, l->line_no,
             l->control, l->module);
}

/* The directory libpam loads relative module names from: where its own
 * pam_unix.so is. */
static bool libpam_dir(char *out, size_t n)
{
    static const char *const patterns[] = {
        "/lib/*/security/pam_unix.so", "/usr/lib/*/security/pam_unix.so",
        "/lib64/security/pam_unix.so", "/usr/lib64/security/pam_unix.so",
        "/lib/security/pam_unix.so",   "/usr/lib/security/pam_unix.so",
    };
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        glob_t g;
        if (glob(patterns[i], 0, NULL, &g) == 0 && g.gl_pathc > 0) {
            snprintf(out, n, "%s", g.gl_pathv[0]);
            globfree(&g);
            char *slash = strrchr(out, '/');
            *slash = '\0';
            return true;
        }
        globfree(&g);
    }
    return false;
}

/* false after a FAIL: libpam cannot load the module named there. */
bool check_module_file(struct check *c, const char *topic,
                       const struct pam_line *l)
{
    char dir[512], path[1024], at[512], fix[2048];
    check_where(c->t, l, at, sizeof(at));
    if (l->module[0] == '/') {
        snprintf(path, sizeof(path), "%s", l->module);
        /* TRANSLATORS: %s is the module's path. */
        snprintf(fix, sizeof(fix), hb_tr(c->t, "install the module at %s"),
                 path);
    } else if (libpam_dir(dir, sizeof(dir))) {
        snprintf(path, sizeof(path), "%s/%s", dir, l->module);
        char built[1024];
        struct stat st;
        snprintf(built, sizeof(built), "%s/%s", HB_PAMMODDIR, l->module);
        if (strcmp(dir, HB_PAMMODDIR) != 0 && stat(built, &st) == 0)
            snprintf(fix, sizeof(fix),
                     /* TRANSLATORS: the directory it was installed in, then
                      * libpam's module directory. */
                     hb_tr(c->t, "it was installed in %s: reconfigure with "
                                 "--with-pammoddir=%s and install again, or "
                                 "name it by its full path"),
                     HB_PAMMODDIR, dir);
        else
            snprintf(fix, sizeof(fix),
                     /* TRANSLATORS: both %s are libpam's module directory. */
                     hb_tr(c->t, "install pam_haobtc.so in %s (make install "
                                 "with --with-pammoddir=%s, or the package)"),
                     dir, dir);
    } else {
        return true;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return true;
    check_say(c, l->optional ? CHECK_WARN : CHECK_FAIL, topic, fix,
              /* TRANSLATORS: the module's path, where ("FILE line N:
               * CONTROL MODULE"), then empty or ": the '-' before the type
               * skips the line silently". */
              hb_tr(c->t, "libpam cannot find %s (%s)%s"), path, at,
              l->optional ? hb_tr(c->t, ": the '-' before the type skips "
                                        "the line silently")
                          : "");
    return false;
}

/* Where libpam looks for a line's module; false when that is unknown. */
static bool module_path(const struct pam_line *l, char *out, size_t n)
{
    char dir[512];
    if (l->module[0] == '/') {
        snprintf(out, n, "%s", l->module);
        return true;
    }
    if (!libpam_dir(dir, sizeof(dir)))
        return false;
    snprintf(out, n, "%s/%s", dir, l->module);
    return true;
}

/* A line naming another module: false after a FAIL, when libpam cannot
 * load it (it then counts as a failing module on every login) or it is
 * pam_haobtc.so misspelled (then haobtc is never asked either). A "-"
 * line naming some other missing module is skipped by libpam, as meant. */
bool check_other_module_file(struct check *c, const char *topic,
                             const struct pam_line *l)
{
    bool typo = pam_haobtc_misspelled(pam_module_name(l));
    char path[1024], at[512];
    struct stat st;
    if ((l->optional && !typo) || !module_path(l, path, sizeof(path)) ||
        (stat(path, &st) == 0 && S_ISREG(st.st_mode)))
        return true;
    check_where(c->t, l, at, sizeof(at));
    if (typo)
        check_say(c, CHECK_FAIL, topic,
                  hb_tr(c->t, "write the module's name as pam_haobtc.so on "
                              "that line"),
                  /* TRANSLATORS: where ("FILE line N: CONTROL MODULE"),
                   * then the module's path. */
                  hb_tr(c->t, "%s: libpam has no module %s, so haobtc is "
                              "never asked there (pam_haobtc.so "
                              "misspelled?)"),
                  at, path);
    else
        check_say(c, CHECK_FAIL, topic,
                  hb_tr(c->t, "correct the module's name on that line, or "
                              "install the package that has it"),
                  /* TRANSLATORS: where ("FILE line N: CONTROL MODULE"),
                   * then the module's path. */
                  hb_tr(c->t, "%s: libpam cannot find %s, and counts the "
                              "line as a failing module on every login"),
                  at, path);
    return false;
}

/* The module arguments of a line, checked by the module's own loader;
 * false after a FAIL (every login there is PAM_SERVICE_ERR). */
bool check_module_args(struct check *c, const char *topic,
                       const struct pam_line *l)
{
    bool ok = true;
    struct hb_config cfg;
    struct hb_error err = {0};
    char at[512], fix[1024];
    check_where(c->t, l, at, sizeof(at));
    /* The loader takes the arguments as libpam passes them: const. */
    const char *args[PAM_LINE_ARGS_MAX];
    int argc = 0;
    for (; argc < l->argc && argc < PAM_LINE_ARGS_MAX; argc++)
        args[argc] = l->argv[argc];
    if (hb_config_load_without_secret(argc, args, &cfg, &err) != HB_OK) {
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: a PAM service file and a line number. */
                 hb_tr(c->t, "correct the arguments on %s line %u "
                             "(pam_haobtc(8)), or the file they name"),
                 l->file, l->line_no);
        check_say(c, CHECK_FAIL, topic, fix, "%s: %s", at, err.msg);
        ok = false;
    } else if (c->cfg_loaded && strcmp(cfg.conf_path, c->cfg.conf_path) != 0) {
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: %s is a configuration file. */
                 hb_tr(c->t, "run haobtc-login check -c %s as well"),
                 cfg.conf_path);
        check_say(c, CHECK_WARN, topic, fix,
                  /* TRANSLATORS: where ("FILE line N: CONTROL MODULE"),
                   * the configuration file it names, the one checked. */
                  hb_tr(c->t, "%s uses %s, not the file checked above (%s)"),
                  at, cfg.conf_path, c->cfg.conf_path);
    }
    hb_config_free(&cfg);
    return ok;
}

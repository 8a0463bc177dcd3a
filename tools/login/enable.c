/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login enable|disable: writes (or takes out) one marked haobtc
 * block in every PAM service file a name covers - sudo: sudo and sudo-i;
 * su: su and su-l; login; sshd - then shows what the setup check's PAM
 * part makes of the result. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "login.h"
#include "pam_edit.h"
#include "pam_replay.h"

/* libpam reads longer files, but no service file is near this. */
#define SERVICE_FILE_MAX (256 * 1024)

enum { RC_OK, RC_REFUSED, RC_USAGE, RC_IO };

/* What "sudo -i" and "su -" read beside sudo and su. */
static const struct group {
    const char *name;
    const char *file[2]; /* the service, then its variant or NULL */
} groups[] = {
    {"sudo", {"sudo", "sudo-i"}},
    {"su", {"su", "su-l"}},
    {"login", {"login", NULL}},
    {"sshd", {"sshd", NULL}},
};
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

struct run {
    const struct hb_texts *t;
    const char *cmd;     /* "enable" or "disable" */
    const char *service; /* the name given (sudo for sudo-i) */
    const char *dir;
    int dir_fd;
    const char *line; /* the line the block holds (enable) */
    int rc;
};

static void worse(struct run *run, int rc)
{
    if (rc > run->rc)
        run->rc = rc;
}

/* "WORD DIR/FILE: finding[. Fix: fix.]" (FILE may be a path): the word
 * stays English, like the check's verdicts, for grep and scripts. */
static void say(const struct run *run, const char *word, const char *file,
                const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void say(const struct run *run, const char *word, const char *file,
                const char *fix, const char *fmt, ...)
{
    char text[1024], path[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (file[0] == '/')
        snprintf(path, sizeof(path), "%s", file);
    else
        snprintf(path, sizeof(path), "%s/%s", run->dir, file);
    printf("%s ", word);
    check_put_clean(path);
    fputs(": ", stdout);
    check_put_clean(text);
    if (fix != NULL) {
        fputs(hb_tr(run->t, ". Fix: "), stdout);
        check_put_clean(fix);
        fputs(hb_tr(run->t, "."), stdout);
    }
    putchar('\n');
}

/* 0 read, 1 no such file, -1 refused or failed (said why). */
static int read_text(struct run *run, const char *file, struct pam_text *f)
{
    char fix[512], target[512];
    memset(f, 0, sizeof(*f));
    if (fstatat(run->dir_fd, file, &f->st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return 1;
        say(run, "error", file, NULL, "%s", strerror(errno));
        worse(run, RC_IO);
        return -1;
    }
    if (S_ISLNK(f->st.st_mode)) {
        ssize_t n = readlinkat(run->dir_fd, file, target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: the subcommand (enable or disable), then
                  * the service name. */
                 hb_tr(run->t, "replace the link with a copy of the file it "
                               "points to, then run haobtc-login %s %s "
                               "again"),
                 run->cmd, run->service);
        say(run, "refused", file, fix,
            /* TRANSLATORS: where the symbolic link points. */
            hb_tr(run->t, "a symbolic link (to %s), which this command "
                          "does not write through"),
            target);
        worse(run, RC_REFUSED);
        return -1;
    }
    int fd = -1;
    if (S_ISREG(f->st.st_mode))
        fd = openat(run->dir_fd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &f->st) != 0 || !S_ISREG(f->st.st_mode)) {
        say(run, "refused", file, NULL, "%s",
            fd < 0 && errno != 0 && S_ISREG(f->st.st_mode)
                ? strerror(errno)
                : hb_tr(run->t, "not a regular file"));
        worse(run, RC_REFUSED);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    f->b = malloc(SERVICE_FILE_MAX + 1);
    ssize_t got = 0;
    while (f->b != NULL && f->len <= SERVICE_FILE_MAX) {
        got = read(fd, f->b + f->len, SERVICE_FILE_MAX + 1 - f->len);
        if (got <= 0)
            break;
        f->len += (size_t)got;
    }
    close(fd);
    if (f->b == NULL || got < 0 || f->len > SERVICE_FILE_MAX) {
        say(run, "error", file, NULL, "%s",
            f->b == NULL ? strerror(ENOMEM)
            : got < 0    ? strerror(errno)
                         : strerror(EFBIG));
        free(f->b);
        f->b = NULL;
        worse(run, RC_IO);
        return -1;
    }
    return 0;
}

/* Replaces file with the parts given, in one rename: a temporary file
 * beside it with its mode and owner, synced before the rename and the
 * directory after, so a crash leaves the old file or the new one. */
static bool write_text(struct run *run, const char *file,
                       const struct stat *was, const char *const *part,
                       const size_t *part_len, size_t n_parts)
{
    char *tmp = NULL, *path = NULL;
    if (asprintf(&tmp, "%s/.%s.haobtc-XXXXXX", run->dir, file) < 0)
        tmp = NULL;
    if (asprintf(&path, "%s/%s", run->dir, file) < 0)
        path = NULL;
    int fd = tmp != NULL && path != NULL ? mkostemp(tmp, O_CLOEXEC) : -1;
    bool ok = fd >= 0;
    for (size_t i = 0; ok && i < n_parts; i++) {
        size_t done = 0;
        while (ok && done < part_len[i]) {
            ssize_t n = write(fd, part[i] + done, part_len[i] - done);
            ok = n > 0;
            done += ok ? (size_t)n : 0;
        }
    }
    ok = ok && fchown(fd, was->st_uid, was->st_gid) == 0;
    ok = ok && fchmod(fd, was->st_mode & 07777) == 0;
    ok = ok && fsync(fd) == 0;
    int err = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        if (fd >= 0)
            unlink(tmp);
        say(run, "error", file, NULL,
            /* TRANSLATORS: why writing failed (strerror). */
            hb_tr(run->t, "cannot write it: %s"), strerror(err));
        worse(run, RC_IO);
    } else {
        fsync(run->dir_fd);
    }
    free(tmp);
    free(path);
    return ok;
}

static void enable_file(struct run *run, const struct group *g,
                        const char *file)
{
    struct pam_text f;
    char fix[512], quoted[PAM_QUOTE_MAX + 8];
    size_t at = 0, end = 0, inner = 0, inner_end = 0;
    int r = read_text(run, file, &f);
    if (r != 0) {
        if (r == 1)
            say(run, "absent", file, NULL, "%s",
                hb_tr(run->t, "no such file, nothing to do"));
        return;
    }
    int block = pam_text_block(&f, 0, &at, &inner, &inner_end, &end);
    size_t mention = 0, mention_end = 0;
    bool other = false;
    /* A line of its own outside the block, the first one that counts. */
    for (size_t from = 0;
         !other && pam_text_module(&f, from, &mention, &mention_end);
         from = mention_end)
        other = block != 1 || mention < at || mention >= end;
    if (block == -1) {
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: the end mark, then the service name. */
                 hb_tr(run->t, "make the block's three lines whole again "
                               "(its end is \"%s\") or delete them, then run "
                               "haobtc-login enable %s again"),
                 PAM_BLOCK_END, g->name);
        say(run, "refused", file, fix,
            /* TRANSLATORS: a line number. */
            hb_tr(run->t, "line %u begins a haobtc block that does not end "
                          "two lines later"),
            pam_text_line_no(&f, at));
        worse(run, RC_REFUSED);
    } else if (other) {
        pam_text_quote(&f, mention, mention_end, quoted, sizeof(quoted));
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: the service name. */
                 hb_tr(run->t, "delete that line (this command writes its "
                               "own), then run haobtc-login enable %s again"),
                 g->name);
        say(run, "refused", file, fix,
            /* TRANSLATORS: a line number, then that line as written. */
            hb_tr(run->t, "line %u already names the module: \"%s\""),
            pam_text_line_no(&f, mention), quoted);
        worse(run, RC_REFUSED);
    } else if (block == 1 && inner_end - inner == strlen(run->line) + 1 &&
               memcmp(f.b + inner, run->line, inner_end - inner - 1) == 0) {
        say(run, "already", file, NULL, "%s",
            hb_tr(run->t, "the same haobtc block is there"));
    } else if (block == 1) {
        const char *part[] = {f.b, run->line, "\n", f.b + inner_end};
        size_t len[] = {inner, strlen(run->line), 1, f.len - inner_end};
        if (write_text(run, file, &f.st, part, len, 4))
            say(run, "updated", file, NULL,
                /* TRANSLATORS: the haobtc line as written. */
                hb_tr(run->t, "the haobtc block now reads \"%s\""), run->line);
    } else if (!pam_text_reader(&f, "common-auth", &at, &end) &&
               !pam_text_auth(&f, &at, &end)) {
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: the service name. */
                 hb_tr(run->t, "add \"@include common-auth\" to it, as "
                               "Debian's file has, then run haobtc-login "
                               "enable %s again"),
                 g->name);
        say(run, "refused", file, fix, "%s",
            hb_tr(run->t, "it has no auth line to put the haobtc line "
                          "before"));
        worse(run, RC_REFUSED);
    } else {
        const char *part[] = {f.b, PAM_BLOCK_BEGIN "\n", run->line,
                              "\n" PAM_BLOCK_END "\n", f.b + at};
        size_t len[] = {at, strlen(PAM_BLOCK_BEGIN) + 1, strlen(run->line),
                        strlen(PAM_BLOCK_END) + 2, f.len - at};
        if (write_text(run, file, &f.st, part, len, 5))
            say(run, "written", file, NULL,
                /* TRANSLATORS: a line number. */
                hb_tr(run->t, "the haobtc block, before line %u"),
                pam_text_line_no(&f, at));
    }
    free(f.b);
}

static void disable_file(struct run *run, const char *file)
{
    struct pam_text f;
    size_t at = 0, end = 0, inner = 0, inner_end = 0;
    int r = read_text(run, file, &f);
    if (r != 0) {
        if (r == 1)
            say(run, "absent", file, NULL, "%s",
                hb_tr(run->t, "no such file, nothing to do"));
        return;
    }
    /* Every block, as marked; the bytes around them stay as they are. */
    char *out = malloc(f.len + 1);
    size_t n = 0, from = 0, blocks = 0;
    unsigned first = 0;
    int found = 0;
    while (out != NULL && (found = pam_text_block(&f, from, &at, &inner,
                                                  &inner_end, &end)) == 1) {
        if (blocks++ == 0)
            first = pam_text_line_no(&f, at);
        memcpy(out + n, f.b + from, at - from);
        n += at - from;
        from = end;
    }
    if (out == NULL) {
        say(run, "error", file, NULL, "%s", strerror(ENOMEM));
        worse(run, RC_IO);
    } else if (found == -1) {
        char fix[512];
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: the begin mark. */
                 hb_tr(run->t, "delete the lines from \"%s\" to the haobtc "
                               "line by hand"),
                 PAM_BLOCK_BEGIN);
        say(run, "refused", file, fix,
            /* TRANSLATORS: a line number. */
            hb_tr(run->t, "line %u begins a haobtc block that does not end "
                          "two lines later"),
            pam_text_line_no(&f, at));
        worse(run, RC_REFUSED);
    } else if (blocks == 0) {
        say(run, "unchanged", file, NULL, "%s",
            hb_tr(run->t, "no haobtc block in it"));
    } else {
        memcpy(out + n, f.b + from, f.len - from);
        n += f.len - from;
        const char *part[] = {out};
        size_t len[] = {n};
        if (write_text(run, file, &f.st, part, len, 1))
            say(run, "removed", file, NULL,
                /* TRANSLATORS: a line number. */
                hb_tr(run->t, "the haobtc block at line %u"), first);
    }
    free(out);
    free(f.b);
}

/* sudo-i or su-l that reads the service's own file (Debian's su-l has
 * "auth include su"): the service's block covers it. */
static bool variant_reads(struct run *run, const char *variant,
                          const char *service, unsigned *line_no)
{
    struct pam_text f;
    size_t at = 0, end = 0;
    struct stat st;
    /* A link is refused when it is written, not skipped here. */
    if (fstatat(run->dir_fd, variant, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode) || read_text(run, variant, &f) != 0)
        return false;
    bool reads = pam_text_reader(&f, service, &at, &end);
    if (reads)
        *line_no = pam_text_line_no(&f, at);
    free(f.b);
    return reads;
}

static bool file_exists(struct run *run, const char *file)
{
    struct stat st;
    return fstatat(run->dir_fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void do_group(struct run *run, const struct group *g, bool enable)
{
    bool any = false;
    run->service = g->name;
    for (size_t i = 0; i < 2 && g->file[i] != NULL; i++) {
        const char *file = g->file[i];
        unsigned line_no = 0;
        any = any || file_exists(run, file);
        if (enable && i == 1 && variant_reads(run, file, g->file[0], &line_no))
            say(run, "skipped", file, NULL,
                /* TRANSLATORS: the service it reads, a line number, the
                 * service again. */
                hb_tr(run->t, "it reads %s's lines (line %u), so %s's block "
                              "covers it"),
                g->file[0], line_no, g->file[0]);
        else if (enable)
            enable_file(run, g, file);
        else
            disable_file(run, file);
    }
    if (!any)
        worse(run, RC_REFUSED);
    if (enable && strcmp(g->name, "sshd") == 0)
        printf("note sshd: %s\n",
               hb_tr(run->t, "the QR code and the link reach an ssh client "
                             "only over keyboard-interactive: copy "
                             "examples/sshd_config.d/haobtc.conf to "
                             "/etc/ssh/sshd_config.d/ (this command leaves "
                             "sshd_config alone; haobtc-login check checks "
                             "it)"));
}

/* The package's profile in common-auth: per-service lines beside it run
 * the module twice in one login. */
static bool profile_in_use(struct run *run)
{
    struct pam_stack st;
    bool exists = false, found = false;
    if (pam_stack_load(run->t, run->dir, "common-auth", "auth", &st, &exists)) {
        for (size_t i = 0; i < st.n && !found; i++) {
            if (pam_role(&st.line[i]) != ROLE_HAOBTC)
                continue;
            found = true;
            say(run, "refused", st.line[i].file,
                hb_tr(run->t, "use either the package's profile in "
                              "common-auth (pam-auth-update) or per-service "
                              "lines, not both"),
                /* TRANSLATORS: a line number. */
                hb_tr(run->t, "line %u runs pam_haobtc.so (the package's "
                              "profile), so nothing was changed"),
                st.line[i].line_no);
        }
    }
    pam_stack_free(&st);
    return found;
}

static void usage(const struct hb_texts *t, FILE *to)
{
    fputs(
        /* TRANSLATORS: haobtc-login enable --help; keep the option names
         * and the service names. */
        hb_tr(t, "usage: haobtc-login enable [--or-password] [--pam-dir DIR] "
                 "[-c CONF] [--module PATH] SERVICE...\n"
                 "       haobtc-login disable [--pam-dir DIR] SERVICE...\n"
                 "  SERVICE is sudo (sudo and sudo -i), su (su and su -), "
                 "login or sshd.\n"
                 "  enable writes a marked haobtc block before common-auth "
                 "in each of their\n"
                 "  PAM files: haobtc required, or with --or-password haobtc "
                 "or password;\n"
                 "  disable takes the blocks out. Then both run the PAM "
                 "part of haobtc-login check.\n"
                 "      --pam-dir DIR    PAM service files (default "
                 "/etc/pam.d)\n"
                 "  -c, --conf FILE      configuration the line names "
                 "(conf=FILE) when not the default\n"
                 "      --module PATH    the module as the line names it "
                 "(default pam_haobtc.so)\n"
                 "exit: 0 done and the check has no FAIL, 1 a file refused "
                 "or a FAIL, 2 usage error, 3 a file could not be read or "
                 "written\n"),
        to);
}

/* The words of a pam.d line cannot hold a blank or a bracket. */
static bool plain_word(const char *s)
{
    return s[0] != '\0' && strpbrk(s, " \t\n\r[]#\\") == NULL;
}

static int enable_with(const struct hb_texts *t, int argc, char **argv)
{
    static const struct option options[] = {
        {"or-password", no_argument, NULL, 'o'},
        {"pam-dir", required_argument, NULL, 'p'},
        {"conf", required_argument, NULL, 'c'},
        {"module", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct run run = {t, argv[0], NULL, "/etc/pam.d", -1, NULL, RC_OK};
    bool enable = strcmp(argv[0], "enable") == 0;
    bool or_password = false;
    const char *conf = HB_DEFAULT_CONF, *module = "pam_haobtc.so";
    int opt;
    while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
        if (opt == 'p') {
            run.dir = optarg;
        } else if (opt == 'h') {
            usage(t, stdout);
            return RC_OK;
        } else if (enable && opt == 'o') {
            or_password = true;
        } else if (enable && opt == 'c') {
            conf = optarg;
        } else if (enable && opt == 'm') {
            module = optarg;
        } else {
            usage(t, stderr);
            return RC_USAGE;
        }
    }
    bool bad = optind >= argc || !plain_word(conf) || conf[0] != '/' ||
               !plain_word(module) ||
               strcmp(pam_file_name(module), "pam_haobtc.so") != 0;
    const struct group *chosen[N_GROUPS];
    size_t n_chosen = 0;
    for (int i = optind; i < argc && !bad; i++) {
        bool known = false;
        for (size_t g = 0; g < N_GROUPS; g++) {
            if (strcmp(argv[i], groups[g].name) != 0)
                continue;
            known = true;
            bool twice = false;
            for (size_t k = 0; k < n_chosen; k++)
                twice = twice || chosen[k] == &groups[g];
            if (!twice)
                chosen[n_chosen++] = &groups[g];
        }
        bad = !known;
    }
    if (bad) {
        usage(t, stderr);
        return RC_USAGE;
    }
    if (geteuid() != 0) {
        fprintf(stderr,
                /* TRANSLATORS: the subcommand (enable or disable). */
                hb_tr(t, "haobtc-login %s: run me as root: I write the PAM "
                         "files and check them as a login reads them\n"),
                run.cmd);
        return RC_USAGE;
    }
    char *line = NULL;
    bool default_conf = strcmp(conf, HB_DEFAULT_CONF) == 0;
    if (asprintf(&line, "auth %s %s%s%s%s",
                 /* ignore=ignore: those services= or groups= leave out
                  * go on to the rest of the stack. */
                 or_password ? "sufficient"
                             : "[success=done ignore=ignore default=die]",
                 module, default_conf ? "" : " conf=", default_conf ? "" : conf,
                 or_password ? " or_password" : "") < 0)
        return RC_IO;
    run.line = line;
    run.dir_fd = open(run.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (run.dir_fd < 0) {
        fprintf(stderr, "haobtc-login %s: %s: %s\n", run.cmd, run.dir,
                strerror(errno));
        free(line);
        return RC_IO;
    }
    if (!enable || !profile_in_use(&run)) {
        for (size_t g = 0; g < n_chosen; g++)
            do_group(&run, chosen[g], enable);
        /* What libpam will now make of it, in the check's own words. */
        struct check c;
        memset(&c, 0, sizeof(c));
        c.t = t;
        c.pam_dir = run.dir;
        check_pam(&c);
        printf("%u ok, %u warn, %u FAIL\n", c.n_ok, c.n_warn, c.n_fail);
        if (c.n_fail > 0)
            worse(&run, RC_REFUSED);
    } else {
        worse(&run, RC_REFUSED);
    }
    close(run.dir_fd);
    free(line);
    return run.rc;
}

int enable_main(int argc, char **argv)
{
    struct hb_texts texts;
    setlocale(LC_ALL, "");
    hb_texts_open(&texts, hb_lang_choose(HB_LANG_SET_AUTO), hb_catalog_dir());
    int rc = enable_with(&texts, argc, argv);
    hb_texts_close(&texts);
    return rc;
}

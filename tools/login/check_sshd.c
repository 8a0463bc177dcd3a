/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-login check: sshd's settings as sshd itself resolves them
 * (sshd -T), against what the module needs: PAM, keyboard-interactive
 * (which alone carries the QR code and link), enough LoginGraceTime, and
 * access for the mapped accounts. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define OUT_MAX (256 * 1024)
#define ERR_MAX 4096
#define SSHD_WAIT 10
#define GROUPS_MAX 256

struct capture {
    char *out;
    size_t out_len;
    char err[ERR_MAX];
    size_t err_len;
    int status;
};

/* Runs argv with stdout and stderr captured (no shell), within
 * SSHD_WAIT seconds. */
static bool run(char *const *argv, struct capture *cap)
{
    int out[2], err[2];
    memset(cap, 0, sizeof(*cap));
    cap->out = malloc(OUT_MAX + 1);
    if (cap->out == NULL || pipe2(out, O_CLOEXEC) != 0)
        return false;
    if (pipe2(err, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return false;
    }
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
            _exit(127);
        /* sshd's view of its configuration, not of this shell's
         * environment (a preloaded library, a locale). */
        char path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
        char *const envp[] = {path, NULL};
        execve(argv[0], argv, envp);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(out[0]);
        close(err[0]);
        return false;
    }
    struct pollfd pfd[2] = {{.fd = out[0], .events = POLLIN},
                            {.fd = err[0], .events = POLLIN}};
    time_t end = time(NULL) + SSHD_WAIT;
    int open_fds = 2;
    while (open_fds > 0 && time(NULL) < end) {
        if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (pfd[i].fd < 0 || pfd[i].revents == 0)
                continue;
            char *buf = i == 0 ? cap->out : cap->err;
            size_t *len = i == 0 ? &cap->out_len : &cap->err_len;
            size_t cap_n = i == 0 ? OUT_MAX : ERR_MAX - 1;
            char sink[4096];
            ssize_t k = *len < cap_n ? read(pfd[i].fd, buf + *len, cap_n - *len)
                                     : read(pfd[i].fd, sink, sizeof(sink));
            if (k <= 0) {
                close(pfd[i].fd);
                pfd[i].fd = -1;
                open_fds--;
            } else if (*len < cap_n) {
                *len += (size_t)k;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (pfd[i].fd >= 0)
            close(pfd[i].fd);
    if (open_fds > 0)
        kill(pid, SIGKILL);
    while (waitpid(pid, &cap->status, 0) < 0 && errno == EINTR)
        ;
    cap->out[cap->out_len] = '\0';
    cap->err[cap->err_len] = '\0';
    return open_fds == 0;
}

/* The values sshd -T printed for a keyword, one a line ("allowusers
 * alice" once per entry); NULL-terminated, into vals (at most n). */
static size_t values(const char *out, const char *key, const char **vals,
                     char *store, size_t store_n, size_t n)
{
    size_t k = 0, used = 0, key_len = strlen(key);
    for (const char *line = out; *line != '\0' && k < n;) {
        const char *end = strchr(line, '\n');
        size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
        if (len > key_len && strncmp(line, key, key_len) == 0 &&
            line[key_len] == ' ' && used + len - key_len < store_n) {
            size_t vlen = len - key_len - 1;
            memcpy(store + used, line + key_len + 1, vlen);
            store[used + vlen] = '\0';
            vals[k++] = store + used;
            used += vlen + 1;
        }
        line = end != NULL ? end + 1 : line + len;
    }
    return k;
}

static const char *value(const char *out, const char *key, char *store,
                         size_t n)
{
    const char *v[1];
    return values(out, key, v, store, n, 1) == 1 ? v[0] : NULL;
}

/* sshd's patterns, * and ?; a USER@HOST entry also limits the client's
 * host, which a check from here cannot judge, so it counts as its user
 * part alone. */
static bool listed(const char *name, const char *const *pat, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char user[256];
        snprintf(user, sizeof(user), "%s", pat[i]);
        char *at = strchr(user, '@');
        if (at != NULL)
            *at = '\0';
        if (fnmatch(user, name, 0) == 0)
            return true;
    }
    return false;
}

static bool in_group_listed(const char *name, const char *const *pat, size_t n)
{
    struct passwd *pw = getpwnam(name);
    if (pw == NULL)
        return false;
    gid_t groups[GROUPS_MAX];
    int ng = GROUPS_MAX;
    if (getgrouplist(name, pw->pw_gid, groups, &ng) < 0)
        ng = GROUPS_MAX;
    for (int i = 0; i < ng; i++) {
        struct group *gr = getgrgid(groups[i]);
        if (gr != NULL && listed(gr->gr_name, pat, n))
            return true;
    }
    return false;
}

#define LIST_N 64

static void access_lines(struct check *c, const char *out)
{
    const char *au[LIST_N], *du[LIST_N], *ag[LIST_N], *dg[LIST_N];
    char s1[8192], s2[8192], s3[8192], s4[8192];
    size_t n_au = values(out, "allowusers", au, s1, sizeof(s1), LIST_N);
    size_t n_du = values(out, "denyusers", du, s2, sizeof(s2), LIST_N);
    size_t n_ag = values(out, "allowgroups", ag, s3, sizeof(s3), LIST_N);
    size_t n_dg = values(out, "denygroups", dg, s4, sizeof(s4), LIST_N);
    size_t refused = 0;
    for (size_t i = 0; i < c->n_accounts; i++) {
        const char *name = c->accounts[i];
        const char *why = NULL;
        /* sshd's own order: DenyUsers, AllowUsers, DenyGroups,
         * AllowGroups. */
        if (n_du > 0 && listed(name, du, n_du))
            why = hb_tr(c->t, "DenyUsers lists it");
        else if (n_au > 0 && !listed(name, au, n_au))
            why = hb_tr(c->t, "AllowUsers does not list it");
        else if (n_dg > 0 && in_group_listed(name, dg, n_dg))
            why = hb_tr(c->t, "it is in a group DenyGroups lists");
        else if (n_ag > 0 && !in_group_listed(name, ag, n_ag))
            why = hb_tr(c->t, "it is in no group AllowGroups lists");
        if (why == NULL)
            continue;
        refused++;
        char fix[512];
        snprintf(fix, sizeof(fix),
                 /* TRANSLATORS: %s is a local account. */
                 hb_tr(c->t, "let %s in through sshd's AllowUsers/"
                             "AllowGroups/DenyUsers/DenyGroups, or remove its "
                             "map line if it is not meant to log in over "
                             "SSH"),
                 name);
        check_say(c, CHECK_WARN, "sshd access", fix,
                  /* TRANSLATORS: a local account, then why sshd refuses it
                   * (e.g. "DenyUsers lists it"). */
                  hb_tr(c->t, "sshd refuses mapped account %s (%s): haobtc "
                              "can approve, but sshd never gets that far"),
                  name, why);
    }
    if (refused == 0 && c->n_accounts > 0) {
        char names[512];
        check_join(c->accounts, c->n_accounts, 8, names, sizeof(names));
        check_say(c, CHECK_OK, "sshd access", NULL,
                  /* TRANSLATORS: a list of local accounts, then either
                   * "AllowUsers, AllowGroups, DenyUsers and DenyGroups let
                   * them" or "no AllowUsers, AllowGroups, DenyUsers or
                   * DenyGroups". */
                  hb_tr(c->t, "every mapped account may log in (%s): %s"),
                  names,
                  n_au + n_du + n_ag + n_dg > 0
                      ? hb_tr(c->t, "AllowUsers, AllowGroups, DenyUsers and "
                                    "DenyGroups let them")
                      : hb_tr(c->t, "no AllowUsers, AllowGroups, DenyUsers or "
                                    "DenyGroups"));
    }
}

static void methods_line(struct check *c, const char *out)
{
    char store[1024], pw[32];
    const char *methods =
        value(out, "authenticationmethods", store, sizeof(store));
    const char *password = value(out, "passwordauthentication", pw, sizeof(pw));
    bool password_on = password != NULL && strcmp(password, "yes") == 0;
    const char *fix_pw =
        hb_tr(c->t, "set PasswordAuthentication no (common-auth still asks "
                    "the password through keyboard-interactive)");
    if (methods == NULL || strcmp(methods, "any") == 0) {
        if (password_on)
            check_say(c, CHECK_WARN, "sshd methods", fix_pw, "%s",
                      hb_tr(c->t, "PasswordAuthentication yes: a client that "
                                  "tries passwords first sends the password "
                                  "as the answer to haobtc's prompt and never "
                                  "shows the QR code"));
        else
            check_say(c, CHECK_OK, "sshd methods", NULL, "%s",
                      hb_tr(c->t, "AuthenticationMethods any, "
                                  "PasswordAuthentication no: "
                                  "keyboard-interactive carries haobtc (a key "
                                  "alone, when allowed, skips it)"));
        return;
    }
    /* Space-separated lists, each a comma-separated sequence. */
    bool kbd = false, pw_in_list = false, skip = false;
    char copy[1024];
    snprintf(copy, sizeof(copy), "%s", methods);
    char *save = NULL;
    for (char *list = strtok_r(copy, " ", &save); list != NULL;
         list = strtok_r(NULL, " ", &save)) {
        bool this_kbd = strstr(list, "keyboard-interactive") != NULL;
        kbd = kbd || this_kbd;
        skip = skip || !this_kbd;
        pw_in_list = pw_in_list || (this_kbd && strstr(list, "password"));
    }
    if (!kbd) {
        check_say(c, CHECK_FAIL, "sshd methods",
                  hb_tr(c->t, "add keyboard-interactive, e.g. "
                              "AuthenticationMethods keyboard-interactive or "
                              "publickey,keyboard-interactive"),
                  /* TRANSLATORS: %s is sshd's AuthenticationMethods value. */
                  hb_tr(c->t, "AuthenticationMethods %s never asks "
                              "keyboard-interactive, which alone carries "
                              "haobtc's prompt"),
                  methods);
    } else if (pw_in_list) {
        check_say(c, CHECK_WARN, "sshd methods", fix_pw,
                  /* TRANSLATORS: %s is sshd's AuthenticationMethods value. */
                  hb_tr(c->t, "AuthenticationMethods %s: password "
                              "authentication runs /etc/pam.d/sshd too, and "
                              "hands haobtc the password as its answer"),
                  methods);
    } else {
        check_say(c, CHECK_OK, "sshd methods", NULL,
                  /* TRANSLATORS: sshd's AuthenticationMethods value, then
                   * empty or " (a list without it lets those logins skip
                   * haobtc)". */
                  hb_tr(c->t, "AuthenticationMethods %s: keyboard-interactive "
                              "carries haobtc%s"),
                  methods,
                  skip ? hb_tr(c->t, " (a list without it lets those logins "
                                     "skip haobtc)")
                       : "");
    }
}

static void grace_line(struct check *c, const char *out)
{
    char store[64];
    const char *grace = value(out, "logingracetime", store, sizeof(store));
    long timeout = c->cfg_loaded ? c->cfg.timeout : 110;
    long g = grace != NULL ? strtol(grace, NULL, 10) : 120;
    char fix[256];
    snprintf(fix, sizeof(fix),
             /* TRANSLATORS: %ld is a number of seconds. */
             hb_tr(c->t, "set LoginGraceTime %ld or more in sshd_config (or "
                         "a lower timeout in pam_haobtc.conf)"),
             timeout + CHECK_GRACE_MARGIN);
    if (g == 0)
        check_say(c, CHECK_OK, "sshd grace", NULL,
                  /* TRANSLATORS: %ld is the module's timeout in seconds. */
                  hb_tr(c->t, "LoginGraceTime 0 (no limit): the module's "
                              "timeout (%ld s) ends a login"),
                  timeout);
    else if (g < timeout)
        check_say(c, CHECK_FAIL, "sshd grace", fix,
                  /* TRANSLATORS: sshd's LoginGraceTime, then the module's
                   * timeout, both in seconds. */
                  hb_tr(c->t, "LoginGraceTime %ld s is shorter than the "
                              "module's timeout %ld s: sshd drops the "
                              "connection before the login can end"),
                  g, timeout);
    else if (g < timeout + CHECK_GRACE_MARGIN)
        check_say(c, CHECK_WARN, "sshd grace", fix,
                  /* TRANSLATORS: sshd's LoginGraceTime, the margin wanted,
                   * the module's timeout, all in seconds. */
                  hb_tr(c->t, "LoginGraceTime %ld s leaves less than %d s "
                              "past the module's timeout %ld s: a slow login "
                              "may be cut"),
                  g, CHECK_GRACE_MARGIN, timeout);
    else
        check_say(c, CHECK_OK, "sshd grace", NULL,
                  /* TRANSLATORS: sshd's LoginGraceTime, then the module's
                   * timeout, both in seconds. */
                  hb_tr(c->t, "LoginGraceTime %ld s, the module's timeout %ld "
                              "s"),
                  g, timeout);
}

/* "OpenSSH_10.3p1, OpenSSL ..." (sshd -V, on standard error) as 1003. */
static long openssh_version(const char *text)
{
    const char *at = strstr(text, "OpenSSH_");
    if (at == NULL)
        return -1;
    char *end = NULL;
    long major = strtol(at + 8, &end, 10);
    if (end == at + 8 || *end != '.')
        return -1;
    long minor = strtol(end + 1, NULL, 10);
    return major * 100 + minor;
}

/* A module cannot see sshd's version, so sshd_instant_info says it: sshd
 * 10.3 and later show info messages at once (no keypress), earlier ones
 * hold them back until the next prompt, so a login with no prompt would
 * show nothing until it ends. */
static void version_line(struct check *c)
{
    char dash_v[] = "-V";
    char *sshd = strdup(c->sshd);
    char *argv[] = {sshd, dash_v, NULL};
    struct capture cap = {0};
    bool finished = sshd != NULL && run(argv, &cap);
    free(sshd);
    long v = finished ? openssh_version(cap.err) : -1;
    free(cap.out);
    bool instant = c->cfg_loaded && c->cfg.sshd_instant_info;
    bool relay = c->cfg_loaded && c->cfg.relay_url != NULL;
    if (v < 0) {
        check_say(c, CHECK_WARN, "sshd version",
                  hb_tr(c->t, "check sshd_instant_info by hand: yes only for "
                              "OpenSSH 10.3 or later"),
                  /* TRANSLATORS: %s is sshd's path. */
                  hb_tr(c->t, "%s -V did not say which OpenSSH it is"),
                  c->sshd);
    } else if (instant && v < 1003) {
        check_say(c, CHECK_FAIL, "sshd version",
                  hb_tr(c->t, "set sshd_instant_info = no in pam_haobtc.conf "
                              "(or install OpenSSH 10.3 or later)"),
                  /* TRANSLATORS: OpenSSH's major and minor version. */
                  hb_tr(c->t, "sshd_instant_info = yes, but sshd is OpenSSH "
                              "%ld.%ld, which holds the link and QR code back "
                              "until a prompt: ssh logins would see nothing"),
                  v / 100, v % 100);
    } else if (!instant && relay && v >= 1003 &&
               c->cfg.prompt == HB_PROMPT_AUTO) {
        check_say(c, CHECK_WARN, "sshd version",
                  hb_tr(c->t, "set sshd_instant_info = yes in "
                              "pam_haobtc.conf"),
                  /* TRANSLATORS: OpenSSH's major and minor version. */
                  hb_tr(c->t, "sshd is OpenSSH %ld.%ld, which shows info "
                              "messages at once: with sshd_instant_info = yes "
                              "ssh logins need no keypress"),
                  v / 100, v % 100);
    } else {
        check_say(c, CHECK_OK, "sshd version", NULL,
                  "OpenSSH %ld.%ld, sshd_instant_info = %s", v / 100, v % 100,
                  instant ? "yes" : "no");
    }
}

void check_sshd(struct check *c)
{
    if (!c->sshd_uses_module && c->sshd_config == NULL) {
        check_say(c, CHECK_OK, "sshd", NULL,
                  /* TRANSLATORS: %s is the PAM directory (/etc/pam.d). */
                  hb_tr(c->t, "%s/sshd does not use pam_haobtc.so: sshd's "
                              "settings were not checked"),
                  c->pam_dir);
        return;
    }
    struct stat st;
    if (stat(c->sshd, &st) != 0) {
        check_say(c, c->sshd_uses_module ? CHECK_WARN : CHECK_OK, "sshd",
                  hb_tr(c->t, "install openssh-server, or drop haobtc from "
                              "/etc/pam.d/sshd"),
                  /* TRANSLATORS: %s is sshd's path. */
                  hb_tr(c->t, "%s is not installed"), c->sshd);
        return;
    }
    /* execve takes char *const []: copies, not casts. */
    char dash_t[] = "-T", dash_f[] = "-f";
    char *sshd = strdup(c->sshd);
    char *conf = c->sshd_config != NULL ? strdup(c->sshd_config) : NULL;
    char *argv[] = {sshd, dash_t, NULL, NULL, NULL};
    if (conf != NULL) {
        argv[2] = dash_f;
        argv[3] = conf;
    }
    struct capture cap = {0};
    bool finished = sshd != NULL && (c->sshd_config == NULL || conf != NULL) &&
                    run(argv, &cap);
    free(sshd);
    free(conf);
    if (!finished || !WIFEXITED(cap.status) || WEXITSTATUS(cap.status) != 0) {
        cap.err[strcspn(cap.err, "\r\n")] = '\0';
        check_say(c, CHECK_FAIL, "sshd",
                  hb_tr(c->t, "correct sshd's configuration (sshd -t names "
                              "the same problem)"),
                  /* TRANSLATORS: sshd's path, its options (" -f FILE" or
                   * nothing), then sshd's message, "no message" or "it did
                   * not finish". */
                  hb_tr(c->t, "%s -T%s%s failed: %s"), c->sshd,
                  c->sshd_config != NULL ? " -f " : "",
                  c->sshd_config != NULL ? c->sshd_config : "",
                  cap.err[0] != '\0' ? cap.err
                  : finished         ? hb_tr(c->t, "no message")
                                     : hb_tr(c->t, "it did not finish"));
        free(cap.out);
        return;
    }
    char a[32], b[32];
    const char *pam = value(cap.out, "usepam", a, sizeof(a));
    const char *kbd =
        value(cap.out, "kbdinteractiveauthentication", b, sizeof(b));
    if (kbd == NULL)
        kbd = value(cap.out, "challengeresponseauthentication", b, sizeof(b));
    if (pam == NULL || strcmp(pam, "yes") != 0)
        check_say(c, CHECK_FAIL, "sshd pam",
                  hb_tr(c->t, "set UsePAM yes in sshd_config (sshd keeps the "
                              "first value it reads)"),
                  "%s",
                  hb_tr(c->t, "UsePAM no: sshd never runs /etc/pam.d/sshd, so "
                              "haobtc is never asked"));
    else
        check_say(c, CHECK_OK, "sshd pam", NULL, "UsePAM yes");
    if (kbd == NULL || strcmp(kbd, "yes") != 0)
        check_say(c, CHECK_FAIL, "sshd kbdinteractive",
                  hb_tr(c->t, "set KbdInteractiveAuthentication yes in "
                              "/etc/ssh/sshd_config.d/ (sshd keeps the first "
                              "value it reads)"),
                  "%s",
                  hb_tr(c->t, "KbdInteractiveAuthentication no: the QR code "
                              "and the link cannot reach the person"));
    else
        check_say(c, CHECK_OK, "sshd kbdinteractive", NULL,
                  "KbdInteractiveAuthentication yes");
    methods_line(c, cap.out);
    char methods[1024];
    check_reuse(
        c, value(cap.out, "authenticationmethods", methods, sizeof(methods)));
    grace_line(c, cap.out);
    version_line(c);
    access_lines(c, cap.out);
    free(cap.out);
}

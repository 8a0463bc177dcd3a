/* SPDX-License-Identifier: BSD-2-Clause */
/* The command sudo was asked to run, from its own argv. The caller of
 * sudo chooses sudo's environment; sudo 1.9.13's sudoers plugin happens to
 * put its own SUDO_COMMAND there before it authenticates (checked), but
 * that is one plugin's order of work, not a promise, and a getenv in
 * this process reads the caller's variable wherever it does not. The
 * argv of a setuid process is its own (nobody else may write its
 * memory). */
#include "autoconf.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "sudo_command.h"

/* What is read of /proc/self/cmdline: the options and more than the
 * command's kept bytes. */
#define CMDLINE_MAX 16384

/* sudo 1.9's options that take a value in the next word (or attached). */
static const char short_with_value[] = "aCcDgpRrTtUu";
static const char *const long_with_value[] = {
    "auth-type",       "close-from", "login-class", "group", "host",
    "prompt",          "chdir",      "chroot",      "role",  "type",
    "command-timeout", "other-user", "user",        NULL};
static const char *const long_without_value[] = {"askpass",
                                                 "background",
                                                 "bell",
                                                 "preserve-env",
                                                 "edit",
                                                 "set-home",
                                                 "help",
                                                 "login",
                                                 "remove-timestamp",
                                                 "reset-timestamp",
                                                 "list",
                                                 "non-interactive",
                                                 "preserve-groups",
                                                 "stdin",
                                                 "shell",
                                                 "version",
                                                 "validate",
                                                 NULL};

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* The long option name (up to '=' or its end) names, as getopt_long
 * reads it: the whole name, or an unambiguous start of one; NULL for none
 * (sudo then refuses to run, so nothing is approved). */
static const char *long_option(const char *name, size_t len, bool *with_value)
{
    const char *const *lists[] = {long_with_value, long_without_value};
    const char *found = NULL;
    int matches = 0;
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; lists[l][i] != NULL; i++) {
            if (strncmp(lists[l][i], name, len) != 0)
                continue;
            if (strlen(lists[l][i]) == len) {
                *with_value = l == 0;
                return lists[l][i];
            }
            *with_value = l == 0;
            found = lists[l][i];
            matches++;
        }
    }
    return matches == 1 ? found : NULL;
}

/* "--name[=value]": whether the next word is its value. */
static bool long_takes_next(const char *word, bool *edit)
{
    const char *name = word + 2;
    size_t len = strcspn(name, "=");
    bool with_value = false;
    const char *option = len > 0 ? long_option(name, len, &with_value) : NULL;
    if (option == NULL)
        return false;
    if (strcmp(option, "edit") == 0)
        *edit = true;
    return with_value && name[len] != '=';
}

/* "-xyz": whether the next word is the value of its last option. */
static bool short_takes_next(const char *word, bool *edit)
{
    for (const char *p = word + 1; *p != '\0'; p++) {
        if (*p == 'e')
            *edit = true;
        /* -h takes a value only attached; the others take the rest of
         * the word, or the next word when the rest is empty. */
        if (*p == 'h')
            return false;
        if (strchr(short_with_value, *p) != NULL)
            return p[1] == '\0';
    }
    return false;
}

/* Whether a word needs quotes to read as one word of a shell. */
static bool plain_word(const char *w)
{
    if (*w == '\0')
        return false;
    for (; *w != '\0'; w++)
        if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789_@%+=:,./-",
                   *w) == NULL)
            return false;
    return true;
}

static void add_word(struct hb_buf *b, const char *w)
{
    if (b->len > 0)
        hb_buf_add(b, " ");
    if (plain_word(w)) {
        hb_buf_add(b, w);
        return;
    }
    hb_buf_add(b, "'");
    for (const char *p = w; *p != '\0'; p++) {
        if (*p == '\'') {
            hb_buf_add(b, "'\\''");
        } else {
            char one[2] = {*p, '\0'};
            hb_buf_add(b, one);
        }
        if (b->len > HB_SUDO_COMMAND_KEEP)
            break;
    }
    hb_buf_add(b, "'");
}

char *hb_sudo_command_of(size_t n, const char *const *argv)
{
    struct hb_buf b = {0};
    bool edit = n > 0 && strcmp(base_name(argv[0]), "sudoedit") == 0;
    size_t i = 1;
    for (; i < n; i++) {
        const char *w = argv[i];
        if (strcmp(w, "--") == 0) {
            i++;
            break;
        }
        /* Options end at the first word that is not one ("+" mode). */
        if (w[0] != '-' || w[1] == '\0')
            break;
        bool next = w[1] == '-' ? long_takes_next(w, &edit)
                                : short_takes_next(w, &edit);
        if (next)
            i++;
    }
    if (i >= n) {
        /* No command: what sudo was asked is the invocation itself. */
        for (size_t k = 0; k < n && b.len <= HB_SUDO_COMMAND_KEEP; k++)
            add_word(&b, k == 0 ? base_name(argv[0]) : argv[k]);
    } else {
        if (edit)
            hb_buf_add(&b, "sudoedit");
        for (; i < n && b.len <= HB_SUDO_COMMAND_KEEP; i++)
            add_word(&b, argv[i]);
    }
    if (b.failed) {
        hb_buf_wipe(&b);
        return NULL;
    }
    if (b.data == NULL)
        return strdup("");
    if (b.len > HB_SUDO_COMMAND_KEEP)
        b.data[HB_SUDO_COMMAND_KEEP] = '\0';
    return b.data;
}

char *hb_sudo_command(void)
{
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0)
        return NULL;
    exe[len] = '\0';
    if (strcmp(base_name(exe), "sudo") != 0)
        return NULL;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *raw = malloc(CMDLINE_MAX + 1);
    size_t got = 0;
    while (raw != NULL && got < CMDLINE_MAX) {
        ssize_t r = read(fd, raw + got, CMDLINE_MAX - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (raw == NULL || got == 0) {
        free(raw);
        return NULL;
    }
    raw[got] = '\0';
    /* Words end in NUL; one cut short by the read limit ends here. */
    size_t words = 0;
    for (size_t k = 0; k < got; k += strlen(raw + k) + 1)
        words++;
    const char **argv = calloc(words, sizeof(*argv));
    char *cmd = NULL;
    if (argv != NULL) {
        size_t w = 0;
        for (size_t k = 0; k < got; k += strlen(raw + k) + 1)
            argv[w++] = raw + k;
        cmd = hb_sudo_command_of(words, argv);
    }
    free(argv);
    free(raw);
    return cmd;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Reading PAM service files as Linux-PAM 1.5 does (pam_handlers.c) and
 * replaying its dispatcher (pam_dispatch.c) over them. */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lang.h"
#include "pam_stack.h"

/* Linux-PAM's own limit on nested substacks. */
#define DEPTH_MAX 16
#define FILE_MAX (256 * 1024)
#define ACT_UNDEF (-6)

enum { IMPRESSION_UNDEF, IMPRESSION_POSITIVE, IMPRESSION_NEGATIVE };

void pam_stack_free(struct pam_stack *st)
{
    for (size_t i = 0; i < st->n; i++) {
        struct pam_line *l = &st->line[i];
        free(l->file);
        free(l->control);
        free(l->module);
        for (int k = 0; k < l->argc; k++)
            free(l->argv[k]);
        free(l->argv);
    }
    free(st->line);
    st->line = NULL;
    st->n = 0;
}

const char *pam_module_name(const struct pam_line *line)
{
    const char *slash = strrchr(line->module, '/');
    return slash != NULL ? slash + 1 : line->module;
}

bool pam_haobtc_misspelled(const char *name)
{
    static const char want[] = "pam_haobtc";
    enum { WANT = sizeof(want) - 1, LONGEST = WANT + 2 };
    if (strcmp(name, "pam_haobtc.so") == 0)
        return false;
    size_t n = strlen(name);
    if (n >= 3 && strcasecmp(name + n - 3, ".so") == 0)
        n -= 3;
    if (n + 2 < WANT || n > LONGEST)
        return false;
    /* Edit distance with a swap of two neighbours as one edit (optimal
     * string alignment): "haobct" is one slip, not two. */
    unsigned d[LONGEST + 1][WANT + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = (unsigned)i;
    for (size_t j = 0; j <= WANT; j++)
        d[0][j] = (unsigned)j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= WANT; j++) {
            char a = (char)tolower((unsigned char)name[i - 1]);
            unsigned cost = a == want[j - 1] ? 0 : 1;
            unsigned best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a == want[j - 2] &&
                tolower((unsigned char)name[i - 2]) == want[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[n][WANT] <= 2;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return NULL;
    char *buf = malloc(FILE_MAX + 1);
    size_t n = buf != NULL ? fread(buf, 1, FILE_MAX, f) : 0;
    fclose(f);
    if (buf != NULL)
        buf[n] = '\0';
    return buf;
}

/* The next token: a word, or a [bracketed] one that may hold spaces
 * (where "\]" stands for "]"), returned without its brackets and with
 * *bracketed set. NULL at the end of the line. */
static char *next_token(char **p, bool *bracketed)
{
    char *s = *p;
    *bracketed = false;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return NULL;
    if (*s == '[') {
        char *start = ++s, *o = s;
        *bracketed = true;
        for (; *s != '\0' && *s != ']'; s++) {
            if (s[0] == '\\' && s[1] == ']')
                s++;
            *o++ = *s;
        }
        if (*s == ']')
            s++;
        *o = '\0';
        *p = s;
        return start;
    }
    char *start = s;
    while (*s != '\0' && *s != ' ' && *s != '\t')
        s++;
    if (*s != '\0')
        *s++ = '\0';
    *p = s;
    return start;
}

static int rv_of(const char *name)
{
    static const struct {
        const char *name;
        int rv;
    } names[] = {
        {"success", RV_SUCCESS},
        {"auth_err", RV_AUTH_ERR},
        {"authinfo_unavail", RV_AUTHINFO_UNAVAIL},
        {"ignore", RV_IGNORE},
        {"acct_expired", RV_ACCT_EXPIRED},
        {"perm_denied", RV_PERM_DENIED},
        {"default", RV_COUNT},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(name, names[i].name) == 0)
            return names[i].rv;
    return RV_OTHER;
}

static bool action_of(const char *word, int *act)
{
    static const struct {
        const char *name;
        int act;
    } words[] = {{"ignore", ACT_IGNORE}, {"ok", ACT_OK},
                 {"done", ACT_DONE},     {"bad", ACT_BAD},
                 {"die", ACT_DIE},       {"reset", ACT_RESET}};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcasecmp(word, words[i].name) == 0) {
            *act = words[i].act;
            return true;
        }
    }
    char *end = NULL;
    errno = 0;
    long n = strtol(word, &end, 10);
    if (errno != 0 || end == word || *end != '\0' || n < 1 || n > 1000)
        return false;
    *act = (int)n;
    return true;
}

/* "[value=action ...]" (brackets already dropped); values not named take
 * default's action, or bad without one, as libpam does. */
static bool parse_brackets(char *text, int *action)
{
    int deflt = ACT_UNDEF;
    for (int i = 0; i < RV_COUNT; i++)
        action[i] = ACT_UNDEF;
    char *save = NULL;
    for (char *tok = strtok_r(text, " \t", &save); tok != NULL;
         tok = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(tok, '=');
        int act;
        if (eq == NULL)
            return false;
        *eq = '\0';
        if (!action_of(eq + 1, &act))
            return false;
        int rv = rv_of(tok);
        if (rv == RV_COUNT)
            deflt = act;
        else
            action[rv] = act;
    }
    for (int i = 0; i < RV_COUNT; i++)
        if (action[i] == ACT_UNDEF)
            action[i] = deflt != ACT_UNDEF ? deflt : ACT_BAD;
    return true;
}

static bool parse_control(const char *word, int *action)
{
    int rest, success;
    if (strcasecmp(word, "required") == 0) {
        rest = ACT_BAD;
        success = ACT_OK;
    } else if (strcasecmp(word, "requisite") == 0) {
        rest = ACT_DIE;
        success = ACT_OK;
    } else if (strcasecmp(word, "optional") == 0) {
        rest = ACT_IGNORE;
        success = ACT_OK;
    } else if (strcasecmp(word, "sufficient") == 0) {
        rest = ACT_IGNORE;
        success = ACT_DONE;
    } else {
        return false;
    }
    for (int i = 0; i < RV_COUNT; i++)
        action[i] = rest;
    action[RV_SUCCESS] = success;
    action[RV_IGNORE] = ACT_IGNORE;
    return true;
}

struct loader {
    const struct hb_texts *t;
    const char *dir;
    struct pam_stack *st;
};

static bool load_file(struct loader *ld, const char *name, const char *type,
                      int level, int depth);

static char *path_in(const char *dir, const char *name)
{
    char *path = NULL;
    if (name[0] == '/')
        return strdup(name);
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        return NULL;
    return path;
}

static bool add_line(struct loader *ld, const char *file, unsigned line_no,
                     int level, bool optional, const char *control,
                     const int *action, const char *module, char **args,
                     int argc)
{
    struct pam_stack *st = ld->st;
    struct pam_line *more = realloc(st->line, (st->n + 1) * sizeof(*more));
    if (more == NULL)
        return false;
    st->line = more;
    struct pam_line *l = &st->line[st->n];
    memset(l, 0, sizeof(*l));
    st->n++;
    l->file = strdup(file);
    l->line_no = line_no;
    l->level = level;
    l->optional = optional;
    l->control = strdup(control);
    memcpy(l->action, action, sizeof(l->action));
    l->module = strdup(module);
    l->argv = calloc((size_t)argc + 1, sizeof(*l->argv));
    if (l->file == NULL || l->control == NULL || l->module == NULL ||
        l->argv == NULL)
        return false;
    for (int i = 0; i < argc; i++) {
        l->argv[i] = strdup(args[i]);
        if (l->argv[i] == NULL)
            return false;
        l->argc++;
    }
    return true;
}

/* One logical line (continuations joined, comment cut). */
static bool load_line(struct loader *ld, const char *path, unsigned line_no,
                      char *text, const char *type, int level, int depth)
{
    struct pam_stack *st = ld->st;
    char *p = text;
    bool bracketed = false;
    char *first = next_token(&p, &bracketed);
    if (first == NULL)
        return true;
    if (strcasecmp(first, "@include") == 0) {
        char *name = next_token(&p, &bracketed);
        if (name == NULL) {
            snprintf(st->error, sizeof(st->error),
                     /* TRANSLATORS: a PAM service file, a line number. */
                     hb_tr(ld->t, "%s line %u: @include without a file"), path,
                     line_no);
            return false;
        }
        return load_file(ld, name, type, level, depth + 1);
    }
    bool optional = first[0] == '-';
    const char *line_type = optional ? first + 1 : first;
    char *control = next_token(&p, &bracketed);
    bool control_bracketed = bracketed;
    char *module = control != NULL ? next_token(&p, &bracketed) : NULL;
    if (module == NULL) {
        snprintf(st->error, sizeof(st->error),
                 /* TRANSLATORS: a PAM service file, a line number. */
                 hb_tr(ld->t, "%s line %u: expected 'type control module'"),
                 path, line_no);
        return false;
    }
    if (strcasecmp(line_type, type) != 0)
        return true;
    if (!control_bracketed && strcasecmp(control, "include") == 0)
        return load_file(ld, module, type, level, depth + 1);
    if (!control_bracketed && strcasecmp(control, "substack") == 0)
        return load_file(ld, module, type, level + 1, depth + 1);
    int action[RV_COUNT];
    char shown[256];
    if (control_bracketed)
        snprintf(shown, sizeof(shown), "[%s]", control);
    else
        snprintf(shown, sizeof(shown), "%s", control);
    /* Shown on one line, as written but for a continuation's spaces. */
    char *o = shown;
    for (const char *i = shown; *i != '\0'; i++) {
        bool space = *i == ' ' || *i == '\t';
        if (space && (o == shown || o[-1] == ' '))
            continue;
        *o++ = space ? ' ' : *i;
    }
    *o = '\0';
    bool parsed = control_bracketed ? parse_brackets(control, action)
                                    : parse_control(control, action);
    if (!parsed) {
        snprintf(st->error, sizeof(st->error),
                 /* TRANSLATORS: a PAM service file, a line number, the
                  * control field as written. */
                 hb_tr(ld->t, "%s line %u: control field %s is not one libpam "
                              "knows"),
                 path, line_no, shown);
        return false;
    }
    char *args[PAM_LINE_ARGS_MAX];
    int argc = 0;
    for (char *a = next_token(&p, &bracketed);
         a != NULL && argc < PAM_LINE_ARGS_MAX; a = next_token(&p, &bracketed))
        args[argc++] = a;
    return add_line(ld, path, line_no, level, optional, shown, action, module,
                    args, argc);
}

static bool load_file(struct loader *ld, const char *name, const char *type,
                      int level, int depth)
{
    struct pam_stack *st = ld->st;
    if (depth > DEPTH_MAX || level > DEPTH_MAX) {
        snprintf(st->error, sizeof(st->error),
                 /* TRANSLATORS: the deepest nesting libpam takes, then the
                  * file included there. */
                 hb_tr(ld->t, "includes nest deeper than %d at %s"), DEPTH_MAX,
                 name);
        return false;
    }
    char *path = path_in(ld->dir, name);
    char *text = path != NULL ? read_all(path) : NULL;
    if (text == NULL) {
        snprintf(st->error, sizeof(st->error), "%s: %s",
                 path != NULL ? path : name, strerror(errno));
        free(path);
        return false;
    }
    bool ok = true;
    unsigned line_no = 0;
    for (char *line = text; line != NULL && ok;) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        line_no++;
        unsigned first_no = line_no;
        /* A backslash at the end continues the line. */
        size_t len = strlen(line);
        while (len > 0 && line[len - 1] == '\\' && next != NULL) {
            line[len - 1] = ' ';
            char *after = strchr(next, '\n');
            if (after != NULL)
                *after++ = '\0';
            memmove(line + len, next, strlen(next) + 1);
            len = strlen(line);
            next = after;
            line_no++;
        }
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        ok = load_line(ld, path, first_no, line, type, level, depth);
        line = next;
    }
    free(text);
    free(path);
    return ok;
}

bool pam_stack_load(const struct hb_texts *t, const char *dir,
                    const char *service, const char *type, struct pam_stack *st,
                    bool *exists)
{
    memset(st, 0, sizeof(*st));
    char *path = path_in(dir, service);
    FILE *f = path != NULL ? fopen(path, "re") : NULL;
    *exists = f != NULL;
    if (f != NULL)
        fclose(f);
    free(path);
    if (!*exists)
        return true;
    struct loader ld = {t, dir, st};
    return load_file(&ld, service, type, 0, 0);
}

bool pam_stack_run(const struct pam_stack *st, pam_rv_fn rv, void *arg,
                   unsigned *order)
{
    struct {
        int impression;
        int status;
    } saved[DEPTH_MAX + 2];
    int impression = IMPRESSION_UNDEF;
    /* libpam's PAM_MUST_FAIL_CODE: failure until a module says otherwise. */
    int status = RV_PERM_DENIED;
    int prev_level = 0;
    unsigned step = 0;
    /* A reset at the top goes back to the start, as in libpam. */
    saved[0].impression = impression;
    saved[0].status = status;
    if (order != NULL)
        memset(order, 0, st->n * sizeof(*order));
    for (size_t i = 0; i < st->n; i++) {
        int level = st->line[i].level;
        if (prev_level < level) {
            saved[level].impression = impression;
            saved[level].status = status;
        }
        prev_level = level;
        int got = rv(&st->line[i], arg);
        if (order != NULL)
            order[i] = ++step;
        int act = st->line[i].action[got];
        bool decided = false;
        switch (act) {
        case ACT_RESET:
            impression = saved[level].impression;
            status = saved[level].status;
            break;
        case ACT_OK:
        case ACT_DONE:
            if ((impression == IMPRESSION_UNDEF ||
                 (impression == IMPRESSION_POSITIVE && status == RV_SUCCESS)) &&
                got != RV_IGNORE) {
                impression = IMPRESSION_POSITIVE;
                status = got;
            }
            decided = impression != IMPRESSION_NEGATIVE && act == ACT_DONE;
            break;
        case ACT_BAD:
        case ACT_DIE:
            if (impression != IMPRESSION_NEGATIVE) {
                impression = IMPRESSION_NEGATIVE;
                status = got == RV_IGNORE ? RV_PERM_DENIED : got;
            }
            decided = act == ACT_DIE;
            break;
        case ACT_IGNORE:
            break;
        default:
            /* A jump counts a whole substack as one module. */
            for (; act > 0 && i + 1 < st->n && st->line[i + 1].level >= level;
                 act--) {
                do
                    i++;
                while (i + 1 < st->n && st->line[i + 1].level > level);
            }
            break;
        }
        if (decided)
            while (i + 1 < st->n && st->line[i + 1].level >= level)
                i++;
    }
    return status == RV_SUCCESS && impression == IMPRESSION_POSITIVE;
}

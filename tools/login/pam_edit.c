/* SPDX-License-Identifier: BSD-2-Clause */
/* A PAM service file as bytes, read line by line as libpam reads it, and
 * the marked block haobtc-login enable writes into it: what enable and
 * disable need to change a file without touching any other byte. */
#include "autoconf.h"

#include <string.h>
#include <strings.h>

#include "pam_edit.h"
#include "pam_stack.h"

/* After the line (and its continuation lines) that starts at at. */
static size_t logical_end(const struct pam_text *f, size_t at)
{
    for (;;) {
        const char *nl = memchr(f->b + at, '\n', f->len - at);
        size_t stop = nl != NULL ? (size_t)(nl - f->b) : f->len;
        if (nl == NULL)
            return f->len;
        if (stop > at && f->b[stop - 1] == '\\' && stop + 1 < f->len) {
            at = stop + 1;
            continue;
        }
        return stop + 1;
    }
}

unsigned pam_text_line_no(const struct pam_text *f, size_t at)
{
    unsigned n = 1;
    for (size_t i = 0; i < at; i++)
        n += f->b[i] == '\n';
    return n;
}

/* The first three words of the line [at, end) as libpam reads them
 * (comments cut, continuations joined, a [bracketed] control one word),
 * into w (pointing into store); how many there are. */
static int words_of(const struct pam_text *f, size_t at, size_t end,
                    char *store, size_t size, char *w[3])
{
    size_t n = 0;
    for (size_t i = at; i < end && n + 1 < size; i++) {
        char ch = f->b[i];
        if (ch == '#') {
            while (i < end && f->b[i] != '\n')
                i++;
            ch = ' ';
        } else if (ch == '\\' && i + 1 < end && f->b[i + 1] == '\n') {
            i++;
            ch = ' ';
        } else if (ch == '\n' || ch == '\t' || ch == '\r') {
            ch = ' ';
        }
        store[n++] = ch;
    }
    store[n] = '\0';
    int count = 0;
    char *p = store;
    while (count < 3) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        w[count++] = p;
        char stop = *p == '[' ? ']' : ' ';
        while (*p != '\0' && *p != stop)
            p++;
        if (stop == ']' && *p == ']')
            p++;
        if (*p != '\0')
            *p++ = '\0';
    }
    return count;
}

const char *pam_file_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static bool is_type(const char *w, const char *type)
{
    return strcasecmp(w[0] == '-' ? w + 1 : w, type) == 0;
}

static bool is_include(const char *control)
{
    return strcasecmp(control, "include") == 0 ||
           strcasecmp(control, "substack") == 0;
}

/* A line that reads file's auth lines: "@include FILE", or an auth line
 * that includes or substacks it. */
static bool reads_file(char *const *w, int n, const char *file)
{
    if (n >= 2 && strcmp(w[0], "@include") == 0)
        return strcmp(pam_file_name(w[1]), file) == 0;
    return n >= 3 && is_type(w[0], "auth") && is_include(w[1]) &&
           strcmp(pam_file_name(w[2]), file) == 0;
}

/* A module line naming pam_haobtc.so, or a slip of it. */
static bool names_module(char *const *w, int n)
{
    if (n < 3 || w[0][0] == '@' || is_include(w[1]))
        return false;
    const char *name = pam_file_name(w[2]);
    return strcmp(name, "pam_haobtc.so") == 0 || pam_haobtc_misspelled(name);
}

/* The first line matching want, as [*at, *end); false when none. */
static bool find_line(const struct pam_text *f, size_t from,
                      bool (*want)(char *const *w, int n, const void *arg),
                      const void *arg, size_t *at, size_t *end)
{
    char store[1024];
    for (size_t i = from; i < f->len;) {
        size_t e = logical_end(f, i);
        char *w[3];
        int n = words_of(f, i, e, store, sizeof(store), w);
        if (want(w, n, arg)) {
            *at = i;
            *end = e;
            return true;
        }
        i = e;
    }
    return false;
}

static bool want_read(char *const *w, int n, const void *file)
{
    return reads_file(w, n, file);
}

static bool want_auth(char *const *w, int n, const void *unused)
{
    (void)unused;
    return n >= 1 && is_type(w[0], "auth");
}

static bool want_module(char *const *w, int n, const void *unused)
{
    (void)unused;
    return names_module(w, n);
}

/* The physical line at at, without its newline and trailing blanks, is
 * text. */
static bool line_is(const struct pam_text *f, size_t at, const char *text)
{
    const char *nl = memchr(f->b + at, '\n', f->len - at);
    size_t n = (nl != NULL ? (size_t)(nl - f->b) : f->len) - at;
    while (n > 0 && (f->b[at + n - 1] == ' ' || f->b[at + n - 1] == '\t' ||
                     f->b[at + n - 1] == '\r'))
        n--;
    return n == strlen(text) && memcmp(f->b + at, text, n) == 0;
}

static size_t next_line(const struct pam_text *f, size_t at)
{
    const char *nl = memchr(f->b + at, '\n', f->len - at);
    return nl != NULL ? (size_t)(nl - f->b) + 1 : f->len;
}

int pam_text_block(const struct pam_text *f, size_t from, size_t *at,
                   size_t *inner, size_t *inner_end, size_t *end)
{
    for (size_t i = from; i < f->len; i = next_line(f, i)) {
        if (!line_is(f, i, PAM_BLOCK_BEGIN))
            continue;
        *at = i;
        *inner = next_line(f, i);
        *inner_end = next_line(f, *inner);
        if (*inner >= f->len || *inner_end >= f->len ||
            !line_is(f, *inner_end, PAM_BLOCK_END))
            return -1;
        *end = next_line(f, *inner_end);
        return 1;
    }
    return 0;
}

void pam_text_quote(const struct pam_text *f, size_t at, size_t end, char *out,
                    size_t size)
{
    size_t n = 0;
    while (end > at && (f->b[end - 1] == '\n' || f->b[end - 1] == '\r'))
        end--;
    for (size_t i = at; i < end && n + 4 < size && n < PAM_QUOTE_MAX; i++)
        out[n++] = f->b[i] == '\n' ? ' ' : f->b[i];
    if (n < end - at && n + 4 < size) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

bool pam_text_reader(const struct pam_text *f, const char *file, size_t *at,
                     size_t *end)
{
    return find_line(f, 0, want_read, file, at, end);
}

bool pam_text_auth(const struct pam_text *f, size_t *at, size_t *end)
{
    return find_line(f, 0, want_auth, NULL, at, end);
}

bool pam_text_module(const struct pam_text *f, size_t from, size_t *at,
                     size_t *end)
{
    return find_line(f, from, want_module, NULL, at, end);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The one prompt the person sees, and the check of what they type back. */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "prompt.h"
#include "qr.h"
#include "secure.h"

/* Terminal columns of one code point: 2 for the East Asian wide and
 * fullwidth blocks (CJK, Hangul, fullwidth forms), 0 for combining marks,
 * 1 otherwise, as wcwidth() says in a UTF-8 locale. wcwidth() itself
 * cannot be used here: it follows the application's LC_CTYPE, which is C
 * in sshd, where it knows no character past ASCII. */
static unsigned code_point_columns(uint32_t cp)
{
    if ((cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) ||
        (cp >= 0xfe00 && cp <= 0xfe0f))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
        (cp >= 0x3041 && cp <= 0x33ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
        (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

/* One UTF-8 character at s: its length in bytes (a bad byte is one
 * character of its own, one column wide). */
static size_t utf8_next(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = u[0] < 0x80 ? 1 : u[0] >= 0xf0 ? 4 : u[0] >= 0xe0 ? 3 : 2;
    if (u[0] < 0x80 || u[0] < 0xc2 || u[0] > 0xf4) {
        *cp = u[0] < 0x80 ? u[0] : 0xfffd;
        return 1;
    }
    uint32_t v = u[0] & (0x7fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        v = v << 6 | (u[i] & 0x3fu);
    }
    *cp = v;
    return n;
}

size_t hb_text_columns(const char *s, size_t len)
{
    size_t cols = 0;
    for (size_t i = 0; i < len && s[i] != '\0' && s[i] != '\n';) {
        uint32_t cp;
        i += utf8_next(s + i, &cp);
        cols += code_point_columns(cp);
    }
    return cols;
}

/* Chinese punctuation that may not start a line, and that may not end
 * one. */
static bool closes(uint32_t cp)
{
    return cp == 0xff0c || cp == 0x3002 || cp == 0x3001 || cp == 0xff1a ||
           cp == 0xff1b || cp == 0xff01 || cp == 0xff1f || cp == 0xff09 ||
           cp == 0x300b || cp == 0x300d;
}

static bool opens(uint32_t cp)
{
    return cp == 0xff08 || cp == 0x300a || cp == 0x300c;
}

char *hb_wrap_columns(const char *text, size_t width)
{
    size_t len = strlen(text);
    /* At worst one line break inserted after every character. */
    char *out = malloc(2 * len + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0, line = 0, cut = 0;
    bool can_cut = false, cut_is_space = false;
    uint32_t prev = '\n';
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_next(text + i, &cp);
        if (cp == '\n') {
            out[o++] = '\n';
            line = o;
            can_cut = false;
            prev = cp;
            i += n;
            continue;
        }
        bool wide = code_point_columns(cp) == 2;
        bool prev_wide = code_point_columns(prev) == 2;
        if (o > line && cp == ' ') {
            can_cut = true;
            cut_is_space = true;
            cut = o;
        } else if (o > line && prev != ' ' && !closes(cp) && !opens(prev) &&
                   (wide || prev_wide)) {
            /* Chinese text has no spaces: a line may end between any two
             * characters where one is wide. */
            can_cut = true;
            cut_is_space = false;
            cut = o;
        }
        memcpy(out + o, text + i, n);
        o += n;
        i += n;
        prev = cp;
        if (can_cut && hb_text_columns(out + line, o - line) > width) {
            if (cut_is_space) {
                out[cut] = '\n';
            } else {
                memmove(out + cut + 1, out + cut, o - cut);
                out[cut] = '\n';
                o++;
            }
            line = cut + 1;
            can_cut = false;
        }
    }
    out[o] = '\0';
    return out;
}

static const char *question_for(const struct hb_config *cfg,
                                const struct hb_texts *t, bool can_poll)
{
    if (cfg->or_password && !can_poll)
        return hb_tr(t, "Open the link, approve, then paste the code shown; "
                        "or type your password: ");
    if (cfg->or_password)
        return hb_tr(t, "Approve on your phone and press Enter, or type your "
                        "password: ");
    if (!can_poll)
        return hb_tr(t, "Open the link, approve, then paste the code shown: ");
    if (cfg->mode == HB_MODE_POLL)
        return hb_tr(t, "Approve on your phone, then press Enter: ");
    return hb_tr(
        t, "Approve on your phone, then press Enter (or paste the code): ");
}

char *hb_prompt_again(const struct hb_config *cfg, const struct hb_texts *t,
                      const char *link)
{
    char *question = hb_wrap_columns(question_for(cfg, t, true), HB_COLUMNS);
    char *out = NULL;
    if (question == NULL)
        return NULL;
    /* The link keeps a line of its own, so it can be copied whole. */
    if (asprintf(&out, "%s\n%s\n%s", hb_tr(t, "Not approved yet."), link,
                 question) < 0)
        out = NULL;
    free(question);
    return out;
}

char *hb_prompt_build(const struct hb_config *cfg, const struct hb_texts *t,
                      const char *user, const char *host, const char *link,
                      bool can_poll)
{
    int rows = 0;
    char *qr = hb_qr_render(link, cfg->qr, cfg->qr_background, &rows);
    if (qr == NULL && cfg->qr != HB_QR_OFF)
        return NULL;
    /* Names typed at a login prompt can be anything; only plain ones are
     * echoed back so the prompt cannot carry terminal controls. */
    const char *shown_user =
        hb_username_is_plain(user) ? user : hb_tr(t, "this account");
    const char *shown_host =
        hb_username_is_plain(host) ? host : hb_tr(t, "this host");
    char *sentence = NULL, *intro = NULL, *question = NULL, *out = NULL;
    /* TRANSLATORS: the first line of the login prompt; the first %s is the
     * local account (or "this account"), the second the host name (or
     * "this host"). Keep both, in this order. */
    if (asprintf(&sentence,
                 hb_tr(t, "Sign in with haobtc to log in as %s on %s."),
                 shown_user, shown_host) < 0)
        sentence = NULL;
    if (sentence != NULL)
        intro = hb_wrap_columns(sentence, HB_COLUMNS);
    if (intro != NULL)
        question = hb_wrap_columns(question_for(cfg, t, can_poll), HB_COLUMNS);
    if (question != NULL && asprintf(&out, "%s\n%s%s\n%s", intro,
                                     qr != NULL ? qr : "", link, question) < 0)
        out = NULL;
    free(sentence);
    free(intro);
    free(question);
    free(qr);
    return out;
}

static bool is_code_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || strchr("-._~+/=:", c) != NULL;
}

enum hb_status hb_answer_check(char *answer, struct hb_error *err)
{
    size_t whole = strlen(answer);
    size_t len = whole;
    while (len > 0 && (answer[len - 1] == ' ' || answer[len - 1] == '\t' ||
                       answer[len - 1] == '\r' || answer[len - 1] == '\n'))
        len--;
    size_t start = 0;
    while (start < len && (answer[start] == ' ' || answer[start] == '\t'))
        start++;
    len -= start;
    if (len == 0)
        return hb_fail(err, HB_ERR_PENDING, "empty answer");
    if (len > HB_CODE_MAX)
        return hb_fail(err, HB_ERR_INPUT, "%s",
                       N_("the pasted code is too long"));
    for (size_t i = 0; i < len; i++) {
        if (!is_code_char((unsigned char)answer[start + i]) ||
            answer[start + i] == '\0')
            return hb_fail(err, HB_ERR_INPUT, "%s",
                           N_("the pasted code contains a character that no "
                              "code has"));
    }
    memmove(answer, answer + start, len);
    /* The bytes past the new end may still hold part of the code, and the
     * caller wipes only up to the terminator. */
    hb_wipe(answer + len, whole - len);
    return HB_OK;
}

bool hb_prompt_skipped(const struct hb_config *cfg, const char *service,
                       bool can_poll, bool stdout_is_terminal)
{
    if (!can_poll || cfg->prompt == HB_PROMPT_ALWAYS)
        return false;
    if (cfg->prompt == HB_PROMPT_NEVER)
        return true;
    /* sshd up to 10.2 holds info messages back until the next prompt, and
     * a PAM module cannot see sshd's version: the admin says it. */
    if (service != NULL && strcmp(service, "sshd") == 0)
        return cfg->sshd_instant_info;
    /* Messages printed into a file or a pipe would leave the person
     * waiting for a link they never see. */
    return stdout_is_terminal;
}

static bool is_printable_ascii(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

static bool is_printable_ascii_lines(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s != '\n' &&
            ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f))
            return false;
    return true;
}

bool hb_answer_is_tagged(const char *answer)
{
    size_t len = strlen(answer);
    while (len > 0 && strchr(" \t\r\n", answer[len - 1]) != NULL)
        len--;
    size_t start = strspn(answer, " \t");
    if (start >= len || len - start > HB_CODE_MAX)
        return false;
    const char *colon = NULL;
    for (size_t i = start; i < len; i++) {
        if (!is_code_char((unsigned char)answer[i]))
            return false;
        if (answer[i] == ':')
            colon = answer + i;
    }
    return colon != NULL && colon > answer + start &&
           (size_t)(answer + len - (colon + 1)) == HB_TAG_LEN;
}

char *hb_notice_build(const struct hb_texts *t, const char *user,
                      const char *host, const char *link, bool ascii_only,
                      bool or_password)
{
    /* ssh clients up to 10.2 escape every other byte in an info message:
     * the link must come through as it is, and over sshd the text stays
     * English ASCII whatever the language (see hb_notice_ascii_only). */
    if (!is_printable_ascii(link))
        return NULL;
    if (ascii_only)
        t = NULL;
    const char *shown_user =
        hb_username_is_plain(user) ? user : hb_tr(t, "this account");
    const char *shown_host =
        hb_username_is_plain(host) ? host : hb_tr(t, "this host");
    char *sentence = NULL, *out = NULL;
    if (asprintf(&sentence,
                 hb_tr(t, "Sign in with haobtc to log in as %s on %s."),
                 shown_user, shown_host) < 0)
        return NULL;
    int n = asprintf(
        &out, "%s\n%s\n%s%s%s", sentence, link,
        hb_tr(t, "Approve on your phone; the login goes on by itself."),
        or_password ? "\n" : "",
        or_password ? hb_tr(t, "Or type your password and press Enter.") : "");
    free(sentence);
    if (n < 0)
        return NULL;
    if ((size_t)n >= HB_NOTICE_MAX ||
        (ascii_only && !is_printable_ascii_lines(out))) {
        free(out);
        return NULL;
    }
    return out;
}

char *hb_number_first(const struct hb_texts *t, char *text, int number)
{
    char *out = NULL;
    if (text == NULL || number == 0)
        return text;
    /* TRANSLATORS: the terminal's first line with number matching; %d is
     * the two-digit number the phone's page asks the person to pick. */
    char *line = NULL;
    if (asprintf(&line, hb_tr(t, "Your number is %d: pick it on your phone."),
                 number) < 0)
        line = NULL;
    if (line != NULL && asprintf(&out, "%s\n%s", line, text) < 0)
        out = NULL;
    free(line);
    free(text);
    return out;
}

bool hb_notice_ascii_only(const char *service)
{
    /* Every ssh client shows an ASCII message whole; su, sudo and login
     * print to the person's own terminal, which shows the translation. */
    return service == NULL || strcmp(service, "sshd") == 0;
}

char *hb_notice_qr(const struct hb_config *cfg, const char *link)
{
    int rows = 0;
    char *qr = hb_qr_render(link, cfg->qr, cfg->qr_background, &rows);
    if (qr == NULL)
        return NULL;
    size_t n = strlen(qr);
    /* The application ends each message with a newline of its own. */
    if (n > 0 && qr[n - 1] == '\n')
        qr[n - 1] = '\0';
    return qr;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The language of one login and its message catalog.
 *
 * Why the catalog is read here and not through dgettext: gettext picks a
 * catalog by the name of the calling thread's LC_MESSAGES locale, so
 * Chinese for sshd (whose locale is C) would need uselocale() on a
 * zh_CN.UTF-8 locale that Debian servers seldom have generated; without
 * it, lang = zh_CN would silently print English. gettext would also take
 * LANGUAGE from su's caller, and keep the catalog mapped in the
 * application after the module is unloaded. So each login reads the
 * .mo file that msgfmt made from po/zh_CN.po (same tools, same po/, same
 * installed file), checks every offset, and frees it at the end: the
 * application's locale and gettext state are never touched. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lang.h"

#define CATALOG_MAX (512 * 1024)
#define MO_MAGIC 0x950412deU
#define MO_MAGIC_SWAPPED 0xde120495U

/* "zh" alone, or followed by a region, script, codeset or modifier. */
static bool is_simplified_chinese(const char *s, size_t n, char region_sep)
{
    if (n < 2 || strncasecmp(s, "zh", 2) != 0)
        return false;
    if (n == 2 || s[2] == '.' || s[2] == '@')
        return true;
    if (s[2] != region_sep && s[2] != '-' && s[2] != '_')
        return false;
    const char *rest = s + 3;
    size_t left = n - 3;
    static const char *const simplified[] = {"CN", "SG", "Hans"};
    for (size_t i = 0; i < sizeof(simplified) / sizeof(simplified[0]); i++) {
        size_t k = strlen(simplified[i]);
        if (left >= k && strncasecmp(rest, simplified[i], k) == 0 &&
            (left == k || strchr(".@-_", rest[k]) != NULL))
            return true;
    }
    return false;
}

enum hb_lang hb_lang_of_locale(const char *name)
{
    if (name == NULL)
        return HB_LANG_EN;
    return is_simplified_chinese(name, strlen(name), '_') ? HB_LANG_ZH_CN
                                                          : HB_LANG_EN;
}

/* The q of one range ("zh-CN;q=0.8"): 1 without one, 0 for q=0. */
static bool range_wanted(const char *params, size_t n)
{
    const char *q = NULL;
    for (size_t i = 0; i + 1 < n; i++) {
        if ((params[i] == 'q' || params[i] == 'Q') && params[i + 1] == '=') {
            q = params + i + 2;
            break;
        }
    }
    if (q == NULL)
        return true;
    /* q=0, q=0.0, q=0.000: not wanted; anything else is. */
    if (*q != '0')
        return true;
    for (q++; q < params + n && (*q == '.' || *q == '0'); q++)
        ;
    return q < params + n && *q >= '1' && *q <= '9';
}

enum hb_lang hb_lang_of_accept(const char *accept)
{
    /* Browsers list ranges best first; the first one we can serve wins,
     * which is what a q-sorted list means for two languages. */
    const char *p = accept;
    while (p != NULL && *p != '\0') {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ",");
        size_t tag = strcspn(p, ";, \t");
        if (tag > len)
            tag = len;
        if (range_wanted(p + tag, len - tag)) {
            if (is_simplified_chinese(p, tag, '-'))
                return HB_LANG_ZH_CN;
            if (tag >= 2 && strncasecmp(p, "en", 2) == 0 &&
                (tag == 2 || p[2] == '-'))
                return HB_LANG_EN;
        }
        p += len;
    }
    return HB_LANG_EN;
}

enum hb_lang hb_lang_choose(enum hb_lang_setting setting)
{
    switch (setting) {
    case HB_LANG_SET_EN:
        return HB_LANG_EN;
    case HB_LANG_SET_ZH_CN:
        return HB_LANG_ZH_CN;
    case HB_LANG_SET_AUTO:
        break;
    }
    /* Only a query: the application's own setlocale decided this (su and
     * sudo from the caller's LANG; sshd never calls it, so C). */
    return hb_lang_of_locale(setlocale(LC_MESSAGES, NULL));
}

const char *hb_lang_name(enum hb_lang lang)
{
    return lang == HB_LANG_ZH_CN ? "zh_CN" : "en";
}

static uint32_t word_at(const struct hb_texts *t, size_t off)
{
    uint32_t w;
    memcpy(&w, t->mo + off, sizeof(w));
    return t->swapped ? __builtin_bswap32(w) : w;
}

/* Entry i of a table: a string that ends, NUL included, inside the file. */
static const char *entry(const struct hb_texts *t, size_t table, uint32_t i)
{
    size_t at = table + (size_t)i * 8;
    uint32_t len = word_at(t, at);
    uint32_t off = word_at(t, at + 4);
    if ((size_t)off >= t->mo_len || (size_t)len >= t->mo_len - off ||
        t->mo[(size_t)off + len] != '\0')
        return NULL;
    return (const char *)t->mo + off;
}

static bool catalog_ok(struct hb_texts *t)
{
    if (t->mo_len < 28)
        return false;
    uint32_t magic;
    memcpy(&magic, t->mo, sizeof(magic));
    if (magic != MO_MAGIC && magic != MO_MAGIC_SWAPPED)
        return false;
    t->swapped = magic == MO_MAGIC_SWAPPED;
    /* Revision 0 (major 0) only: a later major may change the layout. */
    if ((word_at(t, 4) >> 16) != 0)
        return false;
    t->count = word_at(t, 8);
    t->originals = word_at(t, 12);
    t->translations = word_at(t, 16);
    size_t tables = (size_t)t->count * 8;
    if (t->count > t->mo_len / 8 || t->originals > t->mo_len - tables ||
        t->translations > t->mo_len - tables || t->originals % 4 != 0 ||
        t->translations % 4 != 0)
        return false;
    for (uint32_t i = 0; i < t->count; i++) {
        if (entry(t, t->originals, i) == NULL ||
            entry(t, t->translations, i) == NULL)
            return false;
    }
    return true;
}

static void english(struct hb_texts *t)
{
    free(t->mo);
    memset(t, 0, sizeof(*t));
    t->lang = HB_LANG_EN;
}

/* A catalog is read by root in su and sudo: only a regular file that no
 * one but root (or whoever runs this, for a build tree's tests) can
 * change. */
static unsigned char *read_catalog(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return NULL;
    struct stat st;
    unsigned char *buf = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (st.st_uid != 0 && st.st_uid != geteuid()) ||
        (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 || st.st_size <= 0 ||
        st.st_size > CATALOG_MAX)
        goto out;
    buf = malloc((size_t)st.st_size);
    if (buf == NULL)
        goto out;
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            buf = NULL;
            goto out;
        }
        got += (size_t)n;
    }
    *len = got;
out:
    close(fd);
    return buf;
}

void hb_texts_open_file(struct hb_texts *t, enum hb_lang lang, const char *path)
{
    memset(t, 0, sizeof(*t));
    t->lang = HB_LANG_EN;
    if (lang == HB_LANG_EN || path == NULL)
        return;
    t->mo = read_catalog(path, &t->mo_len);
    if (t->mo == NULL || !catalog_ok(t)) {
        english(t);
        return;
    }
    t->lang = lang;
}

void hb_texts_open_memory(struct hb_texts *t, enum hb_lang lang,
                          const unsigned char *mo, size_t len)
{
    memset(t, 0, sizeof(*t));
    t->lang = HB_LANG_EN;
    if (lang == HB_LANG_EN || len == 0 || len > CATALOG_MAX)
        return;
    t->mo = malloc(len);
    if (t->mo == NULL)
        return;
    memcpy(t->mo, mo, len);
    t->mo_len = len;
    if (!catalog_ok(t)) {
        english(t);
        return;
    }
    t->lang = lang;
}

void hb_texts_open(struct hb_texts *t, enum hb_lang lang, const char *dir)
{
    /* The only catalog there is, under a compiled-in directory: never a
     * path built from the environment or the locale's name. */
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/zh_CN/LC_MESSAGES/%s.mo", dir,
                     PACKAGE);
    hb_texts_open_file(
        t, lang,
        lang == HB_LANG_ZH_CN && n > 0 && (size_t)n < sizeof(path) ? path
                                                                   : NULL);
}

void hb_texts_close(struct hb_texts *t)
{
    english(t);
}

const char *hb_tr(const struct hb_texts *t, const char *msgid)
{
    if (t == NULL || t->mo == NULL || msgid[0] == '\0')
        return msgid;
    /* msgfmt writes the originals sorted by byte value. */
    uint32_t lo = 0, hi = t->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *orig = entry(t, t->originals, mid);
        int cmp = strcmp(msgid, orig);
        if (cmp == 0) {
            const char *tr = entry(t, t->translations, mid);
            /* An untranslated entry is empty: keep the English. */
            return tr[0] != '\0' ? tr : msgid;
        }
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return msgid;
}

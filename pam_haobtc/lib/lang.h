/* SPDX-License-Identifier: BSD-2-Clause */
/* Which language the person reads, and the translated texts for it. */
#ifndef HB_LANG_H
#define HB_LANG_H

#include <stdbool.h>
#include <stddef.h>

/* The languages with a catalog; English is the source text itself. */
enum hb_lang { HB_LANG_EN, HB_LANG_ZH_CN };
/* The configuration key lang: auto follows the application's locale. */
enum hb_lang_setting { HB_LANG_SET_AUTO, HB_LANG_SET_EN, HB_LANG_SET_ZH_CN };

/* Marks a string for xgettext where it is defined; hb_tr translates it
 * where it is shown. */
#define N_(s) s

/* One login's catalog: loaded for that call, freed with it. */
struct hb_texts {
    enum hb_lang lang;
    unsigned char *mo; /* the .mo file, NULL for English */
    size_t mo_len;
    unsigned count;                 /* messages in it */
    size_t originals, translations; /* table offsets */
    bool swapped;                   /* written on a machine of the other end */
};

/* A locale name (POSIX LC_MESSAGES form: ll_CC.codeset@modifier) to a
 * language: zh, zh_CN, zh_SG and zh_Hans are Simplified Chinese; every
 * other name (C, POSIX, en_US, zh_TW, NULL) is English. */
enum hb_lang hb_lang_of_locale(const char *name);
/* A browser's Accept-Language: Simplified Chinese when zh, zh-CN,
 * zh-SG or zh-Hans (any case, with or without a region or script after
 * it) comes before every English range and has a q above 0; else
 * English. */
enum hb_lang hb_lang_of_accept(const char *accept_language);
/* The language for this call: the setting, or with auto the locale the
 * application runs in (LC_MESSAGES, as set by its own setlocale). */
enum hb_lang hb_lang_choose(enum hb_lang_setting setting);
const char *hb_lang_name(enum hb_lang lang);

/* Loads lang's catalog, DIR/zh_CN/LC_MESSAGES/pam_haobtc.mo, with dir
 * hb_catalog_dir(). A missing or unusable catalog leaves English: the
 * login goes on either way. */
void hb_texts_open(struct hb_texts *t, enum hb_lang lang, const char *dir);
/* The catalogs' directory compiled into this program (helper_path.c):
 * the installed one, or the build tree's for its tests. */
const char *hb_catalog_dir(void);
/* The same from a given file (tests, and tools that take a path). */
void hb_texts_open_file(struct hb_texts *t, enum hb_lang lang,
                        const char *path);
/* The same from a copy of a catalog in memory (hb_catalog_zh_CN). */
void hb_texts_open_memory(struct hb_texts *t, enum hb_lang lang,
                          const unsigned char *mo, size_t len);
void hb_texts_close(struct hb_texts *t);
/* The zh_CN catalog compiled into the relay and the mock (tools/catalog.c,
 * made by make from po/zh_CN.po). */
extern const unsigned char hb_catalog_zh_CN[];
extern const size_t hb_catalog_zh_CN_len;
/* msgid's translation, or msgid itself (English, or not translated). t
 * may be NULL: English. */
const char *hb_tr(const struct hb_texts *t, const char *msgid)
    __attribute__((format_arg(2)));

#endif

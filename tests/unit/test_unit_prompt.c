/* SPDX-License-Identifier: BSD-2-Clause */
/* The prompt's layout and the check of what the person types. */
#include "autoconf.h"

#include <locale.h>
#include <stdlib.h>
#include <wchar.h>
#include <string.h>

#include "bind.h"
#include "challenge.h"
#include "config.h"
#include "lang.h"
#include "prompt.h"
#include "qr.h"
#include "testutil.h"

static enum hb_status answer(const char *text, char *out, size_t n)
{
    struct hb_error err = {0};
    strncpy(out, text, n - 1);
    out[n - 1] = '\0';
    return hb_answer_check(out, &err);
}

static void pasted_code_is_trimmed_and_accepted(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(answer("  Ab-12_x.y~z \r\n", buf, sizeof(buf)), HB_OK);
    assert_string_equal(buf, "Ab-12_x.y~z");
}

static void empty_answer_means_poll(void **state)
{
    (void)state;
    char buf[16];
    assert_int_equal(answer("", buf, sizeof(buf)), HB_ERR_PENDING);
    assert_int_equal(answer("   \n", buf, sizeof(buf)), HB_ERR_PENDING);
}

static void four_kilobyte_code_is_refused(void **state)
{
    (void)state;
    char *big = malloc(4097);
    memset(big, 'a', 4096);
    big[4096] = '\0';
    struct hb_error err = {0};
    assert_int_equal(hb_answer_check(big, &err), HB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "too long"));
    free(big);
}

static void control_characters_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {"abc\x1b[2Jdef", "abc\tdef",      "ab\x7f", "a b",
                         "ab\xd0\xb0",    "code;rm -rf /", "a\rb"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char buf[64];
        if (answer(bad[i], buf, sizeof(buf)) != HB_ERR_INPUT)
            fail_msg("accepted answer %zu", i);
    }
}

static void prompt_has_qr_then_link_then_question(void **state)
{
    (void)state;
    struct hb_config cfg;
    hb_config_init(&cfg);
    const char *link = "https://login.example.com/s/K7p2Qx";
    char *p = hb_prompt_build(&cfg, NULL, "alice", "web01", link, true);
    assert_non_null(p);
    const char *intro = strstr(p, "Sign in with haobtc to log in as alice on "
                                  "web01.\n");
    const char *qr = strstr(p, "\xe2\x96\x88");
    const char *at_link = strstr(p, link);
    const char *question = strstr(p, "press Enter");
    assert_true(intro == p);
    assert_non_null(qr);
    assert_true(qr < at_link && at_link < question);
    /* The link stands alone on its line. */
    assert_true(at_link[-1] == '\n' && at_link[strlen(link)] == '\n');
    free(p);
}

/* Terminal cells in line (UTF-8 continuation bytes take none). */
static size_t cells_of(const char *line, const char *end)
{
    size_t cells = 0;
    for (const char *c = line; c < end; c++)
        cells += ((unsigned char)*c & 0xc0) != 0x80;
    return cells;
}

static void short_link_fits_an_80x24_terminal(void **state)
{
    (void)state;
    const enum hb_qr styles[] = {HB_QR_UTF8, HB_QR_ASCII};
    const enum hb_qr_background backgrounds[] = {HB_QR_BG_ANY, HB_QR_BG_DARK,
                                                 HB_QR_BG_LIGHT};
    for (size_t i = 0; i < 2; i++) {
        for (size_t j = 0; j < 3; j++) {
            int rows = 0;
            char *qr = hb_qr_render("https://login.example.com/s/K7p2Qx",
                                    styles[i], backgrounds[j], &rows);
            assert_non_null(qr);
            /* A version 3 code (29 modules) and its quiet zone, two
             * modules a line; with the link, the question and the intro
             * line it fits in 24 lines. */
            assert_int_equal(rows, 17);
            size_t lines = 0;
            for (char *line = qr; *line != '\0'; lines++) {
                char *end = strchr(line, '\n');
                assert_int_equal(cells_of(line, end),
                                 backgrounds[j] == HB_QR_BG_ANY ? 70 : 33);
                line = end + 1;
            }
            assert_int_equal(lines, 17);
            free(qr);
        }
    }
}

/* For any background the code is drawn twice, side by side: first with the
 * light modules and the quiet zone as ink (right on a dark background),
 * then with the dark modules as ink and a blank quiet zone (right on a
 * light one), each cell of the second the first's inverse. */
static void any_background_draws_both_polarities_side_by_side(void **state)
{
    (void)state;
    const char *link = "https://login.example.com/s/K7p2Qx";
    int rows = 0;
    char *any = hb_qr_render(link, HB_QR_ASCII, HB_QR_BG_ANY, &rows);
    char *dark = hb_qr_render(link, HB_QR_ASCII, HB_QR_BG_DARK, &rows);
    char *light = hb_qr_render(link, HB_QR_ASCII, HB_QR_BG_LIGHT, &rows);
    assert_non_null(any);
    assert_non_null(dark);
    assert_non_null(light);
    assert_true(strncmp(dark, "#################################\n", 34) == 0);
    assert_true(strncmp(light, "                                 \n", 34) == 0);
    char *a = any, *d = dark, *l = light;
    for (int row = 0; row < rows; row++) {
        assert_memory_equal(a, d, 33);
        assert_memory_equal(a + 33, "    ", 4);
        assert_memory_equal(a + 37, l, 33);
        /* The last line holds only the lower quiet zone's upper half. */
        for (int x = 0; x < 33 && row < rows - 1; x++) {
            const char *glyphs = "#\". ", *inverse = " .\"#";
            const char *at = strchr(glyphs, d[x]);
            assert_non_null(at);
            assert_int_equal(l[x], inverse[at - glyphs]);
        }
        a += 71;
        d += 34;
        l += 34;
    }
    assert_string_equal(a, "");
    free(any);
    free(dark);
    free(light);
}

/* A long link (no relay: the authorize URL itself) leaves no room for a
 * second copy: the one for dark backgrounds alone, as before. */
static void long_link_is_drawn_once_for_dark(void **state)
{
    (void)state;
    char link[201];
    memset(link, 'a', sizeof(link) - 1);
    link[sizeof(link) - 1] = '\0';
    int rows_any = 0, rows_dark = 0;
    char *any = hb_qr_render(link, HB_QR_UTF8, HB_QR_BG_ANY, &rows_any);
    char *dark = hb_qr_render(link, HB_QR_UTF8, HB_QR_BG_DARK, &rows_dark);
    assert_non_null(any);
    assert_string_equal(any, dark);
    assert_int_equal(rows_any, rows_dark);
    free(any);
    free(dark);
}

static void user_with_terminal_controls_is_not_echoed(void **state)
{
    (void)state;
    struct hb_config cfg;
    hb_config_init(&cfg);
    cfg.qr = HB_QR_OFF;
    char *p = hb_prompt_build(&cfg, NULL, "evil\x1b]0;x\x07", "web01",
                              "https://x/s/1", false);
    assert_null(strchr(p, '\x1b'));
    assert_non_null(strstr(p, "this account"));
    assert_non_null(strstr(p, "paste the code"));
    free(p);
}

static void qr_off_and_ascii(void **state)
{
    (void)state;
    int rows = -1;
    assert_null(hb_qr_render("x", HB_QR_OFF, HB_QR_BG_ANY, &rows));
    assert_int_equal(rows, 0);
    char *qr = hb_qr_render("https://x/s/1", HB_QR_ASCII, HB_QR_BG_ANY, &rows);
    assert_non_null(qr);
    for (char *c = qr; *c; c++)
        assert_non_null(strchr("#\". \n", *c));
    free(qr);
}

/* The tags that bind a pasted code to its attempt, against vectors made
 * with Python's hmac (and the README's openssl line). */
static void answer_tag_and_tag_key_match_the_documented_formulas(void **state)
{
    (void)state;
    char tag[HB_TAG_LEN + 1];
    assert_true(hb_answer_tag("state-abc", "code-123", tag));
    assert_string_equal(tag, "-DOFzegq");
    char *key = hb_tag_key_for("secret-P");
    assert_string_equal(key, "mp4D4pKaiOYLyu1uNTs20C69inRxVPj0ZfLO8n1LPuk");
    free(key);
}

static enum hb_status unbind(const char *text, char **code,
                             struct hb_error *err)
{
    char tag_key[] = "state-abc";
    struct hb_challenge ch = {.tag_key = tag_key};
    char buf[128];
    strncpy(buf, text, sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = '\0';
    return hb_answer_unbind(buf, &ch, code, err);
}

static void pasted_code_with_this_attempts_tag_is_accepted(void **state)
{
    (void)state;
    struct hb_error err = {0};
    char *code = NULL;
    assert_int_equal(unbind(" code-123:-DOFzegq \r\n", &code, &err), HB_OK);
    assert_string_equal(code, "code-123");
    free(code);
}

static void bare_wrong_or_malformed_tags_are_refused(void **state)
{
    (void)state;
    struct hb_error err = {0};
    char *code = NULL;
    assert_int_equal(unbind("code-123", &code, &err), HB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "a bare code is not accepted"));
    assert_int_equal(unbind("code-123:-DOFzegQ", &code, &err), HB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "approved for another login attempt"));
    assert_int_equal(unbind("code-124:-DOFzegq", &code, &err), HB_ERR_INPUT);
    assert_int_equal(unbind("code-123:-DOFzeg", &code, &err), HB_ERR_INPUT);
    assert_int_equal(unbind("code-123:-DOFzegqq", &code, &err), HB_ERR_INPUT);
    assert_int_equal(unbind(":-DOFzegq", &code, &err), HB_ERR_INPUT);
    assert_int_equal(unbind("co de:-DOFzegq", &code, &err), HB_ERR_INPUT);
    assert_null(code);
    assert_int_equal(unbind("  \r\n", &code, &err), HB_ERR_PENDING);
}

static void no_prompt_where_info_messages_show_at_once(void **state)
{
    (void)state;
    struct hb_config cfg;
    hb_config_init(&cfg);
    const char *local[] = {"su", "sudo", "login", "su-l", NULL};
    for (int i = 0; i < 5; i++) {
        assert_true(hb_prompt_skipped(&cfg, local[i], true, true));
        /* Info messages would go into the file or pipe. */
        assert_false(hb_prompt_skipped(&cfg, local[i], true, false));
    }
    /* sshd up to 10.2 holds info messages back until a prompt. */
    assert_false(hb_prompt_skipped(&cfg, "sshd", true, true));
    cfg.sshd_instant_info = true;
    assert_true(hb_prompt_skipped(&cfg, "sshd", true, true));
    cfg.sshd_instant_info = false;
    cfg.prompt = HB_PROMPT_NEVER;
    assert_true(hb_prompt_skipped(&cfg, "sshd", true, true));
    assert_true(hb_prompt_skipped(&cfg, "su", true, false));
    cfg.prompt = HB_PROMPT_ALWAYS;
    assert_false(hb_prompt_skipped(&cfg, "su", true, true));
    /* Without the relay only a pasted code can log in. */
    cfg.prompt = HB_PROMPT_NEVER;
    assert_false(hb_prompt_skipped(&cfg, "su", false, true));
    cfg.prompt = HB_PROMPT_AUTO;
    assert_false(hb_prompt_skipped(&cfg, "su", false, true));
}

static void notice_is_short_ascii_with_the_link(void **state)
{
    (void)state;
    char *n =
        hb_notice_build(NULL, "alice", "web01",
                        "https://login.example.com/s/K7p2Qx", true, false);
    assert_string_equal(n, "Sign in with haobtc to log in as alice on web01.\n"
                           "https://login.example.com/s/K7p2Qx\n"
                           "Approve on your phone; the login goes on by "
                           "itself.");
    free(n);
    /* Names that are not plain are not echoed. */
    n = hb_notice_build(NULL, "al\x1b[2Jice", "h\xc3\xa9", "https://x/s/1",
                        true, false);
    assert_non_null(strstr(n, "as this account on this host."));
    free(n);
    /* A link that would be escaped, or too long to come through whole. */
    assert_null(hb_notice_build(NULL, "alice", "web01", "https://x/s/\xc3\xa9",
                                true, false));
    char *long_link = calloc(1, 1100);
    memcpy(long_link, "https://x/", 10);
    memset(long_link + 10, 'a', 1000);
    assert_null(
        hb_notice_build(NULL, "alice", "web01", long_link, true, false));
    free(long_link);
}

static void notice_qr_is_the_code_alone(void **state)
{
    (void)state;
    struct hb_config cfg;
    hb_config_init(&cfg);
    char *qr = hb_notice_qr(&cfg, "https://x/s/1");
    assert_non_null(qr);
    assert_true(qr[strlen(qr) - 1] != '\n');
    assert_null(strstr(qr, "https://"));
    free(qr);
    cfg.qr = HB_QR_OFF;
    assert_null(hb_notice_qr(&cfg, "https://x/s/1"));
}

static void zh_cn(struct hb_texts *t)
{
    hb_texts_open_memory(t, HB_LANG_ZH_CN, hb_catalog_zh_CN,
                         hb_catalog_zh_CN_len);
    assert_int_equal(t->lang, HB_LANG_ZH_CN);
}

static void chinese_characters_are_two_columns(void **state)
{
    (void)state;
    assert_int_equal(hb_text_columns("abc", 3), 3);
    /* 中文 and a fullwidth colon: three wide characters. */
    const char *zh = "\xe4\xb8\xad\xe6\x96\x87\xef\xbc\x9a";
    assert_int_equal(hb_text_columns(zh, strlen(zh)), 6);
    /* The QR code's half blocks are one column each. */
    assert_int_equal(hb_text_columns("\xe2\x96\x80\xe2\x96\x88", 6), 2);
    /* Up to the first line's end only; a bad byte is one column. */
    assert_int_equal(hb_text_columns("ab\ncd", 5), 2);
    assert_int_equal(hb_text_columns("a\xff", 2), 2);
}

/* The table agrees with the C library's wcwidth in a UTF-8 locale for
 * every text the person can read in Chinese. */
static void columns_agree_with_wcwidth_for_every_translation(void **state)
{
    (void)state;
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (utf8 == (locale_t)0)
        skip();
    locale_t old = uselocale(utf8);
    struct hb_texts t;
    zh_cn(&t);
    size_t checked = 0;
    for (unsigned i = 1; i < t.count; i++) {
        uint32_t len, off;
        memcpy(&len, t.mo + t.translations + 8 * i, 4);
        memcpy(&off, t.mo + t.translations + 8 * i + 4, 4);
        const char *s = (const char *)t.mo + off;
        if (strchr(s, '\n') != NULL)
            continue;
        wchar_t wide[512];
        size_t n = mbstowcs(wide, s, 512);
        assert_true(n != (size_t)-1 && n < 512);
        int want = wcswidth(wide, n);
        if ((size_t)want != hb_text_columns(s, len))
            fail_msg("%s: %d columns by wcwidth, %zu by the table", s, want,
                     hb_text_columns(s, len));
        checked++;
    }
    assert_true(checked > 50);
    hb_texts_close(&t);
    uselocale(old);
    freelocale(utf8);
}

static void wrap_breaks_at_spaces_and_between_chinese_characters(void **state)
{
    (void)state;
    char *w = hb_wrap_columns("aaaa bbbb cccc", 9);
    assert_string_equal(w, "aaaa bbbb\ncccc");
    free(w);
    /* A word longer than the line keeps its line (a link stays whole). */
    w = hb_wrap_columns("see https://example.com/a/very/long/path now", 10);
    assert_string_equal(w, "see\nhttps://example.com/a/very/long/path\nnow");
    free(w);
    /* Six Chinese characters (12 columns) in 8: after the fourth, and a
     * full stop never starts a line. */
    const char *zh = "\xe4\xb8\x80\xe4\xba\x8c\xe4\xb8\x89\xe5\x9b\x9b"
                     "\xe4\xba\x94\xe3\x80\x82";
    w = hb_wrap_columns(zh, 8);
    assert_string_equal(w, "\xe4\xb8\x80\xe4\xba\x8c\xe4\xb8\x89\xe5\x9b"
                           "\x9b\n\xe4\xba\x94\xe3\x80\x82");
    free(w);
    w = hb_wrap_columns(zh, 9);
    assert_string_equal(w, "\xe4\xb8\x80\xe4\xba\x8c\xe4\xb8\x89\xe5\x9b"
                           "\x9b\n\xe4\xba\x94\xe3\x80\x82");
    free(w);
}

/* The longest names a prompt echoes (64 characters each), in Chinese: no
 * line wider than 80 columns, and everything above the answer's line in
 * 23 lines. */
static void chinese_prompt_fits_80x24(void **state)
{
    (void)state;
    struct hb_config cfg;
    hb_config_init(&cfg);
    struct hb_texts t;
    zh_cn(&t);
    char user[65], host[65];
    memset(user, 'u', 64);
    memset(host, 'h', 64);
    user[64] = host[64] = '\0';
    const char *link = "https://login.example.com/s/K7p2Qx";
    const bool polls[] = {true, false};
    for (size_t k = 0; k < 2; k++) {
        char *p = hb_prompt_build(&cfg, &t, user, host, link, polls[k]);
        assert_non_null(p);
        /* Chinese: "log in as" and "press Enter" / "paste" in it. */
        assert_non_null(strstr(p, "\xe8\xba\xab\xe4\xbb\xbd"));
        assert_non_null(strstr(p, polls[k] ? "\xe5\x9b\x9e\xe8\xbd\xa6"
                                           : "\xe7\xb2\x98\xe8\xb4\xb4"));
        int lines = 1;
        for (const char *line = p;; lines++) {
            const char *end = strchr(line, '\n');
            size_t len = end != NULL ? (size_t)(end - line) : strlen(line);
            if (hb_text_columns(line, len) > 80)
                fail_msg("line %d is %zu columns", lines,
                         hb_text_columns(line, len));
            if (end == NULL)
                break;
            line = end + 1;
        }
        assert_true(lines <= 23);
        /* The link has a line of its own. */
        const char *at = strstr(p, link);
        assert_true(at[-1] == '\n' && at[strlen(link)] == '\n');
        free(p);
    }
    hb_texts_close(&t);
}

static void
notice_is_chinese_on_a_local_terminal_and_ascii_for_sshd(void **state)
{
    (void)state;
    struct hb_texts t;
    zh_cn(&t);
    const char *link = "https://login.example.com/s/K7p2Qx";
    assert_false(hb_notice_ascii_only("su"));
    assert_true(hb_notice_ascii_only("sshd"));
    char *n = hb_notice_build(&t, "alice", "web01", link, false, false);
    assert_non_null(strstr(n, "alice"));
    assert_non_null(strstr(n, "\xe8\x87\xaa\xe5\x8a\xa8")); /* automatic */
    assert_non_null(strstr(n, link));
    assert_true(strlen(n) < HB_NOTICE_MAX);
    free(n);
    n = hb_notice_build(&t, "alice", "web01", link, true, false);
    assert_string_equal(n, "Sign in with haobtc to log in as alice on web01.\n"
                           "https://login.example.com/s/K7p2Qx\n"
                           "Approve on your phone; the login goes on by "
                           "itself.");
    free(n);
    hb_texts_close(&t);
}

static void language_follows_the_locale_and_accept_language(void **state)
{
    (void)state;
    const char *zh[] = {"zh_CN.UTF-8", "zh_CN",        "zh",
                        "zh_SG.utf8",  "zh_CN.GB2312", "zh_CN@x"};
    for (size_t i = 0; i < sizeof(zh) / sizeof(zh[0]); i++)
        assert_int_equal(hb_lang_of_locale(zh[i]), HB_LANG_ZH_CN);
    const char *en[] = {"C",           "POSIX", "C.UTF-8", "en_US.UTF-8",
                        "zh_TW.UTF-8", "zhx",   "",        NULL};
    for (size_t i = 0; i < sizeof(en) / sizeof(en[0]); i++)
        assert_int_equal(hb_lang_of_locale(en[i]), HB_LANG_EN);
    const char *zh_accept[] = {"zh-CN",          "zh",         "zh-Hans",
                               "ZH-cn,en;q=0.8", "zh-Hans-CN", "fr, zh;q=0.5",
                               "zh-TW, zh-CN"};
    for (size_t i = 0; i < sizeof(zh_accept) / sizeof(zh_accept[0]); i++)
        if (hb_lang_of_accept(zh_accept[i]) != HB_LANG_ZH_CN)
            fail_msg("%s is not Chinese", zh_accept[i]);
    const char *en_accept[] = {
        "en-US,en;q=0.9,zh-CN;q=0.8", "zh-TW", "*",  "zh-CN;q=0",
        "zh-CN;q=0.000, en",          "",      NULL, "zhx-CN"};
    for (size_t i = 0; i < sizeof(en_accept) / sizeof(en_accept[0]); i++)
        if (hb_lang_of_accept(en_accept[i]) != HB_LANG_EN)
            fail_msg("%s is not English", en_accept[i] ? en_accept[i] : "NULL");
    assert_int_equal(hb_lang_choose(HB_LANG_SET_ZH_CN), HB_LANG_ZH_CN);
    assert_int_equal(hb_lang_choose(HB_LANG_SET_EN), HB_LANG_EN);
    /* This program never called setlocale: C, so English. */
    assert_int_equal(hb_lang_choose(HB_LANG_SET_AUTO), HB_LANG_EN);
}

static void a_broken_or_missing_catalog_is_english(void **state)
{
    (void)state;
    struct hb_texts t;
    hb_texts_open_file(&t, HB_LANG_ZH_CN, "/nonexistent/pam_haobtc.mo");
    assert_int_equal(t.lang, HB_LANG_EN);
    assert_string_equal(hb_tr(&t, "this host"), "this host");
    /* Cut short, and with an offset past the end. */
    hb_texts_open_memory(&t, HB_LANG_ZH_CN, hb_catalog_zh_CN, 40);
    assert_int_equal(t.lang, HB_LANG_EN);
    unsigned char *bad = malloc(hb_catalog_zh_CN_len);
    memcpy(bad, hb_catalog_zh_CN, hb_catalog_zh_CN_len);
    uint32_t huge = 0x7fffffff;
    memcpy(bad + 12, &huge, 4);
    hb_texts_open_memory(&t, HB_LANG_ZH_CN, bad, hb_catalog_zh_CN_len);
    assert_int_equal(t.lang, HB_LANG_EN);
    free(bad);
    zh_cn(&t);
    assert_string_equal(hb_tr(&t, "this host"),
                        "\xe6\xad\xa4\xe4\xb8\xbb\xe6\x9c\xba");
    assert_string_equal(hb_tr(&t, "not in the catalog"), "not in the catalog");
    hb_texts_close(&t);
}

/* Number matching: the number's line comes first; with none the text is
 * handed back as it was. */
static void number_line_comes_first_and_none_changes_nothing(void **state)
{
    (void)state;
    char *text = strdup("Sign in with haobtc to log in as alice on web01.");
    char *out = hb_number_first(NULL, text, 42);
    assert_string_equal(out, "Your number is 42: pick it on your phone.\n"
                             "Sign in with haobtc to log in as alice on "
                             "web01.");
    free(out);
    text = strdup("as it was");
    assert_ptr_equal(hb_number_first(NULL, text, 0), text);
    free(text);
    assert_null(hb_number_first(NULL, NULL, 42));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pasted_code_is_trimmed_and_accepted),
        cmocka_unit_test(empty_answer_means_poll),
        cmocka_unit_test(four_kilobyte_code_is_refused),
        cmocka_unit_test(control_characters_are_refused),
        cmocka_unit_test(prompt_has_qr_then_link_then_question),
        cmocka_unit_test(short_link_fits_an_80x24_terminal),
        cmocka_unit_test(any_background_draws_both_polarities_side_by_side),
        cmocka_unit_test(long_link_is_drawn_once_for_dark),
        cmocka_unit_test(user_with_terminal_controls_is_not_echoed),
        cmocka_unit_test(qr_off_and_ascii),
        cmocka_unit_test(answer_tag_and_tag_key_match_the_documented_formulas),
        cmocka_unit_test(pasted_code_with_this_attempts_tag_is_accepted),
        cmocka_unit_test(bare_wrong_or_malformed_tags_are_refused),
        cmocka_unit_test(no_prompt_where_info_messages_show_at_once),
        cmocka_unit_test(notice_is_short_ascii_with_the_link),
        cmocka_unit_test(notice_qr_is_the_code_alone),
        cmocka_unit_test(chinese_characters_are_two_columns),
        cmocka_unit_test(columns_agree_with_wcwidth_for_every_translation),
        cmocka_unit_test(wrap_breaks_at_spaces_and_between_chinese_characters),
        cmocka_unit_test(chinese_prompt_fits_80x24),
        cmocka_unit_test(
            notice_is_chinese_on_a_local_terminal_and_ascii_for_sshd),
        cmocka_unit_test(language_follows_the_locale_and_accept_language),
        cmocka_unit_test(a_broken_or_missing_catalog_is_english),
        cmocka_unit_test(number_line_comes_first_and_none_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

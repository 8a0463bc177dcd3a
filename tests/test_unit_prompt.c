/* The prompt's layout and the check of what the person types. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "challenge.h"
#include "config.h"
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

static void short_link_fits_an_80x24_terminal(void **state)
{
    (void)state;
    int rows = 0;
    char *qr =
        hb_qr_render("https://login.example.com/s/K7p2Qx", HB_QR_UTF8, &rows);
    assert_non_null(qr);
    assert_true(rows <= 17);
    /* QR, link, question and the intro line all fit in 24 lines. */
    assert_true(rows + 3 <= 24);
    char *line = qr;
    while (*line != '\0') {
        char *end = strchr(line, '\n');
        size_t cells = 0;
        for (char *c = line; c < end; c++)
            cells += ((unsigned char)*c & 0xc0) != 0x80;
        assert_true(cells <= 80);
        line = end + 1;
    }
    free(qr);
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
    assert_null(hb_qr_render("x", HB_QR_OFF, &rows));
    assert_int_equal(rows, 0);
    char *qr = hb_qr_render("https://x/s/1", HB_QR_ASCII, &rows);
    assert_non_null(qr);
    for (char *c = qr; *c; c++)
        assert_true(*c == '#' || *c == ' ' || *c == '\n');
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
    char *n = hb_notice_build(NULL, "alice", "web01",
                              "https://login.example.com/s/K7p2Qx", true);
    assert_string_equal(n, "Sign in with haobtc to log in as alice on web01.\n"
                           "https://login.example.com/s/K7p2Qx\n"
                           "Approve on your phone; the login goes on by "
                           "itself.");
    free(n);
    /* Names that are not plain are not echoed. */
    n = hb_notice_build(NULL, "al\x1b[2Jice", "h\xc3\xa9", "https://x/s/1",
                        true);
    assert_non_null(strstr(n, "as this account on this host."));
    free(n);
    /* A link that would be escaped, or too long to come through whole. */
    assert_null(
        hb_notice_build(NULL, "alice", "web01", "https://x/s/\xc3\xa9", true));
    char *long_link = calloc(1, 1100);
    memcpy(long_link, "https://x/", 10);
    memset(long_link + 10, 'a', 1000);
    assert_null(hb_notice_build(NULL, "alice", "web01", long_link, true));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pasted_code_is_trimmed_and_accepted),
        cmocka_unit_test(empty_answer_means_poll),
        cmocka_unit_test(four_kilobyte_code_is_refused),
        cmocka_unit_test(control_characters_are_refused),
        cmocka_unit_test(prompt_has_qr_then_link_then_question),
        cmocka_unit_test(short_link_fits_an_80x24_terminal),
        cmocka_unit_test(user_with_terminal_controls_is_not_echoed),
        cmocka_unit_test(qr_off_and_ascii),
        cmocka_unit_test(answer_tag_and_tag_key_match_the_documented_formulas),
        cmocka_unit_test(pasted_code_with_this_attempts_tag_is_accepted),
        cmocka_unit_test(bare_wrong_or_malformed_tags_are_refused),
        cmocka_unit_test(no_prompt_where_info_messages_show_at_once),
        cmocka_unit_test(notice_is_short_ascii_with_the_link),
        cmocka_unit_test(notice_qr_is_the_code_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

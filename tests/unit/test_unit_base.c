/* SPDX-License-Identifier: BSD-2-Clause */
/* The helpers every program shares (pam_haobtc/base): numbers, trimming,
 * base64url and the digests both sides of the relay protocol compute, the
 * wiped buffer, small files and port files. */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "digest.h"
#include "files.h"
#include "secure.h"
#include "text.h"
#include "testutil.h"

static void parse_long_takes_the_whole_string_in_range(void **state)
{
    (void)state;
    long v = 7;
    assert_true(hb_parse_long("42", 0, 100, &v));
    assert_int_equal(v, 42);
    assert_true(hb_parse_long("-5", -10, 10, &v));
    assert_int_equal(v, -5);
    const char *bad[] = {"",    " 1",  "1 ",   "12x",
                         "101", "-11", "0x10", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        v = 7;
        assert_false(hb_parse_long(bad[i], -10, 100, &v));
        assert_int_equal(v, 7);
    }
    assert_false(hb_parse_long(NULL, 0, 1, &v));
}

static void trim_cuts_blanks_and_line_ends(void **state)
{
    (void)state;
    char a[] = " \t key = value \r\n";
    assert_string_equal(hb_trim(a), "key = value");
    char b[] = "   ";
    assert_string_equal(hb_trim(b), "");
}

static void b64url_matches_rfc_4648_without_padding(void **state)
{
    (void)state;
    /* RFC 4648 section 10's vectors, padding dropped. */
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *want[] = {"",       "Zg",      "Zm8",     "Zm9v",
                          "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    char out[16];
    for (size_t i = 0; i < sizeof(in) / sizeof(*in); i++) {
        hb_b64url((const unsigned char *)in[i], strlen(in[i]), out);
        assert_string_equal(out, want[i]);
        assert_int_equal(strlen(out), HB_B64URL_LEN(strlen(in[i])));
    }
    const unsigned char high[] = {0xfb, 0xff, 0xbf};
    hb_b64url(high, sizeof(high), out);
    assert_string_equal(out, "-_-_");
    assert_true(hb_is_b64url("-_-_Zm9v", 8));
    assert_false(hb_is_b64url("Zm9v+/", 6));
    assert_false(hb_is_b64url("Zm\0v", 4));
}

static void digests_are_sha256_and_hmac_in_b64url(void **state)
{
    (void)state;
    char out[HB_DIGEST_B64_LEN + 1];
    /* SHA-256("abc") and RFC 4231 test case 2, as base64url. */
    assert_true(hb_sha256_b64url("abc", 3, out));
    assert_string_equal(out, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    const char *msg = "what do ya want for nothing?";
    assert_true(hb_hmac_b64url("Jefe", 4, msg, strlen(msg), out));
    assert_string_equal(out, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM");
}

static void ct_equal_compares_every_byte(void **state)
{
    (void)state;
    assert_true(hb_ct_equal("abcd", "abcd", 4));
    assert_false(hb_ct_equal("abcd", "xbcd", 4));
    assert_false(hb_ct_equal("abcd", "abcx", 4));
    assert_true(hb_ct_equal("ab\0d", "ab\0d", 4));
    assert_false(hb_ct_equal("ab\0d", "ab\0e", 4));
    assert_true(hb_ct_equal("x", "y", 0));
}

static void fleet_mac_signs_method_path_time_and_body(void **state)
{
    (void)state;
    unsigned char a[32], b[32], c[32];
    assert_true(hb_fleet_mac("k", 1, "POST", "/api/v1/poll", "1700000000",
                             "secret=x", 8, a));
    assert_true(hb_fleet_mac("k", 1, "POST", "/api/v1/poll", "1700000000",
                             "secret=x", 8, b));
    assert_memory_equal(a, b, 32);
    /* Moving a byte between fields changes what is signed. */
    assert_true(hb_fleet_mac("k", 1, "POST", "/api/v1/pol", "l1700000000",
                             "secret=x", 8, c));
    assert_memory_not_equal(a, c, 32);
}

static void buf_grows_escapes_and_stops_at_max(void **state)
{
    (void)state;
    struct hb_buf b = {0};
    for (int i = 0; i < 1000; i++)
        assert_true(hb_buf_add(&b, "0123456789"));
    assert_int_equal(b.len, 10000);
    assert_int_equal(strlen(b.data), 10000);
    hb_buf_wipe(&b);
    assert_null(b.data);

    assert_true(hb_buf_add_html(&b, "<a href=\"x\">'&'</a>"));
    assert_string_equal(
        b.data, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    size_t len = 0;
    char *taken = hb_buf_take(&b, &len);
    assert_int_equal(len, strlen(taken));
    assert_null(b.data);
    free(taken);

    struct hb_buf small = {.max = 8};
    assert_true(hb_buf_add(&small, "12345678"));
    assert_false(hb_buf_add(&small, "9"));
    assert_true(small.failed);
    /* Once failed, nothing more is added: the text is known incomplete. */
    assert_false(hb_buf_add(&small, ""));
    hb_buf_wipe(&small);
}

static void small_file_is_read_whole_or_refused(void **state)
{
    (void)state;
    char *path = tu_file("small", "twelve bytes", 0600);
    size_t len = 0;
    char *text = hb_read_small_file(path, 12, &len);
    assert_non_null(text);
    assert_string_equal(text, "twelve bytes");
    assert_int_equal(len, 12);
    free(text);
    errno = 0;
    assert_null(hb_read_small_file(path, 11, &len));
    assert_int_equal(errno, EFBIG);
    assert_null(hb_read_small_file("/nonexistent/file", 100, &len));
    assert_int_equal(errno, ENOENT);
    free(path);
}

static void port_file_holds_the_number(void **state)
{
    (void)state;
    char *path = tu_file("port", "", 0600);
    assert_true(hb_write_port_file(path, 54321));
    char *text = hb_read_small_file(path, 16, NULL);
    assert_string_equal(text, "54321\n");
    free(text);
    assert_false(hb_write_port_file("/nonexistent/dir/port", 1));
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_long_takes_the_whole_string_in_range),
        cmocka_unit_test(trim_cuts_blanks_and_line_ends),
        cmocka_unit_test(b64url_matches_rfc_4648_without_padding),
        cmocka_unit_test(digests_are_sha256_and_hmac_in_b64url),
        cmocka_unit_test(ct_equal_compares_every_byte),
        cmocka_unit_test(fleet_mac_signs_method_path_time_and_body),
        cmocka_unit_test(buf_grows_escapes_and_stops_at_max),
        cmocka_unit_test(small_file_is_read_whole_or_refused),
        cmocka_unit_test(port_file_holds_the_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

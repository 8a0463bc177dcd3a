/* SPDX-License-Identifier: BSD-2-Clause */
/* What may reach a log line: escaping of caller-chosen text and the rule
 * for PAM_RHOST; and the sudo command the phone's page shows. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "logsafe.h"
#include "relay_client.h"
#include "relay_protocol.h"
#include "sudo_command.h"
#include "testutil.h"

static void escaped(const char *in, const char *want)
{
    char out[256];
    size_t len = hb_log_escape(in, out, sizeof(out));
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
}

static void plain_ascii_is_copied_unchanged(void **state)
{
    (void)state;
    escaped("alice from 203.0.113.7: ok", "alice from 203.0.113.7: ok");
    escaped("", "");
    escaped(NULL, "");
}

static void newline_and_carriage_return_are_escaped(void **state)
{
    (void)state;
    escaped("bob\nFAKE: accepted", "bob\\x0aFAKE: accepted");
    escaped("bob\r\n", "bob\\x0d\\x0a");
}

static void escape_tab_and_del_are_escaped(void **state)
{
    (void)state;
    escaped("\x1b[31mred", "\\x1b[31mred");
    escaped("a\tb", "a\\x09b");
    escaped("x\x7fy", "x\\x7fy");
    escaped("\x01\x1f", "\\x01\\x1f");
}

static void backslash_is_doubled(void **state)
{
    (void)state;
    /* Otherwise "\x0a" sent literally would read like an escaped newline. */
    escaped("a\\x0ab", "a\\\\x0ab");
}

static void bidi_overrides_and_all_non_ascii_are_escaped(void **state)
{
    (void)state;
    /* U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE and
     * U+2069 POP DIRECTIONAL ISOLATE in UTF-8. */
    escaped("a\xe2\x80\xae"
            "b",
            "a\\xe2\\x80\\xaeb");
    escaped("\xe2\x81\xa6x\xe2\x81\xa9", "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9");
    /* Cyrillic е (U+0435) */
    escaped("\xd0\xb5", "\\xd0\\xb5");
    escaped("\xff", "\\xff");
}

static void long_input_is_truncated_without_splitting_an_escape(void **state)
{
    (void)state;
    char *in = malloc(4096 + 1);
    assert_non_null(in);
    memset(in, '\n', 4096);
    in[4096] = '\0';
    char out[11];
    memset(out, 'Z', sizeof(out));
    /* Two escapes (8 bytes) fit in 11 with the NUL; a third would not. */
    assert_int_equal(hb_log_escape(in, out, sizeof(out)), 8);
    assert_string_equal(out, "\\x0a\\x0a");

    /* "ab" and one escape take 6 bytes; the next would need 11 with the
     * NUL, one more than there is. */
    in[0] = 'a';
    in[1] = 'b';
    memset(out, 'Z', sizeof(out));
    assert_int_equal(hb_log_escape(in, out, 10), 6);
    assert_string_equal(out, "ab\\x0a");

    /* A backslash is written as a pair or not at all. */
    char small[4];
    assert_int_equal(hb_log_escape("ab\\", small, sizeof(small)), 2);
    assert_string_equal(small, "ab");
    free(in);
}

static void output_is_always_nul_terminated(void **state)
{
    (void)state;
    char out[8];
    memset(out, 'Z', sizeof(out));
    assert_int_equal(hb_log_escape("abcdefghijkl", out, sizeof(out)), 7);
    assert_string_equal(out, "abcdefg");

    char one[1] = {'Z'};
    assert_int_equal(hb_log_escape("abc", one, sizeof(one)), 0);
    assert_int_equal(one[0], '\0');

    char four[4] = {'Z', 'Z', 'Z', 'Z'};
    assert_int_equal(hb_log_escape("\n", four, sizeof(four)), 0);
    assert_int_equal(four[0], '\0');

    /* Nothing is written when there is no room at all. */
    char none = 'Z';
    assert_int_equal(hb_log_escape("abc", &none, 0), 0);
    assert_int_equal(none, 'Z');
}

static void ip_addresses_are_valid_hosts(void **state)
{
    (void)state;
    assert_true(hb_host_is_valid("10.0.0.1"));
    assert_true(hb_host_is_valid("203.0.113.7"));
    assert_true(hb_host_is_valid("::1"));
    assert_true(hb_host_is_valid("2001:db8::1"));
    assert_true(hb_host_is_valid("::ffff:192.0.2.1"));
    assert_true(hb_host_is_valid("fe80::1%eth0"));
    assert_true(hb_host_is_valid("fe80::1%enp0s31f6.10"));
}

static void dns_names_are_valid_hosts(void **state)
{
    (void)state;
    assert_true(hb_host_is_valid("web01.example.com"));
    assert_true(hb_host_is_valid("example.com."));
    assert_true(hb_host_is_valid("localhost"));
    assert_true(hb_host_is_valid("a-b.c"));
    assert_true(hb_host_is_valid("x.y.z.example"));
}

static void underscore_in_a_host_name_is_accepted(void **state)
{
    (void)state;
    /* Not a hostname character by RFC 952/1123, but real DNS names have it
     * (reverse zones run by Windows DNS, _service labels) and it cannot
     * harm a log line or a page, so refusing it would only lose the host. */
    assert_true(hb_host_is_valid("host_with_underscore.example.com"));
    assert_true(hb_host_is_valid("_dmarc.example.com"));
}

static void label_length_limit_is_63_bytes(void **state)
{
    (void)state;
    char name[80];
    memset(name, 'a', 63);
    memcpy(name + 63, ".com", 5);
    assert_true(hb_host_is_valid(name));
    memset(name, 'a', 64);
    memcpy(name + 64, ".com", 5);
    assert_false(hb_host_is_valid(name));
}

static void name_length_limit_is_below_ni_maxhost(void **state)
{
    (void)state;
    /* 16 labels of 63 bytes and their dots: 1023 bytes. */
    char name[1200];
    size_t len = 0;
    for (int i = 0; i < 16; i++) {
        memset(name + len, 'a', 63);
        len += 63;
        name[len++] = '.';
    }
    name[len - 1] = '\0';
    assert_int_equal(strlen(name), 1023);
    assert_true(hb_host_is_valid(name));
    /* 1024 bytes with a trailing dot, then 1025: NI_MAXHOST. */
    name[len - 1] = '.';
    name[len] = '\0';
    assert_true(hb_host_is_valid(name));
    name[len] = 'b';
    name[len + 1] = '\0';
    assert_false(hb_host_is_valid(name));

    memset(name, 'a', 1100);
    for (size_t i = 50; i < 1100; i += 50)
        name[i] = '.';
    name[1100] = '\0';
    assert_false(hb_host_is_valid(name));
}

static void malformed_hosts_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "a b",
        "x\n",
        "1.2.3.4\nfake",
        "-bad.com",
        "bad-.com",
        "bad..com",
        ".com",
        ".",
        "fe80::1%",
        "fe80::1%eth0%x",
        "fe80::1%eth 0",
        "fe80::1%abcdefghijklmnop",
        "[::1]",
        "1:2:3:4:5:6:7:8:9",
        "host;rm -rf /",
        "$(id)",
        "a/b",
        "host:22",
        "\xd0\xb5xample.com", /* Cyrillic е */
        "web\xe2\x80\xae"
        "01",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (hb_host_is_valid(bad[i])) {
            char shown[128];
            hb_log_escape(bad[i], shown, sizeof(shown));
            fail_msg("accepted host \"%s\"", shown);
        }
    }
    assert_false(hb_host_is_valid(NULL));
}

static void scope_length_limit_is_if_namesize(void **state)
{
    (void)state;
    /* IF_NAMESIZE is 16 with its NUL: 15 characters fit. */
    assert_true(hb_host_is_valid("fe80::1%abcdefghijklmno"));
    assert_false(hb_host_is_valid("fe80::1%abcdefghijklmnop"));
}

#define ARGV(...)                                                              \
    (const char *const[])                                                      \
    {                                                                          \
        __VA_ARGS__                                                            \
    }
#define NARGS(...) (sizeof(ARGV(__VA_ARGS__)) / sizeof(char *))
#define SUDO_IS(want, ...)                                                     \
    do {                                                                       \
        char *got = hb_sudo_command_of(NARGS(__VA_ARGS__), ARGV(__VA_ARGS__)); \
        assert_non_null(got);                                                  \
        assert_string_equal(got, want);                                        \
        free(got);                                                             \
    } while (0)

static void sudo_command_skips_sudo_options_and_their_values(void **unused)
{
    (void)unused;
    SUDO_IS("systemctl restart x", "sudo", "systemctl", "restart", "x");
    SUDO_IS("systemctl restart x", "/usr/bin/sudo", "-u", "bob", "-E", "--",
            "systemctl", "restart", "x");
    SUDO_IS("id", "sudo", "-ubob", "id");
    SUDO_IS("id", "sudo", "-Eu", "bob", "id");
    SUDO_IS("id", "sudo", "--user=bob", "id");
    SUDO_IS("id", "sudo", "--user", "bob", "id");
    /* getopt_long takes an unambiguous start of a long name. */
    SUDO_IS("id", "sudo", "--us", "bob", "--pre", "id");
    SUDO_IS("id", "sudo", "-hweb02", "-g", "adm", "-p", "x", "id");
    SUDO_IS("-u", "sudo", "--", "-u");
    SUDO_IS("FOO=1 env", "sudo", "FOO=1", "env");
}

static void sudo_command_names_the_mode_without_a_command(void **unused)
{
    (void)unused;
    SUDO_IS("sudo -i", "/usr/bin/sudo", "-i");
    SUDO_IS("sudo -u bob -s", "sudo", "-u", "bob", "-s");
    SUDO_IS("sudoedit /etc/hosts", "sudoedit", "/etc/hosts");
    SUDO_IS("sudoedit /etc/hosts", "sudo", "-e", "/etc/hosts");
    SUDO_IS("sudoedit /etc/hosts", "sudo", "--edit", "/etc/hosts");
    SUDO_IS("sudo", "sudo");
}

static void sudo_command_quotes_words_a_shell_would_split(void **unused)
{
    (void)unused;
    SUDO_IS("rm 'a b' 'it'\\''s' '' '$(id)'", "sudo", "rm", "a b", "it's", "",
            "$(id)");
}

static void sudo_command_is_cut_for_the_frame(void **unused)
{
    char word[2000];
    (void)unused;
    memset(word, 'a', sizeof(word) - 1);
    word[sizeof(word) - 1] = '\0';
    char *got = hb_sudo_command_of(3, ARGV("sudo", "echo", word));
    assert_non_null(got);
    assert_int_equal(strlen(got), HB_SUDO_COMMAND_KEEP);
    assert_memory_equal(got, "echo aaa", 8);
    free(got);
}

static void this_process_is_not_sudo_so_no_command(void **unused)
{
    (void)unused;
    assert_null(hb_sudo_command());
}

/* What the helper sends the relay: printable ASCII, cut with "...". */
static void shown_command_escapes_controls_and_bidi_and_is_cut(void **unused)
{
    char word[400];
    (void)unused;
    char *got = hb_relay_shown("rm \xe2\x80\xae\x1b[2J\n\\", 200);
    assert_string_equal(got, "rm \\xe2\\x80\\xae\\x1b[2J\\x0a\\\\");
    free(got);
    memset(word, 'b', sizeof(word) - 1);
    word[sizeof(word) - 1] = '\0';
    got = hb_relay_shown(word, HB_RELAY_COMMAND_MAX);
    assert_int_equal(strlen(got), HB_RELAY_COMMAND_MAX);
    assert_string_equal(got + HB_RELAY_COMMAND_MAX - 3, "...");
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_ascii_is_copied_unchanged),
        cmocka_unit_test(newline_and_carriage_return_are_escaped),
        cmocka_unit_test(escape_tab_and_del_are_escaped),
        cmocka_unit_test(backslash_is_doubled),
        cmocka_unit_test(bidi_overrides_and_all_non_ascii_are_escaped),
        cmocka_unit_test(long_input_is_truncated_without_splitting_an_escape),
        cmocka_unit_test(output_is_always_nul_terminated),
        cmocka_unit_test(ip_addresses_are_valid_hosts),
        cmocka_unit_test(dns_names_are_valid_hosts),
        cmocka_unit_test(underscore_in_a_host_name_is_accepted),
        cmocka_unit_test(label_length_limit_is_63_bytes),
        cmocka_unit_test(name_length_limit_is_below_ni_maxhost),
        cmocka_unit_test(malformed_hosts_are_refused),
        cmocka_unit_test(scope_length_limit_is_if_namesize),
        cmocka_unit_test(sudo_command_skips_sudo_options_and_their_values),
        cmocka_unit_test(sudo_command_names_the_mode_without_a_command),
        cmocka_unit_test(sudo_command_quotes_words_a_shell_would_split),
        cmocka_unit_test(sudo_command_is_cut_for_the_frame),
        cmocka_unit_test(this_process_is_not_sudo_so_no_command),
        cmocka_unit_test(shown_command_escapes_controls_and_bidi_and_is_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Identity mapping: the map file, match modes, same_name, and names that
 * must never match. Local accounts come from nss_wrapper (tests/data). */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "identity.h"
#include "secure.h"
#include "testutil.h"

#define ALICE_UUID "5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60"

static const char *map_text =
    "# identity            local\n"
    "uuid:" ALICE_UUID " alice\n"
    "uuid:0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9 bob   # dashes and case\n"
    "uuid:1111aaaa2222bbbb3333cccc4444dddd bob\n"
    "uuid:1111aaaa2222bbbb3333cccc4444dddd carol\n"
    "uuid:99999999999999999999999999999999 nosuchuser\n"
    "username:alice alice\n"
    "\n";

struct fixture {
    struct hb_config cfg;
    char *map;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    hb_config_init(&f->cfg);
    f->map = tu_file("map", map_text, 0644);
    f->cfg.map_file = strdup(f->map);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    hb_config_free(&f->cfg);
    free(f->map);
    free(f);
    return 0;
}

static enum hb_status check(struct fixture *f, const char *uuid,
                            const char *username, const char *user,
                            struct hb_error *err)
{
    struct hb_profile p = {hb_drop_const(uuid), hb_drop_const(username), NULL,
                           NULL};
    return hb_identity_check(&f->cfg, &p, user, NULL, err);
}

static void uuid_in_map_logs_in_as_mapped_user(void **state)
{
    struct hb_error err = {0};
    assert_int_equal(check(*state, ALICE_UUID, "alice", "alice", &err), HB_OK);
}

static void uuid_compares_without_case_or_dashes(void **state)
{
    struct hb_error err = {0};
    assert_int_equal(
        check(*state, "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "bob", "bob", &err),
        HB_OK);
    assert_int_equal(check(*state, "5F1C2A9E-0B7D-4C3E-8A6F-1B2C3D4E5F60", "x",
                           "alice", &err),
                     HB_OK);
    assert_true(hb_uuid_equal("AB-cd", "abcd"));
    assert_false(hb_uuid_equal("abcd", "abce"));
    assert_false(hb_uuid_equal("abcg", "abcg"));
}

static void identity_mapped_to_another_user_is_denied(void **state)
{
    struct hb_error err = {0};
    assert_int_equal(check(*state, ALICE_UUID, "alice", "bob", &err),
                     HB_ERR_DENIED);
    assert_non_null(strstr(err.msg, "maps to local user alice, not bob"));
}

static void root_is_denied_to_someone_mapped_elsewhere(void **state)
{
    struct hb_error err = {0};
    assert_int_equal(check(*state, ALICE_UUID, "alice", "root", &err),
                     HB_ERR_DENIED);
}

static void identity_with_two_accounts_may_use_either(void **state)
{
    struct hb_error err = {0};
    assert_int_equal(
        check(*state, "1111aaaa2222bbbb3333cccc4444dddd", "c", "carol", &err),
        HB_OK);
    assert_int_equal(
        check(*state, "1111aaaa2222bbbb3333cccc4444dddd", "c", "bob", &err),
        HB_OK);
}

static void identity_not_in_map_is_denied(void **state)
{
    struct hb_error err = {0};
    assert_int_equal(check(*state, "abcdef", "alice", "alice", &err),
                     HB_ERR_DENIED);
    assert_non_null(strstr(err.msg, "not in"));
}

static void unknown_local_user_is_denied_at_the_end(void **state)
{
    struct hb_error err = {0};
    assert_int_equal(check(*state, "99999999999999999999999999999999", "x",
                           "nosuchuser", &err),
                     HB_ERR_DENIED);
    assert_non_null(strstr(err.msg, "does not exist"));
}

static void same_name_accepts_equal_username(void **state)
{
    struct fixture *f = *state;
    struct hb_error err = {0};
    /* dave: uid 1004, named nowhere in the map. */
    assert_int_equal(check(f, "abcdef", "dave", "dave", &err), HB_ERR_DENIED);
    f->cfg.same_name = true;
    assert_int_equal(check(f, "abcdef", "dave", "dave", &err), HB_OK);
    assert_int_equal(check(f, "abcdef", "dave", "alice", &err), HB_ERR_DENIED);
}

/* What hb_uid_min reads on this host: the messages below quote it. */
static unsigned long host_uid_min(void)
{
    return (unsigned long)hb_uid_min("/etc/login.defs");
}

static void same_name_never_maps_to_root(void **state)
{
    struct fixture *f = *state;
    struct hb_error err = {0};
    f->cfg.same_name = true;
    assert_int_equal(check(f, "abcdef", "root", "root", &err), HB_ERR_DENIED);
    char *want = tu_printf("same_name never maps to system account root "
                           "(uid 0 < UID_MIN %lu)",
                           host_uid_min());
    assert_string_equal(err.msg, want);
    free(want);
}

static void same_name_never_maps_to_an_account_below_uid_min(void **state)
{
    struct fixture *f = *state;
    struct hb_error err = {0};
    f->cfg.same_name = true;
    /* daemonish has uid 999 in tests/data/passwd. */
    assert_true(host_uid_min() > 999);
    assert_int_equal(check(f, "abcdef", "daemonish", "daemonish", &err),
                     HB_ERR_DENIED);
    char *want = tu_printf("same_name never maps to system account daemonish "
                           "(uid 999 < UID_MIN %lu)",
                           host_uid_min());
    assert_string_equal(err.msg, want);
    free(want);
}

static void
same_name_never_maps_to_an_account_mapped_for_someone_else(void **state)
{
    struct fixture *f = *state;
    struct hb_error err = {0};
    f->cfg.same_name = true;
    /* The map gives bob to two uuids; a haobtc user who registered "bob"
     * is neither of them. */
    assert_int_equal(check(f, "abcdef", "bob", "bob", &err), HB_ERR_DENIED);
    assert_string_equal(err.msg, "same_name does not apply: the map names "
                                 "local user bob for another identity");
    /* Under match=username the uuid lines still say whose bob is. */
    f->cfg.match = HB_MATCH_USERNAME;
    assert_int_equal(check(f, "abcdef", "bob", "bob", &err), HB_ERR_DENIED);
    assert_string_equal(err.msg, "same_name does not apply: the map names "
                                 "local user bob for another identity");
}

static void
same_name_never_maps_to_an_account_with_a_username_entry(void **state)
{
    struct fixture *f = *state;
    struct hb_error err = {0};
    char *map = tu_file("map", "username:davidm dave\n", 0644);
    free(f->cfg.map_file);
    f->cfg.map_file = map;
    f->cfg.same_name = true;
    /* match=uuid ignores the line for matching, not for ownership. */
    assert_int_equal(check(f, "abcdef", "dave", "dave", &err), HB_ERR_DENIED);
    assert_string_equal(err.msg, "same_name does not apply: the map names "
                                 "local user dave for another identity");
}

static void same_name_to_a_missing_account_is_denied(void **state)
{
    struct fixture *f = *state;
    struct hb_error err = {0};
    f->cfg.same_name = true;
    assert_int_equal(check(f, "abcdef", "ghost", "ghost", &err), HB_ERR_DENIED);
    assert_string_equal(err.msg,
                        "same_name does not apply: local user ghost does "
                        "not exist");
}

static void user_name_with_newline_is_escaped_in_the_error(void **state)
{
    struct hb_error err = {0};
    assert_int_equal(
        check(*state, ALICE_UUID, "alice", "bob\nFAKE: accepted\x1b[2J", &err),
        HB_ERR_DENIED);
    assert_string_equal(err.msg, "haobtc identity maps to local user alice, "
                                 "not bob\\x0aFAKE: accepted\\x1b[2J");
    assert_null(strchr(err.msg, '\n'));
}

static unsigned long uid_min_of(const char *content, mode_t mode)
{
    char *path = tu_file("login.defs", content, mode);
    unsigned long v = (unsigned long)hb_uid_min(path);
    free(path);
    return v;
}

static void uid_min_is_read_from_login_defs(void **state)
{
    (void)state;
    assert_int_equal(uid_min_of("UID_MIN 2000\n", 0644), 2000);
    assert_int_equal(uid_min_of("# a comment\n"
                                "#UID_MIN 5\n"
                                "MAIL_DIR /var/mail\n"
                                "UID_MINIMUM 7\n"
                                "  UID_MIN\t\t\t 1500 \n"
                                "UID_MAX 60000\n",
                                0644),
                     1500);
    /* The last line wins, as shadow reads it. */
    assert_int_equal(uid_min_of("UID_MIN 2000\nUID_MIN 3000\n", 0644), 3000);
}

static void uid_max_is_read_from_login_defs_or_60000(void **state)
{
    (void)state;
    char *path = tu_file("login.defs", "UID_MIN 1000\nUID_MAX 50000\n", 0644);
    assert_int_equal(hb_uid_max(path), 50000);
    free(path);
    path = tu_file("login.defs", "UID_MAXX 7\nUID_MAX lots\n", 0644);
    assert_int_equal(hb_uid_max(path), 60000);
    free(path);
    path = tu_file("login.defs", "UID_MAX 50000\n", 0666);
    assert_int_equal(hb_uid_max(path), 60000);
    free(path);
}

static void uid_min_defaults_to_1000_without_a_file(void **state)
{
    (void)state;
    char *path = tu_printf("%s/no-such-login.defs", tu_dir());
    assert_int_equal(hb_uid_min(path), 1000);
    free(path);
    assert_int_equal(uid_min_of("UID_MAX 60000\n", 0644), 1000);
    assert_int_equal(uid_min_of("", 0644), 1000);
}

static void uid_min_defaults_to_1000_for_garbage(void **state)
{
    (void)state;
    const char *bad[] = {"UID_MIN\n",
                         "UID_MIN lots\n",
                         "UID_MIN 12abc\n",
                         "UID_MIN -5\n",
                         "UID_MIN 0\n",
                         "UID_MIN 0x7d0\n",
                         "UID_MIN 99999999999999999999999\n",
                         "UID_MIN 4294967295\n",
                         "UID_MIN \"2000\"\n",
                         "UID_MIN 2000\nUID_MIN junk\n",
                         "UID_MIN 2000\nUID_MIN\n",
                         "\x01\x02\xff garbage"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (uid_min_of(bad[i], 0644) != 1000)
            fail_msg("UID_MIN taken from garbage #%zu", i);
    /* A file others could write says nothing. */
    assert_int_equal(uid_min_of("UID_MIN 2000\n", 0666), 1000);
}

static void match_username_uses_username_entries(void **state)
{
    struct fixture *f = *state;
    struct hb_error err = {0};
    f->cfg.match = HB_MATCH_USERNAME;
    assert_int_equal(check(f, "abcdef", "alice", "alice", &err), HB_OK);
    /* uuid entries do not count under match=username */
    assert_int_equal(check(f, ALICE_UUID, "alicia", "alice", &err),
                     HB_ERR_DENIED);
}

static void shell_characters_in_username_are_denied(void **state)
{
    struct fixture *f = *state;
    struct hb_error err = {0};
    f->cfg.match = HB_MATCH_USERNAME;
    f->cfg.same_name = true;
    assert_int_equal(check(f, "abcdef", "al;ice$(id)", "alice", &err),
                     HB_ERR_DENIED);
    assert_non_null(strstr(err.msg, "not plain ASCII"));
}

static void lookalike_username_is_denied(void **state)
{
    struct fixture *f = *state;
    struct hb_error err = {0};
    f->cfg.match = HB_MATCH_USERNAME;
    f->cfg.same_name = true;
    /* Cyrillic а (U+0430) in place of Latin a */
    assert_int_equal(check(f, "abcdef", "\xd0\xb0lice", "alice", &err),
                     HB_ERR_DENIED);
    assert_false(hb_username_is_plain("\xd0\xb0lice"));
    assert_false(hb_username_is_plain(""));
    assert_false(hb_username_is_plain("a b"));
    assert_true(hb_username_is_plain("a.b_c-9"));
}

static void overlong_username_is_denied(void **state)
{
    (void)state;
    char name[80];
    memset(name, 'a', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    assert_false(hb_username_is_plain(name));
    name[64] = '\0';
    assert_true(hb_username_is_plain(name));
}

static void non_hex_uuid_is_denied(void **state)
{
    struct hb_error err = {0};
    assert_int_equal(check(*state, "../../etc/passwd", "alice", "alice", &err),
                     HB_ERR_DENIED);
}

static void writable_map_is_a_config_error(void **state)
{
    struct fixture *f = *state;
    struct hb_error err = {0};
    assert_int_equal(chmod(f->map, 0666), 0);
    assert_int_equal(check(f, ALICE_UUID, "alice", "alice", &err),
                     HB_ERR_CONFIG);
}

static void map_owned_by_another_user_is_a_config_error(void **state)
{
    struct fixture *f = *state;
    struct hb_error err = {0};
    assert_int_equal(chown(f->map, 65534, 65534), 0);
    assert_int_equal(check(f, ALICE_UUID, "alice", "alice", &err),
                     HB_ERR_CONFIG);
}

static void symlinked_map_is_a_config_error(void **state)
{
    struct fixture *f = *state;
    struct hb_error err = {0};
    char *link = tu_printf("%s.link", f->map);
    assert_int_equal(symlink(f->map, link), 0);
    free(f->cfg.map_file);
    f->cfg.map_file = link;
    assert_int_equal(check(f, ALICE_UUID, "alice", "alice", &err),
                     HB_ERR_CONFIG);
}

static void malformed_map_line_is_a_config_error(void **state)
{
    struct fixture *f = *state;
    const char *bad[] = {"uuid:abc\n",
                         "email:a@b alice\n",
                         "uuid:xyz alice\n",
                         "uuid:abc alice extra\n",
                         "username:al;ice alice\n",
                         "uuid:abc al$ice\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct hb_error err = {0};
        char *text = tu_printf("uuid:" ALICE_UUID " alice\n%s", bad[i]);
        char *map = tu_file("map", text, 0644);
        free(f->cfg.map_file);
        f->cfg.map_file = map;
        if (check(f, ALICE_UUID, "alice", "alice", &err) != HB_ERR_CONFIG)
            fail_msg("accepted map line: %s", bad[i]);
        assert_non_null(strstr(err.msg, "line 2"));
        free(text);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(uuid_in_map_logs_in_as_mapped_user),
        T(uuid_compares_without_case_or_dashes),
        T(identity_mapped_to_another_user_is_denied),
        T(root_is_denied_to_someone_mapped_elsewhere),
        T(identity_with_two_accounts_may_use_either),
        T(identity_not_in_map_is_denied),
        T(unknown_local_user_is_denied_at_the_end),
        T(same_name_accepts_equal_username),
        T(same_name_never_maps_to_root),
        T(same_name_never_maps_to_an_account_below_uid_min),
        T(same_name_never_maps_to_an_account_mapped_for_someone_else),
        T(same_name_never_maps_to_an_account_with_a_username_entry),
        T(same_name_to_a_missing_account_is_denied),
        T(user_name_with_newline_is_escaped_in_the_error),
        T(uid_min_is_read_from_login_defs),
        T(uid_min_defaults_to_1000_without_a_file),
        T(uid_max_is_read_from_login_defs_or_60000),
        T(uid_min_defaults_to_1000_for_garbage),
        T(match_username_uses_username_entries),
        T(shell_characters_in_username_are_denied),
        T(lookalike_username_is_denied),
        T(overlong_username_is_denied),
        T(non_hex_uuid_is_denied),
        T(writable_map_is_a_config_error),
        T(map_owned_by_another_user_is_a_config_error),
        T(symlinked_map_is_a_config_error),
        T(malformed_map_line_is_a_config_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* Break-glass codes in their file (pam_haobtc/lib/breakglass.c): the shape
 * of a code, its time to live, one use, its account, its end, and a file
 * that is not root's own. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "breakglass.h"

static char dir[] = "/tmp/hb-breakglass.XXXXXX";
static char path[64];

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/codes", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

static int fresh(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static void ttl_takes_units_and_bounds(void **state)
{
    (void)state;
    long v = 0;
    assert_true(hb_breakglass_parse_ttl("24h", &v));
    assert_int_equal(v, 86400);
    assert_true(hb_breakglass_parse_ttl("90m", &v));
    assert_int_equal(v, 5400);
    assert_true(hb_breakglass_parse_ttl("30d", &v));
    assert_int_equal(v, 30L * 86400);
    assert_true(hb_breakglass_parse_ttl("3600", &v));
    assert_int_equal(v, 3600);
    assert_false(hb_breakglass_parse_ttl("31d", &v));
    assert_false(hb_breakglass_parse_ttl("59s", &v));
    assert_false(hb_breakglass_parse_ttl("h", &v));
    assert_false(hb_breakglass_parse_ttl("-1h", &v));
    assert_false(hb_breakglass_parse_ttl("99999999999999999999d", &v));
}

static void code_shape_is_recognised_however_typed(void **state)
{
    (void)state;
    assert_true(hb_breakglass_looks_like("BG-K7P2Q-X9M4R-0TZ3W-HH5C1"));
    assert_true(hb_breakglass_looks_like("bg-k7p2q-x9m4r-otz3w-hh5cl"));
    assert_true(hb_breakglass_looks_like(" BGK7P2QX9M4R0TZ3WHH5C1"));
    assert_false(hb_breakglass_looks_like("BG-K7P2Q-X9M4R-0TZ3W-HH5C"));
    assert_false(hb_breakglass_looks_like("BG-K7P2Q-X9M4R-0TZ3W-HH5C1X"));
    assert_false(hb_breakglass_looks_like("BG-K7P2Q-X9M4R-0TZ3W-HH5CU"));
    assert_false(hb_breakglass_looks_like("code:tag"));
    assert_false(hb_breakglass_looks_like(""));
}

static void issued_code_works_once_for_its_account_only(void **state)
{
    (void)state;
    char code[HB_BG_CODE_MAX], id[HB_BG_ID_LEN + 1], used[HB_BG_ID_LEN + 1];
    struct hb_error err = {0};
    assert_int_equal(hb_breakglass_issue(path, "alice", 3600, code, id, &err),
                     HB_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(hb_breakglass_use(path, "bob", code, used, &err),
                     HB_ERR_DENIED);
    /* Typed in lower case, without dashes: the same code. */
    char typed[HB_BG_CODE_MAX];
    size_t n = 0;
    for (const char *p = code; *p != '\0'; p++)
        if (*p != '-')
            typed[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    typed[n] = '\0';
    assert_int_equal(hb_breakglass_use(path, "alice", typed, used, &err),
                     HB_OK);
    assert_string_equal(used, id);
    assert_int_equal(hb_breakglass_use(path, "alice", code, used, &err),
                     HB_ERR_DENIED);
}

static void expired_code_is_refused(void **state)
{
    (void)state;
    char code[HB_BG_CODE_MAX], id[HB_BG_ID_LEN + 1];
    struct hb_error err = {0};
    assert_int_equal(hb_breakglass_issue(path, "alice", 60, code, id, &err),
                     HB_OK);
    /* Its end moved into the past, as time would. */
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char text[4096];
    size_t len = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[len] = '\0';
    /* EXPIRES becomes 1 (1970), padded with blanks to its old width. */
    char *at = strstr(text, " alice ") + 7;
    memset(at, ' ', strcspn(at, " "));
    at[0] = '1';
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(hb_breakglass_use(path, "alice", code, id, &err),
                     HB_ERR_DENIED);
}

static void revoked_code_is_refused_and_revoke_twice_is_denied(void **state)
{
    (void)state;
    char code[HB_BG_CODE_MAX], id[HB_BG_ID_LEN + 1], other[HB_BG_ID_LEN + 1];
    struct hb_error err = {0};
    assert_int_equal(hb_breakglass_issue(path, "alice", 600, code, id, &err),
                     HB_OK);
    assert_int_equal(hb_breakglass_revoke(path, id, &err), HB_OK);
    assert_int_equal(hb_breakglass_use(path, "alice", code, other, &err),
                     HB_ERR_DENIED);
    assert_int_equal(hb_breakglass_revoke(path, id, &err), HB_ERR_DENIED);
}

static void file_others_can_read_is_refused(void **state)
{
    (void)state;
    char code[HB_BG_CODE_MAX], id[HB_BG_ID_LEN + 1];
    struct hb_error err = {0};
    assert_int_equal(hb_breakglass_issue(path, "alice", 600, code, id, &err),
                     HB_OK);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(hb_breakglass_use(path, "alice", code, id, &err),
                     HB_ERR_CONFIG);
}

static void malformed_line_is_a_configuration_error(void **state)
{
    (void)state;
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("0123abcd alice 9999999999 0\n", f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
    char id[HB_BG_ID_LEN + 1];
    struct hb_error err = {0};
    assert_int_equal(hb_breakglass_use(path, "alice",
                                       "BG-00000-00000-00000-00000", id, &err),
                     HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "line 1"));
}

static void bad_account_name_and_ttl_are_refused(void **state)
{
    (void)state;
    char code[HB_BG_CODE_MAX], id[HB_BG_ID_LEN + 1];
    struct hb_error err = {0};
    assert_int_equal(hb_breakglass_issue(path, "a b", 600, code, id, &err),
                     HB_ERR_INPUT);
    assert_int_equal(hb_breakglass_issue(path, "-x", 600, code, id, &err),
                     HB_ERR_INPUT);
    assert_int_equal(hb_breakglass_issue(path, "alice", 10, code, id, &err),
                     HB_ERR_INPUT);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, fresh)
    const struct CMUnitTest tests[] = {
        T(ttl_takes_units_and_bounds),
        T(code_shape_is_recognised_however_typed),
        T(issued_code_works_once_for_its_account_only),
        T(expired_code_is_refused),
        T(revoked_code_is_refused_and_revoke_twice_is_denied),
        T(file_others_can_read_is_refused),
        T(malformed_line_is_a_configuration_error),
        T(bad_account_name_and_ttl_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The setup check's reading and replay of PAM stacks (tools/login/pam_stack.c)
 * against what Linux-PAM 1.5 does: jumps count a substack as one module,
 * done and die end only the substack they are in, reset restores the
 * substack's entry state, unlisted values take default= (or bad). */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pam_stack.h"

static char dir[] = "/tmp/hb-pamstack.XXXXXX";

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* pam_ok.so succeeds, pam_no.so fails, pam_skip.so is ignored; the rest
 * by name: pam_permit succeeds, pam_deny fails. */
static enum pam_rv by_name(const struct pam_line *l, void *arg)
{
    (void)arg;
    const char *n = pam_module_name(l);
    if (strcmp(n, "pam_ok.so") == 0 || strcmp(n, "pam_permit.so") == 0)
        return RV_SUCCESS;
    if (strcmp(n, "pam_skip.so") == 0)
        return RV_IGNORE;
    return RV_AUTH_ERR;
}

/* Loads SERVICE's auth stack from text and replays it. */
static bool replay(const char *text, unsigned *order, size_t order_n,
                   size_t *n_lines)
{
    struct pam_stack st;
    bool exists = false;
    write_file("svc", text);
    assert_true(pam_stack_load(NULL, dir, "svc", "auth", &st, &exists));
    assert_true(exists);
    assert_true(st.n <= order_n);
    bool in = pam_stack_run(&st, by_name, NULL, order);
    if (n_lines != NULL)
        *n_lines = st.n;
    pam_stack_free(&st);
    return in;
}

static void debian_common_auth_decides_by_pam_unix(void **state)
{
    (void)state;
    unsigned order[8];
    write_file("common", "auth [success=1 default=ignore] pam_ok.so\n"
                         "auth requisite pam_deny.so\n"
                         "auth required pam_permit.so\n");
    assert_true(replay("@include common\n", order, 8, NULL));
    assert_int_equal(order[1], 0); /* pam_deny jumped over */
    write_file("common", "auth [success=1 default=ignore] pam_no.so\n"
                         "auth requisite pam_deny.so\n"
                         "auth required pam_permit.so\n");
    assert_false(replay("@include common\n", order, 8, NULL));
    assert_int_equal(order[2], 0); /* requisite ended it */
}

static void sufficient_success_ends_the_stack(void **state)
{
    (void)state;
    unsigned order[8];
    assert_true(replay("auth sufficient pam_ok.so\nauth required pam_deny.so\n",
                       order, 8, NULL));
    assert_int_equal(order[1], 0);
    /* After an earlier failure, sufficient does not rescue the stack. */
    assert_false(replay("auth required pam_deny.so\n"
                        "auth sufficient pam_ok.so\n",
                        order, 8, NULL));
}

static void a_jump_counts_a_substack_as_one_module(void **state)
{
    (void)state;
    unsigned order[8];
    write_file("sub", "auth required pam_deny.so\nauth required pam_deny.so\n");
    assert_true(replay("auth [success=1 default=ignore] pam_ok.so\n"
                       "auth substack sub\n"
                       "auth required pam_permit.so\n",
                       order, 8, NULL));
    assert_int_equal(order[1], 0);
    assert_int_equal(order[2], 0);
    assert_int_not_equal(order[3], 0);
}

static void done_in_a_substack_ends_only_the_substack(void **state)
{
    (void)state;
    unsigned order[8];
    write_file("sub", "auth sufficient pam_ok.so\nauth required pam_deny.so\n");
    assert_false(replay("auth substack sub\nauth required pam_deny.so\n", order,
                        8, NULL));
    assert_int_equal(order[1], 0);     /* the rest of the substack */
    assert_int_not_equal(order[2], 0); /* the parent goes on */
    /* Included instead, done ends the whole stack. */
    assert_true(replay("auth include sub\nauth required pam_deny.so\n", order,
                       8, NULL));
    assert_int_equal(order[2], 0);
}

static void reset_forgets_what_came_before(void **state)
{
    (void)state;
    unsigned order[8];
    assert_true(replay("auth required pam_deny.so\n"
                       "auth [default=reset] pam_skip.so\n"
                       "auth required pam_permit.so\n",
                       order, 8, NULL));
}

static void unlisted_values_take_default_or_bad(void **state)
{
    (void)state;
    unsigned order[8];
    /* auth_err is not listed and there is no default=: bad. */
    assert_false(replay("auth [success=ok] pam_no.so\n"
                        "auth required pam_permit.so\n",
                        order, 8, NULL));
    assert_true(replay("auth [success=ok default=ignore] pam_no.so\n"
                       "auth required pam_permit.so\n",
                       order, 8, NULL));
    /* An ignored module alone decides nothing: the stack fails. */
    assert_false(replay("auth optional pam_skip.so\n", order, 8, NULL));
}

static void lines_are_read_as_libpam_reads_them(void **state)
{
    (void)state;
    unsigned order[8];
    size_t n = 0;
    /* Comments, a continued line, another type, a dash type, brackets. */
    assert_true(replay("# a comment\n"
                       "account required pam_deny.so\n"
                       "-auth [success=done \\\n"
                       "   default=ignore] pam_ok.so arg # trailing\n"
                       "auth required pam_deny.so\n",
                       order, 8, &n));
    assert_int_equal(n, 2);
    struct pam_stack st;
    bool exists = false;
    assert_true(pam_stack_load(NULL, dir, "svc", "auth", &st, &exists));
    assert_true(st.line[0].optional);
    assert_int_equal(st.line[0].line_no, 3);
    assert_string_equal(st.line[0].control, "[success=done default=ignore]");
    assert_int_equal(st.line[0].argc, 1);
    assert_string_equal(st.line[0].argv[0], "arg");
    pam_stack_free(&st);
}

static void a_missing_include_fails_the_service(void **state)
{
    (void)state;
    struct pam_stack st;
    bool exists = false;
    write_file("svc", "auth sufficient pam_ok.so\n@include nowhere\n");
    assert_false(pam_stack_load(NULL, dir, "svc", "auth", &st, &exists));
    assert_non_null(strstr(st.error, "nowhere: No such file"));
    pam_stack_free(&st);
    write_file("svc", "auth whenever pam_ok.so\n");
    assert_false(pam_stack_load(NULL, dir, "svc", "auth", &st, &exists));
    assert_non_null(strstr(st.error, "control field whenever"));
    pam_stack_free(&st);
    assert_true(pam_stack_load(NULL, dir, "absent", "auth", &st, &exists));
    assert_false(exists);
    pam_stack_free(&st);
}

/* One or two slips from pam_haobtc.so, case and a missing ".so" count as
 * misspellings; the right name and other modules do not. */
static void misspellings_of_pam_haobtc_are_found(void **state)
{
    (void)state;
    assert_false(pam_haobtc_misspelled("pam_haobtc.so"));
    assert_true(pam_haobtc_misspelled("pam_haobct.so")); /* a swap */
    assert_true(pam_haobtc_misspelled("pam-haobtc.so")); /* one letter */
    assert_true(pam_haobtc_misspelled("pam_habtc.so"));  /* one dropped */
    assert_true(pam_haobtc_misspelled("pam_hoabct.so")); /* two swaps */
    assert_true(pam_haobtc_misspelled("pam_haobtc"));    /* no .so */
    assert_true(pam_haobtc_misspelled("PAM_HAOBTC.so")); /* case */
    assert_true(pam_haobtc_misspelled("pam_haobtc.SO"));
    assert_false(pam_haobtc_misspelled("pam_hxxxtc.so")); /* three */
    assert_false(pam_haobtc_misspelled("pam_unix.so"));
    assert_false(pam_haobtc_misspelled("pam_rootok.so"));
    assert_false(pam_haobtc_misspelled("pam_haobtc_extra.so"));
    assert_false(pam_haobtc_misspelled(""));
}

int main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(debian_common_auth_decides_by_pam_unix),
        cmocka_unit_test(sufficient_success_ends_the_stack),
        cmocka_unit_test(a_jump_counts_a_substack_as_one_module),
        cmocka_unit_test(done_in_a_substack_ends_only_the_substack),
        cmocka_unit_test(reset_forgets_what_came_before),
        cmocka_unit_test(unlisted_values_take_default_or_bad),
        cmocka_unit_test(lines_are_read_as_libpam_reads_them),
        cmocka_unit_test(a_missing_include_fails_the_service),
        cmocka_unit_test(misspellings_of_pam_haobtc_are_found),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    static const char *const files[] = {"svc", "common", "sub"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return failed;
}

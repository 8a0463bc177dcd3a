/* SPDX-License-Identifier: BSD-2-Clause */
/* The relay's waiting polls (tools/relay/wait.c) without a connection: a
 * poll's waiter is armed before its first look numbers it, and what it
 * hears meanwhile must wake it exactly when it would have once numbered:
 * an answer always, a newer poll's notice only when newer than its own. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "relay.h"

static const char state[RELAY_STATE_LEN + 1] =
    "Xq3vS0aJ8nK2pL5mR7tW9yB1cD4eF6gH8iJ0kL2mN4o";

struct fixture {
    struct relay_waits *ws;
    struct relay_waiter *w;
};

static int arm_unnumbered(void **ctx)
{
    static struct fixture f;

    f.ws = relay_waits_new();
    assert_non_null(f.ws);
    f.w = relay_wait_add(f.ws, NULL, state, relay_now_ms() + 60000);
    assert_non_null(f.w);
    *ctx = &f;
    return 0;
}

static int free_all(void **ctx)
{
    struct fixture *f = *ctx;

    relay_wait_free(f->ws, f->w);
    relay_waits_free(f->ws);
    return 0;
}

static void an_answer_wakes_a_waiter_not_numbered_yet(void **ctx)
{
    struct fixture *f = *ctx;

    relay_waits_notify(f->ws, state, 0);
    assert_int_equal(relay_wait_reason(f->ws, f->w), RELAY_WAKE_CHECK);
}

static void its_own_polls_notice_does_not_supersede_it(void **ctx)
{
    struct fixture *f = *ctx;

    relay_waits_notify(f->ws, state, 7);
    assert_int_equal(relay_wait_reason(f->ws, f->w), RELAY_WAKE_NONE);
    relay_wait_numbered(f->ws, f->w, 7, relay_now_ms() + 60000);
    assert_int_equal(relay_wait_reason(f->ws, f->w), RELAY_WAKE_NONE);
    assert_int_equal(relay_waits_count(f->ws), 1);
}

static void a_newer_poll_heard_before_numbering_supersedes_it(void **ctx)
{
    struct fixture *f = *ctx;

    relay_waits_notify(f->ws, state, 8);
    relay_waits_notify(f->ws, state, 7);
    relay_wait_numbered(f->ws, f->w, 7, relay_now_ms() + 60000);
    assert_int_equal(relay_wait_reason(f->ws, f->w), RELAY_WAKE_SUPERSEDED);
    assert_int_equal(relay_waits_count(f->ws), 0);
}

static void once_numbered_only_a_newer_poll_supersedes_it(void **ctx)
{
    struct fixture *f = *ctx;

    relay_wait_numbered(f->ws, f->w, 7, relay_now_ms() + 60000);
    relay_waits_notify(f->ws, state, 7);
    assert_int_equal(relay_wait_reason(f->ws, f->w), RELAY_WAKE_NONE);
    relay_waits_notify(f->ws, state, 8);
    assert_int_equal(relay_wait_reason(f->ws, f->w), RELAY_WAKE_SUPERSEDED);
}

static void numbering_brings_the_deadline_nearer_never_further(void **ctx)
{
    struct fixture *f = *ctx;
    long long armed = relay_wait_deadline(f->w), until;
    struct timespec pause = {0, 10 * 1000 * 1000};

    relay_wait_numbered(f->ws, f->w, 1, armed + 1000);
    assert_true(relay_wait_deadline(f->w) == armed);
    until = relay_now_ms() + 100;
    relay_wait_numbered(f->ws, f->w, 1, until);
    assert_true(relay_wait_deadline(f->w) == until);
    /* The deadline thread, told of the nearer deadline, wakes it. */
    for (int i = 0;
         i < 300 && relay_wait_reason(f->ws, f->w) == RELAY_WAKE_NONE; i++)
        nanosleep(&pause, NULL);
    assert_int_equal(relay_wait_reason(f->ws, f->w), RELAY_WAKE_DEADLINE);
    assert_true(relay_now_ms() >= until);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            an_answer_wakes_a_waiter_not_numbered_yet, arm_unnumbered,
            free_all),
        cmocka_unit_test_setup_teardown(
            its_own_polls_notice_does_not_supersede_it, arm_unnumbered,
            free_all),
        cmocka_unit_test_setup_teardown(
            a_newer_poll_heard_before_numbering_supersedes_it, arm_unnumbered,
            free_all),
        cmocka_unit_test_setup_teardown(
            once_numbered_only_a_newer_poll_supersedes_it, arm_unnumbered,
            free_all),
        cmocka_unit_test_setup_teardown(
            numbering_brings_the_deadline_nearer_never_further, arm_unnumbered,
            free_all),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

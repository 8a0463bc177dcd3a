/* SPDX-License-Identifier: BSD-2-Clause */
/* session_reuse's library (pam_haobtc/lib/reuse_session.c): the audit
 * session and a process's start as the kernel shows them, the approval
 * handed from sshd's PAM process to the session (once, to that process and
 * user only), and the session's record with its window, target and end. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "reuse_session.h"
#include "testutil.h"

#define UUID "5f1c2a9e0b7d4c3a8e6f1d2c3b4a5968"
/* alice's uid in tests/data/passwd (nss_wrapper). */
#define ALICE 1001

static char *store;
static struct hb_config cfg;

static int fresh(void **state)
{
    (void)state;
    const char *dir = tu_dir();
    store = tu_printf("%s/store", dir);
    hb_config_init(&cfg);
    cfg.map_file = tu_file("map", "uuid:" UUID " alice\n", 0644);
    cfg.reuse_dir = strdup(store);
    cfg.session_reuse = 3600;
    return 0;
}

static int done(void **state)
{
    (void)state;
    char *cmd = tu_printf("rm -rf '%s'", store);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(store);
    hb_config_free(&cfg);
    return 0;
}

static struct hb_approval approval(time_t when)
{
    struct hb_approval a = {.approved = (long long)when, .session_at_auth = 7};
    snprintf(a.uuid, sizeof(a.uuid), "%s", UUID);
    snprintf(a.username, sizeof(a.username), "alice-h");
    return a;
}

static void audit_session_is_the_kernels(void **state)
{
    (void)state;
    char text[32] = "";
    FILE *f = fopen("/proc/self/sessionid", "r");
    assert_non_null(f);
    assert_non_null(fgets(text, sizeof(text), f));
    fclose(f);
    unsigned long sid = 0;
    bool set = hb_audit_session(&sid);
    if (strcmp(text, "4294967295") == 0) {
        assert_false(set);
        assert_int_equal(sid, HB_AUDIT_SESSION_UNSET);
    } else {
        assert_true(set);
        assert_int_equal(sid, strtoul(text, NULL, 10));
    }
}

static void process_start_names_one_process(void **state)
{
    (void)state;
    unsigned long long me = hb_process_start(getpid());
    assert_true(me > 0);
    assert_int_equal(hb_process_start(getpid()), me);
    assert_int_equal(hb_process_start(0x3fffffff), 0);
}

static void pending_approval_goes_to_its_process_and_user_once(void **state)
{
    (void)state;
    struct hb_error err = {0};
    struct hb_approval a = approval(time(NULL)), got;
    bool found = false;
    time_t now = time(NULL);
    assert_int_equal(hb_reuse_pending_put(&cfg, "alice", &a, getpid(), &err),
                     HB_OK);
    assert_int_equal(
        hb_reuse_pending_take(&cfg, "bob", getpid(), now, &got, &found, &err),
        HB_OK);
    assert_false(found);
    assert_int_equal(hb_reuse_pending_take(&cfg, "alice", getppid(), now, &got,
                                           &found, &err),
                     HB_OK);
    assert_false(found);
    assert_int_equal(
        hb_reuse_pending_take(&cfg, "alice", getpid(), now, &got, &found, &err),
        HB_OK);
    assert_true(found);
    assert_string_equal(got.uuid, UUID);
    assert_string_equal(got.username, "alice-h");
    assert_int_equal(got.session_at_auth, 7);
    assert_int_equal(
        hb_reuse_pending_take(&cfg, "alice", getpid(), now, &got, &found, &err),
        HB_OK);
    assert_false(found);
}

static void stale_pending_approval_is_not_taken(void **state)
{
    (void)state;
    struct hb_error err = {0};
    time_t now = time(NULL);
    struct hb_approval a = approval(now - 601), got;
    bool found = true;
    assert_int_equal(hb_reuse_pending_put(&cfg, "alice", &a, getpid(), &err),
                     HB_OK);
    assert_int_equal(
        hb_reuse_pending_take(&cfg, "alice", getpid(), now, &got, &found, &err),
        HB_OK);
    assert_false(found);
}

static void session_record_is_for_its_session_window_and_target(void **state)
{
    (void)state;
    struct hb_error err = {0};
    struct hb_reuse_record r;
    time_t now = time(NULL);
    struct hb_approval a = approval(now);
    assert_int_equal(hb_reuse_session_open(&cfg, "alice", &a, 1000, now, &err),
                     HB_OK);
    assert_int_equal(
        hb_reuse_session_find(&cfg, "alice", ALICE, 1000, now, &r, &err),
        HB_OK);
    assert_string_equal(r.bound, "session:1000");
    assert_int_equal(r.expires, (long long)now + 3600);
    assert_int_equal(
        hb_reuse_session_find(&cfg, "alice", ALICE, 1001, now, &r, &err),
        HB_ERR_DENIED);
    assert_string_equal(err.msg, "no approval recorded for audit session 1001");
    assert_int_equal(
        hb_reuse_session_find(&cfg, "alice", ALICE, 1000, now + 3600, &r, &err),
        HB_ERR_DENIED);
    assert_string_equal(err.msg, "the approval's window has passed");
    assert_int_equal(
        hb_reuse_session_find(&cfg, "bob", ALICE, 1000, now, &r, &err),
        HB_ERR_DENIED);
    assert_non_null(strstr(err.msg, "does not map to this account"));
    /* Another account's process in the session. */
    assert_int_equal(
        hb_reuse_session_find(&cfg, "alice", 1002, 1000, now, &r, &err),
        HB_ERR_DENIED);
    assert_string_equal(
        err.msg, "the caller (uid 1002) is not the session's user alice");
    cfg.session_reuse = 0;
    assert_int_equal(
        hb_reuse_session_find(&cfg, "alice", ALICE, 1000, now, &r, &err),
        HB_ERR_DENIED);
    cfg.session_reuse = 3600;
    bool found = false;
    assert_int_equal(hb_reuse_session_close(&cfg, 1000, &found, &err), HB_OK);
    assert_true(found);
    assert_int_equal(
        hb_reuse_session_find(&cfg, "alice", ALICE, 1000, now, &r, &err),
        HB_ERR_DENIED);
    assert_int_equal(hb_reuse_session_close(&cfg, 1000, &found, &err), HB_OK);
    assert_false(found);
}

static void malformed_binding_is_refused(void **state)
{
    (void)state;
    struct hb_error err = {0};
    struct hb_reuse_record r;
    time_t now = time(NULL);
    struct hb_approval a = approval(now);
    assert_int_equal(hb_reuse_session_open(&cfg, "alice", &a, 1000, now, &err),
                     HB_OK);
    char *cmd =
        tu_printf("sed -i 's/session:1000/session:10x0/' '%s/keys'", store);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    assert_int_equal(
        hb_reuse_session_find(&cfg, "alice", ALICE, 1000, now, &r, &err),
        HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "line 1 is malformed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(audit_session_is_the_kernels),
        cmocka_unit_test(process_start_names_one_process),
        cmocka_unit_test_setup_teardown(
            pending_approval_goes_to_its_process_and_user_once, fresh, done),
        cmocka_unit_test_setup_teardown(stale_pending_approval_is_not_taken,
                                        fresh, done),
        cmocka_unit_test_setup_teardown(
            session_record_is_for_its_session_window_and_target, fresh, done),
        cmocka_unit_test_setup_teardown(malformed_binding_is_refused, fresh,
                                        done),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

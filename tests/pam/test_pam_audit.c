/* SPDX-License-Identifier: BSD-2-Clause */
/* The audit trail through the real libpam: a journald socket the test binds
 * where this build's module sends (HB_JOURNAL_SOCKET, in the build tree)
 * receives exactly one record per login, with its MESSAGE_ID and every
 * field, and a refusal carries haobtc's code and reason. Also the record's
 * format alone: no value can add a field or a line. */
#include "autoconf.h"

#include <security/pam_appl.h>
#include <libpamtest.h>

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "audit.h"
#include "pamutil.h"
#include "testutil.h"

/* tests/run-tests makes this service, the same as "haobtc". */
#define SERVICE "haobtc-audit"

/* The journald stand-in: a datagram socket at the module's path. */
static int journal = -1;

static int bind_journal(void **state)
{
    (void)state;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char *path = tu_printf("%s/tests/journal.socket", tu_env("HB_BUILD"));
    assert_true(strlen(path) < sizeof(sa.sun_path));
    strcpy(sa.sun_path, path);
    unlink(path);
    journal = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(journal >= 0);
    assert_int_equal(bind(journal, (struct sockaddr *)&sa, sizeof(sa)), 0);
    free(path);
    return 0;
}

static int close_journal(void **state)
{
    (void)state;
    char *path = tu_printf("%s/tests/journal.socket", tu_env("HB_BUILD"));
    close(journal);
    journal = -1;
    unlink(path);
    free(path);
    tu_fault("none", "all", NULL);
    return 0;
}

static char *field(const char *record, const char *key);

/* The next record of this test's service within wait_ms, or NULL: under
 * make check -j other tests' logins run beside these, and their module
 * writes to the same socket. */
static char *next_record(int wait_ms)
{
    struct pollfd p = {.fd = journal, .events = POLLIN};
    while (poll(&p, 1, wait_ms) == 1) {
        char *buf = calloc(1, 16384);
        ssize_t n = recv(journal, buf, 16383, 0);
        assert_true(n > 0);
        char *service = field(buf, "HAOBTC_PAM_SERVICE");
        bool ours = service != NULL && strcmp(service, SERVICE) == 0;
        free(service);
        if (ours)
            return buf;
        free(buf);
    }
    return NULL;
}

/* A login through this test's service (its module configuration plus
 * extra). */
static int audit_login(const char *user, const char *extra, struct script *s)
{
    free(tu_conf_at(pu_module_conf(), extra));
    return pu_run(SERVICE, user, s, 0);
}

/* The value of field key in record (a fresh string), or NULL. */
static char *field(const char *record, const char *key)
{
    char *want = tu_printf("\n%s=", key);
    char *copy = tu_printf("\n%s", record);
    char *at = strstr(copy, want);
    char *value = NULL;
    if (at != NULL) {
        at += strlen(want);
        value = tu_printf("%.*s", (int)strcspn(at, "\n"), at);
    }
    free(want);
    free(copy);
    return value;
}

static void field_is(const char *record, const char *key, const char *want)
{
    char *value = field(record, key);
    if (value == NULL)
        fail_msg("no %s in the record:\n%s", key, record);
    if (strcmp(value, want) != 0)
        fail_msg("%s=%s, not %s", key, value, want);
    free(value);
}

/* One login's record, and no second one. */
static char *the_only_record(void)
{
    char *record = next_record(2000);
    assert_non_null(record);
    char *extra = next_record(200);
    if (extra != NULL)
        fail_msg("a second record for one login:\n%s", extra);
    return record;
}

static void approved_login_sends_one_record_with_every_field(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(audit_login("alice", NULL, &s), PAM_SUCCESS);
    pu_release(&s);
    char *r = the_only_record();
    field_is(r, "MESSAGE_ID", hb_audit_message_id(HB_AUDIT_APPROVED));
    field_is(r, "HAOBTC_OUTCOME", "approved");
    field_is(r, "PRIORITY", "6");
    field_is(r, "SYSLOG_IDENTIFIER", "pam_haobtc");
    field_is(r, "HAOBTC_PAM_SERVICE", SERVICE);
    field_is(r, "HAOBTC_PAM_USER", "alice");
    field_is(r, "HAOBTC_UUID", "5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60");
    field_is(r, "HAOBTC_USERNAME", "alice");
    field_is(r, "MESSAGE", "haobtc login for alice from local: approved");
    char *attempt = field(r, "HAOBTC_ATTEMPT");
    assert_non_null(attempt);
    assert_int_equal(strlen(attempt), HB_ATTEMPT_LEN);
    assert_int_equal(strspn(attempt, "0123456789abcdef"), HB_ATTEMPT_LEN);
    char *latency = field(r, "HAOBTC_LATENCY_MS");
    assert_non_null(latency);
    char *end = NULL;
    long ms = strtol(latency, &end, 10);
    assert_true(*end == '\0' && ms >= 0 && ms < 60000);
    /* No reason for an approval, and no secret at all. */
    assert_null(field(r, "HAOBTC_REASON"));
    assert_null(strstr(r, "test-secret"));
    free(attempt);
    free(latency);
    free(r);
}

static void each_login_has_its_own_attempt(void **state)
{
    (void)state;
    char *ids[2];
    for (int i = 0; i < 2; i++) {
        struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
        assert_int_equal(audit_login("alice", NULL, &s), PAM_SUCCESS);
        pu_release(&s);
        char *r = the_only_record();
        ids[i] = field(r, "HAOBTC_ATTEMPT");
        assert_non_null(ids[i]);
        free(r);
    }
    assert_string_not_equal(ids[0], ids[1]);
    free(ids[0]);
    free(ids[1]);
}

static void refused_code_gives_haobtcs_code_and_reason(void **state)
{
    (void)state;
    tu_fault("code", "token", "code=40012");
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(audit_login("alice", NULL, &s), PAM_AUTH_ERR);
    pu_release(&s);
    char *r = the_only_record();
    field_is(r, "MESSAGE_ID", hb_audit_message_id(HB_AUDIT_REFUSED));
    field_is(r, "HAOBTC_OUTCOME", "refused");
    field_is(r, "HAOBTC_CODE", "40012");
    char *reason = field(r, "HAOBTC_REASON");
    assert_non_null(reason);
    assert_non_null(strstr(reason, "40012"));
    free(reason);
    /* Refused before any profile came: no haobtc identity. */
    assert_null(field(r, "HAOBTC_UUID"));
    free(r);
}

static void identity_not_mapped_is_refused_with_the_uuid(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(audit_login("bob", NULL, &s), PAM_AUTH_ERR);
    pu_release(&s);
    char *r = the_only_record();
    field_is(r, "HAOBTC_OUTCOME", "refused");
    field_is(r, "HAOBTC_PAM_USER", "bob");
    field_is(r, "HAOBTC_UUID", "5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60");
    field_is(r, "HAOBTC_USERNAME", "alice");
    assert_null(field(r, "HAOBTC_CODE"));
    free(r);
}

static void unreachable_provider_is_unavailable(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(
        audit_login("alice", "site_url = https://127.0.0.1:1\n", &s),
        PAM_AUTHINFO_UNAVAIL);
    pu_release(&s);
    char *r = the_only_record();
    field_is(r, "MESSAGE_ID", hb_audit_message_id(HB_AUDIT_UNAVAIL));
    field_is(r, "PRIORITY", "4");
    free(r);
}

static void broken_configuration_is_an_error(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(audit_login("alice", "colour = blue\n", &s),
                     PAM_SERVICE_ERR);
    pu_release(&s);
    char *r = the_only_record();
    field_is(r, "HAOBTC_OUTCOME", "error");
    field_is(r, "PRIORITY", "3");
    free(r);
}

static void newline_in_user_name_adds_no_field(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(audit_login("alice\nHAOBTC_OUTCOME=approved", NULL, &s),
                     PAM_AUTH_ERR);
    pu_release(&s);
    char *r = the_only_record();
    field_is(r, "HAOBTC_PAM_USER", "alice\\x0aHAOBTC_OUTCOME=approved");
    field_is(r, "HAOBTC_OUTCOME", "refused");
    free(r);
}

/* The format alone. */
static void every_outcome_has_its_own_message_id(void **state)
{
    (void)state;
    for (int i = 0; i < HB_AUDIT_OUTCOMES; i++) {
        const char *id = hb_audit_message_id((enum hb_audit_outcome)i);
        assert_non_null(id);
        assert_int_equal(strlen(id), 32);
        assert_int_equal(strspn(id, "0123456789abcdef"), 32);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(
                id, hb_audit_message_id((enum hb_audit_outcome)j));
    }
    assert_null(hb_audit_message_id(HB_AUDIT_OUTCOMES));
}

static void a_record_that_does_not_fit_is_not_sent(void **state)
{
    (void)state;
    struct hb_audit_record r = {
        .outcome = HB_AUDIT_APPROVED, .message = "x", .latency_ms = -1};
    char small[40];
    size_t len = 0;
    assert_false(hb_audit_format(&r, small, sizeof(small), &len));
    char big[512];
    assert_true(hb_audit_format(&r, big, sizeof(big), &len));
    assert_int_equal(len, strlen(big));
    assert_null(strstr(big, "HAOBTC_LATENCY_MS"));
    /* Nowhere to send: false, nothing else. */
    assert_false(hb_audit_send(&r, "/nonexistent/journal.socket"));
}

int main(void)
{
#define T(name)                                                                \
    cmocka_unit_test_setup_teardown(name, bind_journal, close_journal)
    const struct CMUnitTest tests[] = {
        T(approved_login_sends_one_record_with_every_field),
        T(each_login_has_its_own_attempt),
        T(refused_code_gives_haobtcs_code_and_reason),
        T(identity_not_mapped_is_refused_with_the_uuid),
        T(unreachable_provider_is_unavailable),
        T(broken_configuration_is_an_error),
        T(newline_in_user_name_adds_no_field),
        cmocka_unit_test(every_outcome_has_its_own_message_id),
        cmocka_unit_test(a_record_that_does_not_fit_is_not_sent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

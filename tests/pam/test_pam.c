/* SPDX-License-Identifier: BSD-2-Clause */
/* The module through the real libpam (pam_wrapper + libpamtest) against the
 * mock provider: the pasted-code login, the prompt and its QR code, the
 * exact PAM value of every failure the design lists, a profile request
 * asked again after a 5xx (never the token request), and with the relay,
 * the connection to haobtc kept ready while the person approves. */
#include "autoconf.h"

#include <security/pam_appl.h>
#include <libpamtest.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pamutil.h"
#include "testutil.h"
#include "token.h"

static int authenticate(const char *user, const char *extra, struct script *s)
{
    return pu_authenticate(user, extra, s, 0);
}

static int clear_faults(void **state)
{
    (void)state;
    tu_fault("none", "all", NULL);
    return 0;
}

static void pasted_code_login_succeeds(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_SUCCESS);
    assert_int_equal(s.prompts, 1);
    assert_non_null(strstr(s.prompt, "log in as alice on "));
    assert_non_null(strstr(s.prompt, "paste the code"));
    pu_release(&s);
}

static void success_exports_haobtc_identity(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    free(tu_conf_at(pu_module_conf(), NULL));
    struct pam_testcase tests[] = {
        pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
        pam_test(PAMTEST_SETCRED, PAM_SUCCESS),
        pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
    };
    assert_int_equal(
        _pamtest_conv("haobtc", "alice", pu_converse, &s, tests, 3, NULL),
        PAMTEST_ERR_OK);
    char **env = tests[2].case_out.envlist;
    bool uuid = false, name = false;
    for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
        uuid |=
            strcmp(env[i], "HAOBTC_UUID=5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60") == 0;
        name |= strcmp(env[i], "HAOBTC_USERNAME=alice") == 0;
    }
    assert_true(uuid && name);
    pamtest_free_env(env);
    pu_release(&s);
}

static void prompt_is_shown_under_pam_silent(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(pu_authenticate("alice", NULL, &s, PAM_SILENT),
                     PAM_SUCCESS);
    assert_int_equal(s.prompts, 1);
    pu_release(&s);
}

/* Without a relay the authorize URL itself is encoded: too wide for two
 * copies, so the one drawn for dark backgrounds, and only there it reads. */
static void prompt_qr_decodes_to_the_link_on_dark(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_SUCCESS);
    const char *link = strstr(s.prompt, "\nhttps://") + 1;
    char *expected = strndup(link, strcspn(link, "\n"));
    char *decoded = pu_decode_qr(s.prompt, "dark");
    assert_string_equal(decoded, expected);
    free(decoded);
    decoded = pu_decode_qr(s.prompt, "light");
    assert_string_equal(decoded, "");
    free(decoded);
    free(expected);
    pu_release(&s);
}

static void qr_background_light_reads_on_light_only(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", "qr_background = light\n", &s),
                     PAM_SUCCESS);
    const char *link = strstr(s.prompt, "\nhttps://") + 1;
    char *expected = strndup(link, strcspn(link, "\n"));
    char *decoded = pu_decode_qr(s.prompt, "light");
    assert_string_equal(decoded, expected);
    free(decoded);
    decoded = pu_decode_qr(s.prompt, "dark");
    assert_string_equal(decoded, "");
    free(decoded);
    free(expected);
    pu_release(&s);
}

static void provider_refusal_is_auth_err(void **state)
{
    (void)state;
    tu_fault("code", "token", "code=40012");
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    assert_non_null(strstr(s.messages, "not authorized"));
    pu_release(&s);
}

static void unreachable_provider_is_authinfo_unavail(void **state)
{
    (void)state;
    /* A well-formed answer, so that the provider is what fails. */
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(
        authenticate("alice", "site_url = https://127.0.0.1:1\n", &s),
        PAM_AUTHINFO_UNAVAIL);
    assert_non_null(strstr(s.messages, "unavailable"));
    pu_release(&s);
}

static void stalled_provider_is_authinfo_unavail(void **state)
{
    (void)state;
    tu_fault("stall", "token", NULL);
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", "http_timeout = 2\n", &s),
                     PAM_AUTHINFO_UNAVAIL);
    pu_release(&s);
}

/* An answer we cannot read is no sign that haobtc is unreachable: a
 * stack must not fall back to the password on it. */
static void garbage_from_provider_is_auth_err(void **state)
{
    (void)state;
    tu_fault("html", "profile", NULL);
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    pu_release(&s);
}

/* The person (or whoever stopped the program) answers after the login's
 * deadline: a code approved in time is too late, and so is an outage the
 * helper met: neither may fall back (PAM_AUTHINFO_UNAVAIL). */
static void wait_past_the_deadline(struct script *s, const char *prompt)
{
    (void)s, (void)prompt;
    sleep(7);
}

static void code_pasted_after_the_deadline_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE,
                       .approver = "alice",
                       .phone = wait_past_the_deadline};
    assert_int_equal(
        authenticate("alice", "timeout = 5\nhttp_timeout = 2\n", &s),
        PAM_AUTH_ERR);
    assert_non_null(strstr(s.messages, "No approval arrived in time."));
    pu_release(&s);
}

static void outage_answered_after_the_deadline_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE,
                       .approver = "alice",
                       .phone = wait_past_the_deadline};
    assert_int_equal(authenticate("alice",
                                  "site_url = https://127.0.0.1:1\n"
                                  "timeout = 5\nhttp_timeout = 2\n",
                                  &s),
                     PAM_AUTH_ERR);
    pu_release(&s);
}

static void provider_busy_is_auth_err_not_unavail(void **state)
{
    (void)state;
    tu_fault("http429", "token", NULL);
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    assert_non_null(strstr(s.messages, "busy"));
    pu_release(&s);
}

static void untrusted_certificate_is_authinfo_unavail(void **state)
{
    (void)state;
    char *extra = tu_printf("ca_file = %s\n", tu_env("HB_UNTRUSTED_CA"));
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", extra, &s), PAM_AUTHINFO_UNAVAIL);
    free(extra);
    pu_release(&s);
}

static void code_used_twice_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_SAME_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_SUCCESS);
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    assert_non_null(strstr(s.messages, "authorization_code missing or "
                                       "expired"));
    pu_release(&s);
}

static void four_kilobyte_code_is_auth_err(void **state)
{
    (void)state;
    char *big = malloc(4097);
    memset(big, 'A', 4096);
    big[4096] = '\0';
    struct script s = {.kind = ANSWER_TEXT, .text = big};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    free(big);
    pu_release(&s);
}

static void code_with_control_characters_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_TEXT,
                       .text = "abc\x1b[2J\x07"
                               "def"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    pu_release(&s);
}

/* What the person pastes, set by the phone from the prompt's state. */
static char pasted[512];

static void phone_shows_a_bare_code(struct script *s, const char *prompt)
{
    char *link = pu_link(prompt);
    char *code = tu_approve_link("alice", link);
    snprintf(pasted, sizeof(pasted), "%s", code);
    s->text = pasted;
    free(code);
    free(link);
}

static void phone_shows_another_attempts_code(struct script *s,
                                              const char *prompt)
{
    char *link = pu_link(prompt);
    char *st = pu_query(link, "state");
    char *other = tu_printf("%s-other", st);
    char *challenge = pu_query(link, "code_challenge");
    char *answer =
        tu_paste_answer(other, tu_approve("alice", other, challenge));
    free(challenge);
    snprintf(pasted, sizeof(pasted), "%s", answer);
    s->text = pasted;
    free(answer);
    free(other);
    free(st);
    free(link);
}

/* The tag binds a pasted code to the attempt whose page showed it; without
 * it, or with another attempt's, nothing is sent to haobtc. */
static void bare_code_is_auth_err_before_haobtc_is_asked(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_TEXT, .phone = phone_shows_a_bare_code};
    long before = tu_stat("token_requests");
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    assert_int_equal(tu_stat("token_requests"), before);
    if (strstr(s.messages, "a bare code is not accepted") == NULL)
        fail_msg("messages: %s", s.messages);
    pu_release(&s);
}

static void code_tagged_for_another_attempt_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_TEXT,
                       .phone = phone_shows_another_attempts_code};
    long before = tu_stat("token_requests");
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    assert_int_equal(tu_stat("token_requests"), before);
    if (strstr(s.messages, "approved for another login attempt") == NULL)
        fail_msg("messages: %s", s.messages);
    pu_release(&s);
}

/* The paste without a relay (issue 22): the tag's key is the state the
 * prompt shows, so whoever holds a code approved through another
 * authorize request can tag it for this attempt. haobtc is asked, and
 * refuses: the code was issued for another PKCE challenge. */
static void phone_retags_another_attempts_code(struct script *s,
                                               const char *prompt)
{
    char *link = pu_link(prompt);
    char *st = pu_query(link, "state");
    char *verifier = hb_code_verifier_new();
    char *challenge = hb_code_challenge_of(verifier);
    char *other = tu_printf("%s-other", st);
    char *answer = tu_paste_answer(st, tu_approve("alice", other, challenge));
    snprintf(pasted, sizeof(pasted), "%s", answer);
    s->text = pasted;
    free(answer);
    free(other);
    free(challenge);
    free(verifier);
    free(st);
    free(link);
}

static void
code_of_another_attempt_retagged_for_this_one_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_TEXT,
                       .phone = phone_retags_another_attempts_code};
    char *log = tu_printf("%s/mock.log", tu_env("HB_TEST_DIR"));
    int before =
        tu_lines_with(log, "token: PKCE: code_verifier does not match");
    long tokens = tu_stat("token_requests");
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    assert_int_equal(tu_stat("token_requests"), tokens + 1);
    assert_int_equal(
        tu_lines_with(log, "token: PKCE: code_verifier does not match"),
        before + 1);
    free(log);
    pu_release(&s);
}

static void empty_answer_in_paste_mode_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_TEXT, .text = ""};
    assert_int_equal(authenticate("alice", "mode = paste\n", &s), PAM_AUTH_ERR);
    if (strstr(s.messages, "No code was entered") == NULL)
        fail_msg("messages: %s", s.messages);
    pu_release(&s);
}

static void failing_conversation_is_conv_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_FAIL};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_CONV_ERR);
    pu_release(&s);
}

static void identity_not_in_map_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "al;ice$(id)"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    pu_release(&s);
}

static void identity_mapped_to_another_user_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("bob", NULL, &s), PAM_AUTH_ERR);
    pu_release(&s);
}

static void nonexistent_local_user_is_auth_err_after_same_steps(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "rootkit"};
    long before = tu_stat("token_requests");
    assert_int_equal(authenticate("nosuchuser", NULL, &s), PAM_AUTH_ERR);
    /* The same prompt and the same exchange as for a real account. */
    assert_int_equal(s.prompts, 1);
    assert_int_equal(tu_stat("token_requests"), before + 1);
    pu_release(&s);
}

static void root_with_someone_elses_entry_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("root", NULL, &s), PAM_AUTH_ERR);
    pu_release(&s);
}

static void shell_characters_in_username_are_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "al;ice$(id)"};
    assert_int_equal(
        authenticate("alice", "match = username\nsame_name = yes\n", &s),
        PAM_AUTH_ERR);
    pu_release(&s);
}

static void lookalike_username_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "\xd0\xb0lice"};
    assert_int_equal(
        authenticate("alice", "match = username\nsame_name = yes\n", &s),
        PAM_AUTH_ERR);
    pu_release(&s);
}

static void match_username_logs_in(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "carol"};
    assert_int_equal(authenticate("carol", "match = username\n", &s),
                     PAM_SUCCESS);
    pu_release(&s);
}

static void unsafe_map_file_is_service_err(void **state)
{
    (void)state;
    char *map =
        tu_file("map", "uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice\n", 0666);
    char *extra = tu_printf("map_file = %s\n", map);
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", extra, &s), PAM_SERVICE_ERR);
    free(extra);
    free(map);
    pu_release(&s);
}

static void unsafe_config_file_is_service_err(void **state)
{
    (void)state;
    free(tu_conf_at(pu_module_conf(), NULL));
    assert_int_equal(chmod(pu_module_conf(), 0666), 0);
    struct script s = {.kind = ANSWER_TEXT, .text = "x"};
    assert_int_equal(pu_run("haobtc", "alice", &s, 0), PAM_SERVICE_ERR);
    assert_int_equal(s.prompts, 0);
    assert_non_null(strstr(s.messages, "not configured correctly"));
    pu_release(&s);
}

static void symlinked_config_is_service_err(void **state)
{
    (void)state;
    free(tu_conf_at(pu_module_conf(), NULL));
    char *link = tu_printf("%s.link", pu_module_conf());
    unlink(link);
    assert_int_equal(symlink(pu_module_conf(), link), 0);
    struct script s = {.kind = ANSWER_TEXT, .text = "x"};
    assert_int_equal(pu_run("haobtc-symlink", "alice", &s, 0), PAM_SERVICE_ERR);
    free(link);
    pu_release(&s);
}

static void config_missing_client_id_is_service_err(void **state)
{
    (void)state;
    tu_write(pu_module_conf(), "client_secret = s\n", 0600);
    struct script s = {.kind = ANSWER_TEXT, .text = "x"};
    assert_int_equal(pu_run("haobtc", "alice", &s, 0), PAM_SERVICE_ERR);
    pu_release(&s);
}

static void secret_in_module_arguments_is_service_err(void **state)
{
    (void)state;
    free(tu_conf_at(pu_module_conf(), NULL));
    struct script s = {.kind = ANSWER_TEXT, .text = "x"};
    assert_int_equal(pu_run("haobtc-secret-arg", "alice", &s, 0),
                     PAM_SERVICE_ERR);
    pu_release(&s);
}

/* Whether some logged record (after pam_wrapper's "SYSLOG(n): " prefix)
 * starts with text. pam_wrapper's own trace lines print the user name
 * raw; only the module's syslog records are ours to judge. */
static bool logged_line_starts_with(const char *log, const char *text)
{
    for (const char *at = strstr(log, "SYSLOG("); at != NULL;
         at = strstr(at + 1, "SYSLOG(")) {
        const char *msg = strstr(at, "): ");
        if (msg != NULL && strncmp(msg + 3, text, strlen(text)) == 0)
            return true;
    }
    return false;
}

/* Every syslog record is printable ASCII to its end of line. */
static bool syslog_records_are_plain(const char *log)
{
    for (const char *at = strstr(log, "SYSLOG("); at != NULL;
         at = strstr(at + 1, "SYSLOG(")) {
        for (const char *c = at; *c != '\0' && *c != '\n'; c++) {
            unsigned char b = (unsigned char)*c;
            if (b < 0x20 || b > 0x7e)
                return false;
        }
    }
    return true;
}

/* debug logs each step, and never what was pasted; without it, no step. */
static void debug_logs_each_step_and_no_code(void **state)
{
    (void)state;
    free(tu_conf_at(pu_module_conf(), "debug = yes\n"));
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    char *log = NULL;
    assert_int_equal(pu_run_logged("alice", NULL, &s, &log), PAM_SUCCESS);
    const char *steps[] = {
        "debug: login for alice from local: ",
        ", mode auto, relay none",
        "debug: helper ",
        "debug: challenge: a provider link (paste only)",
        "debug: prompt 1 shown",
        "debug: a code of ",
        "debug: exchanging the pasted code for the profile",
        "debug: POST 127.0.0.1:",
        "debug: GET 127.0.0.1:",
        ": HTTP 200 in ",
        "debug: haobtc profile: uuid 5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60",
        "debug: mapped to alice by ",
        "debug: result: Success"};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (strstr(log, steps[i]) == NULL)
            fail_msg("no \"%s\" in the log:\n%s", steps[i], log);
    char bare[256];
    snprintf(bare, sizeof(bare), "%.*s", (int)strcspn(s.code, ":"), s.code);
    assert_null(strstr(log, bare));
    /* The calls are named by host and path only: no query, no token. */
    assert_null(strstr(log, "access_token"));
    free(log);
    pu_release(&s);

    free(tu_conf_at(pu_module_conf(), NULL));
    struct script quiet = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(pu_run_logged("alice", NULL, &quiet, &log), PAM_SUCCESS);
    assert_null(strstr(log, "debug: "));
    free(log);
    pu_release(&quiet);
}

static void newline_in_user_name_cannot_forge_a_log_line(void **state)
{
    (void)state;
    free(tu_conf_at(pu_module_conf(), NULL));
    struct script s = {.kind = ANSWER_TEXT, .text = "made-up-code"};
    char *log = NULL;
    int rc = pu_run_logged(
        "alice\nhaobtc login for root from 10.0.0.1: uuid 5f1c2a9e", NULL, &s,
        &log);
    assert_int_equal(rc, PAM_AUTH_ERR);
    assert_false(logged_line_starts_with(log, "haobtc login for root"));
    assert_true(syslog_records_are_plain(log));
    assert_non_null(
        strstr(log, "haobtc login for alice\\x0ahaobtc login for root from "
                    "10.0.0.1: uuid 5f1c2a9e from local failed: "));
    free(log);
    pu_release(&s);
}

static void bidi_override_in_user_name_is_escaped_in_the_log(void **state)
{
    (void)state;
    free(tu_conf_at(pu_module_conf(), NULL));
    struct script s = {.kind = ANSWER_TEXT, .text = "made-up-code"};
    char *log = NULL;
    assert_int_equal(pu_run_logged("root\xe2\x80\xae (admin)", NULL, &s, &log),
                     PAM_AUTH_ERR);
    assert_non_null(strstr(log, "haobtc login for root\\xe2\\x80\\xae (admin) "
                                "from local failed"));
    assert_true(syslog_records_are_plain(log));
    free(log);
    pu_release(&s);
}

static void ipv6_remote_host_is_logged_whole(void **state)
{
    (void)state;
    free(tu_conf_at(pu_module_conf(), NULL));
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    char *log = NULL;
    assert_int_equal(pu_run_logged("alice", "2001:db8::7", &s, &log),
                     PAM_SUCCESS);
    assert_non_null(strstr(log, "haobtc login for alice from 2001:db8::7: "
                                "uuid 5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60"));
    free(log);
    pu_release(&s);
}

static void remote_host_that_is_no_host_is_not_logged(void **state)
{
    (void)state;
    free(tu_conf_at(pu_module_conf(), NULL));
    struct script s = {.kind = ANSWER_TEXT, .text = "made-up-code"};
    char *log = NULL;
    assert_int_equal(
        pu_run_logged("alice", "10.0.0.1\nhaobtc login for root", &s, &log),
        PAM_AUTH_ERR);
    assert_non_null(strstr(log, "haobtc login for alice from (not a host) "
                                "failed"));
    assert_false(logged_line_starts_with(log, "haobtc login for root"));
    free(log);
    pu_release(&s);
}

static void same_name_never_logs_a_stranger_in_as_root(void **state)
{
    (void)state;
    /* haobtc usernames are first come, first served: someone registered
     * "root". */
    struct script s = {.kind = ANSWER_CODE, .approver = "root"};
    assert_int_equal(authenticate("root", "same_name = yes\n", &s),
                     PAM_AUTH_ERR);
    pu_release(&s);
}

/* nobody (uid 65534) is above UID_MAX: not a person's account, even though
 * its uid is above UID_MIN. */
static void same_name_never_logs_a_stranger_in_as_nobody(void **state)
{
    (void)state;
    free(tu_conf_at(pu_module_conf(), "same_name = yes\n"));
    struct script s = {.kind = ANSWER_CODE, .approver = "nobody"};
    char *log = NULL;
    assert_int_equal(pu_run_logged("nobody", NULL, &s, &log), PAM_AUTH_ERR);
    if (strstr(log, "outside the ordinary range (uid 65534 > UID_MAX") == NULL)
        fail_msg("log: %s", log);
    free(log);
    pu_release(&s);
}

/* A config whose map file holds only map_text. */
static int authenticate_with_map(const char *user, const char *map_text,
                                 struct script *s)
{
    char *map = tu_file("map", map_text, 0644);
    char *extra = tu_printf("same_name = yes\nmap_file = %s\n", map);
    int rc = authenticate(user, extra, s);
    free(extra);
    free(map);
    return rc;
}

static void same_name_never_applies_to_an_account_the_map_names(void **state)
{
    (void)state;
    /* Local dave belongs to alice's haobtc identity; the haobtc user who
     * registered "dave" is someone else. */
    struct script s = {.kind = ANSWER_CODE, .approver = "dave"};
    assert_int_equal(
        authenticate_with_map(
            "dave", "uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 dave\n", &s),
        PAM_AUTH_ERR);
    pu_release(&s);
}

static void same_name_logs_an_ordinary_unmapped_user_in(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "dave"};
    assert_int_equal(
        authenticate_with_map(
            "dave", "uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice\n", &s),
        PAM_SUCCESS);
    pu_release(&s);
}

/* A 5xx that is no haobtc answer (a proxy's page, a worker's 500) on the
 * profile request: a GET changes nothing at haobtc, so it is asked once
 * more, and the login goes on. */
static void profile_5xx_once_is_asked_again_and_logs_in(void **state)
{
    (void)state;
    const char *modes[] = {"http500", "http502", "http503"};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        tu_fault(modes[i], "profile", "count=1");
        long tokens = tu_stat("token_requests");
        long profiles = tu_stat("profile_requests");
        struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
        int rc = authenticate("alice", NULL, &s);
        if (rc != PAM_SUCCESS)
            fail_msg("%s once: %s (%s)", modes[i], pam_strerror(NULL, rc),
                     s.messages);
        assert_int_equal(tu_stat("token_requests"), tokens + 1);
        assert_int_equal(tu_stat("profile_requests"), profiles + 2);
        pu_release(&s);
    }
}

/* Twice is what one 5xx was before the second try: unreachable for a 500
 * or a 502 (found over the network before the deadline), busy for a 503
 * (PAM_AUTH_ERR: anyone can make a server busy). Asked twice, no more. */
static void profile_5xx_twice_ends_as_one_5xx_did(void **state)
{
    (void)state;
    const struct {
        const char *mode;
        int rc;
    } cases[] = {{"http500", PAM_AUTHINFO_UNAVAIL},
                 {"http502", PAM_AUTHINFO_UNAVAIL},
                 {"http503", PAM_AUTH_ERR}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tu_fault(cases[i].mode, "profile", "count=2");
        long profiles = tu_stat("profile_requests");
        struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
        int rc = authenticate("alice", NULL, &s);
        if (rc != cases[i].rc)
            fail_msg("%s twice: %s (%s)", cases[i].mode, pam_strerror(NULL, rc),
                     s.messages);
        assert_int_equal(tu_stat("profile_requests"), profiles + 2);
        pu_release(&s);
        tu_fault("none", "all", NULL);
    }
}

/* haobtc's own refusal in the profile answer is not asked again. */
static void profile_refusal_is_not_asked_again(void **state)
{
    (void)state;
    tu_fault("code", "profile", "code=40008");
    long profiles = tu_stat("profile_requests");
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    assert_int_equal(tu_stat("profile_requests"), profiles + 1);
    pu_release(&s);
}

/* A code is redeemed once: a 5xx on the token request ends the login,
 * with no second POST. */
static void token_5xx_is_never_asked_again(void **state)
{
    (void)state;
    const char *modes[] = {"http500", "http502", "http503"};
    const int want[] = {PAM_AUTHINFO_UNAVAIL, PAM_AUTHINFO_UNAVAIL,
                        PAM_AUTH_ERR};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        tu_fault(modes[i], "token", "count=1");
        long tokens = tu_stat("token_requests");
        long profiles = tu_stat("profile_requests");
        struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
        assert_int_equal(authenticate("alice", NULL, &s), want[i]);
        assert_int_equal(tu_stat("token_requests"), tokens + 1);
        assert_int_equal(tu_stat("profile_requests"), profiles);
        pu_release(&s);
    }
}

/* --- With the relay (provider MOCK2, whose registered redirect is the
 * relay's callback): the person presses Enter, the phone approves while
 * the module waits in its long poll. */

static char *mock2(const char *path, const char *form)
{
    char *url = tu_printf("%s%s", tu_env("MOCK2_URL"), path);
    char *body = tu_fetch(url, form);
    free(url);
    return body;
}

static long mock2_stat(const char *name)
{
    char *body = mock2("/mock/stats", NULL);
    char *v = json_member(body, name);
    assert_non_null(v);
    long n = strtol(v, NULL, 10);
    free(v);
    free(body);
    return n;
}

static int clear_mock2(void **state)
{
    (void)state;
    free(mock2("/mock/fault", "mode=none&target=all"));
    free(mock2("/mock/idle", "seconds=0"));
    return 0;
}

static int relay_login(const char *user, struct script *s)
{
    char *conf = tu_printf("site_url = %s\nrelay_url = %s\n"
                           "redirect_uri = %s/cb\nfleet_key_file = %s\n",
                           tu_env("MOCK2_URL"), tu_env("RELAY_URL"),
                           tu_env("RELAY_URL"), tu_env("HB_FLEET_KEY"));
    int rc = authenticate(user, conf, s);
    free(conf);
    return rc;
}

/* One request of the phone's browser; its body, or NULL when it failed. */
static char *browse(CURL *curl, const char *url, const char *form,
                    char **location)
{
    return pu_browse(curl, url, form, NULL, location);
}

/* The text of attr="..." after marker in page, or NULL. */
static char *attr_after(const char *page, const char *marker, const char *attr)
{
    const char *at = page != NULL ? strstr(page, marker) : NULL;
    at = at != NULL ? strstr(at, attr) : NULL;
    if (at == NULL)
        return NULL;
    at += strlen(attr);
    return strndup(at, strcspn(at, "\""));
}

/* The phone: the short link's page, Continue (the relay's cookie), the
 * approval at the provider with the link's state and PKCE challenge, and
 * back to the relay's callback. Runs off the test's thread: says whether
 * it went through rather than failing the test there. */
/* The number a prompt's first line asks the phone to pick (number
 * matching), 0 for none. */
static int number_in(const char *prompt)
{
    const char *at = strstr(prompt, "Your number is ");
    return at != NULL ? atoi(at + strlen("Your number is ")) : 0;
}

static bool phone_approves(const char *link, int number)
{
    CURL *curl = curl_easy_init();
    char *page = browse(curl, link, NULL, NULL);
    char *action = attr_after(page, "<form method=\"post\"", "action=\"");
    char *csrf = attr_after(page, "name=\"csrf\"", "value=\"");
    char *form = number != 0 ? tu_printf("csrf=%s&number=%d",
                                         csrf != NULL ? csrf : "", number)
                             : tu_printf("csrf=%s", csrf != NULL ? csrf : "");
    char *href = NULL, *location = NULL, *done = NULL;
    if (action != NULL)
        free(browse(curl, action, form, &href));
    if (href != NULL) {
        char *st = pu_query(href, "state");
        char *challenge = pu_query(href, "code_challenge");
        char *approve = tu_printf("client_id=test-client&username=alice"
                                  "&state=%s&code_challenge=%s"
                                  "&code_challenge_method=S256",
                                  st, challenge);
        char *answer = mock2("/mock/approve", approve);
        location = json_member(answer, "location");
        /* json-c writes '/' as "\\/". */
        for (char *w = location, *r = location; r != NULL; r++) {
            if (r[0] == '\\' && r[1] == '/')
                r++;
            *w++ = *r;
            if (*r == '\0')
                break;
        }
        free(answer);
        free(approve);
        free(challenge);
        free(st);
    }
    if (location != NULL)
        done = browse(curl, location, NULL, NULL);
    bool ok = done != NULL;
    free(done);
    free(location);
    free(href);
    free(form);
    free(csrf);
    free(action);
    free(page);
    curl_easy_cleanup(curl);
    return ok;
}

/* The approval, some seconds after the person pressed Enter; newest is
 * MOCK2's newest connection just before it (the stats request's own). */
static struct {
    char *link;
    unsigned after_s;
    pthread_t thread;
    long newest;
    bool approved;
    int number;
} later;

static void *approve_later(void *arg)
{
    (void)arg;
    sleep(later.after_s);
    later.newest = mock2_stat("last_connection");
    later.approved = phone_approves(later.link, later.number);
    return NULL;
}

static void phone_approves_later(struct script *s, const char *prompt)
{
    (void)s;
    later.link = pu_link(prompt);
    later.number = number_in(prompt);
    later.approved = false;
    assert_int_equal(pthread_create(&later.thread, NULL, approve_later, NULL),
                     0);
}

static int relay_login_approved_after(unsigned seconds, struct script *s)
{
    later.after_s = seconds;
    s->kind = ANSWER_ENTER;
    s->phone = phone_approves_later;
    int rc = relay_login("alice", s);
    if (later.link != NULL) {
        pthread_join(later.thread, NULL);
        free(later.link);
        later.link = NULL;
    }
    assert_true(later.approved);
    return rc;
}

/* After the approval, only the token and the profile requests remain: the
 * module opened its connection to haobtc while the person approved (a
 * HEAD, which haobtc does not act on), and both requests go over it. */
static void relay_login_meets_haobtc_on_a_connection_opened_before(void **st)
{
    (void)st;
    long heads = mock2_stat("head_requests");
    long tokens = mock2_stat("token_requests");
    struct script s = {0};
    assert_int_equal(relay_login_approved_after(1, &s), PAM_SUCCESS);
    long token_conn = mock2_stat("token_connection");
    assert_int_equal(mock2_stat("token_requests"), tokens + 1);
    assert_int_equal(mock2_stat("profile_connection"), token_conn);
    if (token_conn >= later.newest)
        fail_msg("the token request came on connection %ld, opened after "
                 "the approval (newest before it: %ld)",
                 token_conn, later.newest);
    assert_int_equal(mock2_stat("head_requests"), heads + 1);
    pu_release(&s);
}

/* haobtc closes the kept connection (its idle time, 3 s here) before the
 * approval: the module opens the next at once, and keeps that one open
 * with a HEAD before it has been idle as long. */
static void ready_connection_closed_by_haobtc_is_reopened(void **st)
{
    (void)st;
    free(mock2("/mock/idle", "seconds=3"));
    long heads = mock2_stat("head_requests");
    /* Each stats request comes on a connection of its own: the next one
     * after this is the module's. */
    long first = mock2_stat("last_connection") + 1;
    struct script s = {0};
    assert_int_equal(relay_login_approved_after(5, &s), PAM_SUCCESS);
    long token_conn = mock2_stat("token_connection");
    assert_int_equal(mock2_stat("profile_connection"), token_conn);
    /* Not the first one (closed at 3 s), and before the approval. */
    if (token_conn <= first || token_conn >= later.newest)
        fail_msg("the token request came on connection %ld: the first kept "
                 "one was %ld, the newest before the approval %ld",
                 token_conn, first, later.newest);
    assert_true(mock2_stat("head_requests") >= heads + 2);
    pu_release(&s);
}

/* A kept connection that dies under the token request: libcurl would send
 * the request again on a new one by itself, and the code with it. It is
 * sent once, and the login ends as unreachable. */
static void token_post_on_a_kept_connection_is_sent_once(void **st)
{
    (void)st;
    free(mock2("/mock/fault", "mode=reset&target=token&count=1"));
    long tokens = mock2_stat("token_requests");
    struct script s = {0};
    assert_int_equal(relay_login_approved_after(1, &s), PAM_AUTHINFO_UNAVAIL);
    assert_int_equal(mock2_stat("token_requests"), tokens + 1);
    pu_release(&s);
}

/* ---- services= and groups= (issue 26): outside them the module answers
 * PAM_IGNORE before any prompt or helper; its only line in the "haobtc"
 * service then leaves libpam nothing to go by (PAM_PERM_DENIED), which no
 * path of the module itself returns. */
static void expect_not_asked(const char *user, const char *extra,
                             const char *why)
{
    char *conf = tu_printf("debug = yes\n%s", extra);
    free(tu_conf_at(pu_module_conf(), conf));
    free(conf);
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    char *log = NULL;
    long before = tu_stat("token_requests");
    assert_int_equal(pu_run_logged(user, NULL, &s, &log), PAM_PERM_DENIED);
    assert_int_equal(s.prompts, 0);
    assert_int_equal(s.infos, 0);
    assert_string_equal(s.messages, "");
    assert_int_equal(tu_stat("token_requests"), before);
    if (!logged_line_starts_with(log, why))
        fail_msg("no \"%s\" in the log:\n%s", why, log);
    char *result =
        tu_printf("debug: result: %s", pam_strerror(NULL, PAM_IGNORE));
    if (!logged_line_starts_with(log, result))
        fail_msg("no \"%s\" in the log:\n%s", result, log);
    assert_null(strstr(log, "debug: helper "));
    assert_null(strstr(log, "failed"));
    free(result);
    free(log);
    pu_release(&s);
}

static void service_outside_services_is_ignored_before_any_prompt(void **st)
{
    (void)st;
    expect_not_asked("alice", "services = sshd, sudo\n",
                     "not asked: service haobtc is outside services");
    expect_not_asked("alice", "services = *, !haobtc\n",
                     "not asked: service haobtc is outside services");
}

static void service_inside_services_is_asked(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", "services = sudo, haobtc\n", &s),
                     PAM_SUCCESS);
    assert_int_equal(s.prompts, 1);
    pu_release(&s);
    /* The same file for the service sshd: sshd is asked, haobtc not. */
    free(tu_conf_at(pu_module_conf(), "services = sshd\n"));
    struct script ssh = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(pu_run("sshd", "alice", &ssh, 0), PAM_SUCCESS);
    assert_int_equal(ssh.prompts, 1);
    pu_release(&ssh);
}

static void member_of_excluded_group_is_ignored(void **state)
{
    (void)state;
    /* bob is in wheel by tests/data/group's member list; alice by her
     * primary group. */
    expect_not_asked("bob", "groups = *, !wheel\n",
                     "not asked: bob is in excluded group wheel");
    expect_not_asked("alice", "groups = *, !alice\n",
                     "not asked: alice is in excluded group alice");
    expect_not_asked("carol", "groups = wheel\n",
                     "not asked: carol is in none of the groups in groups");
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", "groups = *, !wheel\n", &s),
                     PAM_SUCCESS);
    assert_int_equal(s.prompts, 1);
    pu_release(&s);
}

/* NSS does not know the user: asked, and refused at the end as always. */
static void unknown_user_with_groups_is_asked_not_ignored(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "rootkit"};
    assert_int_equal(authenticate("nosuchuser", "groups = wheel\n", &s),
                     PAM_AUTH_ERR);
    assert_int_equal(s.prompts, 1);
    pu_release(&s);
}

static void scope_that_excludes_everyone_is_service_err(void **state)
{
    (void)state;
    const char *bad[] = {"groups = !*\n", "services = !cron\n",
                         "groups = *, !wh\xd0\xb5\xd0\xb5l\n", "services = \n",
                         "services = sudo,,sshd\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
        assert_int_equal(authenticate("alice", bad[i], &s), PAM_SERVICE_ERR);
        assert_int_equal(s.prompts, 0);
        pu_release(&s);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_teardown(name, clear_faults)
    const struct CMUnitTest tests[] = {
        T(pasted_code_login_succeeds),
        T(success_exports_haobtc_identity),
        T(prompt_is_shown_under_pam_silent),
        T(prompt_qr_decodes_to_the_link_on_dark),
        T(qr_background_light_reads_on_light_only),
        T(provider_refusal_is_auth_err),
        T(unreachable_provider_is_authinfo_unavail),
        T(stalled_provider_is_authinfo_unavail),
        T(code_pasted_after_the_deadline_is_auth_err),
        T(outage_answered_after_the_deadline_is_auth_err),
        T(provider_busy_is_auth_err_not_unavail),
        T(garbage_from_provider_is_auth_err),
        T(untrusted_certificate_is_authinfo_unavail),
        T(code_used_twice_is_auth_err),
        T(four_kilobyte_code_is_auth_err),
        T(code_with_control_characters_is_auth_err),
        T(bare_code_is_auth_err_before_haobtc_is_asked),
        T(code_of_another_attempt_retagged_for_this_one_is_auth_err),
        T(code_tagged_for_another_attempt_is_auth_err),
        T(empty_answer_in_paste_mode_is_auth_err),
        T(failing_conversation_is_conv_err),
        T(identity_not_in_map_is_auth_err),
        T(identity_mapped_to_another_user_is_auth_err),
        T(nonexistent_local_user_is_auth_err_after_same_steps),
        T(service_outside_services_is_ignored_before_any_prompt),
        T(service_inside_services_is_asked),
        T(member_of_excluded_group_is_ignored),
        T(unknown_user_with_groups_is_asked_not_ignored),
        T(scope_that_excludes_everyone_is_service_err),
        T(root_with_someone_elses_entry_is_auth_err),
        T(shell_characters_in_username_are_auth_err),
        T(lookalike_username_is_auth_err),
        T(match_username_logs_in),
        T(unsafe_map_file_is_service_err),
        T(unsafe_config_file_is_service_err),
        T(symlinked_config_is_service_err),
        T(config_missing_client_id_is_service_err),
        T(secret_in_module_arguments_is_service_err),
        T(debug_logs_each_step_and_no_code),
        T(newline_in_user_name_cannot_forge_a_log_line),
        T(bidi_override_in_user_name_is_escaped_in_the_log),
        T(ipv6_remote_host_is_logged_whole),
        T(remote_host_that_is_no_host_is_not_logged),
        T(same_name_never_logs_a_stranger_in_as_root),
        T(same_name_never_logs_a_stranger_in_as_nobody),
        T(same_name_never_applies_to_an_account_the_map_names),
        T(same_name_logs_an_ordinary_unmapped_user_in),
        T(profile_5xx_once_is_asked_again_and_logs_in),
        T(profile_5xx_twice_ends_as_one_5xx_did),
        T(profile_refusal_is_not_asked_again),
        T(token_5xx_is_never_asked_again),
        cmocka_unit_test_teardown(
            relay_login_meets_haobtc_on_a_connection_opened_before,
            clear_mock2),
        cmocka_unit_test_teardown(ready_connection_closed_by_haobtc_is_reopened,
                                  clear_mock2),
        cmocka_unit_test_teardown(token_post_on_a_kept_connection_is_sent_once,
                                  clear_mock2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The module through the real libpam (pam_wrapper + libpamtest) against the
 * mock provider: the pasted-code login, the prompt and its QR code, and the
 * exact PAM value of every failure the design lists. */
#include "autoconf.h"

#include <security/pam_appl.h>
#include <libpamtest.h>

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

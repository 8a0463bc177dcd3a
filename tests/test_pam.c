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

static void prompt_qr_decodes_to_the_link(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_SUCCESS);
    const char *link = strstr(s.prompt, "\nhttps://") + 1;
    char *expected = strndup(link, strcspn(link, "\n"));
    char *decoded = pu_decode_qr(s.prompt);
    assert_string_equal(decoded, expected);
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
    struct script s = {.kind = ANSWER_TEXT, .text = "somecode"};
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

static void garbage_from_provider_is_authinfo_unavail(void **state)
{
    (void)state;
    tu_fault("html", "profile", NULL);
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTHINFO_UNAVAIL);
    pu_release(&s);
}

static void untrusted_certificate_is_authinfo_unavail(void **state)
{
    (void)state;
    char *extra = tu_printf("ca_file = %s\n", tu_env("HB_UNTRUSTED_CA"));
    struct script s = {.kind = ANSWER_TEXT, .text = "somecode"};
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

int main(void)
{
#define T(name) cmocka_unit_test_teardown(name, clear_faults)
    const struct CMUnitTest tests[] = {
        T(pasted_code_login_succeeds),
        T(success_exports_haobtc_identity),
        T(prompt_is_shown_under_pam_silent),
        T(prompt_qr_decodes_to_the_link),
        T(provider_refusal_is_auth_err),
        T(unreachable_provider_is_authinfo_unavail),
        T(stalled_provider_is_authinfo_unavail),
        T(garbage_from_provider_is_authinfo_unavail),
        T(untrusted_certificate_is_authinfo_unavail),
        T(code_used_twice_is_auth_err),
        T(four_kilobyte_code_is_auth_err),
        T(code_with_control_characters_is_auth_err),
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

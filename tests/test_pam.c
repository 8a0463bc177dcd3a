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

#include "testutil.h"

enum answer_kind { ANSWER_CODE, ANSWER_TEXT, ANSWER_FAIL, ANSWER_SAME_CODE };

struct script {
    enum answer_kind kind;
    const char *approver; /* haobtc user the simulated phone approves as */
    const char *text;     /* ANSWER_TEXT */
    char *code;           /* the code handed over, kept for reuse tests */
    char *prompt;         /* the last prompt, whole */
    char messages[4096];  /* info and error messages, concatenated */
    int prompts;
};

/* The link is the line that starts with https:// and its state= value is
 * what the phone approves. */
static char *state_from_prompt(const char *prompt)
{
    const char *link = strstr(prompt, "\nhttps://");
    assert_non_null(link);
    const char *st = strstr(link, "state=");
    assert_non_null(st);
    st += 6;
    return strndup(st, strcspn(st, "&\n"));
}

static int converse(int n, const struct pam_message **msg,
                    struct pam_response **resp, void *data)
{
    struct script *s = data;
    struct pam_response *out = calloc((size_t)n, sizeof(*out));
    if (out == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++) {
        switch (msg[i]->msg_style) {
        case PAM_PROMPT_ECHO_ON:
        case PAM_PROMPT_ECHO_OFF:
            s->prompts++;
            free(s->prompt);
            s->prompt = strdup(msg[i]->msg);
            if (s->kind == ANSWER_FAIL) {
                free(out);
                return PAM_CONV_ERR;
            }
            if (s->kind == ANSWER_TEXT) {
                out[i].resp = strdup(s->text);
            } else if (s->kind == ANSWER_SAME_CODE && s->code != NULL) {
                out[i].resp = strdup(s->code);
            } else {
                char *state = state_from_prompt(msg[i]->msg);
                free(s->code);
                s->code = tu_approve(s->approver, state);
                out[i].resp = strdup(s->code);
                free(state);
            }
            break;
        default:
            strncat(s->messages, msg[i]->msg,
                    sizeof(s->messages) - strlen(s->messages) - 2);
            strcat(s->messages, "\n");
            break;
        }
    }
    *resp = out;
    return PAM_SUCCESS;
}

/* The services exist before the process starts (pam_wrapper copies them
 * then, see tests/run-tests); each names HB_MODULE_CONF, which tests
 * rewrite. */
static const char *module_conf(void)
{
    return tu_env("HB_MODULE_CONF");
}

static int run_service(const char *svc, const char *user, struct script *s,
                       int flags)
{
    struct pam_testcase tests[] = {
        pam_test_flags(PAMTEST_AUTHENTICATE, PAM_SUCCESS, flags),
    };
    enum pamtest_err perr =
        _pamtest_conv(svc, user, converse, s, tests, 1, NULL);
    if (perr != PAMTEST_ERR_OK && perr != PAMTEST_ERR_CASE)
        fail_msg("pamtest: %s", pamtest_strerror(perr));
    return tests[0].op_rv;
}

/* Runs pam_authenticate for user on a config built from extra; returns the
 * PAM value. */
static int authenticate_flags(const char *user, const char *extra,
                              struct script *s, int flags)
{
    free(tu_conf_at(module_conf(), extra));
    return run_service("haobtc", user, s, flags);
}

static int authenticate(const char *user, const char *extra, struct script *s)
{
    return authenticate_flags(user, extra, s, 0);
}

static void release(struct script *s)
{
    free(s->code);
    free(s->prompt);
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
    release(&s);
}

static void success_exports_haobtc_identity(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    free(tu_conf_at(module_conf(), NULL));
    struct pam_testcase tests[] = {
        pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
        pam_test(PAMTEST_SETCRED, PAM_SUCCESS),
        pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
    };
    assert_int_equal(
        _pamtest_conv("haobtc", "alice", converse, &s, tests, 3, NULL),
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
    release(&s);
}

static void prompt_is_shown_under_pam_silent(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate_flags("alice", NULL, &s, PAM_SILENT),
                     PAM_SUCCESS);
    assert_int_equal(s.prompts, 1);
    release(&s);
}

/* Draws the prompt's half-block lines as a PBM image (light modules are the
 * ink) and asks zbarimg for the text. */
static char *decode_prompt_qr(const char *prompt)
{
    const char *dir = tu_dir();
    char *pbm = tu_printf("%s/qr.pbm", dir);
    int width = 0, rows = 0;
    char grid[200][200];
    memset(grid, 0, sizeof(grid));
    for (const char *line = prompt; *line != '\0';) {
        const char *end = strchr(line, '\n');
        if (end == NULL)
            break;
        if (strncmp(line, "\xe2\x96", 2) == 0 || line[0] == ' ') {
            int x = 0;
            for (const char *c = line; c < end && x < 200;) {
                bool top = false, bottom = false;
                if (strncmp(c, "\xe2\x96\x88", 3) == 0)
                    top = bottom = true;
                else if (strncmp(c, "\xe2\x96\x80", 3) == 0)
                    top = true;
                else if (strncmp(c, "\xe2\x96\x84", 3) == 0)
                    bottom = true;
                c += *c == ' ' ? 1 : 3;
                /* light (ink) becomes white, 0 in PBM; dark becomes 1 */
                grid[rows][x] = !top;
                grid[rows + 1][x] = !bottom;
                x++;
            }
            if (x > width)
                width = x;
            rows += 2;
        }
        line = end + 1;
    }
    assert_true(rows > 20 && width > 20);
    const int scale = 4, quiet = 4;
    FILE *f = fopen(pbm, "w");
    int w = (width + 2 * quiet) * scale, h = (rows + 2 * quiet) * scale;
    fprintf(f, "P1\n%d %d\n", w, h);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            int gx = x / scale - quiet, gy = y / scale - quiet;
            int dark =
                gx >= 0 && gy >= 0 && gx < width && gy < rows && grid[gy][gx];
            fputs(dark ? "1 " : "0 ", f);
        }
        fputc('\n', f);
    }
    fclose(f);
    char *cmd = tu_printf("zbarimg --raw -q '%s' 2>/dev/null", pbm);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char text[2048] = "";
    size_t got = fread(text, 1, sizeof(text) - 1, p);
    text[got] = '\0';
    pclose(p);
    text[strcspn(text, "\n")] = '\0';
    free(cmd);
    free(pbm);
    return strdup(text);
}

static void prompt_qr_decodes_to_the_link(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_SUCCESS);
    const char *link = strstr(s.prompt, "\nhttps://") + 1;
    char *expected = strndup(link, strcspn(link, "\n"));
    char *decoded = decode_prompt_qr(s.prompt);
    assert_string_equal(decoded, expected);
    free(decoded);
    free(expected);
    release(&s);
}

static void provider_refusal_is_auth_err(void **state)
{
    (void)state;
    tu_fault("code", "token", "code=40012");
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    assert_non_null(strstr(s.messages, "not authorized"));
    release(&s);
}

static void unreachable_provider_is_authinfo_unavail(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_TEXT, .text = "somecode"};
    assert_int_equal(
        authenticate("alice", "site_url = https://127.0.0.1:1\n", &s),
        PAM_AUTHINFO_UNAVAIL);
    assert_non_null(strstr(s.messages, "unavailable"));
    release(&s);
}

static void stalled_provider_is_authinfo_unavail(void **state)
{
    (void)state;
    tu_fault("stall", "token", NULL);
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", "http_timeout = 2\n", &s),
                     PAM_AUTHINFO_UNAVAIL);
    release(&s);
}

static void garbage_from_provider_is_authinfo_unavail(void **state)
{
    (void)state;
    tu_fault("html", "profile", NULL);
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTHINFO_UNAVAIL);
    release(&s);
}

static void untrusted_certificate_is_authinfo_unavail(void **state)
{
    (void)state;
    char *extra = tu_printf("ca_file = %s\n", tu_env("HB_UNTRUSTED_CA"));
    struct script s = {.kind = ANSWER_TEXT, .text = "somecode"};
    assert_int_equal(authenticate("alice", extra, &s), PAM_AUTHINFO_UNAVAIL);
    free(extra);
    release(&s);
}

static void code_used_twice_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_SAME_CODE, .approver = "alice"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_SUCCESS);
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    assert_non_null(strstr(s.messages, "authorization_code missing or "
                                       "expired"));
    release(&s);
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
    release(&s);
}

static void code_with_control_characters_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_TEXT,
                       .text = "abc\x1b[2J\x07"
                               "def"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    release(&s);
}

static void empty_answer_in_paste_mode_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_TEXT, .text = ""};
    assert_int_equal(authenticate("alice", "mode = paste\n", &s), PAM_AUTH_ERR);
    if (strstr(s.messages, "No code was entered") == NULL)
        fail_msg("messages: %s", s.messages);
    release(&s);
}

static void failing_conversation_is_conv_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_FAIL};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_CONV_ERR);
    release(&s);
}

static void identity_not_in_map_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "al;ice$(id)"};
    assert_int_equal(authenticate("alice", NULL, &s), PAM_AUTH_ERR);
    release(&s);
}

static void identity_mapped_to_another_user_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("bob", NULL, &s), PAM_AUTH_ERR);
    release(&s);
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
    release(&s);
}

static void root_with_someone_elses_entry_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    assert_int_equal(authenticate("root", NULL, &s), PAM_AUTH_ERR);
    release(&s);
}

static void shell_characters_in_username_are_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "al;ice$(id)"};
    assert_int_equal(
        authenticate("alice", "match = username\nsame_name = yes\n", &s),
        PAM_AUTH_ERR);
    release(&s);
}

static void lookalike_username_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "\xd0\xb0lice"};
    assert_int_equal(
        authenticate("alice", "match = username\nsame_name = yes\n", &s),
        PAM_AUTH_ERR);
    release(&s);
}

static void match_username_logs_in(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "carol"};
    assert_int_equal(authenticate("carol", "match = username\n", &s),
                     PAM_SUCCESS);
    release(&s);
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
    release(&s);
}

static void unsafe_config_file_is_service_err(void **state)
{
    (void)state;
    free(tu_conf_at(module_conf(), NULL));
    assert_int_equal(chmod(module_conf(), 0666), 0);
    struct script s = {.kind = ANSWER_TEXT, .text = "x"};
    assert_int_equal(run_service("haobtc", "alice", &s, 0), PAM_SERVICE_ERR);
    assert_int_equal(s.prompts, 0);
    assert_non_null(strstr(s.messages, "not configured correctly"));
    release(&s);
}

static void symlinked_config_is_service_err(void **state)
{
    (void)state;
    free(tu_conf_at(module_conf(), NULL));
    char *link = tu_printf("%s.link", module_conf());
    unlink(link);
    assert_int_equal(symlink(module_conf(), link), 0);
    struct script s = {.kind = ANSWER_TEXT, .text = "x"};
    assert_int_equal(run_service("haobtc-symlink", "alice", &s, 0),
                     PAM_SERVICE_ERR);
    free(link);
    release(&s);
}

static void config_missing_client_id_is_service_err(void **state)
{
    (void)state;
    tu_write(module_conf(), "client_secret = s\n", 0600);
    struct script s = {.kind = ANSWER_TEXT, .text = "x"};
    assert_int_equal(run_service("haobtc", "alice", &s, 0), PAM_SERVICE_ERR);
    release(&s);
}

static void secret_in_module_arguments_is_service_err(void **state)
{
    (void)state;
    free(tu_conf_at(module_conf(), NULL));
    struct script s = {.kind = ANSWER_TEXT, .text = "x"};
    assert_int_equal(run_service("haobtc-secret-arg", "alice", &s, 0),
                     PAM_SERVICE_ERR);
    release(&s);
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

/* SPDX-License-Identifier: BSD-2-Clause */
/* The module with the relay, through the real libpam: Enter after the
 * phone approved, a long poll that ends as the code arrives, a fresh state
 * and session every attempt, the prompt in 80x24, and what happens when the
 * relay is down, the person denies, nobody approves in time, the relay
 * restarts and forgets the login, or someone floods the relay with
 * unsigned requests from the module's address; and
 * the same with no prompt at all (every service but sshd up to 10.2). */
#include "autoconf.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpamtest.h>

#include "bind.h"
#include "challenge.h"
#include "config.h"
#include "http.h"
#include "pamutil.h"
#include "relay_protocol.h"
#include "testutil.h"

/* The relay config: provider MOCK2, whose registered redirect is the
 * relay's callback. */
static char *relay_conf(const char *extra)
{
    return tu_printf("site_url = %s\nrelay_url = %s\nredirect_uri = %s/cb\n"
                     "fleet_key_file = %s\n%s",
                     tu_env("MOCK2_URL"), tu_env("RELAY_URL"),
                     tu_env("RELAY_URL"), tu_env("HB_FLEET_KEY"),
                     extra != NULL ? extra : "");
}

static int login_via(const char *svc, const char *user, const char *extra,
                     struct script *s, int flags)
{
    char *conf = relay_conf(extra);
    free(tu_conf_at(pu_module_conf(), conf));
    free(conf);
    /* su, sudo and login print info messages on their standard output, a
     * terminal; there the module shows no prompt. */
    return pu_run_on_terminal(svc, user, s, flags);
}

/* Through the service sshd, which keeps the prompt (sshd up to 10.2). */
static int login(const char *user, const char *extra, struct script *s)
{
    return login_via("sshd", user, extra, s, 0);
}

/* GET url (POST form when not NULL); the body, and where a redirect
 * points in *location (may be NULL). A failed request fails the test. */
static char *browse(CURL *curl, const char *url, const char *form, long *status,
                    char **location)
{
    char *body = pu_browse(curl, url, form, status, location);
    if (body == NULL)
        fail_msg("request to %s failed", url);
    return body;
}

/* The value of the attribute after marker in page (caller frees). */
static char *attr_after(const char *page, const char *marker, const char *attr)
{
    const char *at = strstr(page, marker);
    assert_non_null(at);
    at = strstr(at, attr);
    assert_non_null(at);
    at += strlen(attr);
    return strndup(at, strcspn(at, "\""));
}

/* The number the terminal's first line showed (number matching), which
 * the phone picks; 0 when it showed none. */
static int shown_number;
/* Picked instead when not 0: a person who picks another number. */
static bool pick_wrong;

static int number_of(const char *prompt)
{
    size_t first = strcspn(prompt, "\n");
    for (size_t i = 0; i + 1 < first; i++)
        if (prompt[i] >= '1' && prompt[i] <= '9' && prompt[i + 1] >= '0' &&
            prompt[i + 1] <= '9' && (i == 0 || prompt[i - 1] == ' '))
            return (prompt[i] - '0') * 10 + (prompt[i + 1] - '0');
    return 0;
}

/* The link a phone scans, and the number the person reads beside it. */
static char *link_of(const char *prompt)
{
    shown_number = number_of(prompt);
    return pu_link(prompt);
}

/* The pick: the shown number, or with pick_wrong another of the page's. */
static int pick_on(const char *page)
{
    const char *at = page;
    while (pick_wrong &&
           (at = strstr(at, "name=\"number\" value=\"")) != NULL) {
        at += strlen("name=\"number\" value=\"");
        int n = atoi(at);
        if (n != shown_number)
            return n;
    }
    return shown_number;
}

/* The phone: opens the short link, presses Continue (a POST that sets the
 * relay's cookie and leads to the provider), approves there as the
 * provider's page would (with the link's state and PKCE challenge), and
 * follows the redirect back to the relay's callback with the cookie.
 * approve false denies; injected (not NULL) is an attacker's code sent to
 * /cb with this login's state and cookie instead of asking the provider. */
static char *phone_act_with(const char *link, const char *user, bool approve,
                            const char *injected)
{
    CURL *curl = curl_easy_init();
    long status = 0;
    char *page = browse(curl, link, NULL, &status, NULL);
    assert_int_equal(status, 200);
    char *action = attr_after(page, "<form method=\"post\"", "action=\"");
    char *csrf = attr_after(page, "name=\"csrf\"", "value=\"");
    /* With number matching, Continue is the pick of a number. */
    char *form = strstr(page, "name=\"number\"") != NULL
                     ? tu_printf("csrf=%s&number=%d", csrf, pick_on(page))
                     : tu_printf("csrf=%s", csrf);
    char *url = NULL;
    char *after = browse(curl, action, form, &status, &url);
    if (pick_wrong) {
        /* The page says so, and the login is over: nothing to approve. */
        assert_int_equal(status, 403);
        assert_non_null(strstr(after, "Number did not match"));
        free(after);
        curl_easy_cleanup(curl);
        free(url);
        free(form);
        free(csrf);
        free(action);
        free(page);
        return NULL;
    }
    free(after);
    assert_int_equal(status, 303);
    assert_non_null(url);
    assert_true(
        strncmp(url, tu_env("MOCK2_URL"), strlen(tu_env("MOCK2_URL"))) == 0);
    char *state = pu_query(url, "state");
    char *challenge = pu_query(url, "code_challenge");
    char *location = NULL;
    if (injected != NULL) {
        location = tu_printf("%s/cb?code=%s&state=%s", tu_env("RELAY_URL"),
                             injected, state);
    } else if (approve) {
        char *approve_form =
            tu_printf("client_id=test-client&username=%s&state=%s"
                      "&code_challenge=%s&code_challenge_method=S256",
                      user, state, challenge);
        char *mock2 = tu_printf("%s/mock/approve", tu_env("MOCK2_URL"));
        char *answer = tu_fetch(mock2, approve_form);
        location = json_member(answer, "location");
        assert_non_null(location);
        /* JSON escapes '/' as "\/" in json-c's default output. */
        for (char *w = location, *r = location;; r++) {
            if (r[0] == '\\' && r[1] == '/')
                r++;
            *w++ = *r;
            if (*r == '\0')
                break;
        }
        free(answer);
        free(mock2);
        free(approve_form);
    } else {
        location = tu_printf("%s/cb?error=access_denied&state=%s",
                             tu_env("RELAY_URL"), state);
    }
    char *done = browse(curl, location, NULL, &status, NULL);
    assert_int_equal(status, 200);
    curl_easy_cleanup(curl);
    free(location);
    free(challenge);
    free(state);
    free(url);
    free(form);
    free(csrf);
    free(action);
    free(page);
    return done;
}

static char *phone_act(const char *link, const char *user, bool approve)
{
    return phone_act_with(link, user, approve, NULL);
}

static void phone_approves_alice(struct script *s, const char *prompt)
{
    (void)s;
    char *link = link_of(prompt);
    free(phone_act(link, "alice", true));
    free(link);
}

/* Approves, then reads the code off the relay's done page for pasting. */
static void phone_shows_code(struct script *s, const char *prompt)
{
    char *link = link_of(prompt);
    char *done = phone_act(link, "alice", true);
    const char *at = strstr(done, "id=\"code\"");
    assert_non_null(at);
    at = strchr(at, '>') + 1;
    free(s->code);
    s->code = strndup(at, strcspn(at, "<"));
    free(done);
    free(link);
}

static void phone_denies(struct script *s, const char *prompt)
{
    (void)s;
    char *link = link_of(prompt);
    free(phone_act(link, "alice", false));
    free(link);
}

struct later {
    char *link;
    pthread_t thread;
};

static void *approve_later(void *arg)
{
    struct later *l = arg;
    sleep(1);
    free(phone_act(l->link, "alice", true));
    return NULL;
}

static struct later pending;
static time_t approval_started;

/* Approves a second after the person pressed Enter, so the module is
 * already waiting in its long poll when the code arrives. */
static void phone_approves_after_enter(struct script *s, const char *prompt)
{
    (void)s;
    pending.link = link_of(prompt);
    approval_started = time(NULL);
    assert_int_equal(
        pthread_create(&pending.thread, NULL, approve_later, &pending), 0);
}

/* /proc/PID/status of this process's haobtc-helper, while a login runs. */
static char helper_status[4096];

static void read_helper_status(void)
{
    char want_ppid[32];
    snprintf(want_ppid, sizeof(want_ppid), "\nPPid:\t%ld\n", (long)getpid());
    helper_status[0] = '\0';
    DIR *proc = opendir("/proc");
    assert_non_null(proc);
    const struct dirent *d;
    while ((d = readdir(proc)) != NULL) {
        if (d->d_name[0] < '0' || d->d_name[0] > '9')
            continue;
        char *path = tu_printf("/proc/%s/status", d->d_name);
        FILE *f = fopen(path, "r");
        free(path);
        if (f == NULL)
            continue;
        char text[sizeof(helper_status)];
        size_t n = fread(text, 1, sizeof(text) - 1, f);
        fclose(f);
        text[n] = '\0';
        if (strncmp(text, "Name:\thaobtc-helper\n", 20) == 0 &&
            strstr(text, want_ppid) != NULL)
            memcpy(helper_status, text, n + 1);
    }
    closedir(proc);
}

static void phone_approves_after_reading_the_helper(struct script *s,
                                                    const char *prompt)
{
    read_helper_status();
    phone_approves_alice(s, prompt);
}

/* The seccomp filter kills the helper with SIGSYS: the login is a
 * failure, never "unavailable" (a stack may fall back on that). */
static void phone_sees_the_helper_killed(struct script *s, const char *prompt)
{
    (void)s, (void)prompt;
    read_helper_status();
    const char *at = strstr(helper_status, "\nPid:\t");
    assert_non_null(at);
    assert_int_equal(kill((pid_t)atol(at + 6), SIGSYS), 0);
}

static void helper_killed_by_sigsys_is_auth_err_not_unavail(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER,
                       .phone = phone_sees_the_helper_killed};
    assert_int_equal(login("alice", NULL, &s), PAM_AUTH_ERR);
    pu_release(&s);
}

/* The helper waits on the relay as its own user (the machine's passwd,
 * where the helper looks; this test's lookups go through nss_wrapper),
 * with no groups, no new privileges and its seccomp filter. */
static void helper_waits_as_its_user_with_no_new_privs_and_seccomp(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    FILE *f = fopen("/etc/passwd", "r");
    assert_non_null(f);
    const struct passwd *pw;
    char *uid = NULL, *gid = NULL;
    while ((pw = fgetpwent(f)) != NULL)
        if (strcmp(pw->pw_name, HB_HELPER_USER) == 0) {
            unsigned u = pw->pw_uid, g = pw->pw_gid;
            uid = tu_printf("\nUid:\t%u\t%u\t%u\t%u\n", u, u, u, u);
            gid = tu_printf("\nGid:\t%u\t%u\t%u\t%u\n", g, g, g, g);
        }
    fclose(f);
    assert_non_null(uid);
    struct script s = {.kind = ANSWER_ENTER,
                       .phone = phone_approves_after_reading_the_helper};
    assert_int_equal(login("alice", NULL, &s), PAM_SUCCESS);
    assert_non_null(strstr(helper_status, "Name:\thaobtc-helper\n"));
    assert_non_null(strstr(helper_status, uid));
    assert_non_null(strstr(helper_status, gid));
    /* The kernel ends the list with a space: empty, it is just that. */
    assert_non_null(strstr(helper_status, "\nGroups:\t \n"));
    assert_non_null(strstr(helper_status, "\nNoNewPrivs:\t1\n"));
    assert_non_null(strstr(helper_status, "\nSeccomp:\t2\n"));
    free(uid);
    free(gid);
    pu_release(&s);
}

static void enter_after_approval_logs_in(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    assert_int_equal(login("alice", NULL, &s), PAM_SUCCESS);
    assert_int_equal(s.prompts, 1);
    char *link = pu_link(s.first_prompt);
    char *prefix = tu_printf("%s/s/", tu_env("RELAY_URL"));
    assert_true(strncmp(link, prefix, strlen(prefix)) == 0);
    assert_non_null(strstr(s.first_prompt, "press Enter (or paste the code)"));
    free(prefix);
    free(link);
    pu_release(&s);
}

static void long_poll_returns_as_the_code_arrives(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER,
                       .phone = phone_approves_after_enter};
    assert_int_equal(login("alice", NULL, &s), PAM_SUCCESS);
    time_t took = time(NULL) - approval_started;
    pthread_join(pending.thread, NULL);
    free(pending.link);
    assert_int_equal(s.prompts, 1);
    assert_true(took <= 3);
    pu_release(&s);
}

static void prompt_with_relay_fits_80x24_and_qr_is_the_short_link(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    assert_int_equal(login("alice", NULL, &s), PAM_SUCCESS);
    int lines = 1;
    size_t width = 0;
    for (const char *c = s.first_prompt; *c != '\0'; c++) {
        if (*c == '\n') {
            lines++;
            width = 0;
        } else if (((unsigned char)*c & 0xc0) != 0x80) {
            width++;
            assert_true(width <= 80);
        }
    }
    assert_true(lines <= 24);
    char *link = pu_link(s.first_prompt);
    char *decoded = pu_decode_qr(s.first_prompt, "both");
    assert_string_equal(decoded, link);
    free(decoded);
    free(link);
    pu_release(&s);
}

static void every_attempt_gets_a_fresh_state_and_session(void **state)
{
    (void)state;
    struct script a = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    struct script b = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    assert_int_equal(login("alice", NULL, &a), PAM_SUCCESS);
    assert_int_equal(login("alice", NULL, &b), PAM_SUCCESS);
    char *la = pu_link(a.first_prompt), *lb = pu_link(b.first_prompt);
    assert_string_not_equal(la, lb);
    free(la);
    free(lb);
    pu_release(&a);
    pu_release(&b);
}

static void pasted_code_still_works_with_a_relay(void **state)
{
    (void)state;
    /* The person pastes "CODE:TAG" from the relay's done page instead of
     * pressing Enter. */
    struct script s = {.kind = ANSWER_SAME_CODE, .phone = phone_shows_code};
    assert_int_equal(login("alice", NULL, &s), PAM_SUCCESS);
    assert_int_equal(s.prompts, 1);
    pu_release(&s);
}

/* A challenge through the library, as the helper starts one. */
struct attempt {
    struct hb_config cfg;
    struct hb_http http;
    struct hb_challenge ch;
};

static void attempt_start(struct attempt *a, const char *extra)
{
    struct hb_error err = {0};
    char *conf = relay_conf(extra);
    free(tu_conf_at(pu_module_conf(), conf));
    free(conf);
    char *arg = tu_printf("conf=%s", pu_module_conf());
    const char *argv[] = {arg};
    assert_int_equal(hb_config_load(1, argv, &a->cfg, &err), HB_OK);
    free(arg);
    assert_int_equal(hb_http_open(&a->http, &a->cfg, time(NULL) + 60, &err),
                     HB_OK);
    assert_int_equal(hb_challenge_start(&a->http, "alice", "203.0.113.7", NULL,
                                        &a->ch, &err),
                     HB_OK);
    assert_true(a->ch.can_poll);
}

static void attempt_end(struct attempt *a)
{
    hb_challenge_free(&a->ch);
    hb_http_close(&a->http);
    hb_config_free(&a->cfg);
}

/* The phone approves the attempt's link; the done page's pasteable text. */
static char *approved_answer(const struct attempt *a)
{
    /* The number the helper would have handed the terminal. */
    shown_number = a->ch.number;
    char *done = phone_act(a->ch.link, "alice", true);
    const char *at = strstr(done, "id=\"code\"");
    assert_non_null(at);
    at = strchr(at, '>') + 1;
    char *answer = strndup(at, strcspn(at, "<"));
    free(done);
    return answer;
}

static void pasted_code_with_its_tag_unbinds_to_the_code(void **state)
{
    (void)state;
    struct attempt a = {0};
    struct hb_error err = {0};
    attempt_start(&a, NULL);
    char *answer = approved_answer(&a);
    char *pasted = tu_printf("  %s \n", answer);
    char *code = NULL;
    assert_int_equal(hb_answer_unbind(pasted, &a.ch, &code, &err), HB_OK);
    assert_non_null(code);
    assert_int_equal(strlen(code) + 1 + HB_TAG_LEN, strlen(answer));
    assert_int_equal(strncmp(answer, code, strlen(code)), 0);
    assert_int_equal(answer[strlen(code)], ':');
    free(code);
    free(pasted);
    free(answer);
    attempt_end(&a);
}

/* The takeover's second step: a code approved through another attempt's
 * link (the attacker's own session) is refused here, before anything is
 * sent to haobtc; so are a bare code and a made-up tag. */
static void code_from_another_session_is_refused_when_pasted(void **state)
{
    (void)state;
    struct attempt attacker = {0}, victim = {0};
    struct hb_error err = {0};
    attempt_start(&attacker, NULL);
    attempt_start(&victim, NULL);
    char *answer = approved_answer(&attacker);
    char *code = NULL;
    char *pasted = strdup(answer);
    assert_int_equal(hb_answer_unbind(pasted, &victim.ch, &code, &err),
                     HB_ERR_INPUT);
    assert_null(code);
    assert_non_null(strstr(err.msg, "approved for another login attempt"));
    free(pasted);
    pasted = strndup(answer, strcspn(answer, ":"));
    assert_int_equal(hb_answer_unbind(pasted, &victim.ch, &code, &err),
                     HB_ERR_INPUT);
    assert_non_null(strstr(err.msg, "a bare code is not accepted"));
    free(pasted);
    pasted = tu_printf("%.*s:AAAAAAAA", (int)strcspn(answer, ":"), answer);
    assert_int_equal(hb_answer_unbind(pasted, &attacker.ch, &code, &err),
                     HB_ERR_INPUT);
    free(pasted);
    /* The attacker's own attempt takes it, so the tag was the only
     * difference. */
    pasted = strdup(answer);
    assert_int_equal(hb_answer_unbind(pasted, &attacker.ch, &code, &err),
                     HB_OK);
    free(code);
    free(pasted);
    free(answer);
    attempt_end(&attacker);
    attempt_end(&victim);
}

/* The takeover from the audit, through the real module: a code approved
 * for another attempt (the attacker's), pasted at alice's prompt. */
static char attackers_answer[512];

static void phone_shows_attackers_code(struct script *s, const char *prompt)
{
    (void)prompt;
    s->text = attackers_answer;
}

static void attackers_code_pasted_at_another_login_is_auth_err(void **state)
{
    (void)state;
    struct attempt attacker = {0};
    attempt_start(&attacker, NULL);
    char *answer = approved_answer(&attacker);
    snprintf(attackers_answer, sizeof(attackers_answer), "%s", answer);
    free(answer);
    struct script s = {.kind = ANSWER_TEXT,
                       .phone = phone_shows_attackers_code};
    assert_int_equal(login("alice", NULL, &s), PAM_AUTH_ERR);
    if (strstr(s.messages, "approved for another login attempt") == NULL)
        fail_msg("messages: %s", s.messages);
    pu_release(&s);
    attempt_end(&attacker);
}

/* Unsigned registrations to the relay from this address, the module's,
 * until it answers 429 (at most 400): the last status. */
static long flood_unsigned_registrations(void)
{
    char *url = tu_printf("%s" HB_RELAY_PATH_SESSIONS, tu_env("RELAY_URL"));
    long status = 0;
    for (int i = 0; i < 400 && status != 429; i++) {
        CURL *curl = curl_easy_init();
        assert_non_null(curl);
        free(browse(curl, url, "host=web01&user=alice", &status, NULL));
        curl_easy_cleanup(curl);
    }
    free(url);
    return status;
}

static void
unsigned_flood_from_the_modules_address_leaves_its_login(void **state)
{
    (void)state;
    assert_int_equal(flood_unsigned_registrations(), 429);
    struct script s = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    assert_int_equal(login("alice", NULL, &s), PAM_SUCCESS);
    assert_int_equal(s.prompts, 1);
    pu_release(&s);
}

#define MISMATCH "token: PKCE: code_verifier does not match"

/* The injection at /cb (issue 22): someone holding an unused code approved
 * for alice through another authorize request (another attempt's PKCE
 * challenge) opens alice's link, presses Continue (getting the cookie)
 * and sends the code to /cb with this login's state. The relay takes it;
 * haobtc refuses it, because this attempt's verifier is not the one the
 * code was issued for. */
static char injected_code[512];

static void phone_injects_attackers_code(struct script *s, const char *prompt)
{
    (void)s;
    char *link = link_of(prompt);
    char *done = phone_act_with(link, "alice", true, injected_code);
    assert_non_null(strstr(done, "Login approved"));
    free(done);
    free(link);
}

static void code_injected_at_cb_is_auth_err_at_the_token_exchange(void **state)
{
    (void)state;
    struct attempt attacker = {0};
    attempt_start(&attacker, NULL);
    char *answer = approved_answer(&attacker);
    snprintf(injected_code, sizeof(injected_code), "%.*s",
             (int)strcspn(answer, ":"), answer);
    free(answer);
    attempt_end(&attacker);
    char *log = tu_printf("%s/relay/mock.log", tu_env("HB_TEST_DIR"));
    int before = tu_lines_with(log, MISMATCH);
    struct script s = {.kind = ANSWER_ENTER,
                       .phone = phone_injects_attackers_code};
    assert_int_equal(login("alice", NULL, &s), PAM_AUTH_ERR);
    assert_int_equal(tu_lines_with(log, MISMATCH), before + 1);
    free(log);
    pu_release(&s);
}

/* Number matching (issue 27): the terminal's first line shows the number
 * the relay drew; the phone that picks it logs in. */
static void number_is_the_first_line_and_the_right_pick_logs_in(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    assert_int_equal(login("alice", NULL, &s), PAM_SUCCESS);
    int n = number_of(s.first_prompt);
    assert_true(n >= 10 && n <= 99);
    char *want = tu_printf("Your number is %d: pick it on your phone.\n"
                           "Sign in with haobtc to log in as alice on ",
                           n);
    assert_true(strncmp(s.first_prompt, want, strlen(want)) == 0);
    free(want);
    pu_release(&s);
}

/* A wrong pick ends the login at the relay: the poll answers "number
 * mismatch", the person reads why, the log says so. */
static void
wrong_pick_is_auth_err_and_says_the_number_did_not_match(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    char *conf = relay_conf(NULL);
    free(tu_conf_at(pu_module_conf(), conf));
    free(conf);
    char *log = NULL;
    pick_wrong = true;
    int rc = pu_run_logged("alice", NULL, &s, &log);
    pick_wrong = false;
    assert_int_equal(rc, PAM_AUTH_ERR);
    assert_non_null(strstr(s.messages, "The number picked on the phone did "
                                       "not match the one shown here, so "
                                       "this sign-in was refused; start "
                                       "again."));
    assert_non_null(strstr(log, "failed: number mismatch"));
    free(log);
    pu_release(&s);
}

/* number_match = no: no number at the terminal, and the relay asks the
 * phone for none (the phone's plain Continue goes through). */
static void number_match_no_shows_no_number_and_the_page_asks_none(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    assert_int_equal(login("alice", "number_match = no\n", &s), PAM_SUCCESS);
    assert_int_equal(number_of(s.first_prompt), 0);
    assert_null(strstr(s.first_prompt, "Your number is"));
    assert_true(strncmp(s.first_prompt, "Sign in with haobtc", 19) == 0);
    pu_release(&s);
}

static void denial_on_the_phone_is_auth_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER, .phone = phone_denies};
    assert_int_equal(login("alice", NULL, &s), PAM_AUTH_ERR);
    assert_non_null(strstr(s.messages, "denied on the haobtc page"));
    pu_release(&s);
}

static void unreachable_relay_in_auto_mode_falls_back_to_paste(void **state)
{
    (void)state;
    /* MOCK_URL's registered redirect is https://127.0.0.1/cb. */
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    char *conf = tu_printf("relay_url = https://127.0.0.1:1\n"
                           "redirect_uri = https://127.0.0.1/cb\n"
                           "fleet_key_file = %s\n",
                           tu_env("HB_FLEET_KEY"));
    assert_int_equal(pu_authenticate("alice", conf, &s, 0), PAM_SUCCESS);
    free(conf);
    assert_non_null(strstr(s.first_prompt, "paste the code shown"));
    assert_non_null(strstr(s.first_prompt, "/auth/oauth/authorize/"));
    pu_release(&s);
}

static void unreachable_relay_in_poll_mode_is_authinfo_unavail(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER};
    char *conf = tu_printf("relay_url = https://127.0.0.1:1\n"
                           "mode = poll\nfleet_key_file = %s\n",
                           tu_env("HB_FLEET_KEY"));
    assert_int_equal(pu_authenticate("alice", conf, &s, 0),
                     PAM_AUTHINFO_UNAVAIL);
    free(conf);
    assert_int_equal(s.prompts, 0);
    pu_release(&s);
}

static void
unreachable_relay_that_is_the_redirect_is_authinfo_unavail(void **state)
{
    (void)state;
    /* haobtc would send the phone to the dead relay's /cb: a paste prompt
     * could lead nowhere, so auto mode gives up for the stack to decide. */
    struct script s = {.kind = ANSWER_ENTER};
    char *conf = tu_printf("relay_url = https://127.0.0.1:1\n"
                           "redirect_uri = https://127.0.0.1:1/cb\n"
                           "fleet_key_file = %s\n",
                           tu_env("HB_FLEET_KEY"));
    assert_int_equal(pu_authenticate("alice", conf, &s, 0),
                     PAM_AUTHINFO_UNAVAIL);
    free(conf);
    assert_int_equal(s.prompts, 0);
    pu_release(&s);
}

static void nobody_approving_ends_at_the_login_deadline(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER};
    time_t start = time(NULL);
    assert_int_equal(login("alice", "timeout = 6\nhttp_timeout = 2\n", &s),
                     PAM_AUTH_ERR);
    time_t took = time(NULL) - start;
    assert_true(took >= 3 && took <= 8);
    /* No last prompt that could only end in "timed out". */
    assert_int_equal(s.prompts, 1);
    assert_non_null(strstr(s.messages, "No approval arrived in time."));
    pu_release(&s);
}

/* A relay of this test's own, keeping its logins in memory, on port: the
 * suite's relay cannot be restarted under a login. Its log is dir's. */
static pid_t own_relay_start(const char *dir, int port)
{
    char *port_file = tu_printf("%s/relay.port", dir);
    char *log = tu_printf("%s/relay.log", dir);
    char *bin = tu_printf("%s/tools/relay/haobtc-relay", tu_env("HB_BUILD"));
    char *port_arg = tu_printf("%d", port);
    char *public_url = tu_printf("https://127.0.0.1:%d", port);
    char *cert = tu_printf("%s/server.pem", tu_env("HB_PKI"));
    char *key = tu_printf("%s/server-key.pem", tu_env("HB_PKI"));
    char *authorize = tu_printf("https://127.0.0.1:%s/auth/oauth/authorize/",
                                tu_env("MOCK2_PORT"));
    unlink(port_file);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
            _exit(127);
        /* pam_wrapper is for the module, not for the relay. */
        unsetenv("LD_PRELOAD");
        execl(bin, bin, "--port", port_arg, "--port-file", port_file, "--cert",
              cert, "--key", key, "--public-url", public_url,
              "--fleet-key-file", tu_env("HB_FLEET_KEY"), "--client-id",
              "test-client", "--authorize-url", authorize, "--rate", "1000",
              "--burst", "1000", "--module-rate", "1000", "--module-burst",
              "10000", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && access(port_file, F_OK) != 0; i++) {
        struct timespec step = {0, 100 * 1000 * 1000};
        nanosleep(&step, NULL);
    }
    assert_int_equal(access(port_file, F_OK), 0);
    free(authorize);
    free(key);
    free(cert);
    free(public_url);
    free(port_arg);
    free(bin);
    free(log);
    free(port_file);
    return pid;
}

static void own_relay_stop(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static struct {
    char dir[4096];
    int port;
    pid_t pid;
    pthread_t thread;
} restarting;

/* A second after the prompt (the module waits in its long poll), the
 * relay restarts: a new process with none of the old one's logins. */
static void *restart_later(void *arg)
{
    (void)arg;
    sleep(1);
    own_relay_stop(restarting.pid);
    restarting.pid = own_relay_start(restarting.dir, restarting.port);
    return NULL;
}

static void phone_sees_the_relay_restart(struct script *s, const char *prompt)
{
    (void)s, (void)prompt;
    assert_int_equal(
        pthread_create(&restarting.thread, NULL, restart_later, NULL), 0);
}

static void relay_that_lost_the_login_says_so_at_once(void **state)
{
    (void)state;
    snprintf(restarting.dir, sizeof(restarting.dir), "%s", tu_dir());
    restarting.port = free_port();
    restarting.pid = own_relay_start(restarting.dir, restarting.port);
    struct script s = {.kind = ANSWER_ENTER,
                       .phone = phone_sees_the_relay_restart};
    char *conf = tu_printf("site_url = %s\nrelay_url = https://127.0.0.1:%d\n"
                           "redirect_uri = https://127.0.0.1:%d/cb\n"
                           "fleet_key_file = %s\ntimeout = 40\n",
                           tu_env("MOCK2_URL"), restarting.port,
                           restarting.port, tu_env("HB_FLEET_KEY"));
    free(tu_conf_at(pu_module_conf(), conf));
    free(conf);
    time_t start = time(NULL);
    int rc = pu_run("sshd", "alice", &s, 0);
    time_t took = time(NULL) - start;
    pthread_join(restarting.thread, NULL);
    own_relay_stop(restarting.pid);
    assert_int_equal(rc, PAM_AUTH_ERR);
    /* The restart (503 "shutting down", then the new relay's "unknown"
     * after a retry), not the 40 s deadline. */
    assert_true(took <= 8);
    assert_int_equal(s.prompts, 1);
    assert_non_null(strstr(s.messages, "The relay lost this sign-in (it may "
                                       "have restarted); start again.\n"));
    assert_null(strstr(s.messages, "No approval arrived in time."));
    pu_release(&s);
}

static void conversation_failing_with_a_relay_is_conv_err(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER, .fail_on_prompt = 1};
    assert_int_equal(login("alice", NULL, &s), PAM_CONV_ERR);
    pu_release(&s);
}

/* --- No prompt: su, sudo, login (any service but sshd) see the link and
 * the QR as info messages and the login proceeds when the phone approves. */

static bool is_ascii(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* The QR message has no last newline; the decoder reads whole lines. */
static char *decode_qr_message(const char *qr)
{
    char *lines = tu_printf("%s\n", qr);
    char *decoded = pu_decode_qr(lines, "both");
    free(lines);
    return decoded;
}

static void no_prompt_shows_link_then_qr_and_logs_in_on_approval(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER,
                       .phone = phone_approves_alice,
                       .phone_on_info = 2};
    assert_int_equal(login_via("haobtc", "alice", NULL, &s, 0), PAM_SUCCESS);
    assert_int_equal(s.prompts, 0);
    assert_int_equal(s.infos, 2);
    /* First: one short ASCII message with the sentence, the link, a hint. */
    assert_true(is_ascii(s.info[0]));
    assert_true(strlen(s.info[0]) < 1024);
    /* The number to pick first (number matching), then the sentence. */
    int n = number_of(s.info[0]);
    char *first = tu_printf("Your number is %d: pick it on your phone.\n"
                            "Sign in with haobtc to log in as alice on ",
                            n);
    assert_true(n >= 10 && n <= 99);
    assert_true(strncmp(s.info[0], first, strlen(first)) == 0);
    free(first);
    char *link = pu_link(s.info[0]);
    char *prefix = tu_printf("%s/s/", tu_env("RELAY_URL"));
    assert_true(strncmp(link, prefix, strlen(prefix)) == 0);
    assert_non_null(strstr(s.info[0], "the login goes on by itself"));
    assert_null(strstr(s.info[0], "press Enter"));
    /* Second: the QR code of that link, and nothing else. */
    assert_null(strstr(s.info[1], "https://"));
    char *decoded = decode_qr_message(s.info[1]);
    assert_string_equal(decoded, link);
    free(decoded);
    free(prefix);
    free(link);
    pu_release(&s);
}

static void no_prompt_login_proceeds_as_the_phone_approves(void **state)
{
    (void)state;
    /* The phone approves a second after the messages, while the module is
     * already waiting on the relay with nothing shown to answer. */
    struct script s = {.kind = ANSWER_ENTER,
                       .phone = phone_approves_after_enter,
                       .phone_on_info = 2};
    assert_int_equal(login_via("haobtc", "alice", NULL, &s, 0), PAM_SUCCESS);
    time_t took = time(NULL) - approval_started;
    pthread_join(pending.thread, NULL);
    free(pending.link);
    assert_int_equal(s.prompts, 0);
    assert_true(took <= 3);
    pu_release(&s);
}

static void no_prompt_messages_show_under_pam_silent(void **state)
{
    (void)state;
    /* sudo passes PAM_SILENT; without the messages no one could log in. */
    struct script s = {.kind = ANSWER_ENTER,
                       .phone = phone_approves_alice,
                       .phone_on_info = 2};
    assert_int_equal(login_via("haobtc", "alice", NULL, &s, PAM_SILENT),
                     PAM_SUCCESS);
    assert_int_equal(s.prompts, 0);
    assert_int_equal(s.infos, 2);
    pu_release(&s);
}

static void no_prompt_nobody_approving_is_auth_err_at_the_deadline(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER};
    time_t start = time(NULL);
    assert_int_equal(
        login_via("haobtc", "alice", "timeout = 6\nhttp_timeout = 2\n", &s, 0),
        PAM_AUTH_ERR);
    time_t took = time(NULL) - start;
    assert_true(took >= 3 && took <= 8);
    assert_int_equal(s.prompts, 0);
    assert_int_equal(s.infos, 2);
    assert_non_null(strstr(s.messages, "No approval arrived in time."));
    pu_release(&s);
}

static void no_prompt_denial_on_the_phone_is_auth_err(void **state)
{
    (void)state;
    struct script s = {
        .kind = ANSWER_ENTER, .phone = phone_denies, .phone_on_info = 2};
    assert_int_equal(login_via("haobtc", "alice", NULL, &s, 0), PAM_AUTH_ERR);
    assert_int_equal(s.prompts, 0);
    assert_non_null(strstr(s.messages, "denied on the haobtc page"));
    pu_release(&s);
}

static void no_prompt_conversation_failing_is_conv_err(void **state)
{
    (void)state;
    for (int at = 1; at <= 2; at++) {
        struct script s = {.kind = ANSWER_ENTER, .fail_on_info = at};
        time_t start = time(NULL);
        assert_int_equal(login_via("haobtc", "alice", NULL, &s, 0),
                         PAM_CONV_ERR);
        /* No wait on the relay for a person who cannot be told: only
         * libpam's 2 s failure delay, far from the 110 s deadline. */
        assert_true(time(NULL) - start <= 5);
        assert_int_equal(s.prompts, 0);
        pu_release(&s);
    }
}

static void no_prompt_relay_down_falls_back_to_the_paste_prompt(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    char *conf = tu_printf("relay_url = https://127.0.0.1:1\n"
                           "redirect_uri = https://127.0.0.1/cb\n"
                           "prompt = never\nfleet_key_file = %s\n",
                           tu_env("HB_FLEET_KEY"));
    assert_int_equal(pu_authenticate("alice", conf, &s, 0), PAM_SUCCESS);
    free(conf);
    assert_int_equal(s.prompts, 1);
    assert_int_equal(s.infos, 0);
    assert_non_null(strstr(s.first_prompt, "paste the code shown"));
    pu_release(&s);
}

static void sshd_keeps_the_prompt_unless_told_it_is_10_3(void **state)
{
    (void)state;
    struct script a = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    assert_int_equal(login_via("sshd", "alice", NULL, &a, 0), PAM_SUCCESS);
    assert_int_equal(a.prompts, 1);
    assert_int_equal(a.infos, 0);
    pu_release(&a);

    struct script b = {.kind = ANSWER_ENTER,
                       .phone = phone_approves_alice,
                       .phone_on_info = 2};
    assert_int_equal(
        login_via("sshd", "alice", "sshd_instant_info = yes\n", &b, 0),
        PAM_SUCCESS);
    assert_int_equal(b.prompts, 0);
    assert_int_equal(b.infos, 2);
    pu_release(&b);

    struct script c = {.kind = ANSWER_ENTER,
                       .phone = phone_approves_alice,
                       .phone_on_info = 2};
    assert_int_equal(login_via("sshd", "alice", "prompt = never\n", &c, 0),
                     PAM_SUCCESS);
    assert_int_equal(c.prompts, 0);
    pu_release(&c);
}

static void prompt_always_keeps_the_prompt_for_local_services(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    assert_int_equal(login_via("haobtc", "alice", "prompt = always\n", &s, 0),
                     PAM_SUCCESS);
    assert_int_equal(s.prompts, 1);
    assert_int_equal(s.infos, 0);
    assert_non_null(strstr(s.first_prompt, "press Enter"));
    pu_release(&s);
}

static void output_not_on_a_terminal_keeps_the_prompt(void **state)
{
    (void)state;
    /* "su -c cmd >file": info messages would go into the file. */
    struct script s = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    char *conf = relay_conf(NULL);
    free(tu_conf_at(pu_module_conf(), conf));
    free(conf);
    assert_int_equal(pu_run("haobtc", "alice", &s, 0), PAM_SUCCESS);
    assert_int_equal(s.prompts, 1);
    assert_int_equal(s.infos, 0);
    pu_release(&s);
}

/* "haobtc or password" (the service haobtc-or-password: the module with
 * or_password, then pam_wrapper's pam_get_items, which succeeds and puts
 * the PAM_AUTHTOK it finds into the PAM environment). Returns the PAM
 * value; *env gets the value of name there (NULL when unset). */
static int or_password_login(struct script *s, const char *name, char **env)
{
    char *conf = relay_conf(NULL);
    free(tu_conf_at(pu_module_conf(), conf));
    free(conf);
    struct pam_testcase tests[] = {
        pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS),
        pam_test(PAMTEST_GETENVLIST, PAM_SUCCESS),
    };
    enum pamtest_err perr = _pamtest_conv("haobtc-or-password", "alice",
                                          pu_converse, s, tests, 2, NULL);
    assert_int_equal(perr, PAMTEST_ERR_OK);
    *env = NULL;
    size_t n = strlen(name);
    for (char **e = tests[1].case_out.envlist; e != NULL && *e != NULL; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            *env = strdup(*e + n + 1);
    pamtest_free_env(tests[1].case_out.envlist);
    return tests[0].op_rv;
}

static void or_password_typed_password_goes_to_the_next_module(void **state)
{
    (void)state;
    /* Nobody approves: the person types a password at haobtc's prompt,
     * which does not echo it, and the next module gets it as
     * PAM_AUTHTOK, so it is not asked twice. */
    struct script s = {.kind = ANSWER_TEXT, .text = "hunter2-typed-at-haobtc"};
    char *authtok = NULL;
    assert_int_equal(or_password_login(&s, "PAM_AUTHTOK", &authtok),
                     PAM_SUCCESS);
    assert_non_null(authtok);
    assert_string_equal(authtok, "hunter2-typed-at-haobtc");
    assert_int_equal(s.prompts, 1);
    assert_int_equal(s.hidden_prompts, 1);
    assert_non_null(strstr(s.first_prompt, "or type your password"));
    /* Nothing failed that the person must read about. */
    assert_null(strstr(s.messages, "haobtc"));
    free(authtok);
    pu_release(&s);
}

static void or_password_enter_alone_goes_on_waiting_for_the_phone(void **state)
{
    (void)state;
    struct script s = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    char *uuid = NULL;
    assert_int_equal(or_password_login(&s, "HAOBTC_UUID", &uuid), PAM_SUCCESS);
    assert_non_null(uuid);
    assert_int_equal(s.prompts, 1);
    free(uuid);
    char *authtok = NULL;
    struct script again = {.kind = ANSWER_ENTER, .phone = phone_approves_alice};
    assert_int_equal(or_password_login(&again, "PAM_AUTHTOK", &authtok),
                     PAM_SUCCESS);
    /* haobtc succeeded ([success=done]): the password module never ran. */
    assert_null(authtok);
    pu_release(&s);
    pu_release(&again);
}

static void or_password_pasted_code_still_logs_in(void **state)
{
    (void)state;
    /* CODE:TAG from the relay's done page, pasted at the hidden prompt. */
    struct script s = {.kind = ANSWER_SAME_CODE, .phone = phone_shows_code};
    char *uuid = NULL;
    assert_int_equal(or_password_login(&s, "HAOBTC_UUID", &uuid), PAM_SUCCESS);
    assert_non_null(uuid);
    free(uuid);
    pu_release(&s);
}

static void or_password_a_code_of_another_attempt_hands_on_nothing(void **state)
{
    (void)state;
    /* Shaped like CODE:TAG, so taken as a code, refused by its tag: the
     * helper sent nothing to haobtc, and nothing is handed on. */
    struct script s = {.kind = ANSWER_TEXT, .text = "abcdef:ABCDEFGH"};
    char *authtok = NULL;
    assert_int_equal(or_password_login(&s, "PAM_AUTHTOK", &authtok),
                     PAM_SUCCESS);
    assert_null(authtok);
    pu_release(&s);
}

static void without_or_password_typed_text_is_not_handed_on(void **state)
{
    (void)state;
    /* "haobtc only": the prompt echoes (a pasted code shows), and text that
     * is not a code ends the login refused, handing nothing on. */
    struct script s = {.kind = ANSWER_TEXT, .text = "not a code"};
    char *conf = relay_conf(NULL);
    free(tu_conf_at(pu_module_conf(), conf));
    free(conf);
    assert_int_equal(pu_run("sshd", "alice", &s, 0), PAM_AUTH_ERR);
    assert_int_equal(s.hidden_prompts, 0);
    assert_null(strstr(s.first_prompt, "password"));
    pu_release(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(enter_after_approval_logs_in),
        cmocka_unit_test(or_password_typed_password_goes_to_the_next_module),
        cmocka_unit_test(or_password_enter_alone_goes_on_waiting_for_the_phone),
        cmocka_unit_test(or_password_pasted_code_still_logs_in),
        cmocka_unit_test(
            or_password_a_code_of_another_attempt_hands_on_nothing),
        cmocka_unit_test(without_or_password_typed_text_is_not_handed_on),
        cmocka_unit_test(
            helper_waits_as_its_user_with_no_new_privs_and_seccomp),
        cmocka_unit_test(helper_killed_by_sigsys_is_auth_err_not_unavail),
        cmocka_unit_test(long_poll_returns_as_the_code_arrives),
        cmocka_unit_test(prompt_with_relay_fits_80x24_and_qr_is_the_short_link),
        cmocka_unit_test(every_attempt_gets_a_fresh_state_and_session),
        cmocka_unit_test(pasted_code_still_works_with_a_relay),
        cmocka_unit_test(attackers_code_pasted_at_another_login_is_auth_err),
        cmocka_unit_test(
            unsigned_flood_from_the_modules_address_leaves_its_login),
        cmocka_unit_test(code_injected_at_cb_is_auth_err_at_the_token_exchange),
        cmocka_unit_test(number_is_the_first_line_and_the_right_pick_logs_in),
        cmocka_unit_test(
            wrong_pick_is_auth_err_and_says_the_number_did_not_match),
        cmocka_unit_test(
            number_match_no_shows_no_number_and_the_page_asks_none),
        cmocka_unit_test(denial_on_the_phone_is_auth_err),
        cmocka_unit_test(unreachable_relay_in_auto_mode_falls_back_to_paste),
        cmocka_unit_test(unreachable_relay_in_poll_mode_is_authinfo_unavail),
        cmocka_unit_test(
            unreachable_relay_that_is_the_redirect_is_authinfo_unavail),
        cmocka_unit_test(pasted_code_with_its_tag_unbinds_to_the_code),
        cmocka_unit_test(code_from_another_session_is_refused_when_pasted),
        cmocka_unit_test(nobody_approving_ends_at_the_login_deadline),
        cmocka_unit_test(relay_that_lost_the_login_says_so_at_once),
        cmocka_unit_test(conversation_failing_with_a_relay_is_conv_err),
        cmocka_unit_test(no_prompt_shows_link_then_qr_and_logs_in_on_approval),
        cmocka_unit_test(no_prompt_login_proceeds_as_the_phone_approves),
        cmocka_unit_test(no_prompt_messages_show_under_pam_silent),
        cmocka_unit_test(
            no_prompt_nobody_approving_is_auth_err_at_the_deadline),
        cmocka_unit_test(no_prompt_denial_on_the_phone_is_auth_err),
        cmocka_unit_test(no_prompt_conversation_failing_is_conv_err),
        cmocka_unit_test(no_prompt_relay_down_falls_back_to_the_paste_prompt),
        cmocka_unit_test(sshd_keeps_the_prompt_unless_told_it_is_10_3),
        cmocka_unit_test(prompt_always_keeps_the_prompt_for_local_services),
        cmocka_unit_test(output_not_on_a_terminal_keeps_the_prompt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* reuse_for_key through the real libpam (pam_wrapper) against the mock
 * provider, with the key in the PAM environment as sshd puts it there:
 * the second login with the same key needs no phone and is logged; another
 * key, another service, the process environment, a changed map line, the
 * end of the window, another boot and an unsafe store all ask the phone. */
#include "autoconf.h"

#include <security/pam_appl.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "breakglass.h"
#include "pamutil.h"
#include "reuse.h"
#include "reuse_session.h"
#include "testutil.h"

static const char key_a[] =
    "publickey ssh-ed25519 "
    "AAAAC3NzaC1lZDI1NTE5AAAAIMNeGToYADjHdaZxpvDRi8w/FbTv9epccuk/LIztiSSy";
/* ssh-keygen -l of key_a. */
static const char fp_a[] = "SHA256:ZsQyzHhJf9ncxmHSPzbUrz2vcnIR/oEb3w17Q/KfcaU";
static const char key_b[] =
    "publickey ssh-ed25519 "
    "AAAAC3NzaC1lZDI1NTE5AAAAINCyDv58YVB1aOwtJHoBS+Bbc7NBJE5QWMmm5t0HsuG8";

static const char map_text[] = "# haobtc identity -> local account\n"
                               "uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice\n";

static char *store, *map;

static int fresh(void **state)
{
    (void)state;
    const char *dir = tu_dir();
    store = tu_printf("%s/store", dir);
    map = tu_printf("%s/map", dir);
    tu_write(map, map_text, 0644);
    return 0;
}

static int done(void **state)
{
    (void)state;
    char *cmd = tu_printf("rm -rf '%s'", store);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(store);
    free(map);
    return 0;
}

static void configure(const char *window)
{
    char *extra =
        tu_printf("map_file = %s\nreuse_dir = %s\ndebug = yes\n%s%s%s", map,
                  store, window != NULL ? "reuse_for_key = " : "",
                  window != NULL ? window : "", window != NULL ? "\n" : "");
    free(tu_conf_at(pu_module_conf(), extra));
    free(extra);
}

/* One pam_authenticate through svc as sshd would start it: the key in the
 * PAM environment (NULL: none), the remote host set; *log gets what was
 * logged. */
/* What the module logs (pam_wrapper's stderr) from capture_begin to
 * capture_end, shown again for the driver's log check. */
struct capture {
    char *path;
    int saved;
};

static struct capture capture_begin(void)
{
    struct capture c = {tu_printf("%s/stderr", tu_dir()), -1};
    fflush(stderr);
    c.saved = dup(2);
    int fd = open(c.path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(c.saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, 2), 2);
    close(fd);
    return c;
}

static char *capture_end(struct capture *c)
{
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    FILE *f = fopen(c->path, "r");
    assert_non_null(f);
    size_t cap = 1 << 16;
    char *log = calloc(1, cap);
    size_t n = fread(log, 1, cap - 1, f);
    log[n] = '\0';
    fclose(f);
    fputs(log, stderr);
    free(c->path);
    return log;
}

/* pam_start as user through svc, with the remote host and the key (NULL:
 * none) sshd would set, and pam_authenticate. */
static int start(const char *svc, const char *user, const char *authinfo,
                 struct pam_conv *conv, pam_handle_t **pamh)
{
    int rc = pam_start(svc, user, conv, pamh);
    if (rc == PAM_SUCCESS)
        rc = pam_set_item(*pamh, PAM_RHOST, "192.0.2.7");
    if (rc == PAM_SUCCESS && authinfo != NULL) {
        char *env = tu_printf("SSH_AUTH_INFO_0=%s\n", authinfo);
        rc = pam_putenv(*pamh, env);
        free(env);
    }
    if (rc == PAM_SUCCESS)
        rc = pam_authenticate(*pamh, 0);
    return rc;
}

static int login(const char *svc, const char *authinfo, struct script *s,
                 char **log)
{
    struct capture c = capture_begin();
    struct pam_conv conv = {pu_converse, s};
    pam_handle_t *pamh = NULL;
    int rc = start(svc, "alice", authinfo, &conv, &pamh);
    pam_end(pamh, rc);
    *log = capture_end(&c);
    return rc;
}

static void approved_login(const char *svc, const char *authinfo)
{
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    char *log = NULL;
    assert_int_equal(login(svc, authinfo, &s, &log), PAM_SUCCESS);
    assert_int_equal(s.prompts, 1);
    free(log);
    pu_release(&s);
}

/* A login that must ask the phone: the person fails the conversation at
 * the prompt, so the phone's prompt is what it ends on. */
static void expect_the_phone(const char *svc, const char *authinfo,
                             const char *logged)
{
    struct script s = {.kind = ANSWER_FAIL};
    char *log = NULL;
    assert_int_equal(login(svc, authinfo, &s, &log), PAM_CONV_ERR);
    assert_int_equal(s.prompts, 1);
    assert_null(strstr(log, "reusing the approval"));
    if (logged != NULL && strstr(log, logged) == NULL)
        fail_msg("expected '%s' in the log", logged);
    free(log);
    pu_release(&s);
}

static void second_login_with_the_same_key_needs_no_phone(void **state)
{
    (void)state;
    configure("1h");
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    char *log = NULL;
    assert_int_equal(login("sshd", key_a, &s, &log), PAM_SUCCESS);
    assert_int_equal(s.prompts, 1);
    char *kept = tu_printf("the approval for alice with key %s is reused for "
                           "3600 s (haobtc-login reuse revoke alice ends it)",
                           fp_a);
    assert_non_null(strstr(log, kept));
    free(kept);
    free(log);
    pu_release(&s);

    struct script again = {.kind = ANSWER_FAIL};
    assert_int_equal(login("sshd", key_a, &again, &log), PAM_SUCCESS);
    assert_int_equal(again.prompts, 0);
    assert_int_equal(again.infos, 0);
    char *reused =
        tu_printf("haobtc login for alice from 192.0.2.7: uuid "
                  "5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60, reusing the approval of ");
    assert_non_null(strstr(log, reused));
    char *with_key = tu_printf("s ago for key %s (good for ", fp_a);
    assert_non_null(strstr(log, with_key));
    /* No helper, so nothing reached the network. */
    assert_null(strstr(log, "debug: helper "));
    free(with_key);
    free(reused);
    free(log);
    pu_release(&again);
}

static void another_key_asks_the_phone(void **state)
{
    (void)state;
    configure("1h");
    approved_login("sshd", key_a);
    expect_the_phone("sshd", key_b,
                     "debug: no reuse for key SHA256:"); /* key_b's */
    expect_the_phone("sshd", NULL,
                     "no reuse: sshd passed no authentication methods");
    expect_the_phone("sshd", "password\n",
                     "no reuse: no public key was proven before this module");
}

/* su, sudo or a user's own PAM application may name any key: only the
 * service sshd is ever let in by one. */
static void other_services_never_reuse(void **state)
{
    (void)state;
    configure("1h");
    approved_login("sshd", key_a);
    expect_the_phone("haobtc", key_a, "no reuse: the service is not sshd");
}

/* The caller's environment is not sshd's word. */
static void process_environment_is_not_read(void **state)
{
    (void)state;
    configure("1h");
    approved_login("sshd", key_a);
    setenv("SSH_AUTH_INFO_0", key_a, 1);
    expect_the_phone("sshd", NULL, NULL);
    unsetenv("SSH_AUTH_INFO_0");
}

static void off_by_default(void **state)
{
    (void)state;
    configure(NULL);
    approved_login("sshd", key_a);
    expect_the_phone("sshd", key_a, NULL);
    struct stat st;
    assert_int_equal(stat(store, &st), -1);
}

static void changed_map_line_asks_the_phone(void **state)
{
    (void)state;
    configure("1h");
    approved_login("sshd", key_a);
    tu_write(map,
             "# haobtc identity -> local account\n"
             "uuid:5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 alice # until Friday\n",
             0644);
    expect_the_phone("sshd", key_a, "the map line that allowed it has changed");
    tu_write(map, "# nobody\n", 0644);
    expect_the_phone("sshd", key_a, "the mapping no longer allows it");
}

static void end_of_the_window_asks_the_phone(void **state)
{
    (void)state;
    configure("1s");
    approved_login("sshd", key_a);
    sleep(2);
    expect_the_phone("sshd", key_a, "the approval's window has passed");
}

static void another_boot_asks_the_phone(void **state)
{
    (void)state;
    configure("1h");
    approved_login("sshd", key_a);
    char boot[HB_BOOT_ID_MAX];
    assert_true(hb_boot_id(boot));
    char *cmd = tu_printf(
        "sed -i 's/%s/00000000-0000-0000-0000-000000000000/' '%s/keys'", boot,
        store);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    expect_the_phone("sshd", key_a, "the approval was in an earlier boot");
}

static void unsafe_store_asks_the_phone_and_is_logged(void **state)
{
    (void)state;
    configure("1h");
    approved_login("sshd", key_a);
    assert_int_equal(chmod(store, 0755), 0);
    char *logged = tu_printf(
        "no reuse for alice from 192.0.2.7 (key %s), asking for approval: "
        "%s must be a directory owned by root with mode 700",
        fp_a, store);
    expect_the_phone("sshd", key_a, logged);
    free(logged);
    /* Nor is the approval that follows kept there. */
    approved_login("sshd", key_a);
    assert_int_equal(chmod(store, 0700), 0);
    char *keys = tu_printf("%s/keys", store);
    assert_int_equal(chown(keys, 65534, 0), 0);
    expect_the_phone("sshd", key_a, "is owned by uid 65534, not 0");
    free(keys);
}

/* ---- session_reuse */

static unsigned long audit_session(void)
{
    unsigned long sid = 0;
    assert_true(hb_audit_session(&sid));
    return sid;
}

/* Sets this process's login uid, which starts a new audit session (root
 * may, with CAP_AUDIT_CONTROL): pam_loginuid skips the write, and makes no
 * new session, when the uid is already the user's. */
static void set_login_uid(const char *uid)
{
    FILE *f = fopen("/proc/self/loginuid", "w");
    assert_non_null(f);
    fputs(uid, f);
    assert_int_equal(fclose(f), 0);
}

/* An approved login through svc whose session stays open: *pamh for
 * pam_close_session; *log what was logged. */
static void approved_session(const char *svc, pam_handle_t **pamh,
                             struct script *s, char **log)
{
    set_login_uid("0");
    struct capture c = capture_begin();
    static struct pam_conv conv;
    conv.conv = pu_converse;
    conv.appdata_ptr = s;
    int rc = start(svc, "alice", NULL, &conv, pamh);
    int open_rc = rc == PAM_SUCCESS ? pam_open_session(*pamh, 0) : -1;
    *log = capture_end(&c);
    assert_int_equal(rc, PAM_SUCCESS);
    assert_int_equal(s->prompts, 1);
    assert_int_equal(open_rc, PAM_SUCCESS);
}

static void close_session(pam_handle_t *pamh, const char *logged)
{
    struct capture c = capture_begin();
    int rc = pam_close_session(pamh, 0);
    pam_end(pamh, PAM_SUCCESS);
    char *log = capture_end(&c);
    assert_int_equal(rc, PAM_SUCCESS);
    if (logged != NULL && strstr(log, logged) == NULL)
        fail_msg("expected '%s' in the log", logged);
    free(log);
}

/* One sudo login as user, by a process whose real uid is caller (its
 * effective one root), as sudo's is; in a child, so the test keeps its
 * own uids. */
static int sudo_by(uid_t caller, const char *user, struct script *s, char **log)
{
    struct capture c = capture_begin();
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        int out[2] = {-1, 0};
        if (setresuid(caller, 0, 0) == 0) {
            struct pam_conv conv = {pu_converse, s};
            pam_handle_t *pamh = NULL;
            out[0] = start("sudo", user, NULL, &conv, &pamh);
            pam_end(pamh, out[0]);
            out[1] = s->prompts;
        }
        fflush(stderr);
        _exit(write(fds[1], out, sizeof(out)) == sizeof(out) ? 0 : 1);
    }
    close(fds[1]);
    int in[2] = {-2, -1};
    ssize_t got = read(fds[0], in, sizeof(in));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    *log = capture_end(&c);
    assert_int_equal(got, sizeof(in));
    s->prompts = in[1];
    return in[0];
}

/* alice (uid 1001 in tests/data/passwd) runs sudo as herself, or sudo
 * asks for user as alice's process. */
static int sudo_as(const char *user, struct script *s, char **log)
{
    return sudo_by(1001, user, s, log);
}

static void sudo_in_the_approved_session_needs_no_phone(void **state)
{
    (void)state;
    configure(NULL);
    char *extra = tu_printf("map_file = %s\nreuse_dir = %s\ndebug = yes\n"
                            "session_reuse = 1h\n",
                            map, store);
    free(tu_conf_at(pu_module_conf(), extra));
    free(extra);
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    pam_handle_t *pamh = NULL;
    char *log = NULL;
    unsigned long before = 0;
    hb_audit_session(&before);
    approved_session("haobtc-session", &pamh, &s, &log);
    unsigned long sid = audit_session();
    assert_int_not_equal(sid, before);
    char *kept = tu_printf("audit session %lu of alice: sudo and su reuse the "
                           "approval of uuid 5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60 "
                           "for 3600 s",
                           sid);
    assert_non_null(strstr(log, kept));
    free(kept);
    free(log);

    struct script again = {.kind = ANSWER_FAIL};
    assert_int_equal(sudo_as("alice", &again, &log), PAM_SUCCESS);
    assert_int_equal(again.prompts, 0);
    char *reused = tu_printf("haobtc login for alice from 192.0.2.7: uuid "
                             "5f1c2a9e0b7d4c3e8a6f1b2c3d4e5f60, reusing the "
                             "approval of alice's audit session %lu, ",
                             sid);
    assert_non_null(strstr(log, reused));
    assert_null(strstr(log, "debug: helper "));
    free(reused);
    free(log);

    /* Another target the identity does not map to: the phone. */
    struct script bob = {.kind = ANSWER_FAIL};
    assert_int_equal(sudo_as("bob", &bob, &log), PAM_CONV_ERR);
    assert_int_equal(bob.prompts, 1);
    assert_non_null(strstr(log, "the approval's identity does not map to "
                                "this account"));
    free(log);
    pu_release(&bob);

    /* Another account's process in the session (bob's, uid 1002), even
     * for alice: the phone. */
    struct script other = {.kind = ANSWER_FAIL};
    assert_int_equal(sudo_by(1002, "alice", &other, &log), PAM_CONV_ERR);
    assert_int_equal(other.prompts, 1);
    assert_non_null(strstr(log, "the caller (uid 1002) is not the session's "
                                "user alice"));
    free(log);
    pu_release(&other);

    /* The session's end ends it. */
    char *closed = tu_printf("audit session %lu of alice closed: its approval "
                             "is no longer reused",
                             sid);
    close_session(pamh, closed);
    free(closed);
    struct script after = {.kind = ANSWER_FAIL};
    assert_int_equal(sudo_as("alice", &after, &log), PAM_CONV_ERR);
    assert_int_equal(after.prompts, 1);
    free(log);
    pu_release(&after);
    pu_release(&again);
    pu_release(&s);
}

static void sudo_in_another_session_asks_the_phone(void **state)
{
    (void)state;
    char *extra = tu_printf("map_file = %s\nreuse_dir = %s\ndebug = yes\n"
                            "session_reuse = 1h\n",
                            map, store);
    free(tu_conf_at(pu_module_conf(), extra));
    free(extra);
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    pam_handle_t *pamh = NULL;
    char *log = NULL;
    approved_session("haobtc-session", &pamh, &s, &log);
    free(log);
    /* A new audit session for this process, as another login makes. */
    set_login_uid("1001");
    char *other = tu_printf("no reuse in audit session %lu: no approval "
                            "recorded for audit session %lu",
                            audit_session(), audit_session());
    struct script again = {.kind = ANSWER_FAIL};
    assert_int_equal(sudo_as("alice", &again, &log), PAM_CONV_ERR);
    assert_int_equal(again.prompts, 1);
    assert_non_null(strstr(log, other));
    free(other);
    free(log);
    pam_end(pamh, PAM_SUCCESS);
    pu_release(&again);
    pu_release(&s);
}

/* su keeps its caller's audit session: an approval there is not one for
 * the session. */
static void su_session_is_not_kept(void **state)
{
    (void)state;
    char *extra = tu_printf("map_file = %s\nreuse_dir = %s\ndebug = yes\n"
                            "session_reuse = 1h\n",
                            map, store);
    free(tu_conf_at(pu_module_conf(), extra));
    free(extra);
    unsigned long sid = audit_session();
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    pam_handle_t *pamh = NULL;
    char *log = NULL;
    struct capture c = capture_begin();
    struct pam_conv conv = {pu_converse, &s};
    int rc = start("su", "alice", NULL, &conv, &pamh);
    int open_rc = rc == PAM_SUCCESS ? pam_open_session(pamh, 0) : -1;
    pam_end(pamh, PAM_SUCCESS);
    log = capture_end(&c);
    assert_int_equal(rc, PAM_SUCCESS);
    assert_int_equal(open_rc, PAM_SUCCESS);
    char *not_kept = tu_printf("session: audit session %lu was not opened "
                               "by this login",
                               sid);
    assert_non_null(strstr(log, not_kept));
    free(not_kept);
    free(log);
    struct script again = {.kind = ANSWER_FAIL};
    assert_int_equal(sudo_as("alice", &again, &log), PAM_CONV_ERR);
    assert_int_equal(again.prompts, 1);
    free(log);
    pu_release(&again);
    pu_release(&s);
}

static void session_window_ends(void **state)
{
    (void)state;
    char *extra = tu_printf("map_file = %s\nreuse_dir = %s\ndebug = yes\n"
                            "session_reuse = 1s\n",
                            map, store);
    free(tu_conf_at(pu_module_conf(), extra));
    free(extra);
    struct script s = {.kind = ANSWER_CODE, .approver = "alice"};
    pam_handle_t *pamh = NULL;
    char *log = NULL;
    approved_session("haobtc-session", &pamh, &s, &log);
    free(log);
    sleep(2);
    struct script again = {.kind = ANSWER_FAIL};
    assert_int_equal(sudo_as("alice", &again, &log), PAM_CONV_ERR);
    assert_int_equal(again.prompts, 1);
    assert_non_null(strstr(log, "the approval's window has passed"));
    free(log);
    pam_end(pamh, PAM_SUCCESS);
    pu_release(&again);
    pu_release(&s);
}

/* ---- a break-glass login keeps nothing */

struct outage_person {
    int prompts;
    const char *breakglass; /* the code for the break-glass question */
};

/* The phone approves the link at the first prompt (its code is pasted, but
 * haobtc is down for the exchange); the break-glass code at the next. */
static int outage_converse(int n, const struct pam_message **msg,
                           struct pam_response **resp, void *data)
{
    struct outage_person *p = data;
    struct pam_response *out = calloc((size_t)n, sizeof(*out));
    if (out == NULL)
        return PAM_BUF_ERR;
    for (int i = 0; i < n; i++) {
        if (msg[i]->msg_style != PAM_PROMPT_ECHO_ON &&
            msg[i]->msg_style != PAM_PROMPT_ECHO_OFF)
            continue;
        p->prompts++;
        if (strstr(msg[i]->msg, "break-glass") != NULL) {
            out[i].resp = strdup(p->breakglass);
        } else {
            char *link = pu_link(msg[i]->msg);
            char *state = pu_query(link, "state");
            out[i].resp =
                tu_paste_answer(state, tu_approve_link("alice", link));
            free(state);
            free(link);
        }
    }
    *resp = out;
    return PAM_SUCCESS;
}

static void breakglass_login_keeps_nothing(void **state)
{
    (void)state;
    char *bg = tu_printf("%s/breakglass", tu_dir());
    char code[HB_BG_CODE_MAX], id[HB_BG_ID_LEN + 1];
    struct hb_error err = {0};
    assert_int_equal(hb_breakglass_issue(bg, "alice", 3600, code, id, &err),
                     HB_OK);
    char *extra = tu_printf("map_file = %s\nreuse_dir = %s\ndebug = yes\n"
                            "reuse_for_key = 1h\nsession_reuse = 1h\n"
                            "breakglass_file = %s\n"
                            "site_url = https://127.0.0.1:1\n",
                            map, store, bg);
    free(tu_conf_at(pu_module_conf(), extra));
    free(extra);
    struct outage_person p = {0, code};
    struct pam_conv conv = {outage_converse, &p};
    pam_handle_t *pamh = NULL;
    struct capture c = capture_begin();
    int rc = start("sshd", "alice", key_a, &conv, &pamh);
    pam_end(pamh, rc);
    char *log = capture_end(&c);
    assert_int_equal(rc, PAM_SUCCESS);
    assert_int_equal(p.prompts, 2);
    char *let_in = tu_printf("break-glass code %s let alice in", id);
    assert_non_null(strstr(log, let_in));
    free(let_in);
    assert_null(strstr(log, "is reused for"));
    struct stat st;
    assert_int_equal(stat(store, &st), -1);
    free(log);
    free(bg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            second_login_with_the_same_key_needs_no_phone, fresh, done),
        cmocka_unit_test_setup_teardown(another_key_asks_the_phone, fresh,
                                        done),
        cmocka_unit_test_setup_teardown(other_services_never_reuse, fresh,
                                        done),
        cmocka_unit_test_setup_teardown(process_environment_is_not_read, fresh,
                                        done),
        cmocka_unit_test_setup_teardown(off_by_default, fresh, done),
        cmocka_unit_test_setup_teardown(changed_map_line_asks_the_phone, fresh,
                                        done),
        cmocka_unit_test_setup_teardown(end_of_the_window_asks_the_phone, fresh,
                                        done),
        cmocka_unit_test_setup_teardown(another_boot_asks_the_phone, fresh,
                                        done),
        cmocka_unit_test_setup_teardown(
            unsafe_store_asks_the_phone_and_is_logged, fresh, done),
        cmocka_unit_test_setup_teardown(
            sudo_in_the_approved_session_needs_no_phone, fresh, done),
        cmocka_unit_test_setup_teardown(sudo_in_another_session_asks_the_phone,
                                        fresh, done),
        cmocka_unit_test_setup_teardown(su_session_is_not_kept, fresh, done),
        cmocka_unit_test_setup_teardown(session_window_ends, fresh, done),
        cmocka_unit_test_setup_teardown(breakglass_login_keeps_nothing, fresh,
                                        done),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

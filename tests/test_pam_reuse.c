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
#include <unistd.h>

#include "pamutil.h"
#include "reuse.h"
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
static int login(const char *svc, const char *authinfo, struct script *s,
                 char **log)
{
    char *path = tu_printf("%s/stderr", tu_dir());
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, 2), 2);
    close(fd);

    struct pam_conv conv = {pu_converse, s};
    pam_handle_t *pamh = NULL;
    int rc = pam_start(svc, "alice", &conv, &pamh);
    if (rc == PAM_SUCCESS)
        rc = pam_set_item(pamh, PAM_RHOST, "192.0.2.7");
    if (rc == PAM_SUCCESS && authinfo != NULL) {
        char *env = tu_printf("SSH_AUTH_INFO_0=%s\n", authinfo);
        rc = pam_putenv(pamh, env);
        free(env);
    }
    if (rc == PAM_SUCCESS)
        rc = pam_authenticate(pamh, 0);
    pam_end(pamh, rc);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t cap = 1 << 16;
    *log = calloc(1, cap);
    size_t n = fread(*log, 1, cap - 1, f);
    (*log)[n] = '\0';
    fclose(f);
    fputs(*log, stderr);
    free(path);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* The helper's sandbox (pam_haobtc/helper/sandbox.c), entered in a child of
 * this test as the helper enters it: the child runs as the helper's user
 * (the test runs as root), threads and the network still work, and a
 * system call outside the allow-list (a program started, a process forked,
 * a file opened for writing, a way back to root) kills it with SIGSYS. */
#include "autoconf.h"

#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "testutil.h"

/* Runs body in a sandboxed child; returns its wait status. A child that
 * could not enter the sandbox exits 100. */
static int in_sandbox(void (*body)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct hb_error err = {0};
        if (hb_sandbox_enter(&err) != HB_OK) {
            fprintf(stderr, "sandbox: %s\n", err.msg);
            _exit(100);
        }
        body();
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void assert_killed_by_sigsys(int status)
{
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSYS);
}

struct ids {
    uid_t uid;
    gid_t gid;
};

/* The helper's user as the helper finds it, in the machine's passwd (this
 * test's own lookups go through nss_wrapper). */
static struct ids helper_user(void)
{
    struct ids found = {0, 0};
    bool seen = false;
    FILE *f = fopen("/etc/passwd", "r");
    assert_non_null(f);
    const struct passwd *pw;
    while ((pw = fgetpwent(f)) != NULL)
        if (strcmp(pw->pw_name, HB_HELPER_USER) == 0) {
            found.uid = pw->pw_uid;
            found.gid = pw->pw_gid;
            seen = true;
        }
    fclose(f);
    assert_true(seen);
    return found;
}

static struct ids want;

static void report_ids(void)
{
    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (getresuid(&r, &e, &s) != 0 || getresgid(&rg, &eg, &sg) != 0)
        _exit(101);
    if (r != want.uid || e != want.uid || s != want.uid)
        _exit(102);
    if (rg != want.gid || eg != want.gid || sg != want.gid)
        _exit(103);
    if (getgroups(0, NULL) != 0)
        _exit(104);
}

static void root_becomes_the_helper_user_with_no_groups(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    want = helper_user();
    int status = in_sandbox(report_ids);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void *thread_body(void *arg)
{
    return arg;
}

/* What a login does: a thread (libcurl's resolver), sockets of the
 * families it uses, a file read, the time. */
static void login_calls(void)
{
    static int marker;
    pthread_t t;
    void *back = NULL;
    if (pthread_create(&t, NULL, thread_body, &marker) != 0 ||
        pthread_join(t, &back) != 0 || back != &marker)
        _exit(101);
    int families[] = {AF_INET, AF_INET6, AF_UNIX};
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        int fd = socket(families[i], SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            _exit(102);
        close(fd);
    }
    int fd = open("/etc/hosts", O_RDONLY | O_CLOEXEC);
    char buf[16];
    if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
        _exit(103);
    close(fd);
    if (time(NULL) == (time_t)-1)
        _exit(104);
}

static void threads_sockets_and_reading_files_still_work(void **state)
{
    (void)state;
    int status = in_sandbox(login_calls);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void start_a_program(void)
{
    static char name[] = "true";
    char *const argv[] = {name, NULL};
    char *const envp[] = {NULL};
    execve("/bin/true", argv, envp);
    _exit(101);
}

static void execve_is_killed_by_sigsys(void **state)
{
    (void)state;
    assert_killed_by_sigsys(in_sandbox(start_a_program));
}

static char *new_file; /* in a directory the helper's user may write */

static void create_a_file(void)
{
    open(new_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    _exit(101);
}

static void opening_a_file_to_write_is_killed_by_sigsys(void **state)
{
    (void)state;
    const char *dir = tu_dir();
    assert_int_equal(chmod(dir, 01777), 0);
    new_file = tu_printf("%s/made-in-the-sandbox", dir);
    assert_killed_by_sigsys(in_sandbox(create_a_file));
    assert_int_equal(access(new_file, F_OK), -1);
    free(new_file);
}

static void back_to_root(void)
{
    if (setuid(0) == 0)
        _exit(101);
    _exit(102);
}

static void setuid_is_killed_by_sigsys(void **state)
{
    (void)state;
    assert_killed_by_sigsys(in_sandbox(back_to_root));
}

static void raw_socket(void)
{
    socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    _exit(101);
}

static void a_socket_of_another_family_is_killed_by_sigsys(void **state)
{
    (void)state;
    assert_killed_by_sigsys(in_sandbox(raw_socket));
}

static void a_new_process(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    _exit(101);
}

static void fork_is_killed_by_sigsys(void **state)
{
    (void)state;
#ifdef HB_SANITIZERS
    /* The sanitizers' leak check forks a tracer: their builds allow it. */
    skip();
#endif
    assert_killed_by_sigsys(in_sandbox(a_new_process));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(root_becomes_the_helper_user_with_no_groups),
        cmocka_unit_test(threads_sockets_and_reading_files_still_work),
        cmocka_unit_test(execve_is_killed_by_sigsys),
        cmocka_unit_test(opening_a_file_to_write_is_killed_by_sigsys),
        cmocka_unit_test(setuid_is_killed_by_sigsys),
        cmocka_unit_test(a_socket_of_another_family_is_killed_by_sigsys),
        cmocka_unit_test(fork_is_killed_by_sigsys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

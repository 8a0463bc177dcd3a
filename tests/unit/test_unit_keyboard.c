/* SPDX-License-Identifier: BSD-2-Clause */
/* The terminal during a wait with no prompt (pam_haobtc/lib/keyboard.c),
 * on a real pseudo-terminal that a child process takes as its controlling
 * terminal, as su's process has its person's: nothing typed is echoed, a
 * line ends at Enter with erase and kill keys applied, Ctrl-C is delivered
 * only once the terminal is back as it was, and a background job leaves
 * the terminal alone. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "keyboard.h"

struct report {
    bool opened;
    enum hb_status status;
    bool too_long;
    bool echo_during;
    bool restored;
    int signal_seen;
    char line[HB_KEYBOARD_MAX + 1];
};

static volatile sig_atomic_t signal_seen;
static void note_signal(int sig)
{
    signal_seen = sig;
}

/* In the child: the pty's slave becomes the controlling terminal, then
 * the keyboard reads until the wait would end. */
static void child(const char *slave_name, int ready, int out, bool background)
{
    struct report r = {0};
    setsid();
    int tty = open(slave_name, O_RDWR);
    if (tty < 0)
        _exit(2);
    if (background) {
        /* A job of its own, not the terminal's foreground one. */
        pid_t pid = fork();
        if (pid != 0) {
            int st = 0;
            waitpid(pid, &st, 0);
            _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 3);
        }
        setpgid(0, 0);
    }
    signal(SIGINT, note_signal);
    struct termios before, during, after;
    tcgetattr(tty, &before);
    struct hb_keyboard k;
    struct hb_error err = {0};
    r.opened = hb_keyboard_open(&k, NULL);
    tcgetattr(tty, &during);
    r.echo_during = (during.c_lflag & ECHO) != 0;
    if (write(ready, "R", 1) != 1)
        _exit(4);
    r.status = HB_OK;
    while (r.opened && r.status == HB_OK) {
        struct pollfd p = {.fd = k.fd, .events = POLLIN};
        if (poll(&p, 1, 5000) <= 0)
            break;
        r.status = hb_keyboard_read(&k, &err);
    }
    memcpy(r.line, k.line, sizeof(r.line));
    r.too_long = k.too_long;
    hb_keyboard_close(&k);
    tcgetattr(tty, &after);
    r.restored = after.c_lflag == before.c_lflag &&
                 memcmp(after.c_cc, before.c_cc, sizeof(after.c_cc)) == 0;
    r.signal_seen = signal_seen;
    if (write(out, &r, sizeof(r)) != (ssize_t)sizeof(r))
        _exit(5);
    _exit(0);
}

/* Types typed (n bytes) at a fresh terminal and reports what the keyboard
 * made of it. */
static void type_at(const char *typed, size_t n, bool background,
                    struct report *r)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    char slave_name[128];
    assert_int_equal(ptsname_r(master, slave_name, sizeof(slave_name)), 0);
    int ready[2], out[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(master);
        child(slave_name, ready[1], out[1], background);
    }
    close(ready[1]);
    close(out[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    if (n > 0)
        assert_int_equal(write(master, typed, n), (ssize_t)n);
    memset(r, 0, sizeof(*r));
    assert_int_equal(read(out[0], r, sizeof(*r)), (ssize_t)sizeof(*r));
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* Nothing typed came back on the screen. */
    char echoed[4096];
    int flags = fcntl(master, F_GETFL);
    fcntl(master, F_SETFL, flags | O_NONBLOCK);
    ssize_t got = read(master, echoed, sizeof(echoed));
    if (got > 0 && n > 0)
        assert_null(memmem(echoed, (size_t)got, "hunter", 6));
    close(master);
    close(ready[0]);
    close(out[0]);
}

static void a_line_ends_at_enter_unechoed_and_edited(void **state)
{
    (void)state;
    struct report r;
    /* DEL erases the 3; Ctrl-U (kill) drops "oops". */
    type_at("oops\x15hunter3\x7f"
            "2\r",
            15, false, &r);
    assert_true(r.opened);
    assert_false(r.echo_during);
    assert_int_equal(r.status, HB_ERR_PASSWORD);
    assert_string_equal(r.line, "hunter2");
    assert_true(r.restored);
    assert_int_equal(r.signal_seen, 0);
}

static void enter_alone_is_an_empty_line(void **state)
{
    (void)state;
    struct report r;
    type_at("\r", 1, false, &r);
    assert_int_equal(r.status, HB_ERR_PASSWORD);
    assert_string_equal(r.line, "");
}

static void erase_takes_a_whole_utf8_character(void **state)
{
    (void)state;
    struct report r;
    type_at("p\xc3\xa4\x7f"
            "a\r",
            6, false, &r);
    assert_int_equal(r.status, HB_ERR_PASSWORD);
    assert_string_equal(r.line, "pa");
}

static void control_bytes_are_no_part_of_the_line(void **state)
{
    (void)state;
    struct report r;
    /* An arrow key's escape sequence: ESC is dropped, "[A" is text. */
    type_at("ab\x1b[A\x01\r", 7, false, &r);
    assert_int_equal(r.status, HB_ERR_PASSWORD);
    assert_string_equal(r.line, "ab[A");
}

static void a_line_too_long_is_marked(void **state)
{
    (void)state;
    char typed[700];
    memset(typed, 'x', sizeof(typed) - 1);
    typed[sizeof(typed) - 1] = '\r';
    struct report r;
    type_at(typed, sizeof(typed), false, &r);
    assert_int_equal(r.status, HB_ERR_PASSWORD);
    assert_true(r.too_long);
    assert_int_equal(strlen(r.line), HB_KEYBOARD_MAX);
}

static void ctrl_c_restores_the_terminal_then_signals(void **state)
{
    (void)state;
    struct report r;
    type_at("hunt\x03", 5, false, &r);
    assert_int_equal(r.status, HB_ERR_CONV);
    assert_true(r.restored);
    assert_int_equal(r.signal_seen, SIGINT);
    assert_string_equal(r.line, "hunt");
}

static void a_background_job_leaves_the_terminal_alone(void **state)
{
    (void)state;
    struct report r;
    type_at(NULL, 0, true, &r);
    assert_false(r.opened);
    assert_true(r.echo_during);
    assert_true(r.restored);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_line_ends_at_enter_unechoed_and_edited),
        cmocka_unit_test(enter_alone_is_an_empty_line),
        cmocka_unit_test(erase_takes_a_whole_utf8_character),
        cmocka_unit_test(control_bytes_are_no_part_of_the_line),
        cmocka_unit_test(a_line_too_long_is_marked),
        cmocka_unit_test(ctrl_c_restores_the_terminal_then_signals),
        cmocka_unit_test(a_background_job_leaves_the_terminal_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

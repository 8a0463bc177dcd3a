/* SPDX-License-Identifier: BSD-2-Clause */
/* Starting the helper and talking to it: a helper that dies, hangs or
 * answers garbage ends the login as "unavailable"; the helper gets
 * nothing of ours but /dev/null and its socket; SIGCHLD is given back and
 * only our own child is reaped. Fake helpers are shell scripts; this
 * program supplies the path the module would have compiled in. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "finding.h"
#include "helper_client.h"
#include "testutil.h"
#include "wire.h"

static char helper_at[4096];

const char *hb_helper_path(void)
{
    return helper_at;
}

static void use_script(const char *body)
{
    char *text = tu_printf("#!/bin/sh\n%s\n", body);
    char *path = tu_file("helper", text, 0755);
    snprintf(helper_at, sizeof(helper_at), "%s", path);
    free(text);
    free(path);
}

static void use_real_helper(void)
{
    snprintf(helper_at, sizeof(helper_at), "%s/pam_haobtc/helper/haobtc-helper",
             tu_env("HB_BUILD"));
}

static enum hb_status challenge(struct hb_helper *h, time_t deadline,
                                struct hb_error *err)
{
    struct hb_offer offer = {0};
    const char *args[] = {"conf=/nonexistent/pam_haobtc.conf"};
    enum hb_status status = hb_helper_start(h, deadline, false, err);
    if (status == HB_OK)
        status =
            hb_helper_challenge(h, 1, args, "alice", NULL, NULL, &offer, err);
    hb_offer_free(&offer);
    return status;
}

static void helper_that_dies_is_a_helper_failure_not_unavailable(void **state)
{
    (void)state;
    use_script("exit 3");
    struct hb_helper h = {0};
    struct hb_error err = {0};
    assert_int_equal(challenge(&h, time(NULL) + 20, &err), HB_ERR_HELPER);
    assert_non_null(strstr(err.msg, "helper"));
    hb_helper_stop(&h);
}

static void helper_that_answers_garbage_is_a_helper_failure(void **state)
{
    (void)state;
    use_script("printf 'GARBAGE-GARBAGE-GARBAGE' >&3; sleep 30");
    struct hb_helper h = {0};
    struct hb_error err = {0};
    assert_int_equal(challenge(&h, time(NULL) + 20, &err), HB_ERR_HELPER);
    assert_non_null(strstr(err.msg, "helper frame"));
    hb_helper_stop(&h);
}

static void helper_that_answers_out_of_turn_is_a_helper_failure(void **state)
{
    (void)state;
    /* A well-formed PROFILE frame where a challenge belongs. */
    use_script("printf '\\000\\000\\000\\011\\007\\000\\006abcdef' >&3; "
               "sleep 30");
    struct hb_helper h = {0};
    struct hb_error err = {0};
    assert_int_equal(challenge(&h, time(NULL) + 20, &err), HB_ERR_HELPER);
    assert_non_null(strstr(err.msg, "out of turn"));
    hb_helper_stop(&h);
}

static void helper_that_hangs_is_expired_after_the_deadline(void **state)
{
    (void)state;
    use_script("exec sleep 100");
    struct hb_helper h = {0};
    struct hb_error err = {0};
    time_t start = time(NULL);
    assert_int_equal(challenge(&h, start + 1, &err), HB_ERR_EXPIRED);
    assert_non_null(strstr(err.msg, "deadline"));
    pid_t pid = h.pid;
    hb_helper_stop(&h);
    /* Killed and reaped: no such process any more. */
    assert_int_equal(kill(pid, 0), -1);
    /* Far below the script's 100 s, with room for a loaded machine. */
    assert_true(time(NULL) - start <= 30);
}

static void missing_helper_is_a_configuration_error(void **state)
{
    (void)state;
    snprintf(helper_at, sizeof(helper_at), "%s/none", tu_dir());
    struct hb_helper h = {0};
    struct hb_error err = {0};
    assert_int_equal(hb_helper_start(&h, time(NULL) + 20, false, &err),
                     HB_ERR_CONFIG);
    hb_helper_stop(&h);
}

static void helper_writable_by_others_is_refused(void **state)
{
    (void)state;
    use_script("exit 0");
    assert_int_equal(chmod(helper_at, 0757), 0);
    struct hb_helper h = {0};
    struct hb_error err = {0};
    assert_int_equal(hb_helper_start(&h, time(NULL) + 20, false, &err),
                     HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "writable by group or others"));
    hb_helper_stop(&h);
}

static char *read_whole(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void helper_gets_no_environment_and_no_descriptor_of_ours(void **state)
{
    (void)state;
    const char *dir = tu_dir();
    char *out = tu_printf("%s/seen", dir);
    /* What the script sees before it does anything: its environment as
     * execve gave it, and every descriptor it holds. */
    char *body = tu_printf("e=$(wc -c </proc/$$/environ); "
                           "l=$(for f in /proc/$$/fd/*; do "
                           "echo \"${f##*/} $(readlink $f)\"; done); "
                           "printf '%%s\\n%%s\\n%%s\\n' \"$e\" \"$l\" "
                           "\"$(umask)\" >%s",
                           out);
    use_script(body);
    setenv("SSLKEYLOGFILE", "/tmp/should-not-matter", 1);
    int leaked = open("/dev/zero", O_RDONLY); /* not close-on-exec */
    assert_true(leaked >= 0);
    struct hb_helper h = {0};
    struct hb_error err = {0};
    assert_int_equal(challenge(&h, time(NULL) + 20, &err), HB_ERR_HELPER);
    hb_helper_stop(&h);
    close(leaked);
    unsetenv("SSLKEYLOGFILE");

    char *seen = read_whole(out);
    assert_int_equal(atoi(seen), 0);
    assert_non_null(strstr(seen, "\n0 /dev/null\n"));
    assert_non_null(strstr(seen, "\n1 /dev/null\n"));
    assert_non_null(strstr(seen, "\n2 /dev/null\n"));
    assert_non_null(strstr(seen, "\n3 socket:["));
    assert_null(strstr(seen, "/dev/zero"));
    assert_non_null(strstr(seen, "\n0077\n"));
    free(seen);
    free(body);
    free(out);
}

static int chld_calls;
static void on_chld(int sig)
{
    (void)sig;
    chld_calls++;
}

static void sigchld_is_given_back_and_only_our_child_is_reaped(void **state)
{
    (void)state;
    struct sigaction mine, seen;
    memset(&mine, 0, sizeof(mine));
    mine.sa_handler = on_chld;
    sigemptyset(&mine.sa_mask);
    assert_int_equal(sigaction(SIGCHLD, &mine, NULL), 0);
    pid_t other = fork();
    if (other == 0)
        _exit(7);
    assert_true(other > 0);
    /* Until it has exited (and its SIGCHLD came), without reaping it. */
    siginfo_t info;
    while (waitid(P_PID, (id_t)other, &info, WEXITED | WNOWAIT) != 0 &&
           errno == EINTR)
        ;
    chld_calls = 0;

    use_script("exit 0");
    struct hb_helper h = {0};
    struct hb_error err = {0};
    assert_int_equal(challenge(&h, time(NULL) + 20, &err), HB_ERR_HELPER);
    hb_helper_stop(&h);

    assert_int_equal(sigaction(SIGCHLD, NULL, &seen), 0);
    assert_ptr_equal(seen.sa_handler, on_chld);
    assert_int_equal(chld_calls, 0);
    /* The application's own child is still there for it to reap. */
    int status = 0;
    assert_int_equal(waitpid(other, &status, 0), other);
    assert_int_equal(WEXITSTATUS(status), 7);
    signal(SIGCHLD, SIG_DFL);
}

static void real_helper_refuses_another_protocol_version(void **state)
{
    (void)state;
    use_real_helper();
    struct hb_helper h = {0};
    struct hb_error err = {0};
    assert_int_equal(hb_helper_start(&h, time(NULL) + 20, false, &err), HB_OK);
    struct hb_wire out, in;
    hb_wire_init(&out, HB_WIRE_START);
    assert_true(hb_wire_add(&out, "0"));
    assert_int_equal(hb_wire_send(h.fd, &out, &err), HB_OK);
    assert_int_equal(hb_wire_recv(h.fd, time(NULL) + 10, NULL, &in, &err),
                     HB_OK);
    assert_int_equal(in.type, HB_WIRE_ERROR);
    assert_string_equal(hb_wire_field(&in, 0), "1"); /* HB_ERR_CONFIG */
    assert_non_null(strstr(hb_wire_field(&in, 2), "different versions"));
    hb_helper_stop(&h);
}

static void real_helper_ends_on_a_frame_out_of_turn(void **state)
{
    (void)state;
    use_real_helper();
    struct hb_helper h = {0};
    struct hb_error err = {0};
    assert_int_equal(hb_helper_start(&h, time(NULL) + 20, false, &err), HB_OK);
    /* EXCHANGE before START: answered with an error, then the end. */
    struct hb_wire out, in;
    hb_wire_init(&out, HB_WIRE_EXCHANGE);
    assert_true(hb_wire_add(&out, "code"));
    assert_int_equal(hb_wire_send(h.fd, &out, &err), HB_OK);
    assert_int_equal(hb_wire_recv(h.fd, time(NULL) + 10, NULL, &in, &err),
                     HB_OK);
    assert_int_equal(in.type, HB_WIRE_ERROR);
    assert_int_equal(hb_wire_recv(h.fd, time(NULL) + 10, NULL, &in, &err),
                     HB_ERR_HELPER);
    hb_helper_stop(&h);
}

static void real_helper_reports_a_bad_configuration(void **state)
{
    (void)state;
    use_real_helper();
    struct hb_helper h = {0};
    struct hb_error err = {0};
    assert_int_equal(challenge(&h, time(NULL) + 20, &err), HB_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "/nonexistent/pam_haobtc.conf"));
    hb_helper_stop(&h);
}

static void frame_decoding_refuses_bad_lengths_and_nul(void **state)
{
    (void)state;
    struct hb_wire w;
    struct hb_error err = {0};
    const unsigned char ok[] = {HB_WIRE_CHALLENGE, 0, 2, 'h', 'i', 0, 0};
    assert_int_equal(hb_wire_decode(ok, sizeof(ok), &w, &err), HB_OK);
    assert_int_equal(w.n_fields, 2);
    assert_string_equal(hb_wire_field(&w, 0), "hi");
    assert_string_equal(hb_wire_field(&w, 1), "");
    assert_string_equal(hb_wire_field(&w, 2), "");
    const unsigned char too_long[] = {HB_WIRE_CHALLENGE, 0, 9, 'h', 'i'};
    assert_int_equal(hb_wire_decode(too_long, sizeof(too_long), &w, &err),
                     HB_ERR_HELPER);
    const unsigned char nul[] = {HB_WIRE_CHALLENGE, 0, 2, 'h', 0};
    assert_int_equal(hb_wire_decode(nul, sizeof(nul), &w, &err), HB_ERR_HELPER);
    const unsigned char half[] = {HB_WIRE_CHALLENGE, 0};
    assert_int_equal(hb_wire_decode(half, sizeof(half), &w, &err),
                     HB_ERR_HELPER);
    const unsigned char unknown[] = {99};
    assert_int_equal(hb_wire_decode(unknown, sizeof(unknown), &w, &err),
                     HB_ERR_HELPER);
    assert_int_equal(hb_wire_decode(ok, 0, &w, &err), HB_ERR_HELPER);
}

static void frame_building_stops_at_the_limits(void **state)
{
    (void)state;
    struct hb_wire w;
    hb_wire_init(&w, HB_WIRE_START);
    char *big = malloc(HB_WIRE_MAX);
    memset(big, 'a', HB_WIRE_MAX - 1);
    big[HB_WIRE_MAX - 1] = '\0';
    assert_false(hb_wire_add(&w, big));
    big[HB_WIRE_MAX - 4] = '\0'; /* type byte + 2-byte length + this */
    assert_true(hb_wire_add(&w, big));
    assert_false(hb_wire_add(&w, ""));
    free(big);
    hb_wire_init(&w, HB_WIRE_START);
    for (int i = 0; i < HB_WIRE_FIELDS; i++)
        assert_true(hb_wire_add(&w, "x"));
    assert_false(hb_wire_add(&w, "x"));
}

/* The helper's texts as they cross the wire: a listed msgid comes back
 * as its English, data as it is, and anything else is refused rather
 * than formatted (haobtc-login then shows the frame's English fields). */
static void finding_texts_are_formatted_only_when_listed(void **state)
{
    (void)state;
    struct hb_finding_text found, fix, data, unlisted;
    hb_finding_text(&found, HB_FT_CLIENT_ID_WRONG, "c-1", "40002 x");
    hb_finding_text(&fix, HB_FT_FIX_NO_PING);
    hb_finding_data(&data, "Could not resolve host: x");
    hb_finding_text(&unlisted, "%s and %s", "a", "b");
    assert_string_equal(unlisted.msgid, "");
    assert_string_equal(unlisted.english, "a and b");
    struct hb_wire w;
    hb_wire_init(&w, HB_WIRE_RESULT);
    assert_true(hb_finding_add(&w, &found) && hb_finding_add(&w, &fix) &&
                hb_finding_add(&w, &data) && hb_finding_add(&w, &unlisted));
    assert_int_equal(w.n_fields, 6);
    char out[256];
    int at = 0;
    assert_true(hb_finding_read(&w, &at, NULL, "", out, sizeof(out)));
    assert_string_equal(out, found.english);
    assert_string_equal(out, "the client id is wrong: haobtc does not know "
                             "client_id c-1 (40002 x)");
    assert_true(hb_finding_read(&w, &at, NULL, "", out, sizeof(out)));
    assert_string_equal(out, fix.english);
    assert_true(hb_finding_read(&w, &at, NULL, "as sent", out, sizeof(out)));
    assert_string_equal(out, "as sent");
    assert_true(hb_finding_read(&w, &at, NULL, "a and b", out, sizeof(out)));
    assert_string_equal(out, "a and b");
    assert_int_equal(at, w.n_fields);
    assert_false(hb_finding_read(&w, &at, NULL, "", out, sizeof(out)));
    /* A format string from the wire is never used, listed or not. */
    const char *hostile[] = {"%n%n%s", "%s is %s %s", "%x %p", "x"};
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        hb_wire_init(&w, HB_WIRE_RESULT);
        assert_true(hb_wire_add(&w, hostile[i]) && hb_wire_add(&w, "a") &&
                    hb_wire_add(&w, "b") && hb_wire_add(&w, "c"));
        at = 0;
        assert_false(hb_finding_read(&w, &at, NULL, "", out, sizeof(out)));
    }
    /* A listed text whose arguments the frame lacks. */
    hb_wire_init(&w, HB_WIRE_RESULT);
    assert_true(hb_wire_add(&w, HB_FT_DNS_RESOLVED) && hb_wire_add(&w, "h"));
    at = 0;
    assert_false(hb_finding_read(&w, &at, NULL, "", out, sizeof(out)));
}

static void finding_format_knows_only_s_and_cuts_on_a_character(void **state)
{
    (void)state;
    const char *arg[] = {"one", "two"};
    char out[64];
    assert_true(
        hb_finding_format("%2$s, %1$s, %s: 100%%", arg, 2, out, sizeof(out)));
    assert_string_equal(out, "two, one, one: 100%");
    const char *bad[] = {"%d", "%s %s %s", "%3$s", "%n", "%", "%1$d", "%ls"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(hb_finding_format(bad[i], arg, 2, out, sizeof(out)));
    /* 中文 is six bytes: five leave room for the first character only. */
    char small[5];
    assert_true(hb_finding_format("中%s", (const char *[]){"文"}, 1, small,
                                  sizeof(small)));
    assert_string_equal(small, "中");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(helper_that_dies_is_a_helper_failure_not_unavailable),
        cmocka_unit_test(helper_that_answers_garbage_is_a_helper_failure),
        cmocka_unit_test(helper_that_answers_out_of_turn_is_a_helper_failure),
        cmocka_unit_test(helper_that_hangs_is_expired_after_the_deadline),
        cmocka_unit_test(missing_helper_is_a_configuration_error),
        cmocka_unit_test(helper_writable_by_others_is_refused),
        cmocka_unit_test(helper_gets_no_environment_and_no_descriptor_of_ours),
        cmocka_unit_test(sigchld_is_given_back_and_only_our_child_is_reaped),
        cmocka_unit_test(real_helper_refuses_another_protocol_version),
        cmocka_unit_test(real_helper_ends_on_a_frame_out_of_turn),
        cmocka_unit_test(real_helper_reports_a_bad_configuration),
        cmocka_unit_test(frame_decoding_refuses_bad_lengths_and_nul),
        cmocka_unit_test(frame_building_stops_at_the_limits),
        cmocka_unit_test(finding_texts_are_formatted_only_when_listed),
        cmocka_unit_test(finding_format_knows_only_s_and_cuts_on_a_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

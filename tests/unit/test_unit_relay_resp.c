/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's Redis transport (tools/relay/resp.c) against a real
 * redis-server that the test starts on loopback: every reply type, a
 * pipeline, a value far larger than one read, replies that arrive a byte
 * at a time, the pool across a restart of Redis, the backoff while Redis
 * is away, a password and a database, and rediss:// with its CA (and
 * refused with another CA). */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "resp.h"

static char dir[] = "/tmp/hbresp.XXXXXX";
static char pki[512];
/* The servers running: a failed case's are stopped by the teardown. */
static pid_t running[4];

struct redis {
    pid_t pid;
    int port;
};

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A listening socket on a port of the kernel's choosing, and its port. */
static int listen_any(int *port)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static int free_port(void)
{
    int port;

    close(listen_any(&port));
    return port;
}

static bool port_answers(int port)
{
    struct sockaddr_in a = {0};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok;

    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* redis-server on 127.0.0.1:port with nothing saved; extra is NULL or a
 * NULL-ended list of more arguments. With tls, port is its TLS port and
 * plain TCP is off. Waits until it listens. */
static void redis_start(struct redis *rs, int port, bool tls,
                        const char *const *extra)
{
    char portarg[16], log[600], cert[600], key[600], ca[600];
    const char *argv[40];
    int argc = 0;

    snprintf(portarg, sizeof(portarg), "%d", port);
    snprintf(log, sizeof(log), "%s/redis.log", dir);
    argv[argc++] = "redis-server";
    argv[argc++] = "--bind";
    argv[argc++] = "127.0.0.1";
    argv[argc++] = "--save";
    argv[argc++] = "";
    argv[argc++] = "--appendonly";
    argv[argc++] = "no";
    argv[argc++] = "--dir";
    argv[argc++] = dir;
    argv[argc++] = "--logfile";
    argv[argc++] = log;
    argv[argc++] = "--port";
    if (tls) {
        snprintf(cert, sizeof(cert), "%s/server.pem", pki);
        snprintf(key, sizeof(key), "%s/server-key.pem", pki);
        snprintf(ca, sizeof(ca), "%s/ca.pem", pki);
        argv[argc++] = "0";
        argv[argc++] = "--tls-port";
        argv[argc++] = portarg;
        argv[argc++] = "--tls-cert-file";
        argv[argc++] = cert;
        argv[argc++] = "--tls-key-file";
        argv[argc++] = key;
        argv[argc++] = "--tls-ca-cert-file";
        argv[argc++] = ca;
        argv[argc++] = "--tls-auth-clients";
        argv[argc++] = "no";
    } else {
        argv[argc++] = portarg;
    }
    for (; extra != NULL && *extra != NULL; extra++)
        argv[argc++] = *extra;
    argv[argc] = NULL;
    rs->port = port;
    rs->pid = fork();
    assert_true(rs->pid >= 0);
    if (rs->pid == 0) {
        /* exec wants writable strings; the child's copies are its own. */
        char *own[40];
        for (int i = 0; i <= argc; i++)
            own[i] = argv[i] != NULL ? strdup(argv[i]) : NULL;
        execvp(own[0], own);
        _exit(127);
    }
    for (size_t i = 0; i < 4; i++) {
        if (running[i] == 0) {
            running[i] = rs->pid;
            break;
        }
    }
    for (int i = 0; i < 500 && !port_answers(port); i++) {
        int status;
        if (waitpid(rs->pid, &status, WNOHANG) == rs->pid)
            fail_msg("redis-server exited (see %s)", log);
        sleep_ms(10);
    }
    if (!port_answers(port))
        fail_msg("redis-server does not listen on %d", port);
}

static void redis_stop(struct redis *rs)
{
    int status;

    if (rs->pid <= 0)
        return;
    kill(rs->pid, SIGKILL);
    waitpid(rs->pid, &status, 0);
    for (size_t i = 0; i < 4; i++) {
        if (running[i] == rs->pid)
            running[i] = 0;
    }
    rs->pid = 0;
}

static redisReply *call(struct relay_resp *r, const char *a0, const char *a1,
                        const char *a2)
{
    const char *argv[3] = {a0, a1, a2};
    size_t lens[3] = {strlen(a0), a1 ? strlen(a1) : 0, a2 ? strlen(a2) : 0};

    return relay_resp_call(r, a2 ? 3 : a1 ? 2 : 1, argv, lens);
}

static void expect_reply(redisReply *reply, int type, const char *str)
{
    assert_non_null(reply);
    assert_int_equal(reply->type, type);
    if (str != NULL) {
        assert_int_equal(reply->len, strlen(str));
        assert_memory_equal(reply->str, str, reply->len);
    }
    freeReplyObject(reply);
}

static struct relay_resp *resp_on(int port, const char *path)
{
    char url[64], why[160] = "";
    struct relay_resp *r;

    snprintf(url, sizeof(url), "redis://127.0.0.1:%d%s", port, path);
    r = relay_resp_new(url, NULL, NULL, why, sizeof(why));
    if (r == NULL)
        fail_msg("relay_resp_new: %s", why);
    return r;
}

static void every_reply_type_arrives_as_redis_sent_it(void **ctx)
{
    struct redis rs;
    struct relay_resp *r;
    redisReply *reply;

    (void)ctx;
    redis_start(&rs, free_port(), false, NULL);
    r = resp_on(rs.port, "");
    expect_reply(call(r, "SET", "k", "v\r\n\0x"), REDIS_REPLY_STATUS, "OK");
    reply = call(r, "GET", "k", NULL);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    /* The value ends where "\0" began: strlen of the argument. */
    assert_int_equal(reply->len, 3);
    assert_memory_equal(reply->str, "v\r\n", 3);
    freeReplyObject(reply);
    reply = call(r, "INCRBY", "n", "-9223372036854775807");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    assert_true(reply->integer == -9223372036854775807LL);
    freeReplyObject(reply);
    expect_reply(call(r, "GET", "missing", NULL), REDIS_REPLY_NIL, NULL);
    expect_reply(call(r, "RPUSH", "l", "a"), REDIS_REPLY_INTEGER, NULL);
    expect_reply(call(r, "RPUSH", "l", "bc"), REDIS_REPLY_INTEGER, NULL);
    reply = call(r, "LRANGE", "l", "0");
    /* Three arguments are needed: LRANGE without its end is an error. */
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ERROR);
    assert_string_equal(reply->str,
                        "ERR wrong number of arguments for 'lrange' command");
    freeReplyObject(reply);
    {
        const char *argv[4] = {"LRANGE", "l", "0", "-1"};
        size_t lens[4] = {6, 1, 1, 2};
        reply = relay_resp_call(r, 4, argv, lens);
    }
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 2);
    assert_string_equal(reply->element[0]->str, "a");
    assert_string_equal(reply->element[1]->str, "bc");
    freeReplyObject(reply);
    expect_reply(call(r, "LRANGE", "none", NULL), REDIS_REPLY_ERROR, NULL);
    relay_resp_free(r);
    redis_stop(&rs);
}

/* Three commands sent before any reply is read come back in order on one
 * connection, as the subscriber relies on. */
static void pipelined_replies_come_back_in_order(void **ctx)
{
    struct redis rs;
    struct relay_resp *r;
    struct relay_resp_conn *c;
    char why[160] = "";
    const char *set[3] = {"SET", "p", "1"}, *incr[2] = {"INCR", "p"},
               *get[2] = {"GET", "p"};
    size_t set_l[3] = {3, 1, 1}, incr_l[2] = {4, 1}, get_l[2] = {3, 1};
    long long deadline;
    redisReply *reply;

    (void)ctx;
    redis_start(&rs, free_port(), false, NULL);
    r = resp_on(rs.port, "");
    c = relay_resp_connect(r, why, sizeof(why));
    assert_non_null(c);
    deadline = now_ms() + 2000;
    assert_true(relay_resp_send(c, 3, set, set_l, deadline));
    assert_true(relay_resp_send(c, 2, incr, incr_l, deadline));
    assert_true(relay_resp_send(c, 2, get, get_l, deadline));
    assert_int_equal(relay_resp_read(c, deadline, &reply), 1);
    expect_reply(reply, REDIS_REPLY_STATUS, "OK");
    assert_int_equal(relay_resp_read(c, deadline, &reply), 1);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    assert_int_equal(reply->integer, 2);
    freeReplyObject(reply);
    assert_int_equal(relay_resp_read(c, deadline, &reply), 1);
    expect_reply(reply, REDIS_REPLY_STRING, "2");
    /* Nothing more was asked: nothing comes before the deadline. */
    assert_int_equal(relay_resp_read(c, now_ms() + 100, &reply), 0);
    assert_null(reply);
    relay_resp_close(c);
    relay_resp_free(r);
    redis_stop(&rs);
}

/* 4 MiB both ways: many sends and reads of the transport's 4 KiB. */
static void a_value_of_4_mib_goes_and_comes_back_whole(void **ctx)
{
    const size_t size = 4u << 20;
    char *big = malloc(size + 1);
    struct redis rs;
    struct relay_resp *r;
    redisReply *reply;

    (void)ctx;
    assert_non_null(big);
    for (size_t i = 0; i < size; i++)
        big[i] = (char)('a' + i % 23);
    big[size] = '\0';
    redis_start(&rs, free_port(), false, NULL);
    r = resp_on(rs.port, "");
    expect_reply(call(r, "SET", "big", big), REDIS_REPLY_STATUS, "OK");
    reply = call(r, "GET", "big", NULL);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    assert_int_equal(reply->len, size);
    assert_memory_equal(reply->str, big, size);
    freeReplyObject(reply);
    relay_resp_free(r);
    redis_stop(&rs);
    free(big);
}

struct trickle {
    int listener;
    const char *answer;
};

/* A Redis stand-in that reads one command and answers a byte at a time. */
static void *trickle_server(void *arg)
{
    struct trickle *t = arg;
    int fd = accept(t->listener, NULL, NULL);
    char buf[256];

    if (fd < 0)
        return NULL;
    if (recv(fd, buf, sizeof(buf), 0) > 0) {
        for (const char *p = t->answer; *p != '\0'; p++) {
            if (send(fd, p, 1, MSG_NOSIGNAL) != 1)
                break;
            sleep_ms(2);
        }
    }
    /* Held open: the reader must know a reply ended by its bytes. */
    sleep_ms(300);
    close(fd);
    return NULL;
}

static void a_reply_arriving_a_byte_at_a_time_is_read_whole(void **ctx)
{
    struct trickle t = {
        -1, "*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$12\r\nhello\r\nthere\r\n"};
    int port;
    pthread_t th;
    struct relay_resp *r;
    redisReply *reply;

    (void)ctx;
    t.listener = listen_any(&port);
    assert_int_equal(pthread_create(&th, NULL, trickle_server, &t), 0);
    r = resp_on(port, "");
    reply = call(r, "PING", NULL, NULL);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    assert_int_equal(reply->elements, 3);
    assert_string_equal(reply->element[0]->str, "message");
    assert_string_equal(reply->element[1]->str, "chan");
    assert_int_equal(reply->element[2]->len, 12);
    assert_memory_equal(reply->element[2]->str, "hello\r\nthere", 12);
    freeReplyObject(reply);
    pthread_join(th, NULL);
    relay_resp_free(r);
    close(t.listener);
}

static void a_malformed_reply_breaks_the_connection(void **ctx)
{
    struct trickle t = {-1, "?what\r\n"};
    int port;
    pthread_t th;
    struct relay_resp *r;
    char why[160];

    (void)ctx;
    t.listener = listen_any(&port);
    assert_int_equal(pthread_create(&th, NULL, trickle_server, &t), 0);
    r = resp_on(port, "");
    assert_null(call(r, "PING", NULL, NULL));
    relay_resp_why(r, why, sizeof(why));
    assert_string_equal(why, "Redis stopped answering");
    pthread_join(th, NULL);
    relay_resp_free(r);
    close(t.listener);
}

/* A pooled connection that a restart closed is dropped, not used: the
 * first call after the restart already works. While Redis is away, calls
 * fail with the reason, and at once during the backoff. */
static void the_pool_survives_a_restart_and_says_why_while_away(void **ctx)
{
    struct redis rs;
    struct relay_resp *r;
    char why[160];
    long long t0;
    int port = free_port();

    (void)ctx;
    redis_start(&rs, port, false, NULL);
    r = resp_on(port, "");
    expect_reply(call(r, "PING", NULL, NULL), REDIS_REPLY_STATUS, "PONG");
    redis_stop(&rs);
    redis_start(&rs, port, false, NULL);
    sleep_ms(50); /* past the pool's FRESH_MS */
    expect_reply(call(r, "PING", NULL, NULL), REDIS_REPLY_STATUS, "PONG");
    redis_stop(&rs);
    sleep_ms(50);
    assert_null(call(r, "PING", NULL, NULL));
    relay_resp_why(r, why, sizeof(why));
    assert_string_equal(why, "cannot connect to Redis: Connection refused");
    t0 = now_ms();
    assert_null(call(r, "PING", NULL, NULL));
    assert_true(now_ms() - t0 < 50);
    redis_start(&rs, port, false, NULL);
    sleep_ms(300); /* past the backoff */
    expect_reply(call(r, "PING", NULL, NULL), REDIS_REPLY_STATUS, "PONG");
    relay_resp_why(r, why, sizeof(why));
    assert_string_equal(why, "Redis unreachable");
    relay_resp_free(r);
    redis_stop(&rs);
}

static void password_and_database_from_the_url_and_file(void **ctx)
{
    const char *extra[] = {"--requirepass", "s3cret-pw", NULL};
    char pwfile[600], bad[600], url[80], why[160] = "";
    struct redis rs;
    struct relay_resp *r;
    redisReply *reply;
    FILE *f;

    (void)ctx;
    snprintf(pwfile, sizeof(pwfile), "%s/pw", dir);
    snprintf(bad, sizeof(bad), "%s/badpw", dir);
    f = fopen(pwfile, "w");
    assert_non_null(f);
    fputs("s3cret-pw\n", f);
    fclose(f);
    f = fopen(bad, "w");
    assert_non_null(f);
    fputs("wrong\n", f);
    fclose(f);
    assert_int_equal(chmod(pwfile, 0600), 0);
    assert_int_equal(chmod(bad, 0600), 0);
    redis_start(&rs, free_port(), false, extra);
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/3", rs.port);
    r = relay_resp_new(url, pwfile, NULL, why, sizeof(why));
    assert_non_null(r);
    expect_reply(call(r, "SET", "indb3", "y"), REDIS_REPLY_STATUS, "OK");
    relay_resp_free(r);
    /* Written to database 3, not 0. */
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", rs.port);
    r = relay_resp_new(url, pwfile, NULL, why, sizeof(why));
    assert_non_null(r);
    expect_reply(call(r, "GET", "indb3", NULL), REDIS_REPLY_NIL, NULL);
    relay_resp_free(r);
    r = relay_resp_new(url, bad, NULL, why, sizeof(why));
    assert_non_null(r);
    assert_null(call(r, "PING", NULL, NULL));
    relay_resp_why(r, why, sizeof(why));
    assert_string_equal(why, "Redis refused the password");
    relay_resp_free(r);
    r = resp_on(rs.port, "");
    reply = call(r, "PING", NULL, NULL);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_ERROR);
    assert_memory_equal(reply->str, "NOAUTH ", 7);
    freeReplyObject(reply);
    relay_resp_free(r);
    redis_stop(&rs);
}

static void rediss_with_its_ca_works_and_with_another_is_refused(void **ctx)
{
    char url[80], ca[600], untrusted[600], why[160] = "";
    struct redis rs;
    struct relay_resp *r;

    (void)ctx;
    snprintf(ca, sizeof(ca), "%s/ca.pem", pki);
    snprintf(untrusted, sizeof(untrusted), "%s/untrusted-ca.pem", pki);
    redis_start(&rs, free_port(), true, NULL);
    snprintf(url, sizeof(url), "rediss://127.0.0.1:%d", rs.port);
    r = relay_resp_new(url, NULL, ca, why, sizeof(why));
    if (r == NULL)
        fail_msg("relay_resp_new: %s", why);
    expect_reply(call(r, "SET", "t", "over tls"), REDIS_REPLY_STATUS, "OK");
    expect_reply(call(r, "GET", "t", NULL), REDIS_REPLY_STRING, "over tls");
    relay_resp_free(r);
    r = relay_resp_new(url, NULL, untrusted, why, sizeof(why));
    assert_non_null(r);
    assert_null(call(r, "PING", NULL, NULL));
    relay_resp_why(r, why, sizeof(why));
    assert_memory_equal(why, "TLS to Redis failed: ", 21);
    relay_resp_free(r);
    redis_stop(&rs);
}

static int setup(void **ctx)
{
    const char *p = getenv("HB_PKI");

    (void)ctx;
    /* tests/run-tests makes the PKI; without it the TLS case cannot run,
     * which is a failure, not a skip. */
    if (p == NULL || snprintf(pki, sizeof(pki), "%s", p) >= (int)sizeof(pki)) {
        fprintf(stderr, "HB_PKI is not set (run through tests/run-tests)\n");
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **ctx)
{
    char path[600];
    const char *files[] = {"redis.log", "pw", "badpw"};

    (void)ctx;
    for (size_t i = 0; i < 4; i++) {
        struct redis rs = {running[i], 0};
        redis_stop(&rs);
    }
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_reply_type_arrives_as_redis_sent_it),
        cmocka_unit_test(pipelined_replies_come_back_in_order),
        cmocka_unit_test(a_value_of_4_mib_goes_and_comes_back_whole),
        cmocka_unit_test(a_reply_arriving_a_byte_at_a_time_is_read_whole),
        cmocka_unit_test(a_malformed_reply_breaks_the_connection),
        cmocka_unit_test(the_pool_survives_a_restart_and_says_why_while_away),
        cmocka_unit_test(password_and_database_from_the_url_and_file),
        cmocka_unit_test(rediss_with_its_ca_works_and_with_another_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

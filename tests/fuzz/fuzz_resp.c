/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target: the bytes of an input are what "Redis" sends on a
 * connection of haobtc-relay's own (tools/relay/resp.c), read with
 * relay_resp_read as the subscriber reads them, until the connection
 * breaks or the replies end. A real socket carries them, so resp.c's own
 * loop (poll, recv, the reader's buffer and its wiping) runs unchanged;
 * every reply it hands out is walked, so a bad length or a dangling
 * element shows under ASan. */
#include "autoconf.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "resp.h"

static int listener = -1;
static struct relay_resp *resp;

struct feed {
    int fd;
    const uint8_t *data;
    size_t size;
};

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A thread writes, so an input larger than the socket's buffers cannot
 * block the reader that would drain them. */
static void *feed_bytes(void *arg)
{
    struct feed *f = arg;
    size_t off = 0;

    while (off < f->size) {
        ssize_t n = send(f->fd, f->data + off, f->size - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(f->fd);
    return NULL;
}

static size_t walk(const redisReply *r, unsigned depth)
{
    size_t sum = 0;

    if (depth > 64)
        abort();
    switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        for (size_t i = 0; i < r->len; i++)
            sum += (unsigned char)r->str[i];
        break;
    case REDIS_REPLY_ARRAY:
        for (size_t i = 0; i < r->elements; i++)
            sum += walk(r->element[i], depth + 1);
        break;
    case REDIS_REPLY_INTEGER:
        sum = (size_t)r->integer;
        break;
    case REDIS_REPLY_NIL:
        break;
    default:
        abort(); /* a type the reader has no business making */
    }
    return sum;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof(a);
    char url[64], why[160];

    (void)argc;
    (void)argv;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(listener, 16) != 0 ||
        getsockname(listener, (struct sockaddr *)&a, &len) != 0)
        abort();
    snprintf(url, sizeof(url), "redis://127.0.0.1:%u", ntohs(a.sin_port));
    resp = relay_resp_new(url, NULL, NULL, why, sizeof(why));
    if (resp == NULL)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[160];
    struct relay_resp_conn *c = relay_resp_connect(resp, why, sizeof(why));
    struct feed f = {-1, data, size};
    pthread_t writer;
    redisReply *reply;
    volatile size_t sink = 0;
    int rc;

    if (c == NULL)
        abort();
    f.fd = accept(listener, NULL, NULL);
    if (f.fd < 0 || pthread_create(&writer, NULL, feed_bytes, &f) != 0)
        abort();
    /* The deadline only guards against a hang: the writer's close ends
     * every input with -1 long before. */
    while ((rc = relay_resp_read(c, now_ms() + 5000, &reply)) == 1) {
        sink += walk(reply, 0);
        freeReplyObject(reply);
    }
    if (rc != -1)
        abort();
    relay_resp_close(c);
    pthread_join(writer, NULL);
    (void)sink;
    return 0;
}

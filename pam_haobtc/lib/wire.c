/* SPDX-License-Identifier: BSD-2-Clause */
/* Frames between the module and its helper: a 4-byte big-endian body
 * length, a type byte, then fields as a 2-byte big-endian length and bytes.
 * Both ends check every length, so neither trusts the other's framing. */
#include "autoconf.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "secure.h"
#include "wire.h"

void hb_wire_init(struct hb_wire *w, int type)
{
    memset(w, 0, sizeof(*w));
    w->type = type;
}

void hb_wire_clear(struct hb_wire *w)
{
    hb_wipe(w, sizeof(*w));
}

bool hb_wire_add(struct hb_wire *w, const char *s)
{
    size_t n = strlen(s);
    /* Every field costs its 2-byte length in the frame, and one NUL here. */
    size_t framed = 1;
    for (int i = 0; i < w->n_fields; i++)
        framed += 2 + strlen(w->field[i]);
    if (w->n_fields >= HB_WIRE_FIELDS || n > 0xffff ||
        framed + 2 + n > HB_WIRE_MAX)
        return false;
    char *slot = w->store + w->used;
    memcpy(slot, s, n + 1);
    w->field[w->n_fields++] = slot;
    w->used += n + 1;
    return true;
}

const char *hb_wire_field(const struct hb_wire *w, int i)
{
    return i >= 0 && i < w->n_fields ? w->field[i] : "";
}

static enum hb_status send_all(int fd, const unsigned char *p, size_t n,
                               struct hb_error *err)
{
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return hb_fail(err, HB_ERR_HELPER,
                           "the haobtc helper went away (%s)",
                           k < 0 ? strerror(errno) : "closed");
        p += k;
        n -= (size_t)k;
    }
    return HB_OK;
}

enum hb_status hb_wire_send(int fd, const struct hb_wire *w,
                            struct hb_error *err)
{
    unsigned char buf[4 + HB_WIRE_MAX];
    size_t n = 4;
    buf[n++] = (unsigned char)w->type;
    for (int i = 0; i < w->n_fields; i++) {
        size_t len = strlen(w->field[i]);
        buf[n++] = (unsigned char)(len >> 8);
        buf[n++] = (unsigned char)(len & 0xff);
        memcpy(buf + n, w->field[i], len);
        n += len;
    }
    size_t body = n - 4;
    buf[0] = (unsigned char)(body >> 24);
    buf[1] = (unsigned char)(body >> 16);
    buf[2] = (unsigned char)(body >> 8);
    buf[3] = (unsigned char)body;
    enum hb_status status = send_all(fd, buf, n, err);
    hb_wipe(buf, n);
    return status;
}

enum hb_status hb_wire_decode(const unsigned char *body, size_t len,
                              struct hb_wire *w, struct hb_error *err)
{
    if (len < 1 || len > HB_WIRE_MAX)
        return hb_fail(err, HB_ERR_HELPER, "helper frame of %zu bytes", len);
    hb_wire_init(w, body[0]);
    if (w->type < HB_WIRE_START || w->type > HB_WIRE_LAST)
        return hb_fail(err, HB_ERR_HELPER, "helper frame of unknown type %d",
                       w->type);
    size_t at = 1;
    while (at < len) {
        if (len - at < 2 || w->n_fields >= HB_WIRE_FIELDS)
            return hb_fail(err, HB_ERR_HELPER, "malformed helper frame");
        size_t n = ((size_t)body[at] << 8) | body[at + 1];
        at += 2;
        if (n > len - at || memchr(body + at, '\0', n) != NULL)
            return hb_fail(err, HB_ERR_HELPER, "malformed helper frame");
        char *slot = w->store + w->used;
        memcpy(slot, body + at, n);
        slot[n] = '\0';
        w->field[w->n_fields++] = slot;
        w->used += n + 1;
        at += n;
    }
    return HB_OK;
}

/* Reads exactly n bytes, waiting in slices of a second so the watch can
 * be kept and the deadline too. */
static enum hb_status recv_all(int fd, unsigned char *p, size_t n,
                               time_t deadline,
                               const struct hb_wire_watch *watch,
                               struct hb_error *err)
{
    while (n > 0) {
        int slice = 1000;
        if (deadline != 0) {
            time_t now = time(NULL);
            if (now >= deadline)
                return hb_fail(err, HB_ERR_EXPIRED,
                               "the haobtc helper did not answer before the "
                               "login's deadline");
            if (deadline - now < 1)
                slice = 500;
        }
        struct pollfd pfd[2] = {{.fd = fd, .events = POLLIN},
                                {.fd = -1, .events = POLLIN}};
        if (watch != NULL)
            pfd[1].fd = watch->fd;
        int ready = poll(pfd, 2, slice);
        if (ready < 0 && errno != EINTR)
            return hb_fail(err, HB_ERR_SYSTEM, "waiting for the helper: %s",
                           strerror(errno));
        if (watch != NULL && (ready <= 0 || pfd[1].revents != 0)) {
            enum hb_status status = watch->check(watch->arg, err);
            if (status != HB_OK)
                return status;
        }
        if (ready <= 0 || pfd[0].revents == 0)
            continue;
        ssize_t k = recv(fd, p, n, 0);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k <= 0)
            return hb_fail(err, HB_ERR_HELPER,
                           "the haobtc helper ended without an answer");
        p += k;
        n -= (size_t)k;
    }
    return HB_OK;
}

enum hb_status hb_wire_recv(int fd, time_t deadline,
                            const struct hb_wire_watch *watch,
                            struct hb_wire *w, struct hb_error *err)
{
    unsigned char head[4];
    enum hb_status status =
        recv_all(fd, head, sizeof(head), deadline, watch, err);
    if (status != HB_OK)
        return status;
    size_t len = ((size_t)head[0] << 24) | ((size_t)head[1] << 16) |
                 ((size_t)head[2] << 8) | head[3];
    if (len < 1 || len > HB_WIRE_MAX)
        return hb_fail(err, HB_ERR_HELPER, "helper frame of %zu bytes", len);
    unsigned char body[HB_WIRE_MAX];
    status = recv_all(fd, body, len, deadline, watch, err);
    if (status == HB_OK)
        status = hb_wire_decode(body, len, w, err);
    hb_wipe(body, len);
    return status;
}

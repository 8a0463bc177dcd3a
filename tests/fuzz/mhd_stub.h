/* SPDX-License-Identifier: BSD-2-Clause */
/* The few libmicrohttpd calls haobtc-relay's handlers make, done in memory
 * so tests/fuzz/fuzz_relay.c can run pages.c, reply.c, auth.c, store.c and
 * wait.c unchanged on requests it makes up. The fuzz target links this in
 * place of libmicrohttpd. */
#ifndef HB_MHD_STUB_H
#define HB_MHD_STUB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

struct stub_value {
    enum MHD_ValueKind kind;
    char *key;
    size_t key_len;
    char *value; /* NULL for a bare "?key" */
    size_t value_len;
};

/* One request on a connection, and what the handlers answered. */
struct MHD_Connection {
    struct stub_value *values;
    size_t n_values;
    /* What MHD would still be sending; let go of by stub_sent. */
    struct MHD_Response *response;
    int queued;
    unsigned status;
    char *body; /* a copy of the answer's body, NUL-terminated */
    size_t body_len;
    char *headers; /* "Name: value\n" lines, NUL-terminated */
    /* Resumes come from the deadline thread too. */
    atomic_bool suspended;
    atomic_bool resumed;
};

struct MHD_Connection *stub_connection_new(void);
/* Header lines, cookies (taken from a Cookie header, as MHD does) and the
 * query string, decoded as MHD decodes them. */
void stub_add_header(struct MHD_Connection *c, const char *name,
                     const char *value);
void stub_add_query(struct MHD_Connection *c, const char *query);
/* MHD's decoding, in place: %XX, and '+' (plus true) in a query. */
size_t stub_unescape(char *s, size_t n, bool plus);
/* MHD has sent the queued answer: it lets go of the response, which may
 * free the handler's buffer. */
void stub_sent(struct MHD_Connection *c);
/* Ready for the next request on the same connection. */
void stub_answer_clear(struct MHD_Connection *c);
void stub_connection_free(struct MHD_Connection *c);
/* The value of a response header, or NULL; the first of its name. */
const char *stub_header(const struct MHD_Connection *c, const char *name,
                        size_t *len);

#endif

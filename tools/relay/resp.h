/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-relay's connections to Redis (resp.c). */
#ifndef HB_RELAY_RESP_H
#define HB_RELAY_RESP_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

struct relay_resp;
struct relay_resp_conn;

/* url is redis[s]://[user@]host[:port][/db]; password_file and ca_file
 * may be NULL. NULL with *why set on a bad URL or file. */
struct relay_resp *relay_resp_new(const char *url, const char *password_file,
                                  const char *ca_file, char *why, size_t n);
void relay_resp_free(struct relay_resp *r);
/* One command on a pooled connection: the reply (free it with
 * freeReplyObject; it may be an error reply), or NULL when Redis cannot
 * be reached (relay_resp_why says why). */
redisReply *relay_resp_call(struct relay_resp *r, int argc, const char **argv,
                            const size_t *lens);
void relay_resp_why(struct relay_resp *r, char *why, size_t n);

/* A connection of one's own (the subscriber's), authenticated and on
 * the database; NULL with *why set. */
struct relay_resp_conn *relay_resp_connect(struct relay_resp *r, char *why,
                                           size_t n);
bool relay_resp_send(struct relay_resp_conn *c, int argc, const char **argv,
                     const size_t *lens, long long deadline_ms);
/* 1 a reply, 0 none before deadline_ms (monotonic), -1 broken. */
int relay_resp_read(struct relay_resp_conn *c, long long deadline_ms,
                    redisReply **out);
void relay_resp_close(struct relay_resp_conn *c);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/* Declarations shared by haobtc-mock's main, replies, routes and store. */
#ifndef HB_MOCK_H
#define HB_MOCK_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "buf.h"
#include "codes.h"
#include "secure.h"
#include "text.h"

#include <microhttpd.h>

/* Hex of 32 random bytes plus the terminator. */
#define MOCK_SECRET_LEN 65
/* A PKCE S256 code_challenge: base64url of 32 bytes, no padding. */
#define MOCK_CHALLENGE_LEN 43

enum mock_user_status {
    MOCK_USER_ACTIVE,
    MOCK_USER_DELETED,
    MOCK_USER_UNAUTHORIZED
};

struct mock_user {
    char *uuid;
    char *username;
    char *address;
    enum mock_user_status status;
};

enum mock_status { MOCK_OK = 0, MOCK_NOT_FOUND, MOCK_FULL, MOCK_ERROR };

enum mock_counter {
    MOCK_COUNT_CONNECTIONS,
    MOCK_COUNT_REQUESTS,
    MOCK_COUNT_TOKEN,
    MOCK_COUNT_PROFILE,
    MOCK_COUNT_HEAD, /* HEAD requests (a module keeping its connection) */
    MOCK_COUNT_MAX
};

/* Which connection carried the last request of a kind (see
 * mock_connection_opened). */
enum mock_seen { MOCK_SEEN_TOKEN, MOCK_SEEN_PROFILE, MOCK_SEEN_MAX };

enum mock_fault_mode {
    MOCK_FAULT_NONE,
    MOCK_FAULT_DELAY,
    MOCK_FAULT_STALL,
    MOCK_FAULT_RESET,
    MOCK_FAULT_HTML,
    MOCK_FAULT_MALFORMED,
    MOCK_FAULT_HUGE,
    MOCK_FAULT_HUGE_CHUNKED,
    MOCK_FAULT_DEEP,
    MOCK_FAULT_HTTP500,
    MOCK_FAULT_CODE,
    MOCK_FAULT_NO_TOKEN,
    MOCK_FAULT_EMPTY_TOKEN,
    MOCK_FAULT_NUMBER_TOKEN,
    MOCK_FAULT_NUL_TOKEN,
    MOCK_FAULT_OK_FALSE_NO_CODE,
    MOCK_FAULT_NESTED,
    MOCK_FAULT_HTTP429,
    MOCK_FAULT_HTTP502,
    MOCK_FAULT_HTTP503
};

/* Bits of a fault's target set. */
#define MOCK_TARGET_TOKEN 1u
#define MOCK_TARGET_PROFILE 2u

struct mock_fault {
    enum mock_fault_mode mode;
    long delay_ms;
    long code;
};

/* NULL for a code outside the provider's table. */

/* users_file NULL selects the built-in users. */
int mock_store_init(const char *users_file, long code_ttl, long token_ttl);
void mock_store_free(void);

/* Users never change after init, so these need no lock. */
size_t mock_user_count(void);
const struct mock_user *mock_user_at(size_t i);
const struct mock_user *mock_user_find(const char *username);

/* Fills out (MOCK_SECRET_LEN bytes) with a fresh single-use code, issued
 * with the PKCE challenge (MOCK_CHALLENGE_LEN characters, NULL for none). */
enum mock_status mock_code_issue(const char *client_id,
                                 const struct mock_user *user,
                                 const char *challenge, char *out);
/* Consumes the code whatever the outcome, as the provider does; challenge
 * receives the one it was issued with ("" for none). */
enum mock_status mock_code_take(const char *code, const char *client_id,
                                const struct mock_user **user,
                                char challenge[MOCK_CHALLENGE_LEN + 1]);
enum mock_status mock_token_issue(const struct mock_user *user, char *token);
enum mock_status mock_token_find(const char *token,
                                 const struct mock_user **user);
int mock_random_hex(char *out);

void mock_count(enum mock_counter which);
void mock_counts_get(unsigned long out[MOCK_COUNT_MAX]);
void mock_counts_reset(void);
/* Counts a new connection and returns its number: 1, 2, ... in the order
 * they were accepted, never reset (the stats' "connections" is). */
unsigned long mock_connection_opened(void);
unsigned long mock_connection_last(void);
void mock_seen_set(enum mock_seen which, unsigned long connection);
unsigned long mock_seen_get(enum mock_seen which);
/* Seconds an idle connection is kept open after a request that began
 * with this setting (main.c closes it); 0 sets the default back. */
void mock_idle_set(unsigned seconds);
unsigned mock_idle_get(void);

/* 0 and the mode for a name such as "huge_chunked", -1 for no such mode. */
int mock_fault_parse(const char *name, enum mock_fault_mode *mode);
/* count 0 keeps the fault until it is changed. */
void mock_fault_set(const struct mock_fault *fault, unsigned targets,
                    long count);
/* The fault for one request to target; uses up one of its count. */
struct mock_fault mock_fault_take(unsigned target);
void mock_layout_set(int nested);
int mock_layout_nested(void);

/* For tests only: a path to which every issued code and token is appended,
 * one a line, so a test can prove none of them reached a log. NULL for none.
 */
int mock_secrets_log_open(const char *path);
/* 0 once secret is recorded (or when there is no secrets log). */
int mock_secret_log(const char *secret);

/* --- HTTP side: options, per-request state and replies (reply.c) --- */

#define BODY_MAX 16384
/* How long an idle connection stays open unless a test says otherwise. */
#define MOCK_IDLE_DEFAULT 120u
#define FIELDS_MAX 32
#define AUTHORIZE_PATH "/auth/oauth/authorize/"

struct mock_options {
    long port;
    long http_port;
    long code_ttl;
    long token_ttl;
    const char *cert_file;
    const char *key_file;
    const char *users_file;
    const char *client_id;
    const char *redirect_uri;
    const char *blocked_client;
    const char *port_file;
    const char *http_port_file;
    const char *secret_file;
    const char *secrets_log;
    char *client_secret;
    int nested;
    int quiet;
    int require_pkce; /* authorize refuses a request without a challenge */
    int ignore_pkce;  /* token redeems a code whatever the verifier */
};

struct mock_field {
    char *key;
    char *val;
    size_t len;
};

/* Per-request state; url and method stay valid for the request's life. */
struct mock_request {
    const char *url;
    const char *method;
    unsigned long connection; /* its number (mock_connection_opened) */
    struct MHD_PostProcessor *pp;
    struct mock_field field[FIELDS_MAX];
    size_t n_fields;
    size_t body_len;
    int bad_body;
};

struct json_object;

/* Set once by main before the daemons start; read-only afterwards. */
extern struct mock_options mock_opt;
/* Set on shutdown so a delaying fault stops sleeping. */
extern atomic_int mock_stopping;

void mock_buf_add_url(struct hb_buf *b, const char *s);

/* Each queues (or, for a NULL response, drops) the reply and logs it. */
enum MHD_Result mock_send_resp(struct MHD_Connection *c,
                               const struct mock_request *req, unsigned status,
                               struct MHD_Response *r);
enum MHD_Result mock_send_body(struct MHD_Connection *c,
                               const struct mock_request *req, unsigned status,
                               const char *type, const char *body, size_t len);
enum MHD_Result mock_send_text(struct MHD_Connection *c,
                               const struct mock_request *req, unsigned status,
                               const char *body);
enum MHD_Result mock_send_internal(struct MHD_Connection *c,
                                   const struct mock_request *req);
/* Takes ownership of obj. */
enum MHD_Result mock_send_json(struct MHD_Connection *c,
                               const struct mock_request *req,
                               struct json_object *obj);
enum MHD_Result mock_send_error(struct MHD_Connection *c,
                                const struct mock_request *req, long code);
enum MHD_Result mock_send_misuse(struct MHD_Connection *c,
                                 const struct mock_request *req);
void mock_add_str(struct json_object *obj, const char *key, const char *v);
struct json_object *mock_ok_object(void);

const char *mock_form_get(const struct mock_request *req, const char *key);
const char *mock_query_get(struct MHD_Connection *c, const char *key);
/* The form's value if there is one, else the query's. */
const char *mock_any_get(struct MHD_Connection *c,
                         const struct mock_request *req, const char *key);
/* An MHD_PostDataIterator collecting fields into the mock_request cls. */
enum MHD_Result mock_form_iter(void *cls, enum MHD_ValueKind kind,
                               const char *key, const char *filename,
                               const char *content_type, const char *encoding,
                               const char *data, uint64_t off, size_t size);
void mock_request_free(struct mock_request *req);

/* 1 when the fault has answered (or dropped) the request, 0 to go on. */
int mock_apply_fault(struct MHD_Connection *c, const struct mock_request *req,
                     unsigned target, int *nested, enum MHD_Result *ret);

/* Answers a complete request (routes.c). */
enum MHD_Result mock_dispatch(struct MHD_Connection *c,
                              const struct mock_request *req);

#endif

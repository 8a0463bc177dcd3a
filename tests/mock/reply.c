/* SPDX-License-Identifier: BSD-2-Clause */
/* haobtc-mock's replies: buffers, JSON and error bodies, form fields, faults.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "mock.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <microhttpd.h>

#define HUGE_SIZE (1024 * 1024)
#define DEEP_DEPTH 10000
#define STALL_MS 60000L
#define JSON_TYPE "application/json; charset=utf-8"
#define BAD_GATEWAY "<html><body>Bad Gateway</body></html>"

void mock_buf_add_url(struct hb_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        char esc[3] = {'%', hex[ch >> 4], hex[ch & 0xf]};

        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
            (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL)
            hb_buf_addn(b, s, 1);
        else
            hb_buf_addn(b, esc, 3);
    }
}

static void printable(char *out, size_t size, const char *in)
{
    size_t i;

    for (i = 0; in[i] != '\0' && i < size - 1; i++)
        out[i] = in[i] > 0x20 && in[i] < 0x7f ? in[i] : '?';
    out[i] = '\0';
}

/* Only method, path and status: queries and bodies carry codes and tokens. */
static void log_request(const struct mock_request *req, unsigned status)
{
    char method[17];
    char path[129];

    if (mock_opt.quiet)
        return;
    printable(method, sizeof(method), req->method);
    printable(path, sizeof(path), req->url);
    if (status == 0)
        fprintf(stderr, "haobtc-mock: %s %s -\n", method, path);
    else
        fprintf(stderr, "haobtc-mock: %s %s %u\n", method, path, status);
}

enum MHD_Result mock_send_resp(struct MHD_Connection *c,
                               const struct mock_request *req, unsigned status,
                               struct MHD_Response *r)
{
    enum MHD_Result ret;

    if (r == NULL) {
        log_request(req, 0);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    log_request(req, status);
    return ret;
}

static struct MHD_Response *typed(struct MHD_Response *r, const char *type)
{
    if (r != NULL && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                             type) != MHD_YES) {
        MHD_destroy_response(r);
        return NULL;
    }
    return r;
}

enum MHD_Result mock_send_body(struct MHD_Connection *c,
                               const struct mock_request *req, unsigned status,
                               const char *type, const char *body, size_t len)
{
    /* Copied here: MHD's own copying call takes the buffer as non-const. */
    char *copy = malloc(len != 0 ? len : 1);
    struct MHD_Response *r = NULL;

    if (copy != NULL) {
        memcpy(copy, body, len);
        r = MHD_create_response_from_buffer_with_free_callback(len, copy, free);
        if (r == NULL)
            free(copy);
    }
    return mock_send_resp(c, req, status, typed(r, type));
}

enum MHD_Result mock_send_text(struct MHD_Connection *c,
                               const struct mock_request *req, unsigned status,
                               const char *body)
{
    return mock_send_body(c, req, status, JSON_TYPE, body, strlen(body));
}

enum MHD_Result mock_send_internal(struct MHD_Connection *c,
                                   const struct mock_request *req)
{
    return mock_send_text(c, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                          "{\"ok\":false,\"code\":500,\"message\":\"internal "
                          "error\"}");
}

/* Takes ownership of obj. */
enum MHD_Result mock_send_json(struct MHD_Connection *c,
                               const struct mock_request *req,
                               struct json_object *obj)
{
    enum MHD_Result ret;
    size_t len = 0;
    const char *s = NULL;

    if (obj != NULL)
        s = json_object_to_json_string_length(
            obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (s == NULL)
        ret = mock_send_internal(c, req);
    else
        ret = mock_send_body(c, req, MHD_HTTP_OK, JSON_TYPE, s, len);
    json_object_put(obj);
    return ret;
}

void mock_add_str(struct json_object *obj, const char *key, const char *v)
{
    json_object_object_add(obj, key, json_object_new_string(v));
}

struct json_object *mock_ok_object(void)
{
    struct json_object *obj = json_object_new_object();

    if (obj != NULL) {
        json_object_object_add(obj, "ok", json_object_new_boolean(1));
        json_object_object_add(obj, "code", json_object_new_int(0));
    }
    return obj;
}

enum MHD_Result mock_send_error(struct MHD_Connection *c,
                                const struct mock_request *req, long code)
{
    /* The same table the module reads: one source for every text. */
    const struct hb_code_info *t = hb_code_lookup(code);
    struct json_object *obj = json_object_new_object();
    char message[256];

    if (t == NULL || obj == NULL) {
        json_object_put(obj);
        return mock_send_internal(c, req);
    }
    snprintf(message, sizeof(message), "%s (%s)", t->english, t->chinese);
    json_object_object_add(obj, "ok", json_object_new_boolean(0));
    json_object_object_add(obj, "code", json_object_new_int64(code));
    mock_add_str(obj, "message", message);
    return mock_send_json(c, req, obj);
}

/* The mock's own helpers say plainly when a test drives them wrongly. */
enum MHD_Result mock_send_misuse(struct MHD_Connection *c,
                                 const struct mock_request *req)
{
    return mock_send_text(
        c, req, MHD_HTTP_BAD_REQUEST,
        "{\"ok\":false,\"code\":40001,\"message\":\"missing or "
        "bad parameter (缺少参数)\"}");
}

/* A repeated field counts by its last value, as the provider's Django
 * QueryDict does; empty values and values with NUL count as missing. */
const char *mock_form_get(const struct mock_request *req, const char *key)
{
    for (size_t i = req->n_fields; i-- > 0;) {
        const struct mock_field *f = &req->field[i];

        if (strcmp(f->key, key) == 0)
            return f->len == 0 || memchr(f->val, '\0', f->len) != NULL ? NULL
                                                                       : f->val;
    }
    return NULL;
}

const char *mock_query_get(struct MHD_Connection *c, const char *key)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

const char *mock_any_get(struct MHD_Connection *c,
                         const struct mock_request *req, const char *key)
{
    const char *v = mock_form_get(req, key);

    return v != NULL ? v : mock_query_get(c, key);
}

enum MHD_Result mock_form_iter(void *cls, enum MHD_ValueKind kind,
                               const char *key, const char *filename,
                               const char *content_type, const char *encoding,
                               const char *data, uint64_t off, size_t size)
{
    struct mock_request *req = cls;
    struct mock_field *f;
    char *grown;

    (void)kind;
    (void)filename;
    (void)content_type;
    (void)encoding;
    if (off == 0) {
        if (req->n_fields >= FIELDS_MAX)
            return MHD_NO;
        f = &req->field[req->n_fields];
        f->key = strdup(key);
        f->val = calloc(1, 1);
        f->len = 0;
        if (f->key == NULL || f->val == NULL) {
            free(f->key);
            free(f->val);
            return MHD_NO;
        }
        req->n_fields++;
    } else {
        if (req->n_fields == 0)
            return MHD_NO;
        f = &req->field[req->n_fields - 1];
        if (strcmp(f->key, key) != 0 || off != f->len)
            return MHD_NO;
    }
    if (size == 0)
        return MHD_YES;
    if (size > BODY_MAX || f->len + size > BODY_MAX)
        return MHD_NO;
    grown = realloc(f->val, f->len + size + 1);
    if (grown == NULL)
        return MHD_NO;
    memcpy(grown + f->len, data, size);
    f->len += size;
    grown[f->len] = '\0';
    f->val = grown;
    return MHD_YES;
}

void mock_request_free(struct mock_request *req)
{
    if (req->pp != NULL)
        MHD_destroy_post_processor(req->pp);
    for (size_t i = 0; i < req->n_fields; i++) {
        hb_wipe(req->field[i].val, req->field[i].len);
        free(req->field[i].val);
        free(req->field[i].key);
    }
    free(req);
}

/* Sleeps in short steps so a shutdown is never held up by a fault. */
static void nap_ms(long ms)
{
    while (ms > 0 && !atomic_load(&mock_stopping)) {
        long step = ms < 100 ? ms : 100;
        struct timespec ts = {0, step * 1000000L};

        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static const char huge_head[] =
    "{\"ok\":true,\"code\":0,\"access_token\":\"huge\",\"padding\":\"";

static char huge_byte(uint64_t pos)
{
    if (pos < sizeof(huge_head) - 1)
        return huge_head[pos];
    if (pos == HUGE_SIZE - 2)
        return '"';
    if (pos == HUGE_SIZE - 1)
        return '}';
    return 'x';
}

static ssize_t huge_read(void *cls, uint64_t pos, char *out, size_t max)
{
    size_t n = 0;

    (void)cls;
    if (pos >= HUGE_SIZE)
        return MHD_CONTENT_READER_END_OF_STREAM;
    for (; n < max && pos + n < HUGE_SIZE; n++)
        out[n] = huge_byte(pos + n);
    return (ssize_t)n;
}

static struct MHD_Response *filled_response(size_t len, int deep)
{
    char *body = malloc(len);
    struct MHD_Response *r;

    if (body == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++)
        body[i] = deep ? (i < len / 2 ? '[' : ']') : huge_byte(i);
    r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL)
        free(body);
    return typed(r, JSON_TYPE);
}

static enum MHD_Result send_fake_token(struct MHD_Connection *c,
                                       const struct mock_request *req,
                                       enum mock_fault_mode mode)
{
    struct json_object *obj = mock_ok_object();

    if (obj == NULL)
        return mock_send_internal(c, req);
    if (mode == MOCK_FAULT_EMPTY_TOKEN)
        mock_add_str(obj, "access_token", "");
    else if (mode == MOCK_FAULT_NUMBER_TOKEN)
        json_object_object_add(obj, "access_token", json_object_new_int(12345));
    mock_add_str(obj, "token_type", "Bearer");
    json_object_object_add(obj, "expires_in",
                           json_object_new_int64(mock_opt.token_ttl));
    mock_add_str(obj, "scope", "user_info");
    return mock_send_json(c, req, obj);
}

/* 1 when the fault has answered (or dropped) the request, 0 to go on. */
int mock_apply_fault(struct MHD_Connection *c, const struct mock_request *req,
                     unsigned target, int *nested, enum MHD_Result *ret)
{
    struct mock_fault f = mock_fault_take(target);
    unsigned ok = MHD_HTTP_OK;

    switch (f.mode) {
    case MOCK_FAULT_NONE:
        return 0;
    case MOCK_FAULT_DELAY:
        nap_ms(f.delay_ms);
        return 0;
    case MOCK_FAULT_NESTED:
        *nested = 1;
        return 0;
    case MOCK_FAULT_STALL:
        nap_ms(STALL_MS);
        *ret = mock_send_resp(c, req, 0, NULL);
        break;
    case MOCK_FAULT_RESET:
        *ret = mock_send_resp(c, req, 0, NULL);
        break;
    case MOCK_FAULT_HTML:
        *ret = mock_send_body(c, req, ok, "text/html; charset=utf-8",
                              BAD_GATEWAY, sizeof(BAD_GATEWAY) - 1);
        break;
    case MOCK_FAULT_MALFORMED:
        *ret = mock_send_text(c, req, ok,
                              "{\"ok\": true, \"access_token\": \"abc");
        break;
    case MOCK_FAULT_HUGE:
        *ret = mock_send_resp(c, req, ok, filled_response(HUGE_SIZE, 0));
        break;
    case MOCK_FAULT_HUGE_CHUNKED:
        *ret = mock_send_resp(
            c, req, ok,
            typed(MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024,
                                                    huge_read, NULL, NULL),
                  JSON_TYPE));
        break;
    case MOCK_FAULT_DEEP:
        *ret = mock_send_resp(c, req, ok, filled_response(2 * DEEP_DEPTH, 1));
        break;
    case MOCK_FAULT_HTTP500:
        *ret = mock_send_internal(c, req);
        break;
    /* As a proxy in front of haobtc answers: a page, not JSON. */
    case MOCK_FAULT_HTTP429:
        *ret = mock_send_text(c, req, MHD_HTTP_TOO_MANY_REQUESTS,
                              "<html><body>Too Many Requests</body></html>");
        break;
    case MOCK_FAULT_HTTP502:
        *ret = mock_send_text(c, req, MHD_HTTP_BAD_GATEWAY,
                              "<html><body>Bad Gateway</body></html>");
        break;
    case MOCK_FAULT_HTTP503:
        *ret = mock_send_text(c, req, MHD_HTTP_SERVICE_UNAVAILABLE,
                              "<html><body>Service Unavailable</body></html>");
        break;
    case MOCK_FAULT_CODE:
        *ret = mock_send_error(c, req, f.code);
        break;
    case MOCK_FAULT_NO_TOKEN:
    case MOCK_FAULT_EMPTY_TOKEN:
    case MOCK_FAULT_NUMBER_TOKEN:
        *ret = send_fake_token(c, req, f.mode);
        break;
    case MOCK_FAULT_NUL_TOKEN:
        *ret = mock_send_text(c, req, ok,
                              "{\"ok\":true,\"code\":0,\"access_token\":"
                              "\"abc\\u0000def\",\"token_type\":\"Bearer\","
                              "\"expires_in\":300,\"scope\":\"user_info\"}");
        break;
    case MOCK_FAULT_OK_FALSE_NO_CODE:
        *ret = mock_send_text(c, req, ok, "{\"ok\":false}");
        break;
    }
    return 1;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* libmicrohttpd as far as haobtc-relay's handlers use it, in memory, for
 * the fuzz target: request values looked up as MHD looks them up,
 * responses kept as MHD keeps them (reference counted, the body's free
 * callback called when the last reference goes), suspend and resume
 * checked for the order MHD demands. */
#include "autoconf.h"

#include "mhd_stub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct MHD_Response {
    size_t size;
    void *buffer;
    MHD_ContentReaderFreeCallback free_cb;
    void *free_cls;
    char *headers;
    size_t headers_len;
    int refs;
};

static void *must(void *p)
{
    if (p == NULL)
        abort();
    return p;
}

struct MHD_Connection *stub_connection_new(void)
{
    return must(calloc(1, sizeof(struct MHD_Connection)));
}

static void add_value(struct MHD_Connection *c, enum MHD_ValueKind kind,
                      const char *key, size_t key_len, const char *value,
                      size_t value_len)
{
    struct stub_value *v;

    c->values =
        must(realloc(c->values, (c->n_values + 1) * sizeof(*c->values)));
    v = &c->values[c->n_values++];
    v->kind = kind;
    v->key = must(strndup(key, key_len));
    v->key_len = key_len;
    v->value = NULL;
    v->value_len = 0;
    if (value != NULL) {
        /* Decoded values may hold a NUL: copied whole. */
        v->value = must(malloc(value_len + 1));
        memcpy(v->value, value, value_len);
        v->value[value_len] = '\0';
        v->value_len = value_len;
    }
}

/* "name=value; name2=value2", as MHD splits a Cookie header. */
static void add_cookies(struct MHD_Connection *c, const char *line)
{
    while (*line != '\0') {
        size_t n = strcspn(line, ";");
        const char *eq = memchr(line, '=', n);
        const char *key = line;
        size_t key_len = eq != NULL ? (size_t)(eq - line) : n;

        while (key_len > 0 && *key == ' ') {
            key++;
            key_len--;
        }
        if (eq != NULL) {
            const char *val = eq + 1;
            size_t val_len = n - key_len - (size_t)(key - line) - 1;

            if (val_len >= 2 && val[0] == '"' && val[val_len - 1] == '"') {
                val++;
                val_len -= 2;
            }
            add_value(c, MHD_COOKIE_KIND, key, key_len, val, val_len);
        }
        line += n;
        if (*line == ';')
            line++;
    }
}

void stub_add_header(struct MHD_Connection *c, const char *name,
                     const char *value)
{
    add_value(c, MHD_HEADER_KIND, name, strlen(name), value, strlen(value));
    if (strcasecmp(name, "Cookie") == 0)
        add_cookies(c, value);
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* In place, as MHD decodes: %XX (a % without two hex digits stays as it
 * is), and in a query '+' too. */
size_t stub_unescape(char *s, size_t n, bool plus)
{
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        int hi = s[i] == '%' && i + 2 < n ? hex_digit(s[i + 1]) : -1;
        int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;

        if (lo >= 0) {
            s[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            s[o++] = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    return o;
}

void stub_add_query(struct MHD_Connection *c, const char *query)
{
    char *copy = must(strdup(query));
    char *p = copy, *end = copy + strlen(copy);

    while (p < end) {
        char *stop = memchr(p, '&', (size_t)(end - p));
        char *eq;
        size_t key_len;

        if (stop == NULL)
            stop = end;
        eq = memchr(p, '=', (size_t)(stop - p));
        key_len =
            stub_unescape(p, (size_t)((eq != NULL ? eq : stop) - p), true);
        if (eq != NULL)
            add_value(c, MHD_GET_ARGUMENT_KIND, p, key_len, eq + 1,
                      stub_unescape(eq + 1, (size_t)(stop - eq - 1), true));
        else
            add_value(c, MHD_GET_ARGUMENT_KIND, p, key_len, NULL, 0);
        p = stop + 1;
    }
    free(copy);
}

static void response_release(struct MHD_Response *r)
{
    if (--r->refs > 0)
        return;
    if (r->free_cb != NULL)
        r->free_cb(r->free_cls);
    free(r->headers);
    free(r);
}

void stub_sent(struct MHD_Connection *c)
{
    if (c->response != NULL)
        response_release(c->response);
    c->response = NULL;
}

void stub_answer_clear(struct MHD_Connection *c)
{
    stub_sent(c);
    free(c->body);
    free(c->headers);
    c->body = NULL;
    c->headers = NULL;
    c->body_len = 0;
    c->queued = 0;
    c->status = 0;
}

void stub_connection_free(struct MHD_Connection *c)
{
    if (c == NULL)
        return;
    stub_answer_clear(c);
    for (size_t i = 0; i < c->n_values; i++) {
        free(c->values[i].key);
        free(c->values[i].value);
    }
    free(c->values);
    free(c);
}

const char *stub_header(const struct MHD_Connection *c, const char *name,
                        size_t *len)
{
    size_t n = strlen(name);

    for (const char *line = c->headers; line != NULL && *line != '\0';) {
        const char *eol = strchr(line, '\n');

        if (strncasecmp(line, name, n) == 0 && line[n] == ':' &&
            line[n + 1] == ' ') {
            *len = (size_t)(eol - line) - n - 2;
            return line + n + 2;
        }
        line = eol + 1;
    }
    return NULL;
}

/* MHD compares keys without regard to case, for every kind. */
enum MHD_Result MHD_lookup_connection_value_n(struct MHD_Connection *c,
                                              enum MHD_ValueKind kind,
                                              const char *key, size_t key_size,
                                              const char **value_ptr,
                                              size_t *value_size)
{
    for (size_t i = 0; i < c->n_values; i++) {
        const struct stub_value *v = &c->values[i];

        if ((v->kind & kind) == 0 || v->key_len != key_size ||
            strncasecmp(v->key, key, key_size) != 0)
            continue;
        if (value_ptr != NULL)
            *value_ptr = v->value;
        if (value_size != NULL)
            *value_size = v->value_len;
        return MHD_YES;
    }
    return MHD_NO;
}

const char *MHD_lookup_connection_value(struct MHD_Connection *c,
                                        enum MHD_ValueKind kind,
                                        const char *key)
{
    const char *v = NULL;

    if (key == NULL || MHD_lookup_connection_value_n(c, kind, key, strlen(key),
                                                     &v, NULL) != MHD_YES)
        return NULL;
    return v;
}

struct MHD_Response *MHD_create_response_from_buffer_with_free_callback_cls(
    size_t size, void *buffer, MHD_ContentReaderFreeCallback crfc,
    void *crfc_cls)
{
    struct MHD_Response *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->size = size;
    r->buffer = buffer;
    r->free_cb = crfc;
    r->free_cls = crfc_cls;
    r->refs = 1;
    return r;
}

struct MHD_Response *MHD_create_response_from_buffer_with_free_callback(
    size_t size, void *buffer, MHD_ContentReaderFreeCallback crfc)
{
    return MHD_create_response_from_buffer_with_free_callback_cls(size, buffer,
                                                                  crfc, buffer);
}

/* A line break would let a value forge headers of its own: MHD refuses
 * such a header, so a handler that makes one has let input through
 * unchecked. */
enum MHD_Result MHD_add_response_header(struct MHD_Response *r,
                                        const char *header, const char *content)
{
    size_t n = strlen(header) + strlen(content) + 3;

    if (strpbrk(header, "\r\n: ") != NULL || strpbrk(content, "\r\n") != NULL)
        abort();
    r->headers = must(realloc(r->headers, r->headers_len + n + 1));
    snprintf(r->headers + r->headers_len, n + 1, "%s: %s\n", header, content);
    r->headers_len += n;
    return MHD_YES;
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *c,
                                   unsigned int status_code,
                                   struct MHD_Response *r)
{
    /* As MHD: one answer per request, and none while suspended. */
    if (c->queued > 0 || atomic_load(&c->suspended) || r == NULL)
        return MHD_NO;
    c->queued++;
    c->status = status_code;
    c->body = must(malloc(r->size + 1));
    memcpy(c->body, r->buffer, r->size);
    c->body[r->size] = '\0';
    c->body_len = r->size;
    c->headers = must(strdup(r->headers != NULL ? r->headers : ""));
    r->refs++;
    c->response = r;
    return MHD_YES;
}

void MHD_destroy_response(struct MHD_Response *r)
{
    if (r != NULL)
        response_release(r);
}

/* MHD's rules: suspend only a running request, resume only a suspended
 * one (once). */
void MHD_suspend_connection(struct MHD_Connection *c)
{
    if (atomic_exchange(&c->suspended, true))
        abort();
}

void MHD_resume_connection(struct MHD_Connection *c)
{
    if (!atomic_load(&c->suspended) || atomic_exchange(&c->resumed, true))
        abort();
}

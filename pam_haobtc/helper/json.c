/* SPDX-License-Identifier: BSD-2-Clause */
/* Parsing provider answers with json-c without trusting their shape (one
 * object, the whole input, RFC 8259's grammar, bounded depth, strings
 * without NUL bytes) and without leaving json-c's copies of a token or code
 * in the heap. */
#include "autoconf.h"

#include <ctype.h>
#include <string.h>

#include <json-c/printbuf.h>

#include "json.h"
#include "secure.h"

/* Slack json-c's printbuf wants beyond the bytes it holds (its NUL and its
 * own rounding), so a buffer sized for the input never grows. */
#define PB_SLACK 8

/* Overwrites the bytes of every string value under obj; keys stay. The
 * walk stops HB_JSON_MAX_DEPTH levels down, which is as deep as the parser
 * builds, so a tree made by hand cannot exhaust the stack. */
static void wipe_strings(json_object *obj, int depth)
{
    if (obj == NULL || depth > HB_JSON_MAX_DEPTH)
        return;
    switch (json_object_get_type(obj)) {
    case json_type_string: {
        /* json_object_get_string returns json-c's own storage for the
         * value, not a copy; freeing it leaves the bytes in the heap. */
        char *s = hb_drop_const(json_object_get_string(obj));
        int n = json_object_get_string_len(obj);
        if (s != NULL && n > 0)
            hb_wipe(s, (size_t)n);
        break;
    }
    case json_type_object: {
        struct json_object_iterator it = json_object_iter_begin(obj);
        struct json_object_iterator end = json_object_iter_end(obj);
        while (!json_object_iter_equal(&it, &end)) {
            wipe_strings(json_object_iter_peek_value(&it), depth + 1);
            json_object_iter_next(&it);
        }
        break;
    }
    case json_type_array: {
        size_t n = json_object_array_length(obj);
        for (size_t i = 0; i < n; i++)
            wipe_strings(json_object_array_get_idx(obj, i), depth + 1);
        break;
    }
    default:
        break;
    }
}

void hb_json_put_wiped(json_object *obj)
{
    wipe_strings(obj, 0);
    json_object_put(obj);
}

/* The tokener's fields (pb, stack, depth) are in json-c's public header
 * but marked "do not use outside json_tokener.c" (json-c 0.16, Debian 12;
 * 0.18, Debian 13). They are used here because the tokener copies every
 * string it reads into pb and keeps half-built values on its stack, and
 * frees both unwiped. If a json-c release hides them, this stops compiling
 * rather than silently leaving copies behind.
 *
 * No JSON_TOKENER_STRICT: json-c documents that flag as growing stricter
 * from one release to the next, and 0.18 (Debian 13) compares a signed
 * char with 0x1f, so it refuses every byte above 0x7f in a string (json-c
 * issue #875, fixed after 0.18). haobtc's refusals carry Chinese messages:
 * under 0.18 they read as "not JSON" instead of as their code. check_syntax
 * below holds every answer to RFC 8259 instead, the same on each release,
 * and json-c only builds the tree of text already known to be plain JSON. */
json_tokener *hb_json_tokener_new(size_t len)
{
    if (len > (size_t)INT32_MAX - 2 * PB_SLACK)
        return NULL;
    json_tokener *tok = json_tokener_new_ex(HB_JSON_MAX_DEPTH);
    if (tok == NULL)
        return NULL;
    /* No string or number in the input is longer than the input, so with
     * pb this large json-c never reallocs it, which would free the old
     * buffer, and what it held, without wiping. */
    if (printbuf_memset(tok->pb, 0, 0, (int)len + PB_SLACK) < 0) {
        json_tokener_free(tok);
        return NULL;
    }
    printbuf_reset(tok->pb);
    return tok;
}

void hb_json_tokener_free(json_tokener *tok)
{
    if (tok == NULL)
        return;
    /* After a failed or truncated parse the stack still holds the values
     * read so far (a token before the syntax error, say). */
    for (int i = 0; i <= tok->depth && i < tok->max_depth; i++)
        wipe_strings(tok->stack[i].current, 0);
    if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0)
        hb_wipe(tok->pb->buf, (size_t)tok->pb->size);
    json_tokener_free(tok);
}

enum syntax {
    SYNTAX_OK,
    SYNTAX_BAD,       /* not JSON at *at */
    SYNTAX_TRUNCATED, /* the input ends inside the value */
    SYNTAX_DEEP,      /* deeper than HB_JSON_MAX_DEPTH levels */
    SYNTAX_TRAILING,  /* more than white space after the value */
};

static size_t skip_space(const char *s, size_t i, size_t len)
{
    while (i < len &&
           (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

static bool is_digit(const char *s, size_t i, size_t len)
{
    return i < len && s[i] >= '0' && s[i] <= '9';
}

static size_t skip_digits(const char *s, size_t i, size_t len)
{
    while (is_digit(s, i, len))
        i++;
    return i;
}

/* From the opening quote to past the closing one. Bytes above 0x7f pass
 * as they are: a message in some other encoding must not hide the code
 * beside it. */
static enum syntax scan_string(const char *s, size_t len, size_t *at)
{
    size_t i = *at + 1;
    while (i < len && s[i] != '"') {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20) {
            *at = i;
            return SYNTAX_BAD;
        }
        if (c != '\\') {
            i++;
            continue;
        }
        if (i + 1 >= len)
            return SYNTAX_TRUNCATED;
        if (s[i + 1] == 'u') {
            for (size_t k = i + 2; k < i + 6; k++) {
                if (k >= len)
                    return SYNTAX_TRUNCATED;
                if (!isxdigit((unsigned char)s[k])) {
                    *at = k;
                    return SYNTAX_BAD;
                }
            }
            i += 6;
        } else if (s[i + 1] != '\0' && strchr("\"\\/bfnrt", s[i + 1])) {
            i += 2;
        } else {
            *at = i + 1;
            return SYNTAX_BAD;
        }
    }
    if (i >= len)
        return SYNTAX_TRUNCATED;
    *at = i + 1;
    return SYNTAX_OK;
}

/* -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)? */
static enum syntax scan_number(const char *s, size_t len, size_t *at)
{
    size_t i = *at;
    if (i < len && s[i] == '-')
        i++;
    bool ok = is_digit(s, i, len);
    if (ok)
        i = s[i] == '0' ? i + 1 : skip_digits(s, i, len);
    if (ok && i < len && s[i] == '.') {
        ok = is_digit(s, i + 1, len);
        i = skip_digits(s, i + 1, len);
    }
    if (ok && i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        ok = is_digit(s, i, len);
        i = skip_digits(s, i, len);
    }
    *at = i;
    if (ok)
        return SYNTAX_OK;
    return i >= len ? SYNTAX_TRUNCATED : SYNTAX_BAD;
}

static enum syntax scan_word(const char *s, size_t len, size_t *at,
                             const char *word)
{
    size_t n = strlen(word);
    size_t have = len - *at < n ? len - *at : n;
    if (memcmp(s + *at, word, have) != 0)
        return SYNTAX_BAD;
    if (have < n)
        return SYNTAX_TRUNCATED;
    *at += n;
    return SYNTAX_OK;
}

static enum syntax scan_scalar(const char *s, size_t len, size_t *at)
{
    switch (s[*at]) {
    case '"':
        return scan_string(s, len, at);
    case 't':
        return scan_word(s, len, at, "true");
    case 'f':
        return scan_word(s, len, at, "false");
    case 'n':
        return scan_word(s, len, at, "null");
    default:
        return scan_number(s, len, at);
    }
}

static enum syntax scan_colon(const char *s, size_t len, size_t *at)
{
    *at = skip_space(s, *at, len);
    if (*at >= len)
        return SYNTAX_TRUNCATED;
    if (s[*at] != ':')
        return SYNTAX_BAD;
    ++*at;
    return SYNTAX_OK;
}

/* RFC 8259's grammar, in one pass without recursion: what json-c's strict
 * mode was meant to hold answers to (no comments, single quotes, trailing
 * commas, NaN, leading zeros or raw control characters), on every json-c.
 * *at is where the input goes wrong. */
static enum syntax check_syntax(const char *s, size_t len, size_t *at)
{
    enum { WANT_VALUE, WANT_KEY, WANT_MORE } want = WANT_VALUE;
    /* The closing bracket of each open level. json-c counts the innermost
     * value as a level too: as deep as it goes, and no deeper. */
    char close[HB_JSON_MAX_DEPTH - 1];
    size_t depth = 0;
    size_t i = 0;
    for (;;) {
        i = skip_space(s, i, len);
        if (want == WANT_MORE && depth == 0)
            break;
        *at = i;
        if (i >= len)
            return SYNTAX_TRUNCATED;
        char c = s[i];
        enum syntax r = SYNTAX_OK;
        if (want == WANT_VALUE && (c == '{' || c == '[')) {
            if (depth == sizeof(close))
                return SYNTAX_DEEP;
            close[depth++] = c == '{' ? '}' : ']';
            i = skip_space(s, i + 1, len);
            if (i < len && s[i] == close[depth - 1]) {
                depth--;
                i++;
                want = WANT_MORE;
            } else {
                want = c == '{' ? WANT_KEY : WANT_VALUE;
            }
        } else if (want == WANT_VALUE) {
            r = scan_scalar(s, len, &i);
            want = WANT_MORE;
        } else if (want == WANT_KEY) {
            r = c == '"' ? scan_string(s, len, &i) : SYNTAX_BAD;
            if (r == SYNTAX_OK)
                r = scan_colon(s, len, &i);
            want = WANT_VALUE;
        } else if (c == ',') {
            i++;
            want = close[depth - 1] == '}' ? WANT_KEY : WANT_VALUE;
        } else if (c == close[depth - 1]) {
            depth--;
            i++;
        } else {
            r = SYNTAX_BAD;
        }
        if (r != SYNTAX_OK) {
            *at = i;
            return r;
        }
    }
    *at = i;
    return i == len ? SYNTAX_OK : SYNTAX_TRAILING;
}

static enum hb_status syntax_failure(enum syntax r, size_t at,
                                     struct hb_error *err)
{
    switch (r) {
    case SYNTAX_TRUNCATED:
        return hb_fail(err, HB_ERR_PROTOCOL, "response JSON is truncated");
    case SYNTAX_DEEP:
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "response JSON nests deeper than %d levels",
                       HB_JSON_MAX_DEPTH);
    case SYNTAX_TRAILING:
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "response has data after the JSON value");
    default:
        /* Where, not what: the byte may belong to a token. */
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "response is not JSON (RFC 8259) at byte %zu", at);
    }
}

enum hb_status hb_json_parse_object(const char *text, size_t len,
                                    json_object **out, struct hb_error *err)
{
    *out = NULL;
    if (len > (size_t)INT32_MAX - 2 * PB_SLACK)
        return hb_fail(err, HB_ERR_PROTOCOL, "response too large to parse");
    if (memchr(text, '\0', len) != NULL)
        return hb_fail(err, HB_ERR_PROTOCOL, "response contains a NUL byte");
    size_t at = 0;
    enum syntax syntax = check_syntax(text, len, &at);
    if (syntax != SYNTAX_OK)
        return syntax_failure(syntax, at, err);
    json_tokener *tok = hb_json_tokener_new(len);
    if (tok == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    hb_json_tokener_free(tok);

    if (obj == NULL || jerr != json_tokener_success) {
        hb_json_put_wiped(obj);
        if (jerr == json_tokener_error_depth)
            return hb_fail(err, HB_ERR_PROTOCOL,
                           "response JSON nests deeper than %d levels",
                           HB_JSON_MAX_DEPTH);
        if (jerr == json_tokener_continue)
            return hb_fail(err, HB_ERR_PROTOCOL, "response JSON is truncated");
        return hb_fail(err, HB_ERR_PROTOCOL, "response is not JSON (%s)",
                       json_tokener_error_desc(jerr));
    }
    while (end < len && isspace((unsigned char)text[end]))
        end++;
    if (end != len) {
        hb_json_put_wiped(obj);
        return hb_fail(err, HB_ERR_PROTOCOL,
                       "response has data after the JSON value");
    }
    if (!json_object_is_type(obj, json_type_object)) {
        hb_json_put_wiped(obj);
        return hb_fail(err, HB_ERR_PROTOCOL, "response JSON is not an object");
    }
    *out = obj;
    return HB_OK;
}

const char *hb_json_string(json_object *obj, const char *key)
{
    json_object *member = NULL;
    if (obj == NULL || !json_object_object_get_ex(obj, key, &member) ||
        !json_object_is_type(member, json_type_string))
        return NULL;
    const char *s = json_object_get_string(member);
    /* "\u0000" decodes to a real NUL: C code downstream would see a shorter
     * string than the provider sent, so such values are refused. */
    if (s == NULL || strlen(s) != (size_t)json_object_get_string_len(member))
        return NULL;
    return s;
}

bool hb_json_int(json_object *obj, const char *key, long *out)
{
    json_object *member = NULL;
    if (obj == NULL || !json_object_object_get_ex(obj, key, &member) ||
        !json_object_is_type(member, json_type_int))
        return false;
    *out = (long)json_object_get_int64(member);
    return true;
}

bool hb_json_absent(json_object *obj, const char *key)
{
    return obj == NULL || !json_object_object_get_ex(obj, key, NULL);
}

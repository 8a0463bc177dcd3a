/* Parsing provider answers with json-c without trusting their shape (one
 * object, the whole input, bounded depth, strings without NUL bytes) and
 * without leaving json-c's copies of a token or code in the heap. */
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
 * but marked "do not use outside json_tokener.c" (json-c 0.16, Debian 12).
 * They are used here because the tokener copies every string it reads into
 * pb and keeps half-built values on its stack, and frees both unwiped. If a
 * json-c release hides them, this stops compiling rather than silently
 * leaving copies behind. */
json_tokener *hb_json_tokener_new(size_t len)
{
    if (len > (size_t)INT32_MAX - 2 * PB_SLACK)
        return NULL;
    json_tokener *tok = json_tokener_new_ex(HB_JSON_MAX_DEPTH);
    if (tok == NULL)
        return NULL;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
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

enum hb_status hb_json_parse_object(const char *text, size_t len,
                                    json_object **out, struct hb_error *err)
{
    *out = NULL;
    if (len > (size_t)INT32_MAX - 2 * PB_SLACK)
        return hb_fail(err, HB_ERR_PROTOCOL, "response too large to parse");
    if (memchr(text, '\0', len) != NULL)
        return hb_fail(err, HB_ERR_PROTOCOL, "response contains a NUL byte");
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

/* Parsing provider answers with json-c without trusting their shape: one
 * object, the whole input, bounded depth, strings without NUL bytes. */
#include "autoconf.h"

#include <ctype.h>
#include <string.h>

#include "json.h"

enum hb_status hb_json_parse_object(const char *text, size_t len,
                                    json_object **out, struct hb_error *err)
{
    *out = NULL;
    if (len > (size_t)INT32_MAX)
        return hb_fail(err, HB_ERR_UNAVAIL, "response too large to parse");
    if (memchr(text, '\0', len) != NULL)
        return hb_fail(err, HB_ERR_UNAVAIL, "response contains a NUL byte");
    json_tokener *tok = json_tokener_new_ex(HB_JSON_MAX_DEPTH);
    if (tok == NULL)
        return hb_fail(err, HB_ERR_NOMEM, "out of memory");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);

    if (obj == NULL || jerr != json_tokener_success) {
        json_object_put(obj);
        if (jerr == json_tokener_error_depth)
            return hb_fail(err, HB_ERR_UNAVAIL,
                           "response JSON nests deeper than %d levels",
                           HB_JSON_MAX_DEPTH);
        if (jerr == json_tokener_continue)
            return hb_fail(err, HB_ERR_UNAVAIL, "response JSON is truncated");
        return hb_fail(err, HB_ERR_UNAVAIL, "response is not JSON (%s)",
                       json_tokener_error_desc(jerr));
    }
    while (end < len && isspace((unsigned char)text[end]))
        end++;
    if (end != len) {
        json_object_put(obj);
        return hb_fail(err, HB_ERR_UNAVAIL,
                       "response has data after the JSON value");
    }
    if (!json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return hb_fail(err, HB_ERR_UNAVAIL, "response JSON is not an object");
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

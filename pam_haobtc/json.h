/* Careful json-c: a depth limit, whole-input parsing, typed look-ups. */
#ifndef HB_JSON_H
#define HB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include "status.h"

#define HB_JSON_MAX_DEPTH 16

/* The whole of text must be one JSON object (surrounding space allowed). */
enum hb_status hb_json_parse_object(const char *text, size_t len,
                                    json_object **out, struct hb_error *err);
/* The member's string, or NULL when absent, not a string, or holding NUL. */
const char *hb_json_string(json_object *obj, const char *key);
/* True and *out set when the member is an integer. */
bool hb_json_int(json_object *obj, const char *key, long *out);
/* True when the member is absent. */
bool hb_json_absent(json_object *obj, const char *key);

#endif

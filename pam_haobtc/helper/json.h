/* SPDX-License-Identifier: BSD-2-Clause */
/* Careful json-c: a depth limit, whole-input parsing, typed look-ups, and
 * wiping of what json-c copied. */
#ifndef HB_JSON_H
#define HB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include "status.h"

#define HB_JSON_MAX_DEPTH 16

/* The whole of text must be one JSON object (surrounding space allowed),
 * written as RFC 8259 says, whatever json-c release is installed. */
enum hb_status hb_json_parse_object(const char *text, size_t len,
                                    json_object **out, struct hb_error *err);
/* Overwrites every string value in obj's tree (objects and arrays, at most
 * HB_JSON_MAX_DEPTH levels down; keys are left), then drops the reference.
 * For answers that held a token or code: json-c frees its copies unwiped.
 * Other holders of a reference see the strings zeroed. */
void hb_json_put_wiped(json_object *obj);
/* A tokener for len bytes of input, its buffer already as large as any
 * string in them so that json-c never frees a grown-out copy; NULL when
 * out of memory or len is too large. Not json-c's strict mode (json.c says
 * why): hb_json_parse_object checks the grammar before it. Exposed for
 * tests. */
json_tokener *hb_json_tokener_new(size_t len);
/* Wipes what the tokener kept of its input (its buffer, the values of a
 * parse that failed half-way), then frees it. */
void hb_json_tokener_free(json_tokener *tok);
/* The member's string, or NULL when absent, not a string, or holding NUL. */
const char *hb_json_string(json_object *obj, const char *key);
/* True and *out set when the member is an integer. */
bool hb_json_int(json_object *obj, const char *key, long *out);
/* True when the member is absent. */
bool hb_json_absent(json_object *obj, const char *key);

#endif

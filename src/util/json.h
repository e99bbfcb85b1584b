/*
 * Streaming JSON writer into a struct buf. Keys are written in the order the
 * caller emits them: renderers emit them in a fixed, documented order so the
 * output is stable (golden files, fleet tooling). Strings are escaped per RFC 8259;
 * bytes that are not valid UTF-8 (kernel names are raw bytes) become U+FFFD.
 * Pass key = NULL inside arrays.
 */
#ifndef IRQSIGHT_UTIL_JSON_H
#define IRQSIGHT_UTIL_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

#define JSON_MAX_DEPTH 32

struct json {
	struct buf *out;
	int depth;
	bool pretty;
	bool has_item[JSON_MAX_DEPTH];
};

void json_init(struct json *j, struct buf *out, bool pretty);
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *val);	/* NULL -> null */
void json_strn(struct json *j, const char *key, const char *val, size_t len);
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_double(struct json *j, const char *key, double v, int decimals);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* Finish with a newline. */
void json_end(struct json *j);
/* Escape s as a JSON string literal (with quotes) into out. */
void json_escape(struct buf *out, const char *s, size_t len);

#endif

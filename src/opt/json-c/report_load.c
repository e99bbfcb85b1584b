#include "cmd/report_load.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "render/html.h"
#include "util/buf.h"

/* Our own files nest a few levels (check: findings[].evidence[]); a hostile one deeper
 * than this is refused, not followed. */
#define REPORT_JSON_DEPTH 64

static enum report_kind kind_of(struct json_object *root)
{
	struct json_object *schema, *findings;
	if (!json_object_object_get_ex(root, "schema", &schema))
		return REPORT_OTHER;
	if (json_object_is_type(schema, json_type_string) &&
	    strcmp(json_object_get_string(schema), "irqsight-latency") == 0)
		return REPORT_LATENCY;
	if (json_object_is_type(schema, json_type_int) && json_object_object_get_ex(root, "findings", &findings) &&
	    json_object_is_type(findings, json_type_array))
		return REPORT_CHECK;
	return REPORT_OTHER;
}

static bool irq_key_drawn(const char *k)
{
	for (const char *const *p = html_irq_keys; *p; p++)
		if (strcmp(*p, k) == 0)
			return true;
	return false;
}

/* Each object of "irqs" keeps only the keys the page draws. */
static int trim_irqs(struct json_object *root)
{
	struct json_object *irqs;
	if (!json_object_object_get_ex(root, "irqs", &irqs) || !json_object_is_type(irqs, json_type_array))
		return 0;
	size_t n = json_object_array_length(irqs);
	for (size_t i = 0; i < n; i++) {
		struct json_object *q = json_object_array_get_idx(irqs, i);
		if (!json_object_is_type(q, json_type_object))
			continue;
		/* not while iterating: deleting frees the entry the iterator stands on */
		const char *drop[64];
		size_t nd = 0;
		bool more;
		do {
			more = false;
			nd = 0;
			json_object_object_foreach(q, k, v)
			{
				(void)v;
				if (irq_key_drawn(k))
					continue;
				if (nd == sizeof(drop) / sizeof(drop[0])) {
					more = true;
					break;
				}
				drop[nd++] = k;
			}
			for (size_t d = 0; d < nd; d++)
				json_object_object_del(q, drop[d]);
		} while (more);
	}
	return 0;
}

static int serialize(struct json_object *o, struct buf *out)
{
	size_t n;
	const char *s =
		json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (!s)
		return -ENOMEM;
	buf_append(out, s, n);
	return 0;
}

/* A check as a line of a fix's before/after: its summary and its number of findings. */
static int summary_of(struct json_object *root, struct buf *out)
{
	struct json_object *sum, *fs, *o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	if (json_object_object_get_ex(root, "summary", &sum))
		json_object_object_add(o, "summary", json_object_get(sum));
	if (json_object_object_get_ex(root, "findings", &fs))
		json_object_object_add(o, "findings", json_object_new_int64((int64_t)json_object_array_length(fs)));
	int r = serialize(o, out);
	json_object_put(o);
	return r;
}

static int report_load(const char *data, size_t len, unsigned flags, size_t trim_over, struct buf *out,
		       enum report_kind *kind, bool *trimmed, char *why, size_t whylen)
{
	*kind = REPORT_OTHER;
	*trimmed = false;
	if (len >= (size_t)INT32_MAX) {	/* json-c takes an int length, and ours has the NUL too */
		snprintf(why, whylen, "too big");
		return -EINVAL;
	}
	struct json_tokener *tok = json_tokener_new_ex(REPORT_JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	/* strict: no comments, trailing commas, single quotes or text after the value;
	 * UTF-8 checked. The NUL after the data ends a number at the end. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *root = json_tokener_parse_ex(tok, data, (int)len + 1);
	enum json_tokener_error e = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || e != json_tokener_success || end < len) {
		/* end < len: a NUL inside the file, where json-c stops */
		snprintf(why, whylen, "not JSON (byte %zu: %s)", end,
			 e == json_tokener_success ? "a NUL byte" : json_tokener_error_desc(e));
		json_object_put(root);
		return -EINVAL;
	}
	int r = -EINVAL;
	if (!json_object_is_type(root, json_type_object)) {
		snprintf(why, whylen, "not a JSON object");
		goto out;
	}
	*kind = kind_of(root);
	if (*kind == REPORT_CHECK && (flags & REPORT_SUMMARY)) {
		r = summary_of(root, out);
		goto out;
	}
	size_t mark = out->len;
	r = serialize(root, out);
	if (!r && *kind == REPORT_CHECK && out->len - mark > trim_over) {
		out->len = mark;
		out->data[mark] = '\0';
		*trimmed = true;
		r = trim_irqs(root);
		if (!r)
			r = serialize(root, out);
	}
out:
	json_object_put(root);
	return r;
}

/* Registered before main: cmd/report.c names nothing here, so the static build, which
 * leaves this file out, links without it. */
__attribute__((constructor)) static void report_load_register(void)
{
	report_register_loader(report_load);
}

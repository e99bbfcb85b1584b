#include "util/json.h"

#include <math.h>
#include <string.h>

void json_init(struct json *j, struct buf *out, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
}

static void newline(struct json *j)
{
	if (!j->pretty)
		return;
	buf_putc(j->out, '\n');
	buf_pad(j->out, (size_t)j->depth * 2);
}

/* Length of a valid UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

void json_escape(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	buf_putc(out, '"');
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		if (c < 0x80) {
			switch (c) {
			case '"': buf_puts(out, "\\\""); break;
			case '\\': buf_puts(out, "\\\\"); break;
			case '\n': buf_puts(out, "\\n"); break;
			case '\r': buf_puts(out, "\\r"); break;
			case '\t': buf_puts(out, "\\t"); break;
			default:
				if (c < 0x20 || c == 0x7f)
					buf_printf(out, "\\u%04x", c);
				else
					buf_putc(out, (char)c);
			}
			i++;
			continue;
		}
		size_t l = utf8_len(p + i, len - i);
		if (l) {
			buf_append(out, p + i, l);
			i += l;
		} else {
			buf_puts(out, "\\ufffd");
			i++;
		}
	}
	buf_putc(out, '"');
}

static void item(struct json *j, const char *key)
{
	if (j->depth > 0 && j->depth <= JSON_MAX_DEPTH) {
		if (j->has_item[j->depth - 1])
			buf_putc(j->out, ',');
		j->has_item[j->depth - 1] = true;
		newline(j);
	}
	if (key) {
		json_escape(j->out, key, strlen(key));
		buf_puts(j->out, j->pretty ? ": " : ":");
	}
}

static void open(struct json *j, const char *key, char c)
{
	item(j, key);
	buf_putc(j->out, c);
	if (j->depth < JSON_MAX_DEPTH)
		j->has_item[j->depth] = false;
	j->depth++;
}

static void close(struct json *j, char c)
{
	bool had = j->depth > 0 && j->depth <= JSON_MAX_DEPTH && j->has_item[j->depth - 1];
	j->depth--;
	if (had)
		newline(j);
	buf_putc(j->out, c);
}

void json_obj_begin(struct json *j, const char *key) { open(j, key, '{'); }
void json_obj_end(struct json *j) { close(j, '}'); }
void json_arr_begin(struct json *j, const char *key) { open(j, key, '['); }
void json_arr_end(struct json *j) { close(j, ']'); }

void json_strn(struct json *j, const char *key, const char *val, size_t len)
{
	item(j, key);
	if (!val)
		buf_puts(j->out, "null");
	else
		json_escape(j->out, val, len);
}

void json_str(struct json *j, const char *key, const char *val)
{
	json_strn(j, key, val, val ? strlen(val) : 0);
}

void json_int(struct json *j, const char *key, int64_t v)
{
	item(j, key);
	buf_printf(j->out, "%lld", (long long)v);
}

void json_uint(struct json *j, const char *key, uint64_t v)
{
	item(j, key);
	buf_printf(j->out, "%llu", (unsigned long long)v);
}

void json_double(struct json *j, const char *key, double v, int decimals)
{
	item(j, key);
	if (!isfinite(v))
		buf_puts(j->out, "null");
	else
		buf_printf(j->out, "%.*f", decimals, v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	item(j, key);
	buf_puts(j->out, v ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
	item(j, key);
	buf_puts(j->out, "null");
}

void json_end(struct json *j)
{
	buf_putc(j->out, '\n');
}

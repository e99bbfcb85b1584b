/* irqsight report: the self-contained HTML page (docs/report.md). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "render/html.h"
#include "util/buf.h"

#include "render/html_assets.inc"

void html_escape(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': buf_puts(out, "&amp;"); break;
		case '<': buf_puts(out, "&lt;"); break;
		case '>': buf_puts(out, "&gt;"); break;
		case '"': buf_puts(out, "&quot;"); break;
		case '\'': buf_puts(out, "&#39;"); break;
		default: buf_putc(out, s[i]);
		}
	}
}

/*
 * A recursive-descent copier over JSON text: it only needs to tell strings, containers
 * and scalars apart, and to know the key of the member it is in.
 */
struct jc {
	const char *p, *e;
	struct buf *out;
	bool trim;
	int err;
};

enum jmode { J_ANY, J_TOP, J_IRQS, J_IRQ };

/* The IRQ keys the page reads (report.js, heat()). */
static bool irq_key_kept(const char *k, size_t n)
{
	static const char *const keep[] = {
		"name",	   "irq",   "chip",    "actions", "device", "device_irq", "effective_affinity",
		"managed", "total", "per_cpu", "rate"
	};
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (strlen(keep[i]) == n && !memcmp(keep[i], k, n))
			return true;
	return false;
}

static void jc_ws(struct jc *c)
{
	while (c->p < c->e && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* A string at c->p; copied (escaped for a script element) when emit. */
static void jc_string(struct jc *c, bool emit)
{
	if (c->p >= c->e || *c->p != '"') {
		c->err = -EINVAL;
		return;
	}
	if (emit)
		buf_putc(c->out, '"');
	for (c->p++; c->p < c->e; c->p++) {
		unsigned char ch = (unsigned char)*c->p;
		if (ch == '"') {
			c->p++;
			if (emit)
				buf_putc(c->out, '"');
			return;
		}
		if (ch == '\\' && c->p + 1 < c->e) {
			if (emit)
				buf_append(c->out, c->p, 2);
			c->p++;
			continue;
		}
		if (ch < 0x20) {
			c->err = -EINVAL;	/* JSON has no raw control characters in strings */
			return;
		}
		if (!emit)
			continue;
		if (ch == '<' || ch == '>' || ch == '&')
			buf_printf(c->out, "\\u%04x", ch);
		else if (ch == 0xe2 && c->p + 2 < c->e && (unsigned char)c->p[1] == 0x80 &&
			 ((unsigned char)c->p[2] == 0xa8 || (unsigned char)c->p[2] == 0xa9)) {
			buf_printf(c->out, "\\u202%c", c->p[2] == (char)0xa8 ? '8' : '9');
			c->p += 2;
		} else
			buf_putc(c->out, (char)ch);
	}
	c->err = -EINVAL;	/* unterminated */
}

static void jc_value(struct jc *c, enum jmode m, bool emit, int depth)
{
	jc_ws(c);
	if (c->err || c->p >= c->e || depth > 64) {
		c->err = -EINVAL;
		return;
	}
	char ch = *c->p;
	if (ch == '"') {
		jc_string(c, emit);
	} else if (ch == '{') {
		c->p++;
		if (emit)
			buf_putc(c->out, '{');
		bool first = true;
		jc_ws(c);
		if (c->p < c->e && *c->p == '}')
			goto obj_end;
		for (;;) {
			jc_ws(c);
			const char *k = c->p + 1;
			jc_string(c, false);
			if (c->err)
				return;
			size_t kn = (size_t)(c->p - 1 - k);
			bool keep = emit && (m != J_IRQ || !c->trim || irq_key_kept(k, kn));
			enum jmode sub = m == J_TOP && kn == 4 && !memcmp(k, "irqs", 4) ? J_IRQS : J_ANY;
			if (keep) {
				if (!first)
					buf_putc(c->out, ',');
				first = false;
				/* keys are copied with the same escaping as values */
				c->p = k - 1;
				jc_string(c, true);
			}
			jc_ws(c);
			if (c->p >= c->e || *c->p != ':') {
				c->err = -EINVAL;
				return;
			}
			c->p++;
			if (keep)
				buf_putc(c->out, ':');
			jc_value(c, sub, keep, depth + 1);
			if (c->err)
				return;
			jc_ws(c);
			if (c->p < c->e && *c->p == ',') {
				c->p++;
				continue;
			}
			break;
		}
obj_end:
		if (c->p >= c->e || *c->p != '}') {
			c->err = -EINVAL;
			return;
		}
		c->p++;
		if (emit)
			buf_putc(c->out, '}');
	} else if (ch == '[') {
		c->p++;
		if (emit)
			buf_putc(c->out, '[');
		jc_ws(c);
		if (c->p < c->e && *c->p != ']') {
			for (bool first = true;; first = false) {
				if (emit && !first)
					buf_putc(c->out, ',');
				jc_value(c, m == J_IRQS ? J_IRQ : J_ANY, emit, depth + 1);
				if (c->err)
					return;
				jc_ws(c);
				if (c->p < c->e && *c->p == ',') {
					c->p++;
					continue;
				}
				break;
			}
		}
		if (c->p >= c->e || *c->p != ']') {
			c->err = -EINVAL;
			return;
		}
		c->p++;
		if (emit)
			buf_putc(c->out, ']');
	} else {
		/* true, false, null exactly; a number loosely (digits, sign, point, exponent) */
		const char *s = c->p;
		static const char *const lit[] = { "true", "false", "null" };
		for (size_t i = 0; i < 3; i++) {
			size_t n = strlen(lit[i]);
			if ((size_t)(c->e - c->p) >= n && !memcmp(c->p, lit[i], n)) {
				c->p += n;
				goto scalar;
			}
		}
		while (c->p < c->e && *c->p && strchr("+-.0123456789eE", *c->p))
			c->p++;
		if (c->p == s) {
			c->err = -EINVAL;
			return;
		}
scalar:
		if (emit)
			buf_append(c->out, s, (size_t)(c->p - s));
	}
}

int html_embed_json(struct buf *out, const char *s, size_t len, bool trim_irqs)
{
	struct jc c = { .p = s, .e = s + len, .out = out, .trim = trim_irqs };
	jc_value(&c, J_TOP, true, 0);
	jc_ws(&c);
	if (!c.err && c.p != c.e)
		c.err = -EINVAL;
	return c.err;
}

static int embed(struct buf *out, const char *id, const char *s, size_t len, bool trim)
{
	buf_printf(out, "<script type=\"application/json\" id=\"%s\">", id);
	int r = html_embed_json(out, s, len, trim);
	buf_puts(out, "</script>\n");
	return r;
}

int render_html(const struct html_input *in, struct buf *out, bool *trimmed)
{
	int r = 0;
	*trimmed = false;
	const char *title = in->title ? in->title : "host";
	buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		      /* A page from a ticket fetches nothing, even when a string slips through. */
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		      "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<title>irqsight report: ");
	html_escape(out, title, strlen(title));
	buf_printf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header id=\"hdr\">\n<h1>irqsight report: ",
		   html_css);
	html_escape(out, title, strlen(title));
	buf_puts(out, "</h1>\n</header>\n<main id=\"main\"></main>\n<div id=\"tip\" role=\"tooltip\"></div>\n"
		      "<footer class=\"small\"><p>irqsight ");
	html_escape(out, in->version ? in->version : "", in->version ? strlen(in->version) : 0);
	buf_puts(out, " \xc2\xb7 one self-contained file: no network, no external resources "
		      "\xc2\xb7 the data is in this page as JSON (docs/report.md)</p></footer>\n"
		      "<noscript><p>The pictures need JavaScript; the data is in this file as JSON.</p></noscript>\n"
		      "<pre id=\"selftest\">{\"ok\":false,\"errors\":[\"script did not run\"]}</pre>\n");
	if (in->check_json) {
		size_t mark = out->len;
		r = embed(out, "check", in->check_json, in->check_len, false);
		if (!r && out->len - mark > HTML_TRIM_BYTES) {
			out->len = mark;
			out->data[mark] = '\0';
			*trimmed = true;
			r = embed(out, "check", in->check_json, in->check_len, true);
		}
		if (r)
			return r;
	}
	if (in->rates_json && (r = embed(out, "rates", in->rates_json, in->rates_len, false)))
		return r;
	for (int i = 0; i < 2; i++) {
		if (!in->lat_json[i])
			continue;
		char id[8] = "lat0";
		id[3] = (char)('0' + i);
		if ((r = embed(out, id, in->lat_json[i], in->lat_len[i], false)))
			return r;
	}
	/* meta: built with the JSON escaper's rules for strings that come from the user */
	buf_puts(out, "<script type=\"application/json\" id=\"meta\">{\"trimmed\":");
	buf_puts(out, *trimmed ? "true" : "false");
	buf_puts(out, ",\"generated\":");
	struct buf tmp = { 0 };
	const char *strs[3] = { in->generated, in->lat_name[0], in->lat_name[1] };
	for (int i = 0; i < 3; i++) {
		if (i == 1)
			buf_puts(out, ",\"latency\":[");
		if (i == 2)
			buf_putc(out, ',');
		if (!strs[i]) {
			buf_puts(out, "null");
			continue;
		}
		buf_reset(&tmp);
		buf_putc(&tmp, '"');
		for (const char *p = strs[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&tmp, '\\');
			if ((unsigned char)*p < 0x20)
				buf_printf(&tmp, "\\u%04x", (unsigned char)*p);
			else
				buf_putc(&tmp, *p);
		}
		buf_putc(&tmp, '"');
		html_embed_json(out, tmp.data, tmp.len, false);
	}
	buf_free(&tmp);
	buf_puts(out, "]}</script>\n<script>\n");
	buf_puts(out, html_js);
	buf_puts(out, "</script>\n</body>\n</html>\n");
	return 0;
}

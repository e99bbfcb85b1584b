/* irqsight report: the self-contained HTML page (docs/report.md). */
#include <stdbool.h>
#include <string.h>

#include <stdio.h>

#include "model/host.h"
#include "render/html.h"
#include "util/buf.h"
#include "util/json.h"

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

const char *const html_irq_keys[] = {
	"name",	   "irq",   "chip",    "actions", "device", "device_irq", "effective_affinity",
	"managed", "total", "per_cpu", "rate",	  NULL
};

void html_script_json(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0;	/* bytes copied as they are, appended in one go */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		bool sep = c == 0xe2 && i + 2 < len && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9);
		if (c != '<' && c != '>' && c != '&' && !sep)
			continue;
		buf_append(out, s + run, i - run);
		if (sep) {
			buf_printf(out, "\\u202%c", p[i + 2] == 0xa8 ? '8' : '9');
			i += 2;
		} else {
			buf_printf(out, "\\u%04x", c);
		}
		run = i + 1;
	}
	buf_append(out, s + run, len - run);
}

static void embed(struct buf *out, const char *id, const char *s, size_t len)
{
	buf_printf(out, "<script type=\"application/json\" id=\"%s\">", id);
	html_script_json(out, s, len);
	buf_puts(out, "</script>\n");
}

void render_html(const struct html_input *in, struct buf *out)
{
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
	if (in->check_json)
		embed(out, "check", in->check_json, in->check_len);
	if (in->rates_json)
		embed(out, "rates", in->rates_json, in->rates_len);
	for (int i = 0; i < 2; i++) {
		char id[8] = "lat0";
		id[3] = (char)('0' + i);
		if (in->lat_json[i])
			embed(out, id, in->lat_json[i], in->lat_len[i]);
	}
	if (in->fix_json)
		embed(out, "fix", in->fix_json, in->fix_len);
	/* meta: strings from the user (file names) through the JSON writer's escaper */
	struct buf m = { 0 };
	struct json j;
	json_init(&j, &m, false);
	json_obj_begin(&j, NULL);
	json_bool(&j, "trimmed", in->trimmed);
	json_str(&j, "generated", in->generated);
	json_arr_begin(&j, "latency");
	for (int i = 0; i < 2; i++)
		json_str(&j, NULL, in->lat_name[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	embed(out, "meta", m.data, m.len);
	buf_free(&m);
	buf_puts(out, "<script>\n");
	buf_puts(out, html_js);
	buf_puts(out, "</script>\n</body>\n</html>\n");
}

/* Per-CPU rates of each IRQ over the sample, which the check JSON does not carry (it has
 * one rate per IRQ): the heat map colours rates when it has them. Non-zero only. */
void html_rates_json(const struct host *h, struct buf *out)
{
	struct json j;
	json_init(&j, out, false);
	json_obj_begin(&j, NULL);
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (!q->cpu_rate)
			continue;
		json_obj_begin(&j, q->name);
		for (int c = 0; c < h->ncols; c++) {
			if (q->cpu_rate[c] <= 0)
				continue;
			char k[16];
			snprintf(k, sizeof(k), "%d", h->col_cpu[c]);
			json_double(&j, k, q->cpu_rate[c], 1);
		}
		json_obj_end(&j);
	}
	json_obj_end(&j);
	json_end(&j);
}

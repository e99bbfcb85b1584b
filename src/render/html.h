/*
 * irqsight report: one self-contained HTML page (docs/report.md). The page embeds the
 * `--json check` text and any saved latency JSON as data; a small inline script draws
 * it. Nothing on the page is fetched: no external script, style, font or image.
 */
#ifndef IRQSIGHT_RENDER_HTML_H
#define IRQSIGHT_RENDER_HTML_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* Above this many bytes (compacted) the embedded check JSON keeps only the IRQ keys the
 * page draws (docs/report.md, "Scale"), so a 512-CPU x 8,192-IRQ host stays < 3 MB. */
#define HTML_TRIM_BYTES (2u << 20)

struct html_input {
	const char *title;		/* host name or what the data came from (escaped here) */
	const char *check_json;		/* `irqsight --json check` text, or NULL */
	size_t check_len;
	const char *lat_json[2];	/* saved latency JSON: [0] before (or the only one), [1] after */
	size_t lat_len[2];
	const char *lat_name[2];	/* where each came from (shown on the page) */
	const char *rates_json;		/* live sampled runs: {"<irq name>": {"<cpu>": per s}} */
	size_t rates_len;
	const char *generated;		/* "2026-12-05 22:40 UTC" for a live run, NULL otherwise */
	const char *version;
};

/* Text into HTML element content or a quoted attribute: & < > " ' as entities. */
void html_escape(struct buf *out, const char *s, size_t len);
/*
 * JSON text into a <script type="application/json">: whitespace outside strings dropped;
 * '<' '>' '&' and U+2028/U+2029 inside strings as \u escapes, so no "</script>" or
 * "<!--" can end or bend the element. With trim_irqs, each object of the top-level
 * "irqs" array keeps only the keys the page reads. 0, or -EINVAL when s is not one JSON
 * value (out then holds a partial copy).
 */
int html_embed_json(struct buf *out, const char *s, size_t len, bool trim_irqs);
/* The page. 0, or -EINVAL when a JSON input does not parse. *trimmed says whether the
 * check JSON was trimmed for size. */
int render_html(const struct html_input *in, struct buf *out, bool *trimmed);

#endif

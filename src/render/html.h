/*
 * irqsight report: one self-contained HTML page (docs/report.md). The page embeds JSON
 * documents as data (the check, per-CPU rates, saved latency files, a fix bundle's
 * summary); a small inline script draws them. Nothing on the page is fetched: no external
 * script, style, font or image.
 */
#ifndef IRQSIGHT_RENDER_HTML_H
#define IRQSIGHT_RENDER_HTML_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* Above this many bytes (compact) the embedded check JSON keeps only the IRQ keys the
 * page draws (docs/report.md, "Scale"), so a 512-CPU x 8,192-IRQ host stays < 3 MB. */
#define HTML_TRIM_BYTES (2u << 20)
/* Those keys (report.js, heat()): render_json's page_irqs writes no others, and the
 * --from loader (src/opt/json-c/report_load.c) keeps no others. NULL-terminated. */
extern const char *const html_irq_keys[];

struct html_input {
	const char *title;		/* host name or what the data came from (escaped here) */
	const char *check_json;		/* `irqsight --json check` text (compact), or NULL */
	size_t check_len;
	bool trimmed;			/* its IRQ rows keep only html_irq_keys */
	const char *lat_json[2];	/* saved latency JSON: [0] before (or the only one), [1] after */
	size_t lat_len[2];
	const char *lat_name[2];	/* where each came from (shown on the page) */
	const char *rates_json;		/* live sampled runs: {"<irq name>": {"<cpu>": per s}} */
	size_t rates_len;
	const char *fix_json;		/* a fix bundle: docs/report.md, "Bundles" */
	size_t fix_len;
	const char *generated;		/* "2026-12-05 22:40 UTC" for a live run, NULL otherwise */
	const char *version;
};

/* Text into HTML element content or a quoted attribute: & < > " ' as entities. */
void html_escape(struct buf *out, const char *s, size_t len);
/*
 * JSON text, as a JSON writer produced it (ours or json-c's), into a
 * <script type="application/json">: '<' '>' '&' and U+2028/U+2029 as \u escapes, so no
 * "</script>" or "<!--" can end or bend the element. In valid JSON those characters occur
 * only inside strings, where the escape stands for the same character: a byte map, no
 * parse. Other input comes out as garbage JSON, never as markup.
 */
void html_script_json(struct buf *out, const char *s, size_t len);
/* Per-CPU rates of each IRQ over a sampled run as the page's rates_json
 * ({"<irq name>": {"<cpu>": per s}}, non-zero only). */
struct host;
void html_rates_json(const struct host *h, struct buf *out);
/* The page. */
void render_html(const struct html_input *in, struct buf *out);

#endif

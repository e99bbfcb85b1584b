/* Renderers: read the model and findings, decide nothing. */
#ifndef IRQSIGHT_RENDER_RENDER_H
#define IRQSIGHT_RENDER_RENDER_H

#include <stdbool.h>

struct buf;
struct host;
struct findings;

struct render_opts {
	bool color;		/* ANSI colours (terminals only) */
	int width;		/* wrap width, 80 by default */
	bool verbose;		/* every CPU and device, not just the notable ones */
	const char *version;
	bool journal;		/* text: a syslog priority prefix on every line (render/journal.h) */
	bool compact;		/* JSON: no whitespace (report embeds it in a page) */
	bool page_irqs;		/* JSON: IRQ rows keep only the keys report's page draws (render/html.h) */
};

/* The report laid out like the diagnosis: Platform, Devices, CPU load, VMs, irqbalance, Findings. */
void render_text(const struct host *h, const struct findings *fs, const struct render_opts *o, struct buf *out);
/* docs/json.md: stable keys in fixed order; no timestamps for snapshots. */
void render_json(const struct host *h, const struct findings *fs, const struct render_opts *o, struct buf *out);

/* Append s wrapped at width: the first line continues at column col (nothing is padded
 * there), later lines start with indent spaces. Ends with a newline. */
void render_wrap(struct buf *out, const char *s, int col, int indent, int width);
/* The same for a shell command: it breaks only at spaces outside quotes and ends each
 * broken line with " \\", so the lines pasted together are still the one command. */
void render_wrap_command(struct buf *out, const char *s, int col, int indent, int width);
/* Display columns of s: UTF-8 continuation bytes take none. */
int render_cols(const char *s, size_t len);

#endif

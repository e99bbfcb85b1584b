/*
 * `irqsight top`'s full-screen view (opt/ncursesw/top_tui.c, linked only in the normal
 * build: the static build has no ncurses and top runs --batch/--json). It draws the
 * frames cmd/top.c hands it (sample/frame.h) and keeps only view state: sort, filter, pause.
 */
#ifndef IRQSIGHT_OPT_TOP_TUI_H
#define IRQSIGHT_OPT_TOP_TUI_H

#include <stdbool.h>
#include <stddef.h>

#include "sample/frame.h"

/* ---------------------------------------------------------------- the view */
enum top_sort { SORT_CPU, SORT_IRQ, SORT_SOFTIRQ, SORT_TIME };

struct top_state {
	enum top_sort sort;
	char filter[64];		/* device/IRQ substring, or "cpu N[-M]" / digits for CPUs; "" none */
	bool paused;
	double interval;		/* seconds */
	bool quit;
	bool want_sample;		/* interval changed: restart timing */
};

struct top_ui;

/* The full-screen view (src/opt/ncursesw/top_tui.c). */
struct top_ui_ops {
	/* Start the view on the terminal; 0 or -errno with why filled. */
	int (*open)(struct top_ui **ui, char *why, size_t whylen);
	/* Draw the frame (NULL: "sampling..."). */
	void (*draw)(struct top_ui *ui, const struct top_frame *f, const struct top_state *st);
	/* Handle pending keys and resizes; updates st. Returns true when a redraw is due. */
	bool (*input)(struct top_ui *ui, struct top_state *st);
	/* fd to poll for input. */
	int (*fd)(const struct top_ui *ui);
	/* Restore the terminal. Safe to call once, also on error paths. */
	void (*close)(struct top_ui *ui);
};
/* Called by the view at startup (a constructor) where it is linked; the static build
 * has none and top offers --batch/--json only. In cmd/top.c. */
void top_ui_register(const struct top_ui_ops *ops);

#endif

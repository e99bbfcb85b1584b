/* irqsight top, shared by cmd/top.c (options, set-up) and cmd/top_loop.c (the live loop). */
#ifndef IRQSIGHT_CMD_TOP_H
#define IRQSIGHT_CMD_TOP_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd/top_ui.h"
#include "model/top.h"
#include "sample/rates.h"
#include "sample/reading.h"
#include "sample/trace.h"

struct top_opts {
	bool batch, json, interactive;
	long iterations;	/* 0 = forever */
	int max_srcs;
	bool all_cpus;
	int trace_mode;		/* -1 off, 0 auto, 1 required */
};

/* The live loop's state from tick to tick. */
struct top_run {
	const struct top_ui_ops *tui;	/* the full-screen view, where linked */
	struct top_opts o;
	struct top_state st;
	struct source *src;
	struct trace *tr;
	struct top_ui *ui;
	/* Rows that did not change since the last tick are not parsed again (at most
	 * two readings alive: prev and cur, as the cache requires). */
	struct rd_cache *cache;
	struct reading prev;
	struct vm_watch *vw;
	struct trace_totals *tt;
	uint64_t trace_t0, deadline, seq;
	double cpu_mark;
	struct top_frame frame;
	bool have_frame;
	struct rates rates;	/* memory kept from tick to tick (rates_update) */
};

/* SIGINT/SIGTERM/SIGHUP: the loop ends at its next wake-up (the terminal is restored,
 * the recorder closed). */
void top_on_stop(int sig);
/* Until quit, a signal, --iterations or an error: EXIT_OK or the exit code. t holds the
 * options, the view state, the root, the recorder (or NULL), the view (or NULL) and the
 * row cache; the loop frees what it allocated itself. */
int top_loop(struct top_run *t);

#endif

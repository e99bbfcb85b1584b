/*
 * fix's output: the text summary (also summary.txt of the bundle) and the JSON document
 * (--json, summary.json), from what cmd/fix.c gathered. docs/fix.md documents both.
 */
#ifndef IRQSIGHT_RENDER_FIX_H
#define IRQSIGHT_RENDER_FIX_H

#include <stdbool.h>

#include "sample/verdict.h"

struct buf;

struct fix_item {
	const char *id, *title, *severity;
	bool fixable;		/* a run-time affinity change addresses it */
	double cost;		/* time (or interrupts) it takes from the VM CPUs; < 0 unknown */
	const char *const *fix;	/* its own fix lines (unfixable ones) */
	const bool *fix_note;
	int nfix;
};

/* An IRQ the plan moves off the VM CPUs, with what it takes from them. */
struct fix_move {
	int irq;
	const char *name, *dev, *now, *planned;
	double cost;		/* cost_unit, over the check's sample; < 0 unknown */
};

/* One measurement window on the VM CPUs. */
struct fix_window {
	bool done;
	double seconds;
	double dev_irq_rate;	/* device interrupts/s landing on the VM CPUs */
	double softirq_rate;	/* softirqs/s there */
	double irq_time_pct;	/* hardirq + softirq share of the VM CPUs' time (/proc/stat), < 0 unknown */
	bool fifo;
	const char *attribution;
};

struct fix_report {
	const char *vm_cpus, *vm_from;
	const char *cost_unit;	/* "% of a CPU" (tracepoints) or "/s" */
	struct fix_item *items;
	int nitems;
	int moves, managed;	/* plan: IRQs to move, kernel-managed ones that stay */
	struct fix_move *mv;	/* the moves off the VM CPUs, most time taken first */
	int nmv;
	bool applied;
	int written, write_failed;
	const char *journal, *plan, *out_dir, *state_dir;
	double confirm_s;
	struct fix_window before, after;
	bool has_verdict;
	struct verdict_res v;
	/* "nothing-to-do", "declined", "pending", "confirmed", "rolled-back", "rollback-failed" */
	const char *outcome;
	const char *reason;	/* why that outcome, one line */
	int restored, restore_failed;
	double elapsed_s;
	int exit_code;
};

void render_fix_text(const struct fix_report *r, struct buf *out);
void render_fix_json(const struct fix_report *r, struct buf *out);
/* `fix --confirm/--abort --json`: what the guardian recorded. */
void render_fix_request_json(const char *outcome, const char *reason, const char *journal, int restored, int failed,
			     struct buf *out);

#endif

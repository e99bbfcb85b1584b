/* The output of apply and rollback (render/act.c): docs/plan.md. */
#ifndef IRQSIGHT_RENDER_ACT_H
#define IRQSIGHT_RENDER_ACT_H

#include <stdbool.h>
#include <stdio.h>

struct act_list;
struct arena;

/* The operations table: result, IRQ, name, device, before → after, note (-v: also the
 * operations already as planned). Strings it needs are allocated in a. */
void render_act_ops(const struct act_list *ops, struct arena *a, bool show_same, FILE *f);
/* --json for apply and rollback: {command, dry_run, journal, summary{...}, operations[...]}. */
void render_act_json(const struct act_list *ops, bool dry, const char *journal, const char *command, FILE *f);

/* The lines after apply's table. */
struct apply_summary {
	const struct act_list *ops;
	bool yes;			/* written, not a dry run */
	const char *boot_params;	/* the plan's, for kernel-managed IRQs; NULL none */
	const char *journal;		/* the journal written, "" none */
	bool state_given;		/* --state-dir: the undo line says to give it again */
	const char *plan_path;
};
void render_apply_summary(const struct apply_summary *s, FILE *f);

/* Rollback: the journal line, the table and the summary. */
struct rollback_head {
	const char *journal;
	int recorded;			/* writes the journal recorded */
	bool finished;			/* the apply it journals finished */
	bool dry;
	bool show_same;
};
void render_rollback_text(const struct act_list *ops, const struct rollback_head *r, struct arena *a, FILE *f);

#endif

/* irqsight fix, shared by cmd/fix.c (the flow) and cmd/fix_measure.c (the check and the
 * measurement of each side). docs/fix.md. */
#ifndef IRQSIGHT_CMD_FIX_H
#define IRQSIGHT_CMD_FIX_H

#include <stdbool.h>

#include "cmd/cmd.h"
#include "cmd/latency.h"

/* Exit status (docs/fix.md). */
enum {
	FIX_KEPT = 0,		/* confirmed (better, or no measurable change with fewer interrupts), or nothing to do */
	FIX_ROLLED_BACK = 1,	/* worse, declined, aborted, or not confirmed: the host is as before */
	FIX_FAILED = 2,		/* a write or the rollback failed: see the journal */
	FIX_PENDING = 4,	/* applied; the guardian rolls back at the deadline unless confirmed */
};

struct fix_opts {
	const char *vm_txt, *out, *state;
	double prove_s, confirm_s, interval_s;
	bool yes, json, act_confirm, act_abort;
};

struct buf;
struct cpuset;
struct findings;
struct fix_window;
struct hist;
struct host;
struct source;

/* CLOCK_MONOTONIC in seconds. */
double fix_now_s(void);
/* A step on a terminal: stderr only, nothing on a pipe or under --json. */
void fix_step(const struct fix_opts *o, const char *fmt, ...) PRINTF(2, 3);
/* NAME in the bundle directory DIR (nothing when DIR is NULL): 0 or -errno. */
int fix_write_text(const char *dir, const char *name, const struct buf *b);
/* The sampled check into src, h and fs, its --json document kept as NAME in the bundle:
 * 0 or EXIT_UNKNOWN (said why). */
int fix_check_to(const struct global_opts *g, const struct fix_opts *o, const char *dir, const char *name,
		 struct source *src, struct host *h, struct findings *fs);
/* Latency on the VM CPUs for --prove seconds (saved as NAME), and the interrupt rates
 * landing there over the same window: 0 or an exit status (said why). */
int fix_measure(const struct global_opts *g, const struct fix_opts *o, const char *dir, const char *name,
		const char *cpus, const struct cpuset *vm, struct latency_capture *cap, struct fix_window *w);
/* The IRQSIGHT_FAULT_FIX_AFTER_US test hook (docs/fix.md): after as before, N µs later. */
void fix_fault_after(const struct hist *before, struct hist *after);

struct arena;
struct fix_report;
struct guardian;
struct plan;
/* The VM CPUs (--vm-cpus, the roles, or asked), the plan, the diagnosis ranked against
 * its VM CPUs into r, and the plan file in DIR (plan_path holds PATH_MAX): 0 or
 * EXIT_UNKNOWN (said why). */
int fix_plan_step(const struct fix_opts *o, const struct host *h, const struct findings *fs, const char *dir,
		  char *plan_path, struct arena *a, struct plan *p, struct buf *text, struct fix_report *r);
/* The plan applied and journaled as apply does, the guardian started before the first
 * write and armed with the journal: 0 or EXIT_UNKNOWN (said why). */
int fix_apply_guarded(const struct fix_opts *o, const char *sdir, const struct plan *p, const struct host *h,
		      const struct source *src, struct arena *a, struct fix_report *r, struct guardian *gd);
/* Roll back now through the guardian (it owns the undo): the exit status. */
int fix_undo_now(const char *sdir, struct arena *a, struct fix_report *r, const char *why);
/* --confirm / --abort of the pending fix, from any shell: the exit status. */
int fix_act_on_pending(const struct fix_opts *o);

#endif

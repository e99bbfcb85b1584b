/*
 * Apply and roll back: the only code that writes to the host. Every write goes
 * through the source's root (live "/" or a copy tree for tests), is journaled
 * first (act/journal.h), then written, then read back.
 *
 * A plan is first resolved against the host model into a list of operations
 * (IRQ names -> today's IRQ numbers and files); act_run() then does them.
 * Safety, enforced here whatever the plan says: no write of a CPU set without an
 * online CPU, no write to a per-CPU (architecture) vector, nothing written to an
 * IRQ the kernel manages, nothing written when the value is already right.
 */
#ifndef IRQSIGHT_ACT_APPLY_H
#define IRQSIGHT_ACT_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/cpuset.h"

struct arena;
struct host;
struct plan;
struct source;
struct journal;
struct journal_data;

enum act_kind { ACT_IRQ, ACT_DEFAULT_AFFINITY, ACT_RPS, ACT_RESTORE };

enum act_status {
	ACT_PENDING = 0,
	ACT_SAME,	/* already as wanted: nothing written */
	ACT_DRY,	/* would be written (dry run) */
	ACT_DONE,	/* written and read back equal */
	ACT_FAILED,	/* write failed (err) or read back differs */
	ACT_MANAGED,	/* kernel-managed / not settable: not movable at run time */
	ACT_MISSING,	/* what the plan names is not on this host now */
	ACT_SKIPPED,	/* refused for safety */
};
const char *act_status_name(enum act_status s);

struct act_op {
	enum act_kind kind;
	enum act_status status;
	const char *path;	/* relative to the root; NULL for MISSING/MANAGED without a file */
	bool is_mask;		/* hex mask file (default_smp_affinity, rps_cpus) rather than a list */
	int nbits;		/* mask width for writing */
	int irq;		/* -1 when not an IRQ */
	const char *name;	/* action names, "default_smp_affinity", "eth0 rx-0" */
	const char *dev;	/* BDF or NULL */
	struct cpuset want;
	const char *want_text;	/* exactly what is written */
	const char *old;	/* raw value before (trimmed) */
	const char *readback;	/* after the write */
	const char *effective;	/* effective_affinity_list after (IRQs) */
	bool effective_pending;	/* effective CPUs outside the new set: the move happens at the next interrupt */
	int err;		/* -errno of a failed write or read */
	unsigned line;		/* plan or journal line it comes from, 0 when none */
	const char *why;	/* explanation (managed, missing, skipped, failed) */
	/* keep (act/keep.h): the old value to journal when it is not what was read (the
	 * value the file had before irqsight first held it), and a note for the journal's
	 * what= ("keep=link-up"); NULL for apply. */
	const char *journal_old;
	const char *note;
};

struct act_list {
	struct act_op *v;
	int n, cap;
	/* The host's CPUs, when resolved against a model: to explain a read-back mismatch. */
	bool has_host;
	struct cpuset online;
	int max_cpu;
	/* act_run() refused the list (a path outside the allow-list, act/allow.h): the op
	 * and why; nothing was read or written. -1 when not refused. */
	int refused;
	const char *refused_why;
};
/* A new zeroed operation (irq -1) at the end of l, growing it in a. */
struct act_op *act_add_op(struct act_list *l, struct arena *a);

/*
 * Resolve a plan against the host model and the files under the source root.
 * IRQs the plan does not name are left alone. 0 or -errno.
 */
int act_resolve(const struct plan *p, const struct host *h, const struct source *src, struct arena *a,
		struct act_list *out);

struct act_opts {
	bool dry_run;
	int fault_after;	/* test hook (IRQSIGHT_FAULT_AFTER_WRITES): stop after N writes, 0 = off */
};

/*
 * Do the pending operations. First every pending path is checked against the write
 * allow-list (act/allow.h): one outside it refuses the whole list before anything is
 * read or written (-EPERM, ops->refused). Returns 0, or -errno when the journal cannot
 * be written (then nothing more is written: no write without its journal line).
 * Per-operation failures are in the ops, not the return value.
 */
int act_run(const struct source *src, struct act_list *ops, const struct act_opts *o, struct journal *j,
	    struct arena *a);

/* Operations restoring every old value of a journal, newest write first; the first
 * recorded old value of a path wins. */
int act_restore_ops(const struct journal_data *jd, struct arena *a, struct act_list *out);
/* How many operations of ops have status s (enum act_status). */
int act_count(const struct act_list *ops, int s);

/* Why a write failed, for this errno (positive), in words an operator can act on. */
const char *act_explain(int err);

/* Does text equal the set, read as a list (…_list files) or as a mask? */
bool act_value_equal(const char *path, const char *text, const struct cpuset *want, struct arena *a);

#endif

/*
 * The plan file (docs/plan.md) and the journal share one line format, parsed here:
 *
 *   KEYWORD [POSITIONAL] key=value key="value with spaces" ...   # comment
 *
 * Values are bare words, or double-quoted with \" and \\ escapes. '#' outside quotes
 * starts a comment. Pure: text in, structs out (strings in the arena).
 */
#ifndef IRQSIGHT_PARSE_PLANFILE_H
#define IRQSIGHT_PARSE_PLANFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/cpuset.h"
#include "util/str.h"

struct arena;
struct buf;

#define PLAN_VERSION 1

enum plan_irq_kind {
	PLAN_MOVE,		/* write the target to smp_affinity_list */
	PLAN_MANAGED,		/* kernel-managed / not settable: boot parameters only */
};

struct plan_irq {
	enum plan_irq_kind kind;
	unsigned line;		/* in the plan file, for messages */
	/* How apply finds it again (any may be NULL / -1). */
	const char *bdf;	/* PCI device, NULL for IRQs without one (ttyS0, acpi) */
	const char *driver;
	int vector;		/* MSI/MSI-X index, -1 unknown */
	const char *action;	/* fnmatch(3) pattern over the action names ("virtio*-rx") */
	struct cpuset cpus;	/* target (PLAN_MOVE) */
	/* For the reader and the table only (not used to match). */
	int irq;		/* IRQ number when planned, -1 unknown */
	const char *name;	/* action names when planned ("virtio3-rx") */
	struct cpuset now;	/* smp_affinity_list when planned */
	bool has_now;
	const char *why;
	const char *brief;	/* plan_make(): why in a few words for the table (not in the file) */
};

struct plan_rps {
	unsigned line;		/* in the plan file, for messages */
	const char *netdev;	/* "eth0" */
	const char *bdf;	/* its PCI device, or NULL */
	struct cpuset cpus;	/* RPS CPUs for every rx queue whose RPS is on */
};

struct plan_node {
	int id;
	struct cpuset cpus;
};

struct plan {
	int version;
	/* The host it was made for (apply refuses another unless forced). */
	int ncpus;		/* possible CPUs (max id + 1) */
	struct cpuset online;
	struct plan_node *nodes;
	int nnodes;
	const char *kernel;	/* informational */

	struct cpuset vm_cpus;
	/* What reserved them, comma-joined: "--vm-cpus", "--housekeeping", "isolcpus",
	 * "nohz_full", "sysfs-isolated", "cpuset-partition", "vcpu-pinning", or a declared
	 * housekeeping source ("irqaffinity", ...) when only that says which CPUs are left. */
	const char *vm_cpus_from;
	struct cpuset housekeeping;

	bool has_default_affinity;
	struct cpuset default_affinity;
	unsigned default_affinity_line;

	bool has_banned;
	struct cpuset irqbalance_banned;	/* IRQBALANCE_BANNED_CPULIST */

	const char *boot_params;	/* "isolcpus=managed_irq,domain,2-7 irqaffinity=0-1" */
	/* plan_make(): --housekeeping named reserved CPUs (written as a comment; not parsed). */
	const char *warning;

	struct plan_irq *irqs;
	int nirqs;
	struct plan_rps *rps;
	int nrps;
};

/* One parsed line: the keyword, an optional positional word, and key=value pairs. */
struct pf_kv {
	const char *key, *val;
};
struct pf_line {
	unsigned line_no;
	const char *keyword;
	const char *word;	/* first bare token that is not key=value, or NULL */
	struct pf_kv *kv;
	int nkv;
};

/*
 * Limits of every file in this format that irqsight reads (plans, journals, persist's
 * manifest): a file is read whole or refused (PF_MAX_BYTES, never cut), and parsing it
 * allocates at most PF_MAX_MEM in the caller's arena (beyond the file itself and one
 * line's scratch space), whatever the content. docs/plan.md states both.
 */
#define PF_MAX_BYTES (8u << 20)
#define PF_MAX_MEM (64u << 20)
#define PF_MAX_KV 32	/* key=value pairs on one line */

/*
 * Line by line, in bounded memory: one line at a time in a scratch arena of its own,
 * emptied for the next line, so a caller keeps (copies into its arena) only what it
 * needs. Blank and comment-only lines are skipped.
 */
struct pf_reader {
	struct slice all;
	unsigned no;		/* number of the line last returned */
	struct arena *scratch;
	struct buf *tok;
	struct pf_kv kv[PF_MAX_KV];
};
void pf_reader_init(struct pf_reader *r, const char *buf, size_t len);
/* 1 and *l (valid until the next call), 0 at the end, or -EINVAL with *why (a static
 * string; r->no is the line) on an unterminated quote, a NUL byte or too many fields. */
int pf_next(struct pf_reader *r, struct pf_line *l, const char **why);
void pf_reader_free(struct pf_reader *r);

/* Split text into lines (blank and comment-only lines dropped), all kept in the arena.
 * -EINVAL on a malformed line (with *bad_line set). */
int pf_parse_lines(const char *buf, size_t len, struct arena *a, struct pf_line **out, int *n,
		   unsigned *bad_line);
const char *pf_get(const struct pf_line *l, const char *key);	/* NULL when absent */
/* Append " key=value", quoting when needed (spaces, quotes, '#', '=', empty). */
int pf_put(struct buf *b, const char *key, const char *val);

/*
 * Parse a plan file. Returns 0, or -EINVAL with *err (arena string, "line N: ...") for
 * a malformed or unsupported plan. Informational fields missing are left unset.
 */
int parse_planfile(const char *buf, size_t len, struct arena *a, struct plan *p, const char **err);

#endif

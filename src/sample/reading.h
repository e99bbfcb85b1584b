/*
 * One reading of the kernel's interrupt counters: /proc/interrupts, /proc/softirqs
 * and /proc/stat, taken through the source layer and the pure parsers, stamped
 * with CLOCK_MONOTONIC. Two readings make rates (sample/rates.h).
 *
 * Invariants:
 *  - Everything lives in r->arena; reading_free() releases it at once.
 *  - IRQ rows are keyed by name ("36", "LOC"); their identity (chip, hwirq,
 *    actions) lets rates tell a reused IRQ number from the same IRQ.
 *  - counts[] of a row are indexed by /proc/interrupts column; col_cpu[] maps a
 *    column to its CPU id (only online CPUs have columns: ids can have holes).
 *  - A file that could not be read has its -errno in err_*; the rest is usable.
 */
#ifndef IRQSIGHT_SAMPLE_READING_H
#define IRQSIGHT_SAMPLE_READING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse/softirqs.h"
#include "parse/stat.h"
#include "util/arena.h"

struct source;

struct rd_irq {
	const char *name;	/* "36", "LOC", "IPI0" */
	int number;		/* -1 for named (architecture) rows */
	const char *chip;	/* numeric rows: "PCI-MSIX-0000:00:02.0"; "" if none */
	const char *hwirq;	/* "" if not printed */
	const char *actions;	/* "virtio1-req.0" (", "-separated); named rows: the description */
	uint32_t *counts;	/* [ncounts] per column */
	int ncounts;		/* == r->ncols for full rows; 1 for ERR/MIS */
	uint64_t total;
};

struct reading {
	struct arena arena;
	uint64_t time_ns;	/* CLOCK_MONOTONIC when the reading started */
	uint64_t took_ns;	/* how long the three reads took */

	int ncols;		/* CPUs in the /proc/interrupts header */
	int *col_cpu;		/* column -> CPU id */
	int max_cpu;		/* largest CPU id seen in any of the three files, -1 if none */
	struct rd_irq *irqs;	/* file order: numeric rows ascending, then named rows */
	int nirqs;
	int short_rows;		/* numeric rows with fewer counts than columns (torn read) */
	int err_interrupts;	/* 0 or -errno */

	struct softirqs softirqs;	/* columns: possible CPUs */
	int err_softirqs;
	struct proc_stat stat;		/* cpuN lines: online CPUs */
	int err_stat;
};

/* Read the three files from src (live "/" or a snapshot). Returns 0 when
 * /proc/interrupts was read (the others may have failed: see err_*), else -errno. */
int reading_take(struct reading *r, const struct source *src);

/* The same from buffers (tests). Any buffer may be NULL (then its err_* is -ENOENT). */
int reading_parse(struct reading *r, const char *interrupts, size_t ilen, const char *softirqs,
		  size_t slen, const char *stat, size_t stlen, uint64_t time_ns);

void reading_free(struct reading *r);

#endif

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
	/* The row's text: equal length and hash in two readings with the same columns
	 * means no counter moved (rates skip the row without looking at its counts). */
	uint64_t line_hash;
	uint32_t line_len;
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

/*
 * A sampler's memory of the previous reading's rows, for live views that take one
 * reading per tick (top). Most rows of a big host do not change in a second (8,192
 * IRQs x 512 CPUs, of which a few hundred move): a row whose text has the length and
 * hash of the same row last time is not parsed again, its counts and names are
 * shared from the cache. Each cache row keeps two versions, so the reading before
 * stays intact while the new one is taken.
 *
 * Lifetime: a reading taken with a cache points into it, and stays valid until the
 * next-but-one reading_take_cached() with that cache (at most two readings alive:
 * the previous one and the new one) or rd_cache_free().
 */
struct rd_cache;
struct rd_cache *rd_cache_new(void);
void rd_cache_free(struct rd_cache *c);
/* reading_take() that reuses unchanged rows from c (NULL: plain reading_take). */
int reading_take_cached(struct reading *r, const struct source *src, struct rd_cache *c);
/* The same from a buffer (tests and benchmarks). */
int reading_parse_cached(struct reading *r, const char *interrupts, size_t ilen, uint64_t time_ns,
			 struct rd_cache *c);
/* The same with /proc/stat's text too (NULL: none), read "before" the interrupts. */
int reading_parse_cached_stat(struct reading *r, const char *interrupts, size_t ilen, const char *stat,
			      size_t stlen, uint64_t time_ns, struct rd_cache *c);
/* Rows parsed (not reused) by the last reading taken with c. */
int rd_cache_parsed(const struct rd_cache *c);
/*
 * The /proc/stat shortcut: /proc/stat is read first, and a numeric row whose IRQ has
 * the intr sum its cached text was read with (no count of it moved: counts only
 * grow) is reused when its label, length and text after the counts are unchanged,
 * without hashing the counts. Rows the last reading reused that way, and whether the
 * files kept the rule so far (false once a row's counts moved with its sum still:
 * the shortcut is then off for c).
 */
int rd_cache_stat_reused(const struct rd_cache *c);
bool rd_cache_stat_trusted(const struct rd_cache *c);
/* Turn the shortcut off (or on again, the default) for c: benchmarks. */
void rd_cache_use_stat(struct rd_cache *c, bool on);

/* The row hash in use ("words" or "avx2", the best this CPU has). For tests
 * and benchmarks: reading_hash_use(name) forces one (NULL: the best again); -ENOTSUP
 * when this CPU lacks it, -EINVAL for another name. Take it before any reading. */
const char *reading_hash_name(void);
int reading_hash_use(const char *name);
/* The hash of line [text + off, text + off + n) of the text [text, text + tlen) being
 * fed (the bytes outside the line never count; off's place in the grid does). Tests. */
uint64_t reading_hash_line(const char *text, size_t tlen, size_t off, size_t n);

#endif

/*
 * Rates from two readings (sample/reading.h): per IRQ, per CPU, per softirq vector,
 * and the share of CPU time /proc/stat charges to hardirq and softirq.
 *
 * Deltas:
 *  - IRQs are matched by name ("36", "LOC"); a numeric IRQ whose identity (chip,
 *    hwirq, actions) changed is a reused number: its counts started inside the
 *    interval, so the new counts are the delta (is_reset).
 *  - Per-CPU counts are u32 and wrap (kernel-interfaces.md §1.7): a drop from a
 *    value >= 2^31 is a wrap, taken modulo 2^32; a drop from below is a reset of
 *    the counter (same identity re-registered), and the new value is the delta.
 *  - CPUs are matched by id, never by column: a CPU with no column in the earlier
 *    reading (it came online) has rate 0 and is flagged is_new.
 *  - IRQs in the earlier reading only are counted in nvanished; new ones (is_new)
 *    count from zero.
 *
 * %irq from /proc/stat is only meaningful with CONFIG_IRQ_TIME_ACCOUNTING: without
 * it the irq column stays 0 (kernel-interfaces.md §2.2). irq_accounted is TRI_NO
 * when irq is 0 on every CPU while interrupts were counted; then irq_pct is -1
 * (unknown) and softirq_pct is a tick-sampled estimate.
 */
#ifndef IRQSIGHT_SAMPLE_RATES_H
#define IRQSIGHT_SAMPLE_RATES_H

#include <stdbool.h>
#include <stdint.h>

#include "parse/softirqs.h"
#include "util/arena.h"
#include "util/compat.h"

struct reading;

struct rate_irq {
	const char *name;	/* points into the later reading */
	int number;		/* -1 for named rows */
	const char *chip, *hwirq, *actions;
	double rate;		/* per second, all CPUs */
	double *cpu_rate;	/* [rates.ncols], by column of the later reading; NULL when the row
				 * did not move in the interval (or has one total: ERR/MIS) */
	uint64_t delta;		/* events in the interval */
	bool is_new;		/* not in the earlier reading */
	bool is_reset;		/* identity changed (reused number) or a counter reset */
	bool wrapped;		/* some per-CPU counter wrapped past 2^32 */
};

struct rate_cpu {
	int id;
	bool online;		/* has a /proc/interrupts column in the later reading */
	bool is_new;		/* no column in the earlier reading: no delta */
	double dev_irq_rate;	/* numeric (device/platform) IRQ rows */
	double arch_irq_rate;	/* named rows (LOC, RES, CAL, ...) */
	double softirq_rate[SOFTIRQ_NR];	/* < 0 when /proc/softirqs lacks the CPU or row */
	double softirq_total;	/* sum over vectors, < 0 unknown */
	double irq_pct, softirq_pct;	/* from /proc/stat, < 0 unknown */
	double busy_pct;	/* 100 - idle - iowait, < 0 unknown */
};

struct rates {
	struct arena arena;
	double seconds;		/* between the two readings */
	int ncols;		/* columns of the later reading */
	const int *col_cpu;	/* column -> CPU id (the later reading's) */
	struct rate_cpu *cpus;	/* [max_cpu + 1], by CPU id; id == -1 for ids never seen */
	int max_cpu;
	struct rate_irq *irqs;	/* the later reading's order */
	int nirqs;
	int nvanished, nnew, nreset, nwrapped;
	enum tri irq_accounted;		/* /proc/stat's irq column is real time */
	enum tri softirq_accounted;	/* softirq column moves at all */
	double dev_irq_total, softirq_rate_total;	/* host-wide, per second */
};

/* Compute rates from a (earlier) to b (later). b must outlive the rates (names point
 * into it). 0, or -EINVAL if the readings are out of order or b has no interrupts. */
int rates_compute(struct rates *out, const struct reading *a, const struct reading *b);
/* The same into rates out already holds (from rates_compute or rates_update, or all
 * zero), its memory reused: a live view's per-tick rates without a fresh allocation
 * (590 KB of rows on a 512-CPU / 8,192-IRQ host). The earlier rates are gone. */
int rates_update(struct rates *out, const struct reading *a, const struct reading *b);
void rates_free(struct rates *r);

/* Delta of one u32 per-CPU counter (exposed for tests). *reset set on a reset. */
uint64_t rates_delta_u32(uint64_t before, uint64_t after, bool *wrapped, bool *reset);

#endif

/* irqsight latency's output (render/latency.c): docs/latency.md. */
#ifndef IRQSIGHT_RENDER_LATENCY_H
#define IRQSIGHT_RENDER_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "render/latency_load.h"
#include "sample/attrib.h"
#include "sample/probe.h"

struct buf;

/* The quantiles reported per CPU, in the table's order. */
struct lat_quantile {
	const char *label, *key;	/* "p99", "p99_us" */
	unsigned q;			/* per 10,000 (hist_quantile_us) */
};
#define LAT_NQ 5
extern const struct lat_quantile lat_quantiles[LAT_NQ];

/* One probed CPU's result. */
struct lat_cpu {
	int cpu;
	const struct hist *h;
	uint64_t q[LAT_NQ];		/* µs, lat_quantiles' order */
	uint64_t thr_us, spikes;	/* wake-ups above thr_us, from the histogram */
	int attrib_rc;
	double coverage;	/* precise: share of /proc's interrupts the recorder saw; -1 unknown */
	struct attrib_result res;
	const struct attrib_cause *causes;
	const struct attrib_srcs *srcs;
};

/* What the run was and what it means: scheduling, memory, attribution method. */
struct lat_run {
	const struct probe *p;
	uint64_t interval_us, duration_ns;	/* as asked */
	int priority;				/* --priority asked for (0: SCHED_OTHER) */
	bool has_spike;				/* --spike: the threshold, not each CPU's p99 */
	const char *compare;			/* --compare FILE, or NULL */
	int nfifo;
	int sched_err;		/* first SCHED_FIFO error */
	enum probe_attr_method method;
	const char *recorder;	/* tracepoints: "ftrace" or "perf" */
	struct probe_attr_stats st;
	bool interrupted;
	double elapsed_s;
};

/* Why the numbers are not real-time ones (SCHED_FIFO refused, --priority 0), or NULL. */
const char *latency_sched_note(const struct lat_run *ri);
/* The per-CPU table and, with attribution, one spike line per CPU (period_ms: the
 * coarse method's interval). */
void render_latency_text(struct buf *out, const struct lat_run *ri, const struct lat_cpu *cs, int n,
			 uint64_t period_ms);
/* The JSON document (schema irqsight-latency 1): --json and --save; attrib_reason: why
 * tracepoints were not used; before: the --compare file's CPUs, or NULL. */
void render_latency_json(struct buf *out, const struct lat_run *ri, const struct lat_cpu *cs, int n, uint64_t period_ms,
			 const char *attrib_reason, const struct latency_saved *before, size_t nbefore);
/* --compare: before (path) and after per CPU, p99, p99.9 and max. */
void render_latency_compare_text(struct buf *out, const char *path, const struct latency_saved *v, size_t nv,
				 const struct lat_cpu *cs, int n);
/* --histogram FILE: wake-ups per 1 µs bucket, a column per CPU (gnuplot-ready). */
void render_latency_histogram(FILE *f, const struct lat_cpu *cs, int n);

#endif

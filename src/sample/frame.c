/* The handler times of a top frame (sample/frame.h): the recorder's totals per CPU and rate row. */
#include <stddef.h>
#include <stdio.h>

#include "sample/frame.h"
#include "sample/rates.h"
#include "sample/trace.h"
#include "util/compat.h"
#include "util/nameidx.h"

const char *top_pct_src_name(enum top_pct_src s)
{
	switch (s) {
	case PCT_TRACE: return "tracepoints";
	case PCT_STAT: return "stat";
	case PCT_STAT_TICK: return "stat-tick";
	default: return "none";
	}
}

/* The rate row that counts v's handler: the IRQ of that number, or the architecture
 * row of an x86 vector event (LOC for local_timer, ...); -1 for softirqs and unknowns.
 * rows indexes rt->irqs by name. */
static int tt_row(const struct name_index *rows, const struct trace_total *v)
{
	char num[16];
	if (v->kind == TR_IRQ_ENTRY) {
		snprintf(num, sizeof(num), "%d", v->id);
		return name_index_find(rows, num);
	}
	return v->kind == TR_VECTOR_ENTRY ? name_index_find(rows, trace_row_of_vector(v->name)) : -1;
}

/* How many runs of v's handler /proc counted on v's CPU in the window (q: its row,
 * col: that CPU's column, -1 none); < 0 unknown. */
static double tt_expected(const struct rates *rt, const struct trace_total *v, const struct rate_irq *q, int col,
			  double secs)
{
	if (v->kind == TR_SOFTIRQ_ENTRY)
		return v->id >= 0 && v->id < SOFTIRQ_NR && rt->cpus[v->cpu].softirq_rate[v->id] >= 0
			       ? rt->cpus[v->cpu].softirq_rate[v->id] * secs
			       : -1;
	if (!q || col < 0)
		return -1;
	return q->cpu_rate ? q->cpu_rate[col] * secs : 0;
}

void frame_trace_times(struct frame_times *out, const struct rates *rt, const struct trace_totals *tt, double secs,
		       struct arena *a)
{
	out->irq_ns = arena_calloc(a, (size_t)rt->max_cpu + 1, sizeof(double));
	out->soft_ns = arena_calloc(a, (size_t)rt->max_cpu + 1, sizeof(double));
	out->row_ns = arena_calloc(a, (size_t)rt->nirqs + 1, sizeof(double));
	out->row_max = arena_calloc(a, (size_t)rt->nirqs + 1, sizeof(uint64_t));
	struct trace_cov tc = { arena_calloc(a, (size_t)rt->max_cpu + 1, sizeof(double)),
				arena_calloc(a, (size_t)rt->max_cpu + 1, sizeof(double)), rt->max_cpu };
	int *col_of = arena_alloc(a, ((size_t)rt->max_cpu + 1) * sizeof(int));
	for (int i = 0; i <= rt->max_cpu; i++)
		col_of[i] = -1;
	for (int c = 0; c < rt->ncols; c++)
		col_of[rt->col_cpu[c]] = c;
	struct name_index rows;
	name_index_build(&rows, a, rt->irqs, (size_t)rt->nirqs, sizeof(*rt->irqs), offsetof(struct rate_irq, name));
	size_t it = 0;
	struct trace_total v;
	while (trace_totals_next(tt, &it, &v)) {
		if (v.cpu < 0 || v.cpu > rt->max_cpu)
			continue;
		int ri = tt_row(&rows, &v);
		/* a handler that is not one of its number's actions: the number was
		 * reused in the window, the row's counts are not that handler's */
		if (ri >= 0 && v.kind == TR_IRQ_ENTRY && !trace_action_listed(rt->irqs[ri].actions, v.name))
			ri = -1;
		const struct rate_irq *q = ri >= 0 ? &rt->irqs[ri] : NULL;
		double ns = trace_scaled_ns(&v, tt_expected(rt, &v, q, col_of[v.cpu], secs), &tc);
		if (v.kind == TR_SOFTIRQ_ENTRY)
			out->soft_ns[v.cpu] += ns;
		else
			out->irq_ns[v.cpu] += ns;
		if (ri >= 0) {
			out->row_ns[ri] += ns;
			out->row_max[ri] = MAX(out->row_max[ri], v.max_ns);
		}
	}
	out->coverage = trace_cov_lowest(&tc, &out->coverage_cpu);
}

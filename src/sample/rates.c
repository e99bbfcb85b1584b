/* Rates from two readings: see rates.h for how deltas survive change. */
#include "sample/rates.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "parse/stat.h"
#include "sample/reading.h"
#include "util/nameidx.h"

uint64_t rates_delta_u32(uint64_t before, uint64_t after, bool *wrapped, bool *reset)
{
	if (after >= before)
		return after - before;
	/* The kernel prints per-CPU counts with %10u: they wrap at 2^32. A drop from the
	 * upper half is a wrap; from the lower half it would need > 2^31 events in one
	 * interval, so it is a counter that started again (re-registered IRQ). */
	if (before >= (1ull << 31) && before <= UINT32_MAX) {
		if (wrapped)
			*wrapped = true;
		return ((after - before) & 0xffffffffull);
	}
	if (reset)
		*reset = true;
	return after;
}


/* Named rows with one total value (ERR, MIS, Err) are not per CPU. */
static bool per_cpu_row(const struct reading *r, const struct rd_irq *q)
{
	return q->ncounts == r->ncols && r->ncols > 0 && !(q->number < 0 && q->ncounts == 1 && r->ncols != 1);
}

static bool same_identity(const struct rd_irq *x, const struct rd_irq *y)
{
	return !strcmp(x->chip, y->chip) && !strcmp(x->hwirq, y->hwirq) && !strcmp(x->actions, y->actions);
}

/* The cpuN line of CPU id; `hint` is where it most likely is (the same line number in
 * the reading before): a search per CPU would be 512 x 512 steps a tick. */
static const struct stat_cpu *stat_of(const struct proc_stat *st, int id, int hint)
{
	if (hint >= 0 && hint < st->ncpus && st->cpus[hint].id == id)
		return &st->cpus[hint];
	for (int i = 0; i < st->ncpus; i++)
		if (st->cpus[i].id == id)
			return &st->cpus[i];
	return NULL;
}

static uint64_t stat_sum(const struct stat_cpu *c)
{
	/* user nice system idle iowait irq softirq steal; guest time is already in user/nice. */
	uint64_t s = 0;
	for (int i = 0; i < MIN(c->nfields, 8); i++)
		s += c->v[i];
	return s;
}

static void stat_rates(struct rates *out, const struct reading *a, const struct reading *b)
{
	if (a->err_stat || b->err_stat)
		return;
	uint64_t irq_cum = 0, soft_cum = 0, intr = b->stat.has_intr ? b->stat.intr_total : 0;
	int with_irq_field = 0;
	for (int i = 0; i < b->stat.ncpus; i++) {
		const struct stat_cpu *c = &b->stat.cpus[i];
		if (c->nfields > 6) {
			with_irq_field++;
			irq_cum += c->v[5];
			soft_cum += c->v[6];
		}
	}
	if (!with_irq_field)
		return;
	/* Without CONFIG_IRQ_TIME_ACCOUNTING (tick accounting) the irq column only grows
	 * when a tick lands inside a hard IRQ: in practice it stays 0 forever. */
	if (irq_cum == 0 && (intr > 0 || out->dev_irq_total > 0))
		out->irq_accounted = TRI_NO;
	else if (irq_cum > 0)
		out->irq_accounted = TRI_YES;
	out->softirq_accounted = soft_cum > 0 ? TRI_YES : TRI_UNKNOWN;
	for (int i = 0; i < b->stat.ncpus; i++) {
		const struct stat_cpu *cb = &b->stat.cpus[i];
		const struct stat_cpu *ca = stat_of(&a->stat, cb->id, i);
		if (!ca || cb->id < 0 || cb->id > out->max_cpu || cb->nfields < 7 || ca->nfields < 7)
			continue;
		uint64_t ta = stat_sum(ca), tb = stat_sum(cb);
		if (tb <= ta)
			continue;
		double dt = (double)(tb - ta);
		struct rate_cpu *rc = &out->cpus[cb->id];
		if (out->irq_accounted == TRI_YES && cb->v[5] >= ca->v[5])
			rc->irq_pct = 100.0 * (double)(cb->v[5] - ca->v[5]) / dt;
		if (cb->v[6] >= ca->v[6])
			rc->softirq_pct = 100.0 * (double)(cb->v[6] - ca->v[6]) / dt;
		uint64_t idle = (cb->v[3] + cb->v[4]) - MIN(cb->v[3] + cb->v[4], ca->v[3] + ca->v[4]);
		rc->busy_pct = 100.0 * (1.0 - (double)idle / dt);
		if (rc->busy_pct < 0)
			rc->busy_pct = 0;
	}
}

static void softirq_rates(struct rates *out, const struct reading *a, const struct reading *b, double secs)
{
	if (a->err_softirqs || b->err_softirqs)
		return;
	const struct softirqs *sa = &a->softirqs, *sb = &b->softirqs;
	/* column of each CPU id in a */
	int *acol = arena_alloc(&out->arena, ((size_t)out->max_cpu + 1) * sizeof(int));
	memset(acol, 0xff, ((size_t)out->max_cpu + 1) * sizeof(int));
	for (int i = 0; i < sa->ncpus; i++)
		if (sa->cpu_ids[i] >= 0 && sa->cpu_ids[i] <= out->max_cpu)
			acol[sa->cpu_ids[i]] = i;
	for (int c = 0; c < sb->ncpus; c++) {
		int id = sb->cpu_ids[c];
		if (id < 0 || id > out->max_cpu || acol[id] < 0)
			continue;
		struct rate_cpu *rc = &out->cpus[id];
		rc->softirq_total = 0;
		for (int v = 0; v < SOFTIRQ_NR; v++) {
			if (!sa->counts[v] || !sb->counts[v])
				continue;
			uint64_t d = rates_delta_u32(sa->counts[v][acol[id]], sb->counts[v][c], NULL, NULL);
			rc->softirq_rate[v] = (double)d / secs;
			rc->softirq_total += rc->softirq_rate[v];
		}
		out->softirq_rate_total += rc->softirq_total;
	}
}

/* out->cpus[] (every id of either reading, unknown values -1) and, returned, where each
 * column of b sits in a (-1: the CPU was not in a). */
static int *map_cpus(struct rates *out, const struct reading *a, const struct reading *b)
{
	out->cpus = arena_calloc(&out->arena, (size_t)out->max_cpu + 1, sizeof(*out->cpus));
	for (int i = 0; i <= out->max_cpu; i++) {
		struct rate_cpu *rc = &out->cpus[i];
		rc->id = -1;
		rc->irq_pct = rc->softirq_pct = rc->busy_pct = rc->softirq_total = -1;
		for (int v = 0; v < SOFTIRQ_NR; v++)
			rc->softirq_rate[v] = -1;
	}
	/* CPU ids of b's columns, and where each sits in a. */
	int *acol = arena_alloc(&out->arena, ((size_t)out->max_cpu + 1) * sizeof(int));
	memset(acol, 0xff, ((size_t)out->max_cpu + 1) * sizeof(int));
	for (int i = 0; i < a->ncols; i++)
		acol[a->col_cpu[i]] = i;
	int *bcol_in_a = arena_alloc(&out->arena, ((size_t)b->ncols + 1) * sizeof(int));
	for (int c = 0; c < b->ncols; c++) {
		int id = b->col_cpu[c];
		bcol_in_a[c] = acol[id];
		out->cpus[id].id = id;
		out->cpus[id].online = true;
		out->cpus[id].is_new = acol[id] < 0;
	}
	/* ids seen only in softirqs/stat (offline or possible CPUs) */
	for (int i = 0; i < b->softirqs.ncpus && !b->err_softirqs; i++)
		out->cpus[b->softirqs.cpu_ids[i]].id = b->softirqs.cpu_ids[i];
	return bcol_in_a;
}

static int compute(struct rates *out, const struct reading *a, const struct reading *b);

int rates_compute(struct rates *out, const struct reading *a, const struct reading *b)
{
	memset(out, 0, sizeof(*out));
	return compute(out, a, b);
}

int rates_update(struct rates *out, const struct reading *a, const struct reading *b)
{
	struct arena keep = out->arena;
	arena_reset(&keep);
	memset(out, 0, sizeof(*out));
	out->arena = keep;
	return compute(out, a, b);
}

static int compute(struct rates *out, const struct reading *a, const struct reading *b)
{
	if (b->time_ns <= a->time_ns || b->err_interrupts)
		return -EINVAL;
	double secs = (double)(b->time_ns - a->time_ns) / 1e9;
	out->seconds = secs;
	out->ncols = b->ncols;
	out->col_cpu = b->col_cpu;
	out->max_cpu = MAX(MAX(a->max_cpu, b->max_cpu), 0);
	int *bcol_in_a = map_cpus(out, a, b);

	bool same_cols = a->ncols == b->ncols &&
			 !memcmp(a->col_cpu, b->col_cpu, (size_t)b->ncols * sizeof(int));
	/* Rows usually keep their place from one reading to the next: look a name up in
	 * the map (built on first need) only when the row at the same index differs. */
	struct name_index m = { 0 };
	bool have_map = false;
	bool *seen = arena_calloc(&out->arena, (size_t)a->nirqs + 1, sizeof(bool));
	/* not zeroed first: each entry is written whole below (one pass over ~0.5 MB on
	 * 8,192 IRQs, not two) */
	out->irqs = arena_alloc_uninit(&out->arena, ((size_t)b->nirqs + 1) * sizeof(*out->irqs));
	out->nirqs = b->nirqs;
	for (int i = 0; i < b->nirqs; i++) {
		const struct rd_irq *qb = &b->irqs[i];
		struct rate_irq *ri = &out->irqs[i];
		*ri = (struct rate_irq){ .name = qb->name, .number = qb->number, .chip = qb->chip,
					 .hwirq = qb->hwirq, .actions = qb->actions };
		int ai;
		if (i < a->nirqs && (a->irqs[i].name == qb->name || !strcmp(a->irqs[i].name, qb->name))) {
			ai = i;
		} else {
			if (!have_map) {
				name_index_build(&m, &out->arena, a->irqs, (size_t)a->nirqs, sizeof(*a->irqs),
						 offsetof(struct rd_irq, name));
				have_map = true;
			}
			ai = name_index_find(&m, qb->name);
		}
		const struct rd_irq *qa = ai >= 0 ? &a->irqs[ai] : NULL;
		if (qa)
			seen[ai] = true;
		if (qa && same_cols && qb->line_len && qa->line_len == qb->line_len &&
		    qa->line_hash == qb->line_hash && per_cpu_row(a, qa) && per_cpu_row(b, qb))
			continue;	/* the same text in the same columns: nothing moved */
		if (!qa) {
			ri->is_new = true;
			out->nnew++;
		} else if (qb->number >= 0 && !same_identity(qa, qb)) {
			ri->is_reset = true;
		}
		if (!per_cpu_row(b, qb)) {
			/* ERR/MIS: one total. */
			uint64_t d = !qa ? 0 : rates_delta_u32(qa->total, qb->total, &ri->wrapped, &ri->is_reset);
			ri->delta = d;
			ri->rate = (double)d / secs;
			continue;
		}
		bool a_full = qa && per_cpu_row(a, qa);
		/* One counter that started again means the whole row did: decide first. */
		for (int c = 0; a_full && !ri->is_new && !ri->is_reset && c < b->ncols; c++) {
			int ac = bcol_in_a[c];
			if (ac >= 0 && ac < qa->ncounts && qb->counts[c] < qa->counts[ac] &&
			    qa->counts[ac] < (1u << 31))
				ri->is_reset = true;
		}
		for (int c = 0; c < b->ncols; c++) {
			uint64_t d;
			if (ri->is_new || ri->is_reset) {
				/* counts of a new descriptor all fall inside the interval */
				d = qb->counts[c];
			} else if (!a_full || bcol_in_a[c] < 0 || bcol_in_a[c] >= qa->ncounts) {
				d = 0;	/* CPU came online (or torn row): no earlier value */
			} else {
				bool reset = false;
				d = rates_delta_u32(qa->counts[bcol_in_a[c]], qb->counts[c], &ri->wrapped, &reset);
				if (reset)
					ri->is_reset = true;
			}
			if (!d)
				continue;
			/* Most rows of a big host do not move in an interval: their per-CPU
			 * array stays NULL (8192 IRQs x 512 CPUs would be 32 MB per tick). */
			if (!ri->cpu_rate)
				ri->cpu_rate = arena_calloc(&out->arena, (size_t)b->ncols, sizeof(double));
			ri->delta += d;
			double rt = (double)d / secs;
			ri->cpu_rate[c] = rt;
			struct rate_cpu *rc = &out->cpus[b->col_cpu[c]];
			if (qb->number >= 0)
				rc->dev_irq_rate += rt;
			else
				rc->arch_irq_rate += rt;
		}
		ri->rate = (double)ri->delta / secs;
		if (qb->number >= 0)
			out->dev_irq_total += ri->rate;
		if (ri->is_reset)
			out->nreset++;
		if (ri->wrapped)
			out->nwrapped++;
	}
	for (int i = 0; i < a->nirqs; i++)
		if (!seen[i])
			out->nvanished++;
	softirq_rates(out, a, b, secs);
	stat_rates(out, a, b);
	return 0;
}

void rates_free(struct rates *r)
{
	arena_free(&r->arena);
	memset(r, 0, sizeof(*r));
}

/* The questions rules and renderers share (model/query.h), with model/thresholds.h's numbers. */
#include "model/query.h"

#include <string.h>

void vm_cpus(struct arena *a, const struct host *h, struct cpuset *out, const char **why)
{
	/* Every reservation the roles model holds: these are not alternatives. */
	cpuset_copy(out, a, &h->roles.reserved);
	*why = roles_reserved_why(a, h);
}

const char *reserved_key(const struct host *h)
{
	return cpuset_empty(&h->roles.vm) ? "isolated cpus" : "vm cpus";
}

double irq_load(const struct host *h, const struct irq *q, int col)
{
	if (h->sample_seconds > 0)
		return q->cpu_rate ? q->cpu_rate[col] : 0;
	return q->counts ? (double)q->counts[col] : 0;
}

/* The per-CPU sums are computed once by the model (derive_load). */
void device_load(struct arena *a, const struct host *h, struct load *l)
{
	memset(l, 0, sizeof(*l));
	l->rate_based = h->sample_seconds > 0;
	l->uptime = h->uptime;
	l->unit = l->rate_based ? "/s" : "";
	l->per_cpu = arena_calloc(a, (size_t)h->max_cpu + 1, sizeof(double));
	l->top_cpu = -1;
	double best = 0;
	for (int c = 0; c <= h->max_cpu; c++) {
		const struct host_cpu *cpu = &h->cpus[c];
		double v = l->rate_based ? (cpu->dev_irq_rate > 0 ? cpu->dev_irq_rate : 0) : (double)cpu->dev_irq_count;
		l->per_cpu[c] = v;
		l->total += v;
		if (v > best) {
			best = v;
			l->top_cpu = c;
		}
	}
	l->top_share = l->total > 0 ? best / l->total : 0;
}

bool irq_is_busy(const struct host *h, const struct irq *q, const struct load *l)
{
	if (!q->is_device)
		return false;
	if (h->sample_seconds > 0) {
		if (q->rate >= BUSY_RATE)
			return true;
		for (int col = 0; q->cpu_time_pct && col < h->ncols; col++)
			if (q->cpu_time_pct[col] >= BUSY_TIME_PCT)
				return true;
		return false;
	}
	return q->total >= BUSY_COUNT && (double)q->total >= BUSY_SHARE * l->total;
}

double irq_time_on(const struct host *h, const struct irq *q, int cpu)
{
	const struct host_cpu *c = host_cpu(h, cpu);
	if (!h->traced || !c || c->col < 0 || q->rate < 0)
		return -1;	/* not traced, or the IRQ changed during the sample: unknown */
	return q->cpu_time_pct ? q->cpu_time_pct[c->col] : 0;
}

const struct irq *top_time_irq(const struct host *h, int cpu, double *pct)
{
	const struct irq *best = NULL;
	*pct = 0;
	for (int i = 0; i < h->nirqs; i++) {
		double v = irq_time_on(h, &h->irqs[i], cpu);
		if (v > *pct) {
			*pct = v;
			best = &h->irqs[i];
		}
	}
	return best;
}

int top_time_softirq(const struct host *h, int cpu, double *pct)
{
	const struct host_cpu *c = host_cpu(h, cpu);
	int best = -1;
	*pct = 0;
	for (int v = 0; h->traced && c && v < SOFTIRQ_NR; v++)
		if (c->softirq_time_pct[v] > *pct) {
			*pct = c->softirq_time_pct[v];
			best = v;
		}
	return best;
}

double hotspot_threshold(int ncpus)
{
	double t = ncpus > 0 ? HOTSPOT_FAIR_SHARES / ncpus : 1.0;
	if (t > HOTSPOT_SHARE_MAX)
		t = HOTSPOT_SHARE_MAX;
	if (t < HOTSPOT_SHARE_MIN)
		t = HOTSPOT_SHARE_MIN;
	return t;
}

/*
 * "Most" of the load, or, on hosts of 32 CPUs and more, a quarter of it when that is
 * at least eight times the fair share (one CPU of 112 taking 37% is a hotspot).
 */
bool is_hotspot_share(double share, int ncpus)
{
	if (share >= hotspot_threshold(ncpus))
		return true;
	return ncpus >= HOTSPOT_BIG_HOST && share >= HOTSPOT_BIG_SHARE && share * ncpus >= HOTSPOT_BIG_FAIR_SHARES;
}

double hotspot_mark(int ncpus)
{
	double t = hotspot_threshold(ncpus);
	return ncpus >= HOTSPOT_BIG_HOST && t > HOTSPOT_BIG_SHARE ? HOTSPOT_BIG_SHARE : t;
}

bool load_is_significant(const struct load *l)
{
	/* Rates: 500/s. Counts since boot: a million device interrupts, or an average of
	 * 500/s when the uptime is known (a host that booted a minute ago). Below that a
	 * skew is noise (an idle host takes a handful of interrupts anywhere). */
	if (l->rate_based)
		return l->total >= SIGNIFICANT_RATE;
	return l->total >= SIGNIFICANT_COUNT ||
	       (l->uptime > 0 && l->total >= SIGNIFICANT_COUNT_MIN && l->total / l->uptime >= SIGNIFICANT_RATE);
}

const char *cpulist(struct arena *a, const struct host *h, const struct cpuset *s)
{
	return cpuset_list_str(a, s, "");
}

void housekeeping_cpus(struct arena *a, const struct host *h, struct cpuset *out)
{
	/* The roles model's housekeeping: declared (irqaffinity=, tuned, systemd) when any
	 * source declares it, else the online CPUs nothing reserves. */
	if (h->roles.derived && !cpuset_empty(&h->roles.housekeeping)) {
		cpuset_copy(out, a, &h->roles.housekeeping);
		return;
	}
	host_online_cpus(h, a, out);
}

void irq_cpus(struct arena *a, const struct host *h, const struct irq *q, enum irq_cpus_how how, struct cpuset *out)
{
	if (q->has_effective && !cpuset_empty(&q->effective_affinity)) {
		cpuset_copy(out, a, &q->effective_affinity);
		return;
	}
	bool target = how == IRQ_CPUS_TARGET;
	if (q->has_affinity && (!target || cpuset_count(&q->smp_affinity) <= TARGET_AFFINITY_MAX) &&
	    !cpuset_empty(&q->smp_affinity)) {
		cpuset_and(out, a, &q->smp_affinity, h->has_online ? &h->online : &q->smp_affinity);
		if (!cpuset_empty(out))
			return;
	}
	cpuset_init(out, a, h->max_cpu);
	for (int col = 0; q->counts && col < h->ncols; col++)
		if (target ? q->total && (uint64_t)q->counts[col] * TARGET_COUNT_DIV >= q->total : q->counts[col] != 0)
			cpuset_set(out, h->col_cpu[col]);
}

bool load_cpu_is_hot(const struct load *l, double cpu_load, int ncpus)
{
	double share = l->total > 0 ? 100.0 * cpu_load / l->total : 0;
	return l->total > 0 && load_is_significant(l) && is_hotspot_share(share / 100.0, ncpus);
}

bool softirq_is_significant(double total, bool rates)
{
	return rates ? total >= SIGNIFICANT_RATE : total >= SIGNIFICANT_COUNT;
}

void softirq_hot_cpus(struct arena *a, const struct host *h, struct cpuset *out)
{
	cpuset_init(out, a, h->max_cpu);
	int online = h->has_online ? cpuset_count(&h->online) : h->ncols;
	bool rates = h->sample_seconds > 0;
	static const int vecs[] = { SOFTIRQ_NET_RX, SOFTIRQ_BLOCK };
	for (int vi = 0; vi < 2 && online >= 2; vi++) {
		double total = 0;
		for (int c = 0; c <= h->max_cpu; c++)
			total += rates ? (h->cpus[c].softirq_rate[vecs[vi]] > 0 ? h->cpus[c].softirq_rate[vecs[vi]] : 0)
				       : (double)h->cpus[c].softirq[vecs[vi]];
		if (!softirq_is_significant(total, rates))
			continue;
		for (int c = 0; c <= h->max_cpu; c++) {
			double x = rates ? h->cpus[c].softirq_rate[vecs[vi]] : (double)h->cpus[c].softirq[vecs[vi]];
			if (x >= SOFTIRQ_HOT_FAIR_SHARES * total / online && x >= SOFTIRQ_HOT_SHARE * total)
				cpuset_set(out, c);
		}
	}
}

const char *cpu_role(const struct host *h, const struct host_cpu *cpu)
{
	const struct host_roles *r = &h->roles;
	return cpu->vm || (cpu->roles & RS_BIT(RS_VCPU))	      ? "vm"
	       : cpu->isolated					      ? "isolated"
	       : r->derived && cpuset_test(&r->housekeeping, cpu->id) ? "housekeeping"
								      : "other";
}

const char *role_src_kind(enum role_src s)
{
	return (RS_BIT(s) & RS_ISOLATION)      ? "isolated"
	       : (RS_BIT(s) & RS_HOUSEKEEPING) ? "housekeeping"
	       : s == RS_VCPU		       ? "vm"
					       : "rcu_nocbs"; /* recorded, not isolation */
}

/* What an IRQ takes from cpus: % of a CPU (tracepoints) or interrupts/s. */
double irq_cost_on(const struct host *h, const struct irq *q, const struct cpuset *vm)
{
	double sum = 0;
	for (int c = cpuset_next(vm, 0); c >= 0; c = cpuset_next(vm, c + 1)) {
		const struct host_cpu *hc = host_cpu(h, c);
		if (!hc || hc->col < 0)
			continue;
		double t = h->traced ? irq_time_on(h, q, c) : irq_load(h, q, hc->col);
		sum += t > 0 ? t : 0;
	}
	return sum;
}

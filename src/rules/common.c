#include "rules/common.h"

#include <string.h>

#include "util/buf.h"

void vm_cpus(const struct host *h, struct cpuset *out, const char **why)
{
	struct arena *a = (struct arena *)&h->arena;
	cpuset_init(out, a, h->max_cpu);
	*why = NULL;
	for (int i = 0; i < h->nvms; i++) {
		const struct vm *vm = &h->vms[i];
		for (int k = 0; k < vm->nthreads; k++) {
			const struct vm_thread *t = &vm->threads[k];
			if (t->vcpu < 0 && t->kind == VMT_VHOST)
				continue;
			if (t->pinned && t->has_allowed) {
				struct cpuset u;
				cpuset_or(&u, a, out, &t->allowed);
				*out = u;
				*why = "pinned vCPU threads";
			}
		}
	}
	if (!cpuset_empty(out))
		return;
	cpuset_or(out, a, &h->isolated, &h->nohz_full);
	if (!cpuset_empty(out))
		*why = "isolated/nohz_full CPUs";
}

double irq_load(const struct host *h, const struct irq *q, int col)
{
	if (h->sample_seconds > 0)
		return q->cpu_rate ? q->cpu_rate[col] : 0;
	return q->counts ? (double)q->counts[col] : 0;
}

/* The per-CPU sums are computed once by the model (derive_load). */
void device_load(const struct host *h, struct load *l)
{
	memset(l, 0, sizeof(*l));
	l->rate_based = h->sample_seconds > 0;
	l->uptime = h->uptime;
	l->unit = l->rate_based ? "/s" : "";
	l->per_cpu = arena_calloc((struct arena *)&h->arena, (size_t)h->max_cpu + 1, sizeof(double));
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

void irq_target_cpus(const struct host *h, const struct irq *q, struct cpuset *out)
{
	struct arena *a = (struct arena *)&h->arena;
	if (q->has_effective && !cpuset_empty(&q->effective_affinity)) {
		cpuset_copy(out, a, &q->effective_affinity);
		return;
	}
	if (q->has_affinity && cpuset_count(&q->smp_affinity) <= 4 && !cpuset_empty(&q->smp_affinity)) {
		cpuset_and(out, a, &q->smp_affinity, h->has_online ? &h->online : &q->smp_affinity);
		if (!cpuset_empty(out))
			return;
	}
	cpuset_init(out, a, h->max_cpu);
	for (int col = 0; q->counts && col < h->ncols; col++)
		if (q->total && (uint64_t)q->counts[col] * 10 >= q->total)
			cpuset_set(out, h->col_cpu[col]);
}

bool irq_is_busy(const struct host *h, const struct irq *q, const struct load *l)
{
	if (!q->is_device)
		return false;
	if (h->sample_seconds > 0)
		return q->rate >= 1000;
	return q->total >= 100000 && (double)q->total >= 0.01 * l->total;
}

double hotspot_threshold(int ncpus)
{
	double t = ncpus > 0 ? 3.0 / ncpus : 1.0;
	if (t > 0.8)
		t = 0.8;
	if (t < 0.5)
		t = 0.5;
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
	return ncpus >= 32 && share >= 0.25 && share * ncpus >= 8;
}

bool load_is_significant(const struct load *l)
{
	/* Rates: 500/s. Counts since boot: a million device interrupts, or an average of
	 * 500/s when the uptime is known (a host that booted a minute ago). Below that a
	 * skew is noise (an idle host takes a handful of interrupts anywhere). */
	if (l->rate_based)
		return l->total >= 500;
	return l->total >= 1e6 || (l->uptime > 0 && l->total >= 1000 && l->total / l->uptime >= 500);
}

const char *cpulist(const struct host *h, const struct cpuset *s)
{
	struct buf b = { 0 };
	cpuset_format_list(s, &b);
	const char *r = arena_strdup((struct arena *)&h->arena, b.data ? b.data : "");
	buf_free(&b);
	return r;
}

const char *irq_label(const struct host *h, const struct irq *q)
{
	struct arena *a = (struct arena *)&h->arena;
	if (q->is_arch)
		return q->name;
	if (q->actions && *q->actions)
		return arena_printf(a, "%d %s", q->number, q->actions);
	return arena_printf(a, "%d", q->number);
}

const char *dev_label(const struct host *h, const struct pci_dev *d)
{
	struct arena *a = (struct arena *)&h->arena;
	if (d->driver && d->netdev)
		return arena_printf(a, "%s (%s, %s)", d->bdf, d->driver, d->netdev);
	if (d->driver)
		return arena_printf(a, "%s (%s)", d->bdf, d->driver);
	return d->bdf;
}

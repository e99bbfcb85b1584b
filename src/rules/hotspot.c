/* irq-hotspot and cpu0-overload: one CPU takes most device interrupt work. */
#include <stdlib.h>
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"

struct top_irq {
	const struct irq *q;
	double v;
};

static int cmp_top(const void *a, const void *b)
{
	double x = ((const struct top_irq *)a)->v, y = ((const struct top_irq *)b)->v;
	return (x < y) - (x > y);
}

/* The busiest device IRQs on one CPU, as evidence. */
/* Lists the busiest device IRQs on cpu; returns the one that carries 90%+ of that CPU's
 * device interrupts, if one does. */
static const struct irq *top_irqs_on(const struct host *h, struct findings *fs, struct finding *f, int cpu,
				     const struct load *l)
{
	const struct irq *dominant = NULL;
	const struct host_cpu *c = host_cpu(h, cpu);
	if (!c || c->col < 0)
		return NULL;
	struct top_irq *v = calloc((size_t)h->nirqs + 1, sizeof(*v));
	if (!v)
		return NULL;
	int n = 0;
	for (int i = 0; i < h->nirqs; i++)
		if (h->irqs[i].is_device) {
			v[n].q = &h->irqs[i];
			v[n].v = irq_load(h, &h->irqs[i], c->col);
			if (v[n].v > 0)
				n++;
		}
	qsort(v, (size_t)n, sizeof(*v), cmp_top);
	struct arena *a = fs->arena;
	for (int i = 0; i < n && i < 5; i++) {
		const struct irq *q = v[i].q;
		double t = irq_time_on(h, q, cpu);
		finding_evidence(fs, f, arena_printf(a, "irq %d", q->number),
				 "%s: %.0f%s on CPU %d (%.0f%% of that CPU's device interrupts%s)%s%s", q->actions, v[i].v, l->unit,
				 cpu, l->per_cpu[cpu] > 0 ? 100.0 * v[i].v / l->per_cpu[cpu] : 0,
				 t >= 0 ? arena_printf(a, "; %.2f%% of its time, tracepoints", t) : "",
				 q->dev ? ", device " : "", q->dev ? q->dev->bdf : "");
	}
	if (n && l->per_cpu[cpu] > 0 && v[0].v >= 0.9 * l->per_cpu[cpu])
		dominant = v[0].q;
	free(v);
	return dominant;
}

static const struct irq *describe(const struct host *h, struct findings *fs, struct finding *f, const struct load *l,
				  int online)
{
	finding_evidence(fs, f, "share", "CPU %d takes %.0f%% of all device interrupts (%s; %d online CPUs)",
			 l->top_cpu, 100.0 * l->top_share,
			 l->rate_based ? arena_printf(fs->arena, "%.0f of %.0f interrupts/s over %.1f s",
						      l->per_cpu[l->top_cpu], l->total, h->sample_seconds)
				       : arena_printf(fs->arena, "%.0f of %.0f interrupts since boot",
						      l->per_cpu[l->top_cpu], l->total),
			 online);
	/* Sampled: what the interrupt work costs that CPU, from which source, and whose
	 * vCPUs sit there. */
	const char *key, *t = cpu_time_text(fs->arena, h, l->top_cpu, &key);
	if (t) {
		const char *vc = vcpus_there(fs->arena, h, NULL, l->top_cpu);
		finding_evidence(fs, f, key, "CPU %d: %s%s%s", l->top_cpu, t, vc ? "; " : "", vc ? vc : "");
	}
	const struct irq *dominant = top_irqs_on(h, fs, f, l->top_cpu, l);
	if (!l->rate_based)
		finding_evidence(fs, f, "note", "counts since boot: run 'irqsight check --interval 5' to judge the current rate");
	return dominant;
}

/* Is q its device's only vector? Without the device (no sysfs, no BDF in the name),
 * a one-handler IRQ whose name no other IRQ extends ("em1" beside no "em1-rx-0"). */
static bool only_vector(const struct host *h, const struct irq *q)
{
	if (q->dev)
		return q->dev->nirqs == 1;
	if (q->naction != 1)
		return false;
	size_t n = strlen(q->action[0]);
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *o = &h->irqs[i];
		if (o != q && o->is_device && o->naction >= 1 && !strncmp(o->action[0], q->action[0], n))
			return false;
	}
	return true;
}

void rule_irq_hotspot(const struct host *h, struct findings *fs)
{
	int online = h->has_online ? cpuset_count(&h->online) : h->ncols;
	if (online < 2)
		return;
	struct load l;
	device_load(fs->arena, h, &l);
	if (!load_is_significant(&l) || !is_hotspot_share(l.top_share, online))
		return;
	/* CPU 0: cpu0-overload reports it, with the same evidence and the default-affinity
	 * cause; one finding per cause (rule_cpu0_overload fires on exactly this). */
	if (l.top_cpu == 0)
		return;
	struct finding *f = finding_new(fs, "irq-hotspot", SEV_WARNING, "CPU %d takes %.0f%% of device interrupts",
					l.top_cpu, 100.0 * l.top_share);
	f->cpu = l.top_cpu;
	const struct irq *one = describe(h, fs, f, &l, online);
	/* vCPUs only where this host runs VMs: a guest or a plain server has none to name */
	bool vms = h->nvms > 0 || !cpuset_empty(&h->roles.vm);
	finding_meaning(fs, f, "Interrupt handlers and the softirq work they raise preempt whatever runs on CPU %d%s: "
			"it stalls for the duration, seen as latency spikes while the average CPU load looks low.",
			l.top_cpu, vms ? " (a vCPU scheduled there, which the guest sees)" : "");
	/* One vector of a one-vector device (the 112-CPU master's ahci): it runs on one CPU
	 * whatever its mask, so "spread the vectors" cannot split it. */
	if (one && only_vector(h, one)) {
		finding_decision(fs, f, "One vector makes this load (IRQ %d, %s): it runs on one CPU whatever its "
				 "mask, so no plan splits it. Keep latency-sensitive work%s off CPU %d, or give the "
				 "IRQ a CPU that has none.", one->number, one->actions, vms ? " and vCPUs" : "",
				 l.top_cpu);
		finding_note(fs, f, "To move it, write the CPU you choose to /proc/irq/%d/smp_affinity_list (not kept "
			     "across reboots; irqbalance, where it runs, may move it again).", one->number);
		return;
	}
	finding_decision(fs, f, "Spread the busy device vectors over housekeeping CPUs%s.",
			 vms ? " and keep vCPUs off them" : "");
	finding_plan_fix(h, fs, f, NULL, false);
}

void rule_cpu0_overload(const struct host *h, struct findings *fs)
{
	int online = h->has_online ? cpuset_count(&h->online) : h->ncols;
	if (online < 2)
		return;
	struct load l;
	device_load(fs->arena, h, &l);
	if (!load_is_significant(&l) || l.top_cpu != 0 || !is_hotspot_share(l.top_share, online))
		return;
	/* How many movable device IRQs are effectively on CPU0: the default-affinity pattern. */
	int on0 = 0, movable = 0, by_counts = 0;
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (!q->is_device || q->managed == TRI_YES)
			continue;
		struct cpuset s;
		irq_cpus(fs->arena, h, q, IRQ_CPUS_ALLOWED, &s);
		if (cpuset_empty(&s))
			continue;
		movable++;
		by_counts += !q->has_effective && !q->has_affinity;
		if (cpuset_count(&s) == 1 && cpuset_test(&s, 0))
			on0++;
	}
	struct finding *f = finding_new(fs, "cpu0-overload", SEV_WARNING, "CPU 0 carries the host's device interrupts");
	f->cpu = 0;
	describe(h, fs, f, &l, online);
	/* "0 of 10 counted only on CPU 0" beside "CPU 0 takes 59%" read as a contradiction */
	if (movable && by_counts == movable && on0)
		finding_evidence(fs, f, "counts", "%d of %d device IRQs were counted only on CPU 0 (affinity files not read)",
				 on0, movable);
	else if (movable)
		finding_evidence(fs, f, "affinity", "%d of %d movable device IRQs target only CPU 0", on0, movable);
	if (h->irqbalance.running == TRI_NO)
		finding_evidence(fs, f, "irqbalance", "not running");
	finding_meaning(fs, f, "CPU 0 also runs boot-time housekeeping (timers, RCU, many kernel threads); piling device "
			"interrupts on it (the default before irqbalance or an explicit plan spreads them) makes it "
			"the slowest CPU of the host: interrupt handlers and the softirq work they raise preempt "
			"whatever runs there%s (the hotspot irq-hotspot reports on other CPUs).",
			h->nvms > 0 || !cpuset_empty(&h->roles.vm) ? ", and a vCPU there stalls for the duration" : "");
	finding_decision(fs, f, "Choose the CPUs that do host I/O and spread the device vectors over them.");
	finding_plan_fix(h, fs, f, NULL, false);
	struct cpuset vm;
	const char *why;
	vm_cpus(fs->arena, h, &vm, &why);
	if (cpuset_empty(&vm)) {
		finding_note(fs, f, "Or let irqbalance spread them (if VMs will run here, ban their CPUs first):");
		finding_fix(fs, f, "systemctl %s irqbalance", h->irqbalance.running == TRI_YES ? "restart" : "enable --now");
	} else {
		finding_note(fs, f,
			     "Or let irqbalance spread them with the VM CPUs (%s) banned:", cpulist(fs->arena, h, &vm));
		fix_irqbalance_ban(h, fs, f, &vm, h->irqbalance.running == TRI_YES ? "restart" : "enable --now");
	}
}

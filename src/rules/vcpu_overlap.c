/* vcpu-irq-overlap: vCPU threads allowed or running on CPUs that take hot device IRQs or softirq. */
#include "rules/common.h"
#include "rules/rules.h"

/* CPUs whose device-interrupt or NET_RX/BLOCK load is well above the mean. */
static void hot_cpus(const struct host *h, const struct load *l, struct cpuset *out)
{
	struct arena *a = (struct arena *)&h->arena;
	cpuset_init(out, a, h->max_cpu);
	int online = h->has_online ? cpuset_count(&h->online) : h->ncols;
	if (online < 2)
		return;
	if (load_is_significant(l)) {
		double mean = l->total / online;
		for (int c = 0; c <= h->max_cpu; c++)
			if (l->per_cpu[c] >= 2 * mean && l->per_cpu[c] >= 0.1 * l->total)
				cpuset_set(out, c);
	}
	bool rates = h->sample_seconds > 0;
	static const int vecs[] = { SOFTIRQ_NET_RX, SOFTIRQ_BLOCK };
	for (int vi = 0; vi < 2; vi++) {
		double total = 0;
		for (int c = 0; c <= h->max_cpu; c++)
			total += rates ? (h->cpus[c].softirq_rate[vecs[vi]] > 0 ? h->cpus[c].softirq_rate[vecs[vi]] : 0)
				       : (double)h->cpus[c].softirq[vecs[vi]];
		if (rates ? total < 500 : total < 1e6)
			continue;
		for (int c = 0; c <= h->max_cpu; c++) {
			double x = rates ? h->cpus[c].softirq_rate[vecs[vi]] : (double)h->cpus[c].softirq[vecs[vi]];
			if (x >= 2 * total / online && x >= 0.1 * total)
				cpuset_set(out, c);
		}
	}
}

void rule_vcpu_irq_overlap(const struct host *h, struct findings *fs)
{
	if (!h->nvms)
		return;
	struct load l;
	device_load(h, &l);
	struct cpuset hot;
	hot_cpus(h, &l, &hot);
	if (cpuset_empty(&hot))
		return;
	struct arena *a = (struct arena *)&h->arena;
	for (int i = 0; i < h->nvms; i++) {
		const struct vm *vm = &h->vms[i];
		int pinned_hits = 0, running_hits = 0;
		for (int k = 0; k < vm->nthreads; k++) {
			const struct vm_thread *t = &vm->threads[k];
			if (t->vcpu < 0 && t->kind == VMT_VHOST)
				continue;
			if (t->pinned && cpuset_intersects(&t->allowed, &hot))
				pinned_hits++;
			else if (!t->pinned && t->last_cpu >= 0 && cpuset_test(&hot, t->last_cpu))
				running_hits++;
		}
		if (!pinned_hits && !running_hits)
			continue;
		struct finding *f = finding_new(fs, "vcpu-irq-overlap", pinned_hits ? SEV_WARNING : SEV_INFO,
						"VM '%s' (pid %d): %d vCPU(s) %s CPUs that take hot interrupts",
						vm->name, vm->pid, pinned_hits ? pinned_hits : running_hits,
						pinned_hits ? "pinned to" : "running on");
		for (int c = cpuset_next(&hot, 0); c >= 0; c = cpuset_next(&hot, c + 1)) {
			const struct host_cpu *cpu = &h->cpus[c];
			const char *soft = cpu->softirq_pct >= 0 ? arena_printf(a, ", %.1f%% softirq time", cpu->softirq_pct) : "";
			finding_evidence(fs, f, arena_printf(a, "cpu %d", c), "%.0f device interrupts%s (%.0f%% of the host's)%s",
					 l.per_cpu[c], l.rate_based ? "/s" : " since boot",
					 l.total > 0 ? 100.0 * l.per_cpu[c] / l.total : 0, soft);
			if (f->cpu < 0)
				f->cpu = c;
		}
		for (int k = 0; k < vm->nthreads; k++) {
			const struct vm_thread *t = &vm->threads[k];
			if (t->vcpu < 0 && t->kind == VMT_VHOST)
				continue;
			bool hit = (t->pinned && cpuset_intersects(&t->allowed, &hot)) ||
				   (!t->pinned && t->last_cpu >= 0 && cpuset_test(&hot, t->last_cpu));
			if (hit)
				finding_evidence(fs, f, arena_printf(a, "tid %d", t->tid), "'%s' allowed on %s, last ran on CPU %d",
						 t->comm, t->has_allowed ? cpulist(h, &t->allowed) : "?", t->last_cpu);
		}
		finding_meaning(fs, f, "While a device interrupt and its softirq run on a CPU, the vCPU thread there does not "
				"run: the guest sees its vCPU freeze for the duration — the 'random stutter' with idle "
				"CPU graphs.");
		finding_decision(fs, f, "Either move the interrupts off the vCPUs' CPUs (preferred) or pin the vCPUs elsewhere.");
		struct cpuset vmset;
		if (vm->vcpus_pinned)
			vmset = vm->vcpu_cpus;
		else
			cpuset_andnot(&vmset, a, &h->online, &hot);
		finding_fix(fs, f, "irqsight plan --vm-cpus %s -o /etc/irqsight/plan && irqsight apply /etc/irqsight/plan --yes",
			    cpulist(h, &vmset));
		finding_fix(fs, f, "libvirt: virsh vcpupin / emulatorpin so vCPUs avoid CPU(s) %s", cpulist(h, &hot));
	}
}

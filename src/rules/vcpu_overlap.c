/*
 * vcpu-irq-overlap: vCPU threads allowed (pinned) or running on CPUs that busy device
 * IRQs target (by rate, or by handler time when tracepoints were recorded), or that
 * carry hot NET_RX/BLOCK softirq work. Sampled, the evidence says what the interrupts
 * cost each such CPU and from which source (rules/common.h: cpu_time_text).
 */
#include "rules/common.h"
#include "util/buf.h"
#include "rules/rules.h"

static bool thread_hit(const struct vm_thread *t, const struct cpuset *hot)
{
	if (t->vcpu < 0 && t->kind == VMT_VHOST)
		return false;
	if (t->pinned)
		return cpuset_intersects(&t->allowed, hot);
	return t->last_cpu >= 0 && cpuset_test(hot, t->last_cpu);
}

/* The evidence line of CPU c: the busy IRQs that land there, hot softirqs, and (sampled)
 * its time in interrupts and the VM's vCPUs there. */
static void cpu_evidence(const struct host *h, struct findings *fs, struct finding *f, const struct vm *vm, int c,
			 const struct load *l, const struct cpuset *soft)
{
	struct arena *a = fs->arena;
	struct buf b = { 0 };
	int n = 0;
	for (int q = 0; q < h->nirqs; q++) {
		const struct irq *ir = &h->irqs[q];
		if (!irq_is_busy(h, ir, l))
			continue;
		struct cpuset t;
		irq_cpus(fs->arena, h, ir, IRQ_CPUS_TARGET, &t);
		if (!cpuset_test(&t, c))
			continue;
		double tp = irq_time_on(h, ir, c);
		if (n++ < 4)
			buf_printf(&b, "%sIRQ %d %s (%.0f%s%s)", n > 1 ? ", " : "", ir->number, ir->actions,
				   h->sample_seconds > 0 ? ir->rate : (double)ir->total,
				   h->sample_seconds > 0 ? "/s" : "",
				   tp >= 0 ? arena_printf(a, ", %.2f%% of the CPU", tp) : "");
	}
	if (n > 4)
		buf_printf(&b, ", and %d more (see --json irqs)", n - 4);
	if (cpuset_test(soft, c))
		buf_printf(&b, "%shot NET_RX/BLOCK softirq", n ? "; " : "");
	/* Sampled: the CPU's time in interrupts (and its source), then this VM's vCPUs there. */
	const char *key, *t = cpu_time_text(fs->arena, h, c, &key);
	if (t) {
		const char *vc = vcpus_there(fs->arena, h, vm, c);
		buf_printf(&b, "; %s%s%s", t, vc ? "; " : "", vc ? vc : "");
	}
	finding_evidence(fs, f, arena_printf(a, "cpu %d", c), "%s", b.data ? b.data : "");
	buf_free(&b);
}

void rule_vcpu_irq_overlap(const struct host *h, struct findings *fs)
{
	if (!h->nvms)
		return;
	struct arena *a = fs->arena;
	struct load l;
	device_load(fs->arena, h, &l);
	/* Hot CPUs: targets of busy device IRQs, plus hot softirq CPUs. */
	struct cpuset hot, soft;
	cpuset_init(&hot, a, h->max_cpu);
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (!irq_is_busy(h, q, &l))
			continue;
		struct cpuset t, u;
		irq_cpus(fs->arena, h, q, IRQ_CPUS_TARGET, &t);
		cpuset_or(&u, a, &hot, &t);
		hot = u;
	}
	softirq_hot_cpus(a, h, &soft);
	struct cpuset all;
	cpuset_or(&all, a, &hot, &soft);
	if (cpuset_empty(&all))
		return;
	for (int i = 0; i < h->nvms; i++) {
		const struct vm *vm = &h->vms[i];
		int pinned_hits = 0, running_hits = 0;
		struct cpuset hit;
		cpuset_init(&hit, a, h->max_cpu);
		for (int k = 0; k < vm->nthreads; k++) {
			const struct vm_thread *t = &vm->threads[k];
			if (!thread_hit(t, &all))
				continue;
			if (t->pinned) {
				pinned_hits++;
				struct cpuset x, u;
				cpuset_and(&x, a, &t->allowed, &all);
				cpuset_or(&u, a, &hit, &x);
				hit = u;
			} else {
				running_hits++;
				cpuset_set(&hit, t->last_cpu);
			}
		}
		if (!pinned_hits && !running_hits)
			continue;
		struct finding *f = finding_new(fs, "vcpu-irq-overlap", pinned_hits ? SEV_WARNING : SEV_INFO,
						"VM '%s' (pid %d): %d vCPU(s) %s CPUs that take busy interrupts",
						vm->name, vm->pid, pinned_hits ? pinned_hits : running_hits,
						pinned_hits ? "pinned to" : "running on");
		for (int c = cpuset_next(&hit, 0); c >= 0; c = cpuset_next(&hit, c + 1)) {
			if (f->cpu < 0)
				f->cpu = c;
			cpu_evidence(h, fs, f, vm, c, &l, &soft);
		}
		for (int k = 0; k < vm->nthreads; k++) {
			const struct vm_thread *t = &vm->threads[k];
			if (thread_hit(t, &all))
				finding_evidence(
					fs, f, arena_printf(a, "tid %d", t->tid), "'%s' %s %s, last ran on CPU %d",
					t->comm, t->pinned ? "pinned to" : "allowed on",
					t->has_allowed ? cpulist(fs->arena, h, &t->allowed) : "?", t->last_cpu);
		}
		finding_meaning(fs, f, "While a device interrupt and its softirq run on a CPU, the vCPU thread there does not "
				"run: the guest sees its vCPU freeze for the duration — the 'random stutter' with idle "
				"CPU graphs.");
		finding_decision(fs, f, "Move the interrupts off the vCPUs' CPUs (preferred: the guest keeps its "
				 "placement), or move the vCPUs.");
		struct cpuset vmset;
		if (vm->vcpus_pinned)
			vmset = vm->vcpu_cpus;
		else
			cpuset_andnot(&vmset, a, &h->online, &all);
		if (!cpuset_empty(&vmset))
			finding_plan_fix(h, fs, f, &vmset, false);
		/* Or move each vCPU thread that may run there to the rest of its allowed CPUs. */
		int moved = 0;
		for (int k = 0; k < vm->nthreads; k++) {
			const struct vm_thread *t = &vm->threads[k];
			if (t->vcpu < 0 || !t->has_allowed || !cpuset_intersects(&t->allowed, &hit))
				continue;
			struct cpuset rest;
			cpuset_andnot(&rest, a, &t->allowed, &hit);
			if (cpuset_empty(&rest))
				continue;
			if (!moved++)
				finding_note(fs, f,
					     "Or move the vCPUs off CPU(s) %s (for a libvirt domain, virsh vcpupin "
					     "keeps it across restarts):",
					     cpulist(fs->arena, h, &hit));
			finding_fix(fs, f, "taskset -pc %s %d   # vCPU %d of '%s'", cpulist(fs->arena, h, &rest),
				    t->tid, t->vcpu, vm->name ? vm->name : "?");
		}
		if (!moved)
			finding_note(fs, f,
				     "Or pin the vCPUs of '%s' to CPUs other than %s (virsh vcpupin for a libvirt "
				     "domain, taskset -pc for its threads).",
				     vm->name ? vm->name : "?", cpulist(fs->arena, h, &hit));
	}
}

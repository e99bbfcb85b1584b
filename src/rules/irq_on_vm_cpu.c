/*
 * irq-on-vm-cpu: movable device IRQs that target CPUs reserved for guests (pinned vCPUs,
 * or isolated/nohz_full CPUs). Unlike managed IRQs these can be moved now.
 */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"
#include "util/buf.h"

/* A movable device IRQ that runs only on VM CPUs (the rule's test, for the by-hand line). */
static bool on_vm_cpus(struct arena *a, const struct host *h, const struct irq *q, const struct cpuset *vm)
{
	if (!q->is_device || q->managed == TRI_YES || q->settable == TRI_NO)
		return false;
	struct cpuset t;
	irq_cpus(a, h, q, IRQ_CPUS_TARGET, &t);
	return !cpuset_empty(&t) && cpuset_subset(&t, vm);
}

/* The by-hand fix: echo the housekeeping CPUs into each such IRQ's smp_affinity_list. */
static void by_hand_fix(const struct host *h, struct findings *fs, struct finding *f, const struct cpuset *vm,
			const struct cpuset *hk)
{
	struct arena *a = fs->arena;
	/* The IRQ numbers above, runs of three or more as $(seq A B). */
	struct buf b = { 0 };
	int prev = -2, run = 0, nums[64], k = 0;
	for (int i = 0; i < h->nirqs && k < 64; i++)
		if (on_vm_cpus(a, h, &h->irqs[i], vm))
			nums[k++] = h->irqs[i].number;
	for (int i = 0; i <= k; i++) {
		if (i < k && nums[i] == prev + 1) {
			prev = nums[i];
			run++;
			continue;
		}
		if (run >= 2)
			buf_printf(&b, " $(seq %d %d)", prev - run, prev);
		else
			for (int r = run; r >= 0 && prev >= 0; r--)
				buf_printf(&b, " %d", prev - r);
		if (i < k) {
			prev = nums[i];
			run = 0;
		}
	}
	finding_note(fs, f, "Or by hand (not kept across reboots or irqbalance):");
	if (k == 1)
		finding_fix(fs, f, "echo %s > /proc/irq/%d/smp_affinity_list", cpulist(fs->arena, h, hk), nums[0]);
	else
		finding_fix(fs, f, "for i in%s; do echo %s > /proc/irq/$i/smp_affinity_list; done", b.data,
			    cpulist(fs->arena, h, hk));
	buf_free(&b);
}

void rule_irq_on_vm_cpu(const struct host *h, struct findings *fs)
{
	struct cpuset vm;
	const char *why;
	vm_cpus(fs->arena, h, &vm, &why);
	if (cpuset_empty(&vm))
		return;
	struct arena *a = fs->arena;
	struct load l;
	device_load(fs->arena, h, &l);
	struct finding *f = NULL;
	int n = 0, busy = 0, shown = 0, unk = 0;
	struct cpuset hit;
	cpuset_init(&hit, a, h->max_cpu);
	/* Busy ones first in the evidence. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < h->nirqs; i++) {
			const struct irq *q = &h->irqs[i];
			if (!q->is_device || q->managed == TRI_YES || q->settable == TRI_NO)
				continue;
			bool is_busy = irq_is_busy(h, q, &l);
			if (is_busy != (pass == 0))
				continue;
			struct cpuset t;
			irq_cpus(fs->arena, h, q, IRQ_CPUS_TARGET, &t);
			if (cpuset_empty(&t) || !cpuset_subset(&t, &vm))
				continue;	/* it can also run on a housekeeping CPU */
			n++;
			busy += is_busy;
			unk += q->managed == TRI_UNKNOWN;
			struct cpuset u;
			cpuset_or(&u, a, &hit, &t);
			hit = u;
			if (!f) {
				f = finding_new(fs, "irq-on-vm-cpu", SEV_WARNING, "Movable device IRQs target CPUs reserved for guests");
				finding_evidence(fs, f, reserved_key(h), "%s (%s)", cpulist(fs->arena, h, &vm), why);
			}
			shown++;	/* all of them: text shows the first few and says how many more */
			finding_evidence(fs, f, arena_printf(a, "irq %d", q->number), "%s → CPU %s (%.0f%s%s)",
					 q->actions, cpulist(fs->arena, h, &t),
					 h->sample_seconds > 0 ? (q->rate > 0 ? q->rate : 0) : (double)q->total,
					 h->sample_seconds > 0 ? "/s" : " since boot",
					 q->has_effective ? "" : ", from counts");
		}
	}
	if (!f)
		return;
	if (!cpuset_intersects(&hit, &h->roles.vm))	/* an RT host: no guest there to name */
		f->title = "Movable device IRQs target isolated CPUs";
	if (!busy)
		f->severity = SEV_INFO;
	/* vcpu-irq-overlap already names the busy IRQs on pinned vCPUs' CPUs with the vCPUs
	 * they stall: refer to it instead of presenting the same IRQs as a separate cause. */
	for (int k = 0; k < fs->n; k++)
		if (!strcmp(fs->v[k].id, "vcpu-irq-overlap") && busy) {
			finding_evidence(fs, f, "see", "vcpu-irq-overlap: the busy ones among these stall the vCPUs pinned there");
			break;
		}
	if (n > 8)
		finding_evidence(fs, f, "in all", "%d such IRQs (%d busy), on CPU(s) %s", n, busy,
				 cpulist(fs->arena, h, &hit));
	struct cpuset hk;
	cpuset_copy(&hk, a, &h->roles.housekeeping);
	finding_meaning(fs, f, "Each of these interrupts, and the softirq work it raises, preempts the guest or real-time "
			"task on that CPU; on isolated/nohz_full CPUs it also breaks the tick-less isolation the "
			"CPU was set aside for.");
	/* Managed unknown (no writable-mode or driver pattern to tell, e.g. 4.18 without
	 * effective_affinity): say so, never "not kernel-managed". */
	if (unk)
		f->title = cpuset_intersects(&hit, &h->roles.vm)
				   ? "Device IRQs (movable unless kernel-managed) target CPUs reserved for guests"
				   : "Device IRQs (movable unless kernel-managed) target isolated CPUs";
	if (unk)
		finding_evidence(fs, f, "managed", "%s: this kernel does not show it",
				 unk < n ? arena_printf(a, "unknown for %d of these %d IRQs", unk, n)
				 : n > 1 ? arena_printf(a, "unknown for all %d", n) : "unknown");
	const char *it = n == 1 ? "it" : "them";
	const char *cpus = cpuset_empty(&hk)
				   ? "housekeeping CPUs"
				   : arena_printf(a, "housekeeping CPU%s %s", cpuset_count(&hk) == 1 ? "" : "s",
						  cpulist(fs->arena, h, &hk));
	if (!unk)
		finding_decision(fs, f, "Move %s to %s; %s not kernel-managed, so this works at run time.", it, cpus,
				 n == 1 ? "it is" : "they are");
	else
		finding_decision(fs, f, "Move %s to %s. %s may be kernel-managed: this kernel does not show "
				 "it; the write may be refused (then only boot parameters move %s).", it, cpus,
				 unk == n ? (n == 1 ? "It" : "They") : arena_printf(a, "%d of them", unk),
				 unk == 1 ? "it" : "them");
	finding_plan_fix(h, fs, f, NULL, true);
	if (!cpuset_empty(&hk) && n <= 64)
		by_hand_fix(h, fs, f, &vm, &hk);
}

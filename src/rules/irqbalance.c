/* irqbalance-vs-isolation and irqbalance-off-no-plan. */
#include "rules/common.h"
#include "rules/rules.h"

void rule_irqbalance_vs_isolation(const struct host *h, struct findings *fs)
{
	const struct irqbalance *ib = &h->irqbalance;
	if (ib->running != TRI_YES || ib->oneshot)
		return;
	struct cpuset vm;
	const char *why;
	vm_cpus(fs->arena, h, &vm, &why);
	if (cpuset_empty(&vm))
		return;
	struct arena *a = fs->arena;
	if (ib->banned_known && cpuset_subset(&vm, &ib->banned))
		return;
	struct cpuset unprotected;
	if (ib->banned_known)
		cpuset_andnot(&unprotected, a, &vm, &ib->banned);
	else
		unprotected = vm;
	struct finding *f = finding_new(fs, "irqbalance-vs-isolation", SEV_WARNING,
					"irqbalance may move device IRQs onto CPUs reserved for VMs (%s)",
					cpulist(fs->arena, h, &unprotected));
	finding_evidence(fs, f, "irqbalance", "running (pid %d)%s%s", ib->pid, ib->config_path ? ", config " : "",
			 ib->config_path ? ib->config_path : "");
	finding_evidence(fs, f, reserved_key(h), "%s (%s)", cpulist(fs->arena, h, &vm), why);
	if (ib->banned_known)
		finding_evidence(fs, f, "banned", "%s from %s", cpulist(fs->arena, h, &ib->banned), ib->banned_source);
	else
		finding_evidence(fs, f, "banned", "unknown (no config read, isolation unknown)");
	if (ib->banned_cpulist && ib->banned_known)
		finding_evidence(fs, f, "note", "IRQBALANCE_BANNED_CPULIST replaces irqbalance's automatic ban of isolated/nohz_full CPUs");
	finding_meaning(fs, f, "irqbalance rebalances every 10 s: it will undo a pinning plan and put busy device "
			"interrupts on vCPU cores it does not know are reserved.");
	finding_decision(fs, f, "Ban the VM CPUs in irqbalance (or stop it and apply a fixed plan).");
	struct cpuset ban;
	cpuset_or(&ban, a, &vm, ib->banned_known ? &ib->banned : &vm);
	fix_irqbalance_ban(h, fs, f, &ban, "restart");
	finding_plan_fix(h, fs, f, NULL, true);
}

void rule_irqbalance_off_no_plan(const struct host *h, struct findings *fs)
{
	if (h->irqbalance.running != TRI_NO)
		return;
	int online = h->has_online ? cpuset_count(&h->online) : h->ncols;
	if (online < 2)
		return;
	int movable = 0, defaults = 0;
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (!q->is_device || q->managed == TRI_YES || !q->has_affinity)
			continue;
		movable++;
		if (cpuset_subset(&h->online, &q->smp_affinity))
			defaults++;
	}
	if (!movable || defaults * 5 < movable * 4)
		return;	/* someone set affinities: there is a plan */
	struct load l;
	device_load(fs->arena, h, &l);
	bool hot = load_is_significant(&l) && l.top_share >= hotspot_threshold(online);
	struct finding *f = finding_new(fs, "irqbalance-off-no-plan", hot || h->nvms ? SEV_WARNING : SEV_INFO,
					"irqbalance is not running and IRQ affinity is left at the defaults");
	finding_evidence(fs, f, "irqbalance", "no irqbalance process");
	finding_evidence(fs, f, "affinity", "%d of %d movable device IRQs may run on any CPU (smp_affinity covers all online CPUs)",
			 defaults, movable);
	if (h->nvms)
		finding_evidence(fs, f, "vms", "%d VM(s) on this host", h->nvms);
	/* Name what there is to keep free: vCPU cores on a VM host, isolated CPUs on an RT
	 * host, nothing on a host with neither (a lab VM was told of its vCPU cores). */
	struct cpuset vm;
	const char *why;
	vm_cpus(fs->arena, h, &vm, &why);
	bool vms = h->nvms > 0 || !cpuset_empty(&h->roles.vm);
	const char *keep = vms ? "VM CPUs" : !cpuset_empty(&vm) ? "isolated CPUs" : NULL;
	finding_meaning(fs, f, "Nothing decides where device interrupts go: the vector allocator places each one "
			"once, and nothing %s%s spreads a burst.",
			keep ? (vms ? "keeps them away from vCPU cores" : "keeps them away from isolated CPUs") : "",
			keep ? " or" : "");
	finding_decision(fs, f, "Choose a policy: a fixed plan (reproducible, reviewed) or irqbalance%s%s%s.",
			 keep ? " with the " : "", keep ? keep : "", keep ? " banned" : "");
	finding_plan_fix(h, fs, f, NULL, true);
	if (cpuset_empty(&vm)) {
		finding_note(fs, f, "Or run irqbalance (if VMs will run here, ban their CPUs first):");
		finding_fix(fs, f, "systemctl enable --now irqbalance");
	} else {
		finding_note(fs, f, "Or run irqbalance with the VM CPUs (%s) banned:", cpulist(fs->arena, h, &vm));
		fix_irqbalance_ban(h, fs, f, &vm, "enable --now");
	}
}

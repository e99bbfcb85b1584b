/* managed-irq-on-vm-cpu: kernel-managed IRQs (not movable at run time) on CPUs used by vCPUs. */
#include "rules/common.h"
#include "rules/rules.h"

void rule_managed_irq_on_vm_cpu(const struct host *h, struct findings *fs)
{
	struct cpuset vm;
	const char *why;
	vm_cpus(h, &vm, &why);
	if (cpuset_empty(&vm))
		return;
	struct arena *a = (struct arena *)&h->arena;
	struct finding *f = NULL;
	int n = 0;
	struct cpuset hit;
	cpuset_init(&hit, a, h->max_cpu);
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (q->managed != TRI_YES)
			continue;
		struct cpuset s;
		host_irq_cpus(h, q, &s);
		if (!cpuset_intersects(&s, &vm))
			continue;
		n++;
		struct cpuset u;
		cpuset_and(&u, a, &s, &vm);
		for (int c = cpuset_next(&u, 0); c >= 0; c = cpuset_next(&u, c + 1))
			cpuset_set(&hit, c);
		if (!f) {
			f = finding_new(fs, "managed-irq-on-vm-cpu", SEV_WARNING,
					"Kernel-managed IRQs target CPUs reserved for VMs");
			finding_evidence(fs, f, "vm cpus", "%s (%s)", cpulist(h, &vm), why);
		}
		if (n <= 6)
			finding_evidence(fs, f, arena_printf(a, "irq %d", q->number), "%s → CPU %s (%s)", q->actions,
					 cpulist(h, &s), q->managed_why ? q->managed_why : "managed");
	}
	if (!f)
		return;
	if (!cpuset_intersects(&hit, &h->roles.vm))	/* an RT host: no guest there to name */
		f->title = "Kernel-managed IRQs target isolated CPUs";
	if (n > 6)
		finding_evidence(fs, f, "more", "%d managed IRQs in all, on CPU(s) %s", n, cpulist(h, &hit));
	struct cpuset hk;
	cpuset_copy(&hk, a, &h->roles.housekeeping);
	const struct cmdline_param *iso = h->has_cmdline ? cmdline_get(&h->cmdline, "isolcpus") : NULL;
	if (iso)
		finding_evidence(fs, f, "cmdline", "%s", iso->raw);
	finding_meaning(fs, f, "The kernel sets these IRQs' affinity itself (NVMe, virtio-blk, SCSI queues): writes to "
			"smp_affinity fail (EIO before 6.12, EPERM since), so no tool can move them at run time. "
			"A queue's interrupt and its completion work then run on the vCPU's CPU.");
	finding_decision(fs, f, "Keep managed IRQs on housekeeping CPUs with boot parameters (isolcpus=managed_irq is "
			 "best effort: a queue whose CPU mask has only isolated CPUs still lands on them).");
	if (!cpuset_empty(&hk)) {
		finding_fix(fs, f, "add 'isolcpus=managed_irq,domain,%s irqaffinity=%s' to GRUB_CMDLINE_LINUX in /etc/default/grub",
			    cpulist(h, &vm), cpulist(h, &hk));
		finding_fix(fs, f, "update-grub && reboot   # RHEL: grubby --update-kernel=ALL --args='...'");
	}
	finding_fix(fs, f, "or reduce the device's queue count so its queues map to housekeeping CPUs only");
}

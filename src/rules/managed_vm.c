/* managed-irq-on-vm-cpu: kernel-managed IRQs (not movable at run time) on CPUs used by vCPUs. */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"
#include "util/buf.h"

/*
 * isolcpus=managed_irq,<VM CPUs> keeps managed IRQs off the VM CPUs where a queue can
 * use another CPU; irqaffinity= sets the default for the rest. Only what the command
 * line lacks is suggested: an isolcpus= that has managed_irq and covers the VM CPUs
 * stays; one that lacks either is replaced by one with its flags and CPUs kept.
 */
static void managed_boot_fix(const struct host *h, struct findings *fs, struct finding *f, const struct cpuset *vm,
			     const struct cpuset *hk)
{
	struct arena *a = (struct arena *)&h->arena;
	const char *add[3] = { NULL }, *del[3] = { NULL };
	int na = 0, nd = 0;
	const struct cmdline_param *iso = h->has_cmdline ? cmdline_get(&h->cmdline, "isolcpus") : NULL;
	if (iso && iso->val) {
		struct buf flags = { 0 };
		struct cpuset cpus;
		cpuset_init(&cpus, a, h->max_cpu);
		bool managed = false;
		for (const char *v = iso->val; *v;) {
			size_t n = strcspn(v, ",");
			if (n && (v[0] < '0' || v[0] > '9')) {
				buf_printf(&flags, "%.*s,", (int)n, v);
				managed |= n == 11 && !strncmp(v, "managed_irq", 11);
			} else if (n) {
				struct cpuset one, u;
				if (!cpuset_parse_list(&one, a, v, n)) {
					cpuset_or(&u, a, &cpus, &one);
					cpus = u;
				}
			}
			v += n + (v[n] == ',');
		}
		if (!managed || !cpuset_subset(vm, &cpus)) {
			struct cpuset u;
			cpuset_or(&u, a, &cpus, vm);
			del[nd++] = iso->raw;
			/* No flag means "domain"; naming one drops that default, so it is named too. */
			add[na++] = arena_printf(a, "isolcpus=%s%s%s", managed ? "" : "managed_irq,",
						 flags.len ? flags.data : "domain,", cpulist(h, &u));
		}
		buf_free(&flags);
	} else {
		add[na++] = arena_printf(a, "isolcpus=managed_irq,domain,%s", cpulist(h, vm));
	}
	const char *want = arena_printf(a, "irqaffinity=%s", cpulist(h, hk));
	const struct cmdline_param *ia = h->has_cmdline ? cmdline_get(&h->cmdline, "irqaffinity") : NULL;
	if (!cmdline_has_raw(h, want)) {
		if (ia)
			del[nd++] = ia->raw;
		add[na++] = want;
	}
	if (!fix_boot_params(h, fs, f, add, del))
		finding_note(fs, f, "The command line already has %s and %s: the queues above have only VM CPUs "
			     "in their masks.", iso ? iso->raw : "isolcpus=managed_irq", want);
}

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
		finding_evidence(fs, f, arena_printf(a, "irq %d", q->number), "%s → CPU %s (%s)", q->actions,
					 cpulist(h, &s), q->managed_why ? q->managed_why : "managed");
	}
	if (!f)
		return;
	if (!cpuset_intersects(&hit, &h->roles.vm))	/* an RT host: no guest there to name */
		f->title = "Kernel-managed IRQs target isolated CPUs";
	if (n > 8)
		finding_evidence(fs, f, "in all", "%d managed IRQs, on CPU(s) %s", n, cpulist(h, &hit));
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
	if (!cpuset_empty(&hk))
		managed_boot_fix(h, fs, f, &vm, &hk);
	finding_note(fs, f, "Or reduce the device's queue count so that every queue's CPU mask includes a "
		     "housekeeping CPU.");
}

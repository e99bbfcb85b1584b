/* managed-irq-on-vm-cpu: kernel-managed IRQs (not movable at run time) on CPUs used by vCPUs. */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"
#include "util/buf.h"

/*
 * isolcpus=managed_irq,<VM CPUs> keeps managed IRQs off the VM CPUs where a queue can
 * use another CPU; irqaffinity= sets the default for the rest and goes with it. Only
 * what the command line lacks is suggested: an isolcpus= that has managed_irq and
 * covers the VM CPUs stays; one that lacks either is replaced by one with its flags and
 * CPUs kept. irqaffinity= alone is no fix here: the kernel spreads managed IRQs without
 * reading it, so with managed_irq in place nothing on the command line moves them.
 * Returns whether a boot parameter change was printed.
 */
static bool managed_boot_fix(const struct host *h, struct findings *fs, struct finding *f, const struct cpuset *vm,
			     const struct cpuset *hk)
{
	struct arena *a = fs->arena;
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
						 flags.len ? flags.data : "domain,", cpulist(fs->arena, h, &u));
		}
		buf_free(&flags);
	} else {
		add[na++] = arena_printf(a, "isolcpus=managed_irq,domain,%s", cpulist(fs->arena, h, vm));
	}
	if (!na) {
		finding_note(fs, f, "The command line already has %s: the kernel keeps managed IRQs off these CPUs "
			     "only where a queue's CPU mask also holds a housekeeping CPU, and the queues above "
			     "have only reserved CPUs in theirs.", iso->raw);
		return false;
	}
	const char *want = arena_printf(a, "irqaffinity=%s", cpulist(fs->arena, h, hk));
	const struct cmdline_param *ia = h->has_cmdline ? cmdline_get(&h->cmdline, "irqaffinity") : NULL;
	if (!cmdline_has_raw(h, want)) {
		if (ia)
			del[nd++] = ia->raw;
		add[na++] = want;
	}
	return fix_boot_params(h, fs, f, add, del) > 0;
}

void rule_managed_irq_on_vm_cpu(const struct host *h, struct findings *fs)
{
	struct cpuset vm;
	const char *why;
	vm_cpus(fs->arena, h, &vm, &why);
	if (cpuset_empty(&vm))
		return;
	struct arena *a = fs->arena;
	struct finding *f = NULL;
	int n = 0;
	struct cpuset hit;
	cpuset_init(&hit, a, h->max_cpu);
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (q->managed != TRI_YES)
			continue;
		struct cpuset s;
		irq_cpus(fs->arena, h, q, IRQ_CPUS_ALLOWED, &s);
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
			finding_evidence(fs, f, reserved_key(h), "%s (%s)", cpulist(fs->arena, h, &vm), why);
		}
		finding_evidence(fs, f, arena_printf(a, "irq %d", q->number), "%s → CPU %s (%s)", q->actions,
				 cpulist(fs->arena, h, &s), q->managed_why ? q->managed_why : "managed");
	}
	if (!f)
		return;
	bool guest = cpuset_intersects(&hit, &h->roles.vm);
	if (!guest)	/* an RT host: no guest there to name */
		f->title = "Kernel-managed IRQs target isolated CPUs";
	if (n > 8)
		finding_evidence(fs, f, "in all", "%d managed IRQs, on CPU(s) %s", n, cpulist(fs->arena, h, &hit));
	struct cpuset hk;
	cpuset_copy(&hk, a, &h->roles.housekeeping);
	const struct cmdline_param *iso = h->has_cmdline ? cmdline_get(&h->cmdline, "isolcpus") : NULL;
	if (iso)
		finding_evidence(fs, f, "cmdline", "%s", iso->raw);
	finding_meaning(fs, f, "The kernel sets these IRQs' affinity itself (NVMe, virtio-blk, SCSI queues): writes to "
			"smp_affinity fail (EIO before 6.12, EPERM since), so no tool can move them at run time. "
			"A queue's interrupt and its completion work then run on %s.",
			guest ? "that reserved CPU, and stall a vCPU pinned there" : "the isolated CPU");
	bool fixed = !cpuset_empty(&hk) && managed_boot_fix(h, fs, f, &vm, &hk);
	if (fixed || cpuset_empty(&hk))
		finding_decision(fs, f, "Keep managed IRQs on housekeeping CPUs with boot parameters "
				 "(isolcpus=managed_irq is best effort: a queue whose CPU mask has only isolated "
				 "CPUs still lands on them).");
	else
		finding_decision(fs, f, "No boot parameter moves these: isolcpus=managed_irq is in place and is "
				 "best effort. Fewer queues do (below), or accept them: a queue's interrupt fires "
				 "only for I/O issued on the CPUs of its mask.");
	finding_note(fs, f, "%s the device's queue count so that every queue's CPU mask includes a "
		     "housekeeping CPU.", fixed ? "Or reduce" : "Reduce");
}

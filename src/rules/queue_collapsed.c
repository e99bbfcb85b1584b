/* queue-affinity-collapsed: every vector of a multiqueue device effectively on one CPU. */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"

/* Admin/config vectors do not carry queue traffic. */
static bool is_queue_vector(const struct irq *q)
{
	if (!q->is_device || !q->naction)
		return false;
	const char *a = q->action[0];
	size_t n = strlen(a);
	static const char *const tails[] = { "-config", "-misc", "-async", "-cmd", ":misc", "q0", "-admin" };
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		size_t t = strlen(tails[i]);
		if (n >= t && !strcmp(a + n - t, tails[i]))
			return false;
	}
	return true;
}

/*
 * The queue kind of a vector: its action name without the trailing queue index
 * ("virtio2-input.3" -> "virtio2-input.", "eth0-TxRx-5" -> "eth0-TxRx-", "nvme0q7" -> "nvme0q").
 */
static size_t kind_len(const char *a)
{
	size_t n = strlen(a);
	while (n && a[n - 1] >= '0' && a[n - 1] <= '9')
		n--;
	return n;
}

/* A multiqueue vector: another vector of the device has the same kind with another index. */
static bool is_multiqueue_vector(const struct pci_dev *d, const struct irq *q)
{
	const char *a = q->action[0];
	size_t n = kind_len(a);
	if (n == strlen(a))
		return false;	/* no index: "virtio3-rx" */
	for (int k = 0; k < d->nirqs; k++) {
		const struct irq *o = d->irqs[k];
		if (o == q || !is_queue_vector(o))
			continue;
		const char *b = o->action[0];
		if (kind_len(b) == n && !strncmp(a, b, n))
			return true;
	}
	return false;
}

void rule_queue_affinity_collapsed(const struct host *h, struct findings *fs)
{
	int online = h->has_online ? cpuset_count(&h->online) : h->ncols;
	if (online < 2)
		return;
	struct arena *a = (struct arena *)&h->arena;
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		int nq = 0, cpu = -1;
		bool collapsed = true, from_affinity = true;
		for (int k = 0; k < d->nirqs && collapsed; k++) {
			const struct irq *q = d->irqs[k];
			if (!is_queue_vector(q) || !is_multiqueue_vector(d, q))
				continue;
			struct cpuset s;
			host_irq_cpus(h, q, &s);
			if (cpuset_empty(&s))
				continue;	/* shut down or never fired: no evidence either way */
			if (!q->has_effective && !q->has_affinity)
				from_affinity = false;
			if (cpuset_count(&s) != 1) {
				collapsed = false;
				break;
			}
			int c = cpuset_next(&s, 0);
			if (cpu >= 0 && c != cpu)
				collapsed = false;
			cpu = c;
			nq++;
		}
		if (!collapsed || nq < 2)
			continue;
		struct finding *f = finding_new(fs, "queue-affinity-collapsed", SEV_WARNING,
						"All %d queue interrupts of %s land on CPU %d", nq, dev_label(h, d), cpu);
		f->device = d->bdf;
		f->cpu = cpu;
		int shown = 0;
		for (int k = 0; k < d->nirqs && shown < 6; k++) {
			const struct irq *q = d->irqs[k];
			if (!is_queue_vector(q) || !is_multiqueue_vector(d, q))
				continue;
			finding_evidence(fs, f, q->has_effective ? arena_printf(a, "proc/irq/%d/effective_affinity_list", q->number)
								 : arena_printf(a, "irq %d", q->number),
					 "%s: %s (%llu interrupts)", q->actions,
					 q->has_effective ? cpulist(h, &q->effective_affinity)
							  : q->has_affinity ? cpulist(h, &q->smp_affinity) : "counts only on that CPU",
					 (unsigned long long)q->total);
			shown++;
		}
		if (nq > shown)
			finding_evidence(fs, f, "more", "%d more queue interrupt(s) on CPU %d", nq - shown, cpu);
		if (!from_affinity)
			finding_evidence(fs, f, "note", "judged from per-CPU counts: affinity files were not readable");
		finding_meaning(fs, f, "The device has several queues so that work spreads over CPUs, but every queue "
				"interrupts the same CPU: it serialises the device and makes CPU %d a hotspot.", cpu);
		finding_decision(fs, f, "Spread the queue vectors over the CPUs reserved for host I/O (irqsight plan does it), "
				 "or let irqbalance do it.");
		finding_fix(fs, f, "irqsight plan -o /etc/irqsight/plan && irqsight apply /etc/irqsight/plan --yes");
		finding_fix(fs, f, "or by hand: echo CPU > /proc/irq/N/smp_affinity_list for each queue IRQ");
	}
}

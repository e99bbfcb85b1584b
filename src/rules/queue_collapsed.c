/* queue-affinity-collapsed: every vector of a multiqueue device effectively on one CPU. */
#include <stdlib.h>
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"
#include "util/buf.h"

/* Admin/config vectors do not carry queue traffic: judged on the name without an
 * "@pci:<bdf>" (mlx5, mana); mlx5's async event queues (mlx5_async0) and mana's
 * hardware channel (mana_hwc) are not queues, nor is nvme's admin queue (nvme0q0). */
static bool is_queue_vector(const struct irq *q)
{
	if (!q->is_device || !q->naction)
		return false;
	const char *a = q->action[0];
	size_t n = irq_action_stem(a), digits = n;
	while (digits && a[digits - 1] >= '0' && a[digits - 1] <= '9')
		digits--;
	static const char *const tails[] = { "-config", "-misc", "-async", "-cmd", ":misc", "-admin", "_hwc" };
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		size_t t = strlen(tails[i]);
		if (n >= t && !strncmp(a + n - t, tails[i], t))
			return false;
	}
	if (digits >= 6 && !strncmp(a + digits - 6, "_async", 6))
		return false;
	return !(!strncmp(a, "nvme", 4) && n >= 2 && !strncmp(a + n - 2, "q0", 2));
}

/* The queue index at the end of an action name ("eth0-TxRx-5" -> 5, "mlx5_comp3@pci:..."
 * -> 3), or -1. */
static int queue_index(const char *a)
{
	size_t n = irq_action_stem(a), k = n;
	while (k && a[k - 1] >= '0' && a[k - 1] <= '9')
		k--;
	return k < n && n - k < 6 ? atoi(a + k) : -1;
}

/*
 * A multiqueue device has indexed queue vectors with at least two different indices
 * (eth0-rx-1..4 and eth0-tx-0; not virtio-net's input.0/output.0, which are one pair).
 */
static bool is_multiqueue(const struct pci_dev *d)
{
	int first = -1;
	for (int k = 0; k < d->nirqs; k++) {
		const struct irq *q = d->irqs[k];
		if (!is_queue_vector(q))
			continue;
		int i = queue_index(q->action[0]);
		if (i < 0)
			continue;
		if (first < 0)
			first = i;
		else if (i != first)
			return true;
	}
	return false;
}

static bool is_multiqueue_vector(const struct pci_dev *d, const struct irq *q)
{
	return is_multiqueue(d) && queue_index(q->action[0]) >= 0;
}

/* One housekeeping CPU per queue vector, round robin: what apply would write, by hand. */
static void fix_spread_by_hand(const struct host *h, struct findings *fs, struct finding *f, const struct pci_dev *d)
{
	struct cpuset hk;
	housekeeping_cpus(fs->arena, h, &hk);
	int ncpu = cpuset_count(&hk);
	if (ncpu < 2)
		return;
	struct buf b = { 0 };
	int c = cpuset_next(&hk, 0), n = 0;
	for (int k = 0; k < d->nirqs; k++) {
		const struct irq *q = d->irqs[k];
		if (!is_queue_vector(q) || !is_multiqueue_vector(d, q) || q->managed == TRI_YES)
			continue;
		buf_printf(&b, " %d:%d", q->number, c);
		n++;
		c = cpuset_next(&hk, c + 1);
		if (c < 0)
			c = cpuset_next(&hk, 0);
	}
	if (n && n <= 8) {	/* more is what apply is for */
		finding_note(fs, f, "Or by hand, one housekeeping CPU per queue (not kept across reboots):");
		finding_fix(fs, f, "for p in%s; do echo ${p#*:} > /proc/irq/${p%%:*}/smp_affinity_list; done", b.data);
	}
	buf_free(&b);
}

void rule_queue_affinity_collapsed(const struct host *h, struct findings *fs)
{
	int online = h->has_online ? cpuset_count(&h->online) : h->ncols;
	if (online < 2)
		return;
	struct arena *a = fs->arena;
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		int nq = 0, cpu = -1;
		bool collapsed = true, from_affinity = true;
		double volume = 0;
		for (int k = 0; k < d->nirqs && collapsed; k++) {
			const struct irq *q = d->irqs[k];
			if (!is_queue_vector(q) || !is_multiqueue_vector(d, q))
				continue;
			struct cpuset s;
			irq_cpus(fs->arena, h, q, IRQ_CPUS_ALLOWED, &s);
			if (cpuset_empty(&s))
				continue;	/* shut down or never fired: no evidence either way */
			if (!q->has_effective && !q->has_affinity)
				from_affinity = false;
			volume += h->sample_seconds > 0 ? (q->rate > 0 ? q->rate : 0) : (double)q->total;
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
		/* Idle queues (a link-up interrupt each) prove nothing: a volume floor, as for hotspots. */
		if (!collapsed || nq < 2 || volume < (h->sample_seconds > 0 ? 10.0 : 1000.0))
			continue;
		struct finding *f = finding_new(fs, "queue-affinity-collapsed", SEV_WARNING,
						"All %d queue interrupts of %s land on CPU %d", nq,
						dev_label(fs->arena, h, d), cpu);
		f->device = d->bdf;
		f->cpu = cpu;
		int shown = 0;
		for (int k = 0; k < d->nirqs; k++) {
			const struct irq *q = d->irqs[k];
			if (!is_queue_vector(q) || !is_multiqueue_vector(d, q))
				continue;
			finding_evidence(fs, f,
					 q->has_effective
						 ? arena_printf(a, "proc/irq/%d/effective_affinity_list", q->number)
						 : arena_printf(a, "irq %d", q->number),
					 "%s: %s (%llu interrupts)", q->actions,
					 q->has_effective  ? cpulist(fs->arena, h, &q->effective_affinity)
					 : q->has_affinity ? cpulist(fs->arena, h, &q->smp_affinity)
							   : "counts only on that CPU",
					 (unsigned long long)q->total);
			shown++;
		}
		if (!from_affinity)
			finding_evidence(fs, f, "note", "judged from per-CPU counts: affinity files were not readable");
		finding_meaning(fs, f, "The device has several queues so that work spreads over CPUs, but every queue "
				"interrupts the same CPU: it serialises the device and makes CPU %d a hotspot.", cpu);
		finding_decision(fs, f, "Spread the queue vectors over the CPUs reserved for host I/O (irqsight plan does it), "
				 "or let irqbalance do it.");
		finding_plan_fix(h, fs, f, NULL, false);
		fix_spread_by_hand(h, fs, f, d);
	}
}

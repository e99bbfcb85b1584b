/* softirq-hotspot: NET_RX / NET_TX / BLOCK work piling onto one CPU. */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"

/* The interface whose queue interrupts put most load on cpu: NULL when none is known. */
static const struct pci_dev *busiest_netdev_on(const struct host *h, int cpu)
{
	const struct pci_dev *best = NULL;
	double most = 0;
	const struct host_cpu *c = host_cpu(h, cpu);
	if (!c || c->col < 0)
		return NULL;
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		if (!d->netdev)
			continue;
		double v = 0;
		for (int k = 0; k < d->nirqs; k++)
			v += irq_load(h, d->irqs[k], c->col);
		if (v > most) {
			most = v;
			best = d;
		}
	}
	return best;
}

/*
 * Without sysfs (a /proc-only capture) the interface is known only from its IRQ's
 * name: drivers name them after the interface ("eth0", "eno1-TxRx-3", "em1-rx-0").
 * The busiest device IRQ on cpu whose first action starts like an interface name.
 */
static const char *iface_from_irqs(struct arena *a, const struct host *h, int cpu)
{
	static const char *const prefixes[] = { "eth", "en", "em", "wl", "ib", "bond" };
	const struct host_cpu *c = host_cpu(h, cpu);
	const char *best = NULL;
	double most = 0;
	for (int i = 0; c && c->col >= 0 && i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (!q->is_device || !q->actions)
			continue;
		size_t n = strcspn(q->actions, "-@:, ");
		bool named = false;
		for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
			named |= !strncmp(q->actions, prefixes[k], strlen(prefixes[k]));
		double v = irq_load(h, q, c->col);
		if (named && n < 16 && v > most) {
			most = v;
			best = arena_strndup(a, q->actions, n);
		}
	}
	return best;
}

/* More queues (one per housekeeping CPU) or, where they cannot grow, RPS over those CPUs. */
static void fix_net_spread(const struct host *h, struct findings *fs, struct finding *f, int cpu)
{
	const struct pci_dev *d = busiest_netdev_on(h, cpu);
	const char *iface = d ? d->netdev : iface_from_irqs(fs->arena, h, cpu);
	struct cpuset hk;
	housekeeping_cpus(fs->arena, h, &hk);
	if (!iface) {
		finding_note(fs, f,
			     "No interface's queue interrupts are known on CPU %d: find the one whose "
			     "interrupts land there, then give it one queue per housekeeping CPU (%s) with "
			     "ethtool -L, or RPS over them.",
			     cpu, cpulist(fs->arena, h, &hk));
		return;
	}
	unsigned nq = (unsigned)cpuset_count(&hk);
	if (d && d->cfg_full && d->cfg.has_msix == TRI_YES && d->cfg.msix_table_size > 1 && nq + 1 > d->cfg.msix_table_size)
		nq = d->cfg.msix_table_size - 1;
	/* Queues only where MSI-X can give them vectors (or nothing says it cannot). */
	bool multi = !d || d->irq_mode == IRQ_MODE_MSIX || d->irq_mode == IRQ_MODE_UNKNOWN;
	if (multi && (!d || d->net_rx_queues <= 0 || (unsigned)d->net_rx_queues < nq)) {
		finding_fix(fs, f, "ethtool -l %s   # the most queues it supports", iface);
		finding_fix(fs, f, "ethtool -L %s combined %u   # one per housekeeping CPU (%s)", iface, nq,
			    cpulist(fs->arena, h, &hk));
	}
	finding_note(fs, f, "Where the queues cannot grow, spread the receive work with RPS over the "
		     "housekeeping CPUs (not kept across reboots):");
	finding_fix(fs, f, "for q in /sys/class/net/%s/queues/rx-*/rps_cpus; do echo %s > \"$q\"; done", iface,
		    cpumask_hex(fs->arena, h, &hk));
}

void rule_softirq_hotspot(const struct host *h, struct findings *fs)
{
	int online = h->has_online ? cpuset_count(&h->online) : h->ncols;
	if (online < 2)
		return;
	static const int vecs[] = { SOFTIRQ_NET_RX, SOFTIRQ_NET_TX, SOFTIRQ_BLOCK };
	bool rates = h->sample_seconds > 0;
	for (size_t vi = 0; vi < sizeof(vecs) / sizeof(vecs[0]); vi++) {
		int v = vecs[vi];
		double total = 0, best = 0;
		int top = -1;
		for (int c = 0; c <= h->max_cpu; c++) {
			const struct host_cpu *cpu = &h->cpus[c];
			if (!cpu->has_softirq || !cpu->online)
				continue;
			double x = rates ? (cpu->softirq_rate[v] > 0 ? cpu->softirq_rate[v] : 0) : (double)cpu->softirq[v];
			total += x;
			if (x > best) {
				best = x;
				top = c;
			}
		}
		if (top < 0 || !softirq_is_significant(total, rates) || !is_hotspot_share(best / total, online))
			continue;
		struct finding *f = finding_new(fs, "softirq-hotspot", SEV_WARNING, "CPU %d runs %.0f%% of %s softirq work",
						top, 100.0 * best / total, softirq_name(v));
		f->cpu = top;
		finding_evidence(fs, f, "proc/softirqs", "%s: CPU %d %.0f%s of %.0f%s in total", softirq_name(v), top, best,
				 rates ? "/s" : "", total, rates ? "/s" : " since boot");
		/* The same CPU's device-interrupt hotspot is the usual cause: refer to it
		 * rather than repeat its evidence (one cause, one finding). */
		for (int k = 0; k < fs->n; k++)
			if (fs->v[k].cpu == top && (!strcmp(fs->v[k].id, "irq-hotspot") || !strcmp(fs->v[k].id, "cpu0-overload")))
				finding_evidence(fs, f, "see", "%s: the device interrupts that raise this softirq pile on CPU %d too",
						 fs->v[k].id, top);
		const struct host_cpu *cpu = &h->cpus[top];
		if (rates && h->traced && cpu->softirq_time_pct[v] >= 0)
			finding_evidence(fs, f, "tracepoints", "CPU %d: %.2f%% of its time in %s softirq over %.1f s", top,
					 cpu->softirq_time_pct[v], softirq_name(v), h->trace_seconds);
		const char *key, *t = rates ? cpu_time_text(fs->arena, h, top, &key) : NULL;
		if (t) {
			const char *vc = vcpus_there(fs->arena, h, NULL, top);
			finding_evidence(fs, f, key, "CPU %d: %s%s%s", top, t, vc ? "; " : "", vc ? vc : "");
		}
		/* BLOCK is I/O completion, not protocol work, and RPS/RFS do not touch it */
		bool net = v == SOFTIRQ_NET_RX || v == SOFTIRQ_NET_TX;
		bool vms = h->nvms > 0 || !cpuset_empty(&h->roles.vm);
		finding_meaning(fs, f, "%s softirq runs on the CPU whose interrupt raised it (or on ksoftirqd there): "
				"one queue's interrupt on one CPU makes that CPU do the %s, preempting %s there.",
				softirq_name(v), net ? "protocol work for all of its traffic" : "completion work for all of its I/O",
				vms ? "any vCPU placed" : "whatever runs");
		if (net)
			finding_decision(fs, f, "Spread the queue interrupts (more queues, affinity) or spread the work with RPS/RFS.");
		else
			finding_decision(fs, f, "Spread the queue interrupts (more queues, affinity); a single-vector "
					 "device's completions follow its one CPU, unless the block queue's "
					 "rq_affinity=2 moves them to the submitting CPU.");
		if (v == SOFTIRQ_NET_RX || v == SOFTIRQ_NET_TX) {
			fix_net_spread(h, fs, f, top);
		} else {
			finding_plan_fix(h, fs, f, NULL, false);
		}
	}
}

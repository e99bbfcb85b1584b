/* softirq-hotspot: NET_RX / NET_TX / BLOCK work piling onto one CPU. */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"

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
		bool significant = rates ? total >= 500 : total >= 1e6;
		if (top < 0 || !significant || !is_hotspot_share(best / total, online))
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
		const char *key, *t = rates ? cpu_time_text(h, top, &key) : NULL;
		if (t) {
			const char *vc = vcpus_there(h, NULL, top);
			finding_evidence(fs, f, key, "CPU %d: %s%s%s", top, t, vc ? "; " : "", vc ? vc : "");
		}
		finding_meaning(fs, f, "%s softirq runs on the CPU whose interrupt raised it (or on ksoftirqd there): "
				"one queue's interrupt on one CPU makes that CPU do the protocol work for all of its "
				"traffic, preempting any vCPU placed there.", softirq_name(v));
		finding_decision(fs, f, "Spread the queue interrupts (more queues, affinity) or spread the work with RPS/RFS.");
		if (v == SOFTIRQ_NET_RX || v == SOFTIRQ_NET_TX) {
			finding_fix(fs, f, "ethtool -L <iface> combined <N>   # more queues, one per housekeeping CPU");
			finding_fix(fs, f, "echo <housekeeping mask> > /sys/class/net/<iface>/queues/rx-0/rps_cpus   # RPS when queues cannot grow");
		} else {
			finding_fix(fs, f, "spread the storage queue vectors: irqsight plan");
		}
	}
}

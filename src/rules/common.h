/* Helpers shared by rules: the CPUs VMs use, interrupt load per CPU, list formatting. */
#ifndef IRQSIGHT_RULES_COMMON_H
#define IRQSIGHT_RULES_COMMON_H

#include "model/host.h"
#include "rules/finding.h"

/*
 * CPUs reserved for guests: the union of pinned vCPU threads' allowed CPUs; when no
 * vCPU is pinned, isolated ∪ nohz_full (what a tuned host sets aside). Empty when neither.
 * *why says which.
 */
void vm_cpus(const struct host *h, struct cpuset *out, const char **why);

/*
 * Device-interrupt load per CPU: rates when sampled, else counts since boot.
 * per_cpu[] is indexed by CPU id (0..max_cpu), allocated in the host arena.
 */
struct load {
	bool rate_based;
	double uptime;		/* seconds since boot (proc/uptime), < 0 unknown */
	double *per_cpu;
	double total;
	int top_cpu;		/* -1 when there is no load */
	double top_share;	/* 0..1 */
	const char *unit;	/* "/s" or "" */
};
void device_load(const struct host *h, struct load *l);
/* Share at which one CPU counts as taking "most" of the load: more on small hosts. */
double hotspot_threshold(int ncpus);
/* Is share (0..1) of the load on one CPU a hotspot on a host with ncpus online CPUs? */
bool is_hotspot_share(double share, int ncpus);
/* Enough interrupts to judge at all (rates: /s; counts: since boot). */
bool load_is_significant(const struct load *l);

/*
 * The CPUs an IRQ really interrupts: its effective affinity when known; else its
 * smp_affinity when that names at most 4 CPUs; else the CPUs that took >= 10% of its
 * count. Never "all CPUs" for a default mask (that says nothing about where it lands).
 */
void irq_target_cpus(const struct host *h, const struct irq *q, struct cpuset *out);
/* A busy device IRQ: >= 1000/s when sampled; since boot >= 100k and >= 1% of all device interrupts. */
bool irq_is_busy(const struct host *h, const struct irq *q, const struct load *l);

/* "0-3,8" in the arena. */
const char *cpulist(const struct host *h, const struct cpuset *s);
/* A short label for an IRQ: "41 virtio3-rx" / "LOC". */
const char *irq_label(const struct host *h, const struct irq *q);
/* A label for a device: "0000:00:04.0 (virtio-pci, eth0)". */
const char *dev_label(const struct host *h, const struct pci_dev *d);
/* Value of an IRQ for load purposes: its rate when sampled, else its total. */
double irq_load(const struct host *h, const struct irq *q, int col);

#endif

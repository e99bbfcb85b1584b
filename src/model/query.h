/*
 * The questions rules and renderers share, answered once: device-interrupt load per CPU
 * and its hotspots, busy IRQs and the CPUs they land on, softirq hot CPUs, a CPU's role,
 * the reserved and housekeeping CPUs. A renderer that marks a CPU "hot" and a rule that
 * reports it ask the same function, with the numbers of model/thresholds.h.
 * Everything here reads a finished, const host; what it allocates goes into the caller's
 * arena (never the model's).
 */
#ifndef IRQSIGHT_MODEL_QUERY_H
#define IRQSIGHT_MODEL_QUERY_H

#include "model/host.h"
#include "model/thresholds.h"

/*
 * Device-interrupt load per CPU: rates when sampled, else counts since boot.
 * per_cpu[] is indexed by CPU id (0..max_cpu), allocated in a.
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
void device_load(struct arena *a, const struct host *h, struct load *l);
/* Value of an IRQ for load purposes: its rate when sampled, else its total. */
double irq_load(const struct host *h, const struct irq *q, int col);
/* Share at which one CPU counts as taking "most" of the load: more on small hosts. */
double hotspot_threshold(int ncpus);
/* Is share (0..1) of the load on one CPU a hotspot on a host with ncpus online CPUs? */
bool is_hotspot_share(double share, int ncpus);
/* The smallest share is_hotspot_share() calls a hotspot on ncpus CPUs (for text). */
double hotspot_mark(int ncpus);
/* Enough interrupts to judge at all (rates: /s; counts: since boot). */
bool load_is_significant(const struct load *l);
/* Is a CPU carrying cpu_load of l a hotspot on ncpus CPUs? (the "hot" mark of text) */
bool load_cpu_is_hot(const struct load *l, double cpu_load, int ncpus);
/* Enough softirqs of one vector (total over CPUs, rates or counts) to judge at all. */
bool softirq_is_significant(double total, bool rates);
/* CPUs with hot NET_RX or BLOCK softirq work: >= SOFTIRQ_HOT_FAIR_SHARES fair shares and
 * >= SOFTIRQ_HOT_SHARE of the total, where that total is significant. */
void softirq_hot_cpus(struct arena *a, const struct host *h, struct cpuset *out);

/*
 * The CPUs of an IRQ, from its effective affinity when known. Past that:
 *   IRQ_CPUS_ALLOWED  its smp_affinity (online part), else the CPUs that took any of it;
 *   IRQ_CPUS_TARGET   where it really lands: its smp_affinity when that names at most
 *                     TARGET_AFFINITY_MAX CPUs, else the CPUs that took >= 10% of its
 *                     count. Never "all CPUs" for a default mask (that says nothing).
 */
enum irq_cpus_how { IRQ_CPUS_ALLOWED, IRQ_CPUS_TARGET };
void irq_cpus(struct arena *a, const struct host *h, const struct irq *q, enum irq_cpus_how how, struct cpuset *out);
/* A busy device IRQ: >= BUSY_RATE/s when sampled, or (tracepoints) >= BUSY_TIME_PCT of one
 * CPU's time; since boot >= BUSY_COUNT and >= BUSY_SHARE of all device interrupts. */
bool irq_is_busy(const struct host *h, const struct irq *q, const struct load *l);
/* % of CPU cpu's time in q's handlers over the sample (tracepoints); < 0 when not traced. */
double irq_time_on(const struct host *h, const struct irq *q, int cpu);
/* The IRQ (device or architecture row) / softirq vector that took most of a CPU's time
 * (tracepoints): NULL / -1 when not traced or nothing ran. */
const struct irq *top_time_irq(const struct host *h, int cpu, double *pct);
int top_time_softirq(const struct host *h, int cpu, double *pct);

/*
 * CPUs kept free of device interrupts: the roles model's reservations (isolated by any
 * source, nohz_full, pinned vCPU threads: model/roles.c), all of them together. Empty
 * when none. *why names the sources.
 */
void vm_cpus(struct arena *a, const struct host *h, struct cpuset *out, const char **why);
/* The evidence key for vm_cpus(): "vm cpus" where pinned vCPUs are known, else
 * "isolated cpus" (an RT host's reservation is no VM's). */
const char *reserved_key(const struct host *h);
/* The CPUs for host work: the roles model's housekeeping (declared, else online less reserved); all online when none. */
void housekeeping_cpus(struct arena *a, const struct host *h, struct cpuset *out);
/* A CPU's one role: "vm" (a pinned vCPU), "isolated", "housekeeping" or "other". */
const char *cpu_role(const struct host *h, const struct host_cpu *cpu);
/* What a roles source makes of a CPU: "isolated", "housekeeping", "vm" or "rcu_nocbs". */
const char *role_src_kind(enum role_src s);

/* "0-3,8" in a. */
const char *cpulist(struct arena *a, const struct host *h, const struct cpuset *s);

/* What q takes from the CPUs in vm: the sum of its % of a CPU there (tracepoints), else of
 * its load (interrupts/s sampled, else since boot). fix ranks by it. */
double irq_cost_on(const struct host *h, const struct irq *q, const struct cpuset *vm);

#endif

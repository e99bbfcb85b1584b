/* Internal to src/model: the steps of host_build(), in the order it calls them. */
#ifndef IRQSIGHT_MODEL_BUILD_H
#define IRQSIGHT_MODEL_BUILD_H

#include "model/host.h"
#include "source/source.h"
#include "util/buf.h"

/* Read a small file into *out (arena string, trailing newline stripped). 0 or -errno. */
int host_read_str(struct host *h, const struct source *src, const char *path, const char **out);
/* Read a cpulist file into *set. 0 or -errno (-EINVAL on bad content). */
int host_read_cpulist(struct host *h, const struct source *src, const char *path, struct cpuset *set);

int build_platform_early(struct host *h, const struct source *src);	/* kernel, cmdline, klog, cpu sets */
int build_irqs(struct host *h, const struct source *src);		/* proc/interrupts, proc/irq */
void build_cpus(struct host *h, const struct source *src);		/* cpus[], nodes, softirqs, stat */
void build_pci(struct host *h, const struct source *src);		/* sys/bus/pci, sys/class/net */
void build_platform_late(struct host *h, const struct source *src);	/* iommu, modules, IR verdicts */
void build_procs(struct host *h, const struct source *src, bool vms);		/* VMs, irqbalance */
void build_roles(struct host *h, const struct source *src);		/* cpuset partitions, system.conf; roles_derive */
void build_boot(struct host *h, const struct source *src);		/* boot loader, irqbalance version */
void build_keep(struct host *h, const struct source *src);		/* keep.state of a running keep */
void derive_links(struct host *h);					/* IRQ <-> device, modes, managed */
void derive_load(struct host *h);					/* per-CPU sums */
/* Rates and tracepoint times over opt->sample_seconds (build_sample.c): two readings of
 * sample/reading.h, sample/rates.h between them, the recorder of sample/trace.h. */
int sample_rates(struct host *h, const struct source *src, const struct host_opts *opt);
/* The second half of sample_rates (exposed for tests): the model's rates from readings
 * a -> b, and tracepoint times when st->tt is set. 0 or -EINVAL (readings unusable). */
struct reading;
struct trace_totals;
struct sample_trace {
	const struct trace_totals *tt;	/* NULL: no tracepoint times ... */
	const char *why_not;		/* ... and why (for time_note) */
	uint64_t window_ns;		/* recorded from enable to disable */
	uint64_t events, lost, drain_cpu_ns;
};
int sample_apply(struct host *h, const struct reading *a, const struct reading *b, const struct sample_trace *st);
/* /proc/stat's irq column is real time? From cumulative values: 0 on every CPU while
 * interrupts were counted means tick accounting (kernel-interfaces.md §2.2). */
enum tri stat_irq_accounted(uint64_t irq_sum, int cpus_with_field, uint64_t interrupts);

#endif

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
void build_procs(struct host *h, const struct source *src);		/* VMs, irqbalance */
void derive_links(struct host *h);					/* IRQ <-> device, modes, managed */
void derive_load(struct host *h);					/* per-CPU sums */
int sample_rates(struct host *h, const struct source *src, double seconds);

/* Parse /proc/interrupts text incrementally into h->irqs (used by build and sampling). */
struct pi_stream;
int pi_stream_read(struct host *h, const struct source *src, struct irq **irqs, int *nirqs, bool first);

#endif

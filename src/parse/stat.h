/*
 * /proc/stat (fs/proc/stat.c:show_stat()): the aggregate "cpu" line, one "cpuN"
 * line per *online* CPU (values in USER_HZ: user nice system idle iowait irq
 * softirq steal guest guest_nice; older kernels print fewer), "intr", "softirq". Pure.
 */
#ifndef IRQSIGHT_PARSE_STAT_H
#define IRQSIGHT_PARSE_STAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

#define STAT_FIELDS 10

struct stat_cpu {
	int id;			/* -1 for the aggregate line */
	uint64_t v[STAT_FIELDS];
	int nfields;		/* how many the kernel printed */
};

struct proc_stat {
	struct stat_cpu total;
	struct stat_cpu *cpus;	/* in file order */
	int ncpus;
	uint64_t intr_total;
	bool has_intr;
	uint64_t *intr_irq;	/* the intr line's sum per IRQ number, [nintr_irq] (0..nr_irqs-1) */
	int nintr_irq;
	uint64_t softirq_total;
	uint64_t softirq[10];
	bool has_softirq;
	uint64_t ctxt, btime;
};

int parse_stat(const char *buf, size_t len, struct arena *a, struct proc_stat *out);

#endif

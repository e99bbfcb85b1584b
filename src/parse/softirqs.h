/*
 * /proc/softirqs (fs/proc/softirqs.c:show_softirqs()): header of CPU ids for each
 * *possible* CPU, then one row per vector "%12s:" + " %10u" per CPU. Pure.
 */
#ifndef IRQSIGHT_PARSE_SOFTIRQS_H
#define IRQSIGHT_PARSE_SOFTIRQS_H

#include <stddef.h>
#include <stdint.h>

struct arena;

/* kernel/softirq.c:softirq_to_name[] order. IRQ_POLL was BLOCK_IOPOLL before 4.5. */
enum softirq_vec { SOFTIRQ_HI, SOFTIRQ_TIMER, SOFTIRQ_NET_TX, SOFTIRQ_NET_RX, SOFTIRQ_BLOCK, SOFTIRQ_IRQ_POLL, SOFTIRQ_TASKLET,
		   SOFTIRQ_SCHED, SOFTIRQ_HRTIMER, SOFTIRQ_RCU, SOFTIRQ_NR };
const char *softirq_name(int vec);
/* Vector for a row name ("NET_RX", "BLOCK_IOPOLL"), or -1. */
int softirq_vec_of(const char *name, size_t len);

struct softirqs {
	int ncpus;		/* columns in the header */
	int *cpu_ids;		/* column -> CPU id */
	uint64_t *counts[SOFTIRQ_NR];	/* [vec][column]; NULL if the row is absent */
	int nrows;		/* rows recognised */
};

/* 0, or -EINVAL when there is no header. Rows with unknown names are skipped. */
int parse_softirqs(const char *buf, size_t len, struct arena *a, struct softirqs *out);

#endif

/*
 * `irqsight top`'s model of an interval (model/top.c): the frame (sample/frame.h) from
 * two readings' rates and the recorder's totals, with IRQs named, hotspots judged
 * (model/thresholds.h) and the VMs placed on their CPUs.
 */
#ifndef IRQSIGHT_MODEL_TOP_H
#define IRQSIGHT_MODEL_TOP_H

#include <stdbool.h>
#include <stdint.h>

#include "model/host.h"
#include "sample/frame.h"

struct rates;
struct source;
struct trace_totals;

/* Build f (its arena's memory from the last frame is reused) from rt; with tt, the
 * handler times over trace_secs; lost: events the recorder dropped so far. self_cpu_pct,
 * seq and the VMs are the caller's. */
void top_frame_build(struct top_frame *f, const struct rates *rt, const struct trace_totals *tt, double trace_secs,
		     uint64_t lost);
/* IRQ sources: device IRQs first, then named rows; each by rate, descending. */
void top_frame_sort(struct top_frame *f);

/* The VMs of a live view: a full scan of proc/ at start and every 10 s (or 100x what a
 * scan cost), in between only the known threads' stat. */
struct vm_watch {
	struct host h;		/* model/vms.h: online CPUs and vms[] only */
	bool have;
	uint64_t scanned_ns;	/* when the last full scan ended */
	uint64_t cost_ns;	/* what it took */
};
struct vm_watch *vm_watch_new(const struct source *src);	/* scanned once; NULL: no memory */
void vm_watch_tick(struct vm_watch *w, const struct source *src);	/* once per interval */
void vm_watch_free(struct vm_watch *w);
/* Copy the VMs into f and fill each CPU's vcpus text (max_cpu: the rates' highest id). */
void top_frame_vms(struct top_frame *f, const struct vm_watch *w, int max_cpu);

#endif

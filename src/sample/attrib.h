/*
 * Spike attribution, pure: which interrupts ran on a CPU while a probe thread was
 * late. No I/O, no globals; fed with tracepoint events (sample/trace.h) or with
 * /proc/interrupts + /proc/softirqs count deltas, and with the spike windows
 * [intended, actual wake-up] of one CPU, all times CLOCK_MONOTONIC ns.
 *
 * Precise mode: entry/exit events of one CPU are paired into intervals
 * (attrib_pair); attrib_compute() then sums, per source, how many spike windows an
 * interval of that source overlapped and by how much. Hardirq handlers, sysvec
 * handlers and softirqs do not nest within their own group on one CPU (hardirqs run
 * with interrupts off, softirqs are not re-entered: kernel/softirq.c), so one open
 * slot per group suffices; a softirq may contain a hardirq, and both are counted.
 *
 * Coarse mode: per short sampling interval only counts are known, so a spike is
 * tied to the interval holding its wake-up, and a source "overlapped" it when it
 * fired at least once in that interval (attrib_coarse).
 */
#ifndef IRQSIGHT_SAMPLE_ATTRIB_H
#define IRQSIGHT_SAMPLE_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample/trace.h"

enum attrib_kind {
	AK_IRQ,		/* Linux IRQ number: id */
	AK_SOFTIRQ,	/* softirq vector 0..9: id */
	AK_VECTOR,	/* x86 system vector event ("local_timer"): id = vector */
	AK_ROW,		/* a named /proc/interrupts row ("LOC", "RES"): keyed by name */
};
#define AK_NKINDS 4

#define ATTRIB_NAME 48
#define ATTRIB_MAP 1024		/* direct lookup for ids below this */

struct attrib_src {
	enum attrib_kind kind;
	int id;
	char name[ATTRIB_NAME];	/* IRQ action name(s), softirq or vector name, row name */
	char desc[ATTRIB_NAME];	/* AK_ROW: the row's description ("Local timer interrupts") */
};

/* The source table: caller-provided storage, shared by all CPUs of a run. */
struct attrib_srcs {
	struct attrib_src *v;
	uint32_t n, cap;
	uint16_t map[AK_NKINDS][ATTRIB_MAP];	/* index + 1, 0 = not yet */
};

void attrib_srcs_init(struct attrib_srcs *t, struct attrib_src *storage, uint32_t cap);
/*
 * Index of the source, added if new. name may be NULL (an exit event); for AK_IRQ a
 * second action name of a shared IRQ is appended ("a, b"). AK_ROW sources are keyed
 * by name (id ignored). -ENOSPC when the table is full.
 */
int attrib_src_get(struct attrib_srcs *t, enum attrib_kind kind, int id, const char *name);
/* "IRQ 36 virtio1-req.0", "BLOCK softirq", "local_timer vector", "LOC (Local timer interrupts)". */
void attrib_src_label(const struct attrib_src *s, char *out, size_t len);
/* "irq", "softirq", "vector", "row" (JSON). */
const char *attrib_kind_name(enum attrib_kind k);

struct attrib_interval {
	uint64_t start_ns, end_ns;
	uint32_t src;
};

/* Per-CPU pairing state; zero it to start. */
struct attrib_pairer {
	bool open[3];
	uint64_t start[3];
	int id[3];
	uint32_t src[3];
	uint64_t unmatched;	/* exits without entry, entries replaced before their exit */
};

/*
 * Feed one event of this CPU, in time order. 1 with *out filled when an entry/exit
 * pair completes; 0 otherwise; -ENOSPC when the source table is full.
 */
int attrib_pair(struct attrib_pairer *p, struct attrib_srcs *t, const struct trace_event *ev,
		struct attrib_interval *out);

/* A wake-up over the threshold: from the intended to the actual wake-up time. */
struct attrib_window {
	uint64_t start_ns, end_ns;
};

struct attrib_cause {
	uint32_t src;
	uint64_t spikes;	/* windows this source overlapped (or, coarse: fired in their interval) */
	uint64_t overlap_ns;	/* precise: summed overlap; coarse: 0 */
	uint64_t max_overlap_ns;	/* precise: largest overlap with one window */
	uint64_t events;	/* coarse: events in the intervals holding a spike (each interval once) */
	uint64_t events_all;	/* coarse: events in all intervals */
	double rate_spike, rate_all;	/* coarse: events/s in spike intervals, in all intervals */
};

struct attrib_result {
	uint64_t spikes;	/* windows given */
	uint64_t explained;	/* windows with at least one source */
	uint64_t unplaced;	/* coarse: windows outside every sampling interval */
	uint64_t window_ns;	/* precise: summed window lengths (the spikes' latency) */
	uint64_t covered_ns;	/* precise: time within windows when any handler ran (union) */
	uint32_t ncauses;	/* causes[0..ncauses) have spikes > 0, best first */
};

/*
 * Precise attribution. w: windows sorted by start_ns (a probe's windows are; their
 * ends are then sorted too). iv: intervals in any order (sorted here, in place).
 * causes: nsrc entries, filled and sorted (overlap_ns, then spikes, descending).
 * 0 or -ENOMEM.
 */
int attrib_compute(const struct attrib_window *w, size_t nw, struct attrib_interval *iv, size_t niv,
		   uint32_t nsrc, struct attrib_cause *causes, struct attrib_result *res);

/*
 * Coarse attribution. t[0..nsamp]: sampling times (nsamp intervals [t[k], t[k+1])),
 * delta[k * nsrc + s]: events of source s on this CPU in interval k. A spike belongs
 * to the interval holding its end_ns. causes sorted by events in spike intervals,
 * descending. 0 or -ENOMEM.
 */
int attrib_coarse(const struct attrib_window *w, size_t nw, const uint64_t *t, size_t nsamp,
		  const uint32_t *delta, uint32_t nsrc, struct attrib_cause *causes,
		  struct attrib_result *res);

#endif

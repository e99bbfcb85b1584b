/*
 * `irqsight top`: the data of one interval (a frame), built by model/top.c from a pair
 * of readings' rates (sample/rates.h) and the tracepoint recorder's totals, and read by
 * the plain-text and JSON writers (render/top.c) and the full-screen view
 * (opt/ncursesw/top_tui.c, which only draws it). A frame is read-only once built; its
 * strings live in its arena (a paused view redraws it after its readings are gone).
 *
 * Also here: the handler times of an interval from the recorder's totals, scaled where
 * the kernel delivered fewer samples than /proc counted runs (frame_trace_times).
 */
#ifndef IRQSIGHT_SAMPLE_FRAME_H
#define IRQSIGHT_SAMPLE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse/softirqs.h"
#include "util/arena.h"

/* Where the %irq/%soft of a CPU come from. */
enum top_pct_src {
	PCT_NONE,	/* not available: "n/a" */
	PCT_TRACE,	/* tracepoint handler times (root) */
	PCT_STAT,	/* /proc/stat, kernel with IRQ time accounting */
	PCT_STAT_TICK,	/* /proc/stat softirq column on a tick-accounting kernel: an estimate */
};
const char *top_pct_src_name(enum top_pct_src s);	/* "none", "tracepoints", "stat", "stat-tick" */

struct top_cpu {
	int cpu;
	double dev_irq_rate;		/* device IRQs per second */
	double arch_irq_rate;		/* LOC, RES, CAL, ... per second */
	double softirq_rate;		/* all vectors, < 0 unknown */
	double softirq[SOFTIRQ_NR];	/* per vector, < 0 unknown */
	double irq_pct, softirq_pct;	/* % of this CPU's time; < 0 unknown */
	enum top_pct_src irq_src, softirq_src;
	const char *top_irq;		/* busiest device IRQ here ("36 virtio1-req.0"), or NULL */
	/* VM threads here, per VM "name:items", items the vCPU indices ("all" for QEMU's
	 * single-threaded TCG, "?" for an unnamed KVM vCPU) and "vhost" for vhost workers:
	 * "db1:0,1,vhost web:3". A thread is on the CPU it is pinned to when that is one
	 * CPU, else on the CPU it last ran on. NULL when none. */
	const char *vcpus;
	bool hot;
	const char *hot_why;		/* short reason when hot */
};

struct top_src {
	const char *irq;		/* "36", "LOC" */
	int number;			/* -1 for named rows */
	const char *device;		/* "0000:00:02.0 virtio-blk" / action-derived, never NULL */
	const char *queue;		/* "req.0", or "" */
	const char *actions;
	double rate;			/* per second, all CPUs */
	int top_cpu;			/* CPU taking most of it, -1 none */
	double top_cpu_share;		/* 0..1 */
	const char *cpus;		/* CPUs it landed on in the interval ("1" or "0-3") */
	double time_pct;		/* handler time as % of one CPU (tracepoints), < 0 unknown */
	uint64_t max_ns;		/* longest handler run (tracepoints), 0 unknown */
	bool hot;
};

/* A VM and its threads (model/vms.h), copied into the frame. */
struct top_vm_thread {
	int tid;
	const char *comm;
	const char *kind;		/* "vcpu-kvm", "vcpu-tcg", ..., "vhost" (vm_thread_kind_name) */
	int vcpu;			/* -1: not a vCPU, or index unknown */
	int cpu;			/* the CPU it is shown on (see top_cpu.vcpus), -1 unknown/gone */
	int last_cpu;			/* stat field 39, -1 unknown */
	const char *allowed;		/* Cpus_allowed_list, NULL unknown */
	bool pinned;			/* allowed is a strict subset of the online CPUs */
};

struct top_vm {
	int pid;
	const char *name;		/* libvirt domain, jailer id, QEMU process name, or "<comm>[pid]" */
	const char *vmm;		/* "qemu", "firecracker", ... or NULL */
	int nvcpus, nvhost;
	bool vcpus_pinned;
	const char *vcpu_cpus;		/* union of the vCPUs' allowed CPUs ("" unknown) */
	int nthreads;
	struct top_vm_thread *threads;	/* vCPUs by index, then vhost workers */
};

struct top_frame {
	struct arena arena;
	double seconds;			/* length of the interval */
	uint64_t seq;			/* 1, 2, ... */
	int ncpus;
	struct top_cpu *cpus;		/* by CPU id order */
	int nsrcs;
	struct top_src *srcs;		/* device IRQs then named rows, rate descending */
	double dev_irq_total, softirq_total;
	enum top_pct_src pct_src;	/* the best source used this frame */
	const char *pct_note;		/* why %irq is what it is ("not accounted by this kernel ...") */
	uint64_t trace_lost;		/* events dropped by the recorder so far */
	double self_cpu_pct;		/* irqsight's own CPU time (user+sys, the tracepoint
					 * recorder's draining included) over the interval, % of one CPU;
					 * < 0 unknown */
	int nvanished, nnew, nreset;
	int nvms;
	struct top_vm *vms;
	bool vms_known;			/* processes were readable (else VMs are unknown, not absent) */
};

/* ---------------------------------------------------------------- handler times */
struct rates;
struct trace_totals;

/* What the recorder measured in an interval, joined to its rate rows. */
struct frame_times {
	double *irq_ns, *soft_ns;	/* per CPU id [rates.max_cpu + 1]: hardirq and softirq handler time */
	double *row_ns;			/* per rate row [rates.nirqs]: that row's handlers' time */
	uint64_t *row_max;		/* per rate row: its longest single run */
	double coverage;		/* lowest share of /proc's counted runs recorded on a CPU, < 0 unknown */
	int coverage_cpu;		/* that CPU */
};

/* Sum the recorder's totals of the interval (secs long) per CPU and per rate row of rt,
 * each handler's time scaled up when the recorder saw fewer of its runs than /proc
 * counted (sample/trace.h, trace_scaled_ns). A handler that is not one of its number's
 * actions (the number was reused in the window) counts for its CPU, not for the row.
 * Arrays in a. */
void frame_trace_times(struct frame_times *out, const struct rates *rt, const struct trace_totals *tt, double secs,
		       struct arena *a);

#endif

/*
 * The wake-up latency probe (cyclictest's method): one thread per CPU, pinned,
 * SCHED_FIFO when permitted, sleeping with clock_nanosleep(CLOCK_MONOTONIC,
 * TIMER_ABSTIME) to fixed intended times; the latency of a cycle is the actual
 * wake-up minus the intended one. When a cycle overran the next intended times,
 * those are skipped (counted as overruns), as cyclictest does.
 *
 * Invariants: everything a probe thread touches (histogram, spike records) is
 * allocated in probe_init() and locked by probe_start() (mlockall); the threads
 * do no allocation, no I/O and take no lock. Records are published with release
 * stores (rec_n, then progress_ns) so the collector can read them while the run
 * goes on.
 *
 * The attribution collector (probe_attr_*) runs in the caller's thread: it drains
 * tracepoints (sample/trace.h) or, without them, reads /proc/interrupts and
 * /proc/softirqs every sampling period, and keeps only what can overlap a
 * recorded wake-up window, so its memory is bounded too.
 */
#ifndef IRQSIGHT_SAMPLE_PROBE_H
#define IRQSIGHT_SAMPLE_PROBE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample/attrib.h"
#include "sample/hist.h"

struct source;

struct probe_rec {
	uint64_t intended_ns, actual_ns;
};

struct probe;

struct probe_cpu {
	int cpu;
	struct hist *hist;
	struct probe_rec *rec;		/* cycles at or above the recording threshold, in order */
	size_t rec_cap;
	_Atomic size_t rec_n;
	uint64_t rec_full;		/* cycles that qualified but found the records full */
	uint64_t rec_threshold_ns;	/* fixed, or the running p90 when recording cannot keep all */
	bool rec_auto;
	_Atomic uint64_t progress_ns;	/* the next intended wake-up: no window will start before it */
	uint64_t overruns;		/* intended wake-ups skipped because a cycle ran past them */
	int affinity_err;		/* errno of sched_setaffinity, 0 */
	int sched_err;			/* errno of sched_setscheduler(SCHED_FIFO), 0, -1 not asked */
	pthread_t th;
	bool started;
	struct probe *p;
};

struct probe_opts {
	const int *cpus;
	int ncpus;
	uint64_t interval_ns, duration_ns;
	int priority;			/* SCHED_FIFO priority; 0 = stay SCHED_OTHER */
	uint64_t record_above_ns;	/* record cycles above this; 0 = automatic */
};

struct probe {
	struct probe_opts o;
	struct probe_cpu *cpu;
	int ncpu;
	_Atomic bool stop;
	_Atomic int running;
	int mlock_err;			/* errno of mlockall, 0 */
	uint64_t start_ns, end_ns;	/* first intended wake-up; when the run ended */
	pthread_barrier_t ready, go;
	bool barriers;
};

uint64_t probe_now_ns(void);
/* Allocate everything (0 or -ENOMEM / -EINVAL). */
int probe_init(struct probe *p, const struct probe_opts *o);
/*
 * Lock memory, start the threads and return when all have set themselves up.
 * 0, or -errno when a thread could not start or not be pinned (which CPU: see cpu[].affinity_err).
 * Signals are blocked in the probe threads: the caller's thread receives them.
 */
int probe_start(struct probe *p);
/* Async-signal-safe. */
void probe_stop(struct probe *p);
bool probe_running(struct probe *p);
void probe_join(struct probe *p);
void probe_free(struct probe *p);
/* Did at least one thread get SCHED_FIFO / all of them? */
int probe_fifo_count(const struct probe *p);

enum probe_attr_method { PA_NONE, PA_TRACE, PA_COUNTS };
const char *probe_attr_method_name(enum probe_attr_method m);

struct probe_attr;
/*
 * Set up attribution for the probe's CPUs: tracepoints when allowed (want_trace),
 * else /proc count deltas read through src. why gets the reason the precise method
 * was not used. Call before probe_start(). 0 or -errno (nothing usable).
 */
enum probe_attr_rec {
	PA_REC_NONE,	/* count deltas only */
	PA_REC_AUTO,	/* tracepoints: the ftrace recorder where it works, else perf */
	PA_REC_PERF,	/* tracepoints through perf only */
	PA_REC_FTRACE,	/* tracepoints through ftrace only (else count deltas, with the reason) */
};
int probe_attr_open(struct probe_attr **out, struct probe *p, const struct source *src,
		    enum probe_attr_rec rec, char *why, size_t whylen);
/* "ftrace" or "perf" for the tracepoint method, NULL otherwise. */
const char *probe_attr_recorder(const struct probe_attr *a);
enum probe_attr_method probe_attr_method(const struct probe_attr *a);
/* Start recording (tracing enabled / first reading). */
int probe_attr_start(struct probe_attr *a);
/* How long the caller should wait between probe_attr_poll() calls. */
uint64_t probe_attr_period_ns(const struct probe_attr *a);
/* Drain events or take a reading. 0 or -errno. */
int probe_attr_poll(struct probe_attr *a);
/* After probe_join(): last drain; tracing is disabled and closed here. */
int probe_attr_finish(struct probe_attr *a);

struct probe_attr_stats {
	uint64_t events, lost, unmatched, kept, dropped, readings;
};
void probe_attr_stats(const struct probe_attr *a, struct probe_attr_stats *st);

/*
 * Attribute the wake-ups of probe CPU ci slower than thr_us µs. *causes points into
 * the collector (valid until the next call or close); *srcs is the source table.
 */
int probe_attr_result(struct probe_attr *a, int ci, uint64_t thr_us, const struct attrib_cause **causes,
		      const struct attrib_srcs **srcs, struct attrib_result *res);
/*
 * Precise method: the share of probe CPU ci's device interrupts and softirqs (as /proc
 * counted them over the recording) that the recorder got a sample of, 0..1; -1 when
 * unknown (the counts method, /proc unreadable, fewer than 100 counted). Below 1 the
 * kernel did not deliver every sample: windows may hold interrupts that were not seen.
 */
double probe_attr_coverage(const struct probe_attr *a, int ci);
/* Safe at any point, also when tracing is still on (exit paths). */
void probe_attr_close(struct probe_attr *a);

#endif

/*
 * Tracepoint recorder: irq:irq_handler_entry/exit, irq:softirq_entry/exit and, on
 * x86, irq_vectors:*_entry/exit, read per CPU through perf_event_open(2) with
 * PERF_SAMPLE_RAW (no BPF toolchain), or (trace_opts.ftrace) through the kernel's own
 * ftrace ring buffer in a private tracefs instance, which costs the recorded CPU a
 * fraction of a perf sample per event. Timestamps use CLOCK_MONOTONIC (perf:
 * attr.use_clockid; ftrace: the instance's "mono" trace clock) so they line up with
 * clock_nanosleep-based probes.
 * Field offsets come from each event's tracefs "format" file, never hard-coded.
 * Opening fails cleanly (-EACCES/-EPERM/-ENOENT with a reason) when not root,
 * perf_event_paranoid forbids it, or tracefs is unavailable; tracefs is mounted
 * if needed and unmounted again on close. Nothing is left enabled after close.
 */
#ifndef IRQSIGHT_SAMPLE_TRACE_H
#define IRQSIGHT_SAMPLE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpuset;

enum trace_kind {
	TR_IRQ_ENTRY, TR_IRQ_EXIT,		/* id = Linux IRQ number */
	TR_SOFTIRQ_ENTRY, TR_SOFTIRQ_EXIT,	/* id = softirq vector 0..9 */
	TR_VECTOR_ENTRY, TR_VECTOR_EXIT,	/* id = x86 vector; name = "local_timer", ... */
};

struct trace_event {
	uint64_t time_ns;	/* CLOCK_MONOTONIC */
	int cpu;
	enum trace_kind kind;
	int id;
	const char *name;	/* IRQ action name (entry only) or vector event name; valid during the callback */
};

struct trace_opts {
	const struct cpuset *cpus;	/* CPUs to record (NULL = all online) */
	bool irq, softirq, vectors;	/* which groups */
	unsigned ring_pages;		/* data pages of each CPU's ring (all its events share it), power of two (0 = default 64) */
	bool timer_drain;		/* the caller drains on a timer and never polls: have the kernel signal
					 * readable data once per ring's worth, not every quarter (each signal
					 * is an IRQ-work interrupt on the recorded CPU) */
	bool ftrace;			/* record into a private tracefs instance (instances/irqsight-<pid>-<n>-<nonce>)
					 * when this build can read its pages and the kernel has instances;
					 * else perf. The instance is removed on close, or by a guardian
					 * process when this one dies without closing (SIGKILL). */
	bool ftrace_only;		/* with ftrace: fail (with the reason) rather than fall back to perf */
};

struct trace;

/* why receives a human explanation on failure ("perf_event_paranoid=2 and not root: ...").
 * o == NULL records all groups on all online CPUs. Events start disabled: call trace_enable(). */
int trace_open(struct trace **out, const struct trace_opts *o, char *why, size_t whylen);
int trace_enable(struct trace *t);
int trace_disable(struct trace *t);
/* Drain all rings, calling cb for each event in per-CPU time order. Returns events read or -errno. */
long trace_drain(struct trace *t, void (*cb)(const struct trace_event *ev, void *ctx), void *ctx);
/* Events the kernel dropped (PERF_RECORD_LOST) since open. */
uint64_t trace_lost(const struct trace *t);
/* fds to poll(2) for readable data (one per CPU ring leader), and their count. */
int trace_fds(const struct trace *t, const int **fds);
void trace_close(struct trace *t);
/* tracing_cpumask's format for cpus (malloc'ed, NULL on no memory): hex, a comma between
 * 32-bit groups, most significant first (lib/bitmap-str.c:bitmap_parse), "00000000" for
 * an empty set. */
char *trace_cpumask_hex(const struct cpuset *cpus);
/* "ftrace" or "perf": which recorder trace_open chose. */
const char *trace_recorder(const struct trace *t);

/* The ftrace page walker (src/opt/libtraceevent/trace_page.c, libtraceevent's kbuffer):
 * cb for each event of one sub-buffer read from trace_pipe_raw (raw = the trace record,
 * common_type first; ts in the instance's trace clock), returns the events or -1;
 * *missed: events the kernel dropped before this page (-1: some, count unknown). The
 * optional part registers it at startup; the libc-only build has none and records
 * through perf. */
typedef void (*trace_page_cb)(const unsigned char *raw, uint32_t size, uint64_t ts, void *ctx);
typedef long (*trace_page_walker)(void *page, trace_page_cb cb, void *ctx, long *missed);
void trace_set_page_walker(trace_page_walker w);

/*
 * Aggregation helper used by top/check/latency: accumulated handler time per
 * (cpu, IRQ) and (cpu, softirq vector) and (cpu, vector event) from paired
 * entry/exit events.
 */
struct trace_totals;
struct trace_totals *trace_totals_new(void);
void trace_totals_add(struct trace_totals *tt, const struct trace_event *ev);	/* use as the drain callback's body */
/* Iterate (*iter = 0 first): returns false at the end. kind is TR_IRQ_ENTRY/TR_SOFTIRQ_ENTRY/
 * TR_VECTOR_ENTRY. time_ns and max_ns are self time: a handler nested inside another (a hard
 * IRQ during a softirq) is subtracted from the outer one, so the times of a CPU add up to its
 * time in interrupt context. name is owned by tt. */
struct trace_total {
	int cpu;
	enum trace_kind kind;
	int id;
	const char *name;
	uint64_t count;
	uint64_t time_ns;
	uint64_t max_ns;
};
bool trace_totals_next(const struct trace_totals *tt, size_t *iter, struct trace_total *out);
void trace_totals_free(struct trace_totals *tt);

/* x86 irq_vectors events and the /proc/interrupts rows that count them
 * (arch/x86/kernel/irq.c:arch_show_interrupts): "LOC" <-> "local_timer", "CAL" <->
 * "call_function" (a prefix: call_function_single counts there too), ... NULL if none. */
const char *trace_vector_of_row(const char *row);
const char *trace_row_of_vector(const char *event);

/*
 * The kernel may deliver fewer tracepoint samples than handler runs (seen on idle CPUs
 * of a VM, with no LOST record). A handler whose recorded runs fall short of what /proc
 * counted on that CPU in the window (expect, < 0 unknown) by more than 10%, with at
 * least 20 counted, has its time scaled to the counted runs (its recorded runs' mean
 * times the count); coverage per CPU (recorded / counted runs) is summed in cov
 * (seen/counted arrays of max_cpu + 1, zeroed). Without cov nothing is scaled: the
 * coverage note that says times were scaled could not be given. top and check both.
 */
struct trace_cov {
	double *seen, *counted;
	int max_cpu;
};
double trace_scaled_ns(const struct trace_total *v, double expect, struct trace_cov *cov);
/* The lowest coverage of a CPU with >= 100 counted runs (*cpu: which), -1 when none. */
double trace_cov_lowest(const struct trace_cov *cov, int *cpu);
/* Is name (a handler's irq_handler_entry name) one of the ", "-separated actions of the
 * IRQ row of that number? If not, the number was reused during the window: the row's
 * counts are not that handler's. true when either is unknown (NULL or empty). */
bool trace_action_listed(const char *actions, const char *name);

#endif

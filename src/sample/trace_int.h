/*
 * The recorder's insides, shared by its pieces and by nothing else:
 *   trace.c          opening (which backend), the calls of trace.h, sorting a drain
 *   trace_decode.c   a trace record decoded into the drain's batch (both backends)
 *   trace_tracefs.c  tracefs control: the mount, event ids and "format" files
 *   trace_perf.c     the perf_event_open(2) backend: one mmap'ed ring per CPU
 *   trace_ftrace.c   the ftrace backend: a private tracefs instance and its guardian
 *   trace_totals.c   the aggregation, vector rows and coverage helpers (no recording)
 * A backend is a struct trace_ops: trace.c calls through t->ops, never asks which.
 */
#ifndef IRQSIGHT_SAMPLE_TRACE_INT_H
#define IRQSIGHT_SAMPLE_TRACE_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "sample/trace.h"
#include "util/buf.h"
#include "util/compat.h"

#define TRACE_MAX_EVENTS 64
#define TRACE_NAME_MAX 64

struct cpuset;

/* Where a field lives in the raw record. */
struct field {
	int offset, size;
	bool is_data_loc, is_rel_loc;
	bool found;
};

struct tevent {
	uint64_t id;			/* tracefs events/<sys>/<event>/id = common_type */
	char sys[16], event[TRACE_NAME_MAX];	/* where it is in tracefs (to enable it in an instance) */
	enum trace_kind kind;
	char name[TRACE_NAME_MAX];	/* vectors: "local_timer"; others: event name */
	struct field type;		/* common_type */
	struct field num;		/* irq / vec / vector */
	struct field str;		/* irq_handler_entry: name (__data_loc) */
};

/* One recorded CPU. perf: fd owns the mmap'ed ring, fds are all the CPU's event fds;
 * ftrace: fd is the CPU's trace_pipe_raw, no mmap, no event fds. */
struct ring {
	int cpu;
	int fd;				/* ring owner */
	void *base;			/* mmap: control page + data */
	size_t data_size;
	int *fds;			/* all event fds of this CPU (fds[0] == fd) */
	int nfds;
};

/* A decoded event waiting to be sorted: seq keeps ring order among equal times. */
struct bev {
	struct trace_event ev;
	size_t seq;
	size_t name_off;	/* into trace.names, SIZE_MAX if none */
};

struct trace;

/* A recording backend, chosen by trace_open. */
struct trace_ops {
	const char *name;				/* trace_recorder() */
	int (*enable)(struct trace *t);
	int (*disable)(struct trace *t);
	void (*drain_ring)(struct trace *t, struct ring *rg);	/* decode into t->batch */
	uint64_t (*dropped)(const struct trace *t);	/* lost beyond t->lost; NULL: none */
	bool pollable;					/* trace_fds() hands out the rings' fds */
	void (*close)(struct trace *t);			/* undo its open; t stays for trace_close */
};

struct trace {
	const struct trace_ops *ops;	/* NULL until a backend is open */
	char tracefs[128];
	bool we_mounted;
	struct tevent ev[TRACE_MAX_EVENTS];
	int nev;
	struct ring *rings;
	int nrings;
	int *ring_fds;			/* for trace_fds() */
	uint64_t lost;
	unsigned ring_pages;
	bool timer_drain;
	long page_size;
	/* Drain scratch: decoded events of one ring and their strings. */
	struct bev *batch;
	size_t nbatch, cap_batch;
	struct buf names;
	struct buf rec;			/* a record that wraps around the ring end */
	/* ftrace backend */
	char inst[320];			/* <tracefs>/instances/<iname>, for messages */
	char iname[64];			/* irqsight-<pid>-<n>-<nonce> */
	int idir;			/* <tracefs>/instances, opened */
	int on_fd;			/* its tracing_on */
	int guard_fd;			/* write end of the guardian's pipe, -1 none */
	pid_t guard_pid;
	void *page;			/* one sub-buffer */
	size_t subbuf;
	int decode_cpu;			/* the CPU of the page being walked */
};

/* A reason for the caller ("why" of trace_open), when it asked for one. */
PRINTF(3, 4)
static inline void say(char *why, size_t n, const char *fmt, ...)
{
	if (!why || !n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

/* trace_decode.c */
/* Decode one trace record (common_type first) into t->batch. */
void trace_decode_raw(struct trace *t, const unsigned char *raw, uint32_t rawsz, uint64_t time, int cpu);

/* trace_tracefs.c */
int trace_read_small(const char *path, char *out, size_t n);
int tracefs_setup(struct trace *t, char *why, size_t whylen);
void tracefs_release(struct trace *t);
int tracefs_load_event(struct trace *t, const char *sys, const char *event, enum trace_kind kind, const char *numfield,
		       const char *strfield, const char *label);
void tracefs_load_vectors(struct trace *t);

/* trace_perf.c: open the events of t->ev on every CPU of cpus, with t->ops set to
 * trace_perf_ops; on failure t->ops->close undoes what was opened. */
extern const struct trace_ops trace_perf_ops;
int trace_perf_open(struct trace *t, const struct cpuset *cpus, int paranoid, char *why, size_t whylen);

/* trace_ftrace.c: whether a page walker is registered (this build reads ftrace pages);
 * open sets up the instance with t->ops = &trace_ftrace_ops, or fails with nothing of
 * it left and t->ops unchanged. */
extern const struct trace_ops trace_ftrace_ops;
bool trace_ftrace_built(void);
int trace_ftrace_open(struct trace *t, const struct cpuset *cpus, char *why, size_t whylen);

#endif

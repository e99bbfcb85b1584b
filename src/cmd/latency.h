/* irqsight latency, shared by cmd/latency.c (options, output) and cmd/latency_run.c (the run). */
#ifndef IRQSIGHT_CMD_LATENCY_H
#define IRQSIGHT_CMD_LATENCY_H

#include <stdbool.h>
#include <stdint.h>

#include "render/latency.h"
#include "sample/hist.h"
#include "sample/probe.h"
#include "util/arena.h"

struct lat_opts {
	const char *cpus, *histogram, *save, *compare;
	uint64_t interval_us, duration_ns, spike_us;
	bool has_spike, json, no_attrib, coarse;
	int priority;
	enum probe_attr_rec recorder;	/* --recorder */
};

/* latency for fix (cmd/fix.c): the probed CPUs' samples merged at 1 µs, and quiet prints
 * nothing to stdout (--save still writes). */
struct latency_capture {
	bool quiet;
	struct hist merged;
	double elapsed_s;
	bool fifo, interrupted;
	const char *method;	/* attribution: "tracepoints", "counts", "none" */
};

/* A run of the probe with its attribution: what the command holds between its steps. */
struct lat_job {
	struct lat_opts o;
	struct source *src;
	struct arena ar;
	int *cpus, ncpus;		/* the CPUs to probe, in ar */
	struct probe p;
	struct probe_attr *pa;		/* NULL: no attribution */
	uint64_t period_ns;		/* the attribution's polling period */
	char why[256];			/* why tracepoints are not used */
	struct lat_run ri;
	struct lat_cpu *cs;		/* [ncpus] after the run (malloc'ed) */
	struct latency_capture *cap;	/* fix's, or NULL */
};

/* Set up the probe on j->cpus, run it with the attribution and fill j->ri and j->cs;
 * SIGINT/SIGTERM/SIGHUP stop it early (what was measured is kept). 0, or EXIT_UNKNOWN
 * after printing why. The caller closes j->pa and frees j->p. */
int latency_measure(struct lat_job *j);
/* `irqsight latency ARGV` with fix's capture (cap NULL: the command itself). */
struct global_opts;
int latency_run(int argc, char **argv, const struct global_opts *g, struct latency_capture *cap);

#endif

/*
 * irqsight latency's run (cmd/latency.h): the probe threads on the selected CPUs, the
 * spike attribution beside them, and each CPU's results; cmd/latency.c parses the
 * options and writes the results through render/latency.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/latency.h"
#include "sample/hist.h"
#include "util/progress.h"

static struct probe *volatile g_probe;
static volatile sig_atomic_t g_signal;

static void on_signal(int sig)
{
	g_signal = sig;
	if (g_probe)
		probe_stop(g_probe);
}

/*
 * This thread sets up, then drains the tracepoint rings and reads /proc while the probe
 * runs: keep it off the probed CPUs when any other CPU is allowed, so the tool does not
 * load the CPUs it measures (each probe thread pins itself to its CPU; cyclictest's main
 * thread is not kept off).
 */
static void move_off_probed(const int *cpus, int n)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (int i = 0; i < n; i++)
		if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE)
			CPU_CLR(cpus[i], &set);
	if (CPU_COUNT(&set) > 0)
		sched_setaffinity(0, sizeof(set), &set);
}

/* Attribution: tracepoints, else /proc count deltas (warned), else none. */
static void open_attribution(struct lat_job *j)
{
	int rc;
	if (!j->o.no_attrib) {
		rc = probe_attr_open(&j->pa, &j->p, j->src, j->o.coarse ? PA_REC_NONE : j->o.recorder, j->why,
				     sizeof(j->why));
		if (rc < 0) {
			warn("no spike attribution: cannot read interrupt counts: %s", strerror(-rc));
			probe_attr_close(j->pa);
			j->pa = NULL;
		} else if (probe_attr_method(j->pa) == PA_COUNTS && !j->o.coarse) {
			warn("%s; attributing spikes from /proc/interrupts and /proc/softirqs count deltas "
			     "instead (coarser: per %" PRIu64 " ms interval, not per spike)",
			     j->why, probe_attr_period_ns(j->pa) / 1000000);
		}
	}
	j->ri.method = probe_attr_method(j->pa);
	j->ri.recorder = probe_attr_recorder(j->pa);
}

/* Start the probe threads and wait for them, polling the attribution every period.
 * 0, or EXIT_UNKNOWN after printing why the threads did not start. */
static int run_probe(struct lat_job *j)
{
	int rc;
	if (j->pa && (rc = probe_attr_start(j->pa)) < 0) {
		warn("cannot start attribution: %s", strerror(-rc));
		probe_attr_close(j->pa);
		j->pa = NULL;
		j->ri.method = PA_NONE;
	}
	if (isatty(STDERR_FILENO) && !j->cap)	/* fix says what it measures itself */
		fprintf(stderr, "irqsight: measuring %d CPU%s for %.1f s (Ctrl-C stops early)...\n", j->ncpus,
			j->ncpus > 1 ? "s" : "", (double)j->o.duration_ns / 1e9);
	rc = probe_start(&j->p);
	if (rc < 0) {
		for (int i = 0; i < j->ncpus; i++)
			if (j->p.cpu[i].affinity_err)
				err("cannot pin the probe thread to CPU %d: %s", j->cpus[i],
				    strerror(j->p.cpu[i].affinity_err));
		if (!j->p.cpu[0].affinity_err)
			err("cannot start the probe threads: %s", strerror(-rc));
		probe_join(&j->p);
		return EXIT_UNKNOWN;
	}
	/* the attribution's period, once it started (without it: 100 ms) */
	uint64_t period = j->period_ns = j->pa ? probe_attr_period_ns(j->pa) : 100000000u;
	uint64_t next = probe_now_ns() + period;
	/* drawn from this loop, which wakes every period anyway: no extra thread beside the probes */
	struct progress prog;
	progress_init(&prog, "latency", (double)j->o.duration_ns / 1e9, j->o.json);
	while (probe_running(&j->p)) {
		progress_tick(&prog);
		struct timespec ts = { .tv_sec = (time_t)(next / 1000000000u), .tv_nsec = (long)(next % 1000000000u) };
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			continue;
		if (j->pa && (rc = probe_attr_poll(j->pa)) < 0)
			warn("attribution: %s", strerror(-rc));
		next += period;
	}
	progress_end(&prog);
	probe_join(&j->p);
	return 0;
}

/* After the run: what it was (scheduling, memory, a signal), warned where it falls short. */
static void finish_run(struct lat_job *j)
{
	struct lat_run *ri = &j->ri;
	int rc;
	if (j->pa) {
		rc = probe_attr_finish(j->pa);
		if (rc < 0)
			warn("attribution: %s", strerror(-rc));
		probe_attr_stats(j->pa, &ri->st);
	}
	ri->interrupted = g_signal != 0;
	ri->elapsed_s = j->p.end_ns > j->p.start_ns ? (double)(j->p.end_ns - j->p.start_ns) / 1e9 : 0;
	ri->nfifo = probe_fifo_count(&j->p);
	for (int i = 0; i < j->ncpus; i++)
		if (j->p.cpu[i].sched_err > 0 && !ri->sched_err)
			ri->sched_err = j->p.cpu[i].sched_err;
	if (j->o.priority > 0 && ri->nfifo < j->ncpus)
		warn("cannot use SCHED_FIFO (%s): %s", strerror(ri->sched_err > 0 ? ri->sched_err : EPERM),
		     latency_sched_note(ri) + strlen("SCHED_FIFO was refused: "));
	if (j->p.mlock_err)
		warn("cannot lock memory (%s): page faults may add to the measured latency", strerror(j->p.mlock_err));
	if (ri->interrupted)
		warn("stopped by signal %d after %.1f s: reporting what was measured", (int)g_signal, ri->elapsed_s);
}

/* Each CPU's quantiles, spikes and their causes. NULL: out of memory. */
static struct lat_cpu *results(struct lat_job *j)
{
	struct lat_cpu *cs = calloc((size_t)j->ncpus, sizeof(*cs));
	for (int i = 0; cs && i < j->ncpus; i++) {
		struct lat_cpu *c = &cs[i];
		c->cpu = j->cpus[i];
		c->h = j->p.cpu[i].hist;
		for (size_t q = 0; q < LAT_NQ; q++)
			c->q[q] = hist_quantile_us(c->h, lat_quantiles[q].q);
		c->thr_us = j->o.has_spike ? j->o.spike_us : c->q[2];
		c->spikes = hist_count_above_us(c->h, c->thr_us);
		c->coverage = probe_attr_coverage(j->pa, i);
		if (j->pa)
			c->attrib_rc = probe_attr_result(j->pa, i, c->thr_us, &c->causes, &c->srcs, &c->res);
	}
	return cs;
}

int latency_measure(struct lat_job *j)
{
	/* off the probed CPUs before the set-up: allocating, mlockall (which faults in every
	 * mapped page of the binary and its libraries) and the recorder's set-up would
	 * otherwise run on a CPU being measured, by this probe or by another tool beside it */
	move_off_probed(j->cpus, j->ncpus);
	struct probe_opts po = {
		.cpus = j->cpus,
		.ncpus = j->ncpus,
		.interval_ns = j->o.interval_us * 1000,
		.duration_ns = j->o.duration_ns,
		.priority = j->o.priority,
		.record_above_ns = j->o.has_spike ? (j->o.spike_us + 1) * 1000 : 0,
	};
	j->ri = (struct lat_run){ .p = &j->p,
				  .interval_us = j->o.interval_us,
				  .duration_ns = j->o.duration_ns,
				  .priority = j->o.priority,
				  .has_spike = j->o.has_spike,
				  .compare = j->o.compare };
	int rc = probe_init(&j->p, &po);
	if (rc < 0) {
		err("cannot set up the probe: %s", strerror(-rc));
		return EXIT_UNKNOWN;
	}
	open_attribution(j);

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	struct sigaction old_int, old_term, old_hup;
	g_probe = &j->p;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);

	int ret = run_probe(j);
	if (!ret) {
		finish_run(j);
		j->cs = results(j);
		if (!j->cs)
			ret = err("out of memory");
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	g_probe = NULL;
	return ret;
}

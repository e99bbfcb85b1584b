/*
 * Sampling (check --interval, export --interval): two readings of the kernel's counters
 * (sample/reading.h) and the rates between them (sample/rates.h), copied into the model;
 * as root, the tracepoint recorder (sample/trace.h) runs over the same window for the
 * time handlers took per CPU, per IRQ and per softirq vector, the way top records it.
 *
 * The model's own counts (build_irqs) are an earlier reading: the rates cover the
 * sample window only. A rate row is joined to a model IRQ by name and identity (chip,
 * hwirq, actions): a number freed and requested again in between is another IRQ, and
 * its rate is unknown rather than some other device's.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/build.h"
#include "sample/probe.h"
#include "sample/rates.h"
#include "sample/reading.h"
#include "sample/trace.h"
#include "util/nameidx.h"
#include "util/str.h"

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---------------------------------------------------------------- recorder */

struct tracer {
	struct trace *tr;
	struct trace_totals *tt;
	uint64_t t0, t1;	/* enabled .. disabled (CLOCK_MONOTONIC) */
	uint64_t events;
	uint64_t drain_cpu_ns;
};

static void cb_add(const struct trace_event *ev, void *ctx)
{
	trace_totals_add(ctx, ev);
}

static void drain(struct tracer *t)
{
	if (!t->tr)
		return;
	uint64_t c0 = thread_cpu_ns();
	long n = trace_drain(t->tr, cb_add, t->tt);
	if (n > 0)
		t->events += (uint64_t)n;
	t->drain_cpu_ns += thread_cpu_ns() - c0;
}

static int read_paranoid(struct host *h, const struct source *src)
{
	const char *s;
	int64_t v;
	if (host_read_str(h, src, "proc/sys/kernel/perf_event_paranoid", &s) || !str_i64(s, 10, &v))
		return -100;
	return (int)v;
}

/* Start recording on the CPUs with a /proc/interrupts column. NULL, or why not. */
static const char *trace_start(struct host *h, const struct source *src, struct tracer *t)
{
	struct arena *a = &h->arena;
	if (!h->is_root_user) {
		/* As top does: per-CPU RAW tracepoint samples need root or CAP_PERFMON, and
		 * tracefs is 0700 root (kernel-interfaces.md §11.2-11.3). */
		int p = read_paranoid(h, src);
		return p > -100 ? arena_printf(a, "not root (per-CPU tracepoint samples need root or CAP_PERFMON; "
					       "perf_event_paranoid=%d)", p)
				: "not root (per-CPU tracepoint samples need root or CAP_PERFMON)";
	}
	if (!h->ncols)
		return "no CPU columns in proc/interrupts";
	struct cpuset cpus;
	cpuset_init(&cpus, a, h->max_cpu);
	for (int col = 0; col < h->ncols; col++)
		cpuset_set(&cpus, h->col_cpu[col]);
	struct trace_opts o = { .cpus = &cpus, .irq = true, .softirq = true, .vectors = true };
	char why[512] = "";
	int r = trace_open(&t->tr, &o, why, sizeof(why));
	if (r < 0) {
		t->tr = NULL;
		return arena_strdup(a, why[0] ? why : strerror(-r));
	}
	t->tt = trace_totals_new();
	if (!t->tt) {
		trace_close(t->tr);
		t->tr = NULL;
		return "out of memory";
	}
	t->t0 = probe_now_ns();
	if ((r = trace_enable(t->tr)) < 0) {
		trace_close(t->tr);
		t->tr = NULL;
		/* no totals either: the sample must not claim a (zero) tracepoint time */
		trace_totals_free(t->tt);
		t->tt = NULL;
		return arena_printf(a, "cannot enable tracepoints: %s", strerror(-r));
	}
	return NULL;
}

/* Disable, take what is left, close (nothing stays enabled; tracefs was released at open). */
static void trace_stop(struct tracer *t, uint64_t *lost)
{
	if (!t->tr)
		return;
	drain(t);
	trace_disable(t->tr);
	t->t1 = probe_now_ns();
	drain(t);
	*lost = trace_lost(t->tr);
	trace_close(t->tr);
	t->tr = NULL;
}

/*
 * Sleep until deadline. While recording, wait in poll(2) on the rings and drain them
 * as they fill (one busy CPU can fill its ring well within a second), then pause 2 ms
 * so a steady stream of events costs at most ~500 wakeups a second.
 */
static void wait_until(struct tracer *t, uint64_t deadline)
{
	const int *fds = NULL;
	int n = t->tr ? trace_fds(t->tr, &fds) : 0;
	struct pollfd *pf = n > 0 ? calloc((size_t)n, sizeof(*pf)) : NULL;
	for (int i = 0; pf && i < n; i++) {
		pf[i].fd = fds[i];
		pf[i].events = POLLIN;
	}
	for (;;) {
		uint64_t now = probe_now_ns();
		if (now >= deadline)
			break;
		uint64_t left = deadline - now;
		if (!t->tr) {
			sleep_ns(left);
			continue;
		}
		if (!pf) {
			sleep_ns(left < 20000000u ? left : 20000000u);
			drain(t);
			continue;
		}
		int k = poll(pf, (nfds_t)n, (int)((left + 999999) / 1000000));
		if (k > 0) {
			drain(t);
			now = probe_now_ns();
			if (now < deadline)
				sleep_ns(deadline - now < 2000000u ? deadline - now : 2000000u);
		} else if (k < 0 && errno != EINTR) {
			free(pf);
			pf = NULL;
		}
	}
	free(pf);
}

/* ---------------------------------------------------------------- joining */


static const char *nz(const char *s)
{
	return s ? s : "";
}

/* Is this rate row (the later reading) the IRQ the model describes? */
static bool same_irq(const struct irq *q, const struct rate_irq *r)
{
	if (q->is_arch)
		return true;
	return !strcmp(nz(q->chip), nz(r->chip)) && !strcmp(nz(q->hwirq), nz(r->hwirq)) &&
	       !strcmp(nz(q->actions), nz(r->actions));
}

static void apply_rates(struct host *h, const struct rates *rt, int *changed)
{
	struct arena *a = &h->arena;
	h->sample_seconds = rt->seconds;
	if (rt->irq_accounted != TRI_UNKNOWN)
		h->irq_accounted = rt->irq_accounted;
	/* Columns of the later reading by CPU id: CPUs, not positions (hotplug in between). */
	int *by_id = malloc(((size_t)rt->max_cpu + 1) * sizeof(int));
	int *rcol = arena_alloc(a, ((size_t)h->ncols + 1) * sizeof(int));
	if (!by_id)
		return;
	memset(by_id, 0xff, ((size_t)rt->max_cpu + 1) * sizeof(int));
	for (int c = 0; c < rt->ncols; c++)
		by_id[rt->col_cpu[c]] = c;
	for (int col = 0; col < h->ncols; col++) {
		int id = h->col_cpu[col];
		rcol[col] = id <= rt->max_cpu ? by_id[id] : -1;
	}
	free(by_id);

	struct name_index m;
	name_index_build(&m, &h->arena, h->irqs, (size_t)h->nirqs, sizeof(*h->irqs), offsetof(struct irq, name));
	for (int i = 0; i < rt->nirqs; i++) {
		const struct rate_irq *ri = &rt->irqs[i];
		int k = name_index_find(&m, ri->name);
		if (k < 0)
			continue;	/* appeared after the model was read: not in the report */
		struct irq *q = &h->irqs[k];
		if (!same_irq(q, ri)) {
			(*changed)++;
			continue;
		}
		q->rate = ri->rate;
		if (!ri->cpu_rate || !q->counts)
			continue;
		q->cpu_rate = arena_calloc(a, (size_t)h->ncols + 1, sizeof(double));
		for (int col = 0; col < h->ncols; col++)
			if (rcol[col] >= 0)
				q->cpu_rate[col] = ri->cpu_rate[rcol[col]];
	}

	for (int id = 0; id <= h->max_cpu && id <= rt->max_cpu; id++) {
		const struct rate_cpu *rc = &rt->cpus[id];
		struct host_cpu *c = &h->cpus[id];
		if (rc->id < 0)
			continue;
		memcpy(c->softirq_rate, rc->softirq_rate, sizeof(c->softirq_rate));
		/* rates leaves irq_pct unknown unless the kernel accounts hardirq time */
		if (rc->irq_pct >= 0) {
			c->irq_pct = rc->irq_pct;
			c->irq_src = TIME_STAT;
		}
		if (rc->softirq_pct >= 0) {
			c->softirq_pct = rc->softirq_pct;
			c->softirq_src = h->irq_accounted == TRI_NO ? TIME_STAT_TICK : TIME_STAT;
		}
	}
}


/* The handler name a tracepoint saw is one of the IRQ's actions (else the number was reused). */
static bool has_action(const struct irq *q, const char *name)
{
	if (!name || !q->naction)
		return true;
	for (int k = 0; k < q->naction; k++)
		if (!strcmp(q->action[k], name))
			return true;
	return false;
}

static void add_time(struct host *h, struct irq *q, int col, double pct)
{
	if (!q)
		return;
	if (!q->cpu_time_pct)
		q->cpu_time_pct = arena_calloc(&h->arena, (size_t)h->ncols + 1, sizeof(double));
	q->cpu_time_pct[col] += pct;
}

static void apply_trace(struct host *h, const struct trace_totals *tt, uint64_t window_ns, int *changed)
{
	if (!window_ns)
		return;
	h->traced = true;
	h->trace_seconds = (double)window_ns / 1e9;
	double *irq_ns = calloc((size_t)h->max_cpu + 1, sizeof(double));
	double *soft_ns = calloc((size_t)h->max_cpu + 1, sizeof(double));
	if (!irq_ns || !soft_ns) {
		free(irq_ns);
		free(soft_ns);
		h->traced = false;
		return;
	}
	for (int col = 0; col < h->ncols; col++)
		for (int v = 0; v < SOFTIRQ_NR; v++)
			h->cpus[h->col_cpu[col]].softirq_time_pct[v] = 0;
	/* vector number -> its row, resolved once per vector */
	struct vec_row {
		int id;
		struct irq *q;
	} vec[32];
	int nvec = 0;
	/* per CPU: handler entries recorded, and interrupts/softirqs /proc counted */
	struct trace_cov tc = { calloc((size_t)h->max_cpu + 1, sizeof(double)),
				calloc((size_t)h->max_cpu + 1, sizeof(double)), h->max_cpu };
	struct trace_cov *cov = tc.seen && tc.counted ? &tc : NULL;
	double secs = (double)window_ns / 1e9;
	size_t it = 0;
	struct trace_total v;
	while (trace_totals_next(tt, &it, &v)) {
		if (v.cpu < 0 || v.cpu > h->max_cpu || h->cpus[v.cpu].col < 0)
			continue;
		int col = h->cpus[v.cpu].col;
		/* The row that counts this handler: the IRQ (if its handler name is one of
		 * the IRQ's actions: else the number was reused) or a vector's row. */
		struct irq *q = NULL;
		if (v.kind == TR_IRQ_ENTRY) {
			q = host_irq_by_number(h, v.id);
			if (q && !has_action(q, v.name)) {
				/* reused: its rate and time are unknown; counted once per IRQ
				 * (not per CPU, nor again if the rates saw the change) */
				if (q->rate >= 0)
					(*changed)++;
				q->rate = -1;
				q = NULL;
			}
		} else if (v.kind == TR_VECTOR_ENTRY) {
			int k = 0;
			while (k < nvec && vec[k].id != v.id)
				k++;
			if (k < nvec) {
				q = vec[k].q;
			} else {
				const char *row = trace_row_of_vector(v.name);
				q = row ? host_irq_by_name(h, row) : NULL;
				if (nvec < (int)ARRAY_SIZE(vec))
					vec[nvec++] = (struct vec_row){ v.id, q };
			}
		}
		/* What /proc counted for this handler on this CPU in the window: when the
		 * recorder saw fewer entries, scale its time by the mean of those it saw. */
		double expect = -1;
		if (v.kind == TR_SOFTIRQ_ENTRY) {
			if (v.id >= 0 && v.id < SOFTIRQ_NR && h->cpus[v.cpu].softirq_rate[v.id] >= 0)
				expect = h->cpus[v.cpu].softirq_rate[v.id] * secs;
		} else if (q && q->rate >= 0) {
			expect = q->cpu_rate ? q->cpu_rate[col] * secs : 0;
		}
		double ns = trace_scaled_ns(&v, expect, cov);
		double pct = 100.0 * ns / (double)window_ns;
		if (v.kind == TR_SOFTIRQ_ENTRY) {
			soft_ns[v.cpu] += ns;
			if (v.id >= 0 && v.id < SOFTIRQ_NR)
				h->cpus[v.cpu].softirq_time_pct[v.id] += pct;
		} else if (v.kind == TR_IRQ_ENTRY || v.kind == TR_VECTOR_ENTRY) {
			irq_ns[v.cpu] += ns;
			add_time(h, q, col, pct);
		}
	}
	for (int col = 0; col < h->ncols; col++) {
		int id = h->col_cpu[col];
		struct host_cpu *c = &h->cpus[id];
		c->irq_pct = 100.0 * irq_ns[id] / (double)window_ns;
		c->softirq_pct = 100.0 * soft_ns[id] / (double)window_ns;
		c->irq_src = c->softirq_src = TIME_TRACE;
	}
	/* trace_cov_lowest only looks at CPUs with counts, i.e. with a column */
	h->trace_coverage = trace_cov_lowest(cov, &h->trace_coverage_cpu);
	free(tc.seen);
	free(tc.counted);
	free(irq_ns);
	free(soft_ns);
}

static void set_time_note(struct host *h, const char *no_trace)
{
	struct arena *a = &h->arena;
	const char *why = no_trace ? no_trace : "not requested";
	if (!h->traced)
		h->trace_why = why;
	if (h->traced) {
		h->time_src = TIME_TRACE;
		h->time_note = arena_printf(a, "time in IRQ/softirq from tracepoints (irq, softirq, irq_vectors: handler self "
					    "time) over %.1f s: %llu events%s",
					    h->trace_seconds, (unsigned long long)h->trace_events,
					    h->trace_lost ? arena_printf(a, ", %llu lost (times are lower bounds)",
									 (unsigned long long)h->trace_lost)
							  : ", none lost");
		if (h->trace_coverage >= 0 && h->trace_coverage < 0.9)
			h->time_note = arena_printf(a, "%s; but only %.0f%% of the interrupts and softirqs /proc counted on CPU %d "
						    "were recorded (the kernel did not deliver every tracepoint sample, as seen on "
						    "idle CPUs of a VM): times are scaled from the mean of the recorded handlers",
						    h->time_note, 100.0 * h->trace_coverage, h->trace_coverage_cpu);
	} else if (h->irq_accounted == TRI_YES) {
		h->time_src = TIME_STAT;
		h->time_note = arena_printf(a, "time in IRQ/softirq from /proc/stat (the kernel accounts IRQ time); "
					    "no per-IRQ times: tracepoints not used: %s", why);
	} else if (h->irq_accounted == TRI_NO) {
		h->time_src = TIME_STAT_TICK;
		h->time_note = arena_printf(a, "hardirq time not accounted by this kernel (no CONFIG_IRQ_TIME_ACCOUNTING: "
					    "/proc/stat irq stays 0); softirq time is a tick-sampled estimate; "
					    "tracepoints not used: %s", why);
	} else {
		h->time_src = TIME_NONE;
		h->time_note = arena_printf(a, "time in IRQ/softirq unknown (/proc/stat unreadable or no interrupts); "
					    "tracepoints not used: %s", why);
	}
}

int sample_apply(struct host *h, const struct reading *a, const struct reading *b, const struct sample_trace *st)
{
	struct rates rt;
	int r = rates_compute(&rt, a, b);
	if (r) {
		host_note_missing(h, "proc/interrupts (sample)", "the two readings are out of order or unusable",
				  "rates are unknown");
		rates_free(&rt);
		return r;
	}
	int changed = 0;
	apply_rates(h, &rt, &changed);
	if (st && st->tt) {
		h->trace_events = st->events;
		h->trace_lost = st->lost;
		h->trace_cpu_seconds = (double)st->drain_cpu_ns / 1e9;
		apply_trace(h, st->tt, st->window_ns, &changed);
	}
	if (changed)
		host_note_missing(h, "proc/interrupts (sample)",
				  arena_printf(&h->arena, "%d IRQ number(s) reused during the sample", changed),
				  "their rates and times are unknown");
	set_time_note(h, st && !st->tt ? st->why_not : NULL);
	rates_free(&rt);
	return 0;
}

int sample_rates(struct host *h, const struct source *src, const struct host_opts *opt)
{
	struct tracer t = { 0 };
	const char *no_trace = opt->trace ? trace_start(h, src, &t) : opt->no_trace_why;
	struct reading a, b;
	int r = reading_take(&a, src);
	uint64_t lost = 0;
	if (r) {
		trace_stop(&t, &lost);
		trace_totals_free(t.tt);
		reading_free(&a);
		host_note_unreadable(h, "proc/interrupts (sample)", r, "rates are unknown");
		return r;
	}
	wait_until(&t, a.time_ns + (uint64_t)(opt->sample_seconds * 1e9));
	r = reading_take(&b, src);
	trace_stop(&t, &lost);
	if (r) {
		host_note_unreadable(h, "proc/interrupts (second reading)", r, "rates are unknown");
	} else {
		struct sample_trace st = { .tt = t.tt, .window_ns = t.t1 - t.t0, .events = t.events, .lost = lost,
					   .drain_cpu_ns = t.drain_cpu_ns, .why_not = no_trace };
		r = sample_apply(h, &a, &b, &st);
	}
	trace_totals_free(t.tt);
	reading_free(&a);
	reading_free(&b);
	return r;
}

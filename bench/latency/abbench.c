/*
 * Benchmark (not a test): what tracepoint recording adds to the wake-up latency the
 * probe measures, with both conditions interleaved inside one process. Separate
 * runs (attrib-overhead.sh) pair conditions seconds apart, and on a shared VM the
 * p99 drifts more than that between runs; here the recorder is opened once and
 * enabled for one slice of each pair, in random order and of random length (75-125%
 * of SLICE_MS, so neither a trend nor a periodic disturbance of the host favours a
 * condition), the probe runs afresh in each slice, and each condition's slices are
 * merged into one histogram. The recorder is the one `irqsight latency` uses (sample/trace.c, irq,
 * softirq and irq_vectors groups on the probed CPU, its 1 MB ring), drained from CPU M every 20 ms
 * as the collector does.
 *
 *   abbench W M SECONDS [SLICE_MS] [INTERVAL_US]     (root)
 *
 * Prints per condition: samples, p50, p99, p99.9, max, and for the recorded slices
 * the events per second; then the change of the merged p99 with a 95% bootstrap
 * interval (pairs resampled with replacement, 1000 times: how far the host's noise
 * alone moves that number), and the median of the per-pair p99 changes with its own
 * 95% bootstrap interval (a statistic the rare host stall moves far less).
 *
 * ABBENCH_RECORDER=ftrace|perf picks the recorder (default ftrace, as `latency`; perf
 * where this build has no page walker). ABBENCH_VS=wake compares two perf recorders
 * instead of none against one: the kernel signalling readable data every quarter ring
 * (as `top`, which polls, asks) against once per ring (trace_opts.timer_drain, as
 * `latency`, which drains on a timer, asks). ABBENCH_VS=perf compares the perf recorder
 * (first) against the ftrace one (second).
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../benchutil.h"
#include "sample/hist.h"
#include "sample/probe.h"
#include "sample/trace.h"
#include "util/arena.h"
#include "util/cpuset.h"

/* One slice's wake-ups, µs (HIST_BUCKETS for an overflow), for the bootstrap. */
struct slice {
	uint32_t *us;
	size_t n;
};

static void keep_slice(struct slice *sl, const struct hist *h)
{
	sl->n = 0;
	sl->us = malloc(((size_t)h->n + 1) * sizeof(uint32_t));
	if (!sl->us)
		return;
	for (uint32_t b = 0; b < HIST_BUCKETS; b++)
		for (uint64_t k = 0; k < h->count[b] && sl->n < h->n; k++)
			sl->us[sl->n++] = b;
	for (uint64_t k = 0; k < h->overflow && sl->n < h->n; k++)
		sl->us[sl->n++] = HIST_BUCKETS;
}

/* The q/10000 quantile of counts[0..HIST_BUCKETS] holding n samples (as hist_quantile_us). */
static uint32_t quant(const uint32_t *counts, uint64_t n, unsigned q)
{
	uint64_t want = (n * q + 9999) / 10000, acc = 0;
	for (uint32_t b = 0; b <= HIST_BUCKETS; b++)
		if ((acc += counts[b]) >= want && want)
			return b;
	return HIST_BUCKETS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* 95% interval of the merged p99 change over nb pairs resampled with replacement. */
static void bootstrap(struct slice *const sl[2], int nb, double *lo, double *hi)
{
	enum { B = 1000 };
	double *r = calloc(B, sizeof(double));
	uint32_t *c[2] = { calloc(HIST_BUCKETS + 1, sizeof(uint32_t)), calloc(HIST_BUCKETS + 1, sizeof(uint32_t)) };
	int used = 0;
	for (int b = 0; b < B && r && c[0] && c[1]; b++) {
		uint64_t n[2] = { 0, 0 };
		memset(c[0], 0, (HIST_BUCKETS + 1) * sizeof(uint32_t));
		memset(c[1], 0, (HIST_BUCKETS + 1) * sizeof(uint32_t));
		for (int k = 0; k < nb; k++) {
			int pick = (int)(bench_rnd() % (uint64_t)nb);
			for (int cond = 0; cond < 2; cond++) {
				const struct slice *x = &sl[cond][pick];
				for (size_t i = 0; i < x->n; i++)
					c[cond][x->us[i]]++;
				n[cond] += x->n;
			}
		}
		double a = quant(c[0], n[0], 9900), z = quant(c[1], n[1], 9900);
		if (a > 0)
			r[used++] = (z - a) * 100 / a;
	}
	qsort(r, (size_t)used, sizeof(double), cmp_double);
	*lo = used ? r[used * 25 / 1000] : 0;
	*hi = used ? r[used * 975 / 1000] : 0;
	free(r);
	free(c[0]);
	free(c[1]);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: abbench W M SECONDS [SLICE_MS] [INTERVAL_US]\n");
		return 2;
	}
	int w = atoi(argv[1]), m = atoi(argv[2]);
	double secs = atof(argv[3]);
	long slice_ms = argc > 4 ? atol(argv[4]) : 500;
	long interval_us = argc > 5 ? atol(argv[5]) : 1000;
	int nslices = (int)(secs * 1000 / (double)slice_ms);
	nslices -= nslices % 2;
	if (nslices < 2 || slice_ms < 50 || interval_us < 50) {
		fprintf(stderr, "abbench: at least 2 slices of >= 50 ms, interval >= 50 us\n");
		return 2;
	}
	bench_pin(m);
	struct arena a = { 0 };
	struct cpuset set;
	cpuset_init(&set, &a, w);
	cpuset_set(&set, w);
	/* ABBENCH_GROUPS: any of i (irq), s (softirq), v (irq_vectors); default all three */
	const char *g = getenv("ABBENCH_GROUPS");
	struct trace_opts to = { .cpus = &set, .irq = !g || strchr(g, 'i'), .softirq = !g || strchr(g, 's'),
				 .vectors = !g || strchr(g, 'v'),
				 .ring_pages = getenv("ABBENCH_PAGES") ? (unsigned)atoi(getenv("ABBENCH_PAGES")) : 256 };
	const char *vs = getenv("ABBENCH_VS"), *rec = getenv("ABBENCH_RECORDER");
	bool vs_wake = vs && !strcmp(vs, "wake"), vs_perf = vs && !strcmp(vs, "perf");
	bool ftrace = !rec || strcmp(rec, "perf") != 0;
	/* tr[c]: the recorder of condition c, NULL = none */
	struct trace *tr[2] = { NULL, NULL };
	char why[256] = "";
	int rc = 0;
	for (int c = vs_wake || vs_perf ? 0 : 1; c < 2; c++) {
		to.timer_drain = !vs_wake || c == 1;	/* as `latency` records, but in the wake comparison */
		to.ftrace = vs_perf ? c == 1 : ftrace && !vs_wake;
		if ((rc = trace_open(&tr[c], &to, why, sizeof(why))) < 0) {
			fprintf(stderr, "abbench: no tracepoints: %s\n", why[0] ? why : strerror(-rc));
			return 3;
		}
	}
	struct hist *agg = malloc(2 * sizeof(*agg));
	hist_init(&agg[0]);
	hist_init(&agg[1]);
	long *p99[2] = { calloc((size_t)nslices, sizeof(long)), calloc((size_t)nslices, sizeof(long)) };
	struct slice *sl[2] = { calloc((size_t)nslices, sizeof(struct slice)), calloc((size_t)nslices, sizeof(struct slice)) };
	int nsl[2] = { 0, 0 };
	unsigned long events[2] = { 0, 0 };
	double on_secs[2] = { 0, 0 };
	int first_on = 0;
	for (int s = 0; s < nslices; s++) {
		/* each pair of slices in random order, each slice 75-125% of SLICE_MS: a
		 * periodic disturbance of the host cannot line up with one condition */
		if (s % 2 == 0)
			first_on = (int)(bench_rnd() & 1);
		int on = s % 2 == 0 ? first_on : !first_on;
		uint64_t len_ns = (uint64_t)slice_ms * 1000000 * (75 + bench_rnd() % 51) / 100;
		struct probe p;
		struct probe_opts po = { .cpus = &w, .ncpus = 1, .interval_ns = (uint64_t)interval_us * 1000,
					 .duration_ns = len_ns, .priority = 95 };
		if ((rc = probe_init(&p, &po)) < 0) {
			fprintf(stderr, "abbench: probe: %s\n", strerror(-rc));
			break;
		}
		struct trace *t = tr[on];
		if (t && (rc = trace_enable(t)) < 0) {
			fprintf(stderr, "abbench: cannot enable tracing: %s\n", strerror(-rc));
			probe_free(&p);
			break;
		}
		uint64_t t0 = probe_now_ns();
		if ((rc = probe_start(&p)) < 0) {
			fprintf(stderr, "abbench: cannot start the probe: %s\n", strerror(-rc));
			probe_join(&p);
			probe_free(&p);
			break;
		}
		while (probe_running(&p)) {
			struct timespec ts = { 0, 20 * 1000000L };
			nanosleep(&ts, NULL);
			if (t)
				trace_drain(t, bench_count_event, &events[on]);
		}
		probe_join(&p);
		if (t) {
			trace_disable(t);
			trace_drain(t, bench_count_event, &events[on]);
			on_secs[on] += (double)(probe_now_ns() - t0) / 1e9;
		}
		const struct hist *h = p.cpu[0].hist;
		hist_merge(&agg[on], h);
		keep_slice(&sl[on][nsl[on]], h);
		p99[on][nsl[on]++] = (long)hist_quantile_us(h, 9900);
		probe_free(&p);
	}
	static const char *const name[3][2] = { { "without recording", "with recording" },
						{ "wake every 1/4", "wake every ring" },
						{ "perf recorder", "ftrace recorder" } };
	int vs_i = vs_wake ? 1 : vs_perf ? 2 : 0;
	for (int c = 0; c < 2; c++)
		printf("%-18s %8llu samples  p50 %4llu us  p99 %4llu us  p99.9 %5llu us  max %6llu us\n", name[vs_i][c],
		       (unsigned long long)agg[c].n, (unsigned long long)hist_quantile_us(&agg[c], 5000),
		       (unsigned long long)hist_quantile_us(&agg[c], 9900),
		       (unsigned long long)hist_quantile_us(&agg[c], 9990),
		       (unsigned long long)(agg[c].max_ns / 1000));
	for (int c = 0; c < 2; c++)
		if (tr[c])
			printf("%s: %.0f events/s recorded on CPU %d through %s, %llu lost\n", name[vs_i][c],
			       on_secs[c] > 0 ? (double)events[c] / on_secs[c] : 0, w, trace_recorder(tr[c]),
			       (unsigned long long)trace_lost(tr[c]));
	/* per pair: the recorded slice's p99 minus the other's */
	int nb = nsl[0] < nsl[1] ? nsl[0] : nsl[1];
	long *d = calloc((size_t)nb + 1, sizeof(long));
	for (int b = 0; b < nb; b++)
		d[b] = p99[1][b] - p99[0][b];
	/* bootstrap of the per-pair median (before d is sorted: resampling needs no order) */
	long mlo = 0, mhi = 0;
	{
		enum { B = 1000 };
		long *m = calloc(B, sizeof(long)), *x = calloc((size_t)nb + 1, sizeof(long));
		for (int b = 0; b < B && m && x && nb; b++) {
			for (int k = 0; k < nb; k++)
				x[k] = d[bench_rnd() % (uint64_t)nb];
			qsort(x, (size_t)nb, sizeof(long), cmp_long);
			m[b] = x[nb / 2];
		}
		if (m && x && nb) {
			qsort(m, B, sizeof(long), cmp_long);
			mlo = m[B * 25 / 1000];
			mhi = m[B * 975 / 1000];
		}
		free(m);
		free(x);
	}
	qsort(d, (size_t)nb, sizeof(long), cmp_long);
	double a99 = (double)hist_quantile_us(&agg[0], 9900), b99 = (double)hist_quantile_us(&agg[1], 9900);
	double lo = 0, hi = 0;
	bootstrap(sl, nb, &lo, &hi);
	printf("p99 change, second condition against the first: %+.1f%% (merged histograms; 95%% bootstrap interval %+.1f%% to %+.1f%%); per pair median %+.1f us (95%% interval %+ld to %+ld us) over %d pairs of ~%ld ms slices\n",
	       a99 > 0 ? (b99 - a99) * 100 / a99 : 0, lo, hi, nb ? (double)d[nb / 2] : 0, mlo, mhi, nb, slice_ms);
	for (int c = 0; c < 2; c++) {
		for (int k = 0; k < nsl[c]; k++)
			free(sl[c][k].us);
		free(sl[c]);
	}
	trace_close(tr[0]);
	trace_close(tr[1]);
	free(d);
	free(p99[0]);
	free(p99[1]);
	free(agg);
	arena_free(&a);
	return 0;
}

/*
 * irqsight latency's output (docs/latency.md): the per-CPU table and the spike lines, the
 * JSON document (also what --save writes), the --compare table and the --histogram file.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render/latency.h"
#include "sample/attrib.h"
#include "sample/hist.h"
#include "sample/probe.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/compat.h"
#include "util/cpuset.h"
#include "util/json.h"

#define SCHEMA "irqsight-latency"
#define SCHEMA_VERSION 1

const struct lat_quantile lat_quantiles[LAT_NQ] = {
	{ "p50", "p50_us", 5000 },     { "p90", "p90_us", 9000 },	{ "p99", "p99_us", 9900 },
	{ "p99.9", "p99_9_us", 9990 }, { "p99.99", "p99_99_us", 9999 },
};

static void fmt_list(const int *cpus, int n, struct buf *b)
{
	struct arena a = { 0 };
	struct cpuset s;
	cpuset_init(&s, &a, cpus[n - 1]);
	for (int i = 0; i < n; i++)
		cpuset_set(&s, cpus[i]);
	cpuset_format_list(&s, b);
	arena_free(&a);
}

/* ---- what the run means: scheduling, memory, attribution method ---- */

const char *latency_sched_note(const struct lat_run *ri)
{
	if (ri->priority == 0)
		return "SCHED_OTHER as asked (--priority 0): latencies include waiting behind other tasks";
	if (ri->nfifo == ri->p->ncpu)
		return NULL;
	return "SCHED_FIFO was refused: the probe ran as SCHED_OTHER, so its latencies include "
	       "waiting behind other tasks and are not comparable with real-time numbers (run as "
	       "root or with CAP_SYS_NICE / an RLIMIT_RTPRIO limit)";
}

static const char *attrib_note(const struct lat_run *ri)
{
	switch (ri->method) {
	case PA_TRACE:
		return "irq, softirq and irq_vectors tracepoints: each spike's window is matched to "
		       "the handlers that ran in it";
	case PA_COUNTS:
		return "coarse: /proc/interrupts and /proc/softirqs count deltas per sampling interval; "
		       "a source is listed when it fired in the interval holding a spike, not "
		       "necessarily during it";
	case PA_NONE: break;
	}
	return "none (--no-attrib)";
}

/* ---- text ---- */

/* Display columns of UTF-8 text (µ counts once). */
static size_t cols(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Append sep (to the current line) and piece, breaking before piece past 79 columns. */
static void wrap_put(struct buf *out, size_t *col, const char *sep, const char *piece)
{
	buf_puts(out, sep);
	*col += cols(sep);
	if (*col + 1 + cols(piece) > 79) {
		buf_puts(out, "\n   ");
		*col = 3;
	} else {
		buf_putc(out, ' ');
		(*col)++;
	}
	buf_puts(out, piece);
	*col += cols(piece);
}

static unsigned pct_of(uint64_t part, uint64_t whole)
{
	return whole ? (unsigned)((part * 100 + whole / 2) / whole) : 0;
}

/* The recorder saw clearly fewer runs than /proc counted on that CPU: judged on the
 * value the JSON shows (3 decimals). */
static bool low_coverage(const struct lat_cpu *c)
{
	return c->coverage >= 0 && lround(c->coverage * 1000) < 900;
}

static void coverage_piece(struct buf *out, size_t *col, const struct lat_cpu *c)
{
	char piece[96];
	if (!low_coverage(c))
		return;
	snprintf(piece, sizeof(piece), "tracepoints saw only %u%% of its interrupts and softirqs",
		 (unsigned)(c->coverage * 100));	/* floored: 0.896 is not "90%" */
	wrap_put(out, col, ";", piece);
}

static void text_attrib_line(struct buf *out, const struct lat_cpu *c, enum probe_attr_method m, uint64_t period_ms)
{
	char piece[256], lab[96];
	size_t start = out->len, col;
	buf_printf(out, "CPU%d: %" PRIu64 " spike%s > %" PRIu64 " µs", c->cpu, c->spikes, c->spikes == 1 ? "" : "s",
		   c->thr_us);
	col = cols(out->data + start);
	if (c->attrib_rc < 0) {
		buf_printf(out, "; attribution failed: %s\n", strerror(-c->attrib_rc));
		return;
	}
	if (c->res.spikes != c->spikes) {
		snprintf(piece, sizeof(piece), "(%" PRIu64 " examined)", c->res.spikes);
		wrap_put(out, &col, "", piece);
	}
	if (c->res.spikes == 0) {
		coverage_piece(out, &col, c);
		buf_puts(out, "\n");
		return;
	}
	uint32_t shown = MIN(c->res.ncauses, 4u);
	for (uint32_t i = 0; i < shown; i++) {
		const struct attrib_cause *k = &c->causes[i];
		attrib_src_label(&c->srcs->v[k->src], lab, sizeof(lab));
		unsigned pct = pct_of(k->spikes, c->res.spikes);
		if (m == PA_TRACE)
			snprintf(piece, sizeof(piece), "%u%% %s%s (mean %.0f µs)", pct, i ? "" : "overlapped ", lab,
				 k->overlap_ns / 1000.0 / (double)k->spikes);
		else
			snprintf(piece, sizeof(piece), "%u%% %s%s (%.0f/s)", pct, i ? "" : "in intervals with ", lab,
				 k->rate_spike);
		wrap_put(out, &col, i ? "," : ";", piece);
	}
	uint64_t none = c->res.spikes - c->res.explained;
	if (none) {
		unsigned pct = pct_of(none, c->res.spikes);
		if (m == PA_TRACE)
			snprintf(piece, sizeof(piece), "%u%% with no %sinterrupt in the window", pct,
				 low_coverage(c) ? "recorded " : "");
		else
			snprintf(piece, sizeof(piece), "%u%% in %" PRIu64 " ms intervals with no interrupt", pct,
				 period_ms);
		wrap_put(out, &col, ";", piece);
	}
	if (m == PA_TRACE && c->res.window_ns) {
		/* low: the time went elsewhere (host preemption/steal in a VM, scheduling, SMIs) */
		snprintf(piece, sizeof(piece), "handlers ran %u%% of the spike time",
			 pct_of(c->res.covered_ns, c->res.window_ns));
		wrap_put(out, &col, ";", piece);
	}
	coverage_piece(out, &col, c);
	buf_puts(out, "\n");
}

void render_latency_text(struct buf *out, const struct lat_run *ri, const struct lat_cpu *cs, int n, uint64_t period_ms)
{
	const struct probe *p = ri->p;
	struct buf l = { 0 };
	fmt_list(p->o.cpus, p->ncpu, &l);
	buf_printf(out, "Wake-up latency on CPU%s %s: %" PRIu64 " µs interval, %.1f s%s, ", p->ncpu > 1 ? "s" : "",
		   l.data, ri->interval_us, ri->elapsed_s, ri->interrupted ? " (interrupted)" : "");
	if (ri->nfifo == p->ncpu)
		buf_printf(out, "SCHED_FIFO %d\n", ri->priority);
	else
		buf_puts(out, "SCHED_OTHER\n");
	buf_free(&l);
	buf_printf(out, "\n%4s %10s %7s %7s %7s %7s %7s %7s %8s\n", "CPU", "samples", "min", "p50", "p90", "p99",
		   "p99.9", "p99.99", "max µs");
	for (int i = 0; i < n; i++) {
		const struct lat_cpu *c = &cs[i];
		buf_printf(out, "%4d %10" PRIu64 " %7" PRIu64, c->cpu, c->h->n, c->h->n ? c->h->min_ns / 1000 : 0);
		for (size_t q = 0; q < LAT_NQ; q++)
			buf_printf(out, " %7" PRIu64, c->q[q]);
		buf_printf(out, " %7" PRIu64 "\n", c->h->max_ns / 1000);
	}
	for (int i = 0; i < n; i++)
		if (cs[i].h->overflow)
			buf_printf(out, "CPU%d: %" PRIu64 " wake-up(s) over %d µs (beyond the histogram)\n", cs[i].cpu,
				   cs[i].h->overflow, HIST_BUCKETS);
	if (ri->method == PA_NONE)
		return;
	buf_printf(out, "\nSpikes (wake-ups above %s), attributed from %s%s%s:\n",
		   ri->has_spike ? "--spike" : "each CPU's p99",
		   ri->method == PA_TRACE ? "irq/softirq/vector tracepoints" : "interrupt counts (coarse)",
		   ri->recorder ? ", recorded through " : "", ri->recorder ? ri->recorder : "");
	for (int i = 0; i < n; i++)
		text_attrib_line(out, &cs[i], ri->method, period_ms);
	if (ri->method == PA_COUNTS)
		buf_printf(out,
			   "Coarse: a source is tied to the %" PRIu64 " ms interval around a spike,\n"
			   "not to the spike itself; LOC is left out (the probe's own timer raises it).\n",
			   period_ms);
	bool low = false;
	for (int i = 0; i < n; i++)
		low |= low_coverage(&cs[i]);
	if (low && ri->st.lost)
		buf_puts(out, "Incomplete: the recorder saw only part of the interrupts /proc counted (events\n"
			      "were lost, below); a window with no recorded interrupt may still have had one.\n");
	else if (low)
		buf_puts(out, "Incomplete: the kernel wrote no tracepoint sample for some of the interrupts /proc\n"
			      "counted (on some kernels none for those that arrive while the CPU is idle, with\n"
			      "no lost record); a window with no recorded interrupt may still have had one.\n");
	if (ri->st.lost || ri->st.dropped)
		buf_printf(out,
			   "Incomplete: %" PRIu64 " events lost by the kernel, %" PRIu64 " not kept (buffers full).\n",
			   ri->st.lost, ri->st.dropped);
}

/* ---- JSON ---- */

static const struct latency_saved *find_saved(const struct latency_saved *v, size_t n, int cpu)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].cpu == cpu)
			return &v[i];
	return NULL;
}

static void json_cmp(struct json *j, const char *key, bool has, uint64_t before, uint64_t after)
{
	json_obj_begin(j, key);
	if (has)
		json_uint(j, "before", before);
	else
		json_null(j, "before");
	json_uint(j, "after", after);
	if (has && before)
		json_double(j, "change", ((double)after - (double)before) / (double)before, 3);
	else
		json_null(j, "change");
	json_obj_end(j);
}

static void render_compare_json(struct json *j, const char *path, const struct latency_saved *v, size_t nv,
				const struct lat_cpu *cs, int n)
{
	json_obj_begin(j, "compare");
	json_str(j, "before", path);
	json_arr_begin(j, "cpus");
	for (int i = 0; i < n; i++) {
		const struct lat_cpu *c = &cs[i];
		const struct latency_saved *s = find_saved(v, nv, c->cpu);
		json_obj_begin(j, NULL);
		json_int(j, "cpu", c->cpu);
		json_cmp(j, "p99_us", s && s->has_p99, s ? s->p99_us : 0, c->q[2]);
		json_cmp(j, "p99_9_us", s && s->has_p99_9, s ? s->p99_9_us : 0, c->q[3]);
		json_cmp(j, "max_us", s && s->has_max, s ? s->max_us : 0, c->h->max_ns / 1000);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

/*
 * The histogram in log-spaced buckets, ten a decade (lower edges floor(10^(k/10)) µs:
 * 0, 1, 2, 3, 5, 6, 7, 10, 12, 15, 19, 25, ...), only the non-empty ones, as
 * [from_us, to_us (exclusive), count]. A report can draw the shape of the distribution
 * from it (docs/report.md) while a 512-CPU file stays small: at most 44 triples a CPU,
 * each on one line. The overflow bucket is the CPU's "overflow" key.
 */
static void json_hist_log(struct json *j, const struct hist *h)
{
	bool pretty = j->pretty;
	uint64_t lo = 0, hi = 1;
	int k = 0;

	json_arr_begin(j, "histogram");
	/* one line of triples, not one number a line */
	j->pretty = false;
	while (lo < HIST_BUCKETS) {
		uint64_t n = 0;
		for (uint64_t us = lo; us < hi && us < HIST_BUCKETS; us++)
			n += h->count[us];
		if (n) {
			json_arr_begin(j, NULL);
			json_uint(j, NULL, lo);
			json_uint(j, NULL, hi < HIST_BUCKETS ? hi : HIST_BUCKETS);
			json_uint(j, NULL, n);
			json_arr_end(j);
		}
		lo = hi;
		while (hi <= lo)
			hi = (uint64_t)floor(pow(10.0, ++k / 10.0));
	}
	j->pretty = pretty;
	json_arr_end(j);
}

void render_latency_json(struct buf *out, const struct lat_run *ri, const struct lat_cpu *cs, int n, uint64_t period_ms,
			 const char *attrib_reason, const struct latency_saved *before, size_t nbefore)
{
	struct json j;
	const struct probe *p = ri->p;
	json_init(&j, out, true);
	json_obj_begin(&j, NULL);
	json_str(&j, "schema", SCHEMA);
	json_int(&j, "version", SCHEMA_VERSION);
	json_uint(&j, "interval_us", ri->interval_us);
	json_uint(&j, "duration_ms", ri->duration_ns / 1000000);
	json_double(&j, "elapsed_s", ri->elapsed_s, 3);
	json_bool(&j, "interrupted", ri->interrupted);
	json_obj_begin(&j, "sched");
	json_str(&j, "policy", ri->nfifo == p->ncpu ? "SCHED_FIFO" : "SCHED_OTHER");
	json_int(&j, "priority", ri->nfifo == p->ncpu ? ri->priority : 0);
	json_int(&j, "requested_priority", ri->priority);
	if (ri->sched_err > 0)
		json_str(&j, "error", strerror(ri->sched_err));
	json_str(&j, "note", latency_sched_note(ri));
	json_obj_end(&j);
	json_bool(&j, "memory_locked", p->mlock_err == 0);
	json_obj_begin(&j, "attribution");
	json_str(&j, "method", probe_attr_method_name(ri->method));
	json_str(&j, "recorder", ri->recorder);
	json_str(&j, "note", attrib_note(ri));
	json_str(&j, "tracepoints_unavailable", ri->method == PA_TRACE ? NULL : attrib_reason);
	json_str(&j, "spike_threshold", ri->has_spike ? "spike option" : "p99");
	if (ri->method == PA_COUNTS)
		json_uint(&j, "interval_ms", period_ms);
	json_uint(&j, "events", ri->st.events);
	json_uint(&j, "lost", ri->st.lost);
	json_uint(&j, "not_kept", ri->st.dropped);
	json_obj_end(&j);
	json_arr_begin(&j, "cpus");
	for (int i = 0; i < n; i++) {
		const struct lat_cpu *c = &cs[i];
		json_obj_begin(&j, NULL);
		json_int(&j, "cpu", c->cpu);
		json_uint(&j, "samples", c->h->n);
		json_uint(&j, "min_us", c->h->n ? c->h->min_ns / 1000 : 0);
		json_double(&j, "avg_us", c->h->n ? (double)c->h->sum_ns / 1000.0 / (double)c->h->n : 0, 2);
		for (size_t q = 0; q < LAT_NQ; q++)
			json_uint(&j, lat_quantiles[q].key, c->q[q]);
		json_uint(&j, "max_us", c->h->max_ns / 1000);
		json_uint(&j, "max_ns", c->h->max_ns);
		json_uint(&j, "overflow", c->h->overflow);
		json_uint(&j, "overruns", p->cpu[i].overruns);
		json_bool(&j, "fifo", p->cpu[i].sched_err == 0);
		if (ri->method != PA_NONE) {
			json_obj_begin(&j, "spikes");
			json_uint(&j, "threshold_us", c->thr_us);
			json_uint(&j, "count", c->spikes);
			json_uint(&j, "examined", c->res.spikes);
			json_uint(&j, "with_interrupt", c->res.explained);
			if (ri->method == PA_TRACE) {
				json_double(&j, "handler_time_share",
					    c->res.window_ns ? (double)c->res.covered_ns / (double)c->res.window_ns : 0,
					    3);
				if (c->coverage >= 0)
					json_double(&j, "coverage", c->coverage, 3);
				else
					json_null(&j, "coverage");
			}
			json_arr_begin(&j, "causes");
			for (uint32_t k = 0; c->attrib_rc == 0 && k < c->res.ncauses && k < 10; k++) {
				const struct attrib_cause *x = &c->causes[k];
				const struct attrib_src *s = &c->srcs->v[x->src];
				json_obj_begin(&j, NULL);
				json_str(&j, "kind", attrib_kind_name(s->kind));
				if (s->kind != AK_ROW)
					json_int(&j, "id", s->id);
				json_str(&j, "name", s->name);
				json_uint(&j, "spikes", x->spikes);
				json_double(&j, "share", c->res.spikes ? (double)x->spikes / (double)c->res.spikes : 0,
					    3);
				if (ri->method == PA_TRACE) {
					json_double(&j, "mean_overlap_us", x->overlap_ns / 1000.0 / (double)x->spikes,
						    1);
					json_double(&j, "max_overlap_us", x->max_overlap_ns / 1000.0, 1);
				} else {
					json_double(&j, "rate_in_spike_intervals", x->rate_spike, 1);
					json_double(&j, "rate_overall", x->rate_all, 1);
				}
				json_obj_end(&j);
			}
			json_arr_end(&j);
			json_obj_end(&j);
		}
		json_hist_log(&j, c->h);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	if (before)
		render_compare_json(&j, ri->compare, before, nbefore, cs, n);
	json_obj_end(&j);
	json_end(&j);
}

/* ---- --compare ---- */

static void cmp_cell(struct buf *out, bool has, uint64_t before, uint64_t after)
{
	if (!has) {
		buf_printf(out, " %7s %7" PRIu64 " %7s", "-", after, "");
		return;
	}
	char ch[16];
	if (before == 0)
		snprintf(ch, sizeof(ch), after ? "new" : "0%%");
	else
		snprintf(ch, sizeof(ch), "%+.0f%%", ((double)after - (double)before) * 100.0 / (double)before);
	buf_printf(out, " %7" PRIu64 " %7" PRIu64 " %7s", before, after, ch);
}

void render_latency_compare_text(struct buf *out, const char *path, const struct latency_saved *v, size_t nv,
				 const struct lat_cpu *cs, int n)
{
	buf_printf(out, "\nBefore (%s) and after (this run), µs:\n", path);
	buf_printf(out, "%4s %s %s %s\n", "", "--------- p99 ---------", "-------- p99.9 --------",
		   "--------- max ---------");
	buf_printf(out, "%4s", "CPU");
	for (int k = 0; k < 3; k++)
		buf_printf(out, " %7s %7s %7s", "before", "after", "change");
	buf_putc(out, '\n');
	for (int i = 0; i < n; i++) {
		const struct lat_cpu *c = &cs[i];
		const struct latency_saved *s = find_saved(v, nv, c->cpu);
		buf_printf(out, "%4d", c->cpu);
		cmp_cell(out, s && s->has_p99, s ? s->p99_us : 0, c->q[2]);
		cmp_cell(out, s && s->has_p99_9, s ? s->p99_9_us : 0, c->q[3]);
		cmp_cell(out, s && s->has_max, s ? s->max_us : 0, c->h->max_ns / 1000);
		buf_putc(out, '\n');
	}
	for (size_t i = 0; i < nv; i++) {
		bool found = false;
		for (int k = 0; k < n; k++)
			found |= cs[k].cpu == v[i].cpu;
		if (!found)
			buf_printf(out, "CPU%d was measured before but not in this run.\n", v[i].cpu);
	}
}

/* ---- histogram file ---- */

void render_latency_histogram(FILE *f, const struct lat_cpu *cs, int n)
{
	size_t last = 0;
	for (int i = 0; i < n; i++)
		for (size_t b = 0; b < HIST_BUCKETS; b++)
			if (cs[i].h->count[b] && b > last)
				last = b;
	fprintf(f, "# irqsight latency histogram: wake-ups per 1 us bucket (gnuplot: plot 'FILE' u 1:2 w steps)\n");
	fprintf(f, "# latency_us");
	for (int i = 0; i < n; i++)
		fprintf(f, " cpu%d", cs[i].cpu);
	fputc('\n', f);
	for (size_t b = 0; b <= last; b++) {
		fprintf(f, "%zu", b);
		for (int i = 0; i < n; i++)
			fprintf(f, " %" PRIu64, cs[i].h->count[b]);
		fputc('\n', f);
	}
	fprintf(f, "# overflow_over_%d_us", HIST_BUCKETS - 1);
	for (int i = 0; i < n; i++)
		fprintf(f, " %" PRIu64, cs[i].h->overflow);
	fprintf(f, "\n# max_us");
	for (int i = 0; i < n; i++)
		fprintf(f, " %" PRIu64, cs[i].h->max_ns / 1000);
	fputc('\n', f);
}

/*
 * irqsight latency: wake-up latency per CPU (the cyclictest method), with the
 * interrupts behind each spike (tracepoints, or /proc count deltas without them),
 * --save / --compare for before/after a fix. docs/latency.md documents the output.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "opt/json-c/latency_load.h"
#include "sample/attrib.h"
#include "sample/hist.h"
#include "sample/probe.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"
#include "util/json.h"
#include "util/progress.h"
#include "util/str.h"

/* src/opt/json-c/latency_load.c is linked only where json-c is (not in `make static`),
 * and registers itself. */
static latency_loader latency_load;

void latency_register_loader(latency_loader load)
{
	latency_load = load;
}

#define SCHEMA "irqsight-latency"
#define SCHEMA_VERSION 1

static const struct {
	const char *label, *key;
	unsigned q;
} quantiles[] = {
	{ "p50", "p50_us", 5000 },	{ "p90", "p90_us", 9000 },     { "p99", "p99_us", 9900 },
	{ "p99.9", "p99_9_us", 9990 }, { "p99.99", "p99_99_us", 9999 },
};
#define NQ ARRAY_SIZE(quantiles)

struct lat_opts {
	const char *cpus, *histogram, *save, *compare;
	uint64_t interval_us, duration_ns, spike_us;
	bool has_spike, json, no_attrib, coarse;
	int priority;
	enum probe_attr_rec recorder;	/* --recorder */
};

struct lat_cpu {
	int cpu;
	const struct hist *h;
	uint64_t q[NQ];
	uint64_t thr_us, spikes;	/* wake-ups above thr_us, from the histogram */
	int attrib_rc;
	double coverage;	/* precise: share of /proc's interrupts the recorder saw; -1 unknown */
	struct attrib_result res;
	const struct attrib_cause *causes;
	const struct attrib_srcs *srcs;
};

static struct probe *volatile g_probe;
static volatile sig_atomic_t g_signal;

static void on_signal(int sig)
{
	g_signal = sig;
	if (g_probe)
		probe_stop(g_probe);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: irqsight latency [OPTIONS]\n\n"
		"Measures timer wake-up latency on each CPU (like cyclictest) and names the\n"
		"interrupts that ran during the slow wake-ups.\n\n"
		"  -c, --cpus LIST       CPUs to probe (default: all online), e.g. 0-3,8\n"
		"  -i, --interval US     wake-up interval in µs (default 1000)\n"
		"  -d, --duration TIME   how long: 10s (default), 500ms, 2m, 1h\n"
		"  -p, --priority N      SCHED_FIFO priority 1-99 (default 95; 0 = do not ask)\n"
		"  -s, --spike US        spike threshold in µs (default: each CPU's p99)\n"
		"      --histogram FILE  write the histogram (µs, one column per CPU)\n"
		"      --save FILE       write the results as JSON for a later --compare\n"
		"      --compare FILE    show before (FILE) / after (this run) per CPU\n"
		"      --no-attrib       measure only: no tracepoints, no /proc readings\n"
		"      --coarse          attribute from /proc count deltas even when tracepoints work\n"
		"      --recorder R      how tracepoints are recorded: ftrace (a private tracefs\n"
		"                        instance, cheapest), perf (perf_event_open), auto\n"
		"                        (default: ftrace where this kernel and build allow, else perf)\n"
		"  -j, --json            JSON output (docs/latency.md)\n"
		"  -h, --help            this help\n\n"
		"Ctrl-C stops early and reports what was measured.\n");
}

/* "10s", "500ms", "2m", "1h", "250us"; a bare number is seconds. */
static int parse_duration(const char *s, uint64_t *ns)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v <= 0)
		return -EINVAL;
	double mul;
	if (!*end || !strcmp(end, "s"))
		mul = 1e9;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "m"))
		mul = 60e9;
	else if (!strcmp(end, "h"))
		mul = 3600e9;
	else if (!strcmp(end, "d"))
		mul = 86400e9;
	else
		return -EINVAL;
	if (v * mul > 366 * 86400e9)
		return -ERANGE;
	*ns = (uint64_t)(v * mul);
	return *ns ? 0 : -EINVAL;
}

static bool parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	return str_u64(s, 10, v) && *v >= lo && *v <= hi;
}

/* The CPUs to probe: --cpus checked against what exists and is online. */
static int select_cpus(const struct source *src, const char *want, struct arena *a, int **out, int *n)
{
	struct buf b = { 0 };
	struct cpuset online, possible, sel;
	int rc = src_read(src, "sys/devices/system/cpu/online", &b, 0);
	if (rc == 0)
		rc = cpuset_parse_list(&online, a, b.data, b.len);
	if (rc < 0) {
		buf_free(&b);
		return err("cannot read 'sys/devices/system/cpu/online': %s", strerror(-rc));
	}
	buf_reset(&b);
	if (src_read(src, "sys/devices/system/cpu/possible", &b, 0) < 0 ||
	    cpuset_parse_list(&possible, a, b.data, b.len) < 0)
		cpuset_copy(&possible, a, &online);
	if (!want) {
		sel = online;
	} else {
		rc = cpuset_parse_list(&sel, a, want, strlen(want));
		if (rc < 0 || cpuset_empty(&sel)) {
			buf_free(&b);
			return err("--cpus: '%s' is not a CPU list (e.g. 0-3,8)", want);
		}
	}
	buf_reset(&b);
	cpuset_format_list(&online, &b);
	for (int c = cpuset_next(&sel, 0); c >= 0; c = cpuset_next(&sel, c + 1)) {
		if (cpuset_test(&online, c))
			continue;
		if (cpuset_test(&possible, c))
			err("--cpus: CPU %d is offline (online CPUs: %s)", c, b.data);
		else
			err("--cpus: CPU %d does not exist (online CPUs: %s)", c, b.data);
		buf_free(&b);
		return EXIT_UNKNOWN;
	}
	buf_free(&b);
	*n = cpuset_count(&sel);
	*out = arena_calloc(a, (size_t)*n, sizeof(int));
	int k = 0;
	for (int c = cpuset_next(&sel, 0); c >= 0; c = cpuset_next(&sel, c + 1))
		(*out)[k++] = c;
	return 0;
}

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

struct run_info {
	const struct probe *p;
	const struct lat_opts *o;
	int nfifo;
	int sched_err;		/* first SCHED_FIFO error */
	enum probe_attr_method method;
	const char *recorder;	/* tracepoints: "ftrace" or "perf" */
	char attrib_why[256];
	struct probe_attr_stats st;
	bool interrupted;
	double elapsed_s;
};

static const char *sched_note(const struct run_info *ri)
{
	if (ri->o->priority == 0)
		return "SCHED_OTHER as asked (--priority 0): latencies include waiting behind other tasks";
	if (ri->nfifo == ri->p->ncpu)
		return NULL;
	return "SCHED_FIFO was refused: the probe ran as SCHED_OTHER, so its latencies include "
	       "waiting behind other tasks and are not comparable with real-time numbers (run as "
	       "root or with CAP_SYS_NICE / an RLIMIT_RTPRIO limit)";
}

static const char *attrib_note(const struct run_info *ri)
{
	switch (ri->method) {
	case PA_TRACE:
		return "irq, softirq and irq_vectors tracepoints: each spike's window is matched to "
		       "the handlers that ran in it";
	case PA_COUNTS:
		return "coarse: /proc/interrupts and /proc/softirqs count deltas per sampling interval; "
		       "a source is listed when it fired in the interval holding a spike, not "
		       "necessarily during it";
	case PA_NONE:
		break;
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

static void text_attrib_line(struct buf *out, const struct lat_cpu *c, enum probe_attr_method m,
			     uint64_t period_ms)
{
	char piece[256], lab[96];
	size_t start = out->len, col;
	buf_printf(out, "CPU%d: %" PRIu64 " spike%s > %" PRIu64 " µs", c->cpu, c->spikes,
		   c->spikes == 1 ? "" : "s", c->thr_us);
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
			snprintf(piece, sizeof(piece), "%u%% %s%s (mean %.0f µs)", pct, i ? "" : "overlapped ",
				 lab, k->overlap_ns / 1000.0 / (double)k->spikes);
		else
			snprintf(piece, sizeof(piece), "%u%% %s%s (%.0f/s)", pct,
				 i ? "" : "in intervals with ", lab, k->rate_spike);
		wrap_put(out, &col, i ? "," : ";", piece);
	}
	uint64_t none = c->res.spikes - c->res.explained;
	if (none) {
		unsigned pct = pct_of(none, c->res.spikes);
		if (m == PA_TRACE)
			snprintf(piece, sizeof(piece), "%u%% with no %sinterrupt in the window", pct,
				 low_coverage(c) ? "recorded " : "");
		else
			snprintf(piece, sizeof(piece), "%u%% in %" PRIu64 " ms intervals with no interrupt",
				 pct, period_ms);
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

static void render_text(struct buf *out, const struct run_info *ri, const struct lat_cpu *cs, int n,
			uint64_t period_ms)
{
	const struct probe *p = ri->p;
	struct buf l = { 0 };
	fmt_list(p->o.cpus, p->ncpu, &l);
	buf_printf(out, "Wake-up latency on CPU%s %s: %" PRIu64 " µs interval, %.1f s%s, ",
		   p->ncpu > 1 ? "s" : "", l.data, ri->o->interval_us, ri->elapsed_s,
		   ri->interrupted ? " (interrupted)" : "");
	if (ri->nfifo == p->ncpu)
		buf_printf(out, "SCHED_FIFO %d\n", ri->o->priority);
	else
		buf_puts(out, "SCHED_OTHER\n");
	buf_free(&l);
	buf_printf(out, "\n%4s %10s %7s %7s %7s %7s %7s %7s %8s\n", "CPU", "samples", "min", "p50", "p90",
		   "p99", "p99.9", "p99.99", "max µs");
	for (int i = 0; i < n; i++) {
		const struct lat_cpu *c = &cs[i];
		buf_printf(out, "%4d %10" PRIu64 " %7" PRIu64, c->cpu, c->h->n, c->h->n ? c->h->min_ns / 1000 : 0);
		for (size_t q = 0; q < NQ; q++)
			buf_printf(out, " %7" PRIu64, c->q[q]);
		buf_printf(out, " %7" PRIu64 "\n", c->h->max_ns / 1000);
	}
	for (int i = 0; i < n; i++)
		if (cs[i].h->overflow)
			buf_printf(out, "CPU%d: %" PRIu64 " wake-up(s) over %d µs (beyond the histogram)\n",
				   cs[i].cpu, cs[i].h->overflow, HIST_BUCKETS);
	if (ri->method == PA_NONE)
		return;
	buf_printf(out, "\nSpikes (wake-ups above %s), attributed from %s%s%s:\n",
		   ri->o->has_spike ? "--spike" : "each CPU's p99",
		   ri->method == PA_TRACE ? "irq/softirq/vector tracepoints"
					  : "interrupt counts (coarse)",
		   ri->recorder ? ", recorded through " : "", ri->recorder ? ri->recorder : "");
	for (int i = 0; i < n; i++)
		text_attrib_line(out, &cs[i], ri->method, period_ms);
	if (ri->method == PA_COUNTS)
		buf_printf(out, "Coarse: a source is tied to the %" PRIu64 " ms interval around a spike,\n"
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
		buf_printf(out, "Incomplete: %" PRIu64 " events lost by the kernel, %" PRIu64
			   " not kept (buffers full).\n", ri->st.lost, ri->st.dropped);
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

static void render_compare_json(struct json *j, const char *path, const struct latency_saved *v,
				size_t nv, const struct lat_cpu *cs, int n)
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

static void render_json(struct buf *out, const struct run_info *ri, const struct lat_cpu *cs, int n,
			uint64_t period_ms, const char *attrib_reason, const struct latency_saved *before,
			size_t nbefore)
{
	struct json j;
	const struct probe *p = ri->p;
	json_init(&j, out, true);
	json_obj_begin(&j, NULL);
	json_str(&j, "schema", SCHEMA);
	json_int(&j, "version", SCHEMA_VERSION);
	json_uint(&j, "interval_us", ri->o->interval_us);
	json_uint(&j, "duration_ms", ri->o->duration_ns / 1000000);
	json_double(&j, "elapsed_s", ri->elapsed_s, 3);
	json_bool(&j, "interrupted", ri->interrupted);
	json_obj_begin(&j, "sched");
	json_str(&j, "policy", ri->nfifo == p->ncpu ? "SCHED_FIFO" : "SCHED_OTHER");
	json_int(&j, "priority", ri->nfifo == p->ncpu ? ri->o->priority : 0);
	json_int(&j, "requested_priority", ri->o->priority);
	if (ri->sched_err > 0)
		json_str(&j, "error", strerror(ri->sched_err));
	json_str(&j, "note", sched_note(ri));
	json_obj_end(&j);
	json_bool(&j, "memory_locked", p->mlock_err == 0);
	json_obj_begin(&j, "attribution");
	json_str(&j, "method", probe_attr_method_name(ri->method));
	json_str(&j, "recorder", ri->recorder);
	json_str(&j, "note", attrib_note(ri));
	json_str(&j, "tracepoints_unavailable", ri->method == PA_TRACE ? NULL : attrib_reason);
	json_str(&j, "spike_threshold", ri->o->has_spike ? "spike option" : "p99");
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
		for (size_t q = 0; q < NQ; q++)
			json_uint(&j, quantiles[q].key, c->q[q]);
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
					    c->res.window_ns ? (double)c->res.covered_ns / (double)c->res.window_ns : 0, 3);
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
				json_double(&j, "share", c->res.spikes ? (double)x->spikes / (double)c->res.spikes : 0, 3);
				if (ri->method == PA_TRACE) {
					json_double(&j, "mean_overlap_us", x->overlap_ns / 1000.0 / (double)x->spikes, 1);
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
		render_compare_json(&j, ri->o->compare, before, nbefore, cs, n);
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

static void render_compare_text(struct buf *out, const char *path, const struct latency_saved *v,
				size_t nv, const struct lat_cpu *cs, int n)
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

static int write_histogram(const char *path, const struct lat_cpu *cs, int n)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
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
	int rc = ferror(f) ? -EIO : 0;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

static int write_file(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	size_t w = fwrite(b->data, 1, b->len, f);
	int rc = w != b->len || ferror(f) ? -EIO : 0;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

static int parse_args(int argc, char **argv, const struct global_opts *g, struct lat_opts *o)
{
	enum { O_HIST = 256, O_SAVE, O_CMP, O_NOATTR, O_COARSE, O_REC };
	static const struct option opts[] = {
		{ "cpus", required_argument, 0, 'c' },
		{ "interval", required_argument, 0, 'i' },
		{ "duration", required_argument, 0, 'd' },
		{ "priority", required_argument, 0, 'p' },
		{ "spike", required_argument, 0, 's' },
		{ "histogram", required_argument, 0, O_HIST },
		{ "save", required_argument, 0, O_SAVE },
		{ "compare", required_argument, 0, O_CMP },
		{ "no-attrib", no_argument, 0, O_NOATTR },
		{ "coarse", no_argument, 0, O_COARSE },
		{ "recorder", required_argument, 0, O_REC },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	*o = (struct lat_opts){ .interval_us = 1000, .duration_ns = 10000000000ull, .priority = 95,
				.json = g->json, .recorder = PA_REC_AUTO };
	int c;
	uint64_t v;
	while ((c = getopt_long(argc, argv, "c:i:d:p:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o->cpus = optarg; break;
		case 'i':
			if (!parse_uint(optarg, 10, 10000000, &o->interval_us))
				return err("--interval takes µs from 10 to 10000000, not '%s'", optarg);
			break;
		case 'd':
			if (parse_duration(optarg, &o->duration_ns) < 0)
				return err("--duration takes a time like 10s, 500ms, 2m or 1h, not '%s'", optarg);
			break;
		case 'p':
			if (!parse_uint(optarg, 0, 99, &v))
				return err("--priority takes 0-99, not '%s'", optarg);
			o->priority = (int)v;
			break;
		case 's':
			if (!parse_uint(optarg, 0, 100000000, &o->spike_us))
				return err("--spike takes µs, not '%s'", optarg);
			o->has_spike = true;
			break;
		case O_HIST: o->histogram = optarg; break;
		case O_SAVE: o->save = optarg; break;
		case O_CMP: o->compare = optarg; break;
		case O_NOATTR: o->no_attrib = true; break;
		case O_COARSE: o->coarse = true; break;
		case O_REC:
			if (!strcmp(optarg, "auto"))
				o->recorder = PA_REC_AUTO;
			else if (!strcmp(optarg, "ftrace"))
				o->recorder = PA_REC_FTRACE;
			else if (!strcmp(optarg, "perf"))
				o->recorder = PA_REC_PERF;
			else
				return err("--recorder takes ftrace, perf or auto, not '%s'", optarg);
			break;
		case 'j': o->json = true; break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return EXIT_UNKNOWN;
		}
	}
	if (optind < argc)
		return err("latency: unexpected argument '%s'", argv[optind]);
	if (o->duration_ns < o->interval_us * 1000)
		return err("--duration is shorter than one --interval");
	return 0;
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

int cmd_latency(int argc, char **argv, const struct global_opts *g)
{
	return latency_run(argc, argv, g, NULL);
}

int latency_run(int argc, char **argv, const struct global_opts *g, struct latency_capture *cap)
{
	struct lat_opts o;
	int rc = parse_args(argc, argv, g, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (g->root_given)
		return err("latency measures this host: --root does not apply");

	/* Read the before-file first: a bad path should not cost a 10 s run. */
	struct latency_saved *before = NULL;
	size_t nbefore = 0;
	if (o.compare) {
		char why[512];
		if (!latency_load)
			return err("--compare is not available in this build (it needs json-c; "
				   "the static binary leaves it out)");
		rc = latency_load(o.compare, &before, &nbefore, why, sizeof(why));
		if (rc < 0)
			return err("%s", why);
	}

	struct source src;
	rc = src_open(&src, "/");
	if (rc < 0)
		return err("cannot open '/': %s", strerror(-rc));
	struct arena ar = { 0 };
	int *cpus = NULL, ncpus = 0;
	int ret = select_cpus(&src, o.cpus, &ar, &cpus, &ncpus);
	if (ret) {
		src_close(&src);
		arena_free(&ar);
		free(before);
		return ret;
	}

	/* off the probed CPUs before the set-up: allocating, mlockall (which faults in every
	 * mapped page of the binary and its libraries) and the recorder's set-up would
	 * otherwise run on a CPU being measured, by this probe or by another tool beside it */
	move_off_probed(cpus, ncpus);
	struct probe p;
	struct probe_opts po = {
		.cpus = cpus, .ncpus = ncpus, .interval_ns = o.interval_us * 1000,
		.duration_ns = o.duration_ns, .priority = o.priority,
		.record_above_ns = o.has_spike ? (o.spike_us + 1) * 1000 : 0,
	};
	struct run_info ri = { .p = &p, .o = &o };
	struct probe_attr *pa = NULL;
	char why[256] = "";
	ret = EXIT_UNKNOWN;
	rc = probe_init(&p, &po);
	if (rc < 0) {
		err("cannot set up the probe: %s", strerror(-rc));
		goto out;
	}
	if (!o.no_attrib) {
		rc = probe_attr_open(&pa, &p, &src, o.coarse ? PA_REC_NONE : o.recorder, why, sizeof(why));
		if (rc < 0) {
			warn("no spike attribution: cannot read interrupt counts: %s", strerror(-rc));
			probe_attr_close(pa);
			pa = NULL;
		} else if (probe_attr_method(pa) == PA_COUNTS && !o.coarse) {
			warn("%s; attributing spikes from /proc/interrupts and /proc/softirqs count deltas "
			     "instead (coarser: per %" PRIu64 " ms interval, not per spike)",
			     why, probe_attr_period_ns(pa) / 1000000);
		}
	}
	ri.method = probe_attr_method(pa);
	ri.recorder = probe_attr_recorder(pa);

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	struct sigaction old_int, old_term, old_hup;
	g_probe = &p;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);

	if (pa && (rc = probe_attr_start(pa)) < 0) {
		warn("cannot start attribution: %s", strerror(-rc));
		probe_attr_close(pa);
		pa = NULL;
		ri.method = PA_NONE;
	}
	if (isatty(STDERR_FILENO) && !cap)	/* fix says what it measures itself */
		fprintf(stderr, "irqsight: measuring %d CPU%s for %.1f s (Ctrl-C stops early)...\n", ncpus,
			ncpus > 1 ? "s" : "", (double)o.duration_ns / 1e9);
	rc = probe_start(&p);
	if (rc < 0) {
		for (int i = 0; i < ncpus; i++)
			if (p.cpu[i].affinity_err)
				err("cannot pin the probe thread to CPU %d: %s", cpus[i],
				    strerror(p.cpu[i].affinity_err));
		if (!p.cpu[0].affinity_err)
			err("cannot start the probe threads: %s", strerror(-rc));
		probe_join(&p);
		goto restore;
	}
	uint64_t period = pa ? probe_attr_period_ns(pa) : 100000000u;
	uint64_t next = probe_now_ns() + period;
	/* drawn from this loop, which wakes every period anyway: no extra thread beside the probes */
	struct progress prog;
	progress_init(&prog, "latency", (double)o.duration_ns / 1e9, o.json);
	while (probe_running(&p)) {
		progress_tick(&prog);
		struct timespec ts = { .tv_sec = (time_t)(next / 1000000000u), .tv_nsec = (long)(next % 1000000000u) };
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			continue;
		if (pa && (rc = probe_attr_poll(pa)) < 0)
			warn("attribution: %s", strerror(-rc));
		next += period;
	}
	progress_end(&prog);
	probe_join(&p);
	if (pa) {
		rc = probe_attr_finish(pa);
		if (rc < 0)
			warn("attribution: %s", strerror(-rc));
		probe_attr_stats(pa, &ri.st);
	}
	ri.interrupted = g_signal != 0;
	ri.elapsed_s = p.end_ns > p.start_ns ? (double)(p.end_ns - p.start_ns) / 1e9 : 0;
	ri.nfifo = probe_fifo_count(&p);
	for (int i = 0; i < ncpus; i++)
		if (p.cpu[i].sched_err > 0 && !ri.sched_err)
			ri.sched_err = p.cpu[i].sched_err;
	if (o.priority > 0 && ri.nfifo < ncpus)
		warn("cannot use SCHED_FIFO (%s): %s", strerror(ri.sched_err > 0 ? ri.sched_err : EPERM),
		     sched_note(&ri) + strlen("SCHED_FIFO was refused: "));
	if (p.mlock_err)
		warn("cannot lock memory (%s): page faults may add to the measured latency",
		     strerror(p.mlock_err));
	if (ri.interrupted)
		warn("stopped by signal %d after %.1f s: reporting what was measured", (int)g_signal,
		     ri.elapsed_s);

	struct lat_cpu *cs = calloc((size_t)ncpus, sizeof(*cs));
	if (!cs) {
		err("out of memory");
		goto restore;
	}
	for (int i = 0; i < ncpus; i++) {
		struct lat_cpu *c = &cs[i];
		c->cpu = cpus[i];
		c->h = p.cpu[i].hist;
		for (size_t q = 0; q < NQ; q++)
			c->q[q] = hist_quantile_us(c->h, quantiles[q].q);
		c->thr_us = o.has_spike ? o.spike_us : c->q[2];
		c->spikes = hist_count_above_us(c->h, c->thr_us);
		c->coverage = probe_attr_coverage(pa, i);
		if (pa)
			c->attrib_rc = probe_attr_result(pa, i, c->thr_us, &c->causes, &c->srcs, &c->res);
	}
	uint64_t period_ms = period / 1000000;
	if (cap) {
		/* fix: the probed CPUs' samples together, at 1 µs (the saved file has log buckets) */
		hist_init(&cap->merged);
		for (int i = 0; i < ncpus; i++)
			hist_merge(&cap->merged, cs[i].h);
		cap->elapsed_s = ri.elapsed_s;
		cap->fifo = ri.nfifo == ncpus;
		cap->interrupted = ri.interrupted;
		cap->method = probe_attr_method_name(ri.method);
	}
	struct buf out = { 0 };
	if (o.json || o.save) {
		render_json(&out, &ri, cs, ncpus, period_ms, ri.method == PA_TRACE ? NULL : why, before,
			    nbefore);
	}
	ret = EXIT_OK;
	if (o.save && (rc = write_file(o.save, &out)) < 0)
		ret = err("cannot write '%s': %s", o.save, strerror(-rc));
	if (o.histogram && (rc = write_histogram(o.histogram, cs, ncpus)) < 0)
		ret = err("cannot write '%s': %s", o.histogram, strerror(-rc));
	if (!o.json) {
		buf_reset(&out);
		render_text(&out, &ri, cs, ncpus, period_ms);
		if (before)
			render_compare_text(&out, o.compare, before, nbefore, cs, ncpus);
	}
	if (!cap || !cap->quiet)
		fwrite(out.data, 1, out.len, stdout);
	fflush(stdout);
	buf_free(&out);
	free(cs);
restore:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	g_probe = NULL;
out:
	probe_attr_close(pa);
	probe_free(&p);
	src_close(&src);
	arena_free(&ar);
	free(before);
	return ret;
}

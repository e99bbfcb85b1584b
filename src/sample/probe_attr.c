/*
 * The attribution collector of the latency probe (sample/probe.h): runs in the
 * caller's thread, never in a probe thread: it does I/O and allocates, which the
 * probe threads in probe.c never do.
 */
#include "sample/probe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse/interrupts.h"
#include "parse/softirqs.h"
#include "sample/reading.h"
#include "sample/trace.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/compat.h"
#include "util/cpuset.h"
#include "util/str.h"

#define PENDING_CAP 32768
#define KEPT_MIN 16384
#define KEPT_MAX 262144
#define NSRC_MAX 1024

struct pa_cpu {
	struct attrib_pairer pair;
	struct attrib_interval *pend, *kept;
	size_t npend, nkept, kept_cap;
	uint64_t dropped;
	uint64_t *prev;		/* coarse: last counts per source */
	uint32_t *delta;	/* coarse: [sample][source] */
	/* precise: irq_handler_entry + softirq_entry events recorded, and what /proc
	 * counted (device IRQs + softirqs) at the start and at the end */
	uint64_t seen, proc0, proc1;
	struct attrib_cause *causes;
	struct attrib_window *win;
};

struct probe_attr {
	enum probe_attr_method method;
	struct probe *p;
	const struct source *src;
	struct attrib_srcs srcs;
	struct attrib_src *src_store;
	struct pa_cpu *pc;
	int *index;		/* cpu id -> probe cpu index, -1 */
	int max_cpu;
	struct trace *tr;
	const char *recorder;	/* trace_recorder(tr), static */
	bool tr_enabled;
	uint64_t events, unmatched, dropped_src, lost;
	/* coarse */
	uint64_t period_ns;
	uint64_t *t;
	size_t nread, samp_cap;
	uint32_t nsrc_cap;
	bool have_prev;
	bool have_totals;	/* precise: proc_totals() read both ends */
	struct buf b;
	uint32_t *counts;
	int *col_ids;
	size_t counts_cap;
};

/*
 * Each probed CPU's ring is drained every TRACE_PERIOD_NS (probe_attr_poll), so it must
 * hold what that CPU records in that time: a busy disk or NIC queue gives ~50,000 IRQs
 * and as many softirqs a second, each an entry and an exit sample of ~64 bytes, 12.8 MB/s
 * or 256 KB a period. 1 MB per CPU (four periods of that) while up to 16 CPUs are
 * probed; the memory is locked, so less per CPU on many (512 KB to 64 CPUs, then 256 KB:
 * one period). Where the locked-memory allowance refuses that, the recorder's default
 * (64 pages). An overflow is not silent: the kernel's LOST records are counted.
 */
#define TRACE_PERIOD_NS 20000000u

static unsigned ring_pages(int ncpu)
{
	size_t want = ncpu <= 16 ? 1u << 20 : ncpu <= 64 ? 512u << 10 : 256u << 10;
	long ps = sysconf(_SC_PAGESIZE);
	unsigned n = 1;
	while ((size_t)n * (size_t)(ps > 0 ? ps : 4096) < want)
		n <<= 1;
	return n;	/* a power of two, as the recorder needs */
}

const char *probe_attr_method_name(enum probe_attr_method m)
{
	switch (m) {
	case PA_TRACE: return "tracepoints";
	case PA_COUNTS: return "counts";
	case PA_NONE: break;
	}
	return "none";
}

const char *probe_attr_recorder(const struct probe_attr *a)
{
	return a && a->method == PA_TRACE ? a->recorder : NULL;
}

enum probe_attr_method probe_attr_method(const struct probe_attr *a)
{
	return a ? a->method : PA_NONE;
}

uint64_t probe_attr_period_ns(const struct probe_attr *a)
{
	return a->method == PA_COUNTS ? a->period_ns : TRACE_PERIOD_NS;
}

static int cpu_index(const struct probe_attr *a, int cpu)
{
	return cpu >= 0 && cpu <= a->max_cpu ? a->index[cpu] : -1;
}

static int open_trace(struct probe_attr *a, enum probe_attr_rec rec, char *why, size_t whylen)
{
	struct arena ar = { 0 };
	struct cpuset set;
	cpuset_init(&set, &ar, a->max_cpu);
	for (int i = 0; i < a->p->ncpu; i++)
		cpuset_set(&set, a->p->cpu[i].cpu);
	/* timer_drain: probe_attr_poll() runs every period; nothing polls the rings, so a
	 * readable-data signal would only be an IRQ-work interrupt on a probed CPU. */
	struct trace_opts o = { .cpus = &set, .irq = true, .softirq = true, .vectors = true, .timer_drain = true,
				.ring_pages = ring_pages(a->p->ncpu), .ftrace = rec != PA_REC_PERF,
				.ftrace_only = rec == PA_REC_FTRACE };
	why[0] = '\0';
	int rc = trace_open(&a->tr, &o, why, whylen);
	if (rc == -EPERM && o.ring_pages > 1) {
		/* over the locked-memory allowance (perf_event_mlock_kb, without
		 * CAP_IPC_LOCK): the recorder's default ring fits it */
		o.ring_pages = 0;
		why[0] = '\0';
		rc = trace_open(&a->tr, &o, why, whylen);
	}
	arena_free(&ar);	/* the recorder does not keep o.cpus (it opens per CPU now) */
	if (rc == 0)
		a->recorder = trace_recorder(a->tr);
	if (rc < 0 && !why[0])
		snprintf(why, whylen, "cannot open tracepoints: %s", strerror(-rc));
	return rc;
}

int probe_attr_open(struct probe_attr **out, struct probe *p, const struct source *src,
		    enum probe_attr_rec rec, char *why, size_t whylen)
{
	struct probe_attr *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	*out = a;
	a->p = p;
	a->src = src;
	a->src_store = calloc(NSRC_MAX, sizeof(*a->src_store));
	a->pc = calloc((size_t)p->ncpu, sizeof(*a->pc));
	for (int i = 0; i < p->ncpu; i++)
		a->max_cpu = MAX(a->max_cpu, p->cpu[i].cpu);
	a->index = malloc(((size_t)a->max_cpu + 1) * sizeof(int));
	if (!a->src_store || !a->pc || !a->index)
		return -ENOMEM;
	attrib_srcs_init(&a->srcs, a->src_store, NSRC_MAX);
	for (int c = 0; c <= a->max_cpu; c++)
		a->index[c] = -1;
	for (int i = 0; i < p->ncpu; i++)
		a->index[p->cpu[i].cpu] = i;

	snprintf(why, whylen, "tracepoints not requested");
	if (rec != PA_REC_NONE && open_trace(a, rec, why, whylen) == 0) {
		a->method = PA_TRACE;
		for (int i = 0; i < p->ncpu; i++) {
			struct pa_cpu *pc = &a->pc[i];
			pc->kept_cap = MIN(MAX((size_t)KEPT_MIN, 4 * p->cpu[i].rec_cap), (size_t)KEPT_MAX);
			pc->pend = calloc(PENDING_CAP, sizeof(*pc->pend));
			pc->kept = calloc(pc->kept_cap, sizeof(*pc->kept));
			if (!pc->pend || !pc->kept)
				return -ENOMEM;
		}
		return 0;
	}

	/* Coarse: count deltas per sampling period. */
	a->method = PA_COUNTS;
	a->period_ns = MAX((uint64_t)50000000u, p->o.duration_ns / 4000);
	a->samp_cap = p->o.duration_ns / a->period_ns + 64;
	a->t = calloc(a->samp_cap, sizeof(*a->t));
	/* sources: every row now, the softirq vectors, and room for IRQs that appear */
	int rc = src_read(src, "proc/interrupts", &a->b, 0);
	if (rc < 0)
		return rc;
	uint32_t rows = 0;
	for (size_t i = 0; i < a->b.len; i++)
		rows += a->b.data[i] == '\n';
	a->nsrc_cap = MIN(rows + SOFTIRQ_NR + 64, (uint32_t)NSRC_MAX);
	if (!a->t)
		return -ENOMEM;
	for (int i = 0; i < p->ncpu; i++) {
		struct pa_cpu *pc = &a->pc[i];
		pc->prev = calloc(a->nsrc_cap, sizeof(*pc->prev));
		pc->delta = calloc(a->samp_cap * a->nsrc_cap, sizeof(*pc->delta));
		if (!pc->prev || !pc->delta)
			return -ENOMEM;
	}
	return 0;
}

/* ---- precise: decide pending intervals against published records ---- */

static bool overlaps_record(const struct probe_rec *r, size_t n, uint64_t s, uint64_t e)
{
	/* actual times only grow: the first record waking after s is the only candidate */
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].actual_ns > s)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < n && r[lo].intended_ns < e;
}

static void decide(struct probe_attr *a, int ci, bool final)
{
	struct pa_cpu *pc = &a->pc[ci];
	struct probe_cpu *c = &a->p->cpu[ci];
	uint64_t progress = final ? UINT64_MAX
				  : atomic_load_explicit(&c->progress_ns, memory_order_acquire);
	size_t n = atomic_load_explicit(&c->rec_n, memory_order_acquire);
	size_t w = 0;
	for (size_t i = 0; i < pc->npend; i++) {
		struct attrib_interval *iv = &pc->pend[i];
		if (iv->end_ns > progress) {
			pc->pend[w++] = *iv;	/* a window may still open under it */
			continue;
		}
		if (!overlaps_record(c->rec, n, iv->start_ns, iv->end_ns))
			continue;
		if (pc->nkept < pc->kept_cap)
			pc->kept[pc->nkept++] = *iv;
		else
			pc->dropped++;
	}
	pc->npend = w;
}

static void on_event(const struct trace_event *ev, void *ctx)
{
	struct probe_attr *a = ctx;
	int ci = cpu_index(a, ev->cpu);
	if (ci < 0)
		return;
	a->events++;
	struct pa_cpu *pc = &a->pc[ci];
	if (ev->kind == TR_IRQ_ENTRY || ev->kind == TR_SOFTIRQ_ENTRY)
		pc->seen++;
	struct attrib_interval iv;
	int r = attrib_pair(&pc->pair, &a->srcs, ev, &iv);
	if (r < 0)
		a->dropped_src++;
	if (r != 1)
		return;
	if (pc->npend == PENDING_CAP) {
		decide(a, ci, false);
		if (pc->npend == PENDING_CAP) {
			pc->dropped++;
			return;
		}
	}
	pc->pend[pc->npend++] = iv;
}

static int drain(struct probe_attr *a, bool final)
{
	long n = trace_drain(a->tr, on_event, a);
	for (int i = 0; i < a->p->ncpu; i++)
		decide(a, i, final);
	return n < 0 ? (int)n : 0;
}

/* ---- coarse: one reading of /proc/interrupts and /proc/softirqs ---- */

static void put_count(struct probe_attr *a, int ci, int s, uint64_t v)
{
	if (s < 0 || (uint32_t)s >= a->nsrc_cap) {
		a->dropped_src++;
		return;
	}
	struct pa_cpu *pc = &a->pc[ci];
	if (a->have_prev && a->nread - 1 < a->samp_cap) {
		uint64_t d = v >= pc->prev[s] ? v - pc->prev[s] : 0;
		pc->delta[(a->nread - 1) * a->nsrc_cap + (size_t)s] = (uint32_t)MIN(d, (uint64_t)UINT32_MAX);
	}
	pc->prev[s] = v;
}

static bool grow_counts(struct probe_attr *a, size_t n)
{
	free(a->counts);
	free(a->col_ids);
	a->counts = calloc(n, sizeof(*a->counts));
	a->col_ids = calloc(n, sizeof(*a->col_ids));
	a->counts_cap = a->counts && a->col_ids ? n : 0;
	return a->counts_cap;
}

static int read_interrupts(struct probe_attr *a)
{
	buf_reset(&a->b);	/* src_read appends */
	int rc = src_read(a->src, "proc/interrupts", &a->b, 0);
	if (rc < 0)
		return rc;
	struct slice all = { a->b.data, a->b.len }, line;
	int ncols = -1;
	while (slice_line(&all, &line)) {
		if (ncols < 0) {
			if (!pi_is_header(line))
				continue;
			int n = 0;
			pi_parse_header(line, NULL, 0, &n);
			if ((size_t)n > a->counts_cap && !grow_counts(a, (size_t)n))
				return -ENOMEM;
			pi_parse_header(line, a->col_ids, n, &ncols);
			continue;
		}
		struct pi_row row;
		if (pi_parse_row(line, ncols, a->counts, ncols, &row) < 0 || row.ncounts < ncols)
			continue;	/* ERR/MIS: one system-wide count */
		int s;
		if (row.is_numeric) {
			char name[ATTRIB_NAME] = "";
			struct slice acts = row.actions, one;
			size_t len = 0;
			while (pi_next_action(&acts, &one) && len + one.n + 3 < sizeof(name))
				len += (size_t)snprintf(name + len, sizeof(name) - len, "%s%.*s",
							len ? ", " : "", (int)one.n, one.p);
			s = attrib_src_get(&a->srcs, AK_IRQ, row.irq, name);
		} else {
			char name[16];
			snprintf(name, sizeof(name), "%.*s", (int)MIN(row.name.n, (size_t)15), row.name.p);
			/* the probe's own wake-ups raise LOC: it would top every CPU's list */
			if (!strcmp(name, "LOC"))
				continue;
			s = attrib_src_get(&a->srcs, AK_ROW, 0, name);
			if (s >= 0 && !a->srcs.v[s].desc[0])
				snprintf(a->srcs.v[s].desc, sizeof(a->srcs.v[s].desc), "%.*s",
					 (int)row.desc.n, row.desc.p);
		}
		for (int k = 0; k < ncols; k++) {
			int ci = cpu_index(a, a->col_ids[k]);
			if (ci >= 0)
				put_count(a, ci, s, a->counts[k]);
		}
	}
	return ncols < 0 ? -EINVAL : 0;
}

static int read_softirqs(struct probe_attr *a)
{
	buf_reset(&a->b);
	int rc = src_read(a->src, "proc/softirqs", &a->b, 0);
	if (rc < 0)
		return rc;
	struct arena ar = { 0 };
	struct softirqs si;
	rc = parse_softirqs(a->b.data, a->b.len, &ar, &si);
	for (int v = 0; rc == 0 && v < SOFTIRQ_NR; v++) {
		if (!si.counts[v])
			continue;
		int s = attrib_src_get(&a->srcs, AK_SOFTIRQ, v, NULL);
		for (int k = 0; k < si.ncpus; k++) {
			int ci = cpu_index(a, si.cpu_ids[k]);
			if (ci >= 0)
				put_count(a, ci, s, si.counts[v][k]);
		}
	}
	arena_free(&ar);
	return rc;
}

static int reading(struct probe_attr *a)
{
	if (a->nread >= a->samp_cap + 1)
		return 0;	/* a run longer than planned (cannot happen unless the clock jumps) */
	if (a->have_prev && a->nread - 1 >= a->samp_cap)
		return 0;
	uint64_t now = probe_now_ns();
	int rc = read_interrupts(a);
	if (rc == 0)
		rc = read_softirqs(a);
	if (rc < 0)
		return rc;
	if (a->nread < a->samp_cap)
		a->t[a->nread] = now;
	a->nread++;
	a->have_prev = true;
	return 0;
}

/*
 * Precise coverage: what /proc counted on each probed CPU, numeric /proc/interrupts
 * rows (each run fires irq_handler_entry once per action; shared lines are rare) plus
 * /proc/softirqs (kstat_incr_softirqs_this_cpu, once per softirq_entry), from one
 * sampler reading. false when either file could not be read: coverage is then unknown.
 */
static bool proc_totals(struct probe_attr *a, bool at_end)
{
	struct reading r;
	bool ok = reading_take(&r, a->src) == 0 && r.err_softirqs == 0;
	for (int i = 0; i < a->p->ncpu; i++)
		*(at_end ? &a->pc[i].proc1 : &a->pc[i].proc0) = 0;
	for (int k = 0; ok && k < r.nirqs; k++) {
		const struct rd_irq *q = &r.irqs[k];
		for (int col = 0; q->number >= 0 && col < MIN(q->ncounts, r.ncols); col++) {
			int ci = cpu_index(a, r.col_cpu[col]);
			if (ci >= 0)
				*(at_end ? &a->pc[ci].proc1 : &a->pc[ci].proc0) += q->counts[col];
		}
	}
	for (int v = 0; ok && v < SOFTIRQ_NR; v++)
		for (int k = 0; r.softirqs.counts[v] && k < r.softirqs.ncpus; k++) {
			int ci = cpu_index(a, r.softirqs.cpu_ids[k]);
			if (ci >= 0)
				*(at_end ? &a->pc[ci].proc1 : &a->pc[ci].proc0) += r.softirqs.counts[v][k];
		}
	reading_free(&r);
	return ok;
}

double probe_attr_coverage(const struct probe_attr *a, int ci)
{
	if (!a || a->method != PA_TRACE || !a->have_totals || ci < 0 || ci >= a->p->ncpu)
		return -1;
	const struct pa_cpu *pc = &a->pc[ci];
	uint64_t counted = pc->proc1 >= pc->proc0 ? pc->proc1 - pc->proc0 : 0;
	if (counted < 100)
		return -1;	/* too few to tell (an idle CPU) */
	return MIN(1.0, (double)pc->seen / (double)counted);
}

int probe_attr_start(struct probe_attr *a)
{
	if (a->method == PA_TRACE) {
		a->have_totals = proc_totals(a, false);
		int rc = trace_enable(a->tr);
		a->tr_enabled = rc == 0;
		return rc;
	}
	return reading(a);
}

int probe_attr_poll(struct probe_attr *a)
{
	return a->method == PA_TRACE ? drain(a, false) : reading(a);
}

int probe_attr_finish(struct probe_attr *a)
{
	int rc;
	if (a->method == PA_TRACE) {
		/* disabled first: what was written up to then is drained, and counted */
		if (a->tr_enabled)
			trace_disable(a->tr);
		a->tr_enabled = false;
		rc = drain(a, true);
		if (a->have_totals)
			a->have_totals = proc_totals(a, true);
		a->unmatched = 0;
		for (int i = 0; i < a->p->ncpu; i++)
			a->unmatched += a->pc[i].pair.unmatched;
		a->lost = trace_lost(a->tr);	/* stats are read after the close */
		trace_close(a->tr);
		a->tr = NULL;
	} else {
		rc = reading(a);
	}
	return rc;
}

void probe_attr_stats(const struct probe_attr *a, struct probe_attr_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->events = a->events;
	st->unmatched = a->unmatched;
	st->readings = a->nread;
	st->dropped = a->dropped_src;
	st->lost = a->tr ? trace_lost(a->tr) : a->lost;
	for (int i = 0; i < a->p->ncpu; i++) {
		st->kept += a->pc[i].nkept;
		st->dropped += a->pc[i].dropped;
	}
}

int probe_attr_result(struct probe_attr *a, int ci, uint64_t thr_us, const struct attrib_cause **causes,
		      const struct attrib_srcs **srcs, struct attrib_result *res)
{
	struct pa_cpu *pc = &a->pc[ci];
	struct probe_cpu *c = &a->p->cpu[ci];
	size_t n = atomic_load(&c->rec_n), nw = 0;
	uint32_t nsrc = a->method == PA_COUNTS ? a->nsrc_cap : a->srcs.n;
	free(pc->win);
	free(pc->causes);
	pc->win = malloc((n ? n : 1) * sizeof(*pc->win));
	pc->causes = calloc(nsrc ? nsrc : 1, sizeof(*pc->causes));
	if (!pc->win || !pc->causes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((c->rec[i].actual_ns - c->rec[i].intended_ns) / 1000 > thr_us)
			pc->win[nw++] = (struct attrib_window){ c->rec[i].intended_ns, c->rec[i].actual_ns };
	*causes = pc->causes;
	*srcs = &a->srcs;
	if (a->method == PA_TRACE)
		return attrib_compute(pc->win, nw, pc->kept, pc->nkept, nsrc, pc->causes, res);
	size_t nsamp = a->nread > 1 ? MIN(a->nread, a->samp_cap) - 1 : 0;
	return attrib_coarse(pc->win, nw, a->t, nsamp, pc->delta, nsrc, pc->causes, res);
}

void probe_attr_close(struct probe_attr *a)
{
	if (!a)
		return;
	if (a->tr) {
		if (a->tr_enabled)
			trace_disable(a->tr);
		trace_close(a->tr);
	}
	if (a->pc)
		for (int i = 0; a->p && i < a->p->ncpu; i++) {
			struct pa_cpu *pc = &a->pc[i];
			free(pc->pend);
			free(pc->kept);
			free(pc->prev);
			free(pc->delta);
			free(pc->causes);
			free(pc->win);
		}
	free(a->pc);
	free(a->index);
	free(a->src_store);
	free(a->t);
	free(a->counts);
	free(a->col_ids);
	buf_free(&a->b);
	free(a);
}

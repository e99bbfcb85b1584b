/*
 * irqsight top: live interrupt load per CPU and per IRQ source.
 *
 * Each interval takes a reading (sample/reading.h), computes rates against the
 * previous one (sample/rates.h) and, as root, drains the tracepoint recorder
 * (sample/trace.h) for the time handlers stole. The frame is printed as plain text
 * (--batch), one JSON object per line (--json), or drawn full-screen with ncurses
 * (opt/top_tui.c, normal build only).
 *
 * The loop waits in poll(2) on the terminal, the recorder's rings (drained as they
 * fill, so a busy CPU does not overflow its ring between ticks) and the interval's
 * absolute deadline. SIGINT/SIGTERM/SIGHUP end the loop normally, so the terminal
 * is restored and the recorder closed (tracing disabled, tracefs unmounted if we
 * mounted it).
 */
#include <signal.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/host.h"
#include "model/vms.h"
#include "opt/top_tui.h"
#include "parse/interrupts.h"
#include "sample/probe.h"
#include "sample/rates.h"
#include "sample/reading.h"
#include "sample/trace.h"
#include "source/source.h"
#include "util/buf.h"
#include "util/cpuset.h"
#include "util/json.h"
#include "util/nameidx.h"
#include "util/str.h"

/*
 * The full-screen view lives in opt/ncursesw/top_tui.c, linked only in the normal
 * build, and registers itself; in the static build tui stays NULL and top offers
 * --batch/--json only.
 */
static const struct top_ui_ops *tui;
#define HAVE_TUI (tui != NULL)

void top_ui_register(const struct top_ui_ops *ops)
{
	tui = ops;
}

/* Hotspot thresholds (documented in docs/top.md). */
#define HOT_PCT 20.0		/* % of a CPU in hardirq + softirq */
#define HOT_RATE 1000.0		/* device IRQs or NET_RX+BLOCK per second ... */
#define HOT_SHARE 0.5		/* ... and at least this share of the host's */
#define HOT_SRC_SHARE 0.9	/* an IRQ source with >= HOT_RATE nearly all on one CPU */
#define HOT_SRC_PCT 5.0		/* an IRQ source stealing >= 5% of a CPU */

/* VM threads: a full scan of proc/ at most this often (and at most 1% of the time:
 * never sooner than 100x what the last scan cost); in between only the stat of the
 * known VM threads is re-read, once per interval. */
#define VM_RESCAN_NS (10ull * 1000000000u)
#define VM_RESCAN_COST_X 100

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

const char *top_pct_src_name(enum top_pct_src s)
{
	switch (s) {
	case PCT_TRACE: return "tracepoints";
	case PCT_STAT: return "stat";
	case PCT_STAT_TICK: return "stat-tick";
	default: return "none";
	}
}

/* ---------------------------------------------------------------- naming */

/*
 * Device and queue of an IRQ from its row alone: the BDF of a per-device chip
 * ("PCI-MSIX-0000:00:02.0") and the action name's driver conventions
 * (kernel-interfaces.md §1.5): "virtio1-req.0" -> virtio1 / req.0,
 * "nvme0q3" -> nvme0 / q3, "eth1-TxRx-0" -> eth1 / TxRx-0, "vfio-msix[2](bdf)".
 */
static void name_irq(struct arena *a, const struct rate_irq *q, const char **dev, const char **queue)
{
	*queue = "";
	if (q->number < 0) {
		*dev = arena_strdup(a, q->actions && *q->actions ? q->actions : q->name);
		return;
	}
	struct slice acts = slice_of(q->actions ? q->actions : ""), first = SLICE_EMPTY;
	pi_next_action(&acts, &first);
	struct pi_chip_info ci;
	pi_classify_chip(slice_of(q->chip ? q->chip : ""), &ci);
	char devname[128] = "", qname[64] = "";
	size_t n = MIN(first.n, sizeof(devname) - 1);
	memcpy(devname, first.p, n);
	devname[n] = '\0';
	char *dash = strchr(devname, '-');
	size_t l = strlen(devname);
	struct slice drv, word, bdf;
	if (irq_action_pci_split(devname, &drv, &word, &bdf)) {
		/* mlx5/mana: "mlx5_comp3@pci:0000:19:00.0" is queue comp3 of mlx5 at that BDF */
		snprintf(qname, sizeof(qname), "%.*s", (int)word.n, word.p);
		if (!ci.bdf.n)
			ci.bdf = bdf;	/* into devname, after the driver's end */
		devname[drv.n] = '\0';
	} else if (!strncmp(devname, "nvme", 4) && strchr(devname, 'q') && !dash) {
		char *qq = strrchr(devname, 'q');
		str_copy(qname, qq, sizeof(qname));
		*qq = '\0';
	} else if (!strncmp(devname, "vfio-", 5)) {
		char *br = strchr(devname, '[');
		if (br) {
			char *e = strchr(br, ']');
			if (e && (size_t)(e - br) < sizeof(qname)) {
				memcpy(qname, br + 1, (size_t)(e - br - 1));
				qname[e - br - 1] = '\0';
			}
		}
		str_copy(devname, "vfio", sizeof(devname));
	} else if (dash && dash != devname && (size_t)(dash - devname) + 1 < l && !strchr(devname, ':')) {
		str_copy(qname, dash + 1, sizeof(qname));
		*dash = '\0';
	}
	if (ci.bdf.n)
		*dev = arena_printf(a, "%.*s %s", (int)ci.bdf.n, ci.bdf.p, devname[0] ? devname : "?");
	else
		*dev = arena_strdup(a, devname[0] ? devname : "-");
	*queue = arena_strdup(a, qname);
}

/* ---------------------------------------------------------------- frame */

/* The rate row that counts v's handler: the IRQ of that number, or the architecture
 * row of an x86 vector event (LOC for local_timer, ...); -1 for softirqs and unknowns.
 * rows indexes rt->irqs by name. */
static int tt_row(const struct name_index *rows, const struct trace_total *v)
{
	char num[16];
	if (v->kind == TR_IRQ_ENTRY) {
		snprintf(num, sizeof(num), "%d", v->id);
		return name_index_find(rows, num);
	}
	return v->kind == TR_VECTOR_ENTRY ? name_index_find(rows, trace_row_of_vector(v->name)) : -1;
}

/* How many runs of v's handler /proc counted on v's CPU in the window (q: its row,
 * col: that CPU's column, -1 none); < 0 unknown. */
static double tt_expected(const struct rates *rt, const struct trace_total *v, const struct rate_irq *q, int col,
			  double secs)
{
	if (v->kind == TR_SOFTIRQ_ENTRY)
		return v->id >= 0 && v->id < SOFTIRQ_NR && rt->cpus[v->cpu].softirq_rate[v->id] >= 0
			       ? rt->cpus[v->cpu].softirq_rate[v->id] * secs
			       : -1;
	if (!q || col < 0)
		return -1;
	return q->cpu_rate ? q->cpu_rate[col] * secs : 0;
}

/* This process's CPU time so far (user + system), for the frame's self_cpu_pct; -1
 * when getrusage fails (then the share is unknown, not 0). */
static double self_cpu_seconds(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}


struct trace_sum {
	double irq_ns, soft_ns;	/* per CPU */
};

static void build_frame(struct top_frame *f, const struct rates *rt, const struct trace_totals *tt,
			double trace_secs, uint64_t lost)
{
	struct arena keep = f->arena;	/* the last frame's memory, reused */
	arena_reset(&keep);
	memset(f, 0, sizeof(*f));
	f->arena = keep;
	struct arena *a = &f->arena;
	f->seconds = rt->seconds;
	f->dev_irq_total = rt->dev_irq_total;
	f->softirq_total = rt->softirq_rate_total;
	f->nvanished = rt->nvanished;
	f->nnew = rt->nnew;
	f->nreset = rt->nreset;
	f->trace_lost = lost;
	f->ncpus = rt->ncols;
	f->cpus = arena_calloc(a, (size_t)rt->ncols + 1, sizeof(*f->cpus));

	/* Tracepoint sums per CPU id and per IRQ number, each handler's time scaled up
	 * when the recorder saw fewer of its runs than /proc counted. */
	struct trace_sum *ts = NULL;
	double *row_ns = NULL;		/* by rate row: scaled handler time, and its longest run */
	uint64_t *row_max = NULL;
	double cov = -1;
	int cov_cpu = -1;
	if (tt) {
		ts = arena_calloc(a, (size_t)rt->max_cpu + 1, sizeof(*ts));
		row_ns = arena_calloc(a, (size_t)rt->nirqs + 1, sizeof(double));
		row_max = arena_calloc(a, (size_t)rt->nirqs + 1, sizeof(uint64_t));
		struct trace_cov tc = { arena_calloc(a, (size_t)rt->max_cpu + 1, sizeof(double)),
					arena_calloc(a, (size_t)rt->max_cpu + 1, sizeof(double)), rt->max_cpu };
		int *col_of = arena_alloc(a, ((size_t)rt->max_cpu + 1) * sizeof(int));
		for (int i = 0; i <= rt->max_cpu; i++)
			col_of[i] = -1;
		for (int c = 0; c < rt->ncols; c++)
			col_of[rt->col_cpu[c]] = c;
		struct name_index rows;
		name_index_build(&rows, a, rt->irqs, (size_t)rt->nirqs, sizeof(*rt->irqs),
				 offsetof(struct rate_irq, name));
		size_t it = 0;
		struct trace_total v;
		while (trace_totals_next(tt, &it, &v)) {
			if (v.cpu < 0 || v.cpu > rt->max_cpu)
				continue;
			int ri = tt_row(&rows, &v);
			/* a handler that is not one of its number's actions: the number was
			 * reused in the window, the row's counts are not that handler's */
			if (ri >= 0 && v.kind == TR_IRQ_ENTRY && !trace_action_listed(rt->irqs[ri].actions, v.name))
				ri = -1;
			const struct rate_irq *q = ri >= 0 ? &rt->irqs[ri] : NULL;
			double ns = trace_scaled_ns(&v, tt_expected(rt, &v, q, col_of[v.cpu], trace_secs), &tc);
			if (v.kind == TR_SOFTIRQ_ENTRY)
				ts[v.cpu].soft_ns += ns;
			else
				ts[v.cpu].irq_ns += ns;
			if (ri >= 0) {
				row_ns[ri] += ns;
				row_max[ri] = MAX(row_max[ri], v.max_ns);
			}
		}
		cov = trace_cov_lowest(&tc, &cov_cpu);
	}
	bool stat_irq = rt->irq_accounted == TRI_YES;
	if (tt) {
		f->pct_src = PCT_TRACE;
		f->pct_note = "time in IRQ/softirq measured from tracepoints (handler self time)";
		if (cov >= 0 && cov < 0.9)
			f->pct_note = arena_printf(a, "time in IRQ/softirq from tracepoints (handler self time); only %.0f%% "
						   "of the handler runs /proc counted on CPU %d were recorded (the kernel did "
						   "not deliver every sample, as on idle CPUs of a VM): times scaled from the "
						   "recorded runs' mean", 100.0 * cov, cov_cpu);
	} else if (stat_irq) {
		f->pct_src = PCT_STAT;
		f->pct_note = "time in IRQ/softirq from /proc/stat (kernel accounts IRQ time)";
	} else if (rt->irq_accounted == TRI_NO) {
		f->pct_src = PCT_STAT_TICK;
		f->pct_note = "%irq not accounted by this kernel (no CONFIG_IRQ_TIME_ACCOUNTING: /proc/stat irq stays 0); "
			      "%soft is a tick-sampled estimate; run as root for tracepoint times";
	} else {
		f->pct_src = PCT_NONE;
		f->pct_note = "time in IRQ/softirq unknown (/proc/stat unreadable)";
	}

	double netblk_total = 0;
	for (int c = 0; c < rt->ncols; c++) {
		const struct rate_cpu *rc = &rt->cpus[rt->col_cpu[c]];
		if (rc->softirq_rate[SOFTIRQ_NET_RX] > 0)
			netblk_total += rc->softirq_rate[SOFTIRQ_NET_RX];
		if (rc->softirq_rate[SOFTIRQ_BLOCK] > 0)
			netblk_total += rc->softirq_rate[SOFTIRQ_BLOCK];
	}

	/* The busiest device IRQ of each column: one pass over the IRQs that moved
	 * (most rows of a big host have no per-CPU rates in an interval). */
	double *col_best = arena_calloc(a, (size_t)rt->ncols + 1, sizeof(double));
	int *best_i = arena_alloc(a, ((size_t)rt->ncols + 1) * sizeof(int));
	for (int c = 0; c < rt->ncols; c++)
		best_i[c] = -1;
	for (int i = 0; i < rt->nirqs; i++) {
		const struct rate_irq *q = &rt->irqs[i];
		if (q->number < 0 || !q->cpu_rate)
			continue;
		for (int c = 0; c < rt->ncols; c++)
			if (q->cpu_rate[c] > col_best[c]) {
				col_best[c] = q->cpu_rate[c];
				best_i[c] = i;
			}
	}

	for (int c = 0; c < rt->ncols; c++) {
		int id = rt->col_cpu[c];
		const struct rate_cpu *rc = &rt->cpus[id];
		struct top_cpu *o = &f->cpus[c];
		o->cpu = id;
		o->dev_irq_rate = rc->dev_irq_rate;
		o->arch_irq_rate = rc->arch_irq_rate;
		o->softirq_rate = rc->softirq_total;
		memcpy(o->softirq, rc->softirq_rate, sizeof(o->softirq));
		o->irq_pct = o->softirq_pct = -1;
		if (ts && trace_secs > 0) {
			o->irq_pct = 100.0 * ts[id].irq_ns / (trace_secs * 1e9);
			o->softirq_pct = 100.0 * ts[id].soft_ns / (trace_secs * 1e9);
			o->irq_src = o->softirq_src = PCT_TRACE;
		} else {
			if (stat_irq && rc->irq_pct >= 0) {
				o->irq_pct = rc->irq_pct;
				o->irq_src = PCT_STAT;
			}
			if (rc->softirq_pct >= 0) {
				o->softirq_pct = rc->softirq_pct;
				o->softirq_src = stat_irq ? PCT_STAT : PCT_STAT_TICK;
			}
		}
		int bi = best_i[c];
		if (bi >= 0)
			o->top_irq = arena_printf(a, "%s %s", rt->irqs[bi].name, rt->irqs[bi].actions);
		/* hotspot */
		double pct = (o->irq_pct > 0 ? o->irq_pct : 0) + (o->softirq_pct > 0 ? o->softirq_pct : 0);
		double nb = (rc->softirq_rate[SOFTIRQ_NET_RX] > 0 ? rc->softirq_rate[SOFTIRQ_NET_RX] : 0) +
			    (rc->softirq_rate[SOFTIRQ_BLOCK] > 0 ? rc->softirq_rate[SOFTIRQ_BLOCK] : 0);
		if (pct >= HOT_PCT && (o->irq_src == PCT_TRACE || o->irq_src == PCT_STAT)) {
			o->hot = true;
			o->hot_why = arena_printf(a, "%.0f%% of its time in IRQ/softirq", pct);
		} else if (rt->ncols > 1 && o->dev_irq_rate >= HOT_RATE &&
			   o->dev_irq_rate >= HOT_SHARE * rt->dev_irq_total) {
			o->hot = true;
			o->hot_why = arena_printf(a, "%.0f%% of the host's device IRQs",
						  100.0 * o->dev_irq_rate / rt->dev_irq_total);
		} else if (rt->ncols > 1 && nb >= HOT_RATE && nb >= HOT_SHARE * netblk_total) {
			o->hot = true;
			o->hot_why = arena_printf(a, "%.0f%% of the host's NET_RX+BLOCK softirqs",
						  100.0 * nb / netblk_total);
		}
	}

	/* Sources: everything that fired, rate descending. */
	/* room for every IRQ, zeroed only where used (few fire in an interval) */
	f->srcs = arena_alloc_uninit(a, ((size_t)rt->nirqs + 1) * sizeof(*f->srcs));
	for (int i = 0; i < rt->nirqs; i++) {
		const struct rate_irq *q = &rt->irqs[i];
		if (q->delta == 0)
			continue;
		struct top_src *s = &f->srcs[f->nsrcs++];
		*s = (struct top_src){ 0 };
		/* copies: a paused frame is redrawn after the readings it came from are gone */
		s->irq = arena_strdup(a, q->name);
		s->number = q->number;
		s->actions = arena_strdup(a, q->actions ? q->actions : "");
		s->rate = q->rate;
		name_irq(a, q, &s->device, &s->queue);
		s->top_cpu = -1;
		s->time_pct = -1;
		struct buf cl = { 0 };
		int prev = -2, run = -1;
		double best = 0;
		for (int c = 0; q->cpu_rate && c < rt->ncols; c++) {
			int id = rt->col_cpu[c];
			if (q->cpu_rate[c] > best) {
				best = q->cpu_rate[c];
				s->top_cpu = id;
			}
			if (q->cpu_rate[c] <= 0)
				continue;
			/* compact CPU list of where it landed */
			if (id == prev + 1) {
				run = id;
			} else {
				if (run >= 0)
					buf_printf(&cl, "-%d", run);
				buf_printf(&cl, "%s%d", cl.len ? "," : "", id);
				run = -1;
			}
			prev = id;
		}
		if (run >= 0)
			buf_printf(&cl, "-%d", run);
		s->cpus = arena_strdup(a, cl.data ? cl.data : "");
		buf_free(&cl);
		if (q->rate > 0)
			s->top_cpu_share = best / q->rate;
		if (tt && trace_secs > 0 && (q->number >= 0 || trace_vector_of_row(q->name))) {
			s->time_pct = 100.0 * row_ns[i] / (trace_secs * 1e9);
			s->max_ns = row_max[i];
		}
		s->hot = q->number >= 0 && ((s->rate >= HOT_RATE && s->top_cpu_share >= HOT_SRC_SHARE && rt->ncols > 1) ||
					    s->time_pct >= HOT_SRC_PCT);
	}
}

/* ---------------------------------------------------------------- VMs */

struct vm_watch {
	struct host h;		/* model/vms.h: online CPUs and vms[] only */
	bool have;
	uint64_t scanned_ns;	/* when the last full scan ended */
	uint64_t cost_ns;	/* what it took */
};

static void vms_scan(struct vm_watch *w, const struct source *src)
{
	uint64_t t0 = probe_now_ns();
	if (w->have)
		host_free(&w->h);
	host_build_vms(&w->h, src);
	w->have = true;
	w->scanned_ns = probe_now_ns();
	w->cost_ns = w->scanned_ns - t0;
}

/* Once per interval: a full scan when due (new and gone VMs), else a stat refresh. */
static void vms_tick(struct vm_watch *w, const struct source *src)
{
	uint64_t every = MAX(VM_RESCAN_NS, VM_RESCAN_COST_X * w->cost_ns);
	if (!w->have || probe_now_ns() - w->scanned_ns >= every)
		vms_scan(w, src);
	else
		host_vms_refresh(&w->h, src);
}

static int cmp_vm_thread(const void *x, const void *y)
{
	const struct top_vm_thread *a = x, *b = y;
	bool va = strcmp(a->kind, "vhost") != 0, vb = strcmp(b->kind, "vhost") != 0;
	if (va != vb)
		return va ? -1 : 1;
	if (a->vcpu != b->vcpu)
		return a->vcpu < b->vcpu ? -1 : 1;
	return a->tid - b->tid;
}

/*
 * A VM's label in the per-CPU text: its name, at most VM_LABEL characters so that a CPU
 * row stays readable in 80 columns; a longer "<comm>[pid]" keeps its pid, another long
 * name is cut with "…" (the vms[] list has the whole name).
 */
#define VM_LABEL 11
static const char *vm_label(struct arena *a, const char *name)
{
	size_t n = strlen(name);
	if (n <= VM_LABEL)
		return name;
	const char *br = strrchr(name, '[');
	size_t tail = br ? strlen(br) : 0;
	if (br && name[n - 1] == ']' && tail + 1 < VM_LABEL)
		return arena_printf(a, "%.*s%s", (int)(VM_LABEL - tail), name, br);
	return arena_printf(a, "%.*s\u2026", VM_LABEL - 1, name);
}

/* The item a thread adds to its CPU's vcpus text. */
static const char *vm_item(const struct top_vm_thread *t, char *out, size_t n)
{
	if (!strcmp(t->kind, "vhost"))
		return "vhost";
	if (t->vcpu >= 0)
		snprintf(out, n, "%d", t->vcpu);
	else
		snprintf(out, n, "%s", !strcmp(t->kind, "vcpu-tcg") ? "all" : "?");
	return out;
}

/*
 * Copy the VMs into the frame and fill each CPU's vcpus text. One pass over the
 * threads, bucketed by CPU: O(CPUs + threads), not CPUs x threads.
 */
static void frame_vms(struct top_frame *f, const struct vm_watch *w, int max_cpu)
{
	struct arena *a = &f->arena;
	if (!w || !w->have)
		return;
	const struct host *h = &w->h;
	f->vms_known = h->proc_scanned;
	f->nvms = h->nvms;
	f->vms = arena_calloc(a, (size_t)h->nvms + 1, sizeof(*f->vms));
	for (int i = 0; i < h->nvms; i++) {
		const struct vm *vm = &h->vms[i];
		struct top_vm *o = &f->vms[i];
		o->pid = vm->pid;
		o->name = arena_strdup(a, vm->name ? vm->name : "?");
		o->vmm = vm->vmm ? arena_strdup(a, vm->vmm) : NULL;
		o->nvcpus = vm->nvcpus;
		o->vcpus_pinned = vm->vcpus_pinned;
		o->vcpu_cpus = cpuset_list_str(a, &vm->vcpu_cpus, "");
		o->threads = arena_calloc(a, (size_t)vm->nthreads + 1, sizeof(*o->threads));
		for (int k = 0; k < vm->nthreads; k++) {
			const struct vm_thread *t = &vm->threads[k];
			if (!t->state)
				continue;	/* gone since the last scan */
			struct top_vm_thread *ot = &o->threads[o->nthreads++];
			ot->tid = t->tid;
			ot->comm = arena_strdup(a, t->comm ? t->comm : "");
			ot->kind = vm_thread_kind_name(t->kind);
			ot->vcpu = t->vcpu;
			ot->last_cpu = t->last_cpu;
			ot->pinned = t->pinned;
			ot->cpu = t->has_allowed && cpuset_count(&t->allowed) == 1 ? cpuset_next(&t->allowed, 0) : t->last_cpu;
			if (t->has_allowed)
				ot->allowed = cpuset_list_str(a, &t->allowed, "");
			if (t->kind == VMT_VHOST)
				o->nvhost++;
		}
		qsort(o->threads, (size_t)o->nthreads, sizeof(*o->threads), cmp_vm_thread);
	}

	/* per CPU id: the text so far and the VM whose items it ends with */
	struct buf *txt = calloc((size_t)max_cpu + 1, sizeof(*txt));
	int *last_vm = malloc(((size_t)max_cpu + 1) * sizeof(int));
	bool *last_vhost = calloc((size_t)max_cpu + 1, sizeof(bool));
	if (!txt || !last_vm || !last_vhost)
		goto out;
	for (int c = 0; c <= max_cpu; c++)
		last_vm[c] = -1;
	const char **label = arena_calloc(a, (size_t)f->nvms + 1, sizeof(*label));
	for (int i = 0; i < f->nvms; i++)
		label[i] = vm_label(a, f->vms[i].name);
	for (int i = 0; i < f->nvms; i++)
		for (int k = 0; k < f->vms[i].nthreads; k++) {
			const struct top_vm_thread *t = &f->vms[i].threads[k];
			int c = t->cpu;
			if (c < 0 || c > max_cpu)
				continue;
			char num[16];
			const char *item = vm_item(t, num, sizeof(num));
			bool vh = !strcmp(t->kind, "vhost");
			if (last_vm[c] == i) {
				if (vh && last_vhost[c])
					continue;	/* one "vhost" per VM and CPU */
				buf_printf(&txt[c], ",%s", item);
			} else {
				buf_printf(&txt[c], "%s%s:%s", txt[c].len ? " " : "", label[i], item);
				last_vm[c] = i;
			}
			last_vhost[c] = vh;
		}
	for (int c = 0; c < f->ncpus; c++) {
		int id = f->cpus[c].cpu;
		if (id >= 0 && id <= max_cpu && txt[id].len)
			f->cpus[c].vcpus = arena_strdup(a, txt[id].data);
	}
out:
	for (int c = 0; txt && c <= max_cpu; c++)
		buf_free(&txt[c]);
	free(txt);
	free(last_vm);
	free(last_vhost);
}

static int cmp_src(const void *x, const void *y)
{
	const struct top_src *a = x, *b = y;
	/* device IRQs first, then named rows; each by rate */
	if ((a->number < 0) != (b->number < 0))
		return a->number < 0 ? 1 : -1;
	if (a->rate != b->rate)
		return a->rate < b->rate ? 1 : -1;
	return strcmp(a->irq, b->irq);
}

/* ---------------------------------------------------------------- batch / json */

static void fmt_pct(char *out, size_t n, double v)
{
	if (v < 0)
		snprintf(out, n, "n/a");
	else
		snprintf(out, n, v < 1 ? "%.2f" : "%.1f", v);
}

/* "VM db1 (pid 2315, qemu): 2 vCPU(s) pinned to 1, last on CPU(s) 1; 1 vhost worker(s) on CPU(s) 0" */
static void print_vm_line(FILE *o, const struct top_vm *vm)
{
	struct cpuset on, vh;
	struct arena a = { 0 };
	cpuset_init(&on, &a, 0);
	cpuset_init(&vh, &a, 0);
	for (int k = 0; k < vm->nthreads; k++) {
		const struct top_vm_thread *t = &vm->threads[k];
		bool is_vh = !strcmp(t->kind, "vhost");
		if (t->last_cpu < 0 || t->last_cpu > CPUSET_MAX_CPU)
			continue;
		struct cpuset one, u;
		cpuset_init(&one, &a, t->last_cpu);
		cpuset_set(&one, t->last_cpu);
		cpuset_or(&u, &a, is_vh ? &vh : &on, &one);
		*(is_vh ? &vh : &on) = u;
	}
	struct buf lon = { 0 }, lvh = { 0 };
	cpuset_format_list(&on, &lon);
	cpuset_format_list(&vh, &lvh);
	fprintf(o, "VM %s (pid %d, %s): %d vCPU(s)", vm->name, vm->pid, vm->vmm ? vm->vmm : "?", vm->nvcpus);
	if (vm->vcpus_pinned)
		fprintf(o, " pinned to %s", vm->vcpu_cpus && *vm->vcpu_cpus ? vm->vcpu_cpus : "?");
	else if (vm->nvcpus)
		fprintf(o, " not pinned");
	if (lon.len)
		fprintf(o, ", last on CPU(s) %s", lon.data);
	if (vm->nvhost)
		fprintf(o, "; %d vhost worker(s)%s%s", vm->nvhost, lvh.len ? " on CPU(s) " : "", lvh.len ? lvh.data : "");
	fputc('\n', o);
	buf_free(&lon);
	buf_free(&lvh);
	arena_free(&a);
}

static void print_batch(FILE *o, const struct top_frame *f, int max_srcs, bool all_cpus)
{
	char ts[64];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(o, "irqsight top - %s  interval %.2f s  CPUs %d  device IRQs %.0f/s  softirqs %.0f/s\n", ts,
		f->seconds, f->ncpus, f->dev_irq_total, f->softirq_total >= 0 ? f->softirq_total : 0);
	fprintf(o, "%s\n", f->pct_note);
	if (f->self_cpu_pct >= 0)
		fprintf(o, "irqsight itself: %.1f%% of one CPU over the interval\n", f->self_cpu_pct);
	else
		fprintf(o, "irqsight itself: unknown share of one CPU (getrusage failed)\n");
	if (!f->vms_known)
		fprintf(o, "VMs unknown (no process readable under proc/)\n");
	if (f->trace_lost)
		fprintf(o, "tracepoint events lost so far: %llu (times are lower bounds)\n",
			(unsigned long long)f->trace_lost);
	if (f->nnew || f->nvanished || f->nreset)
		fprintf(o, "IRQs: %d new, %d gone, %d reset/reused this interval\n", f->nnew, f->nvanished, f->nreset);
	fprintf(o, "\n%5s %10s %10s %10s %9s %9s %6s %6s  %-4s %s\n", "CPU", "DEV-IRQ/s", "LOC+IPI/s", "SOFTIRQ/s",
		"NET_RX/s", "BLOCK/s", "%IRQ", "%SOFT", "HOT", "TOP IRQ");
	for (int i = 0; i < f->ncpus; i++) {
		const struct top_cpu *c = &f->cpus[i];
		if (!all_cpus && f->ncpus > 64 && !c->hot && c->dev_irq_rate < 1 && c->softirq_rate < 1)
			continue;
		char ip[16], sp[16];
		fmt_pct(ip, sizeof(ip), c->irq_pct);
		fmt_pct(sp, sizeof(sp), c->softirq_pct);
		fprintf(o, "%5d %10.0f %10.0f %10.0f %9.0f %9.0f %6s %6s  %-4s %s%s%s\n", c->cpu, c->dev_irq_rate,
			c->arch_irq_rate, c->softirq_rate >= 0 ? c->softirq_rate : 0,
			c->softirq[SOFTIRQ_NET_RX] >= 0 ? c->softirq[SOFTIRQ_NET_RX] : 0,
			c->softirq[SOFTIRQ_BLOCK] >= 0 ? c->softirq[SOFTIRQ_BLOCK] : 0, ip, sp, c->hot ? "HOT" : "",
			c->top_irq ? c->top_irq : "", c->vcpus ? "  vCPUs: " : "", c->vcpus ? c->vcpus : "");
	}
	if (f->nvms)
		fputc('\n', o);
	for (int i = 0; i < f->nvms; i++)
		print_vm_line(o, &f->vms[i]);
	fprintf(o, "\n%6s %-28s %-10s %10s %-10s %7s %6s  %s\n", "IRQ", "DEVICE", "QUEUE", "RATE/s", "CPUS", "%CPU",
		"HOT", "ACTIONS");
	int shown = 0;
	for (int i = 0; i < f->nsrcs && (max_srcs <= 0 || shown < max_srcs); i++) {
		const struct top_src *s = &f->srcs[i];
		char tp[16];
		fmt_pct(tp, sizeof(tp), s->time_pct);
		fprintf(o, "%6s %-28.28s %-10.10s %10.0f %-10.10s %7s %6s  %s\n", s->irq, s->device, s->queue, s->rate,
			s->cpus, tp, s->hot ? "HOT" : "", s->number >= 0 ? s->actions : "");
		shown++;
	}
	fputc('\n', o);
	fflush(o);
}

static void json_pct(struct json *j, const char *key, double v)
{
	if (v < 0)
		json_null(j, key);
	else
		json_double(j, key, v, 2);
}

static void print_json(FILE *o, const struct top_frame *f)
{
	struct buf b = { 0 };
	struct json j;
	json_init(&j, &b, false);
	json_obj_begin(&j, NULL);
	json_uint(&j, "seq", f->seq);
	json_double(&j, "interval", f->seconds, 3);
	json_uint(&j, "time", (uint64_t)time(NULL));
	json_str(&j, "time_source", top_pct_src_name(f->pct_src));
	json_str(&j, "time_note", f->pct_note);
	json_uint(&j, "trace_lost", f->trace_lost);
	if (f->self_cpu_pct >= 0)
		json_double(&j, "self_cpu_pct", f->self_cpu_pct, 2);
	else
		json_null(&j, "self_cpu_pct");
	json_double(&j, "dev_irq_rate", f->dev_irq_total, 1);
	json_double(&j, "softirq_rate", f->softirq_total, 1);
	json_int(&j, "irqs_new", f->nnew);
	json_int(&j, "irqs_gone", f->nvanished);
	json_int(&j, "irqs_reset", f->nreset);
	json_arr_begin(&j, "cpus");
	for (int i = 0; i < f->ncpus; i++) {
		const struct top_cpu *c = &f->cpus[i];
		json_obj_begin(&j, NULL);
		json_int(&j, "cpu", c->cpu);
		json_double(&j, "dev_irq_rate", c->dev_irq_rate, 1);
		json_double(&j, "arch_irq_rate", c->arch_irq_rate, 1);
		if (c->softirq_rate < 0)
			json_null(&j, "softirq_rate");
		else
			json_double(&j, "softirq_rate", c->softirq_rate, 1);
		json_obj_begin(&j, "softirq");
		for (int v = 0; v < SOFTIRQ_NR; v++)
			if (c->softirq[v] >= 0)
				json_double(&j, softirq_name(v), c->softirq[v], 1);
		json_obj_end(&j);
		json_pct(&j, "irq_pct", c->irq_pct);
		json_str(&j, "irq_pct_source", top_pct_src_name(c->irq_src));
		json_pct(&j, "softirq_pct", c->softirq_pct);
		json_str(&j, "softirq_pct_source", top_pct_src_name(c->softirq_src));
		json_bool(&j, "hot", c->hot);
		json_str(&j, "hot_why", c->hot_why);
		json_str(&j, "top_irq", c->top_irq);
		json_str(&j, "vcpus", c->vcpus);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	if (f->vms_known) {
		json_arr_begin(&j, "vms");
		for (int i = 0; i < f->nvms; i++) {
			const struct top_vm *vm = &f->vms[i];
			json_obj_begin(&j, NULL);
			json_int(&j, "pid", vm->pid);
			json_str(&j, "name", vm->name);
			json_str(&j, "vmm", vm->vmm);
			json_int(&j, "vcpus", vm->nvcpus);
			json_bool(&j, "vcpus_pinned", vm->vcpus_pinned);
			json_str(&j, "vcpu_cpus", vm->vcpu_cpus);
			json_int(&j, "vhost_workers", vm->nvhost);
			json_arr_begin(&j, "threads");
			for (int k = 0; k < vm->nthreads; k++) {
				const struct top_vm_thread *t = &vm->threads[k];
				json_obj_begin(&j, NULL);
				json_int(&j, "tid", t->tid);
				json_str(&j, "comm", t->comm);
				json_str(&j, "kind", t->kind);
				if (t->vcpu >= 0)
					json_int(&j, "vcpu", t->vcpu);
				else
					json_null(&j, "vcpu");
				json_int(&j, "cpu", t->cpu);
				json_int(&j, "last_cpu", t->last_cpu);
				json_str(&j, "allowed_cpus", t->allowed);
				json_bool(&j, "pinned", t->pinned);
				json_obj_end(&j);
			}
			json_arr_end(&j);
			json_obj_end(&j);
		}
		json_arr_end(&j);
	} else {
		json_null(&j, "vms");
	}
	json_arr_begin(&j, "irqs");
	for (int i = 0; i < f->nsrcs; i++) {
		const struct top_src *s = &f->srcs[i];
		json_obj_begin(&j, NULL);
		json_str(&j, "irq", s->irq);
		json_str(&j, "device", s->device);
		json_str(&j, "queue", s->queue);
		json_str(&j, "actions", s->actions);
		json_double(&j, "rate", s->rate, 1);
		json_str(&j, "cpus", s->cpus);
		json_int(&j, "top_cpu", s->top_cpu);
		json_double(&j, "top_cpu_share", s->top_cpu_share, 3);
		json_pct(&j, "time_pct", s->time_pct);
		json_uint(&j, "max_ns", s->max_ns);
		json_bool(&j, "hot", s->hot);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
	fwrite(b.data, 1, b.len, o);
	fflush(o);
	buf_free(&b);
}

/* ---------------------------------------------------------------- loop */

struct top_opts {
	bool batch, json, interactive;
	long iterations;	/* 0 = forever */
	int max_srcs;
	bool all_cpus;
	int trace_mode;		/* -1 off, 0 auto, 1 required */
};

static void usage(FILE *o)
{
	fprintf(o, "Usage: irqsight top [--batch | --json] [--interval SEC] [--iterations N]\n"
		   "                    [--trace | --no-trace] [--top N] [--all-cpus]\n\n"
		   "Live interrupt load per CPU and per IRQ source.\n\n"
		   "  -b, --batch          plain text per interval (for logs), like top -b\n"
		   "  -j, --json           one JSON object per interval\n"
		   "  -d, --interval SEC   seconds between samples (default 1, 0.1..3600)\n"
		   "  -n, --iterations N   stop after N intervals (default: until 'q' or ^C)\n"
		   "      --trace          require tracepoint times (fail if they cannot be recorded)\n"
		   "      --no-trace       do not use tracepoints even as root\n"
		   "      --top N          IRQ sources printed in --batch (default 15, 0 = all)\n"
		   "      --all-cpus       --batch on >64 CPUs: also print idle CPUs\n\n"
		   "Keys: c/i/s/t sort by CPU/IRQ rate/softirq rate/time, / or f filter (device,\n"
		   "IRQ or 'cpu N'), space or p pause, +/- or d interval, q quit.\n");
}

static void drain(struct trace *tr, struct trace_totals *tt);
static void cb_add(const struct trace_event *ev, void *ctx)
{
	trace_totals_add(ctx, ev);
}
static void drain(struct trace *tr, struct trace_totals *tt)
{
	if (tr)
		trace_drain(tr, cb_add, tt);
}

int cmd_top(int argc, char **argv, const struct global_opts *g)
{
	struct top_opts o = { .json = g->json, .max_srcs = 15 };
	struct top_state st = { .sort = SORT_CPU, .interval = 1.0 };
	static const struct option lo[] = {
		{ "batch", no_argument, 0, 'b' },
		{ "json", no_argument, 0, 'j' },
		{ "interval", required_argument, 0, 'd' },
		{ "iterations", required_argument, 0, 'n' },
		{ "trace", no_argument, 0, 'T' },
		{ "no-trace", no_argument, 0, 'N' },
		{ "top", required_argument, 0, 't' },
		{ "all-cpus", no_argument, 0, 'A' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "bjd:n:h", lo, NULL)) != -1) {
		switch (c) {
		case 'b': o.batch = true; break;
		case 'j': o.json = true; break;
		case 'd': {
			char *e;
			double v = strtod(optarg, &e);
			if (*e || !(v >= 0.1 && v <= 3600))
				return err("--interval takes seconds from 0.1 to 3600, not '%s'", optarg);
			st.interval = v;
			break;
		}
		case 'n': {
			char *e;
			long v = strtol(optarg, &e, 10);
			if (*e || v < 1)
				return err("--iterations takes a positive number, not '%s'", optarg);
			o.iterations = v;
			break;
		}
		case 'T': o.trace_mode = 1; break;
		case 'N': o.trace_mode = -1; break;
		case 't': o.max_srcs = atoi(optarg); break;
		case 'A': o.all_cpus = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_UNKNOWN;
		}
	}
	if (optind < argc)
		return err("top takes no arguments ('%s')", argv[optind]);
	o.interactive = !o.batch && !o.json;
	if (o.interactive && !HAVE_TUI)
		return err("this build has no full-screen view (built without ncurses): use --batch or --json");
	if (o.interactive && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
		return err("the full-screen view needs a terminal: use --batch or --json");

	struct source *srcp = cmd_root(g);
	if (!srcp)
		return EXIT_UNKNOWN;
	struct source src = *srcp;	/* closed by the runner */
	int r;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: poll returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/* Tracepoints: live only; as root by default, never required unless --trace. */
	struct trace *tr = NULL;
	char why[512] = "";
	if (o.trace_mode >= 0 && src.is_live && (o.trace_mode == 1 || geteuid() == 0)) {
		r = trace_open(&tr, NULL, why, sizeof(why));
		if (r < 0) {
			if (o.trace_mode == 1)
				return err("cannot record tracepoints: %s", why);
			warn("no tracepoint times: %s", why);
			tr = NULL;
		} else if ((r = trace_enable(tr)) < 0) {
			warn("cannot enable tracepoints: %s", strerror(-r));
			trace_close(tr);
			tr = NULL;
		}
	} else if (o.trace_mode == 1) {
		return err("cannot record tracepoints: %s", !src.is_live ? "--root is not the live host"
								: "not root (tracepoint samples need root or CAP_PERFMON)");
	}

	struct top_ui *ui = NULL;
	if (o.interactive && HAVE_TUI) {
		r = tui->open(&ui, why, sizeof(why));
		if (r < 0) {
			trace_close(tr);
			return err("cannot start the full-screen view: %s", why);
		}
		tui->draw(ui, NULL, &st);
	}

	struct reading prev, cur;
	int ret = EXIT_OK;
	/* Rows that did not change since the last tick are not parsed again (at most
	 * two readings alive: prev and cur, as the cache requires). */
	struct rd_cache *cache = rd_cache_new();
	r = reading_take_cached(&prev, &src, cache);
	if (r < 0) {
		ret = err("cannot read 'proc/interrupts': %s", strerror(-r));
		goto out;
	}
	struct vm_watch *vw = calloc(1, sizeof(*vw));
	if (vw)
		vms_scan(vw, &src);
	struct trace_totals *tt = tr ? trace_totals_new() : NULL;
	uint64_t trace_t0 = probe_now_ns();
	double cpu_mark = self_cpu_seconds();
	uint64_t deadline = prev.time_ns + (uint64_t)(st.interval * 1e9);
	struct top_frame frame = { 0 };
	bool have_frame = false;
	struct rates rt = { 0 };	/* memory kept from tick to tick (rates_update) */
	uint64_t seq = 0;
	while (!st.quit && !stop_sig) {
		struct pollfd pf[1 + 4096];
		int npf = 0;
		if (ui) {
			pf[npf].fd = tui->fd(ui);
			pf[npf++].events = POLLIN;
		}
		const int *tfds = NULL;
		int ntf = tr ? trace_fds(tr, &tfds) : 0;
		for (int i = 0; i < ntf && npf < (int)ARRAY_SIZE(pf); i++) {
			pf[npf].fd = tfds[i];
			pf[npf++].events = POLLIN;
		}
		uint64_t now = probe_now_ns();
		if (now < deadline) {
			int ms = (int)((deadline - now + 999999) / 1000000);
			int n = poll(pf, (nfds_t)npf, ms);
			if (n < 0 && errno != EINTR) {
				ret = err("poll: %s", strerror(errno));
				break;
			}
			if (n > 0 && tr && ntf)
				drain(tr, tt);
			/* input, or a signal (SIGWINCH: ncurses queues KEY_RESIZE) */
			if (ui && (n < 0 || (pf[0].revents & POLLIN))) {
				double old = st.interval;
				bool redraw = tui->input(ui, &st);
				if (st.interval != old) {
					/* restart the interval so rates cover a whole one */
					deadline = probe_now_ns() + (uint64_t)(st.interval * 1e9);
					redraw = true;
				}
				if (redraw && !st.quit)
					tui->draw(ui, have_frame ? &frame : NULL, &st);
			}
			continue;
		}
		r = reading_take_cached(&cur, &src, cache);
		if (r < 0) {
			ret = err("cannot read 'proc/interrupts': %s", strerror(-r));
			break;
		}
		drain(tr, tt);
		uint64_t trace_t1 = probe_now_ns();
		if (rates_update(&rt, &prev, &cur) == 0) {
			if (!st.paused || !ui) {
				build_frame(&frame, &rt, tt, (double)(trace_t1 - trace_t0) / 1e9, tr ? trace_lost(tr) : 0);
				double cpu_now = self_cpu_seconds();
				frame.self_cpu_pct = cpu_now >= 0 && cpu_mark >= 0
							     ? 100.0 * (cpu_now - cpu_mark) / rt.seconds
							     : -1;
				cpu_mark = cpu_now;
				if (vw) {
					vms_tick(vw, &src);
					frame_vms(&frame, vw, rt.max_cpu);
				}
				qsort(frame.srcs, (size_t)frame.nsrcs, sizeof(frame.srcs[0]), cmp_src);
				frame.seq = ++seq;
				have_frame = true;
				if (o.json)
					print_json(stdout, &frame);
				else if (o.batch)
					print_batch(stdout, &frame, o.max_srcs, o.all_cpus);
				else if (ui)
					tui->draw(ui, &frame, &st);
			}
		}
		reading_free(&prev);
		prev = cur;
		if (tt) {
			trace_totals_free(tt);
			tt = trace_totals_new();
		}
		trace_t0 = trace_t1;
		deadline += (uint64_t)(st.interval * 1e9);
		if (deadline < probe_now_ns())	/* fell behind (slow read, suspended terminal) */
			deadline = probe_now_ns() + (uint64_t)(st.interval * 1e9);
		if (o.iterations && (long)seq >= o.iterations)
			break;
	}
	arena_free(&frame.arena);
	rates_free(&rt);
	trace_totals_free(tt);
	reading_free(&prev);
	if (vw && vw->have)
		host_free(&vw->h);
	free(vw);
out:
	rd_cache_free(cache);
	if (ui)
		tui->close(ui);
	trace_close(tr);
	if (stop_sig && ret == EXIT_OK)
		ret = EXIT_OK;	/* ^C is the normal way out of a live view */
	return ret;
}

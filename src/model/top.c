/*
 * What top shows for an interval: the frame (sample/frame.h) built from the rates of two
 * readings and the recorder's handler times, the IRQs named by device and queue, which
 * CPUs and IRQ sources are hot (model/thresholds.h), and the VMs and where their threads run.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/host.h"
#include "model/thresholds.h"
#include "model/top.h"
#include "model/vms.h"
#include "parse/interrupts.h"
#include "sample/probe.h"
#include "sample/rates.h"
#include "sample/trace.h"
#include "util/buf.h"
#include "util/cpuset.h"
#include "util/str.h"

/* VM threads: a full scan of proc/ at most this often (and at most 1% of the time:
 * never sooner than 100x what the last scan cost); in between only the stat of the
 * known VM threads is re-read, once per interval. */
#define VM_RESCAN_NS (10ull * 1000000000u)
#define VM_RESCAN_COST_X 100

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

/* Where the frame's %irq/%soft come from, and the note that says so. */
static void frame_time_source(struct top_frame *f, const struct rates *rt, const struct frame_times *ft)
{
	struct arena *a = &f->arena;
	if (ft) {
		f->pct_src = PCT_TRACE;
		f->pct_note = "time in IRQ/softirq measured from tracepoints (handler self time)";
		if (ft->coverage >= 0 && ft->coverage < 0.9)
			f->pct_note = arena_printf(
				a,
				"time in IRQ/softirq from tracepoints (handler self time); only %.0f%% "
				"of the handler runs /proc counted on CPU %d were recorded (the kernel did "
				"not deliver every sample, as on idle CPUs of a VM): times scaled from the "
				"recorded runs' mean",
				100.0 * ft->coverage, ft->coverage_cpu);
	} else if (rt->irq_accounted == TRI_YES) {
		f->pct_src = PCT_STAT;
		f->pct_note = "time in IRQ/softirq from /proc/stat (kernel accounts IRQ time)";
	} else if (rt->irq_accounted == TRI_NO) {
		f->pct_src = PCT_STAT_TICK;
		f->pct_note =
			"%irq not accounted by this kernel (no CONFIG_IRQ_TIME_ACCOUNTING: /proc/stat irq stays 0); "
			"%soft is a tick-sampled estimate; run as root for tracepoint times";
	} else {
		f->pct_src = PCT_NONE;
		f->pct_note = "time in IRQ/softirq unknown (/proc/stat unreadable)";
	}
}

/* The busiest device IRQ of each column (-1 none): one pass over the IRQs that moved
 * (most rows of a big host have no per-CPU rates in an interval). */
static int *busiest_per_column(const struct rates *rt, struct arena *a)
{
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
	return best_i;
}

/* One row per online CPU: rates, time shares and the busiest device IRQ. */
static void frame_cpus(struct top_frame *f, const struct rates *rt, const struct frame_times *ft, double trace_secs)
{
	struct arena *a = &f->arena;
	bool stat_irq = rt->irq_accounted == TRI_YES;
	int *best_i = busiest_per_column(rt, a);
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
		if (ft && trace_secs > 0) {
			o->irq_pct = 100.0 * ft->irq_ns[id] / (trace_secs * 1e9);
			o->softirq_pct = 100.0 * ft->soft_ns[id] / (trace_secs * 1e9);
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
	}
}

/* Where an IRQ landed in the interval as a compact CPU list ("0-3,8"); *top_cpu and
 * *best: the CPU that took most of it and its rate. */
static const char *landed_on(struct arena *a, const struct rates *rt, const struct rate_irq *q, int *top_cpu,
			     double *best)
{
	struct buf cl = { 0 };
	int prev = -2, run = -1;
	*best = 0;
	for (int c = 0; q->cpu_rate && c < rt->ncols; c++) {
		int id = rt->col_cpu[c];
		if (q->cpu_rate[c] > *best) {
			*best = q->cpu_rate[c];
			*top_cpu = id;
		}
		if (q->cpu_rate[c] <= 0)
			continue;
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
	const char *s = arena_strdup(a, cl.data ? cl.data : "");
	buf_free(&cl);
	return s;
}

/* Sources: everything that fired (sorted later by top_frame_sort). */
static void frame_srcs(struct top_frame *f, const struct rates *rt, const struct frame_times *ft, double trace_secs)
{
	struct arena *a = &f->arena;
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
		double best;
		s->cpus = landed_on(a, rt, q, &s->top_cpu, &best);
		if (q->rate > 0)
			s->top_cpu_share = best / q->rate;
		if (ft && trace_secs > 0 && (q->number >= 0 || trace_vector_of_row(q->name))) {
			s->time_pct = 100.0 * ft->row_ns[i] / (trace_secs * 1e9);
			s->max_ns = ft->row_max[i];
		}
	}
}

/* Hot CPUs and IRQ sources, from the frame's own numbers (thresholds: model/thresholds.h). */
static void frame_hot(struct top_frame *f)
{
	struct arena *a = &f->arena;
	double netblk_total = 0;
	for (int c = 0; c < f->ncpus; c++) {
		const double *v = f->cpus[c].softirq;
		if (v[SOFTIRQ_NET_RX] > 0)
			netblk_total += v[SOFTIRQ_NET_RX];
		if (v[SOFTIRQ_BLOCK] > 0)
			netblk_total += v[SOFTIRQ_BLOCK];
	}
	for (int c = 0; c < f->ncpus; c++) {
		struct top_cpu *o = &f->cpus[c];
		double pct = (o->irq_pct > 0 ? o->irq_pct : 0) + (o->softirq_pct > 0 ? o->softirq_pct : 0);
		double nb = (o->softirq[SOFTIRQ_NET_RX] > 0 ? o->softirq[SOFTIRQ_NET_RX] : 0) +
			    (o->softirq[SOFTIRQ_BLOCK] > 0 ? o->softirq[SOFTIRQ_BLOCK] : 0);
		if (pct >= TOP_HOT_CPU_PCT && (o->irq_src == PCT_TRACE || o->irq_src == PCT_STAT)) {
			o->hot = true;
			o->hot_why = arena_printf(a, "%.0f%% of its time in IRQ/softirq", pct);
		} else if (f->ncpus > 1 && o->dev_irq_rate >= TOP_HOT_CPU_RATE &&
			   o->dev_irq_rate >= TOP_HOT_CPU_SHARE * f->dev_irq_total) {
			o->hot = true;
			o->hot_why = arena_printf(a, "%.0f%% of the host's device IRQs",
						  100.0 * o->dev_irq_rate / f->dev_irq_total);
		} else if (f->ncpus > 1 && nb >= TOP_HOT_CPU_RATE && nb >= TOP_HOT_CPU_SHARE * netblk_total) {
			o->hot = true;
			o->hot_why = arena_printf(a, "%.0f%% of the host's NET_RX+BLOCK softirqs",
						  100.0 * nb / netblk_total);
		}
	}
	for (int i = 0; i < f->nsrcs; i++) {
		struct top_src *s = &f->srcs[i];
		s->hot = s->number >= 0 &&
			 ((s->rate >= TOP_HOT_CPU_RATE && s->top_cpu_share >= TOP_HOT_SRC_SHARE && f->ncpus > 1) ||
			  s->time_pct >= TOP_HOT_SRC_PCT);
	}
}

void top_frame_build(struct top_frame *f, const struct rates *rt, const struct trace_totals *tt, double trace_secs,
		     uint64_t lost)
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
	struct frame_times times, *ft = NULL;
	if (tt) {
		frame_trace_times(&times, rt, tt, trace_secs, a);
		ft = &times;
	}
	frame_time_source(f, rt, ft);
	frame_cpus(f, rt, ft, trace_secs);
	frame_srcs(f, rt, ft, trace_secs);
	frame_hot(f);
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

void top_frame_sort(struct top_frame *f)
{
	qsort(f->srcs, (size_t)f->nsrcs, sizeof(f->srcs[0]), cmp_src);
}

/* ---------------------------------------------------------------- VMs */

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
void vm_watch_tick(struct vm_watch *w, const struct source *src)
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
void top_frame_vms(struct top_frame *f, const struct vm_watch *w, int max_cpu)
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
			ot->cpu = t->has_allowed && cpuset_count(&t->allowed) == 1 ? cpuset_next(&t->allowed, 0)
										   : t->last_cpu;
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

struct vm_watch *vm_watch_new(const struct source *src)
{
	struct vm_watch *w = calloc(1, sizeof(*w));
	if (w)
		vms_scan(w, src);
	return w;
}

void vm_watch_free(struct vm_watch *w)
{
	if (w && w->have)
		host_free(&w->h);
	free(w);
}

/* The text report: what an operator pastes into a ticket. 80 columns, colour only on a terminal. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/host.h"
#include "model/query.h"
#include "render/journal.h"
#include "render/render.h"
#include "rules/finding.h"
#include "util/buf.h"
#include "util/compat.h"
#include "util/str.h"

#define BOLD "\033[1m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define CYAN "\033[36m"
#define GREEN "\033[32m"
#define RESET "\033[0m"

struct ctx {
	const struct host *h;
	struct arena *a;	/* this rendering's strings (freed at its end): never the model's arena */
	const struct render_opts *o;
	struct buf *out;	/* what the sections write to: final, or a scratch buffer (journal) */
	struct buf *final;
};

/* o->journal: move what was written since the last flush to final, each line with the
 * syslog priority of sev (render/journal.h). */
static void flush(const struct ctx *x, enum severity sev)
{
	if (x->out == x->final)
		return;
	journal_append_lines(x->final, x->out->data, x->out->len, journal_prio(sev));
	buf_reset(x->out);
}

static const char *c(const struct ctx *x, const char *code)
{
	return x->o->color ? code : "";
}

static void section(const struct ctx *x, const char *title)
{
	buf_printf(x->out, "\n%s%s%s\n", c(x, BOLD), title, c(x, RESET));
}

static const char *tri_color(const struct ctx *x, enum tri t, bool good_is_yes)
{
	if (t == TRI_UNKNOWN)
		return c(x, YELLOW);
	return (t == TRI_YES) == good_is_yes ? c(x, GREEN) : c(x, RED);
}

static void kv(const struct ctx *x, const char *key, const char *color, const char *val, const char *note)
{
	buf_printf(x->out, "  %-20s %s%-8s%s", key, color, val, c(x, RESET));
	if (note && *note) {
		/* The note wraps under itself. */
		buf_putc(x->out, ' ');
		render_wrap(x->out, note, 32, 32, x->o->width);
	} else {
		buf_putc(x->out, '\n');
	}
}

static void platform(const struct ctx *x)
{
	const struct host *h = x->h;
	const struct platform *p = &h->platform;
	section(x, "Platform");
	kv(x, "IOMMU", tri_color(x, p->iommu, true), tri_onoff(p->iommu), p->iommu_evidence);
	kv(x, "Interrupt remapping", tri_color(x, p->interrupt_remapping, true), tri_onoff(p->interrupt_remapping),
	   p->ir_evidence);
	if (p->interrupt_remapping != TRI_NO)
		kv(x, "Remapping mode", p->ir_mode == IR_MODE_X2APIC ? c(x, GREEN) : c(x, YELLOW), ir_mode_name(p->ir_mode),
		   p->ir_mode != IR_MODE_UNKNOWN ? NULL
		   : !h->has_klog ? "the kernel log was not read (it names the mode)"
		   : p->arch && strcmp(p->arch, "x86_64") ? "x2APIC/xAPIC modes are x86's"
		   : "no \"Enabled IRQ remapping in ... mode\" message in the log");
	kv(x, "x2APIC", "", tri_onoff(p->x2apic), NULL);
	if (p->default_domain && p->iommu == TRI_YES)
		kv(x, "Default domain", "", p->default_domain, "iommu default domain type (kernel log)");
	if (p->apicv_param)
		kv(x, "APICv/AVIC", tri_color(x, p->apicv, true), tri_onoff(p->apicv), p->apicv_param);
	if (p->unsafe_interrupts != TRI_UNKNOWN)
		kv(x, "Unsafe interrupts", tri_color(x, p->unsafe_interrupts, false), tri_onoff(p->unsafe_interrupts),
		   p->unsafe_param);
	if (p->vfio_devices)
		buf_printf(x->out, "  %-20s %d device(s) bound to vfio-pci\n", "VFIO", p->vfio_devices);
	if (h->has_cmdline) {
		buf_printf(x->out, "  %-20s ", "Command line");
		render_wrap(x->out, h->cmdline.raw, 23, 23, x->o->width);
	}
}

#define DEV_NOTES_COL 49	/* where "IRQ CPUs / notes" starts */

/*
 * A CPU list too long for the notes column, abbreviated: "56 CPUs (even 0-110)" when it
 * is every other CPU of a range, else "48 CPUs". The table's legend says so; -v and
 * --json list them.
 */
static const char *cpus_short(const struct ctx *x, const struct cpuset *s)
{
	struct arena *a = x->a;
	int n = cpuset_count(s), first = cpuset_next(s, 0), last = first;
	bool stride2 = n >= 3;
	for (int c = cpuset_next(s, first + 1); c >= 0; c = cpuset_next(s, c + 1)) {
		stride2 &= c == last + 2;
		last = c;
	}
	if (stride2)
		return arena_printf(a, "%d CPUs (%s %d-%d)", n, first % 2 ? "odd" : "even", first, last);
	return arena_printf(a, "%d CPUs", n);
}

static const char *dev_cpus(const struct ctx *x, const struct pci_dev *d, bool *cut)
{
	struct arena *a = x->a;
	struct cpuset all;
	cpuset_init(&all, a, x->h->max_cpu);
	for (int k = 0; k < d->nirqs; k++) {
		struct cpuset s, u;
		irq_cpus(x->a, x->h, d->irqs[k], IRQ_CPUS_ALLOWED, &s);
		cpuset_or(&u, a, &all, &s);
		all = u;
	}
	if (cpuset_empty(&all))
		return "-";
	const char *list = cpulist(x->a, x->h, &all);
	if (!x->o->verbose && render_cols(list, strlen(list)) > x->o->width - DEV_NOTES_COL) {
		*cut = true;
		return cpus_short(x, &all);
	}
	return list;
}

static void devices(const struct ctx *x)
{
	const struct host *h = x->h;
	section(x, "Devices");
	int shown = 0, hidden = 0;
	bool cut = false;
	buf_printf(x->out, "  %-13s %-13s %-7s %-5s %-4s %s\n", "BDF", "Driver", "Mode", "Vec", "Node", "IRQ CPUs / notes");
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		if (!d->nirqs && d->irq_mode != IRQ_MODE_INTX) {
			hidden++;
			continue;
		}
		if (!x->o->verbose && shown >= 40) {
			hidden++;
			continue;
		}
		shown++;
		char vec[16], node[8];
		if (d->cfg_full && d->cfg.has_msix == TRI_YES)
			snprintf(vec, sizeof(vec), "%d/%u", d->nirqs, d->cfg.msix_table_size);
		else
			snprintf(vec, sizeof(vec), "%d", d->nirqs);
		snprintf(node, sizeof(node), "%d", d->numa_node);
		const char *mode = irq_mode_name(d->irq_mode);
		const char *mc = d->irq_mode == IRQ_MODE_INTX ? c(x, YELLOW) : d->irq_mode == IRQ_MODE_UNKNOWN ? c(x, YELLOW) : "";
		char drv[14];
		snprintf(drv, sizeof(drv), "%s", d->driver ? d->driver : d->in_sysfs ? "-" : "?");
		buf_printf(x->out, "  %-13s %-13s %s%-7s%s %-5s %-4s ", d->bdf, drv, mc, mode, c(x, RESET), vec,
			   d->numa_node >= 0 ? node : "-");
		/* The notes column wraps under itself: a long CPU list breaks between its items,
		 * and a vector's name is never cut. */
		struct buf notes = { 0 };
		buf_puts(&notes, dev_cpus(x, d, &cut));
		if (d->netdev)
			buf_printf(&notes, " %s", d->netdev);
		if (d->nirqs && d->irqs[0]->actions && d->irqs[0]->chip_kind != CHIP_IOAPIC) {
			/* The driver's name for its vectors: the first one's, whole. */
			buf_printf(&notes, " [%s%s]", d->irqs[0]->actions, d->nirqs > 1 ? ",…" : "");
		} else if (d->nirqs) {
			buf_printf(&notes, " [irq %d: %s]", d->irqs[0]->number, d->irqs[0]->actions);
		}
		render_wrap(x->out, notes.data, DEV_NOTES_COL, DEV_NOTES_COL, x->o->width);
		buf_free(&notes);
	}
	if (!h->ndevs)
		buf_printf(x->out, "  (no PCI devices known)\n");
	if (hidden)
		buf_printf(x->out, "  … %d more device(s) %s\n", hidden,
			   h->has_interrupts ? "without interrupts or beyond the first 40 (-v shows all)"
					     : "whose IRQs are unknown (--json lists them)");
	if (cut)
		buf_printf(x->out, "  N CPUs: a CPU list too long for the column (-v or --json lists them)\n");
}

struct cpu_row {
	int cpu;
	double load;
};

static int cmp_row(const void *a, const void *b)
{
	const struct cpu_row *x = a, *y = b;
	if (x->load != y->load)
		return x->load < y->load ? 1 : -1;
	return x->cpu - y->cpu;
}

static const char *vcpus_on(const struct ctx *x, int cpu)
{
	const struct host *h = x->h;
	struct buf b = { 0 };
	int n = 0;
	for (int i = 0; i < h->nvms; i++)
		for (int k = 0; k < h->vms[i].nthreads; k++) {
			const struct vm_thread *t = &h->vms[i].threads[k];
			if (t->vcpu < 0)
				continue;
			bool here = t->pinned ? cpuset_test(&t->allowed, cpu) : t->last_cpu == cpu;
			if (!here)
				continue;
			if (n++ < 3)
				buf_printf(&b, "%s%s/%d%s", b.len ? "," : "", h->vms[i].name, t->vcpu, t->pinned ? "" : "~");
		}
	if (n > 3)
		buf_printf(&b, ",+%d", n - 3);
	const char *r = arena_strdup(x->a, b.data ? b.data : "");
	buf_free(&b);
	return r;
}

/* The roles model in one or two lines, only when a source reserves or declares something:
 * which CPUs are isolated, run pinned vCPUs or are housekeeping, and who says so. */
static void cpu_roles_text(const struct ctx *x)
{
	const struct host *h = x->h;
	const struct host_roles *r = &h->roles;
	struct arena *a = x->a;
	if (!r->derived || (cpuset_empty(&r->reserved) && cpuset_empty(&r->declared_hk)))
		return;
	struct buf b = { 0 };
	if (!cpuset_empty(&r->isolated))
		buf_printf(&b, "isolated %s (%s)", cpulist(x->a, h, &r->isolated),
			   roles_isolated_why(x->a, h, &r->isolated));
	if (!cpuset_empty(&r->vm))
		buf_printf(&b, "%svCPUs pinned on %s", b.len ? "; " : "", cpulist(x->a, h, &r->vm));
	const char *hk_src = "";
	if (!cpuset_empty(&r->declared_hk)) {
		struct buf s = { 0 };
		for (int k = 0; k < RS_N; k++)
			if ((RS_BIT(k) & RS_HOUSEKEEPING) && r->has[k])
				buf_printf(&s, "%s%s", s.len ? ", " : "", role_src_name(k));
		hk_src = arena_printf(a, " (%s)", s.data ? s.data : "");
		buf_free(&s);
	}
	buf_printf(&b, "%shousekeeping %s%s", b.len ? "; " : "",
		   cpuset_empty(&r->housekeeping) ? "none" : cpulist(x->a, h, &r->housekeeping), hk_src);
	struct cpuset rcu_only;
	if (r->has[RS_RCU_NOCBS]) {
		cpuset_andnot(&rcu_only, a, &r->src[RS_RCU_NOCBS], &r->isolated);
		if (!cpuset_empty(&rcu_only))	/* recorded, but no reason to keep interrupts off */
			buf_printf(&b, "; %s only in rcu_nocbs= (not isolation)", cpulist(x->a, h, &rcu_only));
	}
	buf_puts(x->out, "  CPU roles: ");
	render_wrap(x->out, b.data, 13, 4, x->o->width);
	buf_free(&b);
}

#define CPU_VCPUS_COL 70	/* where the vCPUs column starts */

static void cpu_load(const struct ctx *x)
{
	const struct host *h = x->h;
	struct load l;
	device_load(x->a, h, &l);
	bool rates = l.rate_based;
	char title[128];
	snprintf(title, sizeof(title), "CPU load (device interrupts %s)",
		 rates ? "and softirqs per second" : "and softirqs since boot");
	section(x, title);
	if (rates)
		buf_printf(x->out, "  sampled over %.1f s\n", h->sample_seconds);
	buf_printf(x->out, "  %-5s %-4s %12s %6s %10s %10s %6s %6s  %s\n", "CPU", "Node", "Device IRQs", "Share",
		   "NET_RX", "BLOCK", "irq%", "soft%", "vCPUs");
	struct cpu_row *rows = calloc((size_t)h->max_cpu + 1, sizeof(*rows));
	int n = 0;
	for (int cpu = 0; cpu <= h->max_cpu; cpu++)
		if (h->cpus[cpu].online)
			rows[n++] = (struct cpu_row){ cpu, l.per_cpu[cpu] };
	int limit = n;
	if (!x->o->verbose && n > 16) {
		qsort(rows, (size_t)n, sizeof(*rows), cmp_row);
		limit = 16;
	}
	for (int i = 0; i < limit; i++) {
		const struct host_cpu *cpu = &h->cpus[rows[i].cpu];
		char node[8], irqp[16], softp[16], rx[24], blk[24];
		snprintf(node, sizeof(node), "%d", cpu->node);
		if (cpu->irq_pct >= 0)
			snprintf(irqp, sizeof(irqp), "%.1f", cpu->irq_pct);
		else
			strcpy(irqp, "-");
		if (cpu->softirq_pct >= 0)
			snprintf(softp, sizeof(softp), "%s%.1f", cpu->softirq_src == TIME_STAT_TICK ? "~" : "",
				 cpu->softirq_pct);
		else
			strcpy(softp, "-");
		if (rates) {
			snprintf(rx, sizeof(rx), "%.0f", cpu->softirq_rate[SOFTIRQ_NET_RX] > 0 ? cpu->softirq_rate[SOFTIRQ_NET_RX] : 0);
			snprintf(blk, sizeof(blk), "%.0f", cpu->softirq_rate[SOFTIRQ_BLOCK] > 0 ? cpu->softirq_rate[SOFTIRQ_BLOCK] : 0);
		} else if (cpu->has_softirq) {
			snprintf(rx, sizeof(rx), "%llu", (unsigned long long)cpu->softirq[SOFTIRQ_NET_RX]);
			snprintf(blk, sizeof(blk), "%llu", (unsigned long long)cpu->softirq[SOFTIRQ_BLOCK]);
		} else {
			strcpy(rx, "-");
			strcpy(blk, "-");
		}
		double share = l.total > 0 ? 100.0 * rows[i].load / l.total : 0;
		bool hot = load_cpu_is_hot(&l, rows[i].load, n);
		/* Without a parsed /proc/interrupts the device load is unknown, not 0 / 0%. */
		char cnt[24] = "-", shr[16] = "-";
		if (h->has_interrupts) {
			snprintf(cnt, sizeof(cnt), "%.0f", rows[i].load);
			snprintf(shr, sizeof(shr), "%.0f%%", share);
		}
		/* The vCPUs column is what is left of 80: a longer one goes on a line of its own. */
		const char *vc = vcpus_on(x, cpu->id);
		const char *tail = cpu->isolated ? arena_printf(x->a, "%s%s[isolated]", vc, *vc ? " " : "") : vc;
		bool fits = CPU_VCPUS_COL + render_cols(tail, strlen(tail)) <= x->o->width;
		buf_printf(x->out, "  %s%-5d%s %-4s %12s %6s %10s %10s %6s %6s  %s\n", hot ? c(x, RED) : "", cpu->id,
			   hot ? c(x, RESET) : "", cpu->node >= 0 ? node : "-", cnt, shr, rx, blk, irqp, softp,
			   fits ? tail : "");
		if (!fits) {
			buf_pad(x->out, 8);
			render_wrap(x->out, arena_printf(x->a, "vCPUs: %s", tail), 8, 15, x->o->width);
		}
	}
	if (limit < n)
		buf_printf(x->out, "  … %d more CPU(s) with less device interrupt load (-v shows all)\n", n - limit);
	free(rows);
	if (!rates) {
		buf_printf(x->out, "  irq%%/soft%%: not sampled (use --interval)\n");
	} else if (h->time_note) {
		/* which source the irq%/soft% columns (and the findings' times) come from */
		buf_printf(x->out, "  irq%%/soft%%: ");
		render_wrap(x->out,
			    h->time_src == TIME_STAT_TICK ? arena_printf(x->a, "%s (~: estimate)", h->time_note)
							  : h->time_note,
			    14, 4, x->o->width);
	}
	if (h->nvms)
		buf_printf(x->out, "  vCPUs: vm/vcpu pinned there, ~ when not pinned and last seen there, +N more\n");
	cpu_roles_text(x);
}

/* A line of the report as formatted, wrapped (indent spaces on later lines) only when it
 * is wider than the report: the spacing of a line that fits is kept. */
static void line_fit(const struct ctx *x, int indent, const char *fmt, ...) PRINTF(3, 4);
static void line_fit(const struct ctx *x, int indent, const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.data && render_cols(b.data, b.len) > x->o->width) {
		size_t lead = strspn(b.data, " ");
		buf_pad(x->out, lead);
		render_wrap(x->out, b.data + lead, (int)lead, indent, x->o->width);
	} else {
		buf_printf(x->out, "%s\n", b.data ? b.data : "");
	}
	buf_free(&b);
}

static void vms(const struct ctx *x)
{
	const struct host *h = x->h;
	section(x, "VMs");
	if (!h->proc_scanned) {
		buf_printf(x->out, "  unknown: the process list was not available\n");
		return;
	}
	if (!h->nvms) {
		buf_printf(x->out, "  no VM processes (QEMU/KVM, Firecracker, cloud-hypervisor, crosvm) found\n");
		return;
	}
	for (int i = 0; i < h->nvms; i++) {
		const struct vm *vm = &h->vms[i];
		line_fit(x, 4, "  %s (pid %d, %s): %d vCPU(s), %s on CPUs %s", vm->name, vm->pid,
			 vm->vmm ? vm->vmm : "?", vm->nvcpus, vm->vcpus_pinned ? "pinned" : "not pinned",
			 cpulist(x->a, h, &vm->vcpu_cpus));
		int shown = 0;
		for (int k = 0; k < vm->nthreads && (x->o->verbose || shown < 8); k++, shown++) {
			const struct vm_thread *t = &vm->threads[k];
			line_fit(x, 6, "    tid %-7d %-16s allowed %-12s last CPU %d", t->tid, t->comm,
				 t->has_allowed ? cpulist(x->a, h, &t->allowed) : "?", t->last_cpu);
		}
		if (vm->nthreads > shown)
			buf_printf(x->out, "    … %d more thread(s) (-v or --json lists them)\n", vm->nthreads - shown);
	}
}

static void irqbalance(const struct ctx *x)
{
	const struct host *h = x->h;
	const struct irqbalance *ib = &h->irqbalance;
	section(x, "irqbalance");
	if (ib->running == TRI_YES)
		buf_printf(x->out, "  running (pid %d)%s\n", ib->pid, ib->oneshot ? ", oneshot" : "");
	else if (ib->running == TRI_NO)
		buf_printf(x->out, "  not running\n");
	else
		buf_printf(x->out, "  unknown (process list not available)\n");
	if (ib->config_path)
		line_fit(x, 4, "  config %s: BANNED_CPULIST=%s%s%s%s%s", ib->config_path,
			   ib->banned_cpulist ? ib->banned_cpulist : "(unset)", ib->banned_cpus ? " BANNED_CPUS=" : "",
			   ib->banned_cpus ? ib->banned_cpus : "", ib->args ? " ARGS=" : "", ib->args ? ib->args : "");
	if (ib->banned_known)
		line_fit(x, 4, "  %s: %s (%s)", ib->running == TRI_YES ? "banned CPUs" : "would ban",
			 cpuset_empty(&ib->banned) ? "none" : cpulist(x->a, h, &ib->banned), ib->banned_source);
}

#define LIST_SHOWN 8

/* Same key but for its numbers ("irq 41" and "irq 7")? Keys without a number never form a list. */
static bool same_shape(const char *a, const char *b)
{
	bool digits = false;
	while (*a && *b) {
		bool da = *a >= '0' && *a <= '9', db = *b >= '0' && *b <= '9';
		if (da != db)
			return false;
		if (da) {
			digits = true;
			while (*a >= '0' && *a <= '9')
				a++;
			while (*b >= '0' && *b <= '9')
				b++;
			continue;
		}
		if (*a++ != *b++)
			return false;
	}
	return digits && !*a && !*b;
}

/* How many evidence items from k on have keys of one shape. */
static int evidence_run(const struct finding *f, int k)
{
	int n = 1;
	while (k + n < f->nevidence && same_shape(f->evidence[k].key, f->evidence[k + n].key))
		n++;
	return n;
}

static void evidence_line(const struct ctx *x, const struct evidence *e)
{
	struct buf line = { 0 };
	buf_printf(&line, "%s: %s", e->key, e->value);
	buf_puts(x->out, "    - ");
	render_wrap(x->out, line.data, 6, 8, x->o->width);
	buf_free(&line);
}

static void findings(const struct ctx *x, const struct findings *fs)
{
	section(x, "Findings");
	flush(x, SEV_INFO);
	int w = x->o->width;
	for (int i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		const char *col = f->severity == SEV_CRITICAL ? RED : f->severity == SEV_WARNING ? YELLOW : CYAN;
		const char *sev = f->severity == SEV_CRITICAL ? "CRITICAL" : f->severity == SEV_WARNING ? "WARNING" : "INFO";
		buf_printf(x->out, "\n  %s%s%-8s%s %s%s%s\n", c(x, BOLD), c(x, col), sev, c(x, RESET), c(x, BOLD), f->id, c(x, RESET));
		buf_pad(x->out, 4);
		render_wrap(x->out, f->title, 4, 4, w);
		for (int k = 0; k < f->nevidence; k++) {
			/* A long run of items ("irq 41", "irq 42", ...) shows its first LIST_SHOWN;
			 * JSON has them all. */
			int run = evidence_run(f, k);
			if (run > LIST_SHOWN && !x->o->verbose) {
				for (int r = 0; r < LIST_SHOWN; r++)
					evidence_line(x, &f->evidence[k + r]);
				buf_printf(x->out, "    - and %d more (see --json)\n", run - LIST_SHOWN);
				k += run - 1;
				continue;
			}
			evidence_line(x, &f->evidence[k]);
		}
		if (f->meaning && *f->meaning && strcmp(f->id, "ok") != 0) {
			buf_puts(x->out, "    Meaning: ");
			render_wrap(x->out, f->meaning, 13, 13, w);
		}
		if (f->decision && *f->decision) {
			buf_puts(x->out, "    Decide:  ");
			render_wrap(x->out, f->decision, 13, 13, w);
		}
		for (int k = 0; k < f->nfix; k++) {
			if (finding_fix_is_note(f, k)) {
				buf_puts(x->out, "    Note: ");
				render_wrap(x->out, f->fix[k], 10, 10, w);
			} else {
				buf_puts(x->out, "    $ ");
				render_wrap_command(x->out, f->fix[k], 6, 8, w);
			}
		}
		flush(x, f->severity);
	}
}

static void unreadable(const struct ctx *x)
{
	const struct host *h = x->h;
	if (!h->nunreadable)
		return;
	section(x, "Not read (reported as unknown)");
	for (int i = 0; i < h->nunreadable; i++) {
		const struct unreadable *u = &h->unreadable[i];
		struct buf line = { 0 };
		buf_printf(&line, "%s%s: %s%s%s", u->path, u->count > 1 ? arena_printf(x->a, " (%d)", u->count) : "",
			   u->reason, *u->effect ? " — " : "", u->effect);
		buf_puts(x->out, "  - ");
		render_wrap(x->out, line.data, 4, 4, x->o->width);
		buf_free(&line);
	}
}

void render_text(const struct host *h, const struct findings *fs, const struct render_opts *o, struct buf *out)
{
	struct render_opts def = { .width = 80 };
	if (!o)
		o = &def;
	size_t start = out->len;	/* what this report adds is made terminal-safe at the end */
	struct buf scratch = { 0 };
	struct arena own = { 0 };
	struct ctx x = { h, &own, o, o->journal ? &scratch : out, out };
	int online = h->has_online ? cpuset_count(&h->online) : h->ncols;
	buf_printf(x.out, "%sirqsight check%s — %s (%s)\n", c(&x, BOLD), c(&x, RESET),
		   h->is_live ? "this host" : h->root, h->is_live ? "live" : "snapshot");
	/* Counts of sets that were never read are no figures: "CPUs unknown", "IRQs unknown". */
	struct arena *ha = x.a;
	bool no_pci = false;	/* no sysfs PCI tree: none seen in IRQ names is no "0 devices" */
	for (int i = 0; i < h->nunreadable; i++)
		no_pci |= !strcmp(h->unreadable[i].path, "sys/bus/pci/devices");
	render_wrap(x.out, arena_printf(ha, "kernel %s, %s, %s, %s, %s",
		   h->platform.kernel_release ? h->platform.kernel_release : "unknown",
		   h->platform.arch ? h->platform.arch : "arch unknown",
		   online > 0 ? arena_printf(ha, "%d CPU(s) online", online) : "CPUs unknown",
		   no_pci && !h->ndevs ? "devices unknown" : arena_printf(ha, "%d device(s)", h->ndevs),
		   h->has_interrupts ? arena_printf(ha, "%d IRQ(s)", h->nirqs) : "IRQs unknown"), 0, 2, x.o->width);
	platform(&x);
	devices(&x);
	cpu_load(&x);
	vms(&x);
	irqbalance(&x);
	flush(&x, SEV_INFO);
	findings(&x, fs);
	unreadable(&x);
	flush(&x, SEV_INFO);
	int nc = 0, nw = 0, ni = 0;
	for (int i = 0; i < fs->n; i++) {
		nc += fs->v[i].severity == SEV_CRITICAL;
		nw += fs->v[i].severity == SEV_WARNING;
		ni += fs->v[i].severity == SEV_INFO;
	}
	enum severity worst = findings_worst(fs);
	/* Without /proc/interrupts nothing about IRQs was judged: that is no "OK". */
	bool unknown = worst == SEV_INFO && h->interrupts_unusable;
	buf_printf(x.out, "\nSummary: %d critical, %d warning, %d info — %s%s%s\n", nc, nw, ni,
		   c(&x, worst == SEV_CRITICAL ? RED : worst == SEV_WARNING || unknown ? YELLOW : GREEN),
		   worst == SEV_CRITICAL ? "CRITICAL" : worst == SEV_WARNING ? "WARNING" : unknown ? "UNKNOWN" : "OK",
		   c(&x, RESET));
	if (h->interrupts_unusable)
		render_wrap(x.out,
			    arena_printf(x.a,
					 "%s: /proc/interrupts %s: IRQs, devices' "
					 "interrupt use and CPU load were not judged",
					 unknown ? "Why" : "Also unknown", h->interrupts_unusable),
			    0, 2, x.o->width);
	flush(&x, worst);
	buf_free(&scratch);
	arena_free(&own);
	if (out->data)
		str_terminal_safe(out->data + start, out->len - start);
}

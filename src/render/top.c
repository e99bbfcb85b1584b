/* irqsight top's --batch text and --json lines (docs/top.md); the full-screen view is opt/ncursesw. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "render/top.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"
#include "util/json.h"

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
		fprintf(o, "; %d vhost worker(s)%s%s", vm->nvhost, lvh.len ? " on CPU(s) " : "",
			lvh.len ? lvh.data : "");
	fputc('\n', o);
	buf_free(&lon);
	buf_free(&lvh);
	arena_free(&a);
}

void render_top_text(FILE *o, const struct top_frame *f, int max_srcs, bool all_cpus)
{
	char ts[64];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(o, "irqsight top - %s  interval %.2f s  CPUs %d  device IRQs %.0f/s  softirqs %.0f/s\n", ts, f->seconds,
		f->ncpus, f->dev_irq_total, f->softirq_total >= 0 ? f->softirq_total : 0);
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

void render_top_json(FILE *o, const struct top_frame *f)
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

/* fix's summary, text and JSON (render/fix.h, docs/fix.md). */
#include "render/fix.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"

static void window_line(struct buf *out, const char *what, const struct fix_window *w)
{
	buf_printf(out, "  %-7s %8.0f device interrupts/s, %8.0f softirqs/s on the VM CPUs", what, w->dev_irq_rate,
		   w->softirq_rate);
	if (w->irq_time_pct >= 0)
		buf_printf(out, ", %.1f%% of their time", w->irq_time_pct);
	buf_puts(out, "\n");
}

/* A cost in its unit: "12.5% of a CPU", "840 interrupts/s", "5130046 interrupts since boot". */
static void cost_text(struct buf *out, double cost, const char *unit)
{
	if (unit && unit[0] == '%')
		buf_printf(out, "%.1f%s", cost, unit);
	else
		buf_printf(out, "%.0f interrupts%s", cost, unit ? unit : "");
}

static void items_text(const struct fix_report *r, struct buf *out)
{
	int fixable = 0, other = 0;
	for (int i = 0; i < r->nitems; i++)
		r->items[i].fixable ? fixable++ : other++;
	buf_printf(out, "Diagnosis: %d finding(s) a run-time affinity change fixes%s\n", fixable,
		   fixable ? ", most time taken from the VM CPUs first:" : ".");
	for (int i = 0; i < r->nitems; i++) {
		const struct fix_item *f = &r->items[i];
		if (!f->fixable)
			continue;
		buf_printf(out, "  %-8s %-26s %s", f->severity, f->id, f->title);
		if (f->cost >= 0) {
			buf_puts(out, " (");
			cost_text(out, f->cost, r->cost_unit);
			buf_puts(out, ")");
		}
		buf_puts(out, "\n");
	}
	if (r->nmv)
		buf_printf(out, "IRQs the plan moves off the VM CPUs, most time taken from them first:\n");
	for (int i = 0; i < r->nmv && i < 12; i++) {
		const struct fix_move *m = &r->mv[i];
		buf_printf(out, "  IRQ %-5d %-22s %-13s %s → %s", m->irq, m->name ? m->name : "", m->dev ? m->dev : "-",
			   m->now, m->planned);
		if (m->cost >= 0) {
			buf_puts(out, "  ");
			cost_text(out, m->cost, r->cost_unit);
		}
		buf_puts(out, "\n");
	}
	if (r->nmv > 12)
		buf_printf(out, "  and %d more (see --json)\n", r->nmv - 12);
	if (!other)
		return;
	buf_printf(out, "Not fixed by fix (firmware, boot parameters, kernel-managed IRQs, configuration):\n");
	for (int i = 0; i < r->nitems; i++) {
		const struct fix_item *f = &r->items[i];
		if (f->fixable)
			continue;
		buf_printf(out, "  %-8s %-26s %s\n", f->severity, f->id, f->title);
		for (int k = 0; k < f->nfix; k++)
			buf_printf(out, "           %s%s\n", f->fix_note && f->fix_note[k] ? "" : "$ ", f->fix[k]);
	}
}

void render_fix_text(const struct fix_report *r, struct buf *out)
{
	items_text(r, out);
	buf_printf(out, "\nVM CPUs %s (%s); plan: %d IRQ(s) to move, %d kernel-managed stay.\n", r->vm_cpus,
		   r->vm_from ? r->vm_from : "--vm-cpus", r->moves, r->managed);
	if (r->applied)
		buf_printf(out, "Applied: %d written and read back, %d failed; journal %s\n", r->written,
			   r->write_failed, r->journal ? r->journal : "-");
	if (r->before.done || r->after.done) {
		buf_printf(out, "\nOn the VM CPUs (%.0f s each):\n", r->before.seconds);
		if (r->before.done)
			window_line(out, "before", &r->before);
		if (r->after.done)
			window_line(out, "after", &r->after);
	}
	if (r->has_verdict || (r->before.done && r->after.done)) {
		const struct verdict_res *v = &r->v;
		buf_printf(out, "\nWake-up latency, µs   %8s %8s %8s\n", "p50", "p99", "p99.9");
		buf_printf(out, "  before (%7llu)    %8llu %8llu %8llu\n", (unsigned long long)v->n[0],
			   (unsigned long long)v->p50[0], (unsigned long long)v->p99[0],
			   (unsigned long long)v->p999[0]);
		buf_printf(out, "  after  (%7llu)    %8llu %8llu %8llu\n", (unsigned long long)v->n[1],
			   (unsigned long long)v->p50[1], (unsigned long long)v->p99[1],
			   (unsigned long long)v->p999[1]);
		if (r->has_verdict)
			buf_printf(out,
				   "p99 change %+.0f µs, 95%% interval [%+.0f, %+.0f] (bootstrap, %u resamples, seed "
				   "%llu)\n",
				   v->diff_us, v->lo_us, v->hi_us, v->resamples, (unsigned long long)v->seed);
		buf_printf(out, "Verdict: %s\n", verdict_name(r->has_verdict ? v->v : VERDICT_UNKNOWN));
	}
	buf_printf(out, "\nOutcome: %s", r->outcome);
	if (r->reason)
		buf_printf(out, " (%s)", r->reason);
	buf_puts(out, "\n");
	if (r->restored || r->restore_failed)
		buf_printf(out, "Rolled back: %d value(s) restored, %d failed.\n", r->restored, r->restore_failed);
	if (!strcmp(r->outcome, "pending"))
		buf_printf(out,
			   "The change rolls back by itself in %.0f s unless confirmed:\n"
			   "  irqsight fix --confirm    (keep it)\n  irqsight fix --abort      (roll back now)\n",
			   r->confirm_s);
	if (!strcmp(r->outcome, "confirmed") && r->plan)
		buf_printf(out,
			   "Kept until reboot. Make it permanent (irqsight-keep.service, irqbalance ban):\n"
			   "  irqsight persist %s\n",
			   r->plan);
	else if (!strcmp(r->outcome, "confirmed"))
		buf_printf(
			out,
			"Kept until reboot. Make it permanent (irqsight-keep.service, irqbalance ban):\n"
			"  irqsight plan --vm-cpus %s -o /etc/irqsight/plan && irqsight persist /etc/irqsight/plan\n",
			r->vm_cpus);
	if (r->out_dir)
		buf_printf(out, "Bundle: %s\n", r->out_dir);
	buf_printf(out, "Elapsed: %.0f s\n", r->elapsed_s);
}

static void window_json(struct json *j, const char *key, const struct fix_window *w)
{
	if (!w->done) {
		json_null(j, key);
		return;
	}
	json_obj_begin(j, key);
	json_double(j, "seconds", w->seconds, 1);
	json_double(j, "device_irqs_per_s", w->dev_irq_rate, 1);
	json_double(j, "softirqs_per_s", w->softirq_rate, 1);
	if (w->irq_time_pct >= 0)
		json_double(j, "irq_time_pct", w->irq_time_pct, 2);
	else
		json_null(j, "irq_time_pct");
	json_bool(j, "sched_fifo", w->fifo);
	json_str(j, "attribution", w->attribution);
	json_obj_end(j);
}

static void pair(struct json *j, const char *key, uint64_t a, uint64_t b)
{
	json_obj_begin(j, key);
	json_uint(j, "before", a);
	json_uint(j, "after", b);
	json_obj_end(j);
}

void render_fix_json(const struct fix_report *r, struct buf *out)
{
	struct json j;
	json_init(&j, out, true);
	json_obj_begin(&j, NULL);
	json_str(&j, "schema", "irqsight-fix");
	json_int(&j, "version", 1);
	json_str(&j, "vm_cpus", r->vm_cpus);
	json_str(&j, "vm_cpus_from", r->vm_from);
	json_arr_begin(&j, "findings");
	for (int i = 0; i < r->nitems; i++) {
		const struct fix_item *f = &r->items[i];
		json_obj_begin(&j, NULL);
		json_str(&j, "id", f->id);
		json_str(&j, "severity", f->severity);
		json_str(&j, "title", f->title);
		json_bool(&j, "fixable", f->fixable);
		if (f->cost >= 0)
			json_double(&j, "cost", f->cost, 2);
		else
			json_null(&j, "cost");
		if (!f->fixable) {
			json_arr_begin(&j, "fix");
			for (int k = 0; k < f->nfix; k++)
				json_str(&j, NULL, f->fix[k]);
			json_arr_end(&j);
		}
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_str(&j, "cost_unit", r->cost_unit);
	json_arr_begin(&j, "moves_off_vm_cpus");
	for (int i = 0; i < r->nmv; i++) {
		const struct fix_move *m = &r->mv[i];
		json_obj_begin(&j, NULL);
		json_int(&j, "irq", m->irq);
		json_str(&j, "name", m->name);
		json_str(&j, "device", m->dev);
		json_str(&j, "now", m->now);
		json_str(&j, "planned", m->planned);
		if (m->cost >= 0)
			json_double(&j, "cost", m->cost, 2);
		else
			json_null(&j, "cost");
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_begin(&j, "plan");
	json_int(&j, "moves", r->moves);
	json_int(&j, "managed", r->managed);
	json_str(&j, "file", r->plan);
	json_obj_end(&j);
	json_bool(&j, "applied", r->applied);
	json_int(&j, "written", r->written);
	json_int(&j, "write_failed", r->write_failed);
	json_str(&j, "journal", r->journal);
	json_double(&j, "confirm_s", r->confirm_s, 0);
	window_json(&j, "before", &r->before);
	window_json(&j, "after", &r->after);
	if (r->before.done && r->after.done) {
		const struct verdict_res *v = &r->v;
		json_obj_begin(&j, "latency");
		pair(&j, "samples", v->n[0], v->n[1]);
		pair(&j, "p50_us", v->p50[0], v->p50[1]);
		pair(&j, "p99_us", v->p99[0], v->p99[1]);
		pair(&j, "p99_9_us", v->p999[0], v->p999[1]);
		json_double(&j, "p99_diff_us", v->diff_us, 1);
		if (r->has_verdict) {
			json_arr_begin(&j, "p99_diff_ci95_us");
			json_double(&j, NULL, v->lo_us, 1);
			json_double(&j, NULL, v->hi_us, 1);
			json_arr_end(&j);
		} else {
			json_null(&j, "p99_diff_ci95_us");
		}
		json_uint(&j, "resamples", v->resamples);
		json_uint(&j, "seed", v->seed);
		json_obj_end(&j);
	} else {
		json_null(&j, "latency");
	}
	json_str(&j, "verdict",
		 r->before.done && r->after.done ? verdict_key(r->has_verdict ? r->v.v : VERDICT_UNKNOWN) : NULL);
	json_str(&j, "outcome", r->outcome);
	json_str(&j, "reason", r->reason);
	json_int(&j, "restored", r->restored);
	json_int(&j, "restore_failed", r->restore_failed);
	json_str(&j, "bundle", r->out_dir);
	json_double(&j, "elapsed_s", r->elapsed_s, 1);
	json_int(&j, "exit", r->exit_code);
	json_obj_end(&j);
	json_end(&j);
}

void render_fix_request_json(const char *outcome, const char *reason, const char *journal, int restored, int failed,
			     struct buf *out)
{
	struct json j;
	json_init(&j, out, true);
	json_obj_begin(&j, NULL);
	json_str(&j, "outcome", outcome);
	json_str(&j, "reason", reason);
	json_str(&j, "journal", journal);
	json_int(&j, "restored", restored);
	json_int(&j, "restore_failed", failed);
	json_obj_end(&j);
	json_end(&j);
}

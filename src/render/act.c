/* The output of apply and rollback: the operations table, the summary and --json (docs/plan.md). */
#include <stdio.h>
#include <string.h>

#include "act/apply.h"
#include "render/act.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"
#include "util/json.h"

/* A CPU list cut to a table column ("0,2,4,6,8,1…"); the plan file has it whole. */
static const char *col_s(struct arena *a, const char *s, int w)
{
	if (!s || (int)strlen(s) <= w)
		return s;
	return arena_printf(a, "%.*s…", w - 1, s);
}

void render_act_ops(const struct act_list *ops, struct arena *a, bool show_same, FILE *f)
{
	fprintf(f, "%-11s %-4s %-22s %-13s %-12s   %-12s %s\n", "RESULT", "IRQ", "NAME", "DEVICE", "BEFORE", "AFTER",
		"NOTE");
	for (int i = 0; i < ops->n; i++) {
		const struct act_op *op = &ops->v[i];
		if (op->status == ACT_SAME && !show_same)
			continue;
		char irq[16] = "-";
		if (op->irq >= 0)
			snprintf(irq, sizeof(irq), "%d", op->irq);
		const char *after = op->status == ACT_DONE				? op->readback
				    : op->status == ACT_DRY || op->status == ACT_FAILED ? op->want_text
				    : op->status == ACT_SAME				? op->old
											: "";
		const char *note = op->why ? op->why : "";
		if (op->status == ACT_DONE && op->effective && op->effective_pending)
			note = arena_printf(a,
					    "read back ok; still effective on CPU %s until the IRQ next fires "
					    "(x86 moves an MSI at its next interrupt)",
					    op->effective);
		else if (op->status == ACT_DONE && op->effective)
			note = arena_printf(a, "read back ok; effective CPU %s", op->effective);
		if (op->status == ACT_FAILED && op->err)
			note = arena_printf(a, "%s: %s", strerror(-op->err), op->why);
		if (op->status == ACT_MANAGED)
			after = "(stays)";
		fprintf(f, "%-11s %-4s %-22.22s %-13s %-12s %s %-12s %s\n", act_status_name(op->status), irq,
			op->name ? op->name : "", op->dev ? op->dev : "-",
			col_s(a,
			      op->old			  ? op->old
			      : op->status == ACT_MANAGED ? cpuset_list_str(a, &op->want, "-")
							  : "",
			      12),
			op->status == ACT_DONE || op->status == ACT_DRY || op->status == ACT_FAILED ? "→" : " ",
			col_s(a, after ? after : "", 12), note);
	}
}

void render_act_json(const struct act_list *ops, bool dry, const char *journal, const char *command, FILE *f)
{
	struct buf b = { 0 };
	struct json j;
	json_init(&j, &b, true);
	json_obj_begin(&j, NULL);
	json_str(&j, "command", command);
	json_bool(&j, "dry_run", dry);
	json_str(&j, "journal", journal && *journal ? journal : NULL);
	json_obj_begin(&j, "summary");
	static const char *const keys[] = { NULL,     "already",     "would_write", "written",
					    "failed", "not_movable", "missing",	    "skipped" };
	for (int st = ACT_SAME; st <= ACT_SKIPPED; st++)
		json_int(&j, keys[st], act_count(ops, st));
	json_obj_end(&j);
	json_arr_begin(&j, "operations");
	for (int i = 0; i < ops->n; i++) {
		const struct act_op *op = &ops->v[i];
		json_obj_begin(&j, NULL);
		json_str(&j, "result", act_status_name(op->status));
		if (op->irq >= 0)
			json_int(&j, "irq", op->irq);
		else
			json_null(&j, "irq");
		json_str(&j, "name", op->name);
		json_str(&j, "device", op->dev);
		json_str(&j, "path", op->path);
		json_str(&j, "before", op->old);
		json_str(&j, "planned", op->want_text);
		json_str(&j, "readback", op->readback);
		json_str(&j, "effective", op->effective);
		json_bool(&j, "effective_pending", op->effective_pending);
		json_str(&j, "errno", op->err ? strerrorname_np(-op->err) : NULL);
		json_str(&j, "why", op->why);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
	fwrite(b.data, 1, b.len, f);
	buf_free(&b);
}

void render_apply_summary(const struct apply_summary *s, FILE *f)
{
	const struct act_list *ops = s->ops;
	int done = act_count(ops, ACT_DONE), dry = act_count(ops, ACT_DRY), same = act_count(ops, ACT_SAME),
	    managed = act_count(ops, ACT_MANAGED), missing = act_count(ops, ACT_MISSING),
	    failed = act_count(ops, ACT_FAILED), skipped = act_count(ops, ACT_SKIPPED);
	fprintf(f,
		"\n%s: %d %s, %d already as planned, %d not movable at run time (kernel-managed), "
		"%d missing, %d skipped, %d failed.\n",
		s->yes ? "Applied" : "Dry run", s->yes ? done : dry,
		s->yes ? "written and read back" : "would be written", same, managed, missing, skipped, failed);
	if (managed && s->boot_params)
		fprintf(f,
			"Kernel-managed IRQs do not move at run time. The boot parameters for them: %s\n"
			"  (isolcpus=managed_irq keeps them off isolated CPUs where a queue has another CPU;\n"
			"  irqaffinity= places the other IRQs at boot, not these)\n",
			s->boot_params);
	if (s->journal[0])
		fprintf(f, "Journal: %s (undo: irqsight rollback%s)\n", s->journal,
			s->state_given ? " --state-dir ..." : "");
	if (!s->yes && dry)
		fprintf(f, "Nothing was changed. Write it with: irqsight apply --yes %s\n", s->plan_path);
}

void render_rollback_text(const struct act_list *ops, const struct rollback_head *r, struct arena *a, FILE *f)
{
	int done = act_count(ops, ACT_DONE), same = act_count(ops, ACT_SAME), wd = act_count(ops, ACT_DRY);
	int failed = ops->n - done - same - wd;
	fprintf(f, "Journal %s (%d recorded write(s)%s)\n\n", r->journal, r->recorded,
		r->finished ? "" : ", apply did not finish");
	render_act_ops(ops, a, r->show_same, f);
	fprintf(f, "\n%s: %d %s, %d already at the recorded value, %d could not be restored.\n",
		r->dry ? "Dry run" : "Rollback", r->dry ? wd : done, r->dry ? "would be restored" : "restored", same,
		failed);
}

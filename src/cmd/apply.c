/* irqsight apply: carry out a plan (dry run unless --yes), journaled, read back, explained. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/apply.h"
#include "act/journal.h"
#include "act/plan.h"
#include "cmd/cmd.h"
#include "model/host.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/json.h"

static void apply_usage(FILE *f)
{
	fprintf(f, "Usage: irqsight [--root DIR] apply [--yes] [--force] [--boot] [--state-dir DIR] PLAN\n\n"
		   "Moves IRQs, default_smp_affinity and RPS as the plan says. Without --yes it only shows\n"
		   "what it would do. Every old value is journaled (fsync'd) before it is written, every\n"
		   "write is read back; undo with `irqsight rollback`.\n\n"
		   "  -y, --yes            write (needs root)\n"
		   "  -f, --force          apply a plan made for another CPU layout\n"
		   "      --boot           at boot (systemd unit): quieter, exit 0 when devices are missing\n"
		   "      --state-dir DIR  journal directory (default $IRQSIGHT_STATE_DIR or /var/lib/irqsight)\n");
}

const char *act_state_dir(const char *given)
{
	if (given)
		return given;
	const char *e = getenv("IRQSIGHT_STATE_DIR");
	return e && *e ? e : "/var/lib/irqsight";
}

int act_read_plan(const char *path, struct arena *a, struct plan *p, struct buf *text)
{
	/* The user's path, as given: relative to the current directory, not to --root. */
	int rc = cmd_read_user_file("plan", path, PF_MAX_BYTES, text);
	if (rc)
		return rc;
	const char *why = NULL;
	if (parse_planfile(text->data, text->len, a, p, &why))
		return err("cannot use plan '%s': %s", path, why);
	return 0;
}

/* A CPU list cut to a table column ("0,2,4,6,8,1…"); the plan file has it whole. */
static const char *col_s(struct arena *a, const char *s, int w)
{
	if (!s || (int)strlen(s) <= w)
		return s;
	return arena_printf(a, "%.*s…", w - 1, s);
}

void act_print_ops(const struct act_list *ops, struct arena *a, bool show_same, FILE *f)
{
	fprintf(f, "%-11s %-4s %-22s %-13s %-12s   %-12s %s\n", "RESULT", "IRQ", "NAME", "DEVICE", "BEFORE", "AFTER", "NOTE");
	for (int i = 0; i < ops->n; i++) {
		const struct act_op *op = &ops->v[i];
		if (op->status == ACT_SAME && !show_same)
			continue;
		char irq[16] = "-";
		if (op->irq >= 0)
			snprintf(irq, sizeof(irq), "%d", op->irq);
		const char *after = op->status == ACT_DONE ? op->readback
				  : op->status == ACT_DRY || op->status == ACT_FAILED ? op->want_text
				  : op->status == ACT_SAME ? op->old : "";
		const char *note = op->why ? op->why : "";
		if (op->status == ACT_DONE && op->effective && op->effective_pending)
			note = arena_printf(a, "read back ok; still effective on CPU %s until the IRQ next fires "
					       "(x86 moves an MSI at its next interrupt)", op->effective);
		else if (op->status == ACT_DONE && op->effective)
			note = arena_printf(a, "read back ok; effective CPU %s", op->effective);
		if (op->status == ACT_FAILED && op->err)
			note = arena_printf(a, "%s: %s", strerror(-op->err), op->why);
		if (op->status == ACT_MANAGED)
			after = "(stays)";
		fprintf(f, "%-11s %-4s %-22.22s %-13s %-12s %s %-12s %s\n", act_status_name(op->status), irq,
			op->name ? op->name : "", op->dev ? op->dev : "-",
			col_s(a, op->old ? op->old : op->status == ACT_MANAGED ? cpuset_list_str(a, &op->want, "-") : "", 12),
			op->status == ACT_DONE || op->status == ACT_DRY || op->status == ACT_FAILED ? "→" : " ",
			col_s(a, after ? after : "", 12), note);
	}
}

void act_json_ops(const struct act_list *ops, bool dry, const char *journal, const char *command, FILE *f)
{
	struct buf b = { 0 };
	struct json j;
	json_init(&j, &b, true);
	json_obj_begin(&j, NULL);
	json_str(&j, "command", command);
	json_bool(&j, "dry_run", dry);
	json_str(&j, "journal", journal && *journal ? journal : NULL);
	json_obj_begin(&j, "summary");
	static const char *const keys[] = { NULL, "already", "would_write", "written", "failed",
					    "not_movable", "missing", "skipped" };
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

int act_count(const struct act_list *ops, int s)
{
	int n = 0;
	for (int i = 0; i < ops->n; i++)
		n += (int)ops->v[i].status == s;
	return n;
}

static void irqbalance_advice(const struct host *h, const struct plan *p, struct arena *a)
{
	const struct irqbalance *ib = &h->irqbalance;
	if (ib->running != TRI_YES)
		return;
	bool covered = ib->banned_known && p->has_banned && cpuset_subset(&p->vm_cpus, &ib->banned);
	if (covered)
		return;
	warn("irqbalance is running (pid %d) and does not ban the VM CPUs %s: it will move these IRQs "
	     "back within seconds", ib->pid, cpuset_list_str(a, &p->vm_cpus, "-"));
	fprintf(stderr, "  fix: set IRQBALANCE_BANNED_CPULIST=%s in %s and `systemctl restart irqbalance`,\n"
			"       or run `irqsight persist PLAN`, which does that and re-applies the plan at boot\n",
		p->has_banned ? cpuset_list_str(a, &p->irqbalance_banned, "-") : cpuset_list_str(a, &p->vm_cpus, "-"),
		ib->config_path ? arena_printf(a, "%s%s", ib->config_path[0] == '/' ? "" : "/", ib->config_path)
				: "/etc/default/irqbalance");
}

int cmd_apply(int argc, char **argv, const struct global_opts *g)
{
	static const struct option opts[] = {
		{ "yes", no_argument, 0, 'y' },
		{ "force", no_argument, 0, 'f' },
		{ "boot", no_argument, 0, 'b' },
		{ "state-dir", required_argument, 0, 's' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	bool yes = false, force = false, boot = false;
	const char *state = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "yfh", opts, NULL)) != -1) {
		switch (c) {
		case 'y':
			yes = true;
			break;
		case 'f':
			force = true;
			break;
		case 'b':
			boot = true;
			break;
		case 's':
			state = optarg;
			break;
		case 'h':
			apply_usage(stdout);
			return EXIT_OK;
		default:
			apply_usage(stderr);
			return EXIT_UNKNOWN;
		}
	}
	if (optind + 1 != argc) {
		apply_usage(stderr);
		return EXIT_UNKNOWN;
	}
	const char *plan_path = argv[optind];
	struct source src;
	int r = src_open(&src, g->root);
	if (r)
		return err("cannot open root '%s': %s", g->root, strerror(-r));
	if (yes && src.is_live && geteuid() != 0) {
		src_close(&src);
		return err("apply --yes changes IRQ affinity: run it as root (without --yes it is a dry run)");
	}
	struct arena a = { 0 };
	struct plan p;
	struct buf text = { 0 };
	int lock = -1;
	int rc = act_read_plan(plan_path, &a, &p, &text);
	buf_free(&text);
	if (rc) {
		src_close(&src);
		arena_free(&a);
		return rc;
	}
	struct host h;
	struct host_opts ho = { 0 };	/* the process scan also finds irqbalance */
	r = host_build(&h, &src, &ho);
	if (r) {
		src_close(&src);
		arena_free(&a);
		return err("cannot read the host under '%s': %s", g->root, strerror(-r));
	}
	const char *why = NULL;
	if (!plan_matches_host(&p, &h, &a, &why)) {
		if (!force) {
			rc = err("refusing plan '%s': %s (make a plan on this host, or --force)", plan_path, why);
			goto out;
		}
		warn("%s; applying anyway (--force)", why);
	}
	/* One writer per state directory: two applies (or an apply and a rollback) at once
	 * would read each other's half-written values as "before". A directory that cannot
	 * hold the lock (not root, read-only) cannot hold a journal either: apply then stops
	 * before its first write, as it always did; a held lock or an untrusted directory
	 * stops it here. */
	if (yes && (r = journal_lock(act_state_dir(state), &lock, &why)) && (r == -EBUSY || why)) {
		rc = err("cannot apply: state directory '%s': %s", act_state_dir(state), why ? why : strerror(-r));
		goto out;
	}
	struct act_list ops;
	act_resolve(&p, &h, &src, &a, &ops);
	struct journal j;
	journal_init(&j, act_state_dir(state), src.root, "apply", plan_path);
	struct act_opts ao = { .dry_run = !yes };
	const char *fault = getenv("IRQSIGHT_FAULT_AFTER_WRITES");
	if (fault)
		ao.fault_after = atoi(fault);
	r = act_run(&src, &ops, &ao, &j, &a);
	if (r && ops.refused >= 0) {
		const struct act_op *op = &ops.v[ops.refused];
		rc = err("refusing plan '%s': line %u: '%s': %s; nothing was read or written", plan_path, op->line,
			 op->path, ops.refused_why);
		goto out;
	}
	if (r) {
		act_print_ops(&ops, &a, false, stdout);
		rc = err("cannot write the journal in '%s': %s; stopped before the next write", j.dir, strerror(-r));
		journal_close(&j);
		goto out;
	}
	int done = act_count(&ops, ACT_DONE), dry = act_count(&ops, ACT_DRY), same = act_count(&ops, ACT_SAME),
	    managed = act_count(&ops, ACT_MANAGED), missing = act_count(&ops, ACT_MISSING),
	    failed = act_count(&ops, ACT_FAILED), skipped = act_count(&ops, ACT_SKIPPED);
	char nb[16], fb[16];
	snprintf(nb, sizeof(nb), "%d", done);
	snprintf(fb, sizeof(fb), "%d", failed);
	journal_note(&j, "done", "written", nb, "failed", fb, NULL);
	journal_close(&j);

	if (g->json) {
		act_json_ops(&ops, !yes, j.path, "apply", stdout);
		if (!boot)
			irqbalance_advice(&h, &p, &a);
		if (failed || (!boot && missing))
			rc = EXIT_WARNING;
		goto out;
	}
	if (!boot || done || failed)
		act_print_ops(&ops, &a, g->verbose > 0, stdout);
	printf("\n%s: %d %s, %d already as planned, %d not movable at run time (kernel-managed), "
	       "%d missing, %d skipped, %d failed.\n",
	       yes ? "Applied" : "Dry run", yes ? done : dry, yes ? "written and read back" : "would be written",
	       same, managed, missing, skipped, failed);
	if (managed && p.boot_params)
		printf("Kernel-managed IRQs do not move at run time. The boot parameters for them: %s\n"
		       "  (isolcpus=managed_irq keeps them off isolated CPUs where a queue has another CPU;\n"
		       "  irqaffinity= places the other IRQs at boot, not these)\n", p.boot_params);
	if (j.path[0])
		printf("Journal: %s (undo: irqsight rollback%s)\n", j.path, state ? " --state-dir ..." : "");
	if (!yes && dry)
		printf("Nothing was changed. Write it with: irqsight apply --yes %s\n", plan_path);
	if (!boot)
		irqbalance_advice(&h, &p, &a);
	if (failed || (!boot && missing))
		rc = EXIT_WARNING;
out:
	if (lock >= 0)
		close(lock);
	host_free(&h);
	src_close(&src);
	arena_free(&a);
	return rc;
}

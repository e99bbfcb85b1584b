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
#include "render/act.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"

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

struct apply_args {
	bool yes, force, boot;
	const char *state;	/* --state-dir, or NULL */
	const char *plan_path;
};

/* 0 to go on, -1 after --help, else the exit code. */
static int apply_args(int argc, char **argv, struct apply_args *x)
{
	static const struct option opts[] = {
		{ "yes", no_argument, 0, 'y' },
		{ "force", no_argument, 0, 'f' },
		{ "boot", no_argument, 0, 'b' },
		{ "state-dir", required_argument, 0, 's' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "yfh", opts, NULL)) != -1) {
		switch (c) {
		case 'y': x->yes = true; break;
		case 'f': x->force = true; break;
		case 'b': x->boot = true; break;
		case 's': x->state = optarg; break;
		case 'h': apply_usage(stdout); return -1;
		default:
			apply_usage(stderr);
			return EXIT_UNKNOWN;
		}
	}
	if (optind + 1 != argc) {
		apply_usage(stderr);
		return EXIT_UNKNOWN;
	}
	x->plan_path = argv[optind];
	return 0;
}

int cmd_apply(int argc, char **argv, const struct global_opts *g)
{
	struct apply_args x = { 0 };
	int r = apply_args(argc, argv, &x);
	if (r)
		return r < 0 ? EXIT_OK : r;
	bool yes = x.yes, boot = x.boot;
	const char *state = x.state, *plan_path = x.plan_path;
	struct source *src = cmd_root(g);
	if (!src)
		return EXIT_UNKNOWN;
	r = cmd_need_root_user(yes && src->is_live, "apply --yes changes IRQ affinity",
			       "without --yes it is a dry run");
	if (r)
		return r;
	struct arena a = { 0 };
	struct plan p;
	struct buf text = { 0 };
	int lock = -1;
	int rc = act_read_plan(plan_path, &a, &p, &text);
	buf_free(&text);
	if (rc) {
		arena_free(&a);
		return rc;
	}
	struct host_opts ho = { 0 };	/* the process scan also finds irqbalance */
	struct host *h = cmd_host(g, &ho);
	if (!h) {
		arena_free(&a);
		return EXIT_UNKNOWN;
	}
	const char *why = NULL;
	if (!plan_matches_host(&p, h, &a, &why)) {
		if (!x.force) {
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
	act_resolve(&p, h, src, &a, &ops);
	struct journal j;
	journal_init(&j, act_state_dir(state), src->root, "apply", plan_path);
	struct act_opts ao = { .dry_run = !yes };
	const char *fault = getenv("IRQSIGHT_FAULT_AFTER_WRITES");
	if (fault)
		ao.fault_after = atoi(fault);
	r = act_run(src, &ops, &ao, &j, &a);
	if (r && ops.refused >= 0) {
		const struct act_op *op = &ops.v[ops.refused];
		rc = err("refusing plan '%s': line %u: '%s': %s; nothing was read or written", plan_path, op->line,
			 op->path, ops.refused_why);
		goto out;
	}
	if (r) {
		render_act_ops(&ops, &a, false, stdout);
		rc = err("cannot write the journal in '%s': %s; stopped before the next write", j.dir, strerror(-r));
		journal_close(&j);
		goto out;
	}
	int done = act_count(&ops, ACT_DONE), missing = act_count(&ops, ACT_MISSING),
	    failed = act_count(&ops, ACT_FAILED);
	char nb[16], fb[16];
	snprintf(nb, sizeof(nb), "%d", done);
	snprintf(fb, sizeof(fb), "%d", failed);
	journal_note(&j, "done", "written", nb, "failed", fb, NULL);
	journal_close(&j);

	if (g->json) {
		render_act_json(&ops, !yes, j.path, "apply", stdout);
		if (!boot)
			irqbalance_advice(h, &p, &a);
		if (failed || (!boot && missing))
			rc = EXIT_WARNING;
		goto out;
	}
	if (!boot || done || failed)
		render_act_ops(&ops, &a, g->verbose > 0, stdout);
	struct apply_summary sum = { .ops = &ops,
				     .yes = yes,
				     .boot_params = p.boot_params,
				     .journal = j.path,
				     .state_given = state != NULL,
				     .plan_path = plan_path };
	render_apply_summary(&sum, stdout);
	if (!boot)
		irqbalance_advice(h, &p, &a);
	if (failed || (!boot && missing))
		rc = EXIT_WARNING;
out:
	if (lock >= 0)
		close(lock);
	arena_free(&a);
	return rc;
}

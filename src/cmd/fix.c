/*
 * irqsight fix: diagnose, plan, measure, apply with an automatic undo (act/guardian.h),
 * measure again and keep or roll back from the data (sample/verdict.h). The flow and its
 * options live here; the output is render/fix.c; docs/fix.md documents it.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "act/apply.h"
#include "act/guardian.h"
#include "act/journal.h"
#include "act/plan.h"
#include "cmd/fix.h"
#include "model/host.h"
#include "model/query.h"
#include "render/fix.h"
#include "render/plan.h"
#include "render/prom.h"
#include "render/render.h"
#include "rules/finding.h"
#include "rules/fixable.h"
#include "sample/rates.h"
#include "sample/reading.h"
#include "sample/verdict.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"

#include "version.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: irqsight fix [--yes] [--vm-cpus LIST] [--prove SEC] [--confirm SEC] [--out DIR]\n"
		   "       irqsight fix --confirm | --abort\n\n"
		   "From \"my VMs stutter\" to a measured fix: a sampled check, a plan from the CPU roles,\n"
		   "wake-up latency and interrupt rates on the VM CPUs before, the plan applied (journaled)\n"
		   "with an automatic undo, the same measurement after, and a verdict from the data:\n"
		   "better is kept, worse is rolled back. A detached guardian rolls the change back at\n"
		   "the --confirm deadline unless it is confirmed, even when irqsight is killed or the\n"
		   "terminal goes away.\n\n"
		   "  -y, --yes            unattended: no questions; worse is rolled back\n"
		   "      --vm-cpus LIST   CPUs to keep free of interrupts and to measure (default: the\n"
		   "                       CPU roles; asked on a terminal when they say nothing)\n"
		   "      --prove SEC      measure SEC seconds before and after (default 30; 0: apply\n"
		   "                       and leave the change pending)\n"
		   "      --confirm SEC    roll back SEC seconds after the apply unless confirmed (default 120)\n"
		   "      --confirm        confirm the pending fix (from any shell)\n"
		   "      --abort          roll the pending fix back now\n"
		   "  -o, --out DIR        bundle: check-before/after.json, latency-before/after.json,\n"
		   "                       plan, journal, summary.txt, summary.json\n"
		   "  -i, --interval SEC   the check's sample (default 1)\n"
		   "      --state-dir DIR  journal and guardian directory (default $IRQSIGHT_STATE_DIR\n"
		   "                       or /var/lib/irqsight)\n"
		   "  -j, --json           the summary as JSON (docs/fix.md)\n\n"
		   "Exit status: 0 kept (or nothing to fix), 1 rolled back (worse, declined, not\n"
		   "confirmed), 2 a write or the rollback failed, 3 could not run, 4 pending.\n");
}

static bool parse_secs(const char *s, double lo, double hi, double *v)
{
	char *end;
	*v = strtod(s, &end);
	return end != s && !*end && *v >= lo && *v <= hi;
}

static int parse_args(int argc, char **argv, const struct global_opts *g, struct fix_opts *o)
{
	enum { O_VM = 256, O_PROVE, O_CONFIRM, O_ABORT, O_STATE };
	static const struct option opts[] = {
		{ "yes", no_argument, 0, 'y' },
		{ "vm-cpus", required_argument, 0, O_VM },
		{ "prove", required_argument, 0, O_PROVE },
		{ "confirm", optional_argument, 0, O_CONFIRM },
		{ "abort", no_argument, 0, O_ABORT },
		{ "out", required_argument, 0, 'o' },
		{ "interval", required_argument, 0, 'i' },
		{ "state-dir", required_argument, 0, O_STATE },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	*o = (struct fix_opts){ .prove_s = 30, .confirm_s = 120, .interval_s = 1, .json = g->json };
	int c;
	while ((c = getopt_long(argc, argv, "yo:i:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'y': o->yes = true; break;
		case O_VM: o->vm_txt = optarg; break;
		case O_PROVE:
			if (!parse_secs(optarg, 0, 3600, &o->prove_s))
				return err("--prove takes seconds from 0 to 3600, not '%s'", optarg);
			break;
		case O_CONFIRM: {
			/* "--confirm SEC" sets the deadline; a bare --confirm confirms a pending fix */
			const char *arg = optarg;
			if (!arg && optind < argc && parse_secs(argv[optind], 0, 86400, &o->confirm_s))
				arg = argv[optind++];
			if (!arg)
				o->act_confirm = true;
			else if (!parse_secs(arg, 5, 86400, &o->confirm_s))
				return err("--confirm takes seconds from 5 to 86400, not '%s'", arg);
			break;
		}
		case O_ABORT: o->act_abort = true; break;
		case 'o': o->out = optarg; break;
		case 'i':
			if (!parse_secs(optarg, 0.1, 60, &o->interval_s))
				return err("--interval takes seconds from 0.1 to 60, not '%s'", optarg);
			break;
		case O_STATE: o->state = optarg; break;
		case 'j': o->json = true; break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return EXIT_UNKNOWN;
		}
	}
	if (optind < argc)
		return err("fix: unexpected argument '%s'", argv[optind]);
	if (o->act_confirm && o->act_abort)
		return err("fix: --confirm and --abort contradict each other");
	if (o->prove_s > 0 && o->confirm_s < o->prove_s + 15)
		return err("fix: --confirm %.0f leaves no time for the --prove %.0f s measurement after the apply "
			   "(give at least %.0f)",
			   o->confirm_s, o->prove_s, o->prove_s + 15);
	return 0;
}

static bool ask(const char *question, bool dflt)
{
	fprintf(stderr, "%s %s ", question, dflt ? "[Y/n]" : "[y/N]");
	fflush(stderr);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	if (line[0] == '\n')
		return dflt;
	return line[0] == 'y' || line[0] == 'Y';
}

/* ---- the flow ---- */

/* Keep or roll back: from the verdict, --yes or the user. Returns "confirm" or "abort"
 * and the reason. */
static const char *decide(const struct fix_opts *o, const struct fix_report *r, const char **reason)
{
	enum verdict v = r->has_verdict ? r->v.v : VERDICT_UNKNOWN;
	bool fewer = r->after.dev_irq_rate < r->before.dev_irq_rate;
	bool keep;
	if (v == VERDICT_BETTER) {
		keep = true;
		*reason = "latency better: the p99 interval is below zero";
	} else if (v == VERDICT_WORSE) {
		keep = false;
		*reason = "latency worse: the p99 interval is above zero";
	} else if (fewer) {
		keep = true;
		*reason = v == VERDICT_SAME
				  ? "no measurable latency change, fewer device interrupts on the VM CPUs"
				  : "too few samples for a latency verdict, fewer device interrupts on the VM CPUs";
	} else {
		keep = false;
		*reason = "no measurable improvement";
	}
	if (!o->yes) {
		bool k = ask(keep ? "Keep the change?" : "Keep the change anyway?", keep);
		if (k != keep)
			*reason = k ? "kept by the user" : "rolled back by the user";
		keep = k;
	}
	return keep ? "confirm" : "abort";
}

static void finish(const struct fix_opts *o, const char *dir, struct fix_report *r, double t0)
{
	if (dir && r->journal) {
		struct buf jb = { 0 };
		if (!buf_read_file(&jb, r->journal, PF_MAX_BYTES))
			fix_write_text(dir, "journal", &jb);
		buf_free(&jb);
	}
	r->elapsed_s = fix_now_s() - t0;
	struct buf txt = { 0 }, js = { 0 };
	render_fix_text(r, &txt);
	render_fix_json(r, &js);
	if (dir && o->out) {
		fix_write_text(dir, "summary.txt", &txt);
		fix_write_text(dir, "summary.json", &js);
	}
	const struct buf *b = o->json ? &js : &txt;
	fwrite(b->data, 1, b->len, stdout);
	fflush(stdout);
	buf_free(&txt);
	buf_free(&js);
}

static volatile sig_atomic_t g_fix_signal;

static void on_signal(int sig)
{
	g_fix_signal = sig;
}

static void rm_bundle(const char *dir)
{
	static const char *const names[] = {
		"check-before.json", "check-after.json", "latency-before.json", "latency-after.json", "plan", "journal"
	};
	char p[PATH_MAX];
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* After the apply: measure, check, judge, keep or roll back; the exit status. A signal
 * from here on (Ctrl-C, the terminal gone, kill) has the guardian undo the change now
 * rather than at the deadline; SIGKILL leaves it to the deadline. */
static int after_phase(const struct global_opts *g, const struct fix_opts *o, const char *dir, const char *sdir,
		       const struct plan *p, struct latency_capture *cap, struct arena *a, struct fix_report *r)
{
	struct sigaction sa = { .sa_handler = on_signal }, old[3];
	static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	int rc;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	fix_step(o, "measuring after on the VM CPUs %s...", r->vm_cpus);
	int mr = fix_measure(g, o, dir, "latency-after.json", r->vm_cpus, &p->vm_cpus, &cap[1], &r->after);
	if (mr || g_fix_signal || cap[1].interrupted) {
		rc = fix_undo_now(sdir, a, r, mr ? "the measurement after failed" : "interrupted by a signal");
		goto out;
	}
	struct source s2;
	struct host h2;
	struct findings f2;
	fix_step(o, "checking after (a %.1f s sampled check)...", o->interval_s);
	if (!fix_check_to(g, o, dir, "check-after.json", &s2, &h2, &f2)) {
		host_free(&h2);
		src_close(&s2);
	}
	if (g_fix_signal) {
		rc = fix_undo_now(sdir, a, r, "interrupted by a signal");
		goto out;
	}
	fix_fault_after(&cap[0].merged, &cap[1].merged);
	r->has_verdict = verdict_compute(&cap[0].merged, &cap[1].merged, VERDICT_SEED, 0, &r->v) == 0;
	const char *what = decide(o, r, &r->reason);
	struct guard_result res;
	int gr = guard_request(sdir, what, 120, &res);
	bool elsewhere = gr == -ENOENT || gr == -ESTALE;
	if (elsewhere)
		gr = guard_last(sdir, &res);	/* it ended first: a deadline, or --confirm/--abort from elsewhere */
	if (gr) {
		r->outcome = "unknown";
		r->reason = "the guardian did not answer";
		rc = r->exit_code = FIX_FAILED;
		goto out;
	}
	r->outcome = arena_strdup(a, res.outcome);
	if (!strcmp(res.reason, "deadline"))
		r->reason = arena_printf(a, "the deadline passed first; the data said: %s", r->reason);
	else if (elsewhere)
		r->reason = arena_printf(a, "`irqsight fix --%s` from another shell; the data said: %s", res.reason,
					 r->reason);
	r->restored = res.restored;
	r->restore_failed = res.failed;
	rc = !strcmp(res.outcome, "confirmed")			  ? FIX_KEPT
	     : !strcmp(res.outcome, "rolled-back") && !res.failed ? FIX_ROLLED_BACK
								  : FIX_FAILED;
	if (r->write_failed && rc == FIX_KEPT)
		rc = FIX_FAILED;
	r->exit_code = rc;
out:
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	return rc;
}

int cmd_fix(int argc, char **argv, const struct global_opts *g)
{
	struct fix_opts o;
	int rc = parse_args(argc, argv, g, &o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (o.act_confirm || o.act_abort)
		return fix_act_on_pending(&o);
	double t0 = fix_now_s();
	if (g->root_given && o.prove_s > 0)
		return err("fix measures latency on this host: with --root give --prove 0");
	if (!g->root_given && geteuid() != 0)
		return err("fix changes IRQ affinity: run it as root");
	if (!o.yes && (!isatty(STDIN_FILENO) || o.json))
		return err("fix asks before it changes anything: give --yes to run unattended");
	const char *sdir = act_state_dir(o.state);
	struct guard_state pending;
	if (!guard_pending(sdir, &pending))
		return err("a fix is pending in '%s' (guardian pid %d, journal %s): `irqsight fix --confirm` or "
			   "`--abort` it first",
			   sdir, (int)pending.pid, pending.journal);
	char tmpl[] = "/tmp/irqsight-fix.XXXXXX";
	const char *dir = o.out;
	if (dir && mkdir(dir, 0755) && errno != EEXIST)
		return err("cannot create '%s': %s", dir, strerror(errno));
	if (!dir && !(dir = mkdtemp(tmpl)))
		return err("cannot create a directory in /tmp: %s", strerror(errno));

	struct arena a = { 0 };
	struct source src;
	struct host h;
	struct findings fs;
	struct fix_report r = {
		.outcome = "nothing-to-do", .confirm_s = o.confirm_s, .state_dir = sdir, .out_dir = o.out
	};
	fix_step(&o, "diagnosing (a %.1f s sampled check)...", o.interval_s);
	if ((rc = fix_check_to(g, &o, dir, "check-before.json", &src, &h, &fs))) {
		if (!o.out)
			rm_bundle(dir);
		arena_free(&a);
		return rc;
	}
	struct plan p;
	struct buf text = { 0 };
	struct guardian gd = { .fd = -1 };
	struct latency_capture *cap = calloc(2, sizeof(*cap));
	char plan_path[PATH_MAX];
	rc = EXIT_UNKNOWN;
	if (!cap || fix_plan_step(&o, &h, &fs, dir, plan_path, &a, &p, &text, &r))
		goto out;
	if (!o.json && !o.yes)
		render_plan_text(&p, &h, &a, stdout);
	if (r.moves == 0) {
		r.reason = "the plan moves nothing: every movable IRQ is where it should be";
		rc = r.exit_code = FIX_KEPT;
		finish(&o, o.out, &r, t0);
		goto out;
	}
	if (o.prove_s > 0) {
		fix_step(&o, "measuring before on the VM CPUs %s...", r.vm_cpus);
		if (fix_measure(g, &o, dir, "latency-before.json", r.vm_cpus, &p.vm_cpus, &cap[0], &r.before))
			goto out;
	}
	if (!o.yes && !ask("Apply the plan (rolled back automatically unless confirmed)?", false)) {
		r.outcome = "declined";
		rc = r.exit_code = FIX_ROLLED_BACK;
		finish(&o, o.out, &r, t0);
		goto out;
	}
	fix_step(&o, "applying with the guardian holding the deadline (%s)...", sdir);
	if ((rc = fix_apply_guarded(&o, sdir, &p, &h, &src, &a, &r, &gd))) {
		rc = FIX_FAILED;
		goto out;
	}
	if (!r.applied) {
		r.reason = "nothing needed writing";
		rc = r.exit_code = FIX_KEPT;
		finish(&o, o.out, &r, t0);
		goto out;
	}
	if (o.prove_s == 0) {
		r.outcome = "pending";
		r.reason = "--prove 0: nothing measured";
		rc = r.exit_code = FIX_PENDING;
		finish(&o, o.out, &r, t0);
		goto out;
	}
	rc = after_phase(g, &o, dir, sdir, &p, cap, &a, &r);
	finish(&o, o.out, &r, t0);
out:
	if (gd.fd >= 0)
		close(gd.fd);
	free(cap);
	buf_free(&text);
	host_free(&h);
	src_close(&src);
	if (!o.out)
		rm_bundle(dir);
	arena_free(&a);
	return rc;
}

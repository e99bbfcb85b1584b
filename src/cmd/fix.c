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
#include "cmd/cmd.h"
#include "cmd/latency.h"
#include "model/host.h"
#include "render/fix.h"
#include "render/plan.h"
#include "render/prom.h"
#include "render/render.h"
#include "rules/common.h"
#include "rules/finding.h"
#include "sample/rates.h"
#include "sample/reading.h"
#include "sample/verdict.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"

#include "version.h"

/* Exit status (docs/fix.md). */
enum {
	FIX_KEPT = 0,		/* confirmed (better, or no measurable change with fewer interrupts), or nothing to do */
	FIX_ROLLED_BACK = 1,	/* worse, declined, aborted, or not confirmed: the host is as before */
	FIX_FAILED = 2,		/* a write or the rollback failed: see the journal */
	FIX_PENDING = 4,	/* applied; the guardian rolls back at the deadline unless confirmed */
};

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

struct fix_opts {
	const char *vm_txt, *out, *state;
	double prove_s, confirm_s, interval_s;
	bool yes, json, act_confirm, act_abort;
};

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

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A step on a terminal: stderr only, nothing on a pipe or under --json. */
static void step(const struct fix_opts *o, const char *fmt, ...) PRINTF(2, 3);
static void step(const struct fix_opts *o, const char *fmt, ...)
{
	if (o->json || !isatty(STDERR_FILENO))
		return;
	va_list ap;
	fputs("irqsight fix: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

static int write_text(const char *dir, const char *name, const struct buf *b)
{
	if (!dir)
		return 0;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return prom_write_atomic(path, b->data ? b->data : "", b->len);
}

/* --confirm / --abort from another shell. */
static int act_on_pending(const struct fix_opts *o)
{
	const char *dir = act_state_dir(o->state);
	struct guard_state st;
	struct guard_result res;
	int r = guard_pending(dir, &st);
	if (r)
		return err("no pending fix in '%s'%s", dir, r == -ENOENT ? "" : strerror(-r));
	r = guard_request(dir, o->act_confirm ? "confirm" : "abort", 120, &res);
	if (r)
		return err("the guardian (pid %d) did not answer: %s; `irqsight rollback %s` undoes the fix",
			   (int)st.pid, strerror(-r), st.journal);
	if (o->json) {
		struct buf b = { 0 };
		render_fix_request_json(res.outcome, res.reason, res.journal, res.restored, res.failed, &b);
		fwrite(b.data, 1, b.len, stdout);
		buf_free(&b);
	} else if (!strcmp(res.outcome, "confirmed")) {
		printf("Confirmed: the fix of %s is kept (make it permanent with `irqsight persist PLAN`).\n",
		       res.journal);
	} else {
		printf("Rolled back (%s): %d value(s) restored, %d failed; journal %s\n", res.reason, res.restored,
		       res.failed, res.journal);
	}
	return !strcmp(res.outcome, "rolled-back") || !strcmp(res.outcome, "confirmed") ? EXIT_OK : FIX_FAILED;
}

/* ---- diagnosis ---- */

static bool fixable_id(const char *id)
{
	static const char *const ids[] = {
		"irq-on-vm-cpu",   "irq-hotspot", "cpu0-overload", "softirq-hotspot", "queue-affinity-collapsed",
		"vcpu-irq-overlap"
	};
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		if (!strcmp(id, ids[i]))
			return true;
	return false;
}

/* What an IRQ takes from the VM CPUs: % of a CPU (tracepoints) or interrupts/s. */
static double irq_vm_cost(const struct host *h, const struct irq *q, const struct cpuset *vm)
{
	double sum = 0;
	for (int c = cpuset_next(vm, 0); c >= 0; c = cpuset_next(vm, c + 1)) {
		const struct host_cpu *hc = host_cpu(h, c);
		if (!hc || hc->col < 0)
			continue;
		double t = h->traced ? irq_time_on(h, q, c) : irq_load(h, q, hc->col);
		sum += t > 0 ? t : 0;
	}
	return sum;
}

static double finding_cost(const struct host *h, const struct finding *f, const struct cpuset *vm)
{
	if (f->irq >= 0) {
		const struct irq *q = host_irq_by_number(h, f->irq);
		return q ? irq_vm_cost(h, q, vm) : -1;
	}
	/* a finding about a CPU or a device: every movable device IRQ on the VM CPUs it names */
	double sum = 0;
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (q->is_arch || q->managed == TRI_YES)
			continue;
		if (f->cpu >= 0) {
			const struct host_cpu *hc = host_cpu(h, f->cpu);
			if (!hc || hc->col < 0 || !cpuset_test(vm, f->cpu))
				continue;
			double t = h->traced ? irq_time_on(h, q, f->cpu) : irq_load(h, q, hc->col);
			sum += t > 0 ? t : 0;
		} else {
			sum += irq_vm_cost(h, q, vm);
		}
	}
	return sum;
}

static int cmp_item(const void *a, const void *b)
{
	const struct fix_item *x = a, *y = b;
	if (x->fixable != y->fixable)
		return x->fixable ? -1 : 1;
	return x->cost < y->cost ? 1 : x->cost > y->cost ? -1 : 0;
}

static void diagnose(const struct host *h, const struct findings *fs, const struct cpuset *vm, struct arena *a,
		     struct fix_report *r)
{
	r->items = arena_calloc(a, (size_t)fs->n + 1, sizeof(*r->items));
	r->cost_unit = h->traced ? "% of a CPU" : h->sample_seconds > 0 ? "/s" : " since boot";
	for (int i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		if (f->severity == SEV_INFO)
			continue;
		struct fix_item *it = &r->items[r->nitems++];
		*it = (struct fix_item){ .id = f->id,
					 .title = f->title,
					 .severity = severity_name(f->severity),
					 .fixable = fixable_id(f->id),
					 .fix = f->fix,
					 .fix_note = f->fix_note,
					 .nfix = f->nfix };
		it->cost = it->fixable ? finding_cost(h, f, vm) : -1;
	}
	qsort(r->items, (size_t)r->nitems, sizeof(*r->items), cmp_item);
}

/* The sampled check, its --json document kept as NAME in the bundle. */
static int check_to(const struct global_opts *g, const struct fix_opts *o, const char *dir, const char *name,
		    struct source *src, struct host *h, struct findings *fs)
{
	int r = cmd_open_host(g, o->interval_s, true, src, h);
	if (r)
		return r;
	*fs = (struct findings){ 0 };
	rules_run(h, fs);
	struct buf out = { 0 };
	struct render_opts ro = { .width = 80, .version = IRQSIGHT_VERSION };
	render_json(h, fs, &ro, &out);
	r = write_text(dir, name, &out);
	buf_free(&out);
	if (r)
		return err("cannot write '%s/%s': %s", dir, name, strerror(-r));
	return 0;
}

/* ---- measurement ---- */

/* Latency on the VM CPUs for --prove seconds (saved as NAME), and the interrupt rates
 * landing there over the same window. */
static int measure(const struct global_opts *g, const struct fix_opts *o, const char *dir, const char *name,
		   const char *cpus, const struct cpuset *vm, struct latency_capture *cap, struct fix_window *w)
{
	struct source src;
	int r = src_open(&src, "/");
	if (r)
		return err("cannot open '/': %s", strerror(-r));
	struct reading r0 = { 0 }, r1 = { 0 };
	int e0 = reading_take(&r0, &src);
	char dur[32], path[PATH_MAX];
	snprintf(dur, sizeof(dur), "%gs", o->prove_s);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *argv[] = { (char *)"latency",
			 (char *)"--cpus",
			 (char *)cpus,
			 (char *)"--duration",
			 dur,
			 (char *)"--save",
			 path,
			 o->json ? (char *)"--json" : NULL,
			 NULL };
	int argc = o->json ? 8 : 7;
	cap->quiet = true;
	optind = 0;
	r = latency_run(argc, argv, g, cap);
	int e1 = reading_take(&r1, &src);
	*w = (struct fix_window){ .done = r == 0,
				  .seconds = cap->elapsed_s,
				  .fifo = cap->fifo,
				  .attribution = cap->method,
				  .irq_time_pct = -1 };
	struct rates rt = { 0 };
	if (!r && !e0 && !e1 && !rates_compute(&rt, &r0, &r1)) {
		double pct = 0;
		int npct = 0;
		for (int c = cpuset_next(vm, 0); c >= 0; c = cpuset_next(vm, c + 1)) {
			if (c > rt.max_cpu || rt.cpus[c].id < 0)
				continue;
			const struct rate_cpu *rc = &rt.cpus[c];
			w->dev_irq_rate += rc->dev_irq_rate;
			w->softirq_rate += rc->softirq_total > 0 ? rc->softirq_total : 0;
			if (rc->irq_pct >= 0 || rc->softirq_pct >= 0) {
				pct += (rc->irq_pct > 0 ? rc->irq_pct : 0) +
				       (rc->softirq_pct > 0 ? rc->softirq_pct : 0);
				npct++;
			}
		}
		w->irq_time_pct = npct ? pct / npct : -1;
		rates_free(&rt);
	}
	reading_free(&r0);
	reading_free(&r1);
	src_close(&src);
	return r;
}

/* Test hook (IRQSIGHT_FAULT_FIX_AFTER_US=N, like IRQSIGHT_FAULT_AFTER_WRITES): the change
 * made every wake-up N µs later. The after-samples become the before-samples N µs later
 * (not the measured after ones, which under TCG can be noisier than any N): with N above
 * the before maximum every resample is worse, a "worse" the lab and tests can force. */
static void fault_after(const struct hist *before, struct hist *after)
{
	const char *e = getenv("IRQSIGHT_FAULT_FIX_AFTER_US");
	long add = e ? atol(e) : 0;
	if (add <= 0 || add > 3600L * 1000000)
		return;
	hist_init(after);
	for (long i = 0; i < HIST_BUCKETS; i++) {
		if (i + add < HIST_BUCKETS)
			after->count[i + add] += before->count[i];
		else
			after->overflow += before->count[i];
	}
	after->overflow += before->overflow;
	after->n = before->n;
	after->min_ns = before->min_ns + (uint64_t)add * 1000;
	after->max_ns = before->max_ns + (uint64_t)add * 1000;
	after->sum_ns = before->sum_ns + before->n * (uint64_t)add * 1000;
}

/* ---- apply under the guardian ---- */

static int apply_guarded(const struct fix_opts *o, const char *sdir, const struct plan *p, const struct host *h,
			 const struct source *src, struct arena *a, struct fix_report *r, struct guardian *gd)
{
	int lock = -1;
	const char *why = NULL;
	int rc = journal_lock(sdir, &lock, &why);
	if (rc)
		return err("cannot apply: state directory '%s': %s", sdir, why ? why : strerror(-rc));
	char abs[PATH_MAX];
	if (!realpath(sdir, abs)) {
		close(lock);
		return err("cannot resolve the state directory '%s': %s", sdir, strerror(errno));
	}
	/* the guardian first: from the first write on, the change has its undo */
	if ((rc = guard_start(gd, abs, o->confirm_s))) {
		close(lock);
		if (rc == -EBUSY)
			return err("a fix is pending in '%s': `irqsight fix --confirm` or `--abort` it first", abs);
		return err("cannot start the guardian: %s", strerror(-rc));
	}
	struct act_list ops;
	act_resolve(p, h, src, a, &ops);
	struct journal j;
	journal_init(&j, abs, src->root, "fix", r->plan);
	struct act_opts ao = { 0 };
	const char *fault = getenv("IRQSIGHT_FAULT_AFTER_WRITES");
	if (fault)
		ao.fault_after = atoi(fault);
	rc = act_run(src, &ops, &ao, &j, a);
	r->written = act_count(&ops, ACT_DONE);
	r->write_failed = act_count(&ops, ACT_FAILED);
	char nb[16], fb[16];
	snprintf(nb, sizeof(nb), "%d", r->written);
	snprintf(fb, sizeof(fb), "%d", r->write_failed);
	if (j.path[0])
		journal_note(&j, "done", "written", nb, "failed", fb, NULL);
	journal_close(&j);
	close(lock);	/* the guardian takes it to roll back */
	r->journal = j.path[0] ? arena_strdup(a, j.path) : NULL;
	r->applied = r->journal != NULL;
	int ar = guard_arm(gd, r->journal);
	if (rc && ops.refused >= 0)
		return err("refusing the plan: line %u: '%s': %s", ops.v[ops.refused].line, ops.v[ops.refused].path,
			   ops.refused_why);
	if (rc)
		return err("cannot write the journal in '%s': %s; the guardian rolls back what was written", abs,
			   strerror(-rc));
	if (ar && r->applied)
		return err("the guardian is gone (%s): roll back with `irqsight rollback %s`", strerror(-ar),
			   r->journal);
	return 0;
}

/* ---- the flow ---- */

/* The VM CPUs: --vm-cpus, else the roles, else asked on a terminal. */
static int vm_cpus_for(const struct fix_opts *o, const struct host *h, struct arena *a, struct cpuset *vm, bool *given)
{
	const char *txt = o->vm_txt, *why = NULL;
	char line[256];
	*given = txt != NULL;
	if (!txt) {
		vm_cpus(a, h, vm, &why);
		if (!cpuset_empty(vm))
			return 0;
		if (o->yes || o->json || !isatty(STDIN_FILENO))
			return err(
				"cannot tell the VM CPUs here (nothing isolated, no pinned vCPU): give --vm-cpus LIST");
		fprintf(stderr, "No CPU is isolated or runs a pinned vCPU. Which CPUs run the VMs (e.g. 2-7)? ");
		if (!fgets(line, sizeof(line), stdin))
			return err("no VM CPUs given");
		line[strcspn(line, "\n")] = 0;
		txt = line;
		*given = true;
	}
	if (cpuset_parse_list(vm, a, txt, strlen(txt)) || cpuset_empty(vm))
		return err("--vm-cpus takes a non-empty CPU list like 2-7,10, not '%s'", txt);
	return 0;
}

static int cmp_move(const void *a, const void *b)
{
	const struct fix_move *x = a, *y = b;
	return x->cost < y->cost ? 1 : x->cost > y->cost ? -1 : x->irq - y->irq;
}

/* The IRQs the plan takes off the VM CPUs (their affinity names one now), ranked by the
 * time they take there: the diagnosis also when only --vm-cpus says which CPUs run VMs
 * (the rules judge the roles alone). */
static void moves_off(const struct plan *p, const struct host *h, struct arena *a, struct fix_report *r)
{
	r->mv = arena_calloc(a, (size_t)p->nirqs + 1, sizeof(*r->mv));
	for (int i = 0; i < p->nirqs; i++) {
		const struct plan_irq *q = &p->irqs[i];
		if (q->kind != PLAN_MOVE || !q->has_now || cpuset_equal(&q->now, &q->cpus) ||
		    !cpuset_intersects(&q->now, &p->vm_cpus))
			continue;
		const struct irq *hq = q->irq >= 0 ? host_irq_by_number(h, q->irq) : NULL;
		r->mv[r->nmv++] = (struct fix_move){ .irq = q->irq,
						     .name = q->name,
						     .dev = q->bdf,
						     .now = cpuset_list_str(a, &q->now, "-"),
						     .planned = cpuset_list_str(a, &q->cpus, "-"),
						     .cost = hq ? irq_vm_cost(h, hq, &p->vm_cpus) : -1 };
	}
	qsort(r->mv, (size_t)r->nmv, sizeof(*r->mv), cmp_move);
}

static int plan_moves(const struct plan *p, int *managed)
{
	int moves = 0;
	*managed = 0;
	for (int i = 0; i < p->nirqs; i++) {
		const struct plan_irq *q = &p->irqs[i];
		moves += q->kind == PLAN_MOVE && !(q->has_now && cpuset_equal(&q->now, &q->cpus));
		*managed += q->kind == PLAN_MANAGED;
	}
	return moves;
}

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

static void finish(const struct fix_opts *o, const char *dir, const char *sdir, struct fix_report *r, double t0)
{
	if (dir && r->journal) {
		struct buf jb = { 0 };
		if (!buf_read_file(&jb, r->journal, PF_MAX_BYTES))
			write_text(dir, "journal", &jb);
		buf_free(&jb);
	}
	r->elapsed_s = now_s() - t0;
	struct buf txt = { 0 }, js = { 0 };
	render_fix_text(r, &txt);
	render_fix_json(r, &js);
	if (dir && o->out) {
		write_text(dir, "summary.txt", &txt);
		write_text(dir, "summary.json", &js);
	}
	const struct buf *b = o->json ? &js : &txt;
	fwrite(b->data, 1, b->len, stdout);
	fflush(stdout);
	buf_free(&txt);
	buf_free(&js);
	(void)sdir;
}

static volatile sig_atomic_t g_fix_signal;

static void on_signal(int sig)
{
	g_fix_signal = sig;
}

/* Roll back now through the guardian (it owns the undo); the exit status. */
static int undo_now(const char *sdir, struct arena *a, struct fix_report *r, const char *why)
{
	struct guard_result res;
	int gr = guard_request(sdir, "abort", 120, &res);
	if (gr == -ENOENT || gr == -ESTALE)
		gr = guard_last(sdir, &res);
	if (gr) {
		r->outcome = "unknown";
		r->reason = arena_printf(a, "%s; the guardian did not answer: %s", why, strerror(-gr));
		return r->exit_code = FIX_FAILED;
	}
	r->outcome = arena_strdup(a, res.outcome);
	r->reason = why;
	r->restored = res.restored;
	r->restore_failed = res.failed;
	return r->exit_code = !strcmp(res.outcome, "rolled-back") && !res.failed ? FIX_ROLLED_BACK : FIX_FAILED;
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
	step(o, "measuring after on the VM CPUs %s...", r->vm_cpus);
	int mr = measure(g, o, dir, "latency-after.json", r->vm_cpus, &p->vm_cpus, &cap[1], &r->after);
	if (mr || g_fix_signal || cap[1].interrupted) {
		rc = undo_now(sdir, a, r, mr ? "the measurement after failed" : "interrupted by a signal");
		goto out;
	}
	struct source s2;
	struct host h2;
	struct findings f2;
	step(o, "checking after (a %.1f s sampled check)...", o->interval_s);
	if (!check_to(g, o, dir, "check-after.json", &s2, &h2, &f2)) {
		host_free(&h2);
		src_close(&s2);
	}
	if (g_fix_signal) {
		rc = undo_now(sdir, a, r, "interrupted by a signal");
		goto out;
	}
	fault_after(&cap[0].merged, &cap[1].merged);
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
		return act_on_pending(&o);
	double t0 = now_s();
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
	step(&o, "diagnosing (a %.1f s sampled check)...", o.interval_s);
	if ((rc = check_to(g, &o, dir, "check-before.json", &src, &h, &fs))) {
		if (!o.out)
			rm_bundle(dir);
		arena_free(&a);
		return rc;
	}
	struct cpuset vm;
	bool given;
	struct plan p;
	const char *why = NULL;
	struct plan_opts po = { 0 };
	struct buf text = { 0 };
	struct guardian gd = { .fd = -1 };
	struct latency_capture *cap = calloc(2, sizeof(*cap));
	rc = EXIT_UNKNOWN;
	if (!cap || vm_cpus_for(&o, &h, &a, &vm, &given))
		goto out;
	po.vm_cpus = given ? &vm : NULL;
	if (plan_make(&h, &po, &a, &p, &why)) {
		err("cannot plan: %s", why);
		goto out;
	}
	r.vm_cpus = cpuset_list_str(&a, &p.vm_cpus, "-");
	r.vm_from = p.vm_cpus_from;
	diagnose(&h, &fs, &p.vm_cpus, &a, &r);
	r.moves = plan_moves(&p, &r.managed);
	moves_off(&p, &h, &a, &r);
	plan_format(&p, &text);
	char plan_path[PATH_MAX];
	snprintf(plan_path, sizeof(plan_path), "%s/plan", dir);
	if (write_text(dir, "plan", &text)) {
		err("cannot write '%s': %s", plan_path, strerror(errno));
		goto out;
	}
	r.plan = o.out ? plan_path : NULL;
	if (!o.json && !o.yes)
		render_plan_text(&p, &h, &a, stdout);
	if (r.moves == 0) {
		r.reason = "the plan moves nothing: every movable IRQ is where it should be";
		rc = r.exit_code = FIX_KEPT;
		finish(&o, o.out, sdir, &r, t0);
		goto out;
	}
	if (o.prove_s > 0) {
		step(&o, "measuring before on the VM CPUs %s...", r.vm_cpus);
		if (measure(g, &o, dir, "latency-before.json", r.vm_cpus, &p.vm_cpus, &cap[0], &r.before))
			goto out;
	}
	if (!o.yes && !ask("Apply the plan (rolled back automatically unless confirmed)?", false)) {
		r.outcome = "declined";
		rc = r.exit_code = FIX_ROLLED_BACK;
		finish(&o, o.out, sdir, &r, t0);
		goto out;
	}
	step(&o, "applying with the guardian holding the deadline (%s)...", sdir);
	if ((rc = apply_guarded(&o, sdir, &p, &h, &src, &a, &r, &gd))) {
		rc = FIX_FAILED;
		goto out;
	}
	if (!r.applied) {
		r.reason = "nothing needed writing";
		rc = r.exit_code = FIX_KEPT;
		finish(&o, o.out, sdir, &r, t0);
		goto out;
	}
	if (o.prove_s == 0) {
		r.outcome = "pending";
		r.reason = "--prove 0: nothing measured";
		rc = r.exit_code = FIX_PENDING;
		finish(&o, o.out, sdir, &r, t0);
		goto out;
	}
	rc = after_phase(g, &o, dir, sdir, &p, cap, &a, &r);
	finish(&o, o.out, sdir, &r, t0);
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

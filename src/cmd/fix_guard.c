/* irqsight fix: the change under the guardian (act/guardian.c): the apply, an undo now,
 * and --confirm/--abort of a pending fix from another shell (docs/fix.md). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/apply.h"
#include "act/guardian.h"
#include "act/journal.h"
#include "act/plan.h"
#include "cmd/fix.h"
#include "model/host.h"
#include "model/query.h"
#include "render/fix.h"
#include "rules/finding.h"
#include "rules/fixable.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"

/* --confirm / --abort from another shell. */
int fix_act_on_pending(const struct fix_opts *o)
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

int fix_apply_guarded(const struct fix_opts *o, const char *sdir, const struct plan *p, const struct host *h,
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

/* Roll back now through the guardian (it owns the undo); the exit status. */
int fix_undo_now(const char *sdir, struct arena *a, struct fix_report *r, const char *why)
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

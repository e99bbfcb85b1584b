/* irqsight fix: the VM CPUs, the plan and the diagnosis ranked against them (docs/fix.md). */
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
					 .fixable = finding_fixable_at_runtime(f->id),
					 .fix = f->fix,
					 .fix_note = f->fix_note,
					 .nfix = f->nfix };
		it->cost = it->fixable ? finding_cost_on(h, f, vm) : -1;
	}
	qsort(r->items, (size_t)r->nitems, sizeof(*r->items), cmp_item);
}

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
						     .cost = hq ? irq_cost_on(h, hq, &p->vm_cpus) : -1 };
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

/* The plan from the roles or --vm-cpus, the diagnosis ranked against its VM CPUs, and the
 * plan file in the bundle (PATH_MAX plan_path): 0 or EXIT_UNKNOWN (said why). */
int fix_plan_step(const struct fix_opts *o, const struct host *h, const struct findings *fs, const char *dir,
		  char *plan_path, struct arena *a, struct plan *p, struct buf *text, struct fix_report *r)
{
	struct cpuset vm;
	bool given;
	const char *why = NULL;
	struct plan_opts po = { 0 };
	if (vm_cpus_for(o, h, a, &vm, &given))
		return EXIT_UNKNOWN;
	po.vm_cpus = given ? &vm : NULL;
	if (plan_make(h, &po, a, p, &why))
		return err("cannot plan: %s", why);
	r->vm_cpus = cpuset_list_str(a, &p->vm_cpus, "-");
	r->vm_from = p->vm_cpus_from;
	diagnose(h, fs, &p->vm_cpus, a, r);
	r->moves = plan_moves(p, &r->managed);
	moves_off(p, h, a, r);
	plan_format(p, text);
	snprintf(plan_path, PATH_MAX, "%s/plan", dir);
	if (fix_write_text(dir, "plan", text))
		return err("cannot write '%s': %s", plan_path, strerror(errno));
	r->plan = o->out ? plan_path : NULL;
	return 0;
}

/*
 * The planner: a pure function (host model + options) -> plan. A plan says where
 * every movable IRQ should go, named by device (bdf, driver, MSI vector) and action
 * name pattern rather than IRQ number, so that it can be applied again after a
 * reboot; what cannot be moved at run time (kernel-managed IRQs) and the boot
 * parameters that would do it; default_smp_affinity, RPS and irqbalance's ban.
 * The text form is documented in docs/plan.md (writer here, parser in
 * parse/planfile.h). Everything lives in the arena the caller passes.
 *
 * Invariants of a plan made by plan_make():
 *  - housekeeping is non-empty and holds at least one online CPU;
 *  - every PLAN_MOVE target is a non-empty subset of housekeeping;
 *  - no target (IRQ, default affinity, RPS) is a CPU the roles model reserves
 *    (isolated by any source, nohz_full, pinned vCPU) or a --vm-cpus CPU, unless
 *    --housekeeping names it, and then p->warning says so;
 *  - per-CPU (architecture) rows never appear;
 *  - irqbalance_banned never covers every online CPU.
 */
#ifndef IRQSIGHT_ACT_PLAN_H
#define IRQSIGHT_ACT_PLAN_H

#include <stdbool.h>

#include "parse/planfile.h"
#include "util/cpuset.h"

struct arena;
struct buf;
struct host;

struct plan_opts {
	const struct cpuset *vm_cpus;		/* --vm-cpus (added to the roles' reservations), or NULL */
	const struct cpuset *housekeeping;	/* --housekeeping (overrides them, warned), or NULL */
};

/*
 * Make a plan. Returns 0, or -EINVAL with *why set (arena string) when no plan can be
 * made: VM CPUs unknown, housekeeping empty or offline, banned list would cover all CPUs.
 */
int plan_make(const struct host *h, const struct plan_opts *o, struct arena *a, struct plan *p,
	      const char **why);

/* The plan file text (docs/plan.md). */
int plan_format(const struct plan *p, struct buf *out);

/* A reboot-stable action-name pattern: "virtio3-rx" -> "virtio*-rx", "nvme0q3" -> "nvme*q3". */
const char *plan_action_pattern(struct arena *a, const char *action);

/*
 * Does the plan fit this host (same possible CPU count, online CPUs and NUMA layout)?
 * Returns true, or false with *why set.
 */
bool plan_matches_host(const struct plan *p, const struct host *h, struct arena *a, const char **why);

#endif

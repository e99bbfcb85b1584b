/* What a run-time affinity change can fix, and what a finding costs given CPUs
 * (fix's diagnosis, docs/fix.md). */
#ifndef IRQSIGHT_RULES_FIXABLE_H
#define IRQSIGHT_RULES_FIXABLE_H

#include <stdbool.h>

struct cpuset;
struct finding;
struct host;

/* The finding ids an IRQ affinity (or RPS) change fixes; the others need firmware, boot
 * parameters or the kernel, and keep their own fix lines. */
bool finding_fixable_at_runtime(const char *id);
/* What the finding takes from cpus: % of a CPU (tracepoints) or interrupts/s (since boot
 * without a sample); -1 for a finding about an IRQ the host does not have. */
double finding_cost_on(const struct host *h, const struct finding *f, const struct cpuset *cpus);

#endif

/* What a run-time affinity change can fix, and what a finding costs given CPUs (fix's
 * diagnosis, docs/fix.md). */
#include <string.h>

#include "model/query.h"
#include "rules/finding.h"
#include "rules/fixable.h"
#include "util/cpuset.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

bool finding_fixable_at_runtime(const char *id)
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

double finding_cost_on(const struct host *h, const struct finding *f, const struct cpuset *vm)
{
	if (f->irq >= 0) {
		const struct irq *q = host_irq_by_number(h, f->irq);
		return q ? irq_cost_on(h, q, vm) : -1;
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
			sum += irq_cost_on(h, q, vm);
		}
	}
	return sum;
}

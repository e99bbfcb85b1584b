/* keep-contested: an IRQ `irqsight keep` stopped holding because another writer keeps
 * rewriting it (keep.state, parse/keepstate.h). */
#include "rules/common.h"
#include "rules/rules.h"

void rule_keep_contested(const struct host *h, struct findings *fs)
{
	const struct keep_state *k = &h->keep;
	for (int i = 0; k->present && i < k->ncontested; i++) {
		const struct keep_contested *c = &k->contested[i];
		const char *what = c->irq >= 0 ? arena_printf(fs->arena, "IRQ %d%s%s", c->irq, c->name ? " " : "",
							      c->name ? c->name : "")
					       : c->path;
		struct finding *f = finding_new(fs, "keep-contested", SEV_WARNING,
						"%s is rewritten by %s: irqsight keep stopped holding it", what,
						c->writer ? c->writer : "unknown");
		f->irq = c->irq;
		f->device = c->dev;
		finding_evidence(fs, f, "keep.state", "%s", h->keep_state_path ? h->keep_state_path : "keep.state");
		finding_evidence(fs, f, "file", "%s", c->path ? c->path : "?");
		finding_evidence(fs, f, "writer", "%s", c->writer ? c->writer : "unknown");
		finding_evidence(fs, f, "rewrites", "%d in %d min (keep pid %d)", c->rewrites, c->window / 60, k->pid);
		if (h->keep_running != TRI_UNKNOWN)
			finding_evidence(fs, f, "keep", "pid %d %s", k->pid,
					 h->keep_running == TRI_YES ? "running"
								    : "not running: this is the state it left");
		finding_meaning(fs, f,
				"Two writers disagree about where this interrupt runs. irqsight keep put the "
				"planned CPUs back each time and then stopped, so as not to fight forever: the value "
				"is now whatever the other writer last set, possibly a CPU reserved for VMs.");
		finding_decision(fs, f,
				 "Stop the other writer for this IRQ, or leave the IRQ out of the plan; then "
				 "reload keep (systemctl reload irqsight-keep) so it holds the IRQ again.");
		if (c->advice)
			finding_note(fs, f, "%s", c->advice);
		finding_note(fs, f,
			     "then: systemctl reload irqsight-keep (keep re-reads the plan and holds the IRQ again)");
	}
}

/*
 * Findings: what the rules conclude about a host. A finding has a stable kebab-case
 * id (a JSON key, a Prometheus label, a docs anchor: docs/findings.md#<id>), a
 * severity, evidence as key/value pairs (raw lines or paths that prove it), what it
 * means, the decision to make, and exact fix commands. Rules never print.
 */
#ifndef IRQSIGHT_RULES_FINDING_H
#define IRQSIGHT_RULES_FINDING_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/compat.h"

struct host;

enum severity { SEV_INFO = 0, SEV_WARNING = 1, SEV_CRITICAL = 2 };
const char *severity_name(enum severity s);	/* "info", "warning", "critical" */

struct evidence {
	const char *key;	/* "cmdline", "proc/interrupts", "dmesg", "irq 41", ... */
	const char *value;
};

struct finding {
	const char *id;		/* "ir-disabled" */
	enum severity severity;
	const char *title;	/* one line: "Interrupt remapping is off" */
	struct evidence *evidence;
	int nevidence;
	const char *meaning;	/* why it matters for VM latency/security */
	const char *decision;	/* what the operator has to decide */
	/* The fix, in order: shell commands that run as printed on this host (`$` lines),
	 * and steps that are not commands (firmware settings, a reboot, a choice), which
	 * fix_note[k] marks and text prints without `$`. */
	const char **fix;
	bool *fix_note;		/* beside fix[] (finding_fix/finding_note keep both) */
	int nfix;
	/* Subjects for machine consumers (may be empty): BDFs, IRQ numbers, CPUs. */
	const char *device;	/* BDF, or NULL */
	int irq;		/* -1 if none */
	int cpu;		/* -1 if none */
};

struct findings {
	/* Where findings' strings live: the caller's arena, or (NULL) rules_run() points it
	 * at own, which findings_free() releases. Never the model's arena: the host is const
	 * for rules and renderers. */
	struct arena *arena;
	struct arena own;
	struct finding *v;
	int n;
};

/* Start a finding; the rule then adds evidence/fixes. Strings are copied. */
struct finding *finding_new(struct findings *fs, const char *id, enum severity sev, const char *title_fmt, ...)
	PRINTF(4, 5);
void finding_evidence(struct findings *fs, struct finding *f, const char *key, const char *fmt, ...)
	PRINTF(4, 5);
/* A shell command, complete: no placeholders; what it cannot know, the rule says in a note. */
void finding_fix(struct findings *fs, struct finding *f, const char *fmt, ...) PRINTF(3, 4);
/* A step that is not a command: "reboot", "enable VT-d in the firmware setup". */
void finding_note(struct findings *fs, struct finding *f, const char *fmt, ...) PRINTF(3, 4);
static inline bool finding_fix_is_note(const struct finding *f, int k)
{
	return f->fix_note && f->fix_note[k];
}
void finding_meaning(struct findings *fs, struct finding *f, const char *fmt, ...) PRINTF(3, 4);
void finding_decision(struct findings *fs, struct finding *f, const char *fmt, ...) PRINTF(3, 4);

/* Run every rule in the table over the host; findings sorted by severity (desc), then id. */
void rules_run(const struct host *h, struct findings *fs);
/* Free what rules_run() allocated in fs->own (nothing when the caller gave an arena). */
void findings_free(struct findings *fs);
enum severity findings_worst(const struct findings *fs);	/* SEV_INFO when none */

/* The rule table (rules/table.c, made from rules/rules.def): one line per rule. */
struct rule {
	const char *id;		/* the primary finding id it emits (a rule may emit related ids) */
	void (*run)(const struct host *h, struct findings *fs);
	enum severity worst;	/* the most severe level the id is reported with */
	const char *summary;	/* for docs/findings.md and --list-rules */
};
extern const struct rule rules_table[];
extern const size_t rules_count;

#endif

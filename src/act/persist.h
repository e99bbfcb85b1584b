/*
 * Persist a plan across reboots: a systemd service, irqsight-keep.service, that runs
 * `irqsight keep /etc/irqsight/plan` after drivers and irqbalance have started and
 * holds the plan from then on (act/keep.h; the plan names IRQs by device and action, so
 * it re-resolves at boot), or with --oneshot the oneshot unit irqsight-apply.service
 * that runs `irqsight apply --yes --boot /etc/irqsight/plan` once; plus IRQBALANCE_BANNED_CPULIST in irqbalance's environment file
 * and --policyscript in its IRQBALANCE_ARGS, naming /etc/irqsight/irqbalance-policy, which bans
 * the plan's IRQs from irqbalance (act/ibpolicy.h). Every
 * file is recorded in a manifest (STATE/persist/manifest.txt, fsync'd before the
 * file is touched) with a backup of what it replaced, so `persist --remove`
 * restores the files exactly. The boot loader is never edited.
 * All paths are under a destination prefix (DEST, "/" on a live host).
 */
#ifndef IRQSIGHT_ACT_PERSIST_H
#define IRQSIGHT_ACT_PERSIST_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct buf;
struct cpuset;

#define PERSIST_UNIT "irqsight-apply.service"
#define PERSIST_KEEP_UNIT "irqsight-keep.service"
#define PERSIST_PLAN "etc/irqsight/plan"

struct plan;

struct persist_opts {
	const char *dest;	/* prefix, "/" live */
	const char *state_dir;	/* absolute; its persist/ subdirectory holds manifest and backups */
	const char *binary;	/* absolute path of irqsight as seen at boot */
	const char *plan_text;	/* the plan file to install */
	size_t plan_len;
	const struct plan *plan;	/* plan_text parsed: what irqbalance's policy script bans */
	const struct cpuset *banned;	/* IRQBALANCE_BANNED_CPULIST, or NULL to leave irqbalance alone */
	bool keep;		/* irqsight-keep.service rather than the oneshot irqsight-apply.service */
	bool notify;		/* keep: this build has sd_notify (Type=notify and a watchdog; else Type=simple) */
};

struct persist_result {
	const char *unit_path, *plan_path, *irqbalance_path;	/* as installed (with the prefix) */
	const char *policy_path;	/* irqbalance's policy script (act/ibpolicy.h), or NULL */
	const char *policy_chain;	/* the operator's policy script it runs first, or NULL */
	const char *banned;	/* the list written */
	int removed, restored;	/* --remove: files deleted, files put back */
};

int persist_install(const struct persist_opts *o, struct arena *a, struct persist_result *r, const char **why);
/* Undo an install; -ENOENT when nothing is installed. */
int persist_remove(const char *dest, const char *state_dir, struct arena *a, struct persist_result *r,
		   const char **why);

/* Pure helpers (unit-tested). */
/* -EINVAL for a binary path that cannot go into ExecStart= as it is (see persist.c). */
int persist_binary_ok(const char *binary);
int persist_unit_text(const char *binary, struct buf *out);
int persist_keep_unit_text(const char *binary, bool notify, struct buf *out);
/* Set IRQBALANCE_BANNED_CPULIST in an environment file, keeping every other line;
 * IRQBALANCE_BANNED_CPUS (which would win over it) is commented out. */
int persist_irqbalance_edit(const char *old, size_t len, const char *banned, struct buf *out);

#endif

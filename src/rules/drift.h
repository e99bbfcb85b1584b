/* The drift-* findings: how a host differs from its saved baseline (docs/baseline.md). */
#ifndef IRQSIGHT_RULES_DRIFT_H
#define IRQSIGHT_RULES_DRIFT_H

#include "parse/baseline.h"
#include "rules/finding.h"

/*
 * Compare a saved baseline with the profile now and add one drift-* finding per
 * difference (old and new value as evidence, and the likely cause). Devices are
 * matched by bdf and vendor:device first; the rest by vendor:device alone when both
 * sides have the same number of each (same topology, other bus numbers).
 * Findings go into fs->arena (fs->own when NULL: findings_free()).
 * Returns the number of findings added, or -ENOMEM.
 */
int baseline_compare(const struct baseline *old, const struct baseline *now, struct findings *fs);
/* The drift findings' "save a new baseline" line names the file the check read (path),
 * quoted for the shell when it needs to be. */
void drift_name_file(struct findings *fs, const char *path);
/* Warning and critical first, then info; the order within a severity is the
 * comparison's (platform, then devices by bdf). */
void drift_sort(struct findings *fs);

#endif

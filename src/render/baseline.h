/* Baselines written out: the file format (docs/baseline.md) and the report of `baseline check`. */
#ifndef IRQSIGHT_RENDER_BASELINE_H
#define IRQSIGHT_RENDER_BASELINE_H

#include <stdbool.h>

#include "parse/baseline.h"
#include "util/buf.h"

struct findings;

/* Write the file format (ends with a newline). 0 or -ENOMEM. */
int baseline_format(const struct baseline *b, struct buf *out);
/* The drift report of `baseline check` against the file at path: text (color: ANSI
 * severities; journal: <N> priorities per line for systemd's journal), or JSON. */
void render_baseline_text(struct buf *out, const struct findings *fs, const char *path, const struct baseline *old,
			  const struct baseline *now, bool color, bool journal);
void render_baseline_json(struct buf *out, const struct findings *fs, const char *path, const struct baseline *old,
			  const struct baseline *now);

#endif

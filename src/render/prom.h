/*
 * Prometheus text exposition (format 0.0.4) of a host model and its findings, for
 * node_exporter's textfile collector (`irqsight export FILE.prom`, `check --prometheus`)
 * and for `irqsight serve`. The metric names, labels and their meaning are documented
 * in docs/metrics.md; a change here is a change there.
 *
 * Invariants of the output:
 *  - every family is written once, as "# HELP", "# TYPE" and then all its samples;
 *  - label values are valid UTF-8 with '\\', '"' and newline escaped (invalid bytes
 *    become U+FFFD), so a kernel name can never break the format;
 *  - cardinality is bounded: per-IRQ series only for the top o->top_irqs device IRQs
 *    (by rate when sampled, else by count), per-CPU series only for online CPUs,
 *    per-device series only for devices with a driver or an IRQ, and one
 *    irqsight_finding series per (id, severity) whose value counts the instances;
 *  - unknown facts (enum tri TRI_UNKNOWN) are written as NaN, never as 0.
 */
#ifndef IRQSIGHT_RENDER_PROM_H
#define IRQSIGHT_RENDER_PROM_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

struct host;
struct findings;

#define PROM_TOP_IRQS_DEFAULT 10
#define PROM_TOP_IRQS_MAX 200

struct prom_opts {
	int top_irqs;			/* per-IRQ series for this many device IRQs (0 = none) */
	double run_timestamp;		/* seconds since the epoch of this run; <= 0: omit */
	double run_duration;		/* seconds the model build + rules took; < 0: omit */
	bool up;			/* false: the model could not be built (h may be NULL) */
	uint64_t scrape_errors;		/* serve: failed rebuilds so far */
	bool has_baseline;		/* a baseline was compared: write irqsight_drift_findings */
	const char *version;		/* for irqsight_build_info, or NULL */
};

/* Defaults: top_irqs = PROM_TOP_IRQS_DEFAULT, up = true, everything else omitted. */
void prom_opts_init(struct prom_opts *o);

/*
 * Append the exposition to out. h and fs may be NULL when !o->up (then only the
 * irqsight_up / run / error families are written). Returns 0 or -ENOMEM.
 */
int render_prom(const struct host *h, const struct findings *fs, const struct prom_opts *o,
		struct buf *out);

/* Escape a label value per the exposition format into out (without the quotes). */
void prom_escape_label(struct buf *out, const char *s);

/*
 * Write data to path atomically for the textfile collector: a temporary file in the
 * same directory (so rename(2) cannot cross file systems), fsync, mode 0644, rename
 * over path, then fsync the directory. The collector never sees a partial file.
 * Returns 0 or -errno (the temporary file is removed on failure).
 */
int prom_write_atomic(const char *path, const char *data, size_t len);

#endif

/*
 * Reading the saved JSON that `irqsight report --from` embeds (docs/report.md), with
 * json-c. Optional: only in builds with json-c (src/opt/json-c/: built only where
 * pkg-config finds json-c, never in `make static`). It registers itself with
 * cmd/report.c before main; without it `report --from` says "not available in this
 * build" (live and --root reports embed the JSON irqsight itself wrote, and need no parse).
 */
#ifndef IRQSIGHT_OPT_REPORT_LOAD_H
#define IRQSIGHT_OPT_REPORT_LOAD_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

enum report_kind {
	REPORT_OTHER,	/* a JSON object that is neither (a fix bundle's summary.json) */
	REPORT_CHECK,	/* `irqsight --json check`: "schema" a number, "findings" an array */
	REPORT_LATENCY,	/* `irqsight latency --save`/--json: "schema": "irqsight-latency" */
};

/* With REPORT_SUMMARY a check becomes {"summary": its summary, "findings": how many}. */
#define REPORT_SUMMARY 1u

/*
 * data: one file's bytes (len of them, then a NUL as struct buf keeps them): a JSON
 * object. Appends to out the compact JSON the page embeds: the document whole, except
 * that a check's IRQ rows keep only html_irq_keys when it is over trim_over bytes
 * (*trimmed then says so). *kind: what it is. 0, or -EINVAL (not one JSON object; why
 * says where) or -ENOMEM.
 */
typedef int (*report_loader)(const char *data, size_t len, unsigned flags, size_t trim_over, struct buf *out,
			     enum report_kind *kind, bool *trimmed, char *why, size_t whylen);
/* In cmd/report.c. */
void report_register_loader(report_loader load);

#endif

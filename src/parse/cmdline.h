/*
 * Kernel command line (/proc/cmdline, or "Command line:" in the log). Parsed like
 * kernel/params.c:next_arg(): whitespace-separated, double quotes group spaces,
 * parameters stop at "--" (the rest goes to init). Pure.
 */
#ifndef IRQSIGHT_PARSE_CMDLINE_H
#define IRQSIGHT_PARSE_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

struct cmdline_param {
	const char *key;	/* "intel_iommu" (dashes kept as written) */
	const char *val;	/* "on", "" for "key=", NULL for a bare flag */
	const char *raw;	/* "intel_iommu=on" */
};

struct cmdline {
	const char *raw;
	struct cmdline_param *params;
	int nparams;
};

int parse_cmdline(const char *buf, size_t len, struct arena *a, struct cmdline *out);
/* Last occurrence wins, as for most kernel parameters. Keys compare with '-' == '_'. */
const struct cmdline_param *cmdline_get(const struct cmdline *c, const char *key);
/* Does the comma-separated value of key contain word (e.g. "pci" has "nomsi")? */
bool cmdline_has_word(const struct cmdline *c, const char *key, const char *word);

#endif

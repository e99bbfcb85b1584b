/*
 * keep.state: what a running `irqsight keep` reports about itself, for `check` (the
 * keep-contested finding), `export` and `serve` (irqsight_keep_* metrics). keep
 * rewrites it (temp file + rename) after every verify and correction, in the state
 * directory (STATE/keep.state, /var/lib/irqsight/keep.state on a host). Same line
 * syntax as plans (parse/planfile.h):
 *
 *   irqsight-keep 1
 *   keep pid=812 started=1765000000 updated=1765000010 last_verify=1765000010 drifted=0
 *   corrections reason=link-up count=3          (one line per reason, all five)
 *   contested irq=41 path=proc/irq/41/smp_affinity_list name=virtio3-rx dev=0000:00:03.0
 *             writer="irqbalance (pid 733)" rewrites=6 window=600 advice="..."
 *
 * Times are seconds since the epoch.
 */
#ifndef IRQSIGHT_PARSE_KEEPSTATE_H
#define IRQSIGHT_PARSE_KEEPSTATE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct buf;

/* The reasons keep corrects a value for, in this order everywhere (metrics, state). */
enum keep_reason { KEEP_VERIFY, KEEP_LINK_UP, KEEP_NEW_IRQ, KEEP_DRIVER_REBIND, KEEP_FOREIGN_WRITE, KEEP_NREASONS };
const char *keep_reason_name(enum keep_reason r);	/* "verify", "link-up", ... */

struct keep_contested {
	int irq;		/* -1 for default_smp_affinity and RPS */
	const char *path, *name, *dev, *writer, *advice;
	int rewrites, window;	/* rewrites by others seen within window seconds */
};

struct keep_state {
	bool present;
	int pid;
	long long started, updated, last_verify;
	int drifted;
	unsigned long long corrections[KEEP_NREASONS];
	struct keep_contested *contested;
	int ncontested;
};

/* Pure. 0, or -EINVAL with *why (a static string) for a file that is not a keep state. */
int keepstate_parse(const char *buf, size_t len, struct arena *a, struct keep_state *out, const char **why);
int keepstate_format(const struct keep_state *s, struct buf *out);

#endif

/*
 * systemd's service notification for `irqsight keep` (Type=notify: READY=1, STATUS=,
 * WATCHDOG=1, STOPPING=1), from libsystemd's sd_notify in src/opt/libsystemd/notify.c,
 * built only when libsystemd is installed. It registers itself from a constructor (the
 * core names nothing in opt/); without it keep runs as a Type=simple service and
 * notifies nothing.
 */
#ifndef IRQSIGHT_OPT_NOTIFY_H
#define IRQSIGHT_OPT_NOTIFY_H

#include <stdint.h>

struct notify_ops {
	/* sd_notify(0, state): > 0 sent, 0 not under systemd, < 0 -errno. */
	int (*notify)(const char *state);
	/* The watchdog interval asked for (WatchdogSec=) in microseconds, 0 when none. */
	uint64_t (*watchdog_usec)(void);
};

/* Called by the optional part before main (cmd/keep.c keeps it). */
void notify_register(const struct notify_ops *ops);

#endif

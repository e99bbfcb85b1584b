/* sd_notify for `irqsight keep` (src/opt/notify.h). */
#include <systemd/sd-daemon.h>

#include "opt/notify.h"

static int notify(const char *state)
{
	return sd_notify(0, state);
}

static uint64_t watchdog_usec(void)
{
	uint64_t us = 0;
	return sd_watchdog_enabled(0, &us) > 0 ? us : 0;
}

__attribute__((constructor)) static void notify_register_self(void)
{
	static const struct notify_ops ops = { notify, watchdog_usec };
	notify_register(&ops);
}

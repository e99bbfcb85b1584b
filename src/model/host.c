/* host_build(): the order of the steps; host_free(). The steps are build_*.c, derive.c and
 * roles.c; they and everyone else read through model/read.c. */
#include "model/host.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/build.h"
#include "source/source.h"

int host_build(struct host *h, const struct source *src, const struct host_opts *opt)
{
	struct host_opts none = { 0 };
	if (!opt)
		opt = &none;
	memset(h, 0, sizeof(*h));
	h->root = arena_strdup(&h->arena, src->root);
	h->is_live = src->is_live;
	h->is_root_user = geteuid() == 0;
	h->uptime = -1;

	int r = build_platform_early(h, src);
	if (!r)
		r = build_irqs(h, src);
	if (r < 0 && r != -ENOMEM && (h->has_klog || h->has_cmdline)) {
		/* No readable proc/interrupts but a log or a command line (a partial capture):
		 * judge what they tell; everything about IRQs is unknown. */
		host_note_unreadable(h, "proc/interrupts", r, "IRQs, devices' interrupt use and CPU load are unknown");
		h->interrupts_unusable = r == -ENOENT ? "not present" : arena_strdup(&h->arena, strerror(-r));
		r = 0;
	}
	if (r) {
		host_free(h);	/* what was read so far: nothing of it is returned */
		return r;
	}
	build_cpus(h, src);
	build_pci(h, src);
	/* Without VMs (baseline) the process list is still read for irqbalance. */
	build_procs(h, src, !opt->skip_vms);
	derive_links(h);
	build_platform_late(h, src);
	build_roles(h, src);
	build_boot(h, src);
	build_keep(h, src);
	if (opt->sample_seconds > 0 && h->is_live)
		sample_rates(h, src, opt);
	derive_load(h);
	return 0;
}

void host_free(struct host *h)
{
	arena_free(&h->arena);
}


/* irqsight plan: decide where every interrupt should run; print the change, write the plan. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act/plan.h"
#include "cmd/cmd.h"
#include "model/host.h"
#include "render/plan.h"
#include "render/prom.h"
#include "util/arena.h"
#include "util/buf.h"

static void plan_usage(FILE *f)
{
	fprintf(f, "Usage: irqsight [--root DIR] plan [--vm-cpus LIST] [--housekeeping LIST] [-o PLAN]\n\n"
		   "Plans where every interrupt should run: device IRQs, default_smp_affinity and RPS on\n"
		   "housekeeping CPUs, multiqueue vectors one per CPU near the device, irqbalance kept off\n"
		   "the VM CPUs. No interrupt goes to a CPU that is isolated (isolcpus, nohz_full, sysfs,\n"
		   "a cpuset partition) or runs a pinned vCPU; --vm-cpus adds to those. Housekeeping is\n"
		   "what irqaffinity=/tuned/systemd declare, else every other online CPU. Nothing is\n"
		   "changed: apply the plan with `irqsight apply PLAN`.\n\n"
		   "  --vm-cpus LIST       more CPUs to keep free of interrupts (e.g. 2-15)\n"
		   "  --housekeeping LIST  CPUs for the host's interrupts, even reserved ones (warned)\n"
		   "  -o, --output PLAN    write the plan file (docs/plan.md); '-' for stdout\n");
}

static int write_out(const char *path, const struct buf *b)
{
	if (!strcmp(path, "-"))
		return fwrite(b->data, 1, b->len, stdout) == b->len ? 0 : -EIO;
	/* Whole or not at all, and never through a link planted at PLAN (a plain open
	 * once wrote the plan into the file a link there named, and a short write left a
	 * cut plan): a temporary file renamed over PLAN, as export and baseline save do. */
	return prom_write_atomic(path, b->data, b->len);
}

int cmd_plan(int argc, char **argv, const struct global_opts *g)
{
	static const struct option opts[] = {
		{ "vm-cpus", required_argument, 0, 'v' },
		{ "housekeeping", required_argument, 0, 'k' },
		{ "output", required_argument, 0, 'o' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *vm_txt = NULL, *hk_txt = NULL, *out = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			vm_txt = optarg;
			break;
		case 'k':
			hk_txt = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			plan_usage(stdout);
			return EXIT_OK;
		default:
			plan_usage(stderr);
			return EXIT_UNKNOWN;
		}
	}
	if (optind < argc)
		return err("plan: unexpected argument '%s'", argv[optind]);
	struct arena a = { 0 };
	struct cpuset vm, hk;
	struct plan_opts po = { 0 };
	if (vm_txt) {
		/* An empty list (--vm-cpus "$UNSET") is a mistake, not "nothing more". */
		if (cpuset_parse_list(&vm, &a, vm_txt, strlen(vm_txt)) || cpuset_empty(&vm)) {
			arena_free(&a);
			return err("plan: --vm-cpus takes a non-empty CPU list like 2-7,10, not '%s'", vm_txt);
		}
		po.vm_cpus = &vm;
	}
	if (hk_txt) {
		if (cpuset_parse_list(&hk, &a, hk_txt, strlen(hk_txt)) || cpuset_empty(&hk)) {
			arena_free(&a);
			return err("plan: --housekeeping takes a non-empty CPU list like 0-1, not '%s'", hk_txt);
		}
		po.housekeeping = &hk;
	}
	struct host_opts ho = { 0 };
	struct host *h = cmd_host(g, &ho);
	if (!h) {
		arena_free(&a);
		return EXIT_UNKNOWN;
	}
	struct plan p;
	const char *why = NULL;
	int rc = EXIT_OK;
	if (plan_make(h, &po, &a, &p, &why)) {
		rc = err("cannot plan: %s", why);
		goto out;
	}
	struct buf text = { 0 };
	plan_format(&p, &text);
	bool to_stdout = out && !strcmp(out, "-");
	/* The file first: a reader that stops early (| head) must not lose the plan. */
	int r = out && !to_stdout ? write_out(out, &text) : 0;
	if (g->json)
		render_plan_json(&p, &a, to_stdout ? stderr : stdout);
	else
		render_plan_text(&p, h, &a, to_stdout ? stderr : stdout);
	if (to_stdout)
		r = write_out(out, &text);
	if (r)
		rc = err("cannot write '%s': %s", out, strerror(-r));
	else if (!g->json && !to_stdout)
		render_plan_saved(out, stdout);
	buf_free(&text);
out:
	arena_free(&a);
	return rc;
}

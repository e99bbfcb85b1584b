/* irqsight check: the whole triage in one command. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "model/host.h"
#include "render/journal.h"
#include "render/prom.h"
#include "render/render.h"
#include "rules/finding.h"
#include "util/buf.h"

#include "version.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: irqsight [--root DIR] check [--interval SEC | --no-sample] [--no-trace] [--json] [-v]\n\n"
		   "Triage the interrupt topology: IOMMU and interrupt remapping, MSI-X vs INTx,\n"
		   "IRQ/softirq hotspots, vCPU placement, irqbalance. Each finding says what was\n"
		   "seen, what it means, what to decide and how to fix it.\n\n"
		   "  -i, --interval SEC  sample rates for SEC seconds (live only; default 1); as root\n"
		   "                      also record IRQ/softirq tracepoints for time per CPU and IRQ\n"
		   "  -n, --no-sample     judge from counts since boot only\n"
		   "      --no-trace      sample without tracepoints (/proc/stat times only)\n"
		   "  -j, --json          JSON report (docs/json.md)\n"
		   "  -p, --prometheus    Prometheus exposition (docs/metrics.md) instead of the report\n"
		   "  -v, --verbose       list every CPU and device\n\n"
		   "Exit status: 0 nothing above info, 1 warning, 2 critical, 3 could not run, or\n"
		   "nothing above info but /proc/interrupts unusable (UNKNOWN).\n");
}

int cmd_check(int argc, char **argv, const struct global_opts *g)
{
	static const struct option opts[] = {
		{ "interval", required_argument, 0, 'i' },
		{ "no-sample", no_argument, 0, 'n' },
		{ "no-trace", no_argument, 0, 'N' },
		{ "json", no_argument, 0, 'j' },
		{ "prometheus", no_argument, 0, 'p' },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	double interval = 1.0;
	bool json = g->json, prom = false, trace = true;
	int verbose = g->verbose;
	int c;
	while ((c = getopt_long(argc, argv, "i:njpvh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': {
			char *end;
			interval = strtod(optarg, &end);
			if (end == optarg || *end || interval <= 0 || interval > 3600)
				return err("--interval takes seconds between 0 and 3600, not '%s'", optarg);
			break;
		}
		case 'n':
			interval = 0;
			break;
		case 'N':
			trace = false;
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			prom = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_UNKNOWN;
		}
	}
	if (optind < argc)
		return err("check: unexpected argument '%s'", argv[optind]);

	if (json && prom)
		return err("check: --json and --prometheus are two formats: pick one");
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct host_opts ho = { .sample_seconds = interval,
				.trace = trace,
				.no_trace_why = trace ? NULL : "--no-trace" };
	struct host *h = cmd_host(g, &ho);
	if (!h)
		return EXIT_UNKNOWN;
	struct findings fs = { 0 };
	rules_run(h, &fs);
	struct buf out = { 0 };
	struct render_opts ro = { .color = !json && use_color(g, stdout), .width = 80, .verbose = verbose > 0,
				  .version = IRQSIGHT_VERSION };
	ro.journal = journal_stream_is(fileno(stdout));	/* stdout is the journal: <N> priorities */
	if (prom) {
		struct prom_opts po;
		prom_opts_init(&po);
		po.version = IRQSIGHT_VERSION;
		if (h->is_live) {
			/* A snapshot's exposition stays reproducible: no run time or timestamp. */
			struct timespec t1;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			po.run_timestamp = (double)time(NULL);
			po.run_duration = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		}
		render_prom(h, &fs, &po, &out);
	} else if (json)
		render_json(h, &fs, &ro, &out);
	else
		render_text(h, &fs, &ro, &out);
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	enum severity worst = findings_worst(&fs);
	/* Nothing above info, but /proc/interrupts gave nothing to judge: UNKNOWN, not OK. */
	bool unknown = worst == SEV_INFO && h->interrupts_unusable;
	findings_free(&fs);
	if (fflush(stdout) || ferror(stdout))
		return err("cannot write the report: %s", strerror(errno));
	return worst == SEV_CRITICAL ? EXIT_CRITICAL : worst == SEV_WARNING ? EXIT_WARNING : unknown ? EXIT_UNKNOWN : EXIT_OK;
}

/* irqsight baseline save|check FILE: record a known-good interrupt profile; report drift. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/baseline.h"
#include "model/host.h"
#include "render/baseline.h"
#include "render/journal.h"
#include "render/prom.h"
#include "rules/drift.h"
#include "rules/finding.h"
#include "source/source.h"
#include "util/buf.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: irqsight [--root DIR] [--json] baseline save FILE\n"
		   "       irqsight [--root DIR] [--json] baseline check FILE\n\n"
		   "save:  record this host's interrupt profile (kernel, relevant boot parameters,\n"
		   "       IOMMU / interrupt remapping / x2APIC, per device driver, IRQ mode, MSI-X\n"
		   "       table size, vectors, queues, affinity policy, irqbalance) in FILE.\n"
		   "check: compare the host with FILE; every difference is a drift-* finding with\n"
		   "       the baseline and current value and the likely cause.\n"
		   "       Exit status as check: 0 no drift above info, 1 warning, 2 critical,\n"
		   "       3 could not run. See docs/baseline.md.\n");
}

static int build(const struct global_opts *g, struct host *h)
{
	struct source src;
	int rc = src_open(&src, g->root);
	if (rc)
		return err("cannot open root '%s': %s", g->root, strerror(-rc));
	struct host_opts ho = { .skip_vms = true };
	memset(h, 0, sizeof(*h));
	rc = host_build(h, &src, &ho);
	src_close(&src);
	if (rc)
		return err("cannot read the host at '%s': %s", g->root, strerror(-rc));
	return 0;
}

static int save(const struct global_opts *g, const char *path)
{
	struct host h;
	int rc = build(g, &h);
	if (rc)
		return rc;
	struct baseline b;
	baseline_from_host(&b, &h);
	struct buf out = { 0 };
	rc = baseline_format(&b, &out);
	int ndevs = b.ndevs;
	baseline_free(&b);
	host_free(&h);
	if (!rc)
		rc = strcmp(path, "-") ? prom_write_atomic(path, out.data, out.len) :
		     (fwrite(out.data, 1, out.len, stdout) == out.len ? 0 : -EIO);
	buf_free(&out);
	if (rc)
		return err("cannot write baseline '%s': %s", path, strerror(-rc));
	if (strcmp(path, "-"))
		fprintf(stderr, "irqsight: baseline of %d devices saved to %s\n", ndevs, path);
	return EXIT_OK;
}

static int check(const struct global_opts *g, const char *path)
{
	struct baseline old;
	char msg[512];
	if (cmd_load_baseline(path, &old, msg, sizeof(msg))) {
		baseline_free(&old);
		return err("%s", msg);
	}
	struct host h;
	int rc = build(g, &h);
	if (rc) {
		baseline_free(&old);
		return rc;
	}
	struct baseline now;
	baseline_from_host(&now, &h);
	struct findings fs = { 0 };	/* rules/drift.c fills fs.own */
	if (baseline_compare(&old, &now, &fs) < 0) {
		baseline_free(&old);
		baseline_free(&now);
		findings_free(&fs);
		host_free(&h);
		return err("baseline check: out of memory");
	}
	drift_name_file(&fs, path);
	drift_sort(&fs);
	struct buf out = { 0 };
	if (g->json)
		render_baseline_json(&out, &fs, path, &old, &now);
	else
		render_baseline_text(&out, &fs, path, &old, &now, use_color(g, stdout),
				     journal_stream_is(STDOUT_FILENO));
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	enum severity worst = findings_worst(&fs);
	findings_free(&fs);
	baseline_free(&old);
	baseline_free(&now);
	host_free(&h);
	return worst == SEV_CRITICAL ? EXIT_CRITICAL : worst == SEV_WARNING ? EXIT_WARNING : EXIT_OK;
}

int cmd_baseline(int argc, char **argv, const struct global_opts *g)
{
	static const struct option opts[] = {
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return EXIT_OK;
		}
		usage(stderr);
		return EXIT_UNKNOWN;
	}
	if (argc - optind != 2) {
		usage(stderr);
		return err("baseline: give save or check and a FILE");
	}
	const char *what = argv[optind], *path = argv[optind + 1];
	if (!strcmp(what, "save"))
		return save(g, path);
	if (!strcmp(what, "check"))
		return check(g, path);
	usage(stderr);
	return err("baseline: unknown action '%s' (save or check)", what);
}

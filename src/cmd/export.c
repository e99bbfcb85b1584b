/* irqsight export FILE.prom: metrics for node_exporter's textfile collector. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/baseline.h"
#include "model/host.h"
#include "render/prom.h"
#include "rules/drift.h"
#include "rules/finding.h"
#include "source/source.h"
#include "util/buf.h"

#include "version.h"

static double now_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read and parse a baseline file. 0 or -errno/-EINVAL with a message. */
int cmd_load_baseline(const char *path, struct baseline *b, char *msg, size_t msglen)
{
	struct buf t = { 0 };
	/* Relative to the current directory (never --root), whole or refused, never cut. */
	int rc = buf_read_file(&t, path, 16u << 20);
	if (rc) {
		snprintf(msg, msglen, "cannot read baseline '%s': %s", path,
			 rc == -EFBIG ? "larger than the limit of 16 MiB" :
			 rc == -EINVAL ? "not a regular file or a pipe" : strerror(-rc));
		buf_free(&t);
		memset(b, 0, sizeof(*b));
		return rc;
	}
	/* Its values are printed (baseline check's text) and exported: an escape sequence
	 * or a carriage return would reach the operator's terminal. As in plans and
	 * journals, a control character but a tab or a CRLF's CR is an error of its line,
	 * raw or %XX-escaped (save escapes bytes outside '!'..'~'; the parser decodes them). */
	unsigned line = 1;
	for (size_t i = 0; i < t.len; i++) {
		unsigned char c = (unsigned char)t.data[i];
		if (c == '%' && i + 2 < t.len && isxdigit((unsigned char)t.data[i + 1]) &&
		    isxdigit((unsigned char)t.data[i + 2])) {
			char hx[3] = { t.data[i + 1], t.data[i + 2], 0 };
			unsigned long v = strtoul(hx, NULL, 16);
			if ((v < 0x20 && v != '\t') || v == 0x7f)
				c = 0x7f;	/* refused below */
		}
		if (c == '\n') {
			line++;
		} else if ((c < 0x20 && c != '\t' && !(c == '\r' && i + 1 < t.len && t.data[i + 1] == '\n')) ||
			   c == 0x7f) {
			snprintf(msg, msglen, "cannot use baseline '%s': line %u: a control character", path, line);
			buf_free(&t);
			memset(b, 0, sizeof(*b));
			return -EINVAL;
		}
	}
	char perr[256];
	rc = baseline_parse(b, t.data ? t.data : "", t.len, perr, sizeof(perr));
	if (rc)
		snprintf(msg, msglen, "cannot use baseline '%s': %s", path, perr);
	buf_free(&t);
	return rc;
}

int metrics_collect(const struct global_opts *g, const struct metrics_opts *mo, struct buf *out,
		    char *msg, size_t msglen)
{
	struct prom_opts po;
	prom_opts_init(&po);
	po.top_irqs = mo->top_irqs;
	po.version = IRQSIGHT_VERSION;
	po.scrape_errors = mo->errors;
	po.run_timestamp = now_real();
	double t0 = now_mono();

	struct source src;
	struct host h;
	memset(&h, 0, sizeof(h));
	struct findings fs = { .arena = &h.arena };
	bool built = false;
	int rc = src_open(&src, g->root);
	if (rc) {
		cmd_host_error(msg, msglen, g, 0, rc);
	} else {
		struct host_opts ho = { .sample_seconds = src.is_live ? mo->sample_seconds : 0 };
		rc = host_build(&h, &src, &ho);
		src_close(&src);
		if (rc)
			cmd_host_error(msg, msglen, g, 1, rc);
		else
			built = true;
	}
	if (built) {
		rules_run(&h, &fs);
		if (mo->baseline) {
			struct baseline old, now;
			rc = cmd_load_baseline(mo->baseline, &old, msg, msglen);
			if (!rc) {
				baseline_from_host(&now, &h);
				baseline_compare(&old, &now, &fs);
				baseline_free(&now);
				po.has_baseline = true;
			}
			baseline_free(&old);
		}
	}
	po.up = built;
	if (!built || rc)
		po.scrape_errors++;
	po.run_duration = now_mono() - t0;
	int rrc = render_prom(built ? &h : NULL, built ? &fs : NULL, &po, out);
	if (built)
		host_free(&h);
	if (rrc && !rc) {
		snprintf(msg, msglen, "cannot render metrics: %s", strerror(-rrc));
		rc = rrc;
	}
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: irqsight [--root DIR] export [OPTIONS] FILE.prom|-\n\n"
		   "Write the host's interrupt metrics in the Prometheus text format, atomically\n"
		   "(temporary file + rename) for node_exporter's textfile collector.\n\n"
		   "  -b, --baseline FILE  also compare with a baseline (irqsight_drift_findings)\n"
		   "  -n, --top-irqs N     per-IRQ series for the N busiest device IRQs (default %d, max %d)\n"
		   "  -i, --interval S     live: sample S seconds for rates (default: counters only)\n"
		   "  -h, --help           this help\n\n"
		   "Exit status: 0 written, 3 could not read the host or write FILE.\n"
		   "Metrics: docs/metrics.md.\n",
		   PROM_TOP_IRQS_DEFAULT, PROM_TOP_IRQS_MAX);
}

/* Shared by export and serve: --top-irqs value. */
static int parse_top(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 0 || v > PROM_TOP_IRQS_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int cmd_export(int argc, char **argv, const struct global_opts *g)
{
	struct metrics_opts mo = { .top_irqs = PROM_TOP_IRQS_DEFAULT };
	static const struct option opts[] = {
		{ "baseline", required_argument, 0, 'b' },
		{ "top-irqs", required_argument, 0, 'n' },
		{ "interval", required_argument, 0, 'i' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "b:n:i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			mo.baseline = optarg;
			break;
		case 'n':
			if (parse_top(optarg, &mo.top_irqs))
				return err("export: --top-irqs takes 0..%d, not '%s'", PROM_TOP_IRQS_MAX, optarg);
			break;
		case 'i':
			mo.sample_seconds = strtod(optarg, &end);
			if (*end || !(mo.sample_seconds > 0 && mo.sample_seconds <= 60))
				return err("export: --interval takes seconds in (0, 60], not '%s'", optarg);
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_UNKNOWN;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return err("export: give exactly one output file (or - for stdout)");
	}
	const char *path = argv[optind];
	struct buf out = { 0 };
	char msg[512] = "";
	int rc = metrics_collect(g, &mo, &out, msg, sizeof(msg));
	if (rc)
		err("export: %s", msg);	/* the file is still written: irqsight_up 0 is the signal */
	int wrc;
	if (!strcmp(path, "-")) {
		wrc = fwrite(out.data, 1, out.len, stdout) == out.len && fflush(stdout) == 0 ? 0 : -EIO;
	} else {
		wrc = prom_write_atomic(path, out.data, out.len);
	}
	buf_free(&out);
	if (wrc)
		return err("cannot write '%s': %s", path, strerror(-wrc));
	return rc ? EXIT_UNKNOWN : EXIT_OK;
}

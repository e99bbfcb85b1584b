/* irqsight report: one self-contained HTML page for a ticket (docs/report.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/report.h"
#include "model/host.h"
#include "render/html.h"
#include "render/render.h"
#include "rules/finding.h"
#include "source/source.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/progress.h"

#include "version.h"


static void usage(FILE *f)
{
	fprintf(f, "Usage: irqsight [--root DIR] report [-o FILE.html] [--interval SEC | --no-sample] [--no-trace]\n"
		   "       irqsight report [-o FILE.html] --from PATH [--from PATH ...]\n\n"
		   "One HTML file for a ticket: the findings with their fix lines, a heat map of\n"
		   "interrupts per CPU, per-CPU interrupt time, devices, platform, and wake-up latency\n"
		   "before/after. It works offline: no network, nothing external; the data is in it.\n\n"
		   "  -o, --output FILE   write the page to FILE (default: stdout, not a terminal)\n"
		   "  -f, --from PATH     build from saved files instead of a host: `irqsight --json\n"
		   "                      check` output, `irqsight latency --save` files (the first is\n"
		   "                      \"before\", the second \"after\"), or a bundle directory (a\n"
		   "                      `fix` bundle, or check.json and latency-*.json); needs json-c\n"
		   "  -i, --interval SEC  sample rates for SEC seconds (live only; default 1)\n"
		   "  -n, --no-sample     counts since boot only\n"
		   "      --no-trace      sample without tracepoints\n\n"
		   "Exit status: 0 the page was written, 3 it could not be.\n");
}

/* The host's name for the title: its hostname file (live or in a snapshot), else the root. */
static char *host_title(const struct global_opts *g, const struct source *src)
{
	if (src->is_live) {
		struct utsname u;
		return strdup(uname(&u) == 0 ? u.nodename : "this host");
	}
	struct buf b = { 0 };
	if (src_read(src, "proc/sys/kernel/hostname", &b, 256) == 0 && b.len) {
		b.data[strcspn(b.data, "\n")] = '\0';
		if (b.data[0])
			return b.data;
	}
	buf_free(&b);
	const char *base = strrchr(g->root, '/');
	return strdup(base && base[1] ? base + 1 : g->root);
}

struct report_opts {
	const char *output;
	double interval;
	bool trace, from;
};

/* Options and --from paths (into in): 0, -1 for --help (printed), or EXIT_UNKNOWN. */
static int parse_opts(int argc, char **argv, const struct global_opts *g, struct report_opts *o,
		      struct report_inputs *in)
{
	static const struct option opts[] = {
		{ "output", required_argument, 0, 'o' },
		{ "from", required_argument, 0, 'f' },
		{ "interval", required_argument, 0, 'i' },
		{ "no-sample", no_argument, 0, 'n' },
		{ "no-trace", no_argument, 0, 'N' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "o:f:i:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o->output = optarg; break;
		case 'f':
			o->from = true;
			if (report_add_path(in, optarg))
				return EXIT_UNKNOWN;
			break;
		case 'i': {
			char *end;
			o->interval = strtod(optarg, &end);
			if (end == optarg || *end || o->interval <= 0 || o->interval > 3600)
				return err("--interval takes seconds between 0 and 3600, not '%s'", optarg);
			break;
		}
		case 'n': o->interval = 0; break;
		case 'N': o->trace = false; break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return EXIT_UNKNOWN;
		}
	}
	/* `--from a.json b.json`: the paths after the options are more of the same */
	for (; optind < argc; optind++) {
		if (!o->from)
			return err("report: unexpected argument '%s' (saved files go after --from)", argv[optind]);
		if (report_add_path(in, argv[optind]))
			return EXIT_UNKNOWN;
	}
	if (o->from && g->root_given)
		return err("report: --root and --from are two sources: pick one");
	if (!o->output && isatty(STDOUT_FILENO))
		return err("report: the page is HTML: give -o FILE.html or redirect stdout");
	return 0;
}

/* The page's data from this host or --root (the runner builds it): the check JSON (compact,
 * and above HTML_TRIM_BYTES with only the IRQ keys the page draws), the sampled per-CPU
 * rates, the title and, live, when it was made. 0 or EXIT_UNKNOWN (said why). */
static int host_inputs(const struct global_opts *g, const struct report_opts *o, struct report_inputs *in,
		       struct buf *rates, char **title, char *gen, size_t genlen)
{
	struct progress pr;
	bool live = strcmp(g->root, "/") == 0;
	struct host_opts ho = { .sample_seconds = o->interval,
				.trace = o->trace,
				.no_trace_why = o->trace ? NULL : "--no-trace" };
	progress_start(&pr, "report: sampling", live ? o->interval : 0, g->json);
	const struct host *h = cmd_host(g, &ho);
	progress_end(&pr);
	if (!h)
		return EXIT_UNKNOWN;
	struct findings fs = { 0 };
	rules_run(h, &fs);
	struct render_opts ro = { .width = 80, .version = IRQSIGHT_VERSION, .compact = true };
	render_json(h, &fs, &ro, &in->check);
	if (in->check.len > HTML_TRIM_BYTES) {
		buf_reset(&in->check);
		ro.page_irqs = in->trimmed = true;
		render_json(h, &fs, &ro, &in->check);
	}
	findings_free(&fs);
	if (h->sample_seconds > 0)
		html_rates_json(h, rates);
	*title = host_title(g, cmd_root(g));
	if (h->is_live) {
		time_t now = time(NULL);
		strftime(gen, genlen, "%Y-%m-%d %H:%M UTC", gmtime(&now));
	}
	return 0;
}

/* The page to -o FILE or stdout: 0 or EXIT_UNKNOWN (said why). */
static int write_page(const struct buf *page, const char *output, const struct global_opts *g)
{
	FILE *f = output ? fopen(output, "w") : stdout;
	if (!f)
		return err("report: cannot write '%s': %s", output, strerror(errno));
	fwrite(page->data, 1, page->len, f);
	bool bad = fflush(f) || ferror(f);
	if (output && fclose(f))
		bad = true;
	if (bad)
		return err("report: cannot write '%s': %s", output ? output : "stdout", strerror(errno));
	if (output && !g->json)
		fprintf(stderr, "irqsight: wrote %s\n", output);
	return 0;
}

int cmd_report(int argc, char **argv, const struct global_opts *g)
{
	struct report_opts o = { .interval = 1.0, .trace = true };
	struct report_inputs in = { 0 };
	struct buf rates = { 0 }, page = { 0 };
	char *title = NULL, gen[64] = "";
	int ret = parse_opts(argc, argv, g, &o, &in);
	if (ret)
		goto out;
	if (!o.from) {
		if ((ret = host_inputs(g, &o, &in, &rates, &title, gen, sizeof(gen))))
			goto out;
	} else {
		title = strdup(in.bundle ? in.bundle : in.check_name ? in.check_name : in.lat_name[0]);
	}
	struct html_input hi = { .version = IRQSIGHT_VERSION,
				 .title = title,
				 .generated = gen[0] ? gen : NULL,
				 .trimmed = in.trimmed,
				 .fix_json = in.fix.data,
				 .fix_len = in.fix.len,
				 .rates_json = rates.data,
				 .rates_len = rates.len,
				 .check_json = in.check.data,
				 .check_len = in.check.len };
	for (int i = 0; i < in.nlat; i++) {
		hi.lat_json[i] = in.lat[i].data;
		hi.lat_len[i] = in.lat[i].len;
		hi.lat_name[i] = in.lat_name[i];
	}
	render_html(&hi, &page);
	ret = write_page(&page, o.output, g);
out:
	free(title);
	buf_free(&page);
	buf_free(&rates);
	report_inputs_free(&in);
	return ret < 0 ? EXIT_OK : ret;
}

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
#include "model/host.h"
#include "render/html.h"
#include "render/render.h"
#include "rules/finding.h"
#include "source/source.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/progress.h"

#include "version.h"

#define REPORT_MAX_INPUT (256u << 20)	/* a saved check of a 512-CPU host is ~6 MB */

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
		   "                      \"before\", the second \"after\"), or a bundle directory holding\n"
		   "                      check.json, latency-before.json, latency-after.json\n"
		   "  -i, --interval SEC  sample rates for SEC seconds (live only; default 1)\n"
		   "  -n, --no-sample     counts since boot only\n"
		   "      --no-trace      sample without tracepoints\n\n"
		   "Exit status: 0 the page was written, 3 it could not be.\n");
}

struct inputs {
	struct buf check, lat[2];
	char *lat_name[2];
	int nlat;
	const char *check_name;
};

/* A saved file's kind from its first keys: latency files say "schema": "irqsight-latency". */
static int add_file(struct inputs *in, const char *path, bool must)
{
	struct buf b = { 0 };
	int r = buf_read_file(&b, path, REPORT_MAX_INPUT);
	if (r == -ENOENT && !must)
		return 0;
	if (r)
		return err("report: cannot read '%s': %s", path, strerror(-r));
	const char *head = b.data;
	size_t hl = b.len < 400 ? b.len : 400;
	if (memmem(head, hl, "\"irqsight-latency\"", 18)) {
		if (in->nlat == 2) {
			buf_free(&b);
			return err("report: '%s': a third latency file (give one, or two: before and after)", path);
		}
		in->lat[in->nlat] = b;
		in->lat_name[in->nlat++] = strdup(path);
		return 0;
	}
	if (memmem(head, hl, "\"schema\"", 8) && memmem(b.data, b.len, "\"findings\"", 10)) {
		if (in->check.data) {
			buf_free(&b);
			return err("report: '%s': a second check file (one host per page)", path);
		}
		in->check = b;
		in->check_name = path;
		return 0;
	}
	buf_free(&b);
	return err("report: '%s' is neither `irqsight --json check` output nor an `irqsight latency --save` file",
		   path);
}

static int add_path(struct inputs *in, const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* the bundle layout (docs/report.md): fixed names, each optional */
		static const char *const names[] = { "check.json", "latency-before.json", "latency-after.json",
						     "latency.json" };
		int before = in->nlat;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char p[4096];
			if (snprintf(p, sizeof(p), "%s/%s", path, names[i]) >= (int)sizeof(p))
				return err("report: path too long: '%s'", path);
			int r = add_file(in, p, false);
			if (r)
				return r;
		}
		if (!in->check.data && in->nlat == before)
			return err("report: '%s' holds none of check.json, latency-before.json, latency-after.json, "
				   "latency.json",
				   path);
		return 0;
	}
	return add_file(in, path, true);
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

/* Per-CPU rates of each IRQ over the sample, which the check JSON does not carry (it has
 * one rate per IRQ): the heat map colours rates when it has them. Non-zero only. */
static void rates_json(const struct host *h, struct buf *out)
{
	struct json j;
	json_init(&j, out, false);
	json_obj_begin(&j, NULL);
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (!q->cpu_rate)
			continue;
		json_obj_begin(&j, q->name);
		for (int c = 0; c < h->ncols; c++) {
			if (q->cpu_rate[c] <= 0)
				continue;
			char k[16];
			snprintf(k, sizeof(k), "%d", h->col_cpu[c]);
			json_double(&j, k, q->cpu_rate[c], 1);
		}
		json_obj_end(&j);
	}
	json_obj_end(&j);
	json_end(&j);
}

int cmd_report(int argc, char **argv, const struct global_opts *g)
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
	const char *output = NULL;
	double interval = 1.0;
	bool trace = true, from = false;
	struct inputs in = { 0 };
	struct buf rates = { 0 };
	int c, ret = EXIT_UNKNOWN;
	while ((c = getopt_long(argc, argv, "o:f:i:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'f':
			from = true;
			if (add_path(&in, optarg))
				goto out;
			break;
		case 'i': {
			char *end;
			interval = strtod(optarg, &end);
			if (end == optarg || *end || interval <= 0 || interval > 3600) {
				err("--interval takes seconds between 0 and 3600, not '%s'", optarg);
				goto out;
			}
			break;
		}
		case 'n': interval = 0; break;
		case 'N': trace = false; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_UNKNOWN;
		}
	}
	/* `--from a.json b.json`: the paths after the options are more of the same */
	for (; optind < argc; optind++) {
		if (!from) {
			err("report: unexpected argument '%s' (saved files go after --from)", argv[optind]);
			goto out;
		}
		if (add_path(&in, argv[optind]))
			goto out;
	}
	if (from && g->root_given) {
		err("report: --root and --from are two sources: pick one");
		goto out;
	}
	if (!output && isatty(STDOUT_FILENO)) {
		err("report: the page is HTML: give -o FILE.html or redirect stdout");
		goto out;
	}

	struct html_input hi = { .version = IRQSIGHT_VERSION };
	char *title = NULL, gen[64];
	if (!from) {
		struct source src;
		struct host h;
		struct progress pr;
		bool live = strcmp(g->root, "/") == 0;
		progress_start(&pr, "report: sampling", live ? interval : 0, g->json);
		int r = cmd_open_host(g, interval, trace, &src, &h);
		progress_end(&pr);
		if (r)
			goto out;
		struct findings fs = { 0 };
		rules_run(&h, &fs);
		struct render_opts ro = { .width = 80, .version = IRQSIGHT_VERSION };
		render_json(&h, &fs, &ro, &in.check);
		if (h.sample_seconds > 0)
			rates_json(&h, &rates);
		title = host_title(g, &src);
		if (h.is_live) {
			time_t now = time(NULL);
			strftime(gen, sizeof(gen), "%Y-%m-%d %H:%M UTC", gmtime(&now));
			hi.generated = gen;
		}
		findings_free(&fs);
		host_free(&h);
		src_close(&src);
	} else {
		title = strdup(in.check_name ? in.check_name : in.lat_name[0]);
	}
	hi.title = title;
	hi.rates_json = rates.data;
	hi.rates_len = rates.len;
	hi.check_json = in.check.data;
	hi.check_len = in.check.len;
	for (int i = 0; i < in.nlat; i++) {
		hi.lat_json[i] = in.lat[i].data;
		hi.lat_len[i] = in.lat[i].len;
		hi.lat_name[i] = in.lat_name[i];
	}
	struct buf page = { 0 };
	bool trimmed;
	int r = render_html(&hi, &page, &trimmed);
	free(title);
	if (r) {
		err("report: a saved file is not valid JSON (%s)", in.check_name ? in.check_name : "latency");
		buf_free(&page);
		goto out;
	}
	FILE *f = output ? fopen(output, "w") : stdout;
	if (!f) {
		err("report: cannot write '%s': %s", output, strerror(errno));
		buf_free(&page);
		goto out;
	}
	fwrite(page.data, 1, page.len, f);
	bool bad = fflush(f) || ferror(f);
	if (output && fclose(f))
		bad = true;
	buf_free(&page);
	if (bad) {
		err("report: cannot write '%s': %s", output ? output : "stdout", strerror(errno));
		goto out;
	}
	if (output && !g->json)
		fprintf(stderr, "irqsight: wrote %s\n", output);
	ret = EXIT_OK;
out:
	buf_free(&rates);
	buf_free(&in.check);
	for (int i = 0; i < 2; i++) {
		buf_free(&in.lat[i]);
		free(in.lat_name[i]);
	}
	return ret;
}

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
#include "cmd/report_load.h"
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
		   "                      \"before\", the second \"after\"), or a bundle directory (a\n"
		   "                      `fix` bundle, or check.json and latency-*.json); needs json-c\n"
		   "  -i, --interval SEC  sample rates for SEC seconds (live only; default 1)\n"
		   "  -n, --no-sample     counts since boot only\n"
		   "      --no-trace      sample without tracepoints\n\n"
		   "Exit status: 0 the page was written, 3 it could not be.\n");
}

/* src/opt/json-c/report_load.c is linked only where json-c is (not in `make static`),
 * and registers itself. */
static report_loader report_load;

void report_register_loader(report_loader load)
{
	report_load = load;
}

struct inputs {
	struct buf check, lat[2], fix;
	char *lat_name[2];
	int nlat;
	char *check_name, *bundle;	/* where the check came from; a bundle's directory */
	bool trimmed;
};

/* One saved JSON file through the loader into json: 0, 1 when it is absent and need not
 * be there, or EXIT_UNKNOWN (said why). */
static int load(const char *path, bool must, unsigned flags, struct buf *json, enum report_kind *kind, bool *trimmed)
{
	struct buf b = { 0 };
	int r = buf_read_file(&b, path, REPORT_MAX_INPUT);
	if (r == -ENOENT && !must)
		return 1;
	if (r)
		return err("report: cannot read '%s': %s", path, strerror(-r));
	char why[256] = "";
	r = report_load(b.data ? b.data : "", b.len, flags, HTML_TRIM_BYTES, json, kind, trimmed, why, sizeof(why));
	buf_free(&b);
	if (r)
		return err("report: '%s': %s", path, r == -EINVAL ? why : strerror(-r));
	return 0;
}

/* A saved file, told apart by its content: a check or a latency file. */
static int add_file(struct inputs *in, const char *path, bool must)
{
	struct buf j = { 0 };
	enum report_kind kind;
	bool trimmed;
	int r = load(path, must, 0, &j, &kind, &trimmed);
	if (r)
		return r == 1 ? 0 : r;
	if (kind == REPORT_LATENCY && in->nlat < 2) {
		in->lat[in->nlat] = j;
		in->lat_name[in->nlat++] = strdup(path);
		return 0;
	}
	if (kind == REPORT_CHECK && !in->check.data) {
		in->check = j;
		in->check_name = strdup(path);
		in->trimmed = trimmed;
		return 0;
	}
	buf_free(&j);
	if (kind == REPORT_LATENCY)
		return err("report: '%s': a third latency file (give one, or two: before and after)", path);
	if (kind == REPORT_CHECK)
		return err("report: '%s': a second check file (one host per page)", path);
	return err("report: '%s' is neither `irqsight --json check` output nor an `irqsight latency --save` file",
		   path);
}

#define REPORT_TEXT_MAX (256u << 10)

/* A text file of a fix bundle as a JSON string member, cut at REPORT_TEXT_MAX (and saying
 * so); absent: nothing; unreadable: why. */
static void add_text(struct buf *fix, const char *dir, const char *name, bool *first)
{
	char p[4096];
	struct buf b = { 0 };
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int r = buf_read_file(&b, p, 64u << 20);
	if (r == -ENOENT)
		return;
	if (r)
		buf_printf(&b, "(%s could not be read: %s)", name, strerror(-r));
	else if (b.len > REPORT_TEXT_MAX) {
		size_t all = b.len;
		b.len = REPORT_TEXT_MAX;
		buf_printf(&b, "\n(cut here: %u of %zu bytes shown)", REPORT_TEXT_MAX, all);
	}
	if (!*first)
		buf_putc(fix, ',');
	*first = false;
	json_escape(fix, name, strlen(name));
	buf_putc(fix, ':');
	json_escape(fix, b.data ? b.data : "", b.len);
	buf_free(&b);
}

/*
 * A `fix` bundle (docs/report.md, "Bundles"): the after-check is the page's check, the
 * latency pair its before/after, and the "fix" element carries summary.json, the
 * before-check's summary and the text files. Each part optional.
 */
static int add_fix_bundle(struct inputs *in, const char *dir)
{
	static const char *const order[] = { "check-after.json", "latency-before.json", "latency-after.json" };
	char p[4096];
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, order[i]);
		int r = add_file(in, p, false);
		if (r)
			return r;
	}
	struct buf *fix = &in->fix;
	buf_puts(fix, "{\"dir\":");
	json_escape(fix, dir, strlen(dir));
	static const char *const docs[][2] = { { "summary", "summary.json" }, { "before", "check-before.json" } };
	for (size_t i = 0; i < 2; i++) {
		enum report_kind kind;
		bool trimmed;
		size_t mark = fix->len;
		buf_printf(fix, ",\"%s\":", docs[i][0]);
		snprintf(p, sizeof(p), "%s/%s", dir, docs[i][1]);
		int r = load(p, false, REPORT_SUMMARY, fix, &kind, &trimmed);
		if (r == 1) {
			fix->len = mark;
			fix->data[mark] = '\0';
		} else if (r) {
			return r;
		} else if (kind != (i ? REPORT_CHECK : REPORT_OTHER)) {
			return err("report: '%s' is not %s", p, i ? "`irqsight --json check` output" : "a fix summary");
		}
	}
	buf_puts(fix, ",\"texts\":{");
	static const char *const texts[] = { "summary.txt", "plan", "journal" };
	bool first = true;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		add_text(fix, dir, texts[i], &first);
	buf_puts(fix, "}}");
	return 0;
}

static int add_path(struct inputs *in, const char *path)
{
	if (!report_load)
		return err("report: --from is not available in this build (it reads JSON with json-c; the static "
			   "binary leaves it out): make the page on a host with the full build, or use --root");
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return add_file(in, path, true);
	if (strlen(path) > 3000)
		return err("report: path too long: '%s'", path);
	char p[4096];
	int before = in->nlat;
	bool had_check = in->check.data != NULL;
	snprintf(p, sizeof(p), "%s/check-after.json", path);
	bool fix = access(p, F_OK) == 0;
	snprintf(p, sizeof(p), "%s/summary.json", path);
	fix = fix || access(p, F_OK) == 0;
	if (fix) {
		if (in->fix.data)
			return err("report: '%s': a second fix bundle (one per page)", path);
		in->bundle = strdup(path);
		return add_fix_bundle(in, path);
	}
	/* the hand-made layout: fixed names, each optional */
	static const char *const names[] = { "check.json", "latency-before.json", "latency-after.json",
					     "latency.json" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", path, names[i]);
		int r = add_file(in, p, false);
		if (r)
			return r;
	}
	if ((had_check || !in->check.data) && in->nlat == before)
		return err("report: '%s' is no bundle: it holds neither a fix bundle's check-after.json or "
			   "summary.json nor check.json, latency-before.json, latency-after.json, latency.json",
			   path);
	return 0;
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
		/* compact, and above HTML_TRIM_BYTES with only the IRQ keys the page draws */
		struct render_opts ro = { .width = 80, .version = IRQSIGHT_VERSION, .compact = true };
		render_json(&h, &fs, &ro, &in.check);
		if (in.check.len > HTML_TRIM_BYTES) {
			buf_reset(&in.check);
			ro.page_irqs = in.trimmed = true;
			render_json(&h, &fs, &ro, &in.check);
		}
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
		title = strdup(in.bundle ? in.bundle : in.check_name ? in.check_name : in.lat_name[0]);
	}
	hi.title = title;
	hi.trimmed = in.trimmed;
	hi.fix_json = in.fix.data;
	hi.fix_len = in.fix.len;
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
	render_html(&hi, &page);
	free(title);
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
	buf_free(&in.fix);
	free(in.check_name);
	free(in.bundle);
	for (int i = 0; i < 2; i++) {
		buf_free(&in.lat[i]);
		free(in.lat_name[i]);
	}
	return ret;
}

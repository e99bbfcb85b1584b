/*
 * irqsight latency: wake-up latency per CPU (the cyclictest method), with the
 * interrupts behind each spike (tracepoints, or /proc count deltas without them),
 * --save / --compare for before/after a fix. docs/latency.md documents the output.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/latency.h"
#include "render/latency.h"
#include "render/latency_load.h"
#include "sample/probe.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"
#include "util/str.h"

/* src/opt/json-c/latency_load.c is linked only where json-c is (not in `make static`),
 * and registers itself. */
static latency_loader latency_load;

void latency_register_loader(latency_loader load)
{
	latency_load = load;
}


static void usage(FILE *f)
{
	fprintf(f,
		"Usage: irqsight latency [OPTIONS]\n\n"
		"Measures timer wake-up latency on each CPU (like cyclictest) and names the\n"
		"interrupts that ran during the slow wake-ups.\n\n"
		"  -c, --cpus LIST       CPUs to probe (default: all online), e.g. 0-3,8\n"
		"  -i, --interval US     wake-up interval in µs (default 1000)\n"
		"  -d, --duration TIME   how long: 10s (default), 500ms, 2m, 1h\n"
		"  -p, --priority N      SCHED_FIFO priority 1-99 (default 95; 0 = do not ask)\n"
		"  -s, --spike US        spike threshold in µs (default: each CPU's p99)\n"
		"      --histogram FILE  write the histogram (µs, one column per CPU)\n"
		"      --save FILE       write the results as JSON for a later --compare\n"
		"      --compare FILE    show before (FILE) / after (this run) per CPU\n"
		"      --no-attrib       measure only: no tracepoints, no /proc readings\n"
		"      --coarse          attribute from /proc count deltas even when tracepoints work\n"
		"      --recorder R      how tracepoints are recorded: ftrace (a private tracefs\n"
		"                        instance, cheapest), perf (perf_event_open), auto\n"
		"                        (default: ftrace where this kernel and build allow, else perf)\n"
		"  -j, --json            JSON output (docs/latency.md)\n"
		"  -h, --help            this help\n\n"
		"Ctrl-C stops early and reports what was measured.\n");
}

/* "10s", "500ms", "2m", "1h", "250us"; a bare number is seconds. */
static int parse_duration(const char *s, uint64_t *ns)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v <= 0)
		return -EINVAL;
	double mul;
	if (!*end || !strcmp(end, "s"))
		mul = 1e9;
	else if (!strcmp(end, "ms"))
		mul = 1e6;
	else if (!strcmp(end, "us"))
		mul = 1e3;
	else if (!strcmp(end, "m"))
		mul = 60e9;
	else if (!strcmp(end, "h"))
		mul = 3600e9;
	else if (!strcmp(end, "d"))
		mul = 86400e9;
	else
		return -EINVAL;
	if (v * mul > 366 * 86400e9)
		return -ERANGE;
	*ns = (uint64_t)(v * mul);
	return *ns ? 0 : -EINVAL;
}

static bool parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	return str_u64(s, 10, v) && *v >= lo && *v <= hi;
}

/* The CPUs to probe: --cpus checked against what exists and is online. */
static int select_cpus(const struct source *src, const char *want, struct arena *a, int **out, int *n)
{
	struct buf b = { 0 };
	struct cpuset online, possible, sel;
	int rc = src_read(src, "sys/devices/system/cpu/online", &b, 0);
	if (rc == 0)
		rc = cpuset_parse_list(&online, a, b.data, b.len);
	if (rc < 0) {
		buf_free(&b);
		return err("cannot read 'sys/devices/system/cpu/online': %s", strerror(-rc));
	}
	buf_reset(&b);
	if (src_read(src, "sys/devices/system/cpu/possible", &b, 0) < 0 ||
	    cpuset_parse_list(&possible, a, b.data, b.len) < 0)
		cpuset_copy(&possible, a, &online);
	if (!want) {
		sel = online;
	} else {
		rc = cpuset_parse_list(&sel, a, want, strlen(want));
		if (rc < 0 || cpuset_empty(&sel)) {
			buf_free(&b);
			return err("--cpus: '%s' is not a CPU list (e.g. 0-3,8)", want);
		}
	}
	buf_reset(&b);
	cpuset_format_list(&online, &b);
	for (int c = cpuset_next(&sel, 0); c >= 0; c = cpuset_next(&sel, c + 1)) {
		if (cpuset_test(&online, c))
			continue;
		if (cpuset_test(&possible, c))
			err("--cpus: CPU %d is offline (online CPUs: %s)", c, b.data);
		else
			err("--cpus: CPU %d does not exist (online CPUs: %s)", c, b.data);
		buf_free(&b);
		return EXIT_UNKNOWN;
	}
	buf_free(&b);
	*n = cpuset_count(&sel);
	*out = arena_calloc(a, (size_t)*n, sizeof(int));
	int k = 0;
	for (int c = cpuset_next(&sel, 0); c >= 0; c = cpuset_next(&sel, c + 1))
		(*out)[k++] = c;
	return 0;
}

static int write_file(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	size_t w = fwrite(b->data, 1, b->len, f);
	int rc = w != b->len || ferror(f) ? -EIO : 0;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

static int parse_args(int argc, char **argv, const struct global_opts *g, struct lat_opts *o)
{
	enum { O_HIST = 256, O_SAVE, O_CMP, O_NOATTR, O_COARSE, O_REC };
	static const struct option opts[] = {
		{ "cpus", required_argument, 0, 'c' },
		{ "interval", required_argument, 0, 'i' },
		{ "duration", required_argument, 0, 'd' },
		{ "priority", required_argument, 0, 'p' },
		{ "spike", required_argument, 0, 's' },
		{ "histogram", required_argument, 0, O_HIST },
		{ "save", required_argument, 0, O_SAVE },
		{ "compare", required_argument, 0, O_CMP },
		{ "no-attrib", no_argument, 0, O_NOATTR },
		{ "coarse", no_argument, 0, O_COARSE },
		{ "recorder", required_argument, 0, O_REC },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	*o = (struct lat_opts){ .interval_us = 1000, .duration_ns = 10000000000ull, .priority = 95,
				.json = g->json, .recorder = PA_REC_AUTO };
	int c;
	uint64_t v;
	while ((c = getopt_long(argc, argv, "c:i:d:p:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': o->cpus = optarg; break;
		case 'i':
			if (!parse_uint(optarg, 10, 10000000, &o->interval_us))
				return err("--interval takes µs from 10 to 10000000, not '%s'", optarg);
			break;
		case 'd':
			if (parse_duration(optarg, &o->duration_ns) < 0)
				return err("--duration takes a time like 10s, 500ms, 2m or 1h, not '%s'", optarg);
			break;
		case 'p':
			if (!parse_uint(optarg, 0, 99, &v))
				return err("--priority takes 0-99, not '%s'", optarg);
			o->priority = (int)v;
			break;
		case 's':
			if (!parse_uint(optarg, 0, 100000000, &o->spike_us))
				return err("--spike takes µs, not '%s'", optarg);
			o->has_spike = true;
			break;
		case O_HIST: o->histogram = optarg; break;
		case O_SAVE: o->save = optarg; break;
		case O_CMP: o->compare = optarg; break;
		case O_NOATTR: o->no_attrib = true; break;
		case O_COARSE: o->coarse = true; break;
		case O_REC:
			if (!strcmp(optarg, "auto"))
				o->recorder = PA_REC_AUTO;
			else if (!strcmp(optarg, "ftrace"))
				o->recorder = PA_REC_FTRACE;
			else if (!strcmp(optarg, "perf"))
				o->recorder = PA_REC_PERF;
			else
				return err("--recorder takes ftrace, perf or auto, not '%s'", optarg);
			break;
		case 'j': o->json = true; break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return EXIT_UNKNOWN;
		}
	}
	if (optind < argc)
		return err("latency: unexpected argument '%s'", argv[optind]);
	if (o->duration_ns < o->interval_us * 1000)
		return err("--duration is shorter than one --interval");
	return 0;
}

/* --histogram FILE. 0 or -errno. */
static int write_histogram(const char *path, const struct lat_cpu *cs, int n)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	render_latency_histogram(f, cs, n);
	int rc = ferror(f) ? -EIO : 0;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

/* The results written: --save, --histogram, and stdout (text or JSON). The exit code. */
static int output(struct lat_job *j, const struct latency_saved *before, size_t nbefore)
{
	const struct lat_opts *o = &j->o;
	const struct lat_cpu *cs = j->cs;
	uint64_t period_ms = j->period_ns / 1000000;
	int rc, ret = EXIT_OK;
	struct latency_capture *cap = j->cap;
	if (cap) {
		/* fix: the probed CPUs' samples together, at 1 µs (the saved file has log buckets) */
		hist_init(&cap->merged);
		for (int i = 0; i < j->ncpus; i++)
			hist_merge(&cap->merged, cs[i].h);
		cap->elapsed_s = j->ri.elapsed_s;
		cap->fifo = j->ri.nfifo == j->ncpus;
		cap->interrupted = j->ri.interrupted;
		cap->method = probe_attr_method_name(j->ri.method);
	}
	struct buf out = { 0 };
	if (o->json || o->save)
		render_latency_json(&out, &j->ri, cs, j->ncpus, period_ms, j->ri.method == PA_TRACE ? NULL : j->why,
				    before, nbefore);
	if (o->save && (rc = write_file(o->save, &out)) < 0)
		ret = err("cannot write '%s': %s", o->save, strerror(-rc));
	if (o->histogram && (rc = write_histogram(o->histogram, cs, j->ncpus)) < 0)
		ret = err("cannot write '%s': %s", o->histogram, strerror(-rc));
	if (!o->json) {
		buf_reset(&out);
		render_latency_text(&out, &j->ri, cs, j->ncpus, period_ms);
		if (before)
			render_latency_compare_text(&out, o->compare, before, nbefore, cs, j->ncpus);
	}
	if (!cap || !cap->quiet)
		fwrite(out.data, 1, out.len, stdout);
	fflush(stdout);
	buf_free(&out);
	return ret;
}

int cmd_latency(int argc, char **argv, const struct global_opts *g)
{
	return latency_run(argc, argv, g, NULL);
}

int latency_run(int argc, char **argv, const struct global_opts *g, struct latency_capture *cap)
{
	struct lat_job j = { .cap = cap };
	int rc = parse_args(argc, argv, g, &j.o);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (!(j.src = cmd_root(g)))	/* LIVE_ONLY: refuses --root, opens / */
		return EXIT_UNKNOWN;

	/* Read the before-file first: a bad path should not cost a 10 s run. */
	struct latency_saved *before = NULL;
	size_t nbefore = 0;
	if (j.o.compare) {
		char why[512];
		if (!latency_load)
			return err("--compare is not available in this build (it needs json-c; "
				   "the static binary leaves it out)");
		rc = latency_load(j.o.compare, &before, &nbefore, why, sizeof(why));
		if (rc < 0)
			return err("%s", why);
	}
	int ret = select_cpus(j.src, j.o.cpus, &j.ar, &j.cpus, &j.ncpus);
	if (!ret) {
		ret = latency_measure(&j);
		if (!ret)
			ret = output(&j, before, nbefore);
		probe_attr_close(j.pa);
		probe_free(&j.p);
	}
	free(j.cs);
	arena_free(&j.ar);
	free(before);
	return ret;
}

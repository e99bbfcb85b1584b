/*
 * irqsight top: live interrupt load per CPU and per IRQ source.
 *
 * Each interval takes a reading (sample/reading.h), computes rates against the
 * previous one (sample/rates.h) and, as root, drains the tracepoint recorder
 * (sample/trace.h) for the time handlers stole. model/top.c makes the frame of it;
 * it is printed as plain text (--batch) or one JSON object per line (--json) by
 * render/top.c, or drawn full-screen with ncurses (opt/ncursesw, normal build only).
 *
 * The loop (cmd/top_loop.c) waits in poll(2) on the terminal, the recorder's rings
 * (drained as they fill, so a busy CPU does not overflow its ring between ticks) and
 * the interval's absolute deadline. SIGINT/SIGTERM/SIGHUP end the loop normally, so
 * the terminal is restored and the recorder closed (tracing disabled, tracefs
 * unmounted if we mounted it).
 */
#include <signal.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/top.h"
#include "sample/trace.h"
#include "source/source.h"

/*
 * The full-screen view lives in opt/ncursesw/top_tui.c, linked only in the normal
 * build, and registers itself; in the static build tui stays NULL and top offers
 * --batch/--json only.
 */
static const struct top_ui_ops *tui;
#define HAVE_TUI (tui != NULL)

void top_ui_register(const struct top_ui_ops *ops)
{
	tui = ops;
}

static void usage(FILE *o)
{
	fprintf(o, "Usage: irqsight top [--batch | --json] [--interval SEC] [--iterations N]\n"
		   "                    [--trace | --no-trace] [--top N] [--all-cpus]\n\n"
		   "Live interrupt load per CPU and per IRQ source.\n\n"
		   "  -b, --batch          plain text per interval (for logs), like top -b\n"
		   "  -j, --json           one JSON object per interval\n"
		   "  -d, --interval SEC   seconds between samples (default 1, 0.1..3600)\n"
		   "  -n, --iterations N   stop after N intervals (default: until 'q' or ^C)\n"
		   "      --trace          require tracepoint times (fail if they cannot be recorded)\n"
		   "      --no-trace       do not use tracepoints even as root\n"
		   "      --top N          IRQ sources printed in --batch (default 15, 0 = all)\n"
		   "      --all-cpus       --batch on >64 CPUs: also print idle CPUs\n\n"
		   "Keys: c/i/s/t sort by CPU/IRQ rate/softirq rate/time, / or f filter (device,\n"
		   "IRQ or 'cpu N'), space or p pause, +/- or d interval, q quit.\n");
}

/* 0 to go on, -1 after --help, else the exit code. */
static int parse_opts(int argc, char **argv, const struct global_opts *g, struct top_opts *o, struct top_state *st)
{
	*o = (struct top_opts){ .json = g->json, .max_srcs = 15 };
	static const struct option lo[] = {
		{ "batch", no_argument, 0, 'b' },
		{ "json", no_argument, 0, 'j' },
		{ "interval", required_argument, 0, 'd' },
		{ "iterations", required_argument, 0, 'n' },
		{ "trace", no_argument, 0, 'T' },
		{ "no-trace", no_argument, 0, 'N' },
		{ "top", required_argument, 0, 't' },
		{ "all-cpus", no_argument, 0, 'A' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "bjd:n:h", lo, NULL)) != -1) {
		switch (c) {
		case 'b': o->batch = true; break;
		case 'j': o->json = true; break;
		case 'd': {
			char *e;
			double v = strtod(optarg, &e);
			if (*e || !(v >= 0.1 && v <= 3600))
				return err("--interval takes seconds from 0.1 to 3600, not '%s'", optarg);
			st->interval = v;
			break;
		}
		case 'n': {
			char *e;
			long v = strtol(optarg, &e, 10);
			if (*e || v < 1)
				return err("--iterations takes a positive number, not '%s'", optarg);
			o->iterations = v;
			break;
		}
		case 'T': o->trace_mode = 1; break;
		case 'N': o->trace_mode = -1; break;
		case 't': o->max_srcs = atoi(optarg); break;
		case 'A': o->all_cpus = true; break;
		case 'h': usage(stdout); return -1;
		default: usage(stderr); return EXIT_UNKNOWN;
		}
	}
	if (optind < argc)
		return err("top takes no arguments ('%s')", argv[optind]);
	o->interactive = !o->batch && !o->json;
	if (o->interactive && !HAVE_TUI)
		return err("this build has no full-screen view (built without ncurses): use --batch or --json");
	if (o->interactive && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
		return err("the full-screen view needs a terminal: use --batch or --json");

	return 0;
}

/* Tracepoints: live only; as root by default, never required unless --trace. 0 with
 * *tr set or NULL (warned why), or the exit code. */
static int open_tracer(const struct top_opts *o, const struct source *src, struct trace **tr)
{
	char why[512] = "";
	int r;
	*tr = NULL;
	if (o->trace_mode >= 0 && src->is_live && (o->trace_mode == 1 || geteuid() == 0)) {
		r = trace_open(tr, NULL, why, sizeof(why));
		if (r < 0) {
			if (o->trace_mode == 1)
				return err("cannot record tracepoints: %s", why);
			warn("no tracepoint times: %s", why);
			*tr = NULL;
		} else if ((r = trace_enable(*tr)) < 0) {
			warn("cannot enable tracepoints: %s", strerror(-r));
			trace_close(*tr);
			*tr = NULL;
		}
	} else if (o->trace_mode == 1) {
		return err("cannot record tracepoints: %s",
			   !src->is_live ? "--root is not the live host"
					 : "not root (tracepoint samples need root or CAP_PERFMON)");
	}
	return 0;
}

int cmd_top(int argc, char **argv, const struct global_opts *g)
{
	struct top_run t = { .st = { .sort = SORT_CPU, .interval = 1.0 }, .tui = tui };
	int r = parse_opts(argc, argv, g, &t.o, &t.st);
	if (r)
		return r < 0 ? EXIT_OK : r;
	t.o.interactive = !t.o.batch && !t.o.json;
	if (t.o.interactive && !HAVE_TUI)
		return err("this build has no full-screen view (built without ncurses): use --batch or --json");
	if (t.o.interactive && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
		return err("the full-screen view needs a terminal: use --batch or --json");
	if (!(t.src = cmd_root(g)))
		return EXIT_UNKNOWN;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = top_on_stop;	/* no SA_RESTART: poll returns EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	if ((r = open_tracer(&t.o, t.src, &t.tr)))
		return r;
	if (t.o.interactive && HAVE_TUI) {
		char why[512] = "";
		if (tui->open(&t.ui, why, sizeof(why)) < 0) {
			trace_close(t.tr);
			return err("cannot start the full-screen view: %s", why);
		}
		tui->draw(t.ui, NULL, &t.st);
	}
	t.cache = rd_cache_new();
	int ret = top_loop(&t);
	rd_cache_free(t.cache);
	if (t.ui)
		tui->close(t.ui);
	trace_close(t.tr);
	return ret;	/* ^C is the normal way out of a live view: EXIT_OK */
}

/*
 * irqsight top: live interrupt load per CPU and per IRQ source.
 *
 * Each interval takes a reading (sample/reading.h), computes rates against the
 * previous one (sample/rates.h) and, as root, drains the tracepoint recorder
 * (sample/trace.h) for the time handlers stole. model/top.c makes the frame of it;
 * it is printed as plain text (--batch) or one JSON object per line (--json) by
 * render/top.c, or drawn full-screen with ncurses (opt/ncursesw, normal build only).
 *
 * The loop waits in poll(2) on the terminal, the recorder's rings (drained as they
 * fill, so a busy CPU does not overflow its ring between ticks) and the interval's
 * absolute deadline. SIGINT/SIGTERM/SIGHUP end the loop normally, so the terminal
 * is restored and the recorder closed (tracing disabled, tracefs unmounted if we
 * mounted it).
 */
#include <signal.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/top.h"
#include "opt/top_tui.h"
#include "render/top.h"
#include "sample/probe.h"
#include "sample/rates.h"
#include "sample/reading.h"
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

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

/* This process's CPU time so far (user + system), for the frame's self_cpu_pct; -1
 * when getrusage fails (then the share is unknown, not 0). */
static double self_cpu_seconds(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

struct top_opts {
	bool batch, json, interactive;
	long iterations;	/* 0 = forever */
	int max_srcs;
	bool all_cpus;
	int trace_mode;		/* -1 off, 0 auto, 1 required */
};

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

static void cb_add(const struct trace_event *ev, void *ctx)
{
	trace_totals_add(ctx, ev);
}

static void drain(struct trace *tr, struct trace_totals *tt)
{
	if (tr)
		trace_drain(tr, cb_add, tt);
}

/* The live loop's state from tick to tick. */
struct top_run {
	struct top_opts o;
	struct top_state st;
	struct source *src;
	struct trace *tr;
	struct top_ui *ui;
	/* Rows that did not change since the last tick are not parsed again (at most
	 * two readings alive: prev and cur, as the cache requires). */
	struct rd_cache *cache;
	struct reading prev;
	struct vm_watch *vw;
	struct trace_totals *tt;
	uint64_t trace_t0, deadline, seq;
	double cpu_mark;
	struct top_frame frame;
	bool have_frame;
	struct rates rates;	/* memory kept from tick to tick (rates_update) */
};

/* Until the interval's deadline: drain the recorder's rings as they fill, handle keys.
 * 1 when the deadline has come, 0 to wait again, the exit code on error. */
static int wait_tick(struct top_run *t)
{
	struct pollfd pf[1 + 4096];
	int npf = 0;
	if (t->ui) {
		pf[npf].fd = tui->fd(t->ui);
		pf[npf++].events = POLLIN;
	}
	const int *tfds = NULL;
	int ntf = t->tr ? trace_fds(t->tr, &tfds) : 0;
	for (int i = 0; i < ntf && npf < (int)ARRAY_SIZE(pf); i++) {
		pf[npf].fd = tfds[i];
		pf[npf++].events = POLLIN;
	}
	uint64_t now = probe_now_ns();
	if (now >= t->deadline)
		return 1;
	int ms = (int)((t->deadline - now + 999999) / 1000000);
	int n = poll(pf, (nfds_t)npf, ms);
	if (n < 0 && errno != EINTR)
		return err("poll: %s", strerror(errno));
	if (n > 0 && t->tr && ntf)
		drain(t->tr, t->tt);
	/* input, or a signal (SIGWINCH: ncurses queues KEY_RESIZE) */
	if (t->ui && (n < 0 || (pf[0].revents & POLLIN))) {
		double old = t->st.interval;
		bool redraw = tui->input(t->ui, &t->st);
		if (t->st.interval != old) {
			/* restart the interval so rates cover a whole one */
			t->deadline = probe_now_ns() + (uint64_t)(t->st.interval * 1e9);
			redraw = true;
		}
		if (redraw && !t->st.quit)
			tui->draw(t->ui, t->have_frame ? &t->frame : NULL, &t->st);
	}
	return 0;
}

/* The frame of the interval that just ended, shown. */
static void show_frame(struct top_run *t, double trace_secs)
{
	top_frame_build(&t->frame, &t->rates, t->tt, trace_secs, t->tr ? trace_lost(t->tr) : 0);
	double cpu_now = self_cpu_seconds();
	t->frame.self_cpu_pct =
		cpu_now >= 0 && t->cpu_mark >= 0 ? 100.0 * (cpu_now - t->cpu_mark) / t->rates.seconds : -1;
	t->cpu_mark = cpu_now;
	if (t->vw) {
		vm_watch_tick(t->vw, t->src);
		top_frame_vms(&t->frame, t->vw, t->rates.max_cpu);
	}
	top_frame_sort(&t->frame);
	t->frame.seq = ++t->seq;
	t->have_frame = true;
	if (t->o.json)
		render_top_json(stdout, &t->frame);
	else if (t->o.batch)
		render_top_text(stdout, &t->frame, t->o.max_srcs, t->o.all_cpus);
	else if (t->ui)
		tui->draw(t->ui, &t->frame, &t->st);
}

/* One interval ended: a reading, rates against the last one, a frame. 0 or the exit code. */
static int tick(struct top_run *t)
{
	struct reading cur;
	int r = reading_take_cached(&cur, t->src, t->cache);
	if (r < 0)
		return err("cannot read 'proc/interrupts': %s", strerror(-r));
	drain(t->tr, t->tt);
	uint64_t trace_t1 = probe_now_ns();
	if (rates_update(&t->rates, &t->prev, &cur) == 0 && (!t->st.paused || !t->ui))
		show_frame(t, (double)(trace_t1 - t->trace_t0) / 1e9);
	reading_free(&t->prev);
	t->prev = cur;
	if (t->tt) {
		trace_totals_free(t->tt);
		t->tt = trace_totals_new();
	}
	t->trace_t0 = trace_t1;
	t->deadline += (uint64_t)(t->st.interval * 1e9);
	if (t->deadline < probe_now_ns())	/* fell behind (slow read, suspended terminal) */
		t->deadline = probe_now_ns() + (uint64_t)(t->st.interval * 1e9);
	return 0;
}

static int top_loop(struct top_run *t)
{
	int r = reading_take_cached(&t->prev, t->src, t->cache);
	if (r < 0)
		return err("cannot read 'proc/interrupts': %s", strerror(-r));
	t->vw = vm_watch_new(t->src);
	t->tt = t->tr ? trace_totals_new() : NULL;
	t->trace_t0 = probe_now_ns();
	t->cpu_mark = self_cpu_seconds();
	t->deadline = t->prev.time_ns + (uint64_t)(t->st.interval * 1e9);
	int ret = EXIT_OK;
	while (!t->st.quit && !stop_sig) {
		r = wait_tick(t);
		if (r == 0)
			continue;
		if (r == 1)
			r = tick(t);
		if (r) {
			ret = r;
			break;
		}
		if (t->o.iterations && (long)t->seq >= t->o.iterations)
			break;
	}
	arena_free(&t->frame.arena);
	rates_free(&t->rates);
	trace_totals_free(t->tt);
	reading_free(&t->prev);
	vm_watch_free(t->vw);
	return ret;
}

int cmd_top(int argc, char **argv, const struct global_opts *g)
{
	struct top_run t = { .st = { .sort = SORT_CPU, .interval = 1.0 } };
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
	sa.sa_handler = on_stop;	/* no SA_RESTART: poll returns EINTR */
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

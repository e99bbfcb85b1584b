/*
 * irqsight top's live loop (cmd/top.h): waits in poll(2) on the terminal, the
 * recorder's rings and the interval's deadline; each interval a reading, rates, a frame
 * (model/top.c) shown by render/top.c or the full-screen view.
 */
#include <signal.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "cmd/cmd.h"
#include "cmd/top.h"
#include "render/top.h"
#include "sample/probe.h"

static volatile sig_atomic_t stop_sig;

void top_on_stop(int sig)
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

static void cb_add(const struct trace_event *ev, void *ctx)
{
	trace_totals_add(ctx, ev);
}

static void drain(struct trace *tr, struct trace_totals *tt)
{
	if (tr)
		trace_drain(tr, cb_add, tt);
}

/* Until the interval's deadline: drain the recorder's rings as they fill, handle keys.
 * 1 when the deadline has come, 0 to wait again, the exit code on error. */
static int wait_tick(struct top_run *t)
{
	struct pollfd pf[1 + 4096];
	int npf = 0;
	if (t->ui) {
		pf[npf].fd = t->tui->fd(t->ui);
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
		bool redraw = t->tui->input(t->ui, &t->st);
		if (t->st.interval != old) {
			/* restart the interval so rates cover a whole one */
			t->deadline = probe_now_ns() + (uint64_t)(t->st.interval * 1e9);
			redraw = true;
		}
		if (redraw && !t->st.quit)
			t->tui->draw(t->ui, t->have_frame ? &t->frame : NULL, &t->st);
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
		t->tui->draw(t->ui, &t->frame, &t->st);
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

int top_loop(struct top_run *t)
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

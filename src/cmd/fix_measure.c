/* irqsight fix: the sampled check and the measurement of each side (docs/fix.md). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/fix.h"
#include "model/host.h"
#include "render/fix.h"
#include "render/prom.h"
#include "render/render.h"
#include "rules/finding.h"
#include "sample/rates.h"
#include "sample/reading.h"
#include "source/source.h"
#include "util/buf.h"
#include "util/cpuset.h"

#include "version.h"

double fix_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fix_step(const struct fix_opts *o, const char *fmt, ...)
{
	if (o->json || !isatty(STDERR_FILENO))
		return;
	va_list ap;
	fputs("irqsight fix: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int fix_write_text(const char *dir, const char *name, const struct buf *b)
{
	if (!dir)
		return 0;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return prom_write_atomic(path, b->data ? b->data : "", b->len);
}

int fix_check_to(const struct global_opts *g, const struct fix_opts *o, const char *dir, const char *name,
		 struct source *src, struct host *h, struct findings *fs)
{
	int r = cmd_open_host(g, o->interval_s, true, src, h);
	if (r)
		return r;
	*fs = (struct findings){ 0 };
	rules_run(h, fs);
	struct buf out = { 0 };
	struct render_opts ro = { .width = 80, .version = IRQSIGHT_VERSION };
	render_json(h, fs, &ro, &out);
	r = fix_write_text(dir, name, &out);
	buf_free(&out);
	if (r)
		return err("cannot write '%s/%s': %s", dir, name, strerror(-r));
	return 0;
}

int fix_measure(const struct global_opts *g, const struct fix_opts *o, const char *dir, const char *name,
		const char *cpus, const struct cpuset *vm, struct latency_capture *cap, struct fix_window *w)
{
	struct source src;
	int r = src_open(&src, "/");
	if (r)
		return err("cannot open '/': %s", strerror(-r));
	struct reading r0 = { 0 }, r1 = { 0 };
	int e0 = reading_take(&r0, &src);
	char dur[32], path[PATH_MAX];
	snprintf(dur, sizeof(dur), "%gs", o->prove_s);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *argv[] = { (char *)"latency",
			 (char *)"--cpus",
			 (char *)cpus,
			 (char *)"--duration",
			 dur,
			 (char *)"--save",
			 path,
			 o->json ? (char *)"--json" : NULL,
			 NULL };
	int argc = o->json ? 8 : 7;
	cap->quiet = true;
	optind = 0;
	r = latency_run(argc, argv, g, cap);
	int e1 = reading_take(&r1, &src);
	*w = (struct fix_window){ .done = r == 0,
				  .seconds = cap->elapsed_s,
				  .fifo = cap->fifo,
				  .attribution = cap->method,
				  .irq_time_pct = -1 };
	struct rates rt = { 0 };
	if (!r && !e0 && !e1 && !rates_compute(&rt, &r0, &r1)) {
		double pct = 0;
		int npct = 0;
		for (int c = cpuset_next(vm, 0); c >= 0; c = cpuset_next(vm, c + 1)) {
			if (c > rt.max_cpu || rt.cpus[c].id < 0)
				continue;
			const struct rate_cpu *rc = &rt.cpus[c];
			w->dev_irq_rate += rc->dev_irq_rate;
			w->softirq_rate += rc->softirq_total > 0 ? rc->softirq_total : 0;
			if (rc->irq_pct >= 0 || rc->softirq_pct >= 0) {
				pct += (rc->irq_pct > 0 ? rc->irq_pct : 0) +
				       (rc->softirq_pct > 0 ? rc->softirq_pct : 0);
				npct++;
			}
		}
		w->irq_time_pct = npct ? pct / npct : -1;
		rates_free(&rt);
	}
	reading_free(&r0);
	reading_free(&r1);
	src_close(&src);
	return r;
}

/* Test hook (IRQSIGHT_FAULT_FIX_AFTER_US=N, like IRQSIGHT_FAULT_AFTER_WRITES): the change
 * made every wake-up N µs later. The after-samples become the before-samples N µs later
 * (not the measured after ones, which under TCG can be noisier than any N): with N above
 * the before maximum every resample is worse, a "worse" the lab and tests can force. */
void fix_fault_after(const struct hist *before, struct hist *after)
{
	const char *e = getenv("IRQSIGHT_FAULT_FIX_AFTER_US");
	long add = e ? atol(e) : 0;
	if (add <= 0 || add > 3600L * 1000000)
		return;
	hist_init(after);
	for (long i = 0; i < HIST_BUCKETS; i++) {
		if (i + add < HIST_BUCKETS)
			after->count[i + add] += before->count[i];
		else
			after->overflow += before->count[i];
	}
	after->overflow += before->overflow;
	after->n = before->n;
	after->min_ns = before->min_ns + (uint64_t)add * 1000;
	after->max_ns = before->max_ns + (uint64_t)add * 1000;
	after->sum_ns = before->sum_ns + before->n * (uint64_t)add * 1000;
}

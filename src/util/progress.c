/* The progress line: util/progress.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/progress.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void progress_format(char *out, size_t n, const char *what, double elapsed, double total_s)
{
	double left = total_s - elapsed;
	int pct = total_s > 0 ? (int)(elapsed * 100.0 / total_s) : 0;
	if (pct > 99)
		pct = 99;	/* 100% is when the work says it is done */
	if (left < 0)
		left = 0;
	if (left >= 120)
		snprintf(out, n, "%s: %d%% %.0f min left", what, pct, left / 60.0);
	else
		snprintf(out, n, "%s: %d%% %.0f s left", what, pct, left + 0.5 > 1 ? left + 0.5 : 1);
}

void progress_init(struct progress *p, const char *what, double total_s, bool quiet)
{
	memset(p, 0, sizeof(*p));
	if (quiet || total_s < PROGRESS_AFTER_S || !isatty(STDERR_FILENO))
		return;
	p->fd = STDERR_FILENO;
	p->what = what;
	p->total_s = total_s;
	p->t0 = now_s();
	p->on = true;
}

void progress_init_work(struct progress *p, const char *what, bool quiet)
{
	memset(p, 0, sizeof(*p));
	if (quiet || !isatty(STDERR_FILENO))
		return;
	p->fd = STDERR_FILENO;
	p->what = what;
	p->t0 = now_s();
	p->on = true;	/* total_s stays 0 (nothing drawn) until progress_work knows a share */
}

void progress_work(struct progress *p, double done, double total)
{
	if (!p->on || done <= 0 || total <= 0)
		return;
	p->total_s = (now_s() - p->t0) * total / done;
	progress_tick(p);
}

void progress_tick(struct progress *p)
{
	if (!p->on || p->total_s <= 0)
		return;
	double t = now_s(), el = t - p->t0;
	if (el < PROGRESS_AFTER_S || (p->shown && t - p->last < 0.25))
		return;
	char line[160];
	progress_format(line, sizeof(line), p->what, el, p->total_s);
	/* \r and erase-to-end: one line, redrawn in place */
	dprintf(p->fd, "\r%s\033[K", line);
	p->shown = true;
	p->last = t;
}

static void *ticker(void *arg)
{
	struct progress *p = arg;
	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		progress_tick(p);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->cond, &p->lock, &until);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

void progress_start(struct progress *p, const char *what, double total_s, bool quiet)
{
	progress_init(p, what, total_s, quiet);
	if (!p->on)
		return;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->thread, NULL, ticker, p) == 0) {
		p->threaded = true;
	} else {
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
		p->on = false;
	}
}

void progress_end(struct progress *p)
{
	if (!p->on)
		return;
	if (p->threaded) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_cond_signal(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->cond);
	}
	if (p->shown)
		dprintf(p->fd, "\r\033[K");
	p->on = false;
}

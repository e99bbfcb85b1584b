/*
 * A progress line with the time left, on stderr, for work longer than about 2 s
 * (latency, report's sample). Shown only when stderr is a terminal and the caller is not
 * writing --json: a pipe or a log never gets carriage returns. A ticker thread redraws
 * it, so the work itself (a sampling sleep inside host_build) needs no hooks. The one
 * util that writes to a stream: it owns the terminal line it draws and clears it.
 */
#ifndef IRQSIGHT_UTIL_PROGRESS_H
#define IRQSIGHT_UTIL_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>

#define PROGRESS_AFTER_S 2.0	/* nothing is drawn before this much time has passed */

struct progress {
	bool on;		/* a ticker runs */
	bool shown;		/* something was drawn (cleared by progress_end) */
	volatile bool stop;
	bool threaded;
	double t0, total_s, last;
	const char *what;
	int fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

/* Set up a line for work of about total_s seconds that the caller redraws with
 * progress_tick() from its own loop (no thread: latency's loop must not gain a waker). */
void progress_init(struct progress *p, const char *what, double total_s, bool quiet);
/* Set up a line for work whose length is known only as units done of a total, reported
 * with progress_work() (snapshot: IRQ directories copied of those listed). */
void progress_init_work(struct progress *p, const char *what, bool quiet);
/* done of total units so far: the time left is the time so far scaled by what is left
 * (redrawn when due, as progress_tick). Nothing is drawn while done is 0. */
void progress_work(struct progress *p, double done, double total);
/* Redraw the line when it is due (after PROGRESS_AFTER_S, at most 4 times a second). */
void progress_tick(struct progress *p);
/* Start a ticker for work of about total_s seconds. quiet (e.g. --json) or a stderr that is
 * not a terminal: nothing happens. Also nothing when total_s is under PROGRESS_AFTER_S. */
void progress_start(struct progress *p, const char *what, double total_s, bool quiet);
/* Stop the ticker and clear the line it drew. Safe on a progress that never started. */
void progress_end(struct progress *p);
/* The line for elapsed of total seconds (for tests): "what: 40% 6 s left". */
void progress_format(char *out, size_t n, const char *what, double elapsed, double total_s);

#endif

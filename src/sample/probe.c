#include "sample/probe.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "util/compat.h"

/* Memory for spike records of all CPUs together (16 bytes each). */
#define REC_BUDGET (64u << 20)
#define REC_MIN 4096

uint64_t probe_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec ts_of(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) };
}

static uint64_t expected_cycles(const struct probe_opts *o)
{
	return o->duration_ns / o->interval_ns + 2;
}

int probe_init(struct probe *p, const struct probe_opts *o)
{
	memset(p, 0, sizeof(*p));
	if (o->ncpus <= 0 || o->interval_ns == 0 || o->duration_ns == 0)
		return -EINVAL;
	p->o = *o;
	p->ncpu = o->ncpus;
	p->cpu = calloc((size_t)o->ncpus, sizeof(*p->cpu));
	if (!p->cpu)
		return -ENOMEM;
	uint64_t want = expected_cycles(o);
	size_t cap = REC_BUDGET / sizeof(struct probe_rec) / (size_t)o->ncpus;
	cap = MAX(cap, (size_t)REC_MIN);
	for (int i = 0; i < o->ncpus; i++) {
		struct probe_cpu *c = &p->cpu[i];
		c->p = p;
		c->cpu = o->cpus[i];
		c->sched_err = -1;
		c->hist = malloc(sizeof(*c->hist));
		c->rec_cap = want < cap ? (size_t)want : cap;
		c->rec = malloc(c->rec_cap * sizeof(*c->rec));
		if (!c->hist || !c->rec)
			return -ENOMEM;
		hist_init(c->hist);
		/* touch now: no page fault in the measuring loop even without mlockall */
		memset(c->rec, 0, c->rec_cap * sizeof(*c->rec));
		/*
		 * Keep every cycle when they fit; else the ones above the running p90, so
		 * the final p99 (the default spike threshold) is very likely covered.
		 */
		c->rec_auto = o->record_above_ns == 0 && want > c->rec_cap;
		c->rec_threshold_ns = o->record_above_ns;
	}
	return 0;
}

static void *probe_thread(void *arg)
{
	struct probe_cpu *c = arg;
	struct probe *p = c->p;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(c->cpu, &set);
	c->affinity_err = sched_setaffinity(0, sizeof(set), &set) ? errno : 0;
	if (p->o.priority > 0) {
		struct sched_param sp = { .sched_priority = p->o.priority };
		c->sched_err = sched_setscheduler(0, SCHED_FIFO, &sp) ? errno : 0;
	}
	pthread_barrier_wait(&p->ready);
	pthread_barrier_wait(&p->go);	/* p->start_ns is set, or p->stop */

	struct hist *h = c->hist;
	struct probe_rec *rec = c->rec;
	const size_t cap = c->rec_cap;
	const uint64_t interval = p->o.interval_ns;
	const uint64_t end = p->start_ns + p->o.duration_ns;
	uint64_t thr = c->rec_threshold_ns, next = p->start_ns;
	size_t n = 0;
	while (!c->affinity_err && !atomic_load_explicit(&p->stop, memory_order_relaxed) && next < end) {
		atomic_store_explicit(&c->progress_ns, next, memory_order_release);
		struct timespec ts = ts_of(next);
		int r;
		while ((r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) == EINTR)
			;
		uint64_t now = probe_now_ns();
		if (r != 0)
			break;
		uint64_t lat = now > next ? now - next : 0;
		hist_add(h, lat);
		if (lat >= thr) {
			if (n < cap) {
				rec[n].intended_ns = next;
				rec[n].actual_ns = now;
				atomic_store_explicit(&c->rec_n, ++n, memory_order_release);
			} else {
				c->rec_full++;
			}
		}
		if (c->rec_auto && (h->n & 1023) == 0)
			thr = hist_quantile_us(h, 9000) * 1000;
		next += interval;
		while (next <= now) {
			next += interval;
			c->overruns++;
		}
	}
	atomic_store_explicit(&c->progress_ns, UINT64_MAX, memory_order_release);
	atomic_fetch_sub(&p->running, 1);
	return NULL;
}

int probe_start(struct probe *p)
{
	/* Lock what is allocated now and later (stacks, the collector's buffers). */
	p->mlock_err = mlockall(MCL_CURRENT | MCL_FUTURE) ? errno : 0;
	if (pthread_barrier_init(&p->ready, NULL, (unsigned)p->ncpu + 1) ||
	    pthread_barrier_init(&p->go, NULL, (unsigned)p->ncpu + 1))
		return -ENOMEM;
	p->barriers = true;

	pthread_attr_t at;
	pthread_attr_init(&at);
	/* small stacks: mlockall(MCL_FUTURE) would otherwise pin 8 MiB per thread */
	pthread_attr_setstacksize(&at, PTHREAD_STACK_MIN + 256 * 1024);
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = 0, started = 0;
	atomic_store(&p->running, p->ncpu);
	for (int i = 0; i < p->ncpu; i++) {
		rc = -pthread_create(&p->cpu[i].th, &at, probe_thread, &p->cpu[i]);
		if (rc)
			break;
		p->cpu[i].started = true;
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&at);
	if (rc) {
		/* threads that did start wait on a barrier sized for all: release them */
		atomic_store(&p->stop, true);
		atomic_fetch_sub(&p->running, p->ncpu - started);
		for (int i = started; i < p->ncpu; i++) {
			pthread_barrier_wait(&p->ready);
			pthread_barrier_wait(&p->go);
		}
		return rc;
	}
	pthread_barrier_wait(&p->ready);
	for (int i = 0; i < p->ncpu; i++)
		if (p->cpu[i].affinity_err) {
			rc = -p->cpu[i].affinity_err;
			atomic_store(&p->stop, true);
		}
	/* the first wake-up a little ahead, the same for every CPU */
	p->start_ns = probe_now_ns() + 2 * p->o.interval_ns;
	pthread_barrier_wait(&p->go);
	return rc;
}

void probe_stop(struct probe *p)
{
	atomic_store(&p->stop, true);
}

bool probe_running(struct probe *p)
{
	return atomic_load(&p->running) > 0;
}

void probe_join(struct probe *p)
{
	for (int i = 0; i < p->ncpu; i++)
		if (p->cpu[i].started) {
			pthread_join(p->cpu[i].th, NULL);
			p->cpu[i].started = false;
		}
	p->end_ns = probe_now_ns();
	if (p->barriers) {
		pthread_barrier_destroy(&p->ready);
		pthread_barrier_destroy(&p->go);
		p->barriers = false;
	}
}

void probe_free(struct probe *p)
{
	if (p->cpu)
		for (int i = 0; i < p->ncpu; i++) {
			free(p->cpu[i].hist);
			free(p->cpu[i].rec);
		}
	free(p->cpu);
	if (!p->mlock_err)
		munlockall();
	memset(p, 0, sizeof(*p));
}

int probe_fifo_count(const struct probe *p)
{
	int n = 0;
	for (int i = 0; i < p->ncpu; i++)
		n += p->cpu[i].sched_err == 0;
	return n;
}

/*
 * Benchmark (not a test): what the tracepoint recorder (sample/trace.c, as `top --trace`
 * opens it: irq, softirq and irq_vectors on the CPU) costs the CPU it records, at a
 * fixed interrupt rate, both conditions interleaved in one process. A spinner thread on
 * CPU W counts loops; a sender thread on CPU M sends RATE function-call IPIs a second
 * to W (membarrier, as bench/irqgen.c); the main thread, also on M, enables the recorder
 * for one slice of each pair of ~250 ms slices (random order, 75-125% length) and
 * drains it every 20 ms. The kernel writes each sample on W, inside the interrupt, so
 * the spinner's lost loops are the recorder's kernel-side cost there; the main thread's
 * own CPU time while recording is its user-side cost. Runs seconds apart (as
 * trace-overhead.sh part 2 compares) drift by more than the effect on a shared VM.
 *
 *   recbench RATE SECONDS W M        (root)
 *
 * Prints: slices, events/s recorded, the median and mean per-pair change of the
 * spinner's loop rate, and the drain's CPU per second of recording, as % of one CPU.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../benchutil.h"
#include "sample/trace.h"
#include "util/arena.h"
#include "util/cpuset.h"

static atomic_int stop;
static atomic_ulong loops;
static long rate;
static int wcpu, mcpu;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *spin(void *arg)
{
	(void)arg;
	bench_pin(wcpu);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (int i = 0; i < 1000; i++)
			__asm__ volatile("" ::: "memory");
		atomic_fetch_add_explicit(&loops, 1, memory_order_relaxed);
	}
	return NULL;
}

static void *send(void *arg)
{
	(void)arg;
	bench_pin(mcpu);
	double t0 = now();
	long sent = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if ((now() - t0) * (double)rate < (double)sent)
			continue;
		syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
		sent++;
	}
	return NULL;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double thread_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: recbench RATE SECONDS W M\n");
		return 2;
	}
	rate = atol(argv[1]);
	double secs = atof(argv[2]);
	wcpu = atoi(argv[3]);
	mcpu = atoi(argv[4]);
	if (rate <= 0 || secs <= 0) {
		fprintf(stderr, "recbench: bad RATE or SECONDS\n");
		return 2;
	}
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) < 0) {
		fprintf(stderr, "recbench: membarrier: %s\n", strerror(errno));
		return 3;
	}
	bench_pin(mcpu);
	struct arena a = { 0 };
	struct cpuset set;
	cpuset_init(&set, &a, wcpu);
	cpuset_set(&set, wcpu);
	/* RECBENCH_RECORDER=ftrace: the recorder `latency` uses (default perf, as `top`) */
	const char *rec = getenv("RECBENCH_RECORDER");
	struct trace_opts to = { .cpus = &set, .irq = true, .softirq = true, .vectors = true,
				 .ftrace = rec && !strcmp(rec, "ftrace"), .ftrace_only = rec && !strcmp(rec, "ftrace") };
	struct trace *t = NULL;
	char why[256] = "";
	int rc = trace_open(&t, &to, why, sizeof(why));
	if (rc < 0) {
		fprintf(stderr, "recbench: no tracepoints: %s\n", why[0] ? why : strerror(-rc));
		return 3;
	}
	pthread_t ts, tg;
	if (pthread_create(&ts, NULL, spin, NULL) || pthread_create(&tg, NULL, send, NULL)) {
		fprintf(stderr, "recbench: cannot start threads\n");
		return 3;
	}
	usleep(300000);
	int npairs = (int)(secs / 0.5), used = 0;
	double *chg = calloc((size_t)(npairs > 0 ? npairs : 1), sizeof(double));
	if (npairs < 1 || !chg) {
		fprintf(stderr, "recbench: SECONDS must be 0.5 or more\n");
		return 2;
	}
	double cpu_on = 0, secs_on = 0, secs_off = 0, loops_on = 0, loops_off = 0;
	unsigned long events = 0;
	for (int p = 0; p < npairs; p++) {
		int first_on = (int)(bench_rnd() & 1);
		double rate_of[2] = { 0, 0 };
		for (int k = 0; k < 2; k++) {
			int on = k == 0 ? first_on : !first_on;
			double len = 0.25 * (75 + (double)(bench_rnd() % 51)) / 100;
			if (on)
				trace_enable(t);
			double c0 = thread_cpu(), t0 = now();
			unsigned long l0 = atomic_load(&loops);
			while (now() - t0 < len) {
				usleep(20000);
				if (on)
					trace_drain(t, bench_count_event, &events);
			}
			if (on) {
				trace_disable(t);
				trace_drain(t, bench_count_event, &events);
			}
			double dt = now() - t0, dl = (double)(atomic_load(&loops) - l0);
			rate_of[on] = dl / dt;
			if (on) {
				cpu_on += thread_cpu() - c0;
				secs_on += dt;
				loops_on += dl;
			} else {
				secs_off += dt;
				loops_off += dl;
			}
		}
		if (rate_of[0] > 0)	/* a slice the spinner got no CPU in tells nothing */
			chg[used++] = (rate_of[1] - rate_of[0]) / rate_of[0] * 100;
	}
	atomic_store(&stop, 1);
	pthread_join(ts, NULL);
	pthread_join(tg, NULL);
	if (!used || secs_on <= 0 || loops_off <= 0) {
		fprintf(stderr, "recbench: the spinner on CPU %d did not run\n", wcpu);
		return 3;
	}
	double mean = 0;
	for (int p = 0; p < used; p++)
		mean += chg[p] / used;
	qsort(chg, (size_t)used, sizeof(double), cmp_d);
	printf("%d pairs of ~250 ms slices at %ld IPIs/s to CPU %d: %.0f events/s recorded through %s, %llu lost\n",
	       npairs, rate, wcpu, (double)events / secs_on, trace_recorder(t), (unsigned long long)trace_lost(t));
	printf("spinner loops on CPU %d while recording: median %+.2f%%, mean %+.2f%% per pair "
	       "(merged %+.2f%%); the drain's CPU: %.2f%% of one CPU\n",
	       wcpu, chg[used / 2], mean, (loops_on / secs_on - loops_off / secs_off) / (loops_off / secs_off) * 100,
	       cpu_on / secs_on * 100);
	trace_close(t);
	free(chg);
	arena_free(&a);
	return 0;
}

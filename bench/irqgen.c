/*
 * Benchmark helper (not a test): a controlled interrupt load when the devices of a
 * test machine cannot reach the rate a benchmark asks for (this VM's virtio-blk tops
 * out near 10,000 IRQs/s). A worker thread spins on CPU W; the main thread, on CPU M,
 * issues membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) at RATE per second, evenly spaced
 * (it spins on the clock, so CPU M is busy), and each
 * call sends a function-call IPI to CPU W (irq_vectors:call_function_entry/exit on x86,
 * "CAL" in /proc/interrupts). The spinner counts its loops, so the work an interrupt
 * recorder steals from the interrupted CPU shows as lost loops.
 *
 *   irqgen RATE SECONDS W M    prints: ipis/s, CAL/s on CPU W, spinner loops/s
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_int stop;
static atomic_ulong loops;
static atomic_int ready;

static int pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof(s), &s);
}

static void *spin(void *arg)
{
	if (pin(*(int *)arg))
		perror("irqgen: pin worker");
	atomic_store(&ready, 1);
	unsigned long n = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (int i = 0; i < 1000; i++)
			__asm__ volatile("" ::: "memory");
		n++;
	}
	atomic_store(&loops, n);
	return NULL;
}

/* CAL count of one CPU (the "CAL:" row, column of that CPU id). */
static unsigned long cal_of(int cpu)
{
	FILE *f = fopen("/proc/interrupts", "r");
	if (!f)
		return 0;
	static char line[1 << 16];
	int col = -1;
	unsigned long v = 0;
	if (fgets(line, sizeof(line), f)) {
		int k = 0;
		for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n"), k++)
			if (atoi(t + 3) == cpu && !strncmp(t, "CPU", 3))
				col = k;
	}
	while (col >= 0 && fgets(line, sizeof(line), f)) {
		char *p = line;
		while (*p == ' ')
			p++;
		if (strncmp(p, "CAL:", 4))
			continue;
		p += 4;
		for (int k = 0; k <= col; k++)
			v = strtoul(p, &p, 10);
		break;
	}
	fclose(f);
	return v;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: irqgen RATE SECONDS WORKER_CPU MAIN_CPU\n");
		return 2;
	}
	long rate = atol(argv[1]);
	double secs = atof(argv[2]);
	int w = atoi(argv[3]), m = atoi(argv[4]);
	if (rate < 0 || secs <= 0 || secs > 3600) {
		fprintf(stderr, "irqgen: bad RATE or SECONDS\n");
		return 2;
	}
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) < 0) {
		fprintf(stderr, "irqgen: membarrier: %s\n", strerror(errno));
		return 3;
	}
	pthread_t th;
	pthread_create(&th, NULL, spin, &w);
	if (pin(m))
		perror("irqgen: pin main");
	while (!atomic_load(&ready))
		sched_yield();
	unsigned long c0 = cal_of(w);
	double t0 = now(), end = t0 + secs;
	long sent = 0;
	/* Evenly spaced: the main thread spins on the clock and sends each IPI when it is
	 * due (one every 50 us at 20,000/s), like a device that does not batch. Sending the
	 * calls due every millisecond in one burst would put 20 IPIs back to back in front
	 * of whatever wakes up then, which measures the burst, not the rate. */
	double t;
	while ((t = now()) < end) {
		long due = (long)((t - t0) * (double)rate);
		if (sent < due) {
			syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
			sent++;
		}
	}
	double t1 = now();
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	unsigned long c1 = cal_of(w);
	printf("%.0f ipis/s, %.0f CAL/s on CPU %d, %.0f spinner loops/s\n", (double)sent / (t1 - t0),
	       (double)(c1 - c0) / (t1 - t0), w, (double)atomic_load(&loops) / (t1 - t0));
	return 0;
}

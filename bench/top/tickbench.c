/*
 * Benchmark (not a test): the cost of one `top` sampling tick (reading of
 * /proc/interrupts, /proc/softirqs, /proc/stat + rates), measured inside the process
 * so that start-up and rendering are left out.
 *   tickbench [ROOT] [TICKS] [nocache|ROOT2]
 * With ROOT2 the readings alternate between ROOT and ROOT2, so the rows that differ
 * between the two are parsed again every tick (a host where those IRQs fire).
 * TICKBENCH_NOSTAT=1 turns the /proc/stat shortcut off (every row's text hashed).
 * Prints the median and minimum per-tick wall and CPU time, rows parsed per tick, and
 * the same files read as cat reads them, interleaved with the ticks (the same noise).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "sample/rates.h"
#include "sample/reading.h"
#include "source/source.h"

static double ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* What cat does: read the three files through a 128 KiB buffer. */
static void cat3(const char *root)
{
	static char buf[128 << 10];
	static const char *const f[] = { "proc/interrupts", "proc/softirqs", "proc/stat" };
	int dfd = open(root, O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < 3; i++) {
		int fd = openat(dfd, f[i], O_RDONLY);
		while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
			;
		if (fd >= 0)
			close(fd);
	}
	close(dfd);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "/";
	int n = argc > 2 ? atoi(argv[2]) : 20;
	bool nocache = argc > 3 && !strcmp(argv[3], "nocache");
	const char *root2 = argc > 3 && !nocache ? argv[3] : NULL;
	if (n < 1 || n > 100000)
		n = 20;
	struct source src, src2;
	if (src_open(&src, root) < 0 || src_open(&src2, root2 ? root2 : root) < 0) {
		fprintf(stderr, "tickbench: cannot open %s\n", root);
		return 3;
	}
	/* TICKBENCH_HASH: words or avx2 instead of the best this CPU has */
	const char *hn = getenv("TICKBENCH_HASH");
	if (hn && reading_hash_use(hn) < 0) {
		fprintf(stderr, "tickbench: hash %s not available here\n", hn);
		return 2;
	}
	struct rd_cache *c = nocache ? NULL : rd_cache_new();
	/* TICKBENCH_NOSTAT: without the /proc/stat shortcut (every row's text hashed) */
	bool nostat = getenv("TICKBENCH_NOSTAT") != NULL;
	if (c && nostat)
		rd_cache_use_stat(c, false);
	struct reading prev, cur;
	if (reading_take_cached(&prev, &src, c) < 0) {
		fprintf(stderr, "tickbench: cannot read proc/interrupts\n");
		return 3;
	}
	double *wall = calloc((size_t)n, sizeof(double)), *cpu = calloc((size_t)n, sizeof(double));
	double *cwall = calloc((size_t)n, sizeof(double)), *ccpu = calloc((size_t)n, sizeof(double));
	long parsed = 0, reused = 0;
	int nirqs = prev.nirqs;
	/* TICKBENCH_SLEEP_MS: sleep before each tick and each cat-style read, as top
	 * sleeps between ticks (caches and the CPU's clock are cold, as on a host). */
	const char *sl = getenv("TICKBENCH_SLEEP_MS");
	long sleep_ms = sl ? atol(sl) : 0;
	struct timespec pause = { sleep_ms / 1000, (sleep_ms % 1000) * 1000000L };
	struct rates rt = { 0 };
	for (int i = 0; i < n; i++) {
		if (sleep_ms > 0)
			nanosleep(&pause, NULL);
		double w0 = ns(CLOCK_MONOTONIC), c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
		reading_take_cached(&cur, (i & 1) ? &src : &src2, c);
		rates_update(&rt, &prev, &cur);	/* as top: the memory kept from tick to tick */
		reading_free(&prev);
		prev = cur;
		wall[i] = (ns(CLOCK_MONOTONIC) - w0) / 1e6;
		cpu[i] = (ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / 1e6;
		parsed += c ? rd_cache_parsed(c) : prev.nirqs;
		reused += rd_cache_stat_reused(c);
		/* the same files read as cat reads them, interleaved: the same noise */
		if (sleep_ms > 0)
			nanosleep(&pause, NULL);
		w0 = ns(CLOCK_MONOTONIC);
		c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
		if (!getenv("TICKBENCH_NOCAT"))
			cat3((i & 1) || !root2 ? root : root2);
		cwall[i] = (ns(CLOCK_MONOTONIC) - w0) / 1e6;
		ccpu[i] = (ns(CLOCK_PROCESS_CPUTIME_ID) - c0) / 1e6;
	}
	qsort(cwall, (size_t)n, sizeof(double), cmp);
	qsort(ccpu, (size_t)n, sizeof(double), cmp);
	qsort(wall, (size_t)n, sizeof(double), cmp);
	qsort(cpu, (size_t)n, sizeof(double), cmp);
	printf("tick (reading + rates, %s hash%s), %d IRQ rows, %d ticks%s%s: median %.2f ms wall %.2f ms cpu "
	       "(min %.2f ms wall), rows parsed per tick %.0f, taken by the stat shortcut %.0f%s\n",
	       reading_hash_name(), nostat ? ", no stat shortcut" : "", nirqs, n, c ? "" : " (no row cache)",
	       root2 ? " (alternating roots)" : "", wall[n / 2], cpu[n / 2], wall[0], (double)parsed / n,
	       (double)reused / n, c && !rd_cache_stat_trusted(c) ? " (shortcut turned itself off)" : "");
	printf("read of the three files as cat does: median %.2f ms wall %.2f ms cpu (min %.2f ms wall)\n",
	       cwall[n / 2], ccpu[n / 2], cwall[0]);
	printf("tick / cat: %.2fx wall (medians), %.2fx cpu, %.2fx wall (minima)\n", wall[n / 2] / cwall[n / 2],
	       cpu[n / 2] / ccpu[n / 2], wall[0] / cwall[0]);
	rates_free(&rt);
	reading_free(&prev);
	rd_cache_free(c);
	src_close(&src);
	src_close(&src2);
	free(wall);
	free(cpu);
	free(cwall);
	free(ccpu);
	return 0;
}

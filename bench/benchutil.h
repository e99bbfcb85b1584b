/*
 * Helpers shared by the in-process benchmarks (bench/latency/abbench.c,
 * bench/top/recbench.c): pinning, a fixed-seed xorshift for the random slice order and
 * lengths (runs are comparable), and a drain callback that only counts. Header-only,
 * static: each benchmark is one translation unit built by its script.
 */
#ifndef IRQSIGHT_BENCH_BENCHUTIL_H
#define IRQSIGHT_BENCH_BENCHUTIL_H

#include <sched.h>
#include <stdint.h>
#include <stdio.h>

#include "sample/trace.h"

static inline void bench_pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s))
		perror("bench: pin");
}

static uint64_t bench_rnd_state = 0x9e3779b97f4a7c15ull;
static inline uint64_t bench_rnd(void)
{
	bench_rnd_state ^= bench_rnd_state << 13;
	bench_rnd_state ^= bench_rnd_state >> 7;
	bench_rnd_state ^= bench_rnd_state << 17;
	return bench_rnd_state;
}

/* trace_drain callback: ctx is an unsigned long counter */
static inline void bench_count_event(const struct trace_event *ev, void *ctx)
{
	(void)ev;
	(*(unsigned long *)ctx)++;
}

#endif

/*
 * Wake-up latency histogram: 1 µs buckets from 0 to HIST_BUCKETS-1 µs, an overflow
 * count for anything longer, and the exact min/max/sum in nanoseconds. Fixed size,
 * no allocation after hist_init(), so a real-time probe thread can add to it.
 *
 * Percentiles use the nearest-rank definition on the µs-truncated values: the
 * q-quantile is the bucket holding the ceil(n*q)-th smallest sample (as cyclictest's
 * histogram and a sorted array agree). A quantile that falls in the overflow
 * range is reported as the exact max (the only value known there).
 */
#ifndef IRQSIGHT_SAMPLE_HIST_H
#define IRQSIGHT_SAMPLE_HIST_H

#include <stdint.h>

#define HIST_BUCKETS 20000	/* 0..19999 µs: covers 20 ms at 1 µs resolution */

struct hist {
	uint64_t count[HIST_BUCKETS];
	uint64_t overflow;	/* samples >= HIST_BUCKETS µs */
	uint64_t n;
	uint64_t min_ns, max_ns;	/* valid when n > 0 */
	uint64_t sum_ns;
};

void hist_init(struct hist *h);
static inline void hist_add(struct hist *h, uint64_t ns)
{
	uint64_t us = ns / 1000;
	if (us < HIST_BUCKETS)
		h->count[us]++;
	else
		h->overflow++;
	if (h->n == 0 || ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->sum_ns += ns;
	h->n++;
}
/* Adds every sample of src to dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/*
 * The q-quantile in µs, q in parts per ten thousand (5000 = p50, 9999 = p99.99,
 * 10000 = max). 0 when the histogram is empty.
 */
uint64_t hist_quantile_us(const struct hist *h, unsigned q_permyriad);
/* Rank (1-based) of the nearest-rank q-quantile among n samples. */
uint64_t hist_rank(uint64_t n, unsigned q_permyriad);
/*
 * Samples strictly above us µs. Exact for us < HIST_BUCKETS; beyond that only the
 * overflow count is known, and that is returned (an upper bound).
 */
uint64_t hist_count_above_us(const struct hist *h, uint64_t us);

#endif

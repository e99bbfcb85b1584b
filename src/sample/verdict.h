/*
 * fix's verdict, pure: is the wake-up latency after a change better, worse or not
 * measurably different from before? Compared on the p99 of the VM CPUs' merged
 * histograms (sample/hist.h), with a bootstrap 95% interval of the difference
 * p99(after) - p99(before).
 *
 * The bootstrap is exact and cheap: the p99 of a resample of n values drawn with
 * replacement from a sample is the sample's quantile function at U(k), the k-th smallest
 * of n uniforms, which is Beta(k, n-k+1) distributed (k = the nearest rank of p99). So
 * each resample draws one Beta variate per side instead of n values: the same
 * distribution as resampling every value, at O(log buckets) a resample whatever n is
 * (the unit tests compare it with the naive resampling). The generator is seeded: the
 * same histograms and seed give the same interval, byte for byte.
 *
 * Rule: "better" only when the whole interval is below zero, "worse" only when it is
 * above, "no measurable change" when it holds zero. Never "better" when the interval
 * includes zero.
 */
#ifndef IRQSIGHT_SAMPLE_VERDICT_H
#define IRQSIGHT_SAMPLE_VERDICT_H

#include <stdint.h>

#include "sample/hist.h"

#define VERDICT_SEED 20		/* the default seed (docs/fix.md) */
#define VERDICT_RESAMPLES 10000
#define VERDICT_MIN_SAMPLES 1000	/* fewer on a side: too few for a p99 (unknown) */

enum verdict { VERDICT_UNKNOWN, VERDICT_BETTER, VERDICT_SAME, VERDICT_WORSE };

/* "better", "no measurable change", "worse", "unknown". */
const char *verdict_name(enum verdict v);
/* "better", "same", "worse", "unknown" (JSON). */
const char *verdict_key(enum verdict v);

struct verdict_res {
	enum verdict v;
	uint64_t n[2];		/* samples before, after */
	uint64_t p50[2], p99[2], p999[2];	/* µs, before and after */
	double diff_us;		/* p99 after - before */
	double lo_us, hi_us;	/* bootstrap 95% interval of diff_us */
	unsigned resamples;
	uint64_t seed;
};

/*
 * Judge after against before. resamples 0 = VERDICT_RESAMPLES. 0, or -EINVAL when a
 * side has fewer than VERDICT_MIN_SAMPLES samples (then v is VERDICT_UNKNOWN and the
 * quantiles are still filled), -ENOMEM.
 */
int verdict_compute(const struct hist *before, const struct hist *after, uint64_t seed, unsigned resamples,
		    struct verdict_res *out);

/* The generator (exposed for tests): xorshift64*, never 0. */
struct verdict_rng {
	uint64_t s;
};
void verdict_rng_seed(struct verdict_rng *r, uint64_t seed);
double verdict_uniform(struct verdict_rng *r);	/* (0, 1) */
/* A Beta(a, b) variate, a, b >= 1. */
double verdict_beta(struct verdict_rng *r, double a, double b);
/* The value of rank ceil(u*n) (at least 1) of the histogram, in µs. */
uint64_t verdict_hist_at(const struct hist *h, double u);

#endif

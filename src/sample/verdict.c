/* fix's verdict: p99 before/after with a bootstrap interval (sample/verdict.h). */
#include "sample/verdict.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_BETTER: return "better";
	case VERDICT_SAME: return "no measurable change";
	case VERDICT_WORSE: return "worse";
	case VERDICT_UNKNOWN: break;
	}
	return "unknown";
}

const char *verdict_key(enum verdict v)
{
	return v == VERDICT_SAME ? "same" : verdict_name(v);
}

void verdict_rng_seed(struct verdict_rng *r, uint64_t seed)
{
	/* splitmix64 of the seed: 0 and small seeds still start far from the zero state */
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	r->s = z ? z : 1;
}

static uint64_t next_u64(struct verdict_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

double verdict_uniform(struct verdict_rng *r)
{
	/* 53 bits, shifted off 0: (0, 1) */
	return ((double)(next_u64(r) >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(struct verdict_rng *r)
{
	/* Box-Muller, one of the pair: simple and deterministic */
	double u = verdict_uniform(r), v = verdict_uniform(r);
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* Marsaglia and Tsang (2000), shape a >= 1. */
static double gamma_var(struct verdict_rng *r, double a)
{
	double d = a - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
	for (;;) {
		double x = normal(r), v = 1.0 + c * x;
		if (v <= 0)
			continue;
		v = v * v * v;
		double u = verdict_uniform(r);
		if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
			return d * v;
	}
}

double verdict_beta(struct verdict_rng *r, double a, double b)
{
	double x = gamma_var(r, a), y = gamma_var(r, b);
	return x / (x + y);
}

static uint64_t rank_of(uint64_t n, double u)
{
	double r = ceil(u * (double)n);
	if (r < 1)
		return 1;
	return r > (double)n ? n : (uint64_t)r;
}

uint64_t verdict_hist_at(const struct hist *h, double u)
{
	if (h->n == 0)
		return 0;
	uint64_t rank = rank_of(h->n, u), seen = 0;
	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank)
			return i;
	}
	return h->max_ns / 1000;
}

/* The non-empty buckets, cumulated: the quantile function by binary search. */
struct cdf {
	uint64_t *cum;	/* samples up to and including entry i */
	uint64_t *val;	/* µs; the overflow entry holds the exact max */
	size_t n;
	uint64_t total;
};

static int cdf_make(const struct hist *h, struct cdf *c)
{
	size_t k = h->overflow ? 1 : 0;
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		k += h->count[i] != 0;
	c->cum = calloc(k ? k : 1, sizeof(*c->cum));
	c->val = calloc(k ? k : 1, sizeof(*c->val));
	if (!c->cum || !c->val) {
		free(c->cum);
		free(c->val);
		return -ENOMEM;
	}
	uint64_t seen = 0;
	c->n = 0;
	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		if (!h->count[i])
			continue;
		seen += h->count[i];
		c->cum[c->n] = seen;
		c->val[c->n++] = i;
	}
	if (h->overflow) {
		seen += h->overflow;
		c->cum[c->n] = seen;
		c->val[c->n++] = h->max_ns / 1000;
	}
	c->total = seen;
	return 0;
}

static uint64_t cdf_at_rank(const struct cdf *c, uint64_t rank)
{
	size_t lo = 0, hi = c->n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->cum[mid] >= rank)
			hi = mid;
		else
			lo = mid + 1;
	}
	return c->val[lo];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One bootstrap p99: U(k) of n uniforms ~ Beta(k, n-k+1), through the quantile function. */
static uint64_t boot_p99(struct verdict_rng *r, const struct cdf *c)
{
	uint64_t k = hist_rank(c->total, 9900);
	double u = verdict_beta(r, (double)k, (double)(c->total - k + 1));
	return cdf_at_rank(c, rank_of(c->total, u));
}

int verdict_compute(const struct hist *before, const struct hist *after, uint64_t seed, unsigned resamples,
		    struct verdict_res *out)
{
	memset(out, 0, sizeof(*out));
	const struct hist *hs[2] = { before, after };
	for (int i = 0; i < 2; i++) {
		out->n[i] = hs[i]->n;
		out->p50[i] = hist_quantile_us(hs[i], 5000);
		out->p99[i] = hist_quantile_us(hs[i], 9900);
		out->p999[i] = hist_quantile_us(hs[i], 9990);
	}
	out->diff_us = (double)out->p99[1] - (double)out->p99[0];
	out->seed = seed;
	out->resamples = resamples ? resamples : VERDICT_RESAMPLES;
	if (before->n < VERDICT_MIN_SAMPLES || after->n < VERDICT_MIN_SAMPLES)
		return -EINVAL;
	struct cdf c[2] = { 0 };
	double *d = calloc(out->resamples, sizeof(*d));
	int rc = -ENOMEM;
	if (!d || cdf_make(before, &c[0]))
		goto out;
	if (cdf_make(after, &c[1])) {
		free(c[0].cum);
		free(c[0].val);
		c[0] = (struct cdf){ 0 };
		goto out;
	}
	struct verdict_rng r;
	verdict_rng_seed(&r, seed);
	for (unsigned i = 0; i < out->resamples; i++) {
		double b = (double)boot_p99(&r, &c[0]);
		d[i] = (double)boot_p99(&r, &c[1]) - b;
	}
	qsort(d, out->resamples, sizeof(*d), cmp_double);
	/* the 2.5th and 97.5th percentiles of the differences, by nearest rank */
	out->lo_us = d[hist_rank(out->resamples, 250) - 1];
	out->hi_us = d[hist_rank(out->resamples, 9750) - 1];
	out->v = out->hi_us < 0 ? VERDICT_BETTER : out->lo_us > 0 ? VERDICT_WORSE : VERDICT_SAME;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		free(c[i].cum);
		free(c[i].val);
	}
	free(d);
	return rc;
}

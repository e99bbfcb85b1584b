#include "t.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "sample/hist.h"
#include "sample/verdict.h"
#include "util/buf.h"

/*
 * A recorded latency run (tests/report/latency-*.json, `latency --save`): every CPU's
 * log-spaced "histogram" buckets [from_us, to_us, count], merged as fix merges the VM
 * CPUs, each count at its bucket's lower edge times scale (a shifted distribution).
 */
static void load_saved(const char *path, double scale, struct hist *h)
{
	struct buf b = { 0 };
	t_read(path, &b);
	hist_init(h);
	const char *p = b.data;
	while ((p = strstr(p, "\"histogram\": ["))) {
		p += strlen("\"histogram\": [");
		unsigned long long from, to, n;
		int used = 0;
		while (sscanf(p, " [%llu, %llu, %llu]%n", &from, &to, &n, &used) == 3) {
			for (unsigned long long i = 0; i < n; i++)
				hist_add(h, (uint64_t)((double)from * scale * 1000.0));
			p += used;
			if (*p == ',')
				p++;
		}
	}
	buf_free(&b);
}

TEST(verdict_equal_distributions_no_change)
{
	struct hist *h = malloc(sizeof(*h));
	load_saved("tests/report/latency-before.json", 1.0, h);
	CHECK(h->n > 5000);
	struct verdict_res r;
	CHECK_INT(verdict_compute(h, h, VERDICT_SEED, 0, &r), 0);
	CHECK_INT(r.v, VERDICT_SAME);
	CHECK(r.lo_us <= 0 && r.hi_us >= 0);
	CHECK(r.diff_us == 0);
	CHECK_INT(r.p99[0], r.p99[1]);
	CHECK_STR(verdict_name(r.v), "no measurable change");
	free(h);
}

TEST(verdict_recorded_pair_interval_holds_zero)
{
	/* the recorded before/after pair is two measurements of the same guest, "not better
	 * by design": its p99s differ, but the interval must hold zero */
	struct hist *b = malloc(sizeof(*b)), *a = malloc(sizeof(*a));
	load_saved("tests/report/latency-before.json", 1.0, b);
	load_saved("tests/report/latency-after.json", 1.0, a);
	struct verdict_res r;
	CHECK_INT(verdict_compute(b, a, VERDICT_SEED, 0, &r), 0);
	CHECK(r.p99[0] != r.p99[1]);
	CHECK(r.lo_us < 0 && r.hi_us >= 0);
	CHECK_INT(r.v, VERDICT_SAME);
	CHECK(r.lo_us <= r.diff_us && r.diff_us <= r.hi_us);
	free(b);
	free(a);
}

TEST(verdict_shifted_distributions)
{
	struct hist *b = malloc(sizeof(*b)), *a = malloc(sizeof(*a));
	load_saved("tests/report/latency-before.json", 1.0, b);
	load_saved("tests/report/latency-before.json", 0.25, a);
	struct verdict_res r;
	CHECK_INT(verdict_compute(b, a, VERDICT_SEED, 0, &r), 0);
	CHECK_INT(r.v, VERDICT_BETTER);
	CHECK(r.hi_us < 0);
	CHECK(r.p99[1] < r.p99[0]);
	/* the same change the other way round */
	CHECK_INT(verdict_compute(a, b, VERDICT_SEED, 0, &r), 0);
	CHECK_INT(r.v, VERDICT_WORSE);
	CHECK(r.lo_us > 0);
	CHECK_STR(verdict_key(r.v), "worse");
	free(b);
	free(a);
}

/* Draws from one distribution: two samples of it are "no measurable change" for most
 * seeds (the interval is 95%), the tail moved by shift_us is seen. */
static void fill(struct hist *h, uint64_t seed, size_t n, double shift_us)
{
	struct verdict_rng r;
	verdict_rng_seed(&r, seed);
	hist_init(h);
	for (size_t i = 0; i < n; i++) {
		double u = verdict_uniform(&r);
		/* exponential body at 10 µs, 2% tail around 200 µs */
		double us = u < 0.98 ? 5 - 10 * log(verdict_uniform(&r)) : 150 + shift_us + 100 * verdict_uniform(&r);
		hist_add(h, (uint64_t)(us * 1000));
	}
}

TEST(verdict_same_distribution_mostly_no_change)
{
	struct hist *b = malloc(sizeof(*b)), *a = malloc(sizeof(*a));
	int same = 0, better = 0;
	for (uint64_t s = 1; s <= 20; s++) {
		fill(b, s, 20000, 0);
		fill(a, 1000 + s, 20000, 0);
		struct verdict_res r;
		CHECK_INT(verdict_compute(b, a, VERDICT_SEED, 2000, &r), 0);
		same += r.v == VERDICT_SAME;
		better += r.v == VERDICT_BETTER;
		/* the rule itself: never better with zero inside */
		if (r.lo_us <= 0 && r.hi_us >= 0)
			CHECK_INT(r.v, VERDICT_SAME);
	}
	CHECK(same >= 17);
	CHECK(better <= 2);
	fill(b, 7, 20000, 0);
	fill(a, 8, 20000, -60);
	struct verdict_res r;
	CHECK_INT(verdict_compute(b, a, VERDICT_SEED, 2000, &r), 0);
	CHECK_INT(r.v, VERDICT_BETTER);
	free(b);
	free(a);
}

TEST(verdict_deterministic_per_seed)
{
	struct hist *b = malloc(sizeof(*b)), *a = malloc(sizeof(*a));
	fill(b, 3, 20000, 0);
	fill(a, 4, 20000, 0);
	struct verdict_res r1, r2, r3;
	CHECK_INT(verdict_compute(b, a, 42, 3000, &r1), 0);
	CHECK_INT(verdict_compute(b, a, 42, 3000, &r2), 0);
	CHECK(r1.lo_us == r2.lo_us && r1.hi_us == r2.hi_us && r1.v == r2.v);
	CHECK_INT(verdict_compute(b, a, 43, 3000, &r3), 0);
	CHECK(r3.lo_us != r1.lo_us || r3.hi_us != r1.hi_us);
	free(b);
	free(a);
}

TEST(verdict_too_few_samples_unknown)
{
	struct hist *b = malloc(sizeof(*b)), *a = malloc(sizeof(*a));
	fill(b, 1, VERDICT_MIN_SAMPLES - 1, 0);
	fill(a, 2, 20000, 0);
	struct verdict_res r;
	CHECK_INT(verdict_compute(b, a, VERDICT_SEED, 0, &r), -EINVAL);
	CHECK_INT(r.v, VERDICT_UNKNOWN);
	CHECK(r.p99[0] > 0 && r.p99[1] > 0);
	hist_init(b);
	CHECK_INT(verdict_compute(b, a, VERDICT_SEED, 0, &r), -EINVAL);
	free(b);
	free(a);
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

TEST(verdict_beta_shortcut_matches_naive_bootstrap)
{
	/* the p99 of n values drawn with replacement, done naively, against the Beta draw
	 * through the quantile function: their 2.5/50/97.5 percentiles agree */
	enum { N = 3000, B = 1500 };
	struct hist *h = malloc(sizeof(*h)), *rs = malloc(sizeof(*rs));
	fill(h, 99, N, 0);
	uint64_t *vals = malloc(N * sizeof(*vals)), *naive = malloc(B * sizeof(*naive)),
		 *fast = malloc(B * sizeof(*fast));
	size_t k = 0;
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		for (uint64_t c = 0; c < h->count[i]; c++)
			vals[k++] = i;
	CHECK_INT(k, N);
	struct verdict_rng r;
	verdict_rng_seed(&r, 5);
	uint64_t rank = hist_rank(N, 9900);
	for (int b = 0; b < B; b++) {
		hist_init(rs);
		for (int i = 0; i < N; i++)
			hist_add(rs, vals[(size_t)(verdict_uniform(&r) * N)] * 1000);
		naive[b] = hist_quantile_us(rs, 9900);
		fast[b] = verdict_hist_at(h, verdict_beta(&r, (double)rank, (double)(N - rank + 1)));
	}
	qsort(naive, B, sizeof(*naive), cmp_u64);
	qsort(fast, B, sizeof(*fast), cmp_u64);
	static const unsigned qs[] = { 250, 5000, 9750 };
	for (size_t i = 0; i < ARRAY_SIZE(qs); i++) {
		double x = (double)naive[hist_rank(B, qs[i]) - 1], y = (double)fast[hist_rank(B, qs[i]) - 1];
		if (fabs(x - y) > 0.1 * x + 3)
			t_fail(__FILE__, __LINE__, "bootstrap p99 percentile %u: naive %.0f, beta %.0f", qs[i], x, y);
	}
	free(vals);
	free(naive);
	free(fast);
	free(h);
	free(rs);
}

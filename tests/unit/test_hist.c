#include "t.h"

#include <stdlib.h>

#include "sample/hist.h"
#include "util/compat.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Deterministic xorshift so a failure can be reproduced. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static const unsigned qs[] = { 0, 1, 5000, 9000, 9900, 9990, 9999, 10000 };

/* Brute force: nearest rank on the sorted, µs-truncated samples. */
static uint64_t sorted_quantile(const uint64_t *sorted, size_t n, unsigned q)
{
	uint64_t r = hist_rank(n, q);
	return sorted[r - 1] / 1000;
}

static void check_against_sort(uint64_t seed, size_t n, int shape)
{
	uint64_t *v = malloc(n * sizeof(*v));
	struct hist *h = malloc(sizeof(*h));
	hist_init(h);
	uint64_t s = seed, mn = UINT64_MAX, mx = 0, sum = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t x;
		switch (shape) {
		case 0: x = rnd(&s) % 50000; break;			/* 0-50 µs, uniform */
		case 1: x = 2000 + (rnd(&s) % 1000) * (rnd(&s) % 1000); break;	/* long tail to ~1 ms */
		default: x = rnd(&s) % 100 < 2 ? 15000000 + rnd(&s) % 9000000	/* 2% overflow */
					    : rnd(&s) % 30000000; break;
		}
		v[i] = x;
		hist_add(h, x);
		mn = x < mn ? x : mn;
		mx = x > mx ? x : mx;
		sum += x;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	CHECK_INT(h->n, n);
	CHECK_INT(h->min_ns, mn);
	CHECK_INT(h->max_ns, mx);
	CHECK_INT(h->sum_ns, sum);
	for (size_t i = 0; i < ARRAY_SIZE(qs); i++) {
		uint64_t want = sorted_quantile(v, n, qs[i]);
		if (want >= HIST_BUCKETS)
			want = mx / 1000;	/* documented: quantiles in the overflow are the max */
		uint64_t got = hist_quantile_us(h, qs[i]);
		if (got != want)
			t_fail(__FILE__, __LINE__, "seed %llu n %zu shape %d q %u: %llu, sorted says %llu",
			       (unsigned long long)seed, n, shape, qs[i], (unsigned long long)got,
			       (unsigned long long)want);
	}
	/* count above: brute force */
	for (uint64_t us = 0; us < 30000; us += 997) {
		uint64_t want = 0;
		for (size_t i = 0; i < n; i++)
			want += v[i] / 1000 > us || (us >= HIST_BUCKETS && v[i] / 1000 >= HIST_BUCKETS);
		CHECK_INT(hist_count_above_us(h, us), want);
	}
	free(v);
	free(h);
}

TEST(hist_quantiles_match_sort)
{
	static const size_t sizes[] = { 1, 2, 3, 7, 99, 100, 101, 1000, 9999, 10001, 123457 };
	for (int shape = 0; shape < 3; shape++)
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
			check_against_sort(0x9e3779b97f4a7c15ULL + i * 31 + shape, sizes[i], shape);
}

TEST(hist_edges)
{
	struct hist *h = malloc(sizeof(*h));
	hist_init(h);
	CHECK_INT(hist_quantile_us(h, 9900), 0);
	hist_add(h, 999);		/* 0 µs bucket */
	hist_add(h, 1000);		/* 1 µs */
	hist_add(h, (HIST_BUCKETS - 1) * 1000ULL + 999);	/* last bucket */
	hist_add(h, HIST_BUCKETS * 1000ULL);	/* overflow */
	CHECK_INT(h->count[0], 1);
	CHECK_INT(h->count[1], 1);
	CHECK_INT(h->count[HIST_BUCKETS - 1], 1);
	CHECK_INT(h->overflow, 1);
	CHECK_INT(hist_quantile_us(h, 2500), 0);
	CHECK_INT(hist_quantile_us(h, 5000), 1);
	CHECK_INT(hist_quantile_us(h, 7500), HIST_BUCKETS - 1);
	CHECK_INT(hist_quantile_us(h, 10000), HIST_BUCKETS);
	CHECK_INT(hist_rank(10000, 9999), 9999);
	CHECK_INT(hist_rank(10001, 9999), 10000);
	CHECK_INT(hist_rank(3, 0), 1);
	free(h);
}

TEST(hist_merge_equals_single)
{
	struct hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *all = malloc(sizeof(*all));
	hist_init(a);
	hist_init(b);
	hist_init(all);
	uint64_t s = 12345;
	for (int i = 0; i < 5000; i++) {
		uint64_t x = rnd(&s) % 3000000;
		hist_add(i % 3 ? a : b, x);
		hist_add(all, x);
	}
	hist_merge(a, b);
	CHECK(memcmp(a, all, sizeof(*a)) == 0);
	free(a);
	free(b);
	free(all);
}

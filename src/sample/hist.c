#include "sample/hist.h"

#include <string.h>

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (src->n == 0)
		return;
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		dst->count[i] += src->count[i];
	dst->overflow += src->overflow;
	if (dst->n == 0 || src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	dst->sum_ns += src->sum_ns;
	dst->n += src->n;
}

uint64_t hist_rank(uint64_t n, unsigned q_permyriad)
{
	if (q_permyriad > 10000)
		q_permyriad = 10000;
	/* ceil(n*q/10000) without floating point; n*q fits easily in 64 bits */
	uint64_t r = (n * q_permyriad + 9999) / 10000;
	return r ? r : 1;
}

uint64_t hist_quantile_us(const struct hist *h, unsigned q_permyriad)
{
	if (h->n == 0)
		return 0;
	uint64_t rank = hist_rank(h->n, q_permyriad), seen = 0;
	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank)
			return i;
	}
	return h->max_ns / 1000;
}

uint64_t hist_count_above_us(const struct hist *h, uint64_t us)
{
	uint64_t n = h->overflow;
	for (uint64_t i = us + 1; i < HIST_BUCKETS; i++)
		n += h->count[i];
	return n;
}

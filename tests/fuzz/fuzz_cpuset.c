/*
 * CPU lists and masks (src/util/cpuset.c): every input through cpuset_parse_list() and
 * cpuset_parse_mask(), then the set operations and both formats. Round trips: a set
 * formatted as a list or a mask parses back to the same set.
 */
#include "fuzz.h"

#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"

static void check_set(struct arena *a, const struct cpuset *s)
{
	int n = cpuset_count(s), seen = 0, last = -1;
	for (int c = cpuset_next(s, 0); c >= 0; c = cpuset_next(s, c + 1)) {
		FUZZ_CHECK(c > last && c <= CPUSET_MAX_CPU && cpuset_test(s, c));
		last = c;
		seen++;
	}
	FUZZ_CHECK(seen == n && cpuset_last(s) == last && cpuset_empty(s) == (n == 0));

	struct buf b = { 0 };
	struct cpuset back;
	FUZZ_CHECK(cpuset_format_list(s, &b) == 0 && b.data);
	FUZZ_CHECK(cpuset_parse_list(&back, a, b.data, b.len) == 0 && cpuset_equal(&back, s));
	buf_reset(&b);
	FUZZ_CHECK(cpuset_format_mask(s, last + 1, &b) == 0 && b.data);
	FUZZ_CHECK(cpuset_parse_mask(&back, a, b.data, b.len) == 0 && cpuset_equal(&back, s));
	buf_free(&b);

	struct cpuset cp;
	cpuset_copy(&cp, a, s);
	FUZZ_CHECK(cpuset_equal(&cp, s) && cpuset_subset(&cp, s));
	if (last >= 0) {
		cpuset_clear(&cp, last);
		FUZZ_CHECK(!cpuset_test(&cp, last) && cpuset_count(&cp) == n - 1 && cpuset_subset(&cp, s));
		cpuset_set(&cp, last);
		FUZZ_CHECK(cpuset_equal(&cp, s));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = { 0 };
	char *txt = malloc(size ? size : 1);
	FUZZ_CHECK(txt);
	memcpy(txt, data, size);
	struct cpuset l, m;
	int rl = cpuset_parse_list(&l, &a, txt, size);
	int rm = cpuset_parse_mask(&m, &a, txt, size);
	FUZZ_CHECK(rl == 0 || rl == -EINVAL || rl == -ERANGE);
	FUZZ_CHECK(rm == 0 || rm == -EINVAL || rm == -ERANGE);
	if (rl == 0)
		check_set(&a, &l);
	if (rm == 0)
		check_set(&a, &m);
	if (rl == 0 && rm == 0) {
		struct cpuset x, o, d;
		cpuset_and(&x, &a, &l, &m);
		cpuset_or(&o, &a, &l, &m);
		cpuset_andnot(&d, &a, &l, &m);
		FUZZ_CHECK(cpuset_subset(&x, &l) && cpuset_subset(&x, &m));
		FUZZ_CHECK(cpuset_subset(&l, &o) && cpuset_subset(&m, &o));
		FUZZ_CHECK(cpuset_subset(&d, &l) && !cpuset_intersects(&d, &m));
		FUZZ_CHECK(cpuset_intersects(&l, &m) == !cpuset_empty(&x));
		FUZZ_CHECK(cpuset_count(&x) + cpuset_count(&d) == cpuset_count(&l));
	}
	free(txt);
	arena_free(&a);
	return 0;
}

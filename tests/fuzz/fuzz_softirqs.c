/* /proc/softirqs (src/parse/softirqs.c), as src/model/build_cpus.c and derive.c read it. */
#include "fuzz.h"

#include "parse/softirqs.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = { 0 };
	struct softirqs si;
	if (parse_softirqs((const char *)data, size, &a, &si) == 0) {
		FUZZ_CHECK(si.ncpus > 0 && si.cpu_ids);
		FUZZ_CHECK(si.nrows >= 0 && si.nrows <= SOFTIRQ_NR);
		int rows = 0;
		uint64_t sum = 0;
		for (int v = 0; v < SOFTIRQ_NR; v++) {
			if (!si.counts[v])
				continue;
			rows++;
			for (int i = 0; i < si.ncpus; i++)
				sum += si.counts[v][i];
			FUZZ_CHECK(softirq_vec_of(softirq_name(v), strlen(softirq_name(v))) == v);
		}
		FUZZ_CHECK(rows == si.nrows);
		for (int i = 0; i < si.ncpus; i++)
			FUZZ_CHECK(si.cpu_ids[i] >= 0 && si.cpu_ids[i] <= 65535);
		(void)sum;
	}
	int vec = softirq_vec_of((const char *)data, size);
	FUZZ_CHECK(vec >= -1 && vec < SOFTIRQ_NR);
	arena_free(&a);
	return 0;
}

/* /proc/stat (src/parse/stat.c), as src/model/build_cpus.c and src/sample/reading.c read it. */
#include "fuzz.h"

#include "parse/stat.h"
#include "util/arena.h"

static void fields(const struct stat_cpu *c)
{
	FUZZ_CHECK(c->nfields >= 0 && c->nfields <= STAT_FIELDS);
	uint64_t sum = 0;
	for (int i = 0; i < c->nfields; i++)
		sum += c->v[i];
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = { 0 };
	struct proc_stat st;
	if (parse_stat((const char *)data, size, &a, &st) == 0) {
		FUZZ_CHECK(st.total.id == -1);
		fields(&st.total);
		FUZZ_CHECK(st.ncpus >= 0 && (st.ncpus == 0 || st.cpus));
		for (int i = 0; i < st.ncpus; i++) {
			FUZZ_CHECK(st.cpus[i].id >= 0 && st.cpus[i].id <= 65535);
			fields(&st.cpus[i]);
		}
	}
	arena_free(&a);
	return 0;
}

/*
 * irqbalance's environment file (src/parse/envfile.c), then the banned CPUs read from it
 * as src/model/build_procs.c does (IRQBALANCE_BANNED_CPUS a mask, _CPULIST a list).
 */
#include "fuzz.h"

#include "parse/envfile.h"
#include "util/arena.h"
#include "util/cpuset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = { 0 };
	struct envfile e;
	FUZZ_CHECK(parse_envfile((const char *)data, size, &a, &e) == 0);
	FUZZ_CHECK(e.nvars >= 0 && e.nbad >= 0 && (e.nvars == 0 || e.vars));
	unsigned last = 0;
	for (int i = 0; i < e.nvars; i++) {
		const struct env_var *v = &e.vars[i];
		FUZZ_CHECK(v->key && v->val && fuzz_touch(v->key) > 0 && fuzz_touch(v->val) <= size);
		FUZZ_CHECK(v->line_no > last);
		last = v->line_no;
		/* Last assignment wins: the value found is that of the last var with this key. */
		const char *got = envfile_get(&e, v->key);
		FUZZ_CHECK(got);
		int j = e.nvars - 1;
		while (strcmp(e.vars[j].key, v->key))
			j--;
		FUZZ_CHECK(got == e.vars[j].val);
	}
	struct cpuset s;
	const char *m = envfile_get(&e, "IRQBALANCE_BANNED_CPUS");
	if (m && cpuset_parse_mask(&s, &a, m, strlen(m)) == 0)
		cpuset_count(&s);
	const char *l = envfile_get(&e, "IRQBALANCE_BANNED_CPULIST");
	if (l && cpuset_parse_list(&s, &a, l, strlen(l)) == 0)
		cpuset_count(&s);
	fuzz_touch(envfile_get(&e, "IRQBALANCE_ONESHOT"));
	fuzz_touch(envfile_get(&e, "IRQBALANCE_ARGS"));
	arena_free(&a);
	return 0;
}

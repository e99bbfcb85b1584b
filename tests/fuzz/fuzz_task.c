/*
 * /proc/PID/task/TID/{stat,status} (src/parse/task.c): both parsers on every input, and
 * the CPU sets of status parsed as src/model/build_procs.c does.
 */
#include "fuzz.h"

#include "parse/task.h"
#include "util/arena.h"
#include "util/cpuset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	FUZZ_CHECK(buf);
	memcpy(buf, data, size);

	struct task_stat st;
	if (parse_task_stat(buf, size, &st) == 0) {
		FUZZ_CHECK(st.state != 0);
		FUZZ_CHECK(fuzz_within(st.comm, buf, size));
		FUZZ_CHECK(st.processor >= -1 && st.processor < 65536);
	}

	struct task_status ss;
	if (parse_task_status(buf, size, &ss) == 0)
		FUZZ_CHECK(ss.name.n || ss.tgid >= 0);
	FUZZ_CHECK(fuzz_within(ss.name, buf, size));
	FUZZ_CHECK(fuzz_within(ss.cpus_allowed_list, buf, size) && fuzz_within(ss.cpus_allowed, buf, size));
	struct arena a = { 0 };
	struct cpuset s;
	if (ss.cpus_allowed_list.n && cpuset_parse_list(&s, &a, ss.cpus_allowed_list.p, ss.cpus_allowed_list.n) == 0)
		cpuset_count(&s);
	if (ss.cpus_allowed.n && cpuset_parse_mask(&s, &a, ss.cpus_allowed.p, ss.cpus_allowed.n) == 0)
		cpuset_count(&s);
	arena_free(&a);
	free(buf);
	return 0;
}

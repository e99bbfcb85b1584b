#include "parse/softirqs.h"

#include <errno.h>
#include <string.h>

#include "parse/interrupts.h"
#include "util/arena.h"
#include "util/str.h"

static const char *const names[SOFTIRQ_NR] = { "HI", "TIMER", "NET_TX", "NET_RX", "BLOCK",
					       "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU" };

const char *softirq_name(int vec)
{
	return vec >= 0 && vec < SOFTIRQ_NR ? names[vec] : "?";
}

int softirq_vec_of(const char *name, size_t len)
{
	struct slice s = { name, len };
	for (int i = 0; i < SOFTIRQ_NR; i++)
		if (slice_eq(s, names[i]))
			return i;
	if (slice_eq(s, "BLOCK_IOPOLL"))
		return SOFTIRQ_IRQ_POLL;
	return -1;
}

int parse_softirqs(const char *buf, size_t len, struct arena *a, struct softirqs *out)
{
	memset(out, 0, sizeof(*out));
	struct slice all = { buf, len }, line;
	bool have_header = false;
	while (slice_line(&all, &line)) {
		if (!have_header) {
			if (!slice_trim(line).n)
				continue;
			int n;
			if (pi_parse_header(line, NULL, 0, &n))
				return -EINVAL;
			out->ncpus = n;
			out->cpu_ids = arena_calloc(a, (size_t)n, sizeof(int));
			pi_parse_header(line, out->cpu_ids, n, &n);
			have_header = true;
			continue;
		}
		const char *colon = memchr(line.p, ':', line.n);
		if (!colon)
			continue;
		struct slice name = slice_trim((struct slice){ line.p, (size_t)(colon - line.p) });
		int vec = softirq_vec_of(name.p, name.n);
		if (vec < 0 || out->counts[vec])
			continue;
		uint64_t *c = arena_calloc(a, (size_t)out->ncpus, sizeof(uint64_t));
		struct slice rest = { colon + 1, line.n - (size_t)(colon - line.p) - 1 };
		for (int i = 0; i < out->ncpus; i++) {
			uint64_t v;
			if (!slice_next_u64(&rest, &v))
				break;
			c[i] = v;
		}
		out->counts[vec] = c;
		out->nrows++;
	}
	return have_header ? 0 : -EINVAL;
}

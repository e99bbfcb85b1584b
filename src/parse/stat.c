#include "parse/stat.h"

#include <errno.h>
#include <string.h>

#include "util/arena.h"
#include "util/str.h"

static void read_fields(struct slice rest, uint64_t *v, int max, int *n)
{
	*n = 0;
	for (int i = 0; i < max; i++) {
		if (!slice_next_u64(&rest, &v[i]))
			break;
		(*n)++;
	}
}

/* The per-IRQ sums after the total: one per IRQ number, nr_irqs of them (tens of
 * thousands on big hosts), so the array grows by doubling. A second intr line (not the
 * kernel's, but a file may have one) replaces the first, as its total does. */
static void read_intr(struct slice rest, struct arena *a, struct proc_stat *out)
{
	int cap = 0;
	uint64_t v;
	out->intr_irq = NULL;
	out->nintr_irq = 0;
	while (slice_next_u64(&rest, &v)) {
		if (out->nintr_irq == cap) {
			int ncap = cap ? cap * 2 : 1024;
			out->intr_irq = arena_realloc(a, out->intr_irq, (size_t)cap * sizeof(*out->intr_irq),
						      (size_t)ncap * sizeof(*out->intr_irq));
			cap = ncap;
		}
		out->intr_irq[out->nintr_irq++] = v;
	}
}

int parse_stat(const char *buf, size_t len, struct arena *a, struct proc_stat *out)
{
	memset(out, 0, sizeof(*out));
	out->total.id = -1;
	struct slice all = { buf, len }, line;
	int cap = 0;
	bool any = false;
	while (slice_line(&all, &line)) {
		struct slice rest = line;
		struct slice key = slice_token(&rest);
		if (slice_eq(key, "cpu")) {
			read_fields(rest, out->total.v, STAT_FIELDS, &out->total.nfields);
			any = true;
		} else if (slice_starts(key, "cpu")) {
			uint64_t id;
			if (!slice_u64((struct slice){ key.p + 3, key.n - 3 }, 10, &id) || id > 65535)
				continue;
			if (out->ncpus == cap) {
				int ncap = cap ? cap * 2 : 16;
				out->cpus = arena_realloc(a, out->cpus, (size_t)cap * sizeof(*out->cpus),
							  (size_t)ncap * sizeof(*out->cpus));
				cap = ncap;
			}
			struct stat_cpu *c = &out->cpus[out->ncpus++];
			c->id = (int)id;
			read_fields(rest, c->v, STAT_FIELDS, &c->nfields);
			any = true;
		} else if (slice_eq(key, "intr")) {
			struct slice t = slice_token(&rest);
			out->has_intr = slice_u64(t, 10, &out->intr_total);
			if (out->has_intr)
				read_intr(rest, a, out);
			else
				out->nintr_irq = 0;	/* no sums without their total */
		} else if (slice_eq(key, "softirq")) {
			struct slice t = slice_token(&rest);
			out->has_softirq = slice_u64(t, 10, &out->softirq_total);
			int n;
			read_fields(rest, out->softirq, 10, &n);
		} else if (slice_eq(key, "ctxt")) {
			slice_u64(slice_token(&rest), 10, &out->ctxt);
		} else if (slice_eq(key, "btime")) {
			slice_u64(slice_token(&rest), 10, &out->btime);
		}
	}
	return any ? 0 : -EINVAL;
}

/*
 * What the recorder's events add up to, and the helpers top, check and latency use to
 * read them against /proc's counts: no recording here (trace.h).
 */
#include <stdlib.h>
#include <string.h>

#include "parse/softirqs.h"
#include "sample/trace.h"
#include "util/compat.h"
#include "util/str.h"

/*
 * Per CPU, entries and exits nest (a hard IRQ can interrupt a softirq; a vector
 * entry can come between them). A small stack per CPU pairs each exit with its
 * entry; the time of nested handlers is subtracted from the outer one, so the
 * totals are self time and sum to the CPU's time in interrupt context without
 * counting anything twice.
 */
#define TT_STACK 16

struct tt_frame {
	enum trace_kind kind;	/* entry kind */
	int id;
	uint64_t start, child_ns;
	int slot;		/* totals slot, -1 if unknown */
};

struct tt_cpu {
	int cpu;
	struct tt_frame st[TT_STACK];
	int depth;
};

struct tt_slot {
	struct trace_total v;
	char *name;
};

struct trace_totals {
	struct tt_slot *slots;
	size_t nslots, cap;
	int *hash;		/* index into slots, -1 empty */
	size_t hcap;
	struct tt_cpu *cpus;
	int ncpus;
};

struct trace_totals *trace_totals_new(void)
{
	return calloc(1, sizeof(struct trace_totals));
}

static size_t tt_hash(int cpu, enum trace_kind k, int id)
{
	uint64_t h = (uint64_t)(uint32_t)cpu * 0x9e3779b97f4a7c15ULL ^ (uint64_t)k * 0xbf58476d1ce4e5b9ULL ^
		     (uint64_t)(uint32_t)id * 0x94d049bb133111ebULL;
	return (size_t)(h ^ (h >> 31));
}

static void tt_rehash(struct trace_totals *tt)
{
	size_t nc = tt->hcap ? tt->hcap * 2 : 256;
	int *nh = malloc(nc * sizeof(int));
	if (!nh)
		return;
	memset(nh, 0xff, nc * sizeof(int));
	for (size_t i = 0; i < tt->nslots; i++) {
		struct trace_total *v = &tt->slots[i].v;
		size_t h = tt_hash(v->cpu, v->kind, v->id) & (nc - 1);
		while (nh[h] >= 0)
			h = (h + 1) & (nc - 1);
		nh[h] = (int)i;
	}
	free(tt->hash);
	tt->hash = nh;
	tt->hcap = nc;
}

static int tt_slot(struct trace_totals *tt, int cpu, enum trace_kind k, int id, const char *name)
{
	if ((tt->nslots + 1) * 2 > tt->hcap)
		tt_rehash(tt);
	if (!tt->hash)
		return -1;
	size_t h = tt_hash(cpu, k, id) & (tt->hcap - 1);
	while (tt->hash[h] >= 0) {
		struct tt_slot *s = &tt->slots[tt->hash[h]];
		if (s->v.cpu == cpu && s->v.kind == k && s->v.id == id) {
			if (!s->name && name) {
				s->name = strdup(name);
				s->v.name = s->name;
			}
			return tt->hash[h];
		}
		h = (h + 1) & (tt->hcap - 1);
	}
	if (tt->nslots == tt->cap) {
		size_t nc = tt->cap ? tt->cap * 2 : 64;
		struct tt_slot *ns = realloc(tt->slots, nc * sizeof(*ns));
		if (!ns)
			return -1;
		tt->slots = ns;
		tt->cap = nc;
	}
	struct tt_slot *s = &tt->slots[tt->nslots];
	memset(s, 0, sizeof(*s));
	s->v.cpu = cpu;
	s->v.kind = k;
	s->v.id = id;
	if (name) {
		s->name = strdup(name);
		s->v.name = s->name;
	}
	tt->hash[h] = (int)tt->nslots;
	return (int)tt->nslots++;
}

static struct tt_cpu *tt_cpu(struct trace_totals *tt, int cpu)
{
	for (int i = 0; i < tt->ncpus; i++)
		if (tt->cpus[i].cpu == cpu)
			return &tt->cpus[i];
	struct tt_cpu *n = realloc(tt->cpus, (size_t)(tt->ncpus + 1) * sizeof(*n));
	if (!n)
		return NULL;
	tt->cpus = n;
	struct tt_cpu *c = &tt->cpus[tt->ncpus++];
	memset(c, 0, sizeof(*c));
	c->cpu = cpu;
	return c;
}

void trace_totals_add(struct trace_totals *tt, const struct trace_event *ev)
{
	struct tt_cpu *c = tt_cpu(tt, ev->cpu);
	if (!c)
		return;
	bool is_entry = ev->kind == TR_IRQ_ENTRY || ev->kind == TR_SOFTIRQ_ENTRY || ev->kind == TR_VECTOR_ENTRY;
	if (is_entry) {
		int slot = tt_slot(tt, ev->cpu, ev->kind, ev->id,
				   ev->kind == TR_SOFTIRQ_ENTRY ? softirq_name(ev->id) : ev->name);
		if (c->depth == TT_STACK) {	/* runaway: unmatched entries; start over */
			c->depth = 0;
		}
		c->st[c->depth++] = (struct tt_frame){ ev->kind, ev->id, ev->time_ns, 0, slot };
		return;
	}
	enum trace_kind want = ev->kind - 1;
	/* Find the matching entry; frames above it lost their exit (dropped records). */
	int d = c->depth - 1;
	while (d >= 0 && !(c->st[d].kind == want && c->st[d].id == ev->id))
		d--;
	if (d < 0)
		return;	/* exit without entry (recording started mid-handler) */
	struct tt_frame f = c->st[d];
	c->depth = d;
	if (ev->time_ns < f.start)
		return;
	uint64_t dur = ev->time_ns - f.start;
	uint64_t self = dur > f.child_ns ? dur - f.child_ns : 0;
	if (d > 0)
		c->st[d - 1].child_ns += dur;
	if (f.slot >= 0) {
		struct trace_total *v = &tt->slots[f.slot].v;
		v->count++;
		v->time_ns += self;
		if (self > v->max_ns)
			v->max_ns = self;
	}
}

bool trace_totals_next(const struct trace_totals *tt, size_t *iter, struct trace_total *out)
{
	if (!tt || *iter >= tt->nslots)
		return false;
	*out = tt->slots[*iter].v;
	(*iter)++;
	return true;
}

void trace_totals_free(struct trace_totals *tt)
{
	if (!tt)
		return;
	for (size_t i = 0; i < tt->nslots; i++)
		free(tt->slots[i].name);
	free(tt->slots);
	free(tt->hash);
	free(tt->cpus);
	free(tt);
}

/* ------------------------------------------------------------ vectors and rows */

static const char *const vector_rows[][2] = {
	{ "LOC", "local_timer" },      { "RES", "reschedule" },	    { "CAL", "call_function" },
	{ "IWI", "irq_work" },	       { "SPU", "spurious_apic" },  { "ERR", "error_apic" },
	{ "TRM", "thermal_apic" },     { "THR", "threshold_apic" }, { "DFR", "deferred_error_apic" },
	{ "PLT", "x86_platform_ipi" },
};

const char *trace_vector_of_row(const char *row)
{
	for (size_t i = 0; row && i < ARRAY_SIZE(vector_rows); i++)
		if (!strcmp(vector_rows[i][0], row))
			return vector_rows[i][1];
	return NULL;
}

const char *trace_row_of_vector(const char *event)
{
	for (size_t i = 0; event && i < ARRAY_SIZE(vector_rows); i++)
		if (str_starts(event, vector_rows[i][1]))
			return vector_rows[i][0];
	return NULL;
}

/* ------------------------------------------------------------ scaling and coverage */

bool trace_action_listed(const char *actions, const char *name)
{
	if (!name || !*name || !actions || !*actions)
		return true;	/* nothing to tell it by */
	return str_list_has(actions, ", ", name);
}

double trace_scaled_ns(const struct trace_total *v, double expect, struct trace_cov *cov)
{
	double scale = 1;
	if (expect >= 0 && cov && v->cpu >= 0 && v->cpu <= cov->max_cpu) {
		cov->seen[v->cpu] += (double)v->count;
		cov->counted[v->cpu] += MAX(expect, (double)v->count);
		if (v->count && expect >= 20 && expect > 1.1 * (double)v->count)
			scale = expect / (double)v->count;
	}
	return (double)v->time_ns * scale;
}

double trace_cov_lowest(const struct trace_cov *cov, int *cpu)
{
	double low = -1;
	*cpu = -1;
	for (int i = 0; cov && i <= cov->max_cpu; i++)
		if (cov->counted[i] >= 100 && (low < 0 || cov->seen[i] / cov->counted[i] < low)) {
			low = cov->seen[i] / cov->counted[i];
			*cpu = i;
		}
	return low;
}

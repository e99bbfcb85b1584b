#include "sample/attrib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/softirqs.h"
#include "util/compat.h"
#include "util/str.h"

void attrib_srcs_init(struct attrib_srcs *t, struct attrib_src *storage, uint32_t cap)
{
	memset(t, 0, sizeof(*t));
	t->v = storage;
	t->cap = cap > UINT16_MAX - 1 ? UINT16_MAX - 1 : cap;
}

static void append_name(struct attrib_src *s, const char *name)
{
	if (!name || !*name)
		return;
	if (!s->name[0]) {
		str_copy(s->name, name, sizeof(s->name));
		return;
	}
	/* a shared IRQ: every action has its own entry event with its own name */
	size_t nl = strlen(name), have = strlen(s->name);
	for (const char *p = s->name; (p = strstr(p, name)); p += nl)
		if ((p == s->name || p[-1] == ' ') && (p[nl] == '\0' || p[nl] == ','))
			return;
	if (have + 2 + nl < sizeof(s->name))
		snprintf(s->name + have, sizeof(s->name) - have, ", %s", name);
}

int attrib_src_get(struct attrib_srcs *t, enum attrib_kind kind, int id, const char *name)
{
	bool mapped = kind != AK_ROW && id >= 0 && id < ATTRIB_MAP;
	if (mapped && t->map[kind][id]) {
		struct attrib_src *s = &t->v[t->map[kind][id] - 1];
		if (kind == AK_IRQ)
			append_name(s, name);
		return t->map[kind][id] - 1;
	}
	if (!mapped) {
		for (uint32_t i = 0; i < t->n; i++) {
			struct attrib_src *s = &t->v[i];
			if (s->kind != kind)
				continue;
			if (kind == AK_ROW ? name && !strcmp(s->name, name) : s->id == id) {
				if (kind == AK_IRQ)
					append_name(s, name);
				return (int)i;
			}
		}
	}
	if (t->n >= t->cap)
		return -ENOSPC;
	struct attrib_src *s = &t->v[t->n];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->id = kind == AK_ROW ? -1 : id;
	if (kind == AK_SOFTIRQ && !name)
		name = softirq_name(id);
	append_name(s, name);
	if (mapped)
		t->map[kind][id] = (uint16_t)(t->n + 1);
	return (int)t->n++;
}

const char *attrib_kind_name(enum attrib_kind k)
{
	switch (k) {
	case AK_IRQ: return "irq";
	case AK_SOFTIRQ: return "softirq";
	case AK_VECTOR: return "vector";
	case AK_ROW: return "row";
	}
	return "?";
}

void attrib_src_label(const struct attrib_src *s, char *out, size_t len)
{
	switch (s->kind) {
	case AK_IRQ:
		snprintf(out, len, "IRQ %d %s", s->id, s->name[0] ? s->name : "(no name)");
		break;
	case AK_SOFTIRQ:
		snprintf(out, len, "%s softirq", s->name[0] ? s->name : "?");
		break;
	case AK_VECTOR:
		snprintf(out, len, "%s vector", s->name[0] ? s->name : "?");
		break;
	case AK_ROW:
		if (s->desc[0])
			snprintf(out, len, "%s (%s)", s->name, s->desc);
		else
			snprintf(out, len, "%s", s->name);
		break;
	}
}

/* Entry kinds and their group slot; -1 for an exit. */
static int group_of(enum trace_kind k, bool *is_entry)
{
	*is_entry = k == TR_IRQ_ENTRY || k == TR_SOFTIRQ_ENTRY || k == TR_VECTOR_ENTRY;
	switch (k) {
	case TR_IRQ_ENTRY: case TR_IRQ_EXIT: return AK_IRQ;
	case TR_SOFTIRQ_ENTRY: case TR_SOFTIRQ_EXIT: return AK_SOFTIRQ;
	case TR_VECTOR_ENTRY: case TR_VECTOR_EXIT: return AK_VECTOR;
	}
	return -1;
}

int attrib_pair(struct attrib_pairer *p, struct attrib_srcs *t, const struct trace_event *ev,
		struct attrib_interval *out)
{
	bool is_entry;
	int g = group_of(ev->kind, &is_entry);
	if (g < 0)
		return 0;
	if (is_entry) {
		int s = attrib_src_get(t, (enum attrib_kind)g, ev->id, ev->name);
		if (s < 0)
			return s;
		if (p->open[g])
			p->unmatched++;	/* the exit was lost */
		p->open[g] = true;
		p->start[g] = ev->time_ns;
		p->id[g] = ev->id;
		p->src[g] = (uint32_t)s;
		return 0;
	}
	/*
	 * Vector exit events carry the vector number too, but the x86 trace points name
	 * the event (local_timer_exit), so a different id means a lost entry/exit.
	 */
	if (!p->open[g] || p->id[g] != ev->id || ev->time_ns < p->start[g]) {
		p->unmatched++;
		p->open[g] = false;
		return 0;
	}
	p->open[g] = false;
	out->start_ns = p->start[g];
	out->end_ns = ev->time_ns;
	out->src = p->src[g];
	return 1;
}

static int cmp_iv(const void *a, const void *b)
{
	const struct attrib_interval *x = a, *y = b;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->end_ns < y->end_ns ? -1 : x->end_ns > y->end_ns;
}

static int cmp_cause(const void *a, const void *b)
{
	const struct attrib_cause *x = a, *y = b;
	if (x->overlap_ns != y->overlap_ns)
		return x->overlap_ns > y->overlap_ns ? -1 : 1;
	if (x->spikes != y->spikes)
		return x->spikes > y->spikes ? -1 : 1;
	if (x->events != y->events)
		return x->events > y->events ? -1 : 1;
	return x->src < y->src ? -1 : x->src > y->src;
}

/* Coarse: the busiest sources while spikes happened come first. */
static int cmp_coarse(const void *a, const void *b)
{
	const struct attrib_cause *x = a, *y = b;
	if (x->events != y->events)
		return x->events > y->events ? -1 : 1;
	if (x->spikes != y->spikes)
		return x->spikes > y->spikes ? -1 : 1;
	return x->src < y->src ? -1 : x->src > y->src;
}

static void init_causes(struct attrib_cause *causes, uint32_t nsrc)
{
	for (uint32_t s = 0; s < nsrc; s++) {
		memset(&causes[s], 0, sizeof(causes[s]));
		causes[s].src = s;
	}
}

static uint32_t finish_causes(struct attrib_cause *causes, uint32_t nsrc,
			      int (*cmp)(const void *, const void *))
{
	qsort(causes, nsrc, sizeof(*causes), cmp);
	uint32_t n = 0;
	while (n < nsrc && causes[n].spikes > 0)
		n++;
	return n;
}

int attrib_compute(const struct attrib_window *w, size_t nw, struct attrib_interval *iv, size_t niv,
		   uint32_t nsrc, struct attrib_cause *causes, struct attrib_result *res)
{
	memset(res, 0, sizeof(*res));
	res->spikes = nw;
	init_causes(causes, nsrc);
	if (nsrc == 0 || nw == 0)
		return 0;
	uint64_t *mark = calloc(nsrc, sizeof(*mark));	/* window index + 1 last counted */
	uint64_t *sum = calloc(nsrc, sizeof(*sum));	/* overlap within the current window */
	if (!mark || !sum) {
		free(mark);
		free(sum);
		return -ENOMEM;
	}
	qsort(iv, niv, sizeof(*iv), cmp_iv);
	uint64_t longest = 0;
	for (size_t i = 0; i < niv; i++)
		if (iv[i].end_ns - iv[i].start_ns > longest)
			longest = iv[i].end_ns - iv[i].start_ns;

	size_t lo = 0;
	for (size_t k = 0; k < nw; k++) {
		uint64_t ws = w[k].start_ns, we = w[k].end_ns;
		/* union of the overlaps: intervals come sorted by start, so merge as they come */
		uint64_t cov_end = ws;
		res->window_ns += we > ws ? we - ws : 0;
		/* intervals starting before ws - longest cannot reach ws; windows only move right */
		uint64_t from = ws > longest ? ws - longest : 0;
		while (lo < niv && iv[lo].start_ns < from)
			lo++;
		bool any = false;
		for (size_t i = lo; i < niv && iv[i].start_ns < we; i++) {
			uint64_t a = MAX(iv[i].start_ns, ws), b = MIN(iv[i].end_ns, we);
			if (b <= a || iv[i].src >= nsrc)
				continue;	/* outside, or an empty interval */
			uint32_t s = iv[i].src;
			if (mark[s] != k + 1) {
				mark[s] = k + 1;
				sum[s] = 0;
				causes[s].spikes++;
			}
			sum[s] += b - a;
			if (b > cov_end) {
				res->covered_ns += b - MAX(a, cov_end);
				cov_end = b;
			}
			causes[s].overlap_ns += b - a;
			if (sum[s] > causes[s].max_overlap_ns)
				causes[s].max_overlap_ns = sum[s];
			any = true;
		}
		if (any)
			res->explained++;
	}
	free(mark);
	free(sum);
	res->ncauses = finish_causes(causes, nsrc, cmp_cause);
	return 0;
}

int attrib_coarse(const struct attrib_window *w, size_t nw, const uint64_t *t, size_t nsamp,
		  const uint32_t *delta, uint32_t nsrc, struct attrib_cause *causes,
		  struct attrib_result *res)
{
	memset(res, 0, sizeof(*res));
	res->spikes = nw;
	init_causes(causes, nsrc);
	if (nsrc == 0)
		return 0;
	/* spikes per sampling interval */
	uint32_t *nspk = nsamp ? calloc(nsamp, sizeof(*nspk)) : NULL;
	if (nsamp && !nspk)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < nw; i++) {
		uint64_t e = w[i].end_ns;
		if (nsamp == 0 || e < t[0] || e >= t[nsamp]) {
			res->unplaced++;
			continue;
		}
		if (k > 0 && e < t[k])
			k = 0;	/* windows out of order: start over */
		while (k + 1 < nsamp && e >= t[k + 1])
			k++;
		nspk[k]++;
	}
	uint64_t spike_ns = 0, all_ns = t && nsamp ? t[nsamp] - t[0] : 0;
	for (size_t j = 0; j < nsamp; j++) {
		const uint32_t *row = &delta[j * nsrc];
		bool any = false;
		if (nspk[j])
			spike_ns += t[j + 1] - t[j];
		for (uint32_t s = 0; s < nsrc; s++) {
			causes[s].events_all += row[s];
			if (!nspk[j] || !row[s])
				continue;
			any = true;
			causes[s].spikes += nspk[j];
			causes[s].events += row[s];
		}
		if (any)
			res->explained += nspk[j];
	}
	for (uint32_t s = 0; s < nsrc; s++) {
		causes[s].rate_spike = spike_ns ? causes[s].events * 1e9 / (double)spike_ns : 0;
		causes[s].rate_all = all_ns ? causes[s].events_all * 1e9 / (double)all_ns : 0;
	}
	free(nspk);
	res->ncauses = finish_causes(causes, nsrc, cmp_coarse);
	return 0;
}

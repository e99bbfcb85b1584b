/*
 * Trace records decoded into the drain's batch: both backends hand each record (common_type
 * first, fields at the offsets tracefs's "format" files give) to trace_decode_raw. Its own
 * file so the graph stays trace.c -> backends -> trace_decode.c (no loop back into trace.c).
 */
#include <stdlib.h>
#include <string.h>

#include "parse/softirqs.h"
#include "sample/trace_int.h"
#include "util/buf.h"

static const struct tevent *event_of(const struct trace *t, uint64_t type)
{
	for (int i = 0; i < t->nev; i++)
		if (t->ev[i].id == type)
			return &t->ev[i];
	return NULL;
}

static bool get_int(const unsigned char *raw, uint32_t n, const struct field *f, int *out)
{
	if (f->offset < 0 || (uint32_t)f->offset + (uint32_t)f->size > n)
		return false;
	switch (f->size) {
	case 1: *out = raw[f->offset]; return true;
	case 2: {
		uint16_t v;
		memcpy(&v, raw + f->offset, 2);
		*out = v;
		return true;
	}
	case 4: {
		int32_t v;
		memcpy(&v, raw + f->offset, 4);
		*out = v;
		return true;
	}
	case 8: {
		int64_t v;
		memcpy(&v, raw + f->offset, 8);
		*out = (int)v;
		return true;
	}
	}
	return false;
}

static void batch_push(struct trace *t, const struct trace_event *ev, size_t name_off)
{
	if (t->nbatch == t->cap_batch) {
		size_t nc = t->cap_batch ? t->cap_batch * 2 : 1024;
		struct bev *nb = realloc(t->batch, nc * sizeof(*nb));
		if (!nb)
			return;
		t->batch = nb;
		t->cap_batch = nc;
	}
	t->batch[t->nbatch] = (struct bev){ *ev, t->nbatch, name_off };
	t->nbatch++;
}

/* Strings are copied into t->names. */
void trace_decode_raw(struct trace *t, const unsigned char *raw, uint32_t rawsz, uint64_t time, int cpu)
{
	if (!t->nev)
		return;
	int type;
	if (!get_int(raw, rawsz, &t->ev[0].type, &type))
		return;
	const struct tevent *e = event_of(t, (uint64_t)(unsigned)type);
	if (!e)
		return;
	struct trace_event ev = { .time_ns = time, .cpu = cpu, .kind = e->kind };
	if (!get_int(raw, rawsz, &e->num, &ev.id))
		return;
	size_t name_off = SIZE_MAX;
	if (e->kind == TR_IRQ_ENTRY && e->str.found && e->str.size == 4 && e->str.offset >= 0 &&
	    (uint32_t)e->str.offset + 4 <= rawsz) {
		uint32_t loc;
		memcpy(&loc, raw + e->str.offset, 4);
		size_t off = loc & 0xffff, n = loc >> 16;
		if (e->str.is_rel_loc)
			off += (size_t)e->str.offset + 4;
		if (off + n <= rawsz && n > 0) {
			name_off = t->names.len;
			size_t sl = strnlen((const char *)raw + off, n);
			buf_append(&t->names, raw + off, sl);
			buf_putc(&t->names, '\0');
		}
	} else if (e->kind == TR_VECTOR_ENTRY || e->kind == TR_VECTOR_EXIT) {
		ev.name = e->name;	/* static for the trace's lifetime */
	}
	if (e->kind == TR_SOFTIRQ_ENTRY || e->kind == TR_SOFTIRQ_EXIT)
		ev.name = softirq_name(ev.id);
	batch_push(t, &ev, name_off);
}

#include "util/nameidx.h"

#include <stdint.h>
#include <string.h>

#include "util/arena.h"

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static const char *name_at(const struct name_index *m, size_t i)
{
	const char *p;
	memcpy(&p, m->base + i * m->stride + m->off, sizeof(p));
	return p;
}

void name_index_build(struct name_index *m, struct arena *a, const void *base, size_t n, size_t stride,
		      size_t off)
{
	m->base = base;
	m->stride = stride;
	m->off = off;
	m->cap = 16;
	while (m->cap < n * 2)
		m->cap *= 2;
	m->slot = arena_alloc(a, m->cap * sizeof(int));
	memset(m->slot, 0xff, m->cap * sizeof(int));
	for (size_t i = 0; i < n; i++) {
		const char *name = name_at(m, i);
		if (!name)
			continue;
		size_t k = fnv(name) & (m->cap - 1);
		while (m->slot[k] >= 0)
			k = (k + 1) & (m->cap - 1);
		m->slot[k] = (int)i;
	}
}

int name_index_find(const struct name_index *m, const char *name)
{
	if (!m->slot || !name)
		return -1;
	size_t k = fnv(name) & (m->cap - 1);
	while (m->slot[k] >= 0) {
		if (!strcmp(name_at(m, (size_t)m->slot[k]), name))
			return m->slot[k];
		k = (k + 1) & (m->cap - 1);
	}
	return -1;
}

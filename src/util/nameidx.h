/*
 * A string -> index map over the name fields of an array of structs (open addressing,
 * FNV-1a), for joining rows by name: readings to readings, rates to the model. The
 * names are not copied: the array must outlive the map. Slots live in the arena.
 */
#ifndef IRQSIGHT_UTIL_NAMEIDX_H
#define IRQSIGHT_UTIL_NAMEIDX_H

#include <stddef.h>

struct arena;

struct name_index {
	int *slot;		/* index + 0, -1 empty */
	size_t cap;		/* a power of two, >= 2n */
	const char *base;	/* the array */
	size_t stride, off;	/* element size; offset of its `const char *name` */
};

/* Index the n elements of base (element size stride; the name pointer at offset off;
 * NULL names are left out). */
void name_index_build(struct name_index *m, struct arena *a, const void *base, size_t n, size_t stride,
		      size_t off);
/* Index of the element named name, or -1. */
int name_index_find(const struct name_index *m, const char *name);

#endif

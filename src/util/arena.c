#include "util/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	_Alignas(16) unsigned char mem[];
};

#define ARENA_BLOCK (256 * 1024)

static _Noreturn void arena_oom(size_t n)
{
	fprintf(stderr, "irqsight: out of memory (allocating %zu bytes)\n", n);
	abort();
}

void *arena_alloc(struct arena *a, size_t size)
{
	size_t need = (size + 15) & ~(size_t)15;
	if (need < size)
		arena_oom(size);
	struct arena_block *b = a->head;
	if (!b || b->size - b->used < need) {
		size_t bs = need > ARENA_BLOCK / 4 ? need : ARENA_BLOCK;
		b = malloc(sizeof(*b) + bs);
		if (!b)
			arena_oom(size);
		b->size = bs;
		b->used = 0;
		/* Big one-off blocks go behind the head so the head keeps filling. */
		if (a->head && bs != ARENA_BLOCK) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = b->mem + b->used;
	b->used += need;
	a->used_total += need;
	memset(p, 0, size);
	return p;
}

void *arena_calloc(struct arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		arena_oom(SIZE_MAX);
	return arena_alloc(a, n * size);
}

void *arena_realloc(struct arena *a, void *old, size_t old_size, size_t new_size)
{
	void *p = arena_alloc(a, new_size);
	if (old && old_size)
		memcpy(p, old, old_size < new_size ? old_size : new_size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap, cp;
	va_start(ap, fmt);
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		n = 0;
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
	a->head = NULL;
	a->used_total = 0;
}

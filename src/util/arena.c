#include "util/arena.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/*
 * Under AddressSanitizer (the sanitize and fuzz builds) a bump allocator would hide
 * overruns inside a block: there every allocation is followed by a poisoned gap and
 * the unused rest of a block stays poisoned, so ASan reports them like heap overflows.
 */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define ARENA_REDZONE 16
#else
#define ARENA_REDZONE 0
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	bool mapped;
	_Alignas(16) unsigned char mem[];
};

#define ARENA_BLOCK (256 * 1024)
#define ARENA_MAP_MIN (1024 * 1024)
#define HUGE_SZ ((size_t)2 << 20)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/*
 * Large blocks are mapped pre-faulted (MAP_POPULATE): a 512-CPU host's counts are
 * ~16 MB, and one populate call costs far less than thousands of page faults,
 * especially in a VM where each fault exits to the hypervisor. A block of exactly
 * 2 MiB is placed on a 2 MiB boundary and asks for a transparent huge page (where
 * THP is "madvise" or "always"): one page to charge and map instead of 512.
 */
static struct arena_block *new_block(size_t bs)
{
	struct arena_block *b;
	if (bs >= ARENA_MAP_MIN) {
		size_t len = sizeof(*b) + bs;
		void *p;
		if (len == HUGE_SZ) {
			/* one 2 MiB-aligned huge page: one fault instead of 512 */
			char *m = mmap(NULL, 2 * HUGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (m == MAP_FAILED)
				return NULL;
			char *al = (char *)(((uintptr_t)m + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1));
			if (al > m)
				munmap(m, (size_t)(al - m));
			if (al + HUGE_SZ < m + 2 * HUGE_SZ)
				munmap(al + HUGE_SZ, (size_t)(m + 2 * HUGE_SZ - (al + HUGE_SZ)));
			madvise(al, HUGE_SZ, MADV_HUGEPAGE);
			if (madvise(al, HUGE_SZ, MADV_POPULATE_WRITE))
				for (size_t o = 0; o < HUGE_SZ; o += 4096)
					al[o] = 0;
			p = al;
		} else {
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
			if (p == MAP_FAILED)
				return NULL;
		}
		b = p;
		b->mapped = true;
	} else {
		b = malloc(sizeof(*b) + bs);
		if (!b)
			return NULL;
		b->mapped = false;
	}
	b->size = bs;
	b->used = 0;
	ASAN_POISON_MEMORY_REGION(b->mem, bs);
	return b;
}

_Noreturn void arena_oom(size_t n)
{
	fprintf(stderr, "irqsight: out of memory (allocating %zu bytes)\n", n);
	abort();
}

static void *alloc(struct arena *a, size_t size)
{
	size_t need = ((size + 15) & ~(size_t)15) + ARENA_REDZONE;
	if (need < size)
		arena_oom(size);
	struct arena_block *b = a->head;
	if (!b || b->size - b->used < need) {
		/* Blocks grow with the arena (256 KiB up to one 2 MiB huge page) so big hosts
		 * need few, and the last one, part empty, costs at most 2 MiB of RSS. */
		size_t grow = a->used_total / 4;
		if (grow < ARENA_BLOCK)
			grow = ARENA_BLOCK;
		if (grow > HUGE_SZ - sizeof(*b))
			grow = HUGE_SZ - sizeof(*b);
		bool oneoff = need > grow / 4;
		size_t bs = oneoff ? need : grow;
		b = new_block(bs);
		if (!b)
			arena_oom(size);
		/* Big one-off blocks go behind the head so the head keeps filling. */
		if (a->head && oneoff) {
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
	ASAN_UNPOISON_MEMORY_REGION(p, size);
	return p;
}

void *arena_alloc_uninit(struct arena *a, size_t size)
{
	return alloc(a, size);
}

void *arena_alloc(struct arena *a, size_t size)
{
	void *p = alloc(a, size);
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
	void *p = alloc(a, new_size);
	size_t keep = old ? (old_size < new_size ? old_size : new_size) : 0;
	if (keep)
		memcpy(p, old, keep);
	memset((char *)p + keep, 0, new_size - keep);	/* only what was not copied */
	return p;
}

void *arena_realloc_alone(struct arena *a, void *old, size_t old_size, size_t new_size)
{
	struct arena_block **link = NULL, *b = NULL;
	if (old) {
		for (link = &a->head; *link; link = &(*link)->next)
			if ((void *)(*link)->mem == old)
				break;
		b = *link;
	}
	if (new_size > SIZE_MAX - sizeof(*b))
		arena_oom(new_size);
	if (b)
		ASAN_UNPOISON_MEMORY_REGION(b->mem, b->size);
	struct arena_block *nb = realloc(b, sizeof(*nb) + new_size);
	if (!nb)
		arena_oom(new_size);
	if (!b) {
		/* behind the head (or the only block): full, so nothing else lands in it */
		old_size = 0;
		nb->mapped = false;
		if (a->head) {
			nb->next = a->head->next;
			a->head->next = nb;
		} else {
			nb->next = NULL;
			a->head = nb;
		}
	} else {
		*link = nb;
	}
	if (new_size > old_size)
		memset(nb->mem + old_size, 0, new_size - old_size);
	a->used_total += new_size - (b ? nb->used : 0);
	nb->size = nb->used = new_size;
	return nb->mem;
}

void *arena_grow(struct arena *a, void *arr, size_t n, size_t elem)
{
	if (n && (n < 8 || (n & (n - 1))))
		return arr;	/* room left: capacity is max(8, the next power of two) */
	size_t cap = n ? n * 2 : 8;
	return arena_realloc(a, arr, n * elem, cap * elem);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (n)
		memcpy(p, s, n);	/* s may be NULL when n is 0 (an empty slice) */
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
		ASAN_UNPOISON_MEMORY_REGION(b->mem, b->size);
		if (b->mapped)
			munmap(b, sizeof(*b) + b->size);
		else
			free(b);
		b = n;
	}
	a->head = NULL;
	a->used_total = 0;
}

size_t arena_capacity(const struct arena *a)
{
	size_t n = 0;
	for (const struct arena_block *b = a->head; b; b = b->next)
		n += b->size;
	return n;
}

void arena_reset(struct arena *a)
{
	if (a->head && a->head->next) {
		size_t total = arena_capacity(a);
		/* one block the size of all of them: the next fill of the same shape fits */
		arena_free(a);
		struct arena_block *b = new_block(total);
		if (!b)
			arena_oom(total);
		b->next = NULL;
		a->head = b;
	} else if (a->head) {
		a->head->used = 0;
		ASAN_POISON_MEMORY_REGION(a->head->mem, a->head->size);
	}
	a->used_total = 0;
}

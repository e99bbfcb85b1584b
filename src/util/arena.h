/*
 * Bump allocator. One arena owns everything of one host model; arena_free()
 * releases it all at once, so nothing inside a model is freed on its own.
 * Allocations are zeroed and 16-byte aligned. Allocation failure aborts the
 * process with a message (the model cannot be half-built): callers need no checks.
 */
#ifndef IRQSIGHT_UTIL_ARENA_H
#define IRQSIGHT_UTIL_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena {
	struct arena_block *head;
	size_t used_total;	/* bytes handed out, for the memory benchmark */
};

void *arena_alloc(struct arena *a, size_t size);
/* Like arena_alloc, but the memory is not zeroed (for arrays filled at once). */
void *arena_alloc_uninit(struct arena *a, size_t size);
void *arena_calloc(struct arena *a, size_t n, size_t size);	/* checks n*size overflow */
/* Grow an array allocated in the arena (old contents copied; old memory stays until arena_free). */
void *arena_realloc(struct arena *a, void *old, size_t old_size, size_t new_size);
/*
 * Make room for element n of an array that holds n elements, its capacity implied by
 * its count (0, then 8, 16, 32, ...): call before every append, no capacity field needed.
 * Returns the (possibly moved) array.
 */
void *arena_grow(struct arena *a, void *arr, size_t n, size_t elem);
/*
 * Grow an array that has a block to itself: pass NULL the first time, then only the
 * last result. The old space goes back at once (realloc, which moves a big block's
 * pages with mremap) instead of staying until arena_free: the IRQ table of a
 * 8,192-IRQ host, grown row by row, leaves no 2 MB of old copies behind.
 */
void *arena_realloc_alone(struct arena *a, void *old, size_t old_size, size_t new_size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);
/* Empty the arena but keep its memory (one block as large as all it had) for the next
 * fill: for what is rebuilt every tick. Everything allocated before is gone. */
void arena_reset(struct arena *a);
/* Bytes of memory the arena holds (its blocks), used or not: for tests and benchmarks. */
size_t arena_capacity(const struct arena *a);

/* Out of memory: print how much was asked for and abort (the arena never returns NULL). */
_Noreturn void arena_oom(size_t n);

#endif

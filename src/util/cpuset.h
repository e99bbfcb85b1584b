/*
 * CPU sets of any size, as the kernel prints them: lists ("0-3,8", "%*pbl") and
 * hex masks ("ffffffff,00000003", "%*pb": 32-bit groups, most significant first).
 * Words live in an arena (or are owned by the caller); sets of different sizes
 * compare as if padded with zeros. CPU ids above CPUSET_MAX_CPU are rejected.
 */
#ifndef IRQSIGHT_UTIL_CPUSET_H
#define IRQSIGHT_UTIL_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;

#define CPUSET_MAX_CPU 65535

struct cpuset {
	uint32_t nwords;
	uint64_t *w;
};

/* An empty set with room for CPU ids 0..max_cpu. */
void cpuset_init(struct cpuset *s, struct arena *a, int max_cpu);
/* Parse; 0 or -EINVAL/-ERANGE. An empty (or all-blank) text is the empty set. */
int cpuset_parse_list(struct cpuset *s, struct arena *a, const char *txt, size_t len);
int cpuset_parse_mask(struct cpuset *s, struct arena *a, const char *txt, size_t len);

bool cpuset_test(const struct cpuset *s, int cpu);
/* The set must have room (cpuset_init with a large enough max_cpu). */
void cpuset_set(struct cpuset *s, int cpu);
void cpuset_clear(struct cpuset *s, int cpu);
int cpuset_count(const struct cpuset *s);
bool cpuset_empty(const struct cpuset *s);
/* First member >= from, or -1. Iterate: for (c = cpuset_next(s, 0); c >= 0; c = cpuset_next(s, c + 1)) */
int cpuset_next(const struct cpuset *s, int from);
int cpuset_last(const struct cpuset *s);
bool cpuset_equal(const struct cpuset *a, const struct cpuset *b);
bool cpuset_intersects(const struct cpuset *a, const struct cpuset *b);
bool cpuset_subset(const struct cpuset *a, const struct cpuset *of);
/* New sets in the arena. */
void cpuset_copy(struct cpuset *dst, struct arena *a, const struct cpuset *src);
void cpuset_and(struct cpuset *dst, struct arena *a, const struct cpuset *x, const struct cpuset *y);
void cpuset_or(struct cpuset *dst, struct arena *a, const struct cpuset *x, const struct cpuset *y);
void cpuset_andnot(struct cpuset *dst, struct arena *a, const struct cpuset *x, const struct cpuset *y);

/* "0-3,8" ("" for the empty set). */
int cpuset_format_list(const struct cpuset *s, struct buf *out);
/* The same as a string in the arena; `empty` for the empty set. */
const char *cpuset_list_str(struct arena *a, const struct cpuset *s, const char *empty);
/* "%*pb" style for nbits CPUs: "3", "ffffffff,00000001". */
int cpuset_format_mask(const struct cpuset *s, int nbits, struct buf *out);

#endif

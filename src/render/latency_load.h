/*
 * Reading back a file written by `irqsight latency --save` (docs/latency.md, schema
 * "irqsight-latency" version 1), with json-c. Optional: only in builds with json-c
 * (src/opt/json-c/: built only where pkg-config finds json-c, never in `make static`). It
 * registers itself with cmd/latency.c before main; without it latency says "not available
 * in this build".
 */
#ifndef IRQSIGHT_OPT_LATENCY_LOAD_H
#define IRQSIGHT_OPT_LATENCY_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct latency_saved {
	int cpu;
	uint64_t samples;
	bool has_p99, has_p99_9, has_max;
	uint64_t p99_us, p99_9_us, max_us;
};

/* 0, or -errno / -EINVAL (not such a file); why says what is wrong. *out is malloc'ed. */
typedef int (*latency_loader)(const char *path, struct latency_saved **out, size_t *n, char *why, size_t whylen);
/* In cmd/latency.c. */
void latency_register_loader(latency_loader load);

#endif

/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c, built by `make fuzz`, run by
 * tests/stages/14-fuzz.sh). Each harness feeds its input to one parser exactly as the
 * model does and checks what the parser promises beyond "no crash": slices point into
 * the input, counts stay within their arrays, round trips give back what went in.
 * A broken promise aborts, so libFuzzer saves the input like a crash.
 */
#ifndef IRQSIGHT_FUZZ_H
#define IRQSIGHT_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                  \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                          \
		}                                                                         \
	} while (0)

/* A non-empty slice lies inside [base, base + n). */
static inline int fuzz_within(struct slice s, const char *base, size_t n)
{
	return !s.n || (s.p >= base && s.p <= base + n && s.n <= (size_t)(base + n - s.p));
}

/* Touch every byte of a string the parser returned (ASan checks the reads). */
static inline size_t fuzz_touch(const char *s)
{
	return s ? strlen(s) : 0;
}

#endif

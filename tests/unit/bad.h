/*
 * Bad-input generators shared by the parser tests (test_parse_*.c): deterministic
 * random bytes, one huge line, NULs sprinkled into real text. Everything is appended
 * to a struct buf, which keeps data[len] == '\0' (callers pass data and len, never
 * rely on the NUL).
 */
#ifndef IRQSIGHT_TESTS_BAD_H
#define IRQSIGHT_TESTS_BAD_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* The size the issue asks for: one line of 10 MB. */
#define BAD_LONG (10u << 20)

/* n pseudo-random bytes (xorshift32 from seed; NULs and '\n' included). */
void bad_random(struct buf *b, size_t n, uint32_t seed);
/* prefix, then n copies of pattern (repeated, cut to exactly n bytes), no newline. */
void bad_long_line(struct buf *b, const char *prefix, const char *pattern, size_t n);
/* Copy of text with every k-th byte replaced by NUL. */
void bad_with_nuls(struct buf *b, const char *text, size_t len, size_t k);

#endif

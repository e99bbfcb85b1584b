#include "bad.h"

#include <string.h>

#include "util/buf.h"

void bad_random(struct buf *b, size_t n, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;
	buf_reserve(b, n);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf_putc(b, (char)(x & 0xff));
	}
}

void bad_long_line(struct buf *b, const char *prefix, const char *pattern, size_t n)
{
	size_t pl = strlen(pattern);
	buf_puts(b, prefix);
	buf_reserve(b, n);
	while (n) {
		size_t k = pl < n ? pl : n;
		buf_append(b, pattern, k);
		n -= k;
	}
}

void bad_with_nuls(struct buf *b, const char *text, size_t len, size_t k)
{
	size_t start = b->len;
	buf_append(b, text, len);
	for (size_t i = k ? k - 1 : 0; k && i < len; i += k)
		b->data[start + i] = '\0';
}

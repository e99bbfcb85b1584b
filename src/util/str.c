#include "util/str.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

struct slice slice_of(const char *s)
{
	return (struct slice){ s, s ? strlen(s) : 0 };
}

struct slice slice_trim(struct slice s)
{
	while (s.n && isspace((unsigned char)s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && isspace((unsigned char)s.p[s.n - 1]))
		s.n--;
	return s;
}

bool slice_eq(struct slice s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && memcmp(s.p, lit, n) == 0;
}

bool slice_starts(struct slice s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && memcmp(s.p, lit, n) == 0;
}

bool slice_ends(struct slice s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n >= n && memcmp(s.p + s.n - n, lit, n) == 0;
}

struct slice slice_token(struct slice *s)
{
	while (s->n && isspace((unsigned char)s->p[0])) {
		s->p++;
		s->n--;
	}
	struct slice t = { s->p, 0 };
	while (t.n < s->n && !isspace((unsigned char)s->p[t.n]))
		t.n++;
	s->p += t.n;
	s->n -= t.n;
	return t;
}

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');	/* isspace() in the C locale */
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * Eight bytes at once (the counter files are tens of thousands of short numbers a
 * tick): how many of w's bytes, from the first, are digits, and their value. A byte
 * is a digit when (byte - '0') is 0..9: after subtracting 0x30 from each byte, adding
 * 0x76 sets the top bit of the bytes above 9, a borrow that of the bytes below '0',
 * and `| w` that of bytes of 0x80 and more. Borrows and carries only run upwards from a
 * non-digit, so the first flagged byte is the first non-digit; later ones do not count.
 */
static unsigned swar_digits(uint64_t w, uint64_t *value)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t x = w - 0x30 * ones;
	uint64_t bad = (x | (x + 0x76 * ones) | w) & (0x80 * ones);
	unsigned n = bad ? (unsigned)__builtin_ctzll(bad) / 8 : 8;
	if (n == 0)
		return 0;
	/* the n digits, most significant first, right-aligned under leading zeros */
	x = n == 8 ? x : x << (8 * (8 - n));
	x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffull;
	x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffull;
	x = (x * 10000 + (x >> 32)) & 0xffffffffull;
	*value = x;
	return n;
}
#endif

bool slice_next_u64(struct slice *s, uint64_t *out)
{
	const char *p = s->p, *e = s->p + s->n;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* runs of ' ' (" %10u" pads counts to 11 bytes) eight at a time */
	while (e - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		w ^= 0x2020202020202020ull;
		if (w) {
			p += __builtin_ctzll(w) / 8;
			break;
		}
		p += 8;
	}
#endif
	while (p < e && is_space(*p))
		p++;
	const char *t = p;
	uint64_t v = 0;
	bool ok = true;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (e - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		p += swar_digits(w, &v);
	}
#endif
	/* Up to 19 digits cannot overflow: no checks (most counts are short). The
	 * checked loop takes over at a 20th digit or any other byte of the token. */
	const char *fast = e - t > 19 ? t + 19 : e;
	for (unsigned d; p < fast && (d = (unsigned)(unsigned char)*p - '0') <= 9; p++)
		v = v * 10 + d;
	for (; p < e && !is_space(*p); p++) {
		unsigned d = (unsigned)(unsigned char)*p - '0';
		if (d > 9 || __builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, (uint64_t)d, &v))
			ok = false;
	}
	s->n -= (size_t)(p - s->p);
	s->p = p;
	if (!ok || p == t)
		return false;
	*out = v;
	return true;
}

bool slice_line(struct slice *s, struct slice *line)
{
	if (!s->n)
		return false;
	const char *nl = memchr(s->p, '\n', s->n);
	size_t len = nl ? (size_t)(nl - s->p) : s->n;
	*line = (struct slice){ s->p, len };
	if (len && s->p[len - 1] == '\r')
		line->n--;
	s->p += nl ? len + 1 : len;
	s->n -= nl ? len + 1 : len;
	return true;
}

bool slice_is_digits(struct slice s)
{
	if (!s.n)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!isdigit((unsigned char)s.p[i]))
			return false;
	return true;
}

long slice_find(struct slice s, const char *lit)
{
	size_t n = strlen(lit);
	if (!n)
		return 0;
	for (size_t i = 0; i + n <= s.n; i++)
		if (s.p[i] == lit[0] && memcmp(s.p + i, lit, n) == 0)
			return (long)i;
	return -1;
}

static int digit(char c, int base)
{
	int v;
	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'z')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'Z')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? v : -1;
}

bool slice_u64(struct slice s, int base, uint64_t *out)
{
	s = slice_trim(s);
	if (base == 0 || base == 16) {
		if (s.n > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
			s.p += 2;
			s.n -= 2;
			base = 16;
		} else if (base == 0) {
			base = 10;
		}
	}
	if (!s.n)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < s.n; i++) {
		int d = digit(s.p[i], base);
		/* overflow checks without a division per digit (the counters of a
		 * 512-CPU /proc/stat and softirqs are parsed every tick) */
		if (d < 0 || __builtin_mul_overflow(v, (uint64_t)base, &v) ||
		    __builtin_add_overflow(v, (uint64_t)d, &v))
			return false;
	}
	*out = v;
	return true;
}

bool slice_i64(struct slice s, int base, int64_t *out)
{
	s = slice_trim(s);
	bool neg = s.n && s.p[0] == '-';
	if (neg) {
		s.p++;
		s.n--;
	}
	uint64_t v;
	if (!slice_u64(s, base, &v) || v > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

bool str_u64(const char *s, int base, uint64_t *out)
{
	return s && slice_u64(slice_of(s), base, out);
}

bool str_i64(const char *s, int base, int64_t *out)
{
	return s && slice_i64(slice_of(s), base, out);
}

char *str_copy(char *dst, const char *src, size_t n)
{
	if (!n)
		return dst;
	size_t l = strnlen(src, n - 1);
	memcpy(dst, src, l);
	dst[l] = '\0';
	return dst;
}

bool str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_list_has(const char *list, const char *sep, const char *word)
{
	size_t wl = strlen(word), sl = strlen(sep);
	for (const char *v = list; *v;) {
		const char *e = strstr(v, sep);
		size_t n = e ? (size_t)(e - v) : strlen(v);
		if (n == wl && !memcmp(v, word, wl))
			return true;
		if (!e)
			break;
		v = e + sl;
	}
	return false;
}

void str_terminal_safe(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == 0x1b && i + 1 < len && s[i + 1] == '[') {
			size_t k = i + 2;
			while (k < len && ((s[k] >= '0' && s[k] <= '9') || s[k] == ';'))
				k++;
			if (k < len && s[k] == 'm') {	/* SGR: keep it whole */
				i = k;
				continue;
			}
		}
		if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f) {
			s[i] = '?';
		} else if (ch == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0x9f) {
			s[i] = '?';
			s[i + 1] = '?';
			i++;
		}
	}
}

#include "util/cpuset.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "util/arena.h"
#include "util/buf.h"

static uint32_t words_for(int max_cpu)
{
	return (uint32_t)(max_cpu / 64 + 1);
}

void cpuset_init(struct cpuset *s, struct arena *a, int max_cpu)
{
	if (max_cpu < 0)
		max_cpu = 0;
	s->nwords = words_for(max_cpu);
	s->w = arena_calloc(a, s->nwords, sizeof(uint64_t));
}

static uint64_t word(const struct cpuset *s, uint32_t i)
{
	return (s && s->w && i < s->nwords) ? s->w[i] : 0;
}

bool cpuset_test(const struct cpuset *s, int cpu)
{
	if (cpu < 0)
		return false;
	return (word(s, (uint32_t)cpu / 64) >> (cpu % 64)) & 1;
}

void cpuset_set(struct cpuset *s, int cpu)
{
	if (cpu >= 0 && (uint32_t)cpu / 64 < s->nwords)
		s->w[cpu / 64] |= (uint64_t)1 << (cpu % 64);
}

void cpuset_clear(struct cpuset *s, int cpu)
{
	if (cpu >= 0 && (uint32_t)cpu / 64 < s->nwords)
		s->w[cpu / 64] &= ~((uint64_t)1 << (cpu % 64));
}

int cpuset_count(const struct cpuset *s)
{
	int n = 0;
	for (uint32_t i = 0; s && i < s->nwords; i++)
		n += __builtin_popcountll(s->w[i]);
	return n;
}

bool cpuset_empty(const struct cpuset *s)
{
	for (uint32_t i = 0; s && i < s->nwords; i++)
		if (s->w[i])
			return false;
	return true;
}

int cpuset_next(const struct cpuset *s, int from)
{
	if (!s || from < 0)
		from = 0;
	if (!s)
		return -1;
	for (uint32_t i = (uint32_t)from / 64; i < s->nwords; i++) {
		uint64_t v = s->w[i];
		if (i == (uint32_t)from / 64)
			v &= ~(uint64_t)0 << (from % 64);
		if (v)
			return (int)(i * 64 + (uint32_t)__builtin_ctzll(v));
	}
	return -1;
}

int cpuset_last(const struct cpuset *s)
{
	for (uint32_t i = s ? s->nwords : 0; i-- > 0;)
		if (s->w[i])
			return (int)(i * 64 + 63 - (uint32_t)__builtin_clzll(s->w[i]));
	return -1;
}

static uint32_t maxw(const struct cpuset *a, const struct cpuset *b)
{
	uint32_t x = a ? a->nwords : 0, y = b ? b->nwords : 0;
	return x > y ? x : y;
}

bool cpuset_equal(const struct cpuset *a, const struct cpuset *b)
{
	for (uint32_t i = 0; i < maxw(a, b); i++)
		if (word(a, i) != word(b, i))
			return false;
	return true;
}

bool cpuset_intersects(const struct cpuset *a, const struct cpuset *b)
{
	for (uint32_t i = 0; i < maxw(a, b); i++)
		if (word(a, i) & word(b, i))
			return true;
	return false;
}

bool cpuset_subset(const struct cpuset *a, const struct cpuset *of)
{
	for (uint32_t i = 0; i < maxw(a, of); i++)
		if (word(a, i) & ~word(of, i))
			return false;
	return true;
}

static void combine(struct cpuset *dst, struct arena *a, const struct cpuset *x,
		    const struct cpuset *y, int op)
{
	uint32_t n = maxw(x, y);
	if (!n)
		n = 1;
	uint64_t *w = arena_calloc(a, n, sizeof(uint64_t));
	for (uint32_t i = 0; i < n; i++) {
		uint64_t p = word(x, i), q = word(y, i);
		w[i] = op == 0 ? (p & q) : op == 1 ? (p | q) : op == 2 ? (p & ~q) : p;
	}
	dst->nwords = n;
	dst->w = w;
}

void cpuset_copy(struct cpuset *dst, struct arena *a, const struct cpuset *src)
{
	combine(dst, a, src, NULL, 3);
}
void cpuset_and(struct cpuset *dst, struct arena *a, const struct cpuset *x, const struct cpuset *y)
{
	combine(dst, a, x, y, 0);
}
void cpuset_or(struct cpuset *dst, struct arena *a, const struct cpuset *x, const struct cpuset *y)
{
	combine(dst, a, x, y, 1);
}
void cpuset_andnot(struct cpuset *dst, struct arena *a, const struct cpuset *x, const struct cpuset *y)
{
	combine(dst, a, x, y, 2);
}

/* Read a decimal CPU id; -1 on error. */
static long read_num(const char **p, const char *end)
{
	const char *q = *p;
	long v = 0;
	if (q >= end || !isdigit((unsigned char)*q))
		return -1;
	while (q < end && isdigit((unsigned char)*q)) {
		v = v * 10 + (*q - '0');
		if (v > CPUSET_MAX_CPU)
			return -2;
		q++;
	}
	*p = q;
	return v;
}

static void trim(const char **txt, size_t *len)
{
	while (*len && isspace((unsigned char)(*txt)[0])) {
		(*txt)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*txt)[*len - 1]))
		(*len)--;
}

/*
 * The grammar of lib/bitmap-str.c:bitmap_parselist(): comma-separated groups
 * "N", "N-M" and "N-M:used/group" (e.g. "0-15:2/4").
 */
int cpuset_parse_list(struct cpuset *s, struct arena *a, const char *txt, size_t len)
{
	trim(&txt, &len);
	const char *end = txt + len;
	/* Two passes: find the largest id, then fill. */
	long maxid = -1;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			cpuset_init(s, a, (int)(maxid < 0 ? 0 : maxid));
		const char *p = txt;
		while (p < end) {
			long lo = read_num(&p, end), hi, used = 1, group = 1;
			if (lo < 0)
				return lo == -2 ? -ERANGE : -EINVAL;
			hi = lo;
			if (p < end && *p == '-') {
				p++;
				hi = read_num(&p, end);
				if (hi < 0)
					return hi == -2 ? -ERANGE : -EINVAL;
				if (hi < lo)
					return -EINVAL;
				if (p < end && *p == ':') {
					p++;
					used = read_num(&p, end);
					if (used < 0 || p >= end || *p != '/')
						return -EINVAL;
					p++;
					group = read_num(&p, end);
					if (group <= 0 || used > group)
						return -EINVAL;
				}
			}
			if (pass == 0) {
				if (hi > maxid)
					maxid = hi;
			} else {
				for (long c = lo; c <= hi; c++)
					if ((c - lo) % group < used)
						cpuset_set(s, (int)c);
			}
			if (p < end) {
				if (*p != ',')
					return -EINVAL;
				p++;
				if (p == end)
					return -EINVAL;
			}
		}
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* lib/bitmap-str.c:bitmap_parse(): 32-bit hex groups separated by ',', most significant first. */
int cpuset_parse_mask(struct cpuset *s, struct arena *a, const char *txt, size_t len)
{
	trim(&txt, &len);
	if (!len) {
		cpuset_init(s, a, 0);
		return 0;
	}
	size_t ngroups = 1;
	for (size_t i = 0; i < len; i++)
		if (txt[i] == ',')
			ngroups++;
	if (ngroups * 32 > CPUSET_MAX_CPU + 1)
		return -ERANGE;
	cpuset_init(s, a, (int)(ngroups * 32 - 1));
	size_t g = ngroups;
	const char *p = txt, *end = txt + len;
	while (p <= end) {
		const char *q = p;
		while (q < end && *q != ',')
			q++;
		if (q == p || q - p > 8)
			return -EINVAL;
		uint32_t v = 0;
		for (const char *r = p; r < q; r++) {
			int h = hexval(*r);
			if (h < 0)
				return -EINVAL;
			v = (v << 4) | (uint32_t)h;
		}
		g--;
		for (int bit = 0; bit < 32; bit++)
			if ((v >> bit) & 1)
				cpuset_set(s, (int)(g * 32 + (size_t)bit));
		if (q == end)
			break;
		p = q + 1;
	}
	return 0;
}

int cpuset_format_list(const struct cpuset *s, struct buf *out)
{
	int r = 0;
	bool first = true;
	for (int c = cpuset_next(s, 0); c >= 0 && !r;) {
		int e = c;
		while (cpuset_test(s, e + 1))
			e++;
		if (!first)
			r = buf_putc(out, ',');
		if (!r)
			r = e == c ? buf_printf(out, "%d", c) : buf_printf(out, "%d-%d", c, e);
		first = false;
		c = cpuset_next(s, e + 1);
	}
	if (!r && !out->data)
		r = buf_append(out, "", 0);
	return r;
}

int cpuset_format_mask(const struct cpuset *s, int nbits, struct buf *out)
{
	if (nbits < 1)
		nbits = 1;
	int ngroups = (nbits + 31) / 32;
	int r = 0;
	for (int g = ngroups - 1; g >= 0 && !r; g--) {
		uint32_t v = 0;
		for (int bit = 0; bit < 32; bit++)
			if (cpuset_test(s, g * 32 + bit))
				v |= (uint32_t)1 << bit;
		if (g == ngroups - 1) {
			/* The top group is only as wide as the bits it holds (%*pb). */
			int top = nbits - g * 32;
			int width = (top + 3) / 4;
			r = buf_printf(out, "%0*x", width, v);
		} else {
			r = buf_printf(out, ",%08x", v);
		}
	}
	return r;
}

const char *cpuset_list_str(struct arena *a, const struct cpuset *s, const char *empty)
{
	struct buf b = { 0 };
	cpuset_format_list(s, &b);
	const char *r = arena_strdup(a, b.data && b.len ? b.data : empty);
	buf_free(&b);
	return r;
}

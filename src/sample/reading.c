/*
 * Readings of /proc/interrupts, /proc/softirqs and /proc/stat.
 *
 * /proc/interrupts is streamed in chunks and fed line by line to the pure row
 * parser, so a 46 MB file on 512 CPUs needs no 46 MB buffer (kernel-interfaces.md
 * §1.7). A torn read (rows with fewer counts than the header has CPUs, from CPUs
 * going on/offline between read() calls) is retried once.
 */
#include "sample/reading.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parse/interrupts.h"
#include "source/source.h"
#include "util/buf.h"
#include "util/str.h"

#define CHUNK (128u << 10)
#define MAX_LINE (128u << 20)	/* a row is ~11 bytes per CPU: 128 MB is ~12M CPUs */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct rd_ver {
	struct rd_irq q;	/* the parsed row; pointers into counts and str */
	uint64_t first, last;	/* readings (seq) that used this version; 0 = none */
	uint32_t *counts;
	size_t counts_cap;
	char *str;
	size_t str_cap;
	/* For the /proc/stat shortcut (feed_same_row), numeric full rows only: */
	bool ends_ok;		/* label_len, tail_off and ends_hash are set */
	bool stat_known;	/* stat_total holds the IRQ's intr sum, read before this text */
	uint64_t stat_total;
	uint64_t stat_epoch;	/* c->stat_epoch when stat_total was stored */
	uint32_t label_len;	/* "  41:" */
	uint32_t tail_off;	/* the text after the counts (chip, hwirq, flow, actions) starts here */
	uint64_t ends_hash;	/* ends_hash() of the text: label and tail, not the counts */
};

struct rd_cache_row {
	struct rd_ver v[2];
	int cur;		/* the version used last */
	uint64_t epoch;		/* c->epoch when parsed: a new header invalidates every row */
};

/* The read buffer (pi_feeder's, kept from tick to tick): 64-byte aligned, so a line
 * read at the same file offset lands at the same place in a cache line every tick
 * (line_hash depends on it). */
struct abuf {
	char *data;
	size_t cap;
};

struct rd_cache {
	struct rd_cache_row *rows;
	size_t nrows;
	uint64_t seq;		/* readings taken (the current one while taking) */
	uint64_t epoch;
	uint64_t hdr_hash;
	size_t hdr_len;
	int parsed;
	struct rd_irq *ibuf[2];	/* the readings' row arrays: reading seq uses ibuf[seq & 1] */
	size_t icap[2];
	struct abuf rbuf;	/* stream_interrupts' read buffer */
	struct buf stat_buf, softirqs_buf;	/* the other two files' read buffers */
	int stat_reused;	/* rows of the last reading taken by the /proc/stat shortcut */
	bool stat_untrusted;	/* a row's counts moved while its intr sum did not: shortcut off */
	bool stat_off;		/* rd_cache_use_stat(c, false) */
	uint64_t stat_epoch;	/* bumped by a reading whose IRQ numbers were not ascending */
};

struct feeder {
	struct reading *r;
	struct rd_cache *c;	/* NULL: parse every row */
	bool have_header;
	int cap;
	const char *base, *limit;	/* the text being fed (line_hash's phase) */
	uint64_t hash;		/* of the next line's first hash_len bytes (SIZE_MAX: none) */
	size_t hash_len;
	const uint64_t *intr;	/* /proc/stat's per-IRQ sums, read before this text (NULL: none) */
	int nintr;
	bool stat_same;		/* the next line's IRQ has the intr sum its cached row was read with */
	int last_number;	/* of the last numeric row pushed (-1: none yet) */
	bool disorder;		/* a numeric row did not come after a smaller number */
};

/*
 * Identity of a line: 64 bits. Each lane is xor-ed with a word of the line and
 * multiplied by an odd constant (a bijection, so a change in any single word always
 * changes the hash); the lanes are folded with a 64-bit mix at the end. The line is
 * hot in the read chunk. Hashes are compared only within one process, so the AVX2
 * and the portable version need not agree.
 */
static uint64_t fold(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static uint64_t hash_words(const char *p, size_t n, uint64_t seed)
{
	const uint64_t m = 0x9e3779b97f4a7c15ull;
	uint64_t a = seed ^ 0x243f6a8885a308d3ull, b = 0x13198a2e03707344ull;
	uint64_t c = 0xa4093822299f31d0ull, d = 0x082efa98ec4e6c89ull;
	while (n >= 32) {
		uint64_t w[4];
		memcpy(w, p, sizeof(w));
		a = (a ^ w[0]) * m;
		b = (b ^ w[1]) * m;
		c = (c ^ w[2]) * m;
		d = (d ^ w[3]) * m;
		p += 32;
		n -= 32;
	}
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		a = (a ^ w) * m;
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;
		memcpy(&w, p, n);
		b = (b ^ w) * m;
	}
	return fold(fold(fold(fold(0, a), b), c), d);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_HASH_AVX2 1
#include <immintrin.h>

/*
 * AVX2: the accumulate step of XXH3 (xxhash's long-input loop): per 64-bit lane,
 * acc += swap32(w) + lo32(w ^ key) * hi32(w ^ key), over 32-byte blocks into four
 * accumulators whose keys advance every round (so equal blocks at other places do
 * not cancel). The blocks are those of a 32-byte grid that starts at the text
 * being fed (phase: the line's offset from there, modulo 32); the partial first and
 * last blocks are copied into a zeroed block. The read buffer is 64-byte aligned,
 * so there every load is aligned (a load split over two cache lines costs twice on
 * Zen 3, and rows start anywhere). The hash depends on the phase, which is mixed
 * in: a line at the same offset of the same file hashes the same; a line that moved
 * may not, which costs one parse, never a wrong row.
 */
#define ACC(acc, key, w)                                                                 \
	do {                                                                             \
		__m256i w_ = (w);                                                        \
		__m256i x_ = _mm256_xor_si256(w_, key);                                  \
		__m256i m_ = _mm256_mul_epu32(x_, _mm256_srli_epi64(x_, 32));            \
		acc = _mm256_add_epi64(acc, _mm256_add_epi64(m_, _mm256_shuffle_epi32(w_, 0xb1))); \
	} while (0)
#define BLOCK(q) _mm256_loadu_si256((const __m256i *)(const void *)(q))

/* Bytes [at, at + n) of the block that starts at p - at, the rest zero. The block is
 * loaded whole where it lies inside the text being fed ([p - at, end) is: at is p's
 * offset from the start of that text, modulo 32) and masked; else the bytes are
 * copied into a zeroed block (the last bytes of the text; never read past it). */
__attribute__((target("avx2"))) static __m256i edge_block(const char *p, size_t at, size_t n, const char *end)
{
	static const unsigned char ramp[96] = {
		[32] = 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	if ((size_t)(end - p) >= 32 - at) {
		__m256i w = _mm256_loadu_si256((const __m256i *)(const void *)(p - at));
		__m256i from = _mm256_loadu_si256((const __m256i *)(const void *)(ramp + 32 - at));
		__m256i below = _mm256_loadu_si256((const __m256i *)(const void *)(ramp + 64 - (at + n)));
		return _mm256_and_si256(w, _mm256_and_si256(from, below));
	}
	_Alignas(32) char t[32] = { 0 };
	if (n)
		memcpy(t + at, p, n);
	return _mm256_load_si256((const __m256i *)(const void *)t);
}

__attribute__((target("avx2"))) static uint64_t hash_avx2(const char *p, size_t n, size_t phase, const char *limit)
{
	__m256i k0 = _mm256_set_epi64x(0x1cad21f72c81017cll, (long long)0xdb979083e96dd4deull,
				       0x1f67b3b7a4a44072ll, 0x78e5c0cc4ee679cbll);
	__m256i k1 = _mm256_set_epi64x((long long)0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ll,
				       (long long)0x9e3779b185ebca87ull, (long long)0xbe4ba423396cfeb8ull);
	__m256i k2 = _mm256_set_epi64x(0x27d4eb2f165667c5ll, (long long)0x85ebca77c2b2ae63ull,
				       0x2545f4914f6cdd1dll, 0x0123456789abcdefll);
	__m256i k3 = _mm256_set_epi64x((long long)0xfedcba9876543210ull, 0x3c6ef372fe94f82bll,
				       (long long)0xa54ff53a5f1d36f1ull, 0x510e527fade682d1ll);
	const __m256i inc = _mm256_set1_epi64x((long long)0x9e3779b97f4a7c15ull);
	__m256i a0 = _mm256_set1_epi64x((long long)0x9e3779b97f4a7c15ull), a1 = _mm256_set1_epi64x(0x3c6ef372fe94f82all);
	__m256i a2 = _mm256_set1_epi64x((long long)0xdaa66d2c7ddf743full), a3 = _mm256_set1_epi64x(0x78dde6e5fd29f054ll);
	size_t off = phase & 31;	/* p's place in its block */
	size_t end = off + n;		/* the line ends at block offset end */
	size_t nb = (end + 31) / 32;
	if (nb <= 1) {
		ACC(a0, k0, edge_block(p, off, n, limit));
	} else {
		size_t last = nb - 1, i = 1;
		ACC(a0, k0, edge_block(p, off, 32 - off, limit));
		const char *q = p + (32 - off);	/* block 1, aligned */
		for (; i + 4 <= last; i += 4, q += 128) {
			ACC(a1, k1, BLOCK(q));
			ACC(a2, k2, BLOCK(q + 32));
			ACC(a3, k3, BLOCK(q + 64));
			ACC(a0, k0, BLOCK(q + 96));
			k0 = _mm256_add_epi64(k0, inc);
			k1 = _mm256_add_epi64(k1, inc);
			k2 = _mm256_add_epi64(k2, inc);
			k3 = _mm256_add_epi64(k3, inc);
		}
		for (; i < last; i++, q += 32) {
			ACC(a1, k2, BLOCK(q));
			k2 = _mm256_add_epi64(k2, inc);
		}
		ACC(a2, k3, edge_block(q, 0, end - 32 * last, limit));
	}
	__m256i x = _mm256_xor_si256(a0, _mm256_or_si256(_mm256_slli_epi64(a1, 1), _mm256_srli_epi64(a1, 63)));
	x = _mm256_xor_si256(x, _mm256_or_si256(_mm256_slli_epi64(a2, 17), _mm256_srli_epi64(a2, 47)));
	x = _mm256_xor_si256(x, _mm256_or_si256(_mm256_slli_epi64(a3, 31), _mm256_srli_epi64(a3, 33)));
	uint64_t v[4];
	memcpy(v, &x, sizeof(v));
	uint64_t h = fold(n, off);
	for (int j = 0; j < 4; j++)
		h = fold(h, v[j]);
	return h;
}
#undef ACC
#undef BLOCK
#endif

/* Which hash line_hash uses: chosen once per process from the CPU (hashes are only
 * compared within one process). reading_hash_use() forces one, for tests. */
enum { HASH_UNSET = -1, HASH_WORDS, HASH_AVX2 };
static int hash_impl = HASH_UNSET;

static int hash_best(void)
{
#ifdef HAVE_HASH_AVX2
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		return HASH_AVX2;
#endif
	return HASH_WORDS;
}

static int hash_current(void)
{
	if (hash_impl == HASH_UNSET)
		hash_impl = hash_best();
	return hash_impl;
}

static const char *const hash_names[] = { "words", "avx2" };

int reading_hash_use(const char *name)
{
	int best = hash_best();
	if (!name) {
		hash_impl = best;
		return 0;
	}
	for (int i = 0; i <= HASH_AVX2; i++)
		if (!strcmp(name, hash_names[i])) {
			if (i > best)
				return -ENOTSUP;
			hash_impl = i;
			return 0;
		}
	return -EINVAL;
}

const char *reading_hash_name(void)
{
	return hash_names[hash_current()];
}

/* The hash of line [p, p + n) of the text f is fed, [f->base, f->limit). */
static uint64_t line_hash(const struct feeder *f, const char *p, size_t n)
{
	size_t phase = (size_t)(p - f->base);
#ifdef HAVE_HASH_AVX2
	if (hash_current() == HASH_AVX2)
		return hash_avx2(p, n, phase, f->limit);
#endif
	(void)phase;
	return hash_words(p, n, n);
}

uint64_t reading_hash_line(const char *text, size_t tlen, size_t off, size_t n)
{
	struct feeder f = { .base = text, .limit = text + tlen };
	return line_hash(&f, text + off, n);
}

static void note_cpu(struct reading *r, int id)
{
	if (id > r->max_cpu)
		r->max_cpu = id;
}

/*
 * The /proc/stat shortcut. /proc/stat's intr line has, per IRQ number, the sum of its
 * counts over all CPUs (kstat_irqs(): desc->tot_count, incremented with the per-CPU
 * count in kstat_incr_irqs_this_cpu(), or the per-CPU counts summed), and it is read
 * before /proc/interrupts. Counts only grow, so when an IRQ's sum is the one read
 * before its cached row's text, none of its counts moved since that text: the row's
 * counts are the cached ones, and only its label and the text after the counts (chip,
 * hwirq, flow, actions: a handler added or renamed) need checking, with the length.
 * On a quiet host that skips hashing ~98% of the file. Files that break the rule
 * (hand-made, or a kernel we have not read) are caught: every tick one row in 64 is
 * checked in full anyway, and a row parsed with its sum unchanged must keep its
 * total; either failure turns the shortcut off for the cache (stat_untrusted). A
 * number on two rows makes its sum ambiguous: see feed_done.
 */
#define STAT_FULL_CHECK 64	/* one row in this many is hashed in full every tick */

static bool intr_sum(const struct feeder *f, int irq, uint64_t *out)
{
	if (!f->intr || irq < 0 || irq >= f->nintr)
		return false;
	*out = f->intr[irq];
	return true;
}

/* Give the feeder of a cached reading the intr sums of r's /proc/stat, if it has them. */
static void feed_sums(struct feeder *f, const struct reading *r)
{
	if (f->c && !r->err_stat && r->stat.nintr_irq) {
		f->intr = r->stat.intr_irq;
		f->nintr = r->stat.nintr_irq;
	}
}

static uint64_t load8(const char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

/* Bytes [from, to) of a line of n >= 8 bytes, one word at a time through fold() (each
 * step a bijection of the state: a change in any one word always shows). A partial
 * last word is read as the whole word ending at `to` (or starting at the line's start)
 * and shifted: bytes copied one by one into a word and loaded at once stall store
 * forwarding. */
static uint64_t mix_range(uint64_t h, const char *line, size_t from, size_t to)
{
	for (; to - from >= 8; from += 8)
		h = fold(h, load8(line + from));
	size_t r = to - from;
	if (!r)
		return h;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (to >= 8)
		return fold(h, load8(line + to - 8) >> (8 * (8 - r)));
	return fold(h, (load8(line) >> (8 * from)) & ((1ull << (8 * r)) - 1));
#else
	uint64_t w = 0;
	memcpy(&w, line + from, r);
	return fold(h, w);
#endif
}

/* Remember the intr sum the text of v was read with (only one row per number: see
 * feed_done). */
static void keep_sum(const struct feeder *f, struct rd_ver *v)
{
	v->stat_known = v->ends_ok && intr_sum(f, v->q.number, &v->stat_total);
	v->stat_epoch = f->c->stat_epoch;
}

/* The label ("  41:") and the text after the counts of a row of n >= 8 bytes. */
static uint64_t ends_hash(const char *p, size_t n, uint32_t label_len, uint32_t tail_off)
{
	uint64_t h = mix_range(0x2545f4914f6cdd1dull ^ n, p, 0, label_len);
	return fold(mix_range(h, p, tail_off, n), label_len);
}

/* Where the label ends and the text after the counts starts, for a numeric full row. */
static void set_ends(struct rd_ver *v, const struct pi_row *row, struct slice line, int ncols)
{
	v->ends_ok = false;
	if (!row->is_numeric || row->ncounts != ncols || line.n < 8 || line.n > UINT32_MAX)
		return;
	const char *tail = line.p + line.n;
	const struct slice *parts[] = { &row->chip, &row->hwirq, &row->trigger, &row->flow, &row->actions };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i]->n && parts[i]->p < tail)
			tail = parts[i]->p;
	size_t label = (size_t)(row->name.p + row->name.n - line.p) + 1;
	if (label > (size_t)(tail - line.p) || line.p[label - 1] != ':')
		return;
	v->label_len = (uint32_t)label;
	v->tail_off = (uint32_t)(tail - line.p);
	v->ends_hash = ends_hash(line.p, line.n, v->label_len, v->tail_off);
	v->ends_ok = true;
}

/* The row cache stops on out of memory, as the arena does (arena_oom): a dropped row
 * would read as a vanished IRQ, then as a new one whose whole count fell in one interval. */
static void grow_irqs(struct feeder *f)
{
	struct reading *r = f->r;
	if (r->nirqs < f->cap)
		return;
	if (f->c) {
		/* No per-tick allocation: the array of the reading before the previous one
		 * is reused (its reading is gone, see the lifetime rule in reading.h). */
		int k = (int)(f->c->seq & 1);
		if ((size_t)r->nirqs >= f->c->icap[k]) {
			size_t nc = f->c->icap[k] ? f->c->icap[k] * 2 : 256;
			struct rd_irq *ni = realloc(f->c->ibuf[k], nc * sizeof(*ni));
			if (!ni)
				arena_oom(nc * sizeof(*ni));
			f->c->ibuf[k] = ni;
			f->c->icap[k] = nc;
		}
		r->irqs = f->c->ibuf[k];
		f->cap = (int)MIN(f->c->icap[k], (size_t)INT32_MAX);
		return;
	}
	int nc = f->cap ? f->cap * 2 : 256;
	r->irqs = arena_realloc(&r->arena, r->irqs, (size_t)f->cap * sizeof(*r->irqs),
				(size_t)nc * sizeof(*r->irqs));
	f->cap = nc;
}

/* Was version v used by the reading before the one being taken (seq)? Versions are
 * used by runs of consecutive readings, [first, last]. */
static bool used_by_previous(const struct rd_ver *v, uint64_t seq)
{
	return v->first && v->first <= seq - 1 && seq - 1 <= v->last;
}

static void ver_str(struct rd_ver *v, const char **dst, struct slice s, size_t *off)
{
	char *p = v->str + *off;
	if (s.n)
		memcpy(p, s.p, s.n);
	p[s.n] = 0;
	*off += s.n + 1;
	*dst = p;
}

/* Parse a row into version t of cache row cr (its old contents are not used by the
 * previous reading). false when the line is not a row. */
static bool parse_into(struct feeder *f, struct rd_cache_row *cr, int t, struct slice line, uint64_t h)
{
	struct reading *r = f->r;
	struct rd_ver *v = &cr->v[t];
	v->first = v->last = 0;	/* invalid until parsed */
	if (v->counts_cap < (size_t)r->ncols) {
		uint32_t *nc = realloc(v->counts, (size_t)r->ncols * sizeof(uint32_t));
		if (!nc)
			arena_oom((size_t)r->ncols * sizeof(uint32_t));
		v->counts = nc;
		v->counts_cap = (size_t)r->ncols;
	}
	struct pi_row row;
	if (pi_parse_row(line, r->ncols, v->counts, r->ncols, &row) < 0)
		return false;
	struct slice text = row.is_numeric ? row.actions : row.desc;
	size_t need = row.name.n + row.chip.n + row.hwirq.n + text.n + 4;
	if (v->str_cap < need) {
		char *ns = realloc(v->str, need);
		if (!ns)
			arena_oom(need);
		v->str = ns;
		v->str_cap = need;
	}
	size_t off = 0;
	struct rd_irq *q = &v->q;
	ver_str(v, &q->name, row.name, &off);
	ver_str(v, &q->chip, row.chip, &off);
	ver_str(v, &q->hwirq, row.hwirq, &off);
	ver_str(v, &q->actions, text, &off);
	q->number = row.is_numeric ? row.irq : -1;
	q->counts = v->counts;
	q->ncounts = MIN(row.ncounts, r->ncols);
	q->total = row.total;
	q->line_hash = h;
	q->line_len = (uint32_t)MIN(line.n, UINT32_MAX);
	set_ends(v, &row, line, r->ncols);
	keep_sum(f, v);
	v->first = v->last = f->c->seq;
	cr->cur = t;
	cr->epoch = f->c->epoch;
	f->c->parsed++;
	return true;
}

/* Append the cached row version v to the reading being taken. */
static void push_cached(struct feeder *f, const struct rd_ver *v)
{
	struct reading *r = f->r;
	grow_irqs(f);
	r->irqs[r->nirqs++] = v->q;
	if (v->q.number >= 0) {
		if (v->q.ncounts < r->ncols)
			r->short_rows++;
		if (v->q.number <= f->last_number)
			f->disorder = true;
		f->last_number = v->q.number;
	}
}

/*
 * An IRQ's intr sum stands for one row only while its number is on one row. The
 * kernel prints numbers ascending, each once; a torn read can repeat rows, and then
 * which of two rows moved is not known: the sums kept by such a reading are dropped.
 */
static void feed_done(struct feeder *f)
{
	if (f->c && f->disorder)
		f->c->stat_epoch++;
}

static void feed_row_cached(struct feeder *f, struct slice line)
{
	struct reading *r = f->r;
	struct rd_cache *c = f->c;
	size_t idx = (size_t)r->nirqs;
	if (idx >= c->nrows) {
		size_t n = c->nrows ? c->nrows * 2 : 256;
		while (n <= idx)
			n *= 2;
		struct rd_cache_row *nr = realloc(c->rows, n * sizeof(*nr));
		if (!nr)
			arena_oom(n * sizeof(*nr));
		memset(nr + c->nrows, 0, (n - c->nrows) * sizeof(*nr));
		c->rows = nr;
		c->nrows = n;
	}
	struct rd_cache_row *cr = &c->rows[idx];
	struct rd_ver *v = &cr->v[cr->cur];
	uint64_t h = f->hash_len == line.n ? f->hash : line_hash(f, line.p, line.n);
	if (cr->epoch == c->epoch && v->last && v->q.line_hash == h && v->q.line_len == line.n) {
		v->last = c->seq;	/* the same text: the same row, not parsed again */
		keep_sum(f, v);
	} else {
		int t = used_by_previous(v, c->seq) ? 1 - cr->cur : cr->cur;
		int old_number = v->q.number;
		uint64_t old_total = v->q.total;
		if (!parse_into(f, cr, t, line, h))
			return;
		v = &cr->v[t];
		/* its intr sum stood still, yet its counts moved: the shortcut cannot be trusted */
		if (f->stat_same && v->q.number == old_number && v->q.ncounts == r->ncols && v->q.total != old_total)
			c->stat_untrusted = true;
	}
	push_cached(f, v);
}

static void feed_line(struct feeder *f, struct slice line)
{
	struct reading *r = f->r;
	if (!f->have_header) {
		if (!slice_trim(line).n)
			return;
		if (pi_is_header(line)) {
			int n = 0;
			pi_parse_header(line, NULL, 0, &n);
			r->col_cpu = arena_calloc(&r->arena, (size_t)n + 1, sizeof(int));
			pi_parse_header(line, r->col_cpu, n, &n);
			r->ncols = n;
			for (int i = 0; i < n; i++)
				note_cpu(r, r->col_cpu[i]);
			f->have_header = true;
			if (f->c) {
				uint64_t h = line_hash(f, line.p, line.n);
				if (h != f->c->hdr_hash || line.n != f->c->hdr_len) {
					f->c->epoch++;	/* other columns: no row can be reused */
					f->c->hdr_hash = h;
					f->c->hdr_len = line.n;
				}
			}
			return;
		}
		/* No header (hand-made or embedded excerpt): columns are assumed CPUs 0..n-1
		 * from the first row; pi_parse_row with ncpus < 0 counts them. */
	}
	if (f->c && f->have_header) {
		feed_row_cached(f, line);
		return;
	}
	f->c = NULL;	/* no header: this reading parses every row */
	struct pi_row row;
	uint32_t *counts = NULL;
	int cap = f->have_header ? r->ncols : 4096;
	if (cap > 0)
		counts = arena_alloc(&r->arena, (size_t)cap * sizeof(uint32_t));
	if (pi_parse_row(line, f->have_header ? r->ncols : -1, counts, cap, &row) < 0)
		return;
	if (!f->have_header) {
		r->ncols = MIN(row.ncounts, cap);
		r->col_cpu = arena_calloc(&r->arena, (size_t)r->ncols + 1, sizeof(int));
		for (int i = 0; i < r->ncols; i++) {
			r->col_cpu[i] = i;
			note_cpu(r, i);
		}
		f->have_header = true;
	}
	grow_irqs(f);
	struct rd_irq *q = &r->irqs[r->nirqs++];
	q->name = arena_strndup(&r->arena, row.name.p, row.name.n);
	q->number = row.is_numeric ? row.irq : -1;
	q->chip = arena_strndup(&r->arena, row.chip.p, row.chip.n);
	q->hwirq = arena_strndup(&r->arena, row.hwirq.p, row.hwirq.n);
	struct slice text = row.is_numeric ? row.actions : row.desc;
	q->actions = arena_strndup(&r->arena, text.p, text.n);
	q->counts = counts;
	q->ncounts = MIN(row.ncounts, cap);
	q->total = row.total;
	q->line_hash = line_hash(f, line.p, line.n);
	q->line_len = (uint32_t)MIN(line.n, UINT32_MAX);
	if (row.is_numeric && row.ncounts < r->ncols)
		r->short_rows++;
}

/* The cache entry four rows on is fetched while this row is checked: the entries
 * are cold (the file streamed through the caches since the last tick), the hardware
 * prefetcher does not follow one entry per ~11 bytes x CPUs of text, and a row the
 * stat shortcut takes costs less than one miss. */
static void prefetch_row(const struct rd_cache_row *cr)
{
	const char *p = (const char *)cr;
	for (size_t o = 0; o < sizeof(*cr); o += 64)
		__builtin_prefetch(p + o);
	__builtin_prefetch(p + sizeof(*cr) - 1);
}

/*
 * The next line is most likely the text the same row had in the reading before:
 * try that length first. Where the hash of that many bytes matches the row's and a
 * newline follows, the line is that text (which held no newline), found without
 * scanning for the newline: on a quiet host that scan was a pass over the whole file.
 */
static bool feed_same_row(struct feeder *f, struct slice *all)
{
	struct rd_cache *c = f->c;
	struct reading *r = f->r;
	size_t idx = (size_t)r->nirqs;
	f->hash_len = SIZE_MAX;
	f->stat_same = false;
	if (idx >= c->nrows)
		return false;
	struct rd_cache_row *cr = &c->rows[idx];
	if (idx + 4 < c->nrows)
		prefetch_row(cr + 4);
	struct rd_ver *v = &cr->v[cr->cur];
	size_t n = v->q.line_len;
	if (cr->epoch != c->epoch || !v->last || n >= all->n || all->p[n] != '\n')
		return false;
	uint64_t sum;
	f->stat_same = !c->stat_untrusted && !c->stat_off && v->stat_known && v->stat_epoch == c->stat_epoch &&
		       intr_sum(f, v->q.number, &sum) && sum == v->stat_total;
	if (f->stat_same && idx % STAT_FULL_CHECK != c->seq % STAT_FULL_CHECK &&
	    ends_hash(all->p, n, v->label_len, v->tail_off) == v->ends_hash) {
		c->stat_reused++;	/* no count moved and the names are the same */
	} else {
		f->hash = line_hash(f, all->p, n);
		f->hash_len = n;
		if (f->hash != v->q.line_hash)
			return false;
		f->hash_len = SIZE_MAX;
		keep_sum(f, v);
	}
	v->last = c->seq;
	push_cached(f, v);
	all->p += n + 1;
	all->n -= n + 1;
	return true;
}

static void feed(struct feeder *f, const char *p, size_t n)
{
	struct slice all = { p, n }, line;
	f->base = p;
	f->limit = p + n;
	f->hash_len = SIZE_MAX;
	for (;;) {
		if (f->c && f->have_header && feed_same_row(f, &all))
			continue;
		if (!slice_line(&all, &line))
			break;
		feed_line(f, line);
		f->hash_len = SIZE_MAX;
		f->stat_same = false;
	}
}

static void reset_interrupts(struct reading *r)
{
	r->ncols = 0;
	r->col_cpu = NULL;
	r->irqs = NULL;
	r->nirqs = 0;
	r->short_rows = 0;
}

static void feed_run(void *ctx, const char *text, size_t n)
{
	feed(ctx, text, n);
}

/* Stream the file through the line feeder model/build_irqs.c uses too: complete
 * lines are fed as they arrive; the buffer grows only for an overlong line. */
static int stream_interrupts(struct reading *r, const struct source *src, struct rd_cache *c)
{
	int fd = src_openat(src, "proc/interrupts", O_RDONLY);
	if (fd < 0)
		return fd;
	struct feeder f = { .r = r, .c = c, .last_number = -1 };
	feed_sums(&f, r);
	/* with a cache, its read buffer is kept from tick to tick */
	struct pi_feeder pf = { .chunk = CHUNK, .max_line = MAX_LINE };
	if (c) {
		pf.buf = c->rbuf.data;
		pf.cap = c->rbuf.cap;
	}
	int ret;
	for (;;) {
		char *p;
		size_t room;
		if ((ret = pi_feeder_space(&pf, &p, &room)) < 0)
			break;
		ssize_t n = read(fd, p, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		pi_feeder_commit(&pf, (size_t)n, feed_run, &f);
		if (!n)
			break;
	}
	close(fd);
	feed_done(&f);
	if (c) {
		c->rbuf.data = pf.buf;
		c->rbuf.cap = pf.cap;
	} else {
		free(pf.buf);
	}
	if (!ret && !f.have_header)
		ret = -ENODATA;
	return ret;
}

static void parse_softirqs_into(struct reading *r, const char *softirqs, size_t slen)
{
	if (softirqs) {
		r->err_softirqs = parse_softirqs(softirqs, slen, &r->arena, &r->softirqs);
		for (int i = 0; !r->err_softirqs && i < r->softirqs.ncpus; i++)
			note_cpu(r, r->softirqs.cpu_ids[i]);
	} else {
		r->err_softirqs = -ENOENT;
	}
}

static void parse_stat_into(struct reading *r, const char *stat, size_t stlen)
{
	if (stat) {
		r->err_stat = parse_stat(stat, stlen, &r->arena, &r->stat);
		for (int i = 0; !r->err_stat && i < r->stat.ncpus; i++)
			note_cpu(r, r->stat.cpus[i].id);
	} else {
		r->err_stat = -ENOENT;
	}
}

static void parse_others(struct reading *r, const char *softirqs, size_t slen, const char *stat,
			 size_t stlen)
{
	parse_softirqs_into(r, softirqs, slen);
	parse_stat_into(r, stat, stlen);
}

/* /proc/stat, then /proc/interrupts: the stat shortcut needs the intr sums read first. */
static int take_stat_interrupts(struct reading *r, const struct source *src, struct rd_cache *c)
{
	r->time_ns = now_ns();
	/* with a cache, its buffer is kept from tick to tick (110 KB on 512 CPUs) */
	struct buf own = { 0 }, *st = c ? &c->stat_buf : &own;
	st->len = 0;
	int e = src_read(src, "proc/stat", st, 0);
	if (e)
		r->err_stat = e;
	else
		parse_stat_into(r, st->data, st->len);
	buf_free(&own);
	return stream_interrupts(r, src, c);
}

int reading_take_cached(struct reading *r, const struct source *src, struct rd_cache *c)
{
	memset(r, 0, sizeof(*r));
	r->max_cpu = -1;
	if (c) {
		c->seq++;
		c->parsed = c->stat_reused = 0;
	}
	int ret = take_stat_interrupts(r, src, c);
	if (!ret && r->short_rows) {
		/* Torn read: once more (kernel-interfaces.md §12). The retry keeps c->seq:
		 * versions the first attempt wrote have first == seq, so used_by_previous()
		 * lets the retry overwrite them, never those of the reading before. */
		arena_free(&r->arena);
		reset_interrupts(r);
		memset(&r->stat, 0, sizeof(r->stat));
		r->max_cpu = -1;
		if (c)
			c->parsed = c->stat_reused = 0;
		ret = take_stat_interrupts(r, src, c);
	}
	r->err_interrupts = ret;
	struct buf own = { 0 }, *si = c ? &c->softirqs_buf : &own;
	si->len = 0;
	int e1 = src_read(src, "proc/softirqs", si, 0);
	parse_softirqs_into(r, e1 ? NULL : si->data, si->len);
	if (e1)
		r->err_softirqs = e1;
	buf_free(&own);
	r->took_ns = now_ns() - r->time_ns;
	return ret;
}

int reading_take(struct reading *r, const struct source *src)
{
	return reading_take_cached(r, src, NULL);
}

int reading_parse(struct reading *r, const char *interrupts, size_t ilen, const char *softirqs,
		  size_t slen, const char *stat, size_t stlen, uint64_t time_ns)
{
	memset(r, 0, sizeof(*r));
	r->max_cpu = -1;
	r->time_ns = time_ns;
	if (interrupts) {
		struct feeder f = { .r = r, .last_number = -1 };
		feed(&f, interrupts, ilen);
		r->err_interrupts = f.have_header ? 0 : -ENODATA;
	} else {
		r->err_interrupts = -ENOENT;
	}
	parse_others(r, softirqs, slen, stat, stlen);
	return r->err_interrupts;
}

int reading_parse_cached_stat(struct reading *r, const char *interrupts, size_t ilen, const char *stat,
			      size_t stlen, uint64_t time_ns, struct rd_cache *c)
{
	memset(r, 0, sizeof(*r));
	r->max_cpu = -1;
	r->time_ns = time_ns;
	c->seq++;
	c->parsed = c->stat_reused = 0;
	parse_stat_into(r, stat, stlen);
	struct feeder f = { .r = r, .c = c, .last_number = -1 };
	feed_sums(&f, r);
	feed(&f, interrupts, ilen);
	feed_done(&f);
	r->err_interrupts = f.have_header ? 0 : -ENODATA;
	r->err_softirqs = -ENOENT;
	return r->err_interrupts;
}

int reading_parse_cached(struct reading *r, const char *interrupts, size_t ilen, uint64_t time_ns,
			 struct rd_cache *c)
{
	return reading_parse_cached_stat(r, interrupts, ilen, NULL, 0, time_ns, c);
}

struct rd_cache *rd_cache_new(void)
{
	return calloc(1, sizeof(struct rd_cache));
}

void rd_cache_free(struct rd_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nrows; i++)
		for (int k = 0; k < 2; k++) {
			free(c->rows[i].v[k].counts);
			free(c->rows[i].v[k].str);
		}
	free(c->rows);
	free(c->ibuf[0]);
	free(c->ibuf[1]);
	free(c->rbuf.data);
	buf_free(&c->stat_buf);
	buf_free(&c->softirqs_buf);
	free(c);
}

int rd_cache_parsed(const struct rd_cache *c)
{
	return c ? c->parsed : 0;
}

int rd_cache_stat_reused(const struct rd_cache *c)
{
	return c ? c->stat_reused : 0;
}

bool rd_cache_stat_trusted(const struct rd_cache *c)
{
	return c && !c->stat_untrusted;
}

void rd_cache_use_stat(struct rd_cache *c, bool on)
{
	c->stat_off = !on;
}

void reading_free(struct reading *r)
{
	arena_free(&r->arena);
	memset(r, 0, sizeof(*r));
}

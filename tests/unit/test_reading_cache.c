/*
 * The row cache of readings (sample/reading.c): a reading taken with the cache must
 * equal a fresh parse of the same file, the reading before it must stay intact while
 * the next is taken, and rates from cached readings must equal rates from fresh ones.
 * Real pairs: sysstat's desktop (root1 -> root2, 31 s) and the 80-CPU Westmere-EX.
 */
#include "t.h"

#include <errno.h>
#include <stdlib.h>

#include "sample/rates.h"
#include "sample/reading.h"
#include "util/buf.h"

#define D "tests/unit/data/sample/"
#define SEC 1000000000ull

/* Every field of every row but line_hash (which depends on the row's offset in its
 * buffer), compared with a fresh parse of the same text. */
static bool same_reading_text(const struct reading *x, const struct reading *y)
{
	if (x->nirqs != y->nirqs || x->ncols != y->ncols || x->short_rows != y->short_rows)
		return false;
	for (int c = 0; c < x->ncols; c++)
		if (x->col_cpu[c] != y->col_cpu[c])
			return false;
	for (int i = 0; i < x->nirqs; i++) {
		const struct rd_irq *a = &x->irqs[i], *b = &y->irqs[i];
		if (strcmp(a->name, b->name) || strcmp(a->chip, b->chip) || strcmp(a->hwirq, b->hwirq) ||
		    strcmp(a->actions, b->actions) || a->number != b->number || a->ncounts != b->ncounts ||
		    a->total != b->total || a->line_len != b->line_len ||
		    memcmp(a->counts, b->counts, (size_t)a->ncounts * sizeof(uint32_t)))
			return false;
	}
	return true;
}

/* Every field of every row, line_hash too (the same text at the same offsets). */
static bool same_reading(const struct reading *x, const struct reading *y)
{
	if (!same_reading_text(x, y))
		return false;
	for (int i = 0; i < x->nirqs; i++)
		if (x->irqs[i].line_hash != y->irqs[i].line_hash)
			return false;
	return true;
}

static void fresh(struct reading *r, const struct buf *b, uint64_t t)
{
	reading_parse(r, b->data, b->len, NULL, 0, NULL, 0, t);
}

/* Replace the first occurrence of `from` (which must be there) by `to` (same length). */
static void patch(struct buf *b, const char *from, const char *to)
{
	char *p = memmem(b->data, b->len, from, strlen(from));
	if (!p || strlen(from) != strlen(to)) {
		t_fail(__FILE__, __LINE__, "patch: '%s' not found or lengths differ", from);
		return;
	}
	memcpy(p, to, strlen(to));
}

TEST(reading_cache_equals_fresh_and_keeps_previous)
{
	struct buf f[2] = { { 0 }, { 0 } };
	t_read(D "x86-8cpu-desktop-ioapic-intx-rt2800pci-sysstat-root1.txt", &f[0]);
	t_read(D "x86-8cpu-desktop-ioapic-intx-rt2800pci-sysstat-root2.txt", &f[1]);
	struct rd_cache *c = rd_cache_new();
	struct reading prev, cur, ref;
	/* root1, root1, root2, root2, root1: the row text changes back and forth, so a row
	 * goes to the other version and back (the version of the reading before must not
	 * be overwritten). */
	static const int seq[] = { 0, 0, 1, 1, 0, 1 };
	CHECK_INT(reading_parse_cached(&prev, f[0].data, f[0].len, SEC, c), 0);
	int nrows = prev.nirqs;
	CHECK(nrows > 40);
	CHECK_INT(rd_cache_parsed(c), nrows);
	for (size_t k = 1; k < sizeof(seq) / sizeof(seq[0]); k++) {
		CHECK_INT(reading_parse_cached(&cur, f[seq[k]].data, f[seq[k]].len, (k + 1) * SEC, c), 0);
		fresh(&ref, &f[seq[k]], (k + 1) * SEC);
		CHECK(same_reading(&cur, &ref));
		reading_free(&ref);
		/* the reading before is intact after the new one was taken */
		fresh(&ref, &f[seq[k - 1]], k * SEC);
		CHECK(same_reading(&prev, &ref));
		reading_free(&ref);
		if (seq[k] == seq[k - 1])
			CHECK_INT(rd_cache_parsed(c), 0);	/* nothing changed: nothing parsed */
		else
			CHECK(rd_cache_parsed(c) > 0 && rd_cache_parsed(c) < nrows);
		reading_free(&prev);
		prev = cur;
	}
	reading_free(&prev);
	rd_cache_free(c);
	buf_free(&f[0]);
	buf_free(&f[1]);
}

TEST(reading_cache_parses_only_changed_rows)
{
	struct buf a = { 0 }, b = { 0 };
	t_read(D "x86-80cpu-westmere-ex-4s-ioapic-msi-no-ir-eth1-queues-cpu0-before.txt", &a);
	t_read(D "x86-80cpu-westmere-ex-4s-ioapic-msi-no-ir-eth1-queues-cpu0-before.txt", &b);
	struct rd_cache *c = rd_cache_new();
	struct reading r0, r1, r2, ref;
	reading_parse_cached(&r0, a.data, a.len, SEC, c);
	/* one count of one row changes (same width): exactly that row is parsed again */
	patch(&b, "7127659", "7127660");
	reading_parse_cached(&r1, b.data, b.len, 2 * SEC, c);
	CHECK_INT(rd_cache_parsed(c), 1);
	fresh(&ref, &b, 2 * SEC);
	CHECK(same_reading(&r1, &ref));
	reading_free(&ref);
	reading_free(&r0);
	/* a row inserted after the header shifts every row: all are parsed again, and
	 * still equal a fresh parse */
	const char *hdr_end = memchr(b.data, '\n', b.len);
	struct buf ins = { 0 };
	buf_append(&ins, b.data, (size_t)(hdr_end - b.data) + 1);
	const char *extra = "999: 1 2 3\n";	/* a torn row: fewer counts than CPUs */
	buf_append(&ins, extra, strlen(extra));
	buf_append(&ins, hdr_end + 1, b.len - (size_t)(hdr_end + 1 - b.data));
	reading_parse_cached(&r2, ins.data, ins.len, 3 * SEC, c);
	CHECK_INT(rd_cache_parsed(c), r2.nirqs);
	CHECK_INT(r2.short_rows, 1);
	fresh(&ref, &ins, 3 * SEC);
	CHECK(same_reading(&r2, &ref));
	reading_free(&ref);
	reading_free(&r1);
	reading_free(&r2);
	rd_cache_free(c);
	buf_free(&a);
	buf_free(&b);
	buf_free(&ins);
}

TEST(reading_cache_new_header_reparses_everything)
{
	const char *x = "           CPU0       CPU1\n  0:         10         20   IO-APIC   2-edge      timer\nLOC:        100        200   Local timer interrupts\n";
	/* the same rows under other CPUs (CPU1 went offline, CPU2 came online) */
	const char *y = "           CPU0       CPU2\n  0:         10         20   IO-APIC   2-edge      timer\nLOC:        100        200   Local timer interrupts\n";
	struct rd_cache *c = rd_cache_new();
	struct reading a, b;
	reading_parse_cached(&a, x, strlen(x), SEC, c);
	reading_parse_cached(&b, y, strlen(y), 2 * SEC, c);
	CHECK_INT(rd_cache_parsed(c), 2);
	CHECK_INT(b.col_cpu[1], 2);
	struct rates rt;
	CHECK_INT(rates_compute(&rt, &a, &b), 0);
	/* the text is the same but the columns are not: CPU2's counts are new, not 0 */
	CHECK(rt.cpus[2].is_new);
	rates_free(&rt);
	reading_free(&a);
	reading_free(&b);
	rd_cache_free(c);

	/* The same text where a CPU changed column: CPUs 1,2 then 0,1 (2 went offline, 0
	 * came online). CPU 1's count moved from 10 (column 0) to 20 (column 1): its rate is
	 * 10/s, which rates would miss if it took the same text for "nothing moved". */
	const char *u = "           CPU1       CPU2\n 36:         10         20   PCI-MSI 512000-edge      nvme0q1\n";
	const char *v = "           CPU0       CPU1\n 36:         10         20   PCI-MSI 512000-edge      nvme0q1\n";
	c = rd_cache_new();
	reading_parse_cached(&a, u, strlen(u), SEC, c);
	reading_parse_cached(&b, v, strlen(v), 2 * SEC, c);
	CHECK_INT(rd_cache_parsed(c), 1);
	CHECK_INT(rates_compute(&rt, &a, &b), 0);
	CHECK_INT(rt.nirqs, 1);
	CHECK(rt.irqs[0].cpu_rate && rt.irqs[0].cpu_rate[1] == 10.0);
	CHECK(rt.irqs[0].delta == 10 && !rt.irqs[0].is_reset);
	CHECK(rt.cpus[0].is_new && !rt.cpus[1].is_new);
	rates_free(&rt);
	reading_free(&a);
	reading_free(&b);
	rd_cache_free(c);
}

/* Row by row and CPU by CPU equal rates; the rows that moved (-1: they differ). */
static int same_rates(const struct rates *x, const struct rates *y)
{
	if (x->nirqs != y->nirqs || x->ncols != y->ncols || x->dev_irq_total != y->dev_irq_total)
		return -1;
	int moved = 0;
	for (int i = 0; i < x->nirqs; i++) {
		const struct rate_irq *a = &x->irqs[i], *b = &y->irqs[i];
		if (strcmp(a->name, b->name) || a->delta != b->delta || a->is_new != b->is_new ||
		    a->is_reset != b->is_reset || a->wrapped != b->wrapped || !a->cpu_rate != !b->cpu_rate)
			return -1;
		for (int k = 0; a->cpu_rate && k < x->ncols; k++)
			if (a->cpu_rate[k] != b->cpu_rate[k])
				return -1;
		moved += a->delta > 0;
	}
	return moved;
}

/* Rates from cached readings equal rates from fresh ones, row by row and CPU by CPU. */
TEST(reading_cache_rates_equal_fresh_rates)
{
	static const char *const pairs[][2] = {
		{ D "x86-8cpu-desktop-ioapic-intx-rt2800pci-sysstat-root1.txt",
		  D "x86-8cpu-desktop-ioapic-intx-rt2800pci-sysstat-root2.txt" },
		{ D "x86-80cpu-westmere-ex-4s-ioapic-msi-no-ir-eth1-queues-cpu0-before.txt",
		  D "x86-80cpu-westmere-ex-4s-ioapic-msi-no-ir-eth1-queues-cpu0-after.txt" },
	};
	for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
		struct buf f0 = { 0 }, f1 = { 0 };
		t_read(pairs[p][0], &f0);
		t_read(pairs[p][1], &f1);
		struct rd_cache *c = rd_cache_new();
		struct reading ca, cb, fa, fb;
		reading_parse_cached(&ca, f0.data, f0.len, SEC, c);
		reading_parse_cached(&cb, f1.data, f1.len, 32 * SEC, c);
		fresh(&fa, &f0, SEC);
		fresh(&fb, &f1, 32 * SEC);
		struct rates rc, rf;
		CHECK_INT(rates_compute(&rc, &ca, &cb), 0);
		CHECK_INT(rates_compute(&rf, &fa, &fb), 0);
		CHECK(same_rates(&rc, &rf) > 3);
		/* an unchanged second reading: every rate 0, no per-CPU arrays; computed
		 * into rc's memory (rates_update, as top does every tick) */
		struct reading cc;
		reading_parse_cached(&cc, f1.data, f1.len, 33 * SEC, c);
		CHECK_INT(rd_cache_parsed(c), 0);
		CHECK_INT(rates_update(&rc, &cb, &cc), 0);
		for (int i = 0; i < rc.nirqs; i++)
			CHECK(rc.irqs[i].delta == 0 && !rc.irqs[i].cpu_rate);
		CHECK(rc.dev_irq_total == 0);
		/* and the fresh first pair (ca is gone: two cached readings live), in the same
		 * memory: equal to its own rates computed afresh */
		CHECK_INT(rates_update(&rc, &fa, &fb), 0);
		CHECK(same_rates(&rc, &rf) > 3);
		reading_free(&cc);
		rates_free(&rc);
		rates_free(&rf);
		reading_free(&ca);
		reading_free(&cb);
		reading_free(&fa);
		reading_free(&fb);
		rd_cache_free(c);
		buf_free(&f0);
		buf_free(&f1);
	}
}

/* A /proc/stat for the text, as the kernel keeps it: each IRQ number's intr sum is the
 * sum of its rows' counts (a number on two rows: both), nr_irqs = the largest + 1. */
static void make_stat(const struct buf *interrupts, struct buf *out)
{
	struct reading r;
	reading_parse(&r, interrupts->data, interrupts->len, NULL, 0, NULL, 0, SEC);
	int nr = 0;
	for (int i = 0; i < r.nirqs; i++)
		nr = MAX(nr, r.irqs[i].number + 1);
	uint64_t *sum = calloc((size_t)nr + 1, sizeof(*sum)), all = 0;
	for (int i = 0; i < r.nirqs; i++)
		if (r.irqs[i].number >= 0) {
			sum[r.irqs[i].number] += r.irqs[i].total;
			all += r.irqs[i].total;
		}
	out->len = 0;
	buf_printf(out, "cpu  1 2 3 4 5 6 7 8 0 0\nintr %llu", (unsigned long long)all);
	for (int i = 0; i < nr; i++)
		buf_printf(out, " %llu", (unsigned long long)sum[i]);
	buf_printf(out, "\nctxt 1\n");
	free(sum);
	reading_free(&r);
}

/*
 * The cache tries each row's previous length first (no newline scan). Random edits
 * of a real 80-CPU file, read through the cache one after the other, must each
 * equal a fresh parse: counts bumped in place (same length, other text), a row cut
 * so that a newline falls where the old row ended or inside it, rows removed or
 * doubled (every later row moves), CRLF line ends, and the whole text at another
 * offset of its buffer (the hash's phase changes: rows are parsed again, never
 * taken from the wrong text).
 * with_stat: each text comes with its make_stat(), so the stat shortcut is taken
 * wherever a row's sum stood still, and must give the same answers.
 */
static void guessed_lengths(bool with_stat)
{
	struct buf orig = { 0 };
	t_read(D "x86-80cpu-westmere-ex-4s-ioapic-msi-no-ir-eth1-queues-cpu0-before.txt", &orig);
	struct rd_cache *c = rd_cache_new();
	unsigned seed = 12345;
	struct buf cur = { 0 };
	buf_append(&cur, orig.data, orig.len);
	struct reading prev = { 0 };
	bool have_prev = false;
	int reparsed_all = 0, partial = 0, none = 0;
	long stat_reused = 0;
	struct buf st = { 0 };
	for (int round = 0; round < 60; round++) {
		struct buf next = { 0 };
		int kind = round < 4 ? 0 : (int)((seed = seed * 1103515245u + 12345u) >> 16) % 6;
		/* lines of cur */
		const char *p = cur.data, *e = cur.data + cur.len;
		int line = 0;
		int pick = 2 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 40;
		while (p < e) {
			const char *nl = memchr(p, '\n', (size_t)(e - p));
			size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(e - p);
			if (line == pick && kind == 1) {
				/* bump the first digit run's last digit in place (same length) */
				char tmp[8192];
				size_t m = MIN(n, sizeof(tmp));
				memcpy(tmp, p, m);
				char *d = memchr(tmp, ':', m);
				for (d = d ? d + 1 : tmp; d < tmp + m && (*d < '0' || *d > '9'); d++)
					;
				while (d + 1 < tmp + m && d[1] >= '0' && d[1] <= '9')
					d++;
				if (d < tmp + m && *d >= '0' && *d <= '9')
					*d = *d == '9' ? '8' : (char)(*d + 1);
				buf_append(&next, tmp, m);
			} else if (line == pick && kind == 2 && n > 20) {
				/* cut the row: a newline inside what was the row */
				buf_append(&next, p, n / 2);
				buf_putc(&next, '\n');
				buf_append(&next, p + n / 2, n - n / 2);
			} else if (line == pick && kind == 3) {
				/* drop the row: every later row moves up */
			} else if (line == pick && kind == 4) {
				buf_append(&next, p, n);	/* doubled */
				buf_append(&next, p, n);
			} else if (kind == 5 && nl && line % 3 == 0) {
				buf_append(&next, p, n - 1);	/* CRLF on every third line */
				buf_append(&next, (p[n - 2] == '\r') ? "\n" : "\r\n", (p[n - 2] == '\r') ? 1 : 2);
			} else {
				buf_append(&next, p, n);
			}
			p += n;
			line++;
		}
		/* the text at another offset of its buffer every few rounds */
		size_t shift = round % 7 == 6 ? (size_t)(round % 31) + 1 : 0;
		char *at = malloc(next.len + 64);
		memcpy(at + shift, next.data, next.len);
		struct reading r, ref;
		if (with_stat)
			make_stat(&next, &st);
		CHECK_INT(reading_parse_cached_stat(&r, at + shift, next.len, with_stat ? st.data : NULL, st.len,
						    (uint64_t)(round + 1) * SEC, c),
			  0);
		stat_reused += rd_cache_stat_reused(c);
		fresh(&ref, &next, (uint64_t)(round + 1) * SEC);
		CHECK(same_reading_text(&r, &ref));
		if (have_prev) {
			/* the reading before is still intact */
			struct reading pref;
			fresh(&pref, &cur, (uint64_t)round * SEC);
			CHECK(same_reading_text(&prev, &pref));
			reading_free(&pref);
			reading_free(&prev);
		}
		int np = rd_cache_parsed(c);
		reparsed_all += np == r.nirqs;
		partial += np > 0 && np < r.nirqs;
		none += np == 0;
		reading_free(&ref);
		prev = r;
		have_prev = true;
		free(at);
		buf_free(&cur);
		cur = next;
	}
	/* each path was taken */
	CHECK(reparsed_all > 0 && partial > 0 && none > 0);
	/* the shortcut: taken only with a stat (until a doubled row, whose number is on
	 * two rows, turns it off for every later round), never distrusted */
	CHECK(with_stat ? stat_reused > 100 : stat_reused == 0);
	CHECK(rd_cache_stat_trusted(c));
	reading_free(&prev);
	rd_cache_free(c);
	buf_free(&cur);
	buf_free(&orig);
	buf_free(&st);
}

static const char *const hashes[] = { "words", "avx2" };

/* Every row hash this CPU has (the portable one always): each must give the cache
 * the same answers as a fresh parse. */
TEST(reading_cache_guessed_lengths_match_fresh_parse)
{
	int ran = 0;
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		int e = reading_hash_use(hashes[i]);
		if (e == -ENOTSUP)
			continue;
		CHECK_INT(e, 0);
		CHECK_STR(reading_hash_name(), hashes[i]);
		guessed_lengths(false);
		guessed_lengths(true);
		ran++;
	}
	CHECK_INT(reading_hash_use(NULL), 0);
	CHECK(ran >= 1);
	CHECK_INT(reading_hash_use("sha1"), -EINVAL);
}

/*
 * A line's hash covers its bytes and nothing else: any one byte of the line changed
 * changes it, a byte just before or after it (in the same 32/64-byte block, or the
 * next) does not, and the same bytes at the same offset of another buffer hash the
 * same. Lengths 0..150 at offsets 0..70 cover lines inside one 32-byte block, over
 * two, and the four-block loop; the text ends right at the line for some (no read past it:
 * the buffer is allocated to the byte, for ASan).
 */
TEST(reading_hash_covers_the_line_and_only_it)
{
	enum { TL = 232 };
	char *text = malloc(TL), *copy = malloc(TL);
	unsigned seed = 777;
	for (int i = 0; i < TL; i++)
		text[i] = " 0123456789"[((seed = seed * 1103515245u + 12345u) >> 16) % 11];
	memcpy(copy, text, TL);
	int ran = 0;
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		if (reading_hash_use(hashes[i]) == -ENOTSUP)
			continue;
		ran++;
		int bad_in = 0, bad_out = 0, bad_copy = 0;
		for (size_t off = 0; off <= 70; off++) {
			for (size_t n = 0; n <= 150 && off + n <= TL; n++) {
				/* the text as fed: to the end of the buffer, or ending with the line,
				 * then in a buffer allocated to its last byte (ASan sees a read past it) */
				size_t tl = n % 3 == 0 ? off + n : TL;
				uint64_t h = reading_hash_line(text, tl, off, n);
				if (reading_hash_line(copy, tl, off, n) != h)
					bad_copy++;
				if (tl < TL) {
					char *exact = malloc(tl ? tl : 1);
					memcpy(exact, text, tl);
					if (reading_hash_line(exact, tl, off, n) != h)
						bad_copy++;
					free(exact);
				}
				for (size_t k = 0; k < n; k++) {
					char o = text[off + k];
					text[off + k] = (char)(o ^ (1 << (k % 7)));
					bad_in += reading_hash_line(text, tl, off, n) == h;
					text[off + k] = o;
				}
				for (size_t d = 1; d <= 70; d++) {
					size_t ks[2] = { off >= d ? off - d : SIZE_MAX, off + n - 1 + d };
					for (int j = 0; j < 2; j++) {
						if (ks[j] >= tl)
							continue;
						char o = text[ks[j]];
						text[ks[j]] = (char)(o ^ 0x10);
						bad_out += reading_hash_line(text, tl, off, n) != h;
						text[ks[j]] = o;
					}
				}
			}
		}
		if (bad_in || bad_out || bad_copy)
			t_fail(__FILE__, __LINE__, "%s: %d in-line edits unseen, %d outside edits seen, %d copies differ",
			       hashes[i], bad_in, bad_out, bad_copy);
	}
	CHECK_INT(reading_hash_use(NULL), 0);
	CHECK(ran >= 1);
	free(text);
	free(copy);
}

/*
 * The /proc/stat shortcut on a real pair (live 6.18 guest, 2 CPUs, O_DIRECT reads
 * between the two; the stat files were read just after the interrupts): the five
 * numeric rows whose intr sum moved (the same five whose counts moved) and the named
 * rows that moved (LOC, CAL, ...: always hashed) are parsed again, the other numeric
 * rows are taken on their sum (but the one checked in full this tick), and the
 * readings equal fresh parses.
 */
TEST(reading_cache_stat_shortcut_real_pair)
{
	struct buf i1 = { 0 }, i2 = { 0 }, s1 = { 0 }, s2 = { 0 };
	t_read(D "live-6.18-2cpu-virtio-blk-dd-1-interrupts.txt", &i1);
	t_read(D "live-6.18-2cpu-virtio-blk-dd-2-interrupts.txt", &i2);
	t_read(D "live-6.18-2cpu-virtio-blk-dd-1-stat.txt", &s1);
	t_read(D "live-6.18-2cpu-virtio-blk-dd-2-stat.txt", &s2);
	struct rd_cache *c = rd_cache_new();
	struct reading a, b, b2, ref;
	CHECK_INT(reading_parse_cached_stat(&a, i1.data, i1.len, s1.data, s1.len, SEC, c), 0);
	CHECK_INT(rd_cache_parsed(c), a.nirqs);
	CHECK_INT(rd_cache_stat_reused(c), 0);
	CHECK_INT(reading_parse_cached_stat(&b, i2.data, i2.len, s2.data, s2.len, 2 * SEC, c), 0);
	struct reading f1;
	fresh(&f1, &i1, SEC);
	int numeric = 0, moved_numeric = 0, moved_named = 0;
	for (int i = 0; i < b.nirqs; i++) {
		bool moved = f1.irqs[i].total != b.irqs[i].total;
		numeric += b.irqs[i].number >= 0;
		moved_numeric += moved && b.irqs[i].number >= 0;
		moved_named += moved && b.irqs[i].number < 0;
	}
	reading_free(&f1);
	CHECK_INT(numeric, 19);
	CHECK_INT(moved_numeric, 5);
	CHECK_INT(rd_cache_parsed(c), 5 + moved_named);
	/* 19 numeric rows, 5 moved; of the 14 others one may fall on this tick's full check */
	CHECK(rd_cache_stat_reused(c) >= 13 && rd_cache_stat_reused(c) <= 14);
	fresh(&ref, &i2, 2 * SEC);
	CHECK(same_reading_text(&b, &ref));
	reading_free(&ref);
	/* nothing moved: nothing parsed, and still the same reading */
	CHECK_INT(reading_parse_cached_stat(&b2, i2.data, i2.len, s2.data, s2.len, 3 * SEC, c), 0);
	CHECK_INT(rd_cache_parsed(c), 0);
	CHECK(rd_cache_stat_reused(c) >= 18);
	fresh(&ref, &i2, 3 * SEC);
	CHECK(same_reading_text(&b2, &ref));
	CHECK(rd_cache_stat_trusted(c));
	reading_free(&ref);
	reading_free(&a);
	reading_free(&b);
	reading_free(&b2);
	rd_cache_free(c);
	buf_free(&i1);
	buf_free(&i2);
	buf_free(&s1);
	buf_free(&s2);
}

/* 40 rows of 2 CPUs, IRQ i counting i and 2i (+ `by` on row `bump`'s CPU0 count),
 * handler names of one width; and its stat with `intr_n` per-IRQ sums (of the
 * unbumped counts when stale_sum). */
static void make_host_by(struct buf *in, struct buf *st, int bump, unsigned by, const char *rename, int intr_n,
			 bool stale_sum)
{
	in->len = st->len = 0;
	buf_printf(in, "           CPU0       CPU1\n");
	uint64_t total = 0;
	for (int i = 0; i < 40; i++) {
		unsigned c0 = (unsigned)i + (i == bump ? by : 0), c1 = 2u * (unsigned)i;
		buf_printf(in, " %2d: %10u %10u  PCI-MSIX-0000:00:%02x.0 %3d-edge      %s%02d\n", i, c0, c1, i, i,
			   rename && i == 7 ? rename : "dev-q", i);
		total += c0 + c1;
	}
	buf_printf(in, "LOC: %10u %10u   Local timer interrupts\n", 5u + (unsigned)(bump >= 0), 6u);
	buf_printf(st, "cpu  1 2 3 4 5 6 7 8 0 0\nintr %llu", (unsigned long long)total);
	for (int i = 0; i < intr_n; i++)
		buf_printf(st, " %u", 3u * (unsigned)i + (i == bump && !stale_sum ? by : 0));
	buf_printf(st, "\n");
}

static void make_host(struct buf *in, struct buf *st, int bump, const char *rename, int intr_n, bool stale_sum)
{
	make_host_by(in, st, bump, 1, rename, intr_n, stale_sum);
}

/* Read in with st through c; must equal a fresh parse. */
static void read_host(struct rd_cache *c, const struct buf *in, const struct buf *st, uint64_t t, struct reading *r)
{
	CHECK_INT(reading_parse_cached_stat(r, in->data, in->len, st->data, st->len, t, c), 0);
	struct reading ref;
	fresh(&ref, in, t);
	CHECK(same_reading_text(r, &ref));
	reading_free(&ref);
}

/*
 * What the shortcut must not miss: a handler renamed (same length, sum unchanged), a
 * row moved by its sum, IRQs past the end of the intr line (never taken on a sum),
 * and a file whose counts move while its sums do not (not the kernel's: found within
 * 64 readings by the full check of one row in 64, then the shortcut is off and every
 * reading equals a fresh parse).
 */
TEST(reading_cache_stat_shortcut_names_sums_and_bad_files)
{
	struct buf in = { 0 }, st = { 0 };
	struct rd_cache *c = rd_cache_new();
	struct reading r[2];
	int k = 0;
	uint64_t t = SEC;
	make_host(&in, &st, -1, NULL, 40, false);
	read_host(c, &in, &st, t++, &r[k]);
	k ^= 1;
	read_host(c, &in, &st, t++, &r[k]);
	CHECK_INT(rd_cache_parsed(c), 0);
	/* 40 numeric rows, of which at most one (one in 64) is checked in full */
	CHECK(rd_cache_stat_reused(c) >= 39 && rd_cache_stat_reused(c) <= 40);
	/* renamed in place: "dev-q07" -> "DEV-Q07", the sums as they were */
	reading_free(&r[k ^ 1]);
	k ^= 1;
	make_host(&in, &st, -1, "DEV-Q", 40, false);
	read_host(c, &in, &st, t++, &r[k]);
	CHECK_INT(rd_cache_parsed(c), 1);
	CHECK_STR(r[k].irqs[7].actions, "DEV-Q07");
	/* row 12's count and sum move (and LOC's count, a named row: always hashed) */
	reading_free(&r[k ^ 1]);
	k ^= 1;
	make_host(&in, &st, 12, "DEV-Q", 40, false);
	read_host(c, &in, &st, t++, &r[k]);
	CHECK_INT(rd_cache_parsed(c), 2);
	CHECK(r[k].irqs[12].counts[0] == 13);
	CHECK(rd_cache_stat_trusted(c));
	/* an intr line of 20 IRQs: rows 20..39 are hashed every tick */
	make_host(&in, &st, 12, "DEV-Q", 20, false);
	reading_free(&r[k ^ 1]);
	k ^= 1;
	read_host(c, &in, &st, t++, &r[k]);
	CHECK(rd_cache_stat_reused(c) >= 19 && rd_cache_stat_reused(c) <= 20);
	CHECK_INT(rd_cache_parsed(c), 0);
	/* counts that move under a sum that does not: row 30's count grows every reading,
	 * its sum stays (a file no kernel writes) */
	make_host(&in, &st, -1, "DEV-Q", 40, false);
	reading_free(&r[k ^ 1]);
	k ^= 1;
	read_host(c, &in, &st, t++, &r[k]);
	int detected = -1;
	for (int n = 0; n < 70 && detected < 0; n++) {
		make_host_by(&in, &st, 30, (unsigned)n + 1, "DEV-Q", 40, true);
		reading_free(&r[k ^ 1]);
		k ^= 1;
		CHECK_INT(reading_parse_cached_stat(&r[k], in.data, in.len, st.data, st.len, t++, c), 0);
		if (!rd_cache_stat_trusted(c))
			detected = n;
	}
	CHECK(detected >= 0 && detected <= 64);
	/* from then on the files are read as if there were no stat */
	for (int n = 0; n < 4; n++) {
		make_host_by(&in, &st, 30, 100u + (unsigned)n, "DEV-Q", 40, true);
		reading_free(&r[k ^ 1]);
		k ^= 1;
		read_host(c, &in, &st, t++, &r[k]);
		CHECK_INT(rd_cache_stat_reused(c), 0);
	}
	reading_free(&r[0]);
	reading_free(&r[1]);
	rd_cache_free(c);
	buf_free(&in);
	buf_free(&st);
}

/*
 * A number on several rows (a torn read can repeat rows): its one intr sum cannot
 * tell which row moved, so the sums a reading keeps are dropped when its numbers were
 * not ascending. Here the first of three rows of IRQ 11 goes: the sum stays 7, and the
 * row now first (4) must not be taken for the cached first (0).
 */
TEST(reading_cache_stat_shortcut_repeated_numbers)
{
	static const char *const hdr = "           CPU0       CPU1\n";
	static const char *const row[] = {
		" 10:          1          0  PCI-MSIX-0000:00:01.0   0-edge      a\n",
		" 11:          0          0  PCI-MSIX-0000:00:01.0   1-edge      b\n",
		" 11:          4          0  PCI-MSIX-0000:00:01.0   1-edge      b\n",
		" 11:          3          0  PCI-MSIX-0000:00:01.0   1-edge      b\n",
		" 12:          5          0  PCI-MSIX-0000:00:01.0   2-edge      c\n",
	};
	const char *st = "cpu  1 2 3 4 5 6 7 8 0 0\nintr 13 0 0 0 0 0 0 0 0 0 0 1 7 5\n";
	struct buf x = { 0 }, y = { 0 };
	buf_printf(&x, "%s", hdr);
	buf_printf(&y, "%s", hdr);
	for (int i = 0; i < 5; i++) {
		buf_printf(&x, "%s", row[i]);
		if (i != 1)
			buf_printf(&y, "%s", row[i]);
	}
	struct rd_cache *c = rd_cache_new();
	struct reading a, b;
	read_host(c, &x, &(struct buf){ .data = (char *)st, .len = strlen(st) }, SEC, &a);
	read_host(c, &y, &(struct buf){ .data = (char *)st, .len = strlen(st) }, 2 * SEC, &b);
	CHECK(b.irqs[1].counts[0] == 4);
	CHECK(rd_cache_stat_trusted(c));
	reading_free(&a);
	reading_free(&b);
	rd_cache_free(c);
	buf_free(&x);
	buf_free(&y);
}

#include "t.h"

#include <errno.h>
#include <stdlib.h>

#include "sample/attrib.h"
#include "util/compat.h"

static struct attrib_src storage[64];
static struct attrib_srcs srcs;

static struct trace_event ev(uint64_t us, enum trace_kind k, int id, const char *name)
{
	return (struct trace_event){ .time_ns = us * 1000, .cpu = 1, .kind = k, .id = id, .name = name };
}

/* Pair a synthetic stream into intervals; returns how many. */
static size_t pair_all(const struct trace_event *evs, size_t n, struct attrib_interval *iv,
		       struct attrib_pairer *p)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (attrib_pair(p, &srcs, &evs[i], &iv[k]) == 1)
			k++;
	return k;
}

static const char *label(uint32_t src, char *b, size_t n)
{
	attrib_src_label(&srcs.v[src], b, n);
	return b;
}

TEST(attrib_pair_nesting_and_loss)
{
	attrib_srcs_init(&srcs, storage, ARRAY_SIZE(storage));
	struct attrib_pairer p = { 0 };
	struct attrib_interval iv[16];
	const struct trace_event evs[] = {
		ev(5, TR_IRQ_EXIT, 36, NULL),			/* exit before the start: dropped */
		ev(10, TR_SOFTIRQ_ENTRY, 4, NULL),		/* BLOCK softirq ... */
		ev(12, TR_IRQ_ENTRY, 36, "virtio1-req.0"),	/* ... interrupted by a hardirq */
		ev(15, TR_IRQ_EXIT, 36, NULL),
		ev(30, TR_SOFTIRQ_EXIT, 4, NULL),
		ev(40, TR_VECTOR_ENTRY, 236, "local_timer"),
		ev(43, TR_VECTOR_EXIT, 236, NULL),
		ev(50, TR_IRQ_ENTRY, 41, "virtio3-rx"),		/* exit lost */
		ev(60, TR_IRQ_ENTRY, 41, "virtio3-rx"),
		ev(61, TR_IRQ_EXIT, 41, NULL),
	};
	size_t n = pair_all(evs, ARRAY_SIZE(evs), iv, &p);
	char b[64];
	CHECK_INT(n, 4);
	CHECK_INT(p.unmatched, 2);
	CHECK_STR(label(iv[0].src, b, sizeof(b)), "IRQ 36 virtio1-req.0");
	CHECK_INT(iv[0].start_ns, 12000);
	CHECK_INT(iv[0].end_ns, 15000);
	CHECK_STR(label(iv[1].src, b, sizeof(b)), "BLOCK softirq");
	CHECK_INT(iv[1].end_ns - iv[1].start_ns, 20000);
	CHECK_STR(label(iv[2].src, b, sizeof(b)), "local_timer vector");
	CHECK_STR(label(iv[3].src, b, sizeof(b)), "IRQ 41 virtio3-rx");
	CHECK_INT(iv[3].start_ns, 60000);
	CHECK_INT(srcs.n, 4);
}

TEST(attrib_src_shared_irq_and_rows)
{
	attrib_srcs_init(&srcs, storage, 3);
	int a = attrib_src_get(&srcs, AK_IRQ, 5000, "eth0");	/* beyond the direct map */
	CHECK_INT(attrib_src_get(&srcs, AK_IRQ, 5000, "eth1"), a);
	CHECK_INT(attrib_src_get(&srcs, AK_IRQ, 5000, "eth0"), a);
	CHECK_INT(attrib_src_get(&srcs, AK_IRQ, 5000, NULL), a);
	CHECK_STR(srcs.v[a].name, "eth0, eth1");
	int r = attrib_src_get(&srcs, AK_ROW, 0, "LOC");
	CHECK_INT(attrib_src_get(&srcs, AK_ROW, 7, "LOC"), r);
	CHECK(attrib_src_get(&srcs, AK_ROW, 0, "RES") >= 0);
	CHECK_INT(attrib_src_get(&srcs, AK_ROW, 0, "CAL"), -ENOSPC);
}

/*
 * Windows of a 1 ms probe: two spikes on IRQ 36 (one also with BLOCK), one with
 * nothing, and intervals well outside any window that must not count.
 */
TEST(attrib_compute_overlaps)
{
	attrib_srcs_init(&srcs, storage, ARRAY_SIZE(storage));
	struct attrib_pairer p = { 0 };
	const struct trace_event evs[] = {
		ev(500, TR_IRQ_ENTRY, 36, "virtio1-req.0"), ev(520, TR_IRQ_EXIT, 36, NULL),	/* no window */
		ev(990, TR_IRQ_ENTRY, 36, "virtio1-req.0"), ev(1030, TR_IRQ_EXIT, 36, NULL),	/* 30 µs in w0 */
		ev(1030, TR_SOFTIRQ_ENTRY, 4, NULL), ev(1050, TR_SOFTIRQ_EXIT, 4, NULL),	/* 20 µs in w0 */
		ev(2010, TR_IRQ_ENTRY, 36, "virtio1-req.0"), ev(2012, TR_IRQ_EXIT, 36, NULL),	/* 2 in w1 */
		ev(2020, TR_IRQ_ENTRY, 36, "virtio1-req.0"), ev(2025, TR_IRQ_EXIT, 36, NULL),	/* +5 in w1 */
		ev(3100, TR_SOFTIRQ_ENTRY, 4, NULL), ev(3200, TR_SOFTIRQ_EXIT, 4, NULL),	/* after w2 */
		ev(4000, TR_VECTOR_ENTRY, 236, "local_timer"), ev(4004, TR_VECTOR_EXIT, 236, NULL),
	};
	struct attrib_interval iv[16];
	size_t niv = pair_all(evs, ARRAY_SIZE(evs), iv, &p);
	CHECK_INT(niv, 7);
	const struct attrib_window w[] = {
		{ 1000000, 1060000 },	/* 60 µs late */
		{ 2000000, 2040000 },
		{ 3000000, 3050000 },	/* nothing ran: host preemption */
		{ 4000000, 4010000 },	/* the wake-up timer itself */
	};
	struct attrib_cause c[64];
	struct attrib_result r;
	CHECK_INT(attrib_compute(w, 4, iv, niv, srcs.n, c, &r), 0);
	CHECK_INT(r.spikes, 4);
	CHECK_INT(r.explained, 3);
	CHECK_INT(r.ncauses, 3);
	char b[64];
	CHECK_STR(label(c[0].src, b, sizeof(b)), "IRQ 36 virtio1-req.0");
	CHECK_INT(c[0].spikes, 2);
	CHECK_INT(c[0].overlap_ns, 37000);
	CHECK_INT(c[0].max_overlap_ns, 30000);
	CHECK_STR(label(c[1].src, b, sizeof(b)), "BLOCK softirq");
	CHECK_INT(c[1].spikes, 1);
	CHECK_INT(c[1].overlap_ns, 20000);
	CHECK_STR(label(c[2].src, b, sizeof(b)), "local_timer vector");
	CHECK_INT(c[2].overlap_ns, 4000);
	CHECK_INT(r.window_ns, 160000);
	CHECK_INT(r.covered_ns, 30000 + 20000 + 7000 + 4000);
}

/* A long softirq that starts well before a window must still be found (the lookback). */
TEST(attrib_compute_long_interval_and_overlapping_windows)
{
	attrib_srcs_init(&srcs, storage, ARRAY_SIZE(storage));
	int s = attrib_src_get(&srcs, AK_SOFTIRQ, 3, NULL);
	int t = attrib_src_get(&srcs, AK_IRQ, 41, "virtio3-rx");
	struct attrib_interval iv[] = {
		{ 7000000, 7001000, (uint32_t)t },
		{ 1000000, 6000000, (uint32_t)s },	/* 5 ms NET_RX */
		{ 5500000, 5500100, (uint32_t)t },
	};
	/* an overrun: the second window starts before the first one's wake-up */
	const struct attrib_window w[] = { { 5000000, 6200000 }, { 6000000, 6200000 }, { 6900000, 7000500 } };
	struct attrib_cause c[64];
	struct attrib_result r;
	CHECK_INT(attrib_compute(w, 3, iv, 3, srcs.n, c, &r), 0);
	CHECK_INT(r.explained, 2);
	CHECK_INT(c[0].src, s);
	CHECK_INT(c[0].spikes, 1);
	CHECK_INT(c[0].overlap_ns, 1000000);
	CHECK_INT(c[1].src, t);
	CHECK_INT(c[1].spikes, 2);
	CHECK_INT(c[1].overlap_ns, 600);
}

/* Random streams: attrib_compute against a brute-force double loop. */
TEST(attrib_compute_random_vs_brute)
{
	attrib_srcs_init(&srcs, storage, ARRAY_SIZE(storage));
	for (int i = 0; i < 8; i++)
		attrib_src_get(&srcs, AK_IRQ, 30 + i, "x");
	uint64_t seed = 88172645463325252ULL;
	for (int round = 0; round < 20; round++) {
		enum { NW = 200, NI = 2000 };
		struct attrib_window w[NW];
		struct attrib_interval iv[NI], copy[NI];
		uint64_t t = 0;
		for (int k = 0; k < NW; k++) {
			seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
			t += 100000 + seed % 1000000 / 100 * 100;
			w[k].start_ns = t;
			w[k].end_ns = t + 1000 + seed % 300000 / 100 * 100;
		}
		for (int i = 0; i < NI; i++) {
			seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17;
			iv[i].start_ns = seed % (t + 1000000) / 100 * 100;
			iv[i].end_ns = iv[i].start_ns + (seed >> 20) % (round % 4 == 0 ? 2000000 : 20000) / 100 * 100;
			iv[i].src = (uint32_t)((seed >> 40) % 8);
			copy[i] = iv[i];
		}
		uint64_t want_spikes[8] = { 0 }, want_ov[8] = { 0 }, want_expl = 0, want_cov = 0;
		for (int k = 0; k < NW; k++) {
			bool hit[8] = { 0 }, any = false;
			/* union by brute force, on a 100 ns grid (all times are multiples of 100) */
			for (uint64_t x = w[k].start_ns; round < 3 && x < w[k].end_ns; x += 100) {
				for (int i = 0; i < NI; i++)
					if (copy[i].start_ns <= x && x < copy[i].end_ns) {
						want_cov += 100;
						break;
					}
			}
			for (int i = 0; i < NI; i++) {
				uint64_t a = MAX(copy[i].start_ns, w[k].start_ns), b = MIN(copy[i].end_ns, w[k].end_ns);
				if (a >= b)
					continue;
				want_ov[copy[i].src] += b - a;
				hit[copy[i].src] = any = true;
			}
			for (int s = 0; s < 8; s++)
				want_spikes[s] += hit[s];
			want_expl += any;
		}
		struct attrib_cause c[64];
		struct attrib_result r;
		CHECK_INT(attrib_compute(w, NW, iv, NI, 8, c, &r), 0);
		CHECK_INT(r.explained, want_expl);
		if (round < 3)
			CHECK_INT(r.covered_ns, want_cov);
		for (uint32_t j = 0; j < r.ncauses; j++) {
			CHECK_INT(c[j].spikes, want_spikes[c[j].src]);
			CHECK_INT(c[j].overlap_ns, want_ov[c[j].src]);
		}
		for (int s = 0; s < 8; s++) {
			bool listed = false;
			for (uint32_t j = 0; j < r.ncauses; j++)
				listed |= c[j].src == (uint32_t)s;
			CHECK(listed == (want_spikes[s] > 0));
		}
	}
}

TEST(attrib_coarse_counts)
{
	attrib_srcs_init(&srcs, storage, ARRAY_SIZE(storage));
	int loc = attrib_src_get(&srcs, AK_ROW, 0, "LOC");
	int blk = attrib_src_get(&srcs, AK_IRQ, 36, "virtio1-req.0");
	int net = attrib_src_get(&srcs, AK_IRQ, 41, "virtio3-rx");
	enum { NS = 4 };
	/* 50 ms intervals */
	const uint64_t t[NS + 1] = { 0, 50000000, 100000000, 150000000, 200000000 };
	uint32_t d[NS][3] = { 0 };
	for (int k = 0; k < NS; k++)
		d[k][loc] = 50;
	d[0][blk] = 400;	/* disk busy in intervals 0 and 2 */
	d[2][blk] = 300;
	d[3][net] = 5;
	const struct attrib_window w[] = {
		{ 10000000, 10100000 }, { 20000000, 20100000 },	/* interval 0 */
		{ 120000000, 120050000 },			/* interval 2 */
		{ 260000000, 260010000 },			/* after the last reading */
	};
	struct attrib_cause c[64];
	struct attrib_result r;
	CHECK_INT(attrib_coarse(w, 4, t, NS, &d[0][0], 3, c, &r), 0);
	CHECK_INT(r.spikes, 4);
	CHECK_INT(r.unplaced, 1);
	CHECK_INT(r.explained, 3);
	CHECK_INT(r.ncauses, 2);	/* virtio3-rx fired only where no spike was */
	CHECK_INT(c[0].src, blk);
	CHECK_INT(c[0].spikes, 3);
	CHECK_INT(c[0].events, 700);
	CHECK_INT(c[0].events_all, 700);
	CHECK(c[0].rate_spike > 6999 && c[0].rate_spike < 7001);	/* 700 in 100 ms */
	CHECK(c[0].rate_all > 3499 && c[0].rate_all < 3501);
	CHECK_INT(c[1].src, loc);
	CHECK_INT(c[1].events, 100);
}

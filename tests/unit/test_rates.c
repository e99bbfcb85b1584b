/* Readings and rates (sample/reading.c, sample/rates.c) on pairs of real and hand-made files. */
#include "t.h"

#include <errno.h>
#include <math.h>

#include "sample/rates.h"
#include "sample/reading.h"
#include "util/buf.h"

#define D "tests/unit/data/sample/"
#define SEC 1000000000ull

static void take(struct reading *r, const char *intr, const char *soft, const char *stat, uint64_t t)
{
	struct buf a = { 0 }, b = { 0 }, c = { 0 };
	if (intr)
		t_read(intr, &a);
	if (soft)
		t_read(soft, &b);
	if (stat)
		t_read(stat, &c);
	reading_parse(r, a.data, a.len, soft ? b.data : NULL, b.len, stat ? c.data : NULL, c.len, t);
	/* Names point into the reading's arena, not into these buffers. */
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
}

static void take_s(struct reading *r, const char *intr, uint64_t t)
{
	reading_parse(r, intr, strlen(intr), NULL, 0, NULL, 0, t);
}

static const struct rate_irq *irq(const struct rates *rt, const char *name)
{
	for (int i = 0; i < rt->nirqs; i++)
		if (!strcmp(rt->irqs[i].name, name))
			return &rt->irqs[i];
	return NULL;
}

static int col_of(const struct rates *rt, int cpu)
{
	for (int c = 0; c < rt->ncols; c++)
		if (rt->col_cpu[c] == cpu)
			return c;
	return -1;
}

#define CHECK_NEAR(a, b) CHECK(fabs((double)(a) - (double)(b)) < 1e-6 * (fabs((double)(b)) + 1))

TEST(rates_delta_u32_wrap_and_reset)
{
	bool w = false, r = false;
	CHECK_INT(rates_delta_u32(10, 25, &w, &r), 15);
	CHECK(!w && !r);
	CHECK_INT(rates_delta_u32(4294967000u, 100, &w, &r), 396);
	CHECK(w && !r);
	w = false;
	CHECK_INT(rates_delta_u32(5000, 30, &w, &r), 30);
	CHECK(!w && r);
}

/* sysstat's two captures of one 8-CPU desktop, 31.17 s apart (uptime 7192.55 -> 7223.72). */
TEST(rates_sysstat_pair)
{
	struct reading a, b;
	uint64_t t0 = 7192550000000ull, t1 = 7223720000000ull;
	take(&a, D "x86-8cpu-desktop-ioapic-intx-rt2800pci-sysstat-root1.txt", D "softirqs-sysstat-root1.txt",
	     D "stat-sysstat-root1.txt", t0);
	take(&b, D "x86-8cpu-desktop-ioapic-intx-rt2800pci-sysstat-root2.txt", D "softirqs-sysstat-root2.txt",
	     D "stat-sysstat-root2.txt", t1);
	CHECK_INT(a.err_interrupts, 0);
	CHECK_INT(a.ncols, 8);
	CHECK_INT(b.err_softirqs, 0);
	CHECK_INT(b.err_stat, 0);
	struct rates rt;
	CHECK_INT(rates_compute(&rt, &a, &b), 0);
	double s = 31.17;
	CHECK_NEAR(rt.seconds, s);
	const struct rate_irq *q = irq(&rt, "19");	/* rt2800pci on CPU4: 180401 -> 181209 */
	CHECK(q != NULL);
	if (q) {
		CHECK_INT(q->delta, 808);
		CHECK_NEAR(q->cpu_rate[4], 808 / s);
		CHECK_NEAR(q->cpu_rate[0], 0);
		CHECK(!q->is_new && !q->is_reset);
	}
	q = irq(&rt, "LOC");
	CHECK(q && q->number == -1);
	if (q)
		CHECK_NEAR(q->cpu_rate[1], (12522126 - 12156804) / s);
	q = irq(&rt, "ERR");	/* a single total, no per-CPU rates */
	CHECK(q && !q->cpu_rate && q->delta == 0);
	CHECK_INT(rt.nnew, 0);
	CHECK_INT(rt.nvanished, 0);
	/* softirq: NET_RX on CPU3 52549 -> 52586 */
	CHECK_NEAR(rt.cpus[3].softirq_rate[SOFTIRQ_NET_RX], 37 / s);
	/* This kernel accounts IRQ time: cpu0 irq 3243 -> 3253 of a total that moved
	 * (10684+331676+5869+355816+4235+3253+9620) - (10600+331675+5802+352894+4235+3243+9600). */
	CHECK_INT(rt.irq_accounted, TRI_YES);
	double tot = (10684 + 331676 + 5869 + 355816 + 4235 + 3253 + 9620) -
		     (10600 + 331675 + 5802 + 352894 + 4235 + 3243 + 9600);
	CHECK_NEAR(rt.cpus[0].irq_pct, 100.0 * 10 / tot);
	CHECK_NEAR(rt.cpus[0].softirq_pct, 100.0 * 20 / tot);
	/* device IRQ rate of CPU4: rt2800pci (808) + ehci_hcd:usb2 (147202-146110) */
	CHECK_NEAR(rt.cpus[4].dev_irq_rate, (808 + 1092) / s);
	rates_free(&rt);
	reading_free(&a);
	reading_free(&b);
}

/* 80-CPU Westmere-EX, Linux 3.2 (fused chip names), 3.4 s apart. */
TEST(rates_westmere_pair)
{
	struct reading a, b;
	take(&a, D "x86-80cpu-westmere-ex-4s-ioapic-msi-no-ir-eth1-queues-cpu0-before.txt", NULL, NULL, 0);
	take(&b, D "x86-80cpu-westmere-ex-4s-ioapic-msi-no-ir-eth1-queues-cpu0-after.txt", NULL, NULL, 34 * SEC / 10);
	CHECK_INT(b.ncols, 80);
	CHECK_INT(b.short_rows, 0);
	struct rates rt;
	CHECK_INT(rates_compute(&rt, &a, &b), 0);
	const struct rate_irq *q = irq(&rt, "LOC");
	CHECK(q != NULL);
	if (q) {
		CHECK_NEAR(q->cpu_rate[0], (187042331 - 187041474) / 3.4);
		CHECK_NEAR(q->cpu_rate[1], (173088097 - 173088091) / 3.4);
	}
	CHECK_INT(rt.nreset, 0);
	CHECK_INT(rt.nnew, 0);
	CHECK_INT(rt.nvanished, 0);
	CHECK(rt.dev_irq_total >= 0);
	CHECK_INT(rt.irq_accounted, TRI_UNKNOWN);	/* no /proc/stat given: not "no" */
	CHECK(rt.cpus[0].irq_pct < 0);
	rates_free(&rt);
	reading_free(&a);
	reading_free(&b);
}

/* CPU1 offline in the first reading (hole in the header), online in the second;
 * IRQ 40 vanishes, 41 is new, 36's CPU3 counter wraps, 37 is a reused number
 * (new action), 38's counter restarts with the same identity. */
static const char *A =
	"           CPU0       CPU2       CPU3\n"
	" 36:        100        200 4294967000  PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
	" 37:        500        500        500  PCI-MSIX-0000:00:03.0   0-edge      virtio2-config\n"
	" 38:       9000          0          0  PCI-MSIX-0000:00:04.0   1-edge      virtio3-rx\n"
	" 40:          7          0          0  IO-APIC   4-edge      ttyS0\n"
	"LOC:       1000       2000       3000   Local timer interrupts\n"
	"ERR:          3\n";
static const char *B =
	"           CPU0       CPU1       CPU2       CPU3\n"
	" 36:        150         70        200        100  PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
	" 37:          2          0          0          1  PCI-MSIX-0000:00:05.0   0-edge      vfio-msix[0](0000:00:05.0)\n"
	" 38:         40          0          0          0  PCI-MSIX-0000:00:04.0   1-edge      virtio3-rx\n"
	" 41:          5          0          0          0  PCI-MSIX-0000:00:06.0   0-edge      nvme0q0\n"
	"LOC:       1100         50       2200       3300   Local timer interrupts\n"
	"ERR:          5\n";

TEST(rates_vanished_new_wrap_reuse_offline)
{
	struct reading a, b;
	take_s(&a, A, 1 * SEC);
	take_s(&b, B, 3 * SEC);
	CHECK_INT(a.ncols, 3);
	CHECK_INT(a.col_cpu[1], 2);
	struct rates rt;
	CHECK_INT(rates_compute(&rt, &a, &b), 0);
	CHECK_NEAR(rt.seconds, 2.0);
	int c0 = col_of(&rt, 0), c1 = col_of(&rt, 1), c2 = col_of(&rt, 2), c3 = col_of(&rt, 3);
	CHECK(c0 == 0 && c1 == 1 && c2 == 2 && c3 == 3);
	const struct rate_irq *q = irq(&rt, "36");
	CHECK(q && q->wrapped && !q->is_reset);
	if (q) {
		CHECK_NEAR(q->cpu_rate[c0], 25.0);
		CHECK_NEAR(q->cpu_rate[c3], 396 / 2.0);	/* 4294967000 -> 100 across 2^32 */
		CHECK_NEAR(q->cpu_rate[c1], 0);		/* CPU1 came online: no earlier count */
		CHECK_INT(q->delta, 50 + 396);
	}
	q = irq(&rt, "37");
	CHECK(q && q->is_reset && !q->is_new);
	if (q)
		CHECK_INT(q->delta, 3);			/* the new identity's counts, not 3 - 1500 */
	q = irq(&rt, "38");
	CHECK(q && q->is_reset);
	if (q)
		CHECK_INT(q->delta, 40);
	q = irq(&rt, "41");
	CHECK(q && q->is_new);
	if (q)
		CHECK_INT(q->delta, 5);
	CHECK(irq(&rt, "40") == NULL);
	CHECK_INT(rt.nvanished, 1);
	CHECK_INT(rt.nnew, 1);
	CHECK_INT(rt.nreset, 2);
	CHECK(rt.cpus[1].online && rt.cpus[1].is_new);
	CHECK(!rt.cpus[2].is_new);
	q = irq(&rt, "LOC");
	CHECK(q != NULL);
	if (q) {
		CHECK_NEAR(q->cpu_rate[c2], 100.0);
		CHECK_NEAR(q->cpu_rate[c1], 0);
	}
	CHECK_NEAR(irq(&rt, "ERR")->rate, 1.0);
	/* CPU0 device IRQs: 36 (+50) 37 (+2 new identity) 38 (+40 restarted) 41 (+5 new) */
	CHECK_NEAR(rt.cpus[0].dev_irq_rate, (50 + 2 + 40 + 5) / 2.0);
	CHECK_NEAR(rt.cpus[2].arch_irq_rate, 100.0);
	rates_free(&rt);
	reading_free(&a);
	reading_free(&b);
}

TEST(rates_stat_irq_not_accounted)
{
	/* The test machine's kernel (6.18, no CONFIG_IRQ_TIME_ACCOUNTING): irq column 0 on
	 * every CPU while interrupts flow; softirq moves (tick sampled). */
	struct buf st = { 0 };
	t_read(D "stat-live-6.18-no-irqtime.txt", &st);
	static const char *I = "           CPU0       CPU1\n"
			       " 36:        100        200  PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n";
	static const char *I2 = "           CPU0       CPU1\n"
				" 36:        300        200  PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n";
	struct reading a, b;
	reading_parse(&a, I, strlen(I), NULL, 0, st.data, st.len, SEC);
	reading_parse(&b, I2, strlen(I2), NULL, 0, st.data, st.len, 2 * SEC);
	CHECK_INT(a.err_stat, 0);
	CHECK_INT(a.err_softirqs, -ENOENT);
	struct rates rt;
	CHECK_INT(rates_compute(&rt, &a, &b), 0);
	CHECK_INT(rt.irq_accounted, TRI_NO);
	CHECK(rt.cpus[0].irq_pct < 0);
	CHECK(rt.cpus[0].softirq_rate[SOFTIRQ_NET_RX] < 0);	/* no /proc/softirqs: unknown, not 0 */
	CHECK_NEAR(rt.cpus[0].dev_irq_rate, 200.0);
	rates_free(&rt);
	reading_free(&a);
	reading_free(&b);
	buf_free(&st);
}

TEST(rates_refuses_out_of_order)
{
	struct reading a, b;
	take_s(&a, A, 2 * SEC);
	take_s(&b, B, 1 * SEC);
	struct rates rt;
	CHECK_INT(rates_compute(&rt, &a, &b), -EINVAL);
	rates_free(&rt);
	reading_free(&a);
	reading_free(&b);
}

/* top's frame (model/top.c) from two hand-made readings: names, hotspots and their
 * thresholds (model/thresholds.h), where an IRQ landed, the sort order. */
#include "t.h"

#include <math.h>

#include "model/thresholds.h"
#include "model/top.h"
#include "sample/rates.h"
#include "sample/reading.h"

#define SEC 1000000000ull

/* One second apart: IRQ 30 fires 2000 times, all on CPU 1; 31 fires 100 times on CPUs
 * 0-2; 32 fires (TOP_HOT_CPU_RATE - 1) times on CPU 3; LOC 400 on each CPU. */
static const char *const before =
	"           CPU0       CPU1       CPU2       CPU3\n"
	" 30:          0         10          0          0  IR-PCI-MSIX-0000:00:02.0    0-edge      virtio1-req.0\n"
	" 31:          5          5          5          0  IR-PCI-MSIX-0000:01:00.0    3-edge      nvme0q3\n"
	" 32:          0          0          0          0  IR-PCI-MSIX-0000:02:00.0    1-edge      eth1-TxRx-0\n"
	"LOC:       1000       1000       1000       1000   Local timer interrupts\n";
static const char *const after =
	"           CPU0       CPU1       CPU2       CPU3\n"
	" 30:          0       2010          0          0  IR-PCI-MSIX-0000:00:02.0    0-edge      virtio1-req.0\n"
	" 31:         45         35         35          0  IR-PCI-MSIX-0000:01:00.0    3-edge      nvme0q3\n"
	" 32:          0          0          0        999  IR-PCI-MSIX-0000:02:00.0    1-edge      eth1-TxRx-0\n"
	"LOC:       1400       1400       1400       1400   Local timer interrupts\n";

static const struct top_src *src_of(const struct top_frame *f, const char *irq)
{
	for (int i = 0; i < f->nsrcs; i++)
		if (!strcmp(f->srcs[i].irq, irq))
			return &f->srcs[i];
	return NULL;
}

TEST(top_frame_names_hotspots_and_order)
{
	struct reading a, b;
	reading_parse(&a, before, strlen(before), NULL, 0, NULL, 0, SEC);
	reading_parse(&b, after, strlen(after), NULL, 0, NULL, 0, 2 * SEC);
	struct rates rt = { 0 };
	CHECK_INT(rates_compute(&rt, &a, &b), 0);
	struct top_frame f = { 0 };
	top_frame_build(&f, &rt, NULL, 0, 0);
	top_frame_sort(&f);

	CHECK_INT(f.ncpus, 4);
	CHECK_INT(f.pct_src, PCT_NONE);	/* no /proc/stat in the readings */
	/* CPU 1 takes 2030 of the host's 3099 device IRQs/s: >= TOP_HOT_CPU_RATE and
	 * >= TOP_HOT_CPU_SHARE of them */
	CHECK(f.cpus[1].hot);
	CHECK_STR(f.cpus[1].hot_why, "66% of the host's device IRQs");
	CHECK_STR(f.cpus[1].top_irq, "30 virtio1-req.0");
	/* CPU 3: 999/s, one under the rate threshold */
	CHECK(!f.cpus[3].hot);
	CHECK(!f.cpus[0].hot && !f.cpus[2].hot);

	const struct top_src *v = src_of(&f, "30"), *n = src_of(&f, "31"), *e = src_of(&f, "32");
	CHECK(v && n && e);
	if (!v || !n || !e)
		return;
	CHECK_STR(v->device, "0000:00:02.0 virtio1");
	CHECK_STR(v->queue, "req.0");
	CHECK_STR(v->cpus, "1");
	CHECK_INT(v->top_cpu, 1);
	CHECK(fabs(v->top_cpu_share - 1.0) < 1e-9);
	CHECK(v->hot);	/* >= TOP_HOT_CPU_RATE, >= TOP_HOT_SRC_SHARE on one CPU */
	CHECK_STR(n->device, "0000:01:00.0 nvme0");
	CHECK_STR(n->queue, "q3");
	CHECK_STR(n->cpus, "0-2");
	CHECK(!n->hot);
	CHECK_STR(e->device, "0000:02:00.0 eth1");
	CHECK_STR(e->queue, "TxRx-0");
	CHECK(!e->hot);	/* all on one CPU, but under TOP_HOT_CPU_RATE */
	CHECK(e->rate < TOP_HOT_CPU_RATE);

	/* device IRQs by rate, then the named rows */
	CHECK_INT(f.nsrcs, 4);
	if (f.nsrcs == 4) {
		CHECK_STR(f.srcs[0].irq, "30");
		CHECK_STR(f.srcs[1].irq, "32");
		CHECK_STR(f.srcs[2].irq, "31");
		CHECK_STR(f.srcs[3].irq, "LOC");
		CHECK_STR(f.srcs[3].cpus, "0-3");
		CHECK(!f.srcs[3].hot);	/* named rows are never hot sources */
	}
	arena_free(&f.arena);
	rates_free(&rt);
	reading_free(&a);
	reading_free(&b);
}

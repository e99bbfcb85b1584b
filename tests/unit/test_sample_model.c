/*
 * The model's sampled rates and times (model/build_sample.c: sample_apply), on a real
 * pair of readings from the test machine and on hand-made pairs: what check --interval
 * judges from. The model is built from the first reading as a --root tree.
 */
#include "t.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/build.h"
#include "render/prom.h"
#include "render/render.h"
#include "rules/finding.h"
#include "sample/reading.h"
#include "sample/trace.h"
#include "source/source.h"
#include "util/buf.h"

#define D "tests/unit/data/sample/live-6.18-2cpu-virtio-blk-dd-"
/* CLOCK_MONOTONIC of the two readings (taken 2 s apart while O_DIRECT dd reads ran). */
#define LIVE_T0 1136126059344ull
#define LIVE_T1 1138127475143ull
#define LIVE_S ((double)(LIVE_T1 - LIVE_T0) / 1e9)

#define CHECK_NEAR(a, b) CHECK(fabs((double)(a) - (double)(b)) < 1e-6 * (fabs((double)(b)) + 1))

struct tree {
	char dir[64];
};

static void put(const struct tree *t, const char *name, const char *data, size_t len)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/proc/%s", t->dir, name);
	FILE *f = fopen(p, "w");
	if (!f) {
		t_fail(__FILE__, __LINE__, "cannot write %s", p);
		return;
	}
	fwrite(data, 1, len, f);
	fclose(f);
}

/* A --root tree with proc/interrupts, softirqs and stat (any may be NULL). */
static void tree_make(struct tree *t, const char *intr, const char *soft, const char *stat)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/irqsight-sample.XXXXXX");
	if (!mkdtemp(t->dir)) {
		t_fail(__FILE__, __LINE__, "mkdtemp failed");
		return;
	}
	char p[128];
	snprintf(p, sizeof(p), "%s/proc", t->dir);
	mkdir(p, 0755);
	if (intr)
		put(t, "interrupts", intr, strlen(intr));
	if (soft)
		put(t, "softirqs", soft, strlen(soft));
	if (stat)
		put(t, "stat", stat, strlen(stat));
}

static void tree_free(struct tree *t)
{
	static const char *const names[] = { "interrupts", "softirqs", "stat" };
	char p[128];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/proc/%s", t->dir, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/proc", t->dir);
	rmdir(p);
	rmdir(t->dir);
}

static int build(struct host *h, const struct tree *t)
{
	struct source src;
	int r = src_open(&src, t->dir);
	if (r)
		return r;
	struct host_opts o = { 0 };
	r = host_build(h, &src, &o);
	src_close(&src);
	return r;
}

struct files {
	struct buf intr, soft, stat;
};

static void load(struct files *f, int which)
{
	char p[160];
	memset(f, 0, sizeof(*f));
	snprintf(p, sizeof(p), D "%d-interrupts.txt", which);
	t_read(p, &f->intr);
	snprintf(p, sizeof(p), D "%d-softirqs.txt", which);
	t_read(p, &f->soft);
	snprintf(p, sizeof(p), D "%d-stat.txt", which);
	t_read(p, &f->stat);
}

static void files_free(struct files *f)
{
	buf_free(&f->intr);
	buf_free(&f->soft);
	buf_free(&f->stat);
}

static void take(struct reading *r, const struct files *f, uint64_t t)
{
	reading_parse(r, f->intr.data, f->intr.len, f->soft.data, f->soft.len, f->stat.data, f->stat.len, t);
}

static const struct finding *finding(const struct findings *fs, const char *id)
{
	for (int i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].id, id))
			return &fs->v[i];
	return NULL;
}

static const char *evidence(const struct finding *f, const char *key)
{
	for (int i = 0; f && i < f->nevidence; i++)
		if (!strcmp(f->evidence[i].key, key))
			return f->evidence[i].value;
	return NULL;
}

static bool has(const struct buf *b, const char *s)
{
	return b->data && strstr(b->data, s);
}

static bool has_unreadable(const struct host *h, const char *reason_part)
{
	for (int i = 0; i < h->nunreadable; i++)
		if (strstr(h->unreadable[i].reason, reason_part))
			return true;
	return false;
}

/* Model from the first reading of the live pair, sampled a -> b. */
static int live_model(struct host *h, struct files *f1, struct files *f2, const struct sample_trace *st)
{
	load(f1, 1);
	load(f2, 2);
	struct tree t;
	tree_make(&t, f1->intr.data, f1->soft.data, f1->stat.data);
	int r = build(h, &t);
	tree_free(&t);
	if (r)
		return r;
	struct reading a, b;
	take(&a, f1, LIVE_T0);
	take(&b, f2, LIVE_T1);
	r = sample_apply(h, &a, &b, st);
	derive_load(h);
	reading_free(&a);
	reading_free(&b);
	return r;
}

/* The test machine (Linux 6.18, 2 CPUs, no CONFIG_IRQ_TIME_ACCOUNTING) under O_DIRECT
 * reads: virtio-blk's IRQ 36 on CPU 1. */
TEST(model_sample_live_pair_no_irq_time)
{
	struct host h;
	struct files f1, f2;
	struct sample_trace st = { .why_not = "not root" };
	CHECK_INT(live_model(&h, &f1, &f2, &st), 0);
	CHECK_NEAR(h.sample_seconds, LIVE_S);
	const struct irq *q = host_irq_by_number(&h, 36);
	CHECK(q && q->cpu_rate);
	if (q && q->cpu_rate) {
		CHECK_NEAR(q->rate, (1304173 - 1266874) / LIVE_S);
		CHECK_NEAR(q->cpu_rate[h.cpus[1].col], (1304173 - 1266874) / LIVE_S);
		CHECK_NEAR(q->cpu_rate[h.cpus[0].col], 0);
		CHECK(q->cpu_time_pct == NULL);
	}
	/* a row that did not move has rate 0, not unknown */
	q = host_irq_by_number(&h, 37);
	CHECK(q && q->rate == 0 && !q->cpu_rate);
	CHECK_NEAR(h.cpus[1].softirq_rate[SOFTIRQ_BLOCK], (1304064 - 1266764) / LIVE_S);
	CHECK_NEAR(h.cpus[0].softirq_rate[SOFTIRQ_BLOCK], 0);
	CHECK(h.cpus[1].dev_irq_rate > 18000);
	/* /proc/stat: irq 0 everywhere while 37k interrupts/s flowed: not accounted, so
	 * unknown, never 0; softirq a tick-sampled 30 of 199 ticks. */
	CHECK_INT(h.irq_accounted, TRI_NO);
	CHECK(h.cpus[1].irq_pct < 0);
	CHECK_INT(h.cpus[1].irq_src, TIME_NONE);
	CHECK_NEAR(h.cpus[1].softirq_pct, 100.0 * 30 / 199);
	CHECK_INT(h.cpus[1].softirq_src, TIME_STAT_TICK);
	CHECK_INT(h.time_src, TIME_STAT_TICK);
	CHECK(!h.traced);
	CHECK(h.time_note && strstr(h.time_note, "not accounted by this kernel") && strstr(h.time_note, "not root"));

	struct findings fs = { .arena = &h.arena };
	rules_run(&h, &fs);
	const struct finding *f = finding(&fs, "irq-hotspot");
	CHECK(f && f->cpu == 1);
	const char *e = evidence(f, "proc/stat");
	CHECK(e && strstr(e, "CPU 1: hardirq time not accounted by this kernel") && strstr(e, "tick-sampled") &&
	      strstr(e, "tracepoints not used: not root"));
	CHECK(evidence(f, "tracepoints") == NULL);
	f = finding(&fs, "softirq-hotspot");
	CHECK(f && f->cpu == 1 && evidence(f, "proc/stat"));

	struct buf b = { 0 };
	struct render_opts ro = { .width = 80, .version = "test" };
	render_json(&h, &fs, &ro, &b);
	CHECK(has(&b, "\"irq_pct\": null"));
	CHECK(!has(&b, "\"irq_pct\": 0"));
	CHECK(has(&b, "\"softirq_pct_source\": \"stat-tick\""));
	CHECK(has(&b, "\"time_source\": \"stat-tick\""));
	CHECK(has(&b, "\"irq_time_accounted\": \"no\""));
	CHECK(has(&b, "\"time_pct\": null"));
	buf_reset(&b);
	render_text(&h, &fs, &ro, &b);
	CHECK(has(&b, "irq%/soft%: hardirq time not accounted by this kernel"));
	buf_reset(&b);
	struct prom_opts po;
	prom_opts_init(&po);
	CHECK_INT(render_prom(&h, &fs, &po, &b), 0);
	CHECK(!has(&b, "irqsight_cpu_irq_seconds_total"));
	CHECK(!has(&b, "irqsight_cpu_irq_time_ratio{"));
	CHECK(has(&b, "irqsight_cpu_softirq_seconds_total{cpu=\"1\"}"));
	buf_free(&b);
	host_free(&h);
	files_free(&f1);
	files_free(&f2);
}

static void ev(struct trace_totals *tt, int cpu, enum trace_kind k, int id, uint64_t t, const char *name)
{
	struct trace_event e = { .time_ns = t, .cpu = cpu, .kind = k, .id = id, .name = name };
	trace_totals_add(tt, &e);
}

/* The same pair with tracepoint totals over a 2 s window: CPU 1 spends 2% in IRQ 36's
 * handler and 10% in BLOCK softirq, CPU 0 0.5% in the local timer; an event for IRQ 35
 * under another handler name (the number was reused) is not charged to virtio1-config. */
TEST(model_sample_live_pair_traced)
{
	struct trace_totals *tt = trace_totals_new();
	/* As many runs as /proc counted in the pair (37,299 of IRQ 36 and BLOCK on CPU 1,
	 * 1,074 LOC on CPU 0, in 2.001 s): the recorder saw them all, nothing is scaled. */
	for (int i = 0; i < 40000; i++) {
		uint64_t t0 = 50000ull * (uint64_t)i;	/* one after another, no nesting */
		ev(tt, 1, TR_IRQ_ENTRY, 36, t0, "virtio1-req.0");
		ev(tt, 1, TR_IRQ_EXIT, 36, t0 + 1000, NULL);		/* 1 us x 40000 = 40 ms */
		ev(tt, 1, TR_SOFTIRQ_ENTRY, SOFTIRQ_BLOCK, t0 + 1000, NULL);
		ev(tt, 1, TR_SOFTIRQ_EXIT, SOFTIRQ_BLOCK, t0 + 6000, NULL);	/* 5 us x 40000 = 200 ms */
	}
	for (int i = 0; i < 1000; i++) {
		uint64_t t0 = 2000000ull * (uint64_t)i;
		ev(tt, 0, TR_VECTOR_ENTRY, 236, 5000 + t0, "local_timer");
		ev(tt, 0, TR_VECTOR_EXIT, 236, 5000 + t0 + 10000, NULL);	/* 10 us x 1000 = 10 ms */
	}
	ev(tt, 0, TR_IRQ_ENTRY, 35, 1000, "vfio-msix[0](0000:00:02.0)");
	ev(tt, 0, TR_IRQ_EXIT, 35, 2000, NULL);
	struct host h;
	struct files f1, f2;
	struct sample_trace st = { .tt = tt, .window_ns = 2000000000ull, .events = 406, .lost = 0 };
	CHECK_INT(live_model(&h, &f1, &f2, &st), 0);
	CHECK(h.traced);
	CHECK_INT(h.time_src, TIME_TRACE);
	CHECK_NEAR(h.trace_seconds, 2.0);
	CHECK_INT(h.trace_events, 406);
	CHECK_INT(h.irq_accounted, TRI_NO);	/* still what /proc/stat says */
	const struct host_cpu *c1 = &h.cpus[1], *c0 = &h.cpus[0];
	CHECK_NEAR(c1->irq_pct, 2.0);
	CHECK_NEAR(c1->softirq_pct, 10.0);
	CHECK_INT(c1->irq_src, TIME_TRACE);
	CHECK_INT(c1->softirq_src, TIME_TRACE);
	CHECK_NEAR(c1->softirq_time_pct[SOFTIRQ_BLOCK], 10.0);
	CHECK_NEAR(c1->softirq_time_pct[SOFTIRQ_NET_RX], 0);
	CHECK_NEAR(c0->irq_pct, 0.5 + 0.00005);		/* the timer and the 1 us IRQ 35 event */
	const struct irq *q = host_irq_by_number(&h, 36);
	CHECK(q && q->cpu_time_pct);
	if (q && q->cpu_time_pct) {
		CHECK_NEAR(q->cpu_time_pct[c1->col], 2.0);
		CHECK_NEAR(q->cpu_time_pct[c0->col], 0);
	}
	q = host_irq_by_name(&h, "LOC");
	CHECK(q && q->cpu_time_pct && fabs(q->cpu_time_pct[c0->col] - 0.5) < 1e-9);
	q = host_irq_by_number(&h, 35);
	CHECK(q && !q->cpu_time_pct);
	CHECK(has_unreadable(&h, "reused during the sample"));

	struct findings fs = { .arena = &h.arena };
	rules_run(&h, &fs);
	const struct finding *f = finding(&fs, "irq-hotspot");
	const char *e = evidence(f, "tracepoints");
	CHECK(e != NULL);
	if (e) {
		CHECK(!strncmp(e, "CPU 1: 12.0% of its time in IRQ 36 virtio1-req.0 and BLOCK softirq (tracepoints over 2.0 s: "
				  "hardirq 2.0%, IRQ 36 2.0%; softirq 10.0%, BLOCK 10.0%)", 130));
	}
	e = evidence(f, "irq 36");
	CHECK(e && strstr(e, "2.00% of its time, tracepoints"));
	f = finding(&fs, "softirq-hotspot");
	e = evidence(f, "tracepoints");
	CHECK(e && strstr(e, "CPU 1: 10.00% of its time in BLOCK softirq"));

	struct buf b = { 0 };
	struct render_opts ro = { .width = 80, .version = "test" };
	render_json(&h, &fs, &ro, &b);
	CHECK(has(&b, "\"time_source\": \"tracepoints\""));
	CHECK(has(&b, "\"irq_pct_source\": \"tracepoints\""));
	CHECK(has(&b, "\"irq_pct\": 2.00"));
	CHECK(has(&b, "\"BLOCK\": 10.000"));
	buf_reset(&b);
	struct prom_opts po;
	prom_opts_init(&po);
	CHECK_INT(render_prom(&h, &fs, &po, &b), 0);
	CHECK(has(&b, "irqsight_cpu_irq_time_ratio{cpu=\"1\"} 0.12\n"));
	CHECK(!has(&b, "irqsight_cpu_irq_seconds_total"));	/* /proc/stat's counter is still not real */
	buf_free(&b);
	host_free(&h);
	files_free(&f1);
	files_free(&f2);
	trace_totals_free(tt);
}

/* Hand-made: IRQ 37 is reused for another device between the model's reading and the
 * sample's; 36's CPU1 counter wraps past 2^32; BLOCK softirq on CPU0 wraps too;
 * /proc/softirqs gains possible CPUs between the readings. */
static const char *I1 = "           CPU0       CPU1\n"
			" 36:        100 4294967000  PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
			" 37:        500        500  PCI-MSIX-0000:00:03.0   0-edge      virtio2-config\n"
			"LOC:       1000       2000   Local timer interrupts\n";
static const char *I2 = "           CPU0       CPU1\n"
			" 36:        300        200  PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
			" 37:          2          0  PCI-MSIX-0000:00:05.0   0-edge      vfio-msix[0](0000:00:05.0)\n"
			"LOC:       1100       2200   Local timer interrupts\n";
static const char *S1 = "                    CPU0       CPU1\n"
			"          HI:          0          0\n"
			"       TIMER:         10         10\n"
			"      NET_TX:          0          0\n"
			"      NET_RX:         50         60\n"
			"       BLOCK: 4294967000         70\n";
static const char *S2 = "                    CPU0       CPU1       CPU2       CPU3\n"
			"          HI:          0          0          0          0\n"
			"       TIMER:         12         14          0          0\n"
			"      NET_TX:          0          0          0          0\n"
			"      NET_RX:         50         80          0          0\n"
			"       BLOCK:        100         70          0          0\n";

TEST(model_sample_identity_wrap_and_softirq_cpus)
{
	struct tree t;
	tree_make(&t, I1, S1, NULL);
	struct host h;
	int r = build(&h, &t);
	tree_free(&t);
	CHECK_INT(r, 0);
	if (r)
		return;
	struct reading a, b;
	reading_parse(&a, I1, strlen(I1), S1, strlen(S1), NULL, 0, 1000000000ull);
	reading_parse(&b, I2, strlen(I2), S2, strlen(S2), NULL, 0, 3000000000ull);
	CHECK_INT(sample_apply(&h, &a, &b, NULL), 0);
	derive_load(&h);
	CHECK_NEAR(h.sample_seconds, 2.0);
	const struct irq *q = host_irq_by_number(&h, 36);
	CHECK(q && q->cpu_rate);
	if (q && q->cpu_rate) {
		CHECK_NEAR(q->cpu_rate[0], 100.0);			/* 100 -> 300 */
		CHECK_NEAR(q->cpu_rate[1], (296 + 200) / 2.0);	/* 4294967000 -> 200 across 2^32 */
	}
	/* another device's IRQ under the same number: unknown, not modulo garbage */
	q = host_irq_by_number(&h, 37);
	CHECK(q && q->rate < 0 && !q->cpu_rate);
	CHECK(has_unreadable(&h, "reused during the sample"));
	CHECK_NEAR(h.cpus[0].dev_irq_rate, 100.0);
	/* softirqs by CPU id: both CPUs keep their rates although the column count grew */
	CHECK_NEAR(h.cpus[0].softirq_rate[SOFTIRQ_BLOCK], 396 / 2.0);	/* wrapped u32 */
	CHECK_NEAR(h.cpus[1].softirq_rate[SOFTIRQ_NET_RX], 10.0);
	CHECK_NEAR(h.cpus[1].softirq_rate[SOFTIRQ_TIMER], 2.0);
	/* no /proc/stat: time unknown, and said so */
	CHECK_INT(h.irq_accounted, TRI_UNKNOWN);
	CHECK(h.cpus[0].irq_pct < 0 && h.cpus[0].softirq_pct < 0);
	CHECK_INT(h.time_src, TIME_NONE);
	reading_free(&a);
	reading_free(&b);
	host_free(&h);
}

/* Counts since boot alone decide whether /proc/stat's irq column means anything
 * (the Prometheus counter is left out when it does not). */
TEST(model_irq_accounted_from_boot_counts)
{
	struct files f;
	load(&f, 1);
	struct tree t;
	tree_make(&t, f.intr.data, f.soft.data, f.stat.data);
	struct host h;
	CHECK_INT(build(&h, &t), 0);
	tree_free(&t);
	CHECK_INT(h.irq_accounted, TRI_NO);
	CHECK_NEAR(h.sample_seconds, 0);
	CHECK(h.cpus[1].irq_pct < 0 && h.cpus[1].softirq_pct < 0);
	host_free(&h);
	files_free(&f);
	struct buf st = { 0 };
	t_read("tests/unit/data/sample/stat-sysstat-root1.txt", &st);
	tree_make(&t, I1, NULL, st.data);
	CHECK_INT(build(&h, &t), 0);
	tree_free(&t);
	CHECK_INT(h.irq_accounted, TRI_YES);	/* a desktop kernel with IRQ time accounting */
	host_free(&h);
	buf_free(&st);
	CHECK_INT(stat_irq_accounted(0, 0, 5), TRI_UNKNOWN);
	CHECK_INT(stat_irq_accounted(0, 4, 0), TRI_UNKNOWN);
	CHECK_INT(stat_irq_accounted(0, 4, 5), TRI_NO);
	CHECK_INT(stat_irq_accounted(3, 4, 5), TRI_YES);
}

/* The recorder saw 100 of the 37,299 runs of IRQ 36 that /proc counted (the kernel does
 * not deliver every tracepoint sample on an idle CPU of this VM): the handler's time is
 * the recorded mean (1 us) times the counted runs, and the note says so. */
TEST(model_sample_trace_coverage_scales)
{
	struct trace_totals *tt = trace_totals_new();
	for (int i = 0; i < 100; i++) {
		uint64_t t0 = 10000000ull * (uint64_t)i;
		ev(tt, 1, TR_IRQ_ENTRY, 36, t0, "virtio1-req.0");
		ev(tt, 1, TR_IRQ_EXIT, 36, t0 + 1000, NULL);
	}
	struct host h;
	struct files f1, f2;
	struct sample_trace st = { .tt = tt, .window_ns = 2001000000ull, .events = 200, .lost = 0 };
	CHECK_INT(live_model(&h, &f1, &f2, &st), 0);
	const struct irq *q = host_irq_by_number(&h, 36);
	const struct host_cpu *c1 = &h.cpus[1];
	/* 37299 runs x 1 us over 2.001 s */
	CHECK(q && q->cpu_time_pct && fabs(q->cpu_time_pct[c1->col] - 100.0 * 37299e-6 / 2.001) < 1e-3);
	CHECK(fabs(c1->irq_pct - 100.0 * 37299e-6 / 2.001) < 1e-3);
	CHECK(h.trace_coverage >= 0 && h.trace_coverage < 0.01);
	CHECK_INT(h.trace_coverage_cpu, 1);
	CHECK(h.time_note && strstr(h.time_note, "were recorded") && strstr(h.time_note, "scaled"));
	host_free(&h);
	files_free(&f1);
	files_free(&f2);
	trace_totals_free(tt);
}

/* A host from a --root tree holding only proc/interrupts. */
static int build_intr(struct host *h, const char *intr)
{
	struct tree t;
	tree_make(&t, intr, NULL, NULL);
	int r = build(h, &t);
	tree_free(&t);
	return r;
}

/*
 * Queue words of "<driver>_<word>@pci:<bdf>" vectors (mlx5, mana): the word after the
 * last '_' when it ends in a digit, but mlx5's async event queues (mlx5_async0 on
 * current kernels, mlx5_async on 4.18) and mana's hardware channel are no queue. Rows in
 * the 6.x format, written for the test.
 */
TEST(model_queue_names_of_pci_suffixed_vectors)
{
	static const char intr[] =
		"           CPU0       CPU1\n"
		" 40:          5          0  PCI-MSIX-0000:19:00.0   0-edge      mlx5_async0@pci:0000:19:00.0\n"
		" 41:        700          0  PCI-MSIX-0000:19:00.0   1-edge      mlx5_comp0@pci:0000:19:00.0\n"
		" 42:          0        800  PCI-MSIX-0000:19:00.0   2-edge      mlx5_comp1@pci:0000:19:00.0\n"
		" 43:          9          0  PCI-MSIX-0000:19:00.1   0-edge      mlx5_async@pci:0000:19:00.1\n"
		" 44:          3          0  PCI-MSIX-7870:00:00.0   0-edge      mana_hwc@pci:7870:00:00.0\n"
		" 45:        300          0  PCI-MSIX-7870:00:00.0   1-edge      mana_q0@pci:7870:00:00.0\n"
		" 46:          1          0  PCI-MSIX-0000:00:1f.2   0-edge      ahci[0000:00:1f.2]\n";
	struct host h;
	CHECK_INT(build_intr(&h, intr), 0);
	static const struct {
		int irq;
		const char *queue;
	} want[] = { { 40, NULL }, { 41, "comp0" }, { 42, "comp1" }, { 43, NULL },
		     { 44, NULL }, { 45, "q0" }, { 46, NULL } };
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct irq *q = host_irq_by_number(&h, want[i].irq);
		CHECK(q != NULL);
		if (!q)
			continue;
		if (want[i].queue)
			CHECK_STR(q->queue ? q->queue : "(null)", want[i].queue);
		else
			CHECK(q->queue == NULL);
		CHECK(q->dev != NULL);
	}
	host_free(&h);
}

/*
 * A /proc-only tree whose chip and action name different BDFs: the action's (the
 * driver's dev_name) is taken, before and after pseudo-devices are made, so no
 * pseudo-device is left without an IRQ. Rows written for the test.
 */
TEST(model_conflicting_bdfs_leave_no_orphan_device)
{
	static const char intr[] =
		"           CPU0       CPU1\n"
		" 40:          5          0  PCI-MSIX-0000:01:00.0   0-edge      foo0@pci:0000:02:00.0\n"
		" 41:          7          0  PCI-MSIX-0000:01:00.0   1-edge      bar\n";
	struct host h;
	CHECK_INT(build_intr(&h, intr), 0);
	const struct irq *a = host_irq_by_number(&h, 40), *b = host_irq_by_number(&h, 41);
	CHECK(a && a->dev && !strcmp(a->dev->bdf, "0000:02:00.0"));
	CHECK(b && b->dev && !strcmp(b->dev->bdf, "0000:01:00.0"));
	CHECK_INT(h.ndevs, 2);
	for (int i = 0; i < h.ndevs; i++)
		CHECK(h.devs[i].nirqs >= 1);
	host_free(&h);
}

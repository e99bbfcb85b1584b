/* Pairing of tracepoint entry/exit events into per-CPU totals (sample/trace.c). */
#include "t.h"

#include <stdlib.h>
#include <string.h>

#include "sample/trace.h"
#include "util/arena.h"
#include "util/cpuset.h"

static void ev(struct trace_totals *tt, int cpu, enum trace_kind k, int id, uint64_t t, const char *name)
{
	struct trace_event e = { .time_ns = t, .cpu = cpu, .kind = k, .id = id, .name = name };
	trace_totals_add(tt, &e);
}

static bool find(const struct trace_totals *tt, int cpu, enum trace_kind k, int id, struct trace_total *out)
{
	size_t it = 0;
	while (trace_totals_next(tt, &it, out))
		if (out->cpu == cpu && out->kind == k && out->id == id)
			return true;
	return false;
}

TEST(trace_totals_pairs_and_sums)
{
	struct trace_totals *tt = trace_totals_new();
	ev(tt, 1, TR_IRQ_ENTRY, 36, 1000, "virtio1-req.0");
	ev(tt, 1, TR_IRQ_EXIT, 36, 1500, NULL);
	ev(tt, 1, TR_IRQ_ENTRY, 36, 5000, "virtio1-req.0");
	ev(tt, 1, TR_IRQ_EXIT, 36, 7000, NULL);
	struct trace_total v;
	CHECK(find(tt, 1, TR_IRQ_ENTRY, 36, &v));
	CHECK_INT(v.count, 2);
	CHECK_INT(v.time_ns, 2500);
	CHECK_INT(v.max_ns, 2000);
	CHECK_STR(v.name, "virtio1-req.0");
	CHECK(!find(tt, 0, TR_IRQ_ENTRY, 36, &v));
	trace_totals_free(tt);
}

TEST(trace_totals_nested_irq_in_softirq_is_self_time)
{
	struct trace_totals *tt = trace_totals_new();
	ev(tt, 0, TR_SOFTIRQ_ENTRY, 3, 100, "NET_RX");
	ev(tt, 0, TR_IRQ_ENTRY, 41, 200, "virtio3-rx");
	ev(tt, 0, TR_IRQ_EXIT, 41, 250, NULL);
	ev(tt, 0, TR_SOFTIRQ_EXIT, 3, 1100, NULL);
	struct trace_total v;
	CHECK(find(tt, 0, TR_SOFTIRQ_ENTRY, 3, &v));
	CHECK_INT(v.time_ns, 950);	/* 1000 minus the nested 50 */
	CHECK_STR(v.name, "NET_RX");
	CHECK(find(tt, 0, TR_IRQ_ENTRY, 41, &v));
	CHECK_INT(v.time_ns, 50);
	trace_totals_free(tt);
}

TEST(trace_totals_unmatched_events_ignored)
{
	struct trace_totals *tt = trace_totals_new();
	/* exit without entry (recording began mid-handler) */
	ev(tt, 0, TR_VECTOR_EXIT, 236, 50, "local_timer");
	/* entry whose exit was lost, then a complete outer pair */
	ev(tt, 0, TR_VECTOR_ENTRY, 236, 100, "local_timer");
	ev(tt, 0, TR_IRQ_ENTRY, 36, 120, "x");
	ev(tt, 0, TR_VECTOR_EXIT, 236, 300, "local_timer");
	struct trace_total v;
	CHECK(find(tt, 0, TR_VECTOR_ENTRY, 236, &v));
	CHECK_INT(v.count, 1);
	CHECK_INT(v.time_ns, 200);
	CHECK_STR(v.name, "local_timer");
	CHECK(find(tt, 0, TR_IRQ_ENTRY, 36, &v));
	CHECK_INT(v.count, 0);
	/* a later exit of irq 36 finds no open entry: nothing is added */
	ev(tt, 0, TR_IRQ_EXIT, 36, 400, NULL);
	CHECK(find(tt, 0, TR_IRQ_ENTRY, 36, &v));
	CHECK_INT(v.count, 0);
	trace_totals_free(tt);
}

TEST(trace_totals_many_keys)
{
	struct trace_totals *tt = trace_totals_new();
	for (int cpu = 0; cpu < 64; cpu++)
		for (int irq = 0; irq < 40; irq++) {
			ev(tt, cpu, TR_IRQ_ENTRY, irq, 10, "a");
			ev(tt, cpu, TR_IRQ_EXIT, irq, 10 + (uint64_t)cpu + (uint64_t)irq, NULL);
		}
	struct trace_total v;
	size_t it = 0, n = 0;
	while (trace_totals_next(tt, &it, &v))
		n++;
	CHECK_INT(n, 64 * 40);
	CHECK(find(tt, 63, TR_IRQ_ENTRY, 39, &v));
	CHECK_INT(v.time_ns, 102);
	trace_totals_free(tt);
}

/* A handler's name against its number's actions (", "-separated, whole names only). */
TEST(trace_action_listed_whole_names)
{
	CHECK(trace_action_listed("virtio1-req.0", "virtio1-req.0"));
	CHECK(trace_action_listed("ehci_hcd:usb1, i801_smbus", "i801_smbus"));
	CHECK(trace_action_listed("ehci_hcd:usb1, i801_smbus", "ehci_hcd:usb1"));
	CHECK(!trace_action_listed("ehci_hcd:usb1, i801_smbus", "i801"));
	CHECK(!trace_action_listed("virtio1-req.0", "virtio1-req.01"));
	CHECK(!trace_action_listed("eth0-rx-1", "nvme0q1"));
	/* unknown either side: cannot tell */
	CHECK(trace_action_listed("", "nvme0q1"));
	CHECK(trace_action_listed(NULL, "nvme0q1"));
	CHECK(trace_action_listed("eth0", NULL));
	CHECK(trace_action_listed("eth0", ""));
}

/* Scaling to the runs /proc counted, and the per-CPU coverage (top and check share it). */
TEST(trace_scaled_ns_and_coverage)
{
	double seen[3] = { 0 }, counted[3] = { 0 };
	struct trace_cov cov = { seen, counted, 2 };
	struct trace_total v = { .cpu = 1, .kind = TR_IRQ_ENTRY, .id = 36, .count = 10, .time_ns = 50000 };
	/* 1000 counted, 10 recorded: 100x the recorded time */
	CHECK(trace_scaled_ns(&v, 1000, &cov) == 5000000.0);
	/* within 10%, or fewer than 20 counted: as recorded */
	CHECK(trace_scaled_ns(&v, 11, &cov) == 50000.0);
	CHECK(trace_scaled_ns(&v, 19, &cov) == 50000.0);
	/* without coverage kept, nothing is scaled (no note could say so) */
	CHECK(trace_scaled_ns(&v, 1000, NULL) == 50000.0);
	/* unknown count: as recorded, not in the coverage */
	CHECK(trace_scaled_ns(&v, -1, &cov) == 50000.0);
	CHECK(seen[1] == 30 && counted[1] == 1030);
	/* the 10% margin, with enough runs counted */
	v.count = 100;
	CHECK(trace_scaled_ns(&v, 105, &cov) == 50000.0);
	double sc = trace_scaled_ns(&v, 115, &cov);
	CHECK(sc > 57499.99 && sc < 57500.01);
	seen[1] -= 200;
	counted[1] -= 220;
	/* more recorded than counted (the window edges): counted as recorded */
	v.cpu = 2;
	v.count = 200;
	CHECK(trace_scaled_ns(&v, 150, &cov) == 50000.0);
	CHECK(seen[2] == 200 && counted[2] == 200);
	int cpu = -2;
	double low = trace_cov_lowest(&cov, &cpu);
	CHECK_INT(cpu, 1);
	CHECK(low > 0.0290 && low < 0.0292);	/* 30 of 1030 */
	/* CPUs with fewer than 100 counted runs do not count */
	counted[1] = 99;
	CHECK(trace_cov_lowest(&cov, &cpu) == 1.0);
	CHECK_INT(cpu, 2);
	CHECK(trace_cov_lowest(NULL, &cpu) == -1);
	CHECK_INT(cpu, -1);
}

TEST(trace_cpumask_hex_groups)
{
	struct arena a = { 0 };
	struct cpuset s;
	static const struct {
		const char *list, *hex;
	} cases[] = {
		{ "0", "00000001" },
		{ "1", "00000002" },
		{ "0-31", "ffffffff" },
		{ "32", "00000001,00000000" },
		{ "0,33", "00000002,00000001" },
		{ "4-7,63-64", "00000001,80000000,000000f0" },
		{ "511", "80000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,"
			 "00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(cpuset_parse_list(&s, &a, cases[i].list, strlen(cases[i].list)), 0);
		char *h = trace_cpumask_hex(&s);
		CHECK_STR(h, cases[i].hex);
		free(h);
	}
	cpuset_init(&s, &a, 8);
	char *h = trace_cpumask_hex(&s);
	CHECK_STR(h, "00000000");
	free(h);
	arena_free(&a);
}

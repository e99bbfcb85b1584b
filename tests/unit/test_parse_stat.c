/* parse/stat on real /proc/stat captures, then bad input. */
#include "t.h"

#include <errno.h>

#include "bad.h"
#include "parse/stat.h"
#include "util/arena.h"
#include "util/buf.h"

#define DT "tests/unit/data/parse/stat/"

static int parse_lit(const char *text, struct arena *a, struct proc_stat *st)
{
	return parse_stat(text, strlen(text), a, st);
}

TEST(stat_procfs_fixture_long_intr_line)
{
	/* prometheus/procfs: 8 CPUs, a 131,962-byte "intr" line, softirq per vector. */
	struct buf b = { 0 };
	struct arena a = { 0 };
	struct proc_stat st;
	t_read(DT "x86-8cpu-procfs-fixture.txt", &b);
	CHECK_INT(parse_stat(b.data, b.len, &a, &st), 0);
	static const uint64_t total[10] = { 301854, 612, 111922, 8979004, 3552, 2, 3944, 0, 0, 0 };
	CHECK_INT(st.total.id, -1);
	CHECK_INT(st.total.nfields, 10);
	for (int i = 0; i < 10; i++)
		CHECK_INT(st.total.v[i], total[i]);
	CHECK_INT(st.ncpus, 8);
	CHECK_INT(st.cpus[0].id, 0);
	CHECK_INT(st.cpus[0].v[6], 3410);	/* softirq time on cpu0 */
	CHECK_INT(st.cpus[7].id, 7);
	CHECK_INT(st.cpus[7].v[1], 268);
	CHECK(st.has_intr);
	CHECK_INT(st.intr_total, 73777505);
	/* one sum per IRQ number, 0..nr_irqs-1 */
	CHECK_INT(st.nintr_irq, 65960);
	CHECK_INT(st.intr_irq[0], 41);
	CHECK_INT(st.intr_irq[1], 9);
	CHECK_INT(st.intr_irq[8], 1);
	CHECK_INT(st.intr_irq[9], 172);
	CHECK_INT(st.intr_irq[12], 190);
	CHECK_INT(st.intr_irq[65959], 0);
	CHECK_INT(st.ctxt, 38014093);
	CHECK_INT(st.btime, 1418183276);
	CHECK(st.has_softirq);
	CHECK_INT(st.softirq_total, 5057579);
	static const uint64_t soft[10] = { 250191, 1481983, 1647, 211099, 186066, 0, 1783454, 622196, 12499, 508444 };
	for (int i = 0; i < 10; i++)
		CHECK_INT(st.softirq[i], soft[i]);
	buf_free(&b);
	arena_free(&a);
}

TEST(stat_steal_and_irq_columns)
{
	struct buf b = { 0 };
	struct arena a = { 0 };
	struct proc_stat st;
	/* insights-core: a KVM guest with a large steal column (field 8) */
	t_read(DT "x86-8cpu-rhel-insights-core.txt", &b);
	CHECK_INT(parse_stat(b.data, b.len, &a, &st), 0);
	CHECK_INT(st.total.v[7], 18738206);
	CHECK_INT(st.cpus[7].v[7], 2103576);
	CHECK_INT(st.cpus[3].v[0], 4224551);
	CHECK_INT(st.intr_total, 21359029);
	CHECK_INT(st.softirq_total, 11867930);
	CHECK_INT(st.softirq[3], 4705528);	/* NET_RX */
	buf_reset(&b);
	/* Hyper-V guest: irq time (field 6) accounted */
	t_read(DT "x86-2cpu-hyperv-guest-rhcos-sosreport.txt", &b);
	CHECK_INT(parse_stat(b.data, b.len, &a, &st), 0);
	CHECK_INT(st.ncpus, 2);
	CHECK_INT(st.total.v[5], 4523);
	CHECK_INT(st.cpus[0].v[5], 2230);
	CHECK_INT(st.cpus[1].v[6], 1312);
	CHECK_INT(st.ctxt, 5562073);
	CHECK_INT(st.softirq_total, 2817870);
	buf_free(&b);
	arena_free(&a);
}

TEST(stat_bad_input)
{
	struct arena a = { 0 };
	struct proc_stat st;
	CHECK_INT(parse_stat("", 0, &a, &st), -EINVAL);
	CHECK_INT(st.ncpus, 0);
	CHECK_INT(parse_lit("\n\n", &a, &st), -EINVAL);
	CHECK_INT(parse_lit("intr 5 1 2\nctxt 9\n", &a, &st), -EINVAL);	/* no cpu line */
	CHECK(st.has_intr);
	CHECK_INT(st.intr_total, 5);

	/* Older kernels print fewer fields; a cut line keeps what it has. */
	CHECK_INT(parse_lit("cpu  1 2 3 4\ncpu0 1 2 3 4\ncpu1 5 6 7", &a, &st), 0);
	CHECK_INT(st.total.nfields, 4);
	CHECK_INT(st.ncpus, 2);
	CHECK_INT(st.cpus[1].nfields, 3);
	CHECK_INT(st.cpus[1].v[2], 7);
	CHECK_INT(st.cpus[1].v[3], 0);

	/* Overflow, negative, junk: fields stop there */
	CHECK_INT(parse_lit("cpu  18446744073709551615 18446744073709551616 1\n"
			    "cpu0 -1 2\n"
			    "cpu1 3 x 4\n"
			    "cpu99999 1 2\n"
			    "cpux 1 2\n"
			    "cpu-1 1 2\n"
			    "cpu2 1 2 3 4 5 6 7 8 9 10 11 12\n"
			    "intr -5\n"
			    "softirq 99999999999999999999999 1 2\n",
			    &a, &st),
		  0);
	CHECK_INT(st.total.nfields, 1);
	CHECK_INT(st.total.v[0], UINT64_MAX);
	CHECK_INT(st.ncpus, 3);	/* cpu0, cpu1, cpu2; cpu99999/cpux/cpu-1 skipped */
	CHECK_INT(st.cpus[0].nfields, 0);
	CHECK_INT(st.cpus[1].nfields, 1);
	CHECK_INT(st.cpus[2].nfields, 10);	/* at most STAT_FIELDS */
	CHECK_INT(st.cpus[2].v[9], 10);
	CHECK(!st.has_intr);
	CHECK(!st.has_softirq);

	/* Every cut point of a real file: defined result, cpu lines never more than 8 */
	struct buf b = { 0 };
	t_read(DT "x86-2cpu-hyperv-guest-rhcos-sosreport.txt", &b);
	int odd = 0;
	for (size_t k = 0; k <= b.len; k++) {
		int r = parse_stat(b.data, k, &a, &st);
		if ((r != 0 && r != -EINVAL) || st.ncpus > 2 || (k < 3 && r != -EINVAL))
			odd++;
	}
	CHECK_INT(odd, 0);
	/* cut after cpu0's 5th field: the aggregate line is whole, cpu0 partial */
	const char *c0 = strstr(b.data, "cpu0 6088 14 5849 193612 93");
	CHECK_INT(parse_stat(b.data, (size_t)(c0 - b.data) + 27, &a, &st), 0);
	CHECK_INT(st.total.nfields, 10);
	CHECK_INT(st.ncpus, 1);
	CHECK_INT(st.cpus[0].nfields, 5);
	CHECK_INT(st.cpus[0].v[4], 93);
	buf_reset(&b);

	/* Garbage */
	bad_random(&b, 1 << 20, 99);
	int r = parse_stat(b.data, b.len, &a, &st);
	CHECK(r == 0 || r == -EINVAL);
	buf_reset(&b);
	struct buf real = { 0 };
	t_read(DT "x86-8cpu-procfs-fixture.txt", &real);
	bad_with_nuls(&b, real.data, real.len, 5);
	r = parse_stat(b.data, b.len, &a, &st);
	CHECK(r == 0 || r == -EINVAL);
	buf_free(&real);
	buf_reset(&b);

	/* One 10 MB line: of "intr" counts, of a single number, of junk */
	buf_puts(&b, "cpu  1 2 3\n");
	bad_long_line(&b, "intr 77", " 1", BAD_LONG);
	CHECK_INT(parse_stat(b.data, b.len, &a, &st), 0);
	CHECK_INT(st.intr_total, 77);
	buf_reset(&b);
	bad_long_line(&b, "cpu  ", "9", BAD_LONG);
	CHECK_INT(parse_stat(b.data, b.len, &a, &st), 0);
	CHECK_INT(st.total.nfields, 0);
	buf_reset(&b);
	bad_long_line(&b, "", "x", BAD_LONG);
	CHECK_INT(parse_stat(b.data, b.len, &a, &st), -EINVAL);
	buf_free(&b);
	arena_free(&a);
}

/* A bad field in the intr line ends the per-IRQ sums there (the ones read stay), and an
 * intr line with only its total has none: the sampler then takes no row on a sum. */
TEST(stat_intr_sums_stop_at_a_bad_field)
{
	struct arena a = { 0 };
	struct proc_stat st;
	CHECK_INT(parse_lit("cpu  1 2 3 4 5 6 7 8 0 0\nintr 60 10 20 x 30\nctxt 5\n", &a, &st), 0);
	CHECK(st.has_intr);
	CHECK_INT(st.intr_total, 60);
	CHECK_INT(st.nintr_irq, 2);
	CHECK_INT(st.intr_irq[1], 20);
	CHECK_INT(st.ctxt, 5);
	CHECK_INT(parse_lit("cpu  1 2 3 4 5 6 7 8 0 0\nintr 60\n", &a, &st), 0);
	CHECK(st.has_intr);
	CHECK_INT(st.nintr_irq, 0);
	CHECK_INT(parse_lit("cpu  1 2 3 4 5 6 7 8 0 0\nintr x 1 2\n", &a, &st), 0);
	CHECK(!st.has_intr);
	CHECK_INT(st.nintr_irq, 0);
	/* a second intr line replaces the first (the fuzzer's find: its sums were appended
	 * past the array the first line had grown) */
	struct buf b = { 0 };
	buf_puts(&b, "cpu  1 2 3 4 5 6 7 8 0 0\nintr 3000");
	for (int i = 0; i < 1500; i++)
		buf_puts(&b, " 2");
	buf_puts(&b, "\nintr 70 1 2 3");
	for (int i = 0; i < 1500; i++)
		buf_puts(&b, " 4");
	buf_puts(&b, "\nintr 5 5\n");
	CHECK_INT(parse_stat(b.data, b.len, &a, &st), 0);
	CHECK_INT(st.intr_total, 5);
	CHECK_INT(st.nintr_irq, 1);
	CHECK_INT(st.intr_irq[0], 5);
	buf_free(&b);
	CHECK_INT(parse_lit("cpu  1 2 3 4 5 6 7 8 0 0\nintr 60 10 20\nintr x\n", &a, &st), 0);
	CHECK(!st.has_intr);
	CHECK_INT(st.nintr_irq, 0);
	arena_free(&a);
}

/* parse/softirqs on real /proc/softirqs captures, then bad input. */
#include "t.h"

#include <errno.h>

#include "bad.h"
#include "parse/softirqs.h"
#include "util/arena.h"
#include "util/buf.h"

#define DS "tests/unit/data/parse/softirqs/"

static int parse_lit(const char *text, struct arena *a, struct softirqs *si)
{
	return parse_softirqs(text, strlen(text), a, si);
}

TEST(si_16_possible_block_iopoll)
{
	/* Ubuntu 3.13: 16 possible CPUs (8 online, the rest all zero), BLOCK_IOPOLL row. */
	struct buf b = { 0 };
	struct arena a = { 0 };
	struct softirqs si;
	t_read(DS "x86-8cpu-16possible-ubuntu-3.13-net-rx-hotspot-cpu2-block-iopoll.txt", &b);
	CHECK_INT(parse_softirqs(b.data, b.len, &a, &si), 0);
	CHECK_INT(si.ncpus, 16);
	CHECK_INT(si.cpu_ids[0], 0);
	CHECK_INT(si.cpu_ids[15], 15);
	CHECK_INT(si.nrows, 10);
	for (int v = 0; v < SOFTIRQ_NR; v++)
		CHECK(si.counts[v] != NULL);
	CHECK_INT(si.counts[SOFTIRQ_HI][0], 286697);
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][2], 54308502);
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][1], 12);
	CHECK_INT(si.counts[SOFTIRQ_TIMER][2], 35123718);
	CHECK_INT(si.counts[SOFTIRQ_BLOCK][2], 351698);
	CHECK_INT(si.counts[SOFTIRQ_SCHED][7], 2946993);
	CHECK_INT(si.counts[SOFTIRQ_RCU][2], 33947115);
	CHECK_INT(si.counts[SOFTIRQ_RCU][8], 0);
	CHECK_INT(si.counts[SOFTIRQ_IRQ_POLL][0], 0);	/* "BLOCK_IOPOLL" before 4.5 */
	buf_free(&b);
	arena_free(&a);
}

TEST(si_one_cpu_and_arm)
{
	struct buf b = { 0 };
	struct arena a = { 0 };
	struct softirqs si;
	t_read(DS "x86-1cpu-kvm-guest-el9.txt", &b);
	CHECK_INT(parse_softirqs(b.data, b.len, &a, &si), 0);
	CHECK_INT(si.ncpus, 1);
	CHECK_INT(si.nrows, 10);
	CHECK_INT(si.counts[SOFTIRQ_TIMER][0], 20080);
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][0], 3672);
	CHECK_INT(si.counts[SOFTIRQ_TASKLET][0], 34);
	CHECK_INT(si.counts[SOFTIRQ_RCU][0], 64809);
	buf_reset(&b);
	t_read(DS "arm-2cpu-xilinx-zynq-4.4.txt", &b);
	CHECK_INT(parse_softirqs(b.data, b.len, &a, &si), 0);
	CHECK_INT(si.ncpus, 2);
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][0], 409732);
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][1], 4);
	CHECK_INT(si.counts[SOFTIRQ_RCU][1], 3292822);
	buf_reset(&b);
	t_read(DS "x86-2cpu-procfs-fixture.txt", &b);
	CHECK_INT(parse_softirqs(b.data, b.len, &a, &si), 0);
	CHECK_INT(si.counts[SOFTIRQ_TIMER][0], 2776180);
	CHECK_INT(si.counts[SOFTIRQ_TIMER][1], 247490);
	CHECK_INT(si.counts[SOFTIRQ_BLOCK][1], 262755);
	CHECK_INT(si.counts[SOFTIRQ_HRTIMER][0], 1281);
	buf_free(&b);
	arena_free(&a);

	CHECK_INT(softirq_vec_of("NET_RX", 6), SOFTIRQ_NET_RX);
	CHECK_INT(softirq_vec_of("BLOCK_IOPOLL", 12), SOFTIRQ_IRQ_POLL);
	CHECK_INT(softirq_vec_of("NET_R", 5), -1);
	CHECK_INT(softirq_vec_of("", 0), -1);
	CHECK_STR(softirq_name(SOFTIRQ_RCU), "RCU");
	CHECK_STR(softirq_name(-1), "?");
	CHECK_STR(softirq_name(SOFTIRQ_NR), "?");
}

TEST(si_bad_input)
{
	struct arena a = { 0 };
	struct softirqs si;
	/* empty, blank, no header */
	CHECK_INT(parse_softirqs("", 0, &a, &si), -EINVAL);
	CHECK_INT(parse_lit("\n\n   \n", &a, &si), -EINVAL);
	CHECK_INT(parse_lit("          HI:          3          0\n", &a, &si), -EINVAL);
	CHECK_INT(parse_lit("garbage\n", &a, &si), -EINVAL);
	/* header cut in the middle of a label: no header */
	CHECK_INT(parse_lit("                    CPU0       CP", &a, &si), -EINVAL);
	/* header only */
	CHECK_INT(parse_lit("                    CPU0       CPU1\n", &a, &si), 0);
	CHECK_INT(si.ncpus, 2);
	CHECK_INT(si.nrows, 0);
	CHECK(si.counts[SOFTIRQ_NET_RX] == NULL);

	/* Truncated in the middle of a row: the rows before are whole, the cut row keeps
	 * the counts read, missing ones are 0. */
	struct buf b = { 0 };
	t_read(DS "x86-2cpu-procfs-fixture.txt", &b);
	const char *cut = strstr(b.data, "    55919");	/* NET_RX, CPU0 */
	size_t at = (size_t)(cut - b.data) + 7;	/* "    559" */
	CHECK_INT(parse_softirqs(b.data, at, &a, &si), 0);
	CHECK_INT(si.nrows, 4);
	CHECK_INT(si.counts[SOFTIRQ_NET_TX][1], 772);
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][0], 559);
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][1], 0);
	CHECK(si.counts[SOFTIRQ_BLOCK] == NULL);
	/* every cut point: 0 or -EINVAL, never more rows than the file has */
	int odd = 0;
	for (size_t k = 0; k <= b.len; k++) {
		int r = parse_softirqs(b.data, k, &a, &si);
		if ((r != 0 && r != -EINVAL) || (r == 0 && si.nrows > 10))
			odd++;
	}
	CHECK_INT(odd, 0);
	buf_free(&b);

	/* Overflow past u64, negative, junk: the row stops there, earlier columns kept. */
	CHECK_INT(parse_lit("  CPU0 CPU1 CPU2\n"
			    "  NET_RX: 18446744073709551615 18446744073709551616 5\n"
			    "  TIMER: 7 -1 9\n"
			    "  SCHED: 1 x 3\n"
			    "  NET_RX: 1 1 1\n"
			    "  BOGUS: 1 2 3\n"
			    "  HI 1 2 3\n",
			    &a, &si),
		  0);
	CHECK_INT(si.nrows, 3);
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][0], UINT64_MAX);
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][1], 0);	/* overflow: not a number */
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][2], 0);
	CHECK_INT(si.counts[SOFTIRQ_TIMER][0], 7);
	CHECK_INT(si.counts[SOFTIRQ_TIMER][1], 0);
	CHECK_INT(si.counts[SOFTIRQ_SCHED][0], 1);
	CHECK(si.counts[SOFTIRQ_HI] == NULL);
	/* more values than CPUs: the extra ones are ignored */
	CHECK_INT(parse_lit("CPU0\nRCU: 1 2 3 4\n", &a, &si), 0);
	CHECK_INT(si.counts[SOFTIRQ_RCU][0], 1);

	/* garbage: random bytes, a real file with NULs */
	bad_random(&b, 1 << 20, 7);
	int r = parse_softirqs(b.data, b.len, &a, &si);
	CHECK(r == 0 || r == -EINVAL);
	buf_reset(&b);
	struct buf real = { 0 };
	t_read(DS "x86-8cpu-16possible-ubuntu-3.13-net-rx-hotspot-cpu2-block-iopoll.txt", &real);
	bad_with_nuls(&b, real.data, real.len, 9);
	r = parse_softirqs(b.data, b.len, &a, &si);
	CHECK(r == 0 || r == -EINVAL);
	buf_free(&real);
	buf_reset(&b);

	/* one 10 MB line: a header of 953250 CPUs, a row, a name */
	bad_long_line(&b, "", "       CPU1", BAD_LONG - BAD_LONG % 11);
	buf_puts(&b, "\nNET_RX: 5 6\n");
	CHECK_INT(parse_softirqs(b.data, b.len, &a, &si), 0);
	CHECK_INT(si.ncpus, BAD_LONG / 11);
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][1], 6);
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][2], 0);
	buf_reset(&b);
	buf_puts(&b, "CPU0 CPU1\n");
	bad_long_line(&b, "NET_RX:", " 1", BAD_LONG);
	CHECK_INT(parse_softirqs(b.data, b.len, &a, &si), 0);
	CHECK_INT(si.counts[SOFTIRQ_NET_RX][1], 1);
	buf_reset(&b);
	bad_long_line(&b, "", "x", BAD_LONG);
	CHECK_INT(parse_softirqs(b.data, b.len, &a, &si), -EINVAL);
	buf_free(&b);
	arena_free(&a);
}

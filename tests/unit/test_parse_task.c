/*
 * parse/task on real /proc/PID/task/TID/{stat,status} of 6.18 (threads named as QEMU
 * names its vCPU threads, and with ')' in the name), then bad input.
 */
#include "t.h"

#include <errno.h>

#include "bad.h"
#include "parse/task.h"
#include "util/buf.h"

#define DT "tests/unit/data/parse/task/"

static int stat_lit(const char *text, struct task_stat *st)
{
	return parse_task_stat(text, strlen(text), st);
}

static int status_lit(const char *text, struct task_status *st)
{
	return parse_task_status(text, strlen(text), st);
}

TEST(task_stat_vcpu_thread_name)
{
	/* "7245 (CPU 0/KVM) R 7182 ... 10 0 ... -1 1 0 0 0 0 0 ..." pinned to CPU 1 */
	struct buf b = { 0 };
	struct task_stat st;
	t_read(DT "qemu-vcpu-CPU-0-KVM-stat-6.18.txt", &b);
	CHECK_INT(parse_task_stat(b.data, b.len, &st), 0);
	CHECK_INT(st.pid, 7245);
	CHECK_SLICE(st.comm, "CPU 0/KVM");
	CHECK_INT(st.state, 'R');
	CHECK_INT(st.ppid, 7182);
	CHECK_INT(st.utime, 10);
	CHECK_INT(st.stime, 0);
	CHECK_INT(st.processor, 1);
	CHECK_INT(st.guest_time, 0);
	buf_reset(&b);
	/* "7246 (a) (b) c) R ...": the name ends at the last ')' */
	t_read(DT "comm-with-parens-stat-6.18.txt", &b);
	CHECK_INT(parse_task_stat(b.data, b.len, &st), 0);
	CHECK_INT(st.pid, 7246);
	CHECK_SLICE(st.comm, "a) (b) c");
	CHECK_INT(st.state, 'R');
	CHECK_INT(st.ppid, 7182);
	CHECK_INT(st.utime, 11);
	CHECK_INT(st.processor, 1);
	buf_free(&b);
}

TEST(task_status_real)
{
	struct buf b = { 0 };
	struct task_status st;
	t_read(DT "qemu-vcpu-CPU-0-KVM-status-6.18.txt", &b);
	CHECK_INT(parse_task_status(b.data, b.len, &st), 0);
	CHECK_SLICE(st.name, "CPU 0/KVM");
	CHECK_INT(st.tgid, 7185);
	CHECK_INT(st.ppid, 7182);
	CHECK_SLICE(st.cpus_allowed_list, "1");
	CHECK_SLICE(st.cpus_allowed, "2");
	buf_reset(&b);
	t_read(DT "comm-with-parens-status-6.18.txt", &b);
	CHECK_INT(parse_task_status(b.data, b.len, &st), 0);
	CHECK_SLICE(st.name, "a) (b) c");
	CHECK_INT(st.tgid, 7185);
	buf_free(&b);
}

TEST(task_bad_input)
{
	struct task_stat st;
	struct task_status ss;
	CHECK_INT(parse_task_stat("", 0, &st), -EINVAL);
	CHECK_INT(st.processor, -1);
	CHECK_INT(stat_lit("garbage", &st), -EINVAL);
	CHECK_INT(stat_lit("1 (x", &st), -EINVAL);	/* no ')' */
	CHECK_INT(stat_lit("1 x) S", &st), -EINVAL);	/* no '(' */
	CHECK_INT(stat_lit(") 1 (x", &st), -EINVAL);	/* ')' before '(' */
	CHECK_INT(stat_lit("1 (x)", &st), -EINVAL);	/* no state */
	CHECK_INT(stat_lit("abc (x) S 1", &st), -EINVAL);	/* pid not a number */
	CHECK_INT(stat_lit("(x) S 1", &st), -EINVAL);	/* no pid */
	/* pids that do not fit: refused, not wrapped */
	CHECK_INT(stat_lit("99999999999 (x) S 1", &st), -EINVAL);
	CHECK_INT(stat_lit("99999999999999999999999 (x) S 1", &st), -EINVAL);
	CHECK_INT(stat_lit("-5 (x) S 1", &st), -EINVAL);
	CHECK_INT(stat_lit("2147483647 (x) S 1", &st), 0);
	CHECK_INT(st.pid, 2147483647);
	/* ppid out of range: left 0 (unknown), not wrapped */
	CHECK_INT(stat_lit("5 (x) S 4294967297", &st), 0);
	CHECK_INT(st.ppid, 0);
	/* Truncated: every cut of a real line gives 0 or -EINVAL, and the fields of the
	 * part that is there are those of the whole line */
	struct buf b = { 0 };
	t_read(DT "qemu-vcpu-CPU-0-KVM-stat-6.18.txt", &b);
	int odd = 0;
	for (size_t k = 0; k <= b.len; k++) {
		int r = parse_task_stat(b.data, k, &st);
		if (r != 0 && r != -EINVAL)
			odd++;
		if (r == 0 && (st.pid != 7245 || st.state != 'R' || (st.processor != -1 && st.processor != 1)))
			odd++;
	}
	CHECK_INT(odd, 0);
	/* cut after field 38: no processor yet */
	const char *f39 = strstr(b.data, " -1 1 0 0 0 0 0");
	CHECK_INT(parse_task_stat(b.data, (size_t)(f39 - b.data) + 3, &st), 0);
	CHECK_INT(st.processor, -1);
	buf_reset(&b);
	/* processor past the CPU range, utime overflowing u64, negative utime */
	CHECK_INT(stat_lit("5 (x) S 1 1 1 0 -1 0 0 0 0 0 -7 18446744073709551616 20 0 1 0 9 1 1 1 1 1 1 0 0 0 0 0 0 "
			   "0 0 0 0 0 17 70000",
			   &st),
		  0);
	CHECK_INT(st.processor, -1);
	CHECK_INT(st.utime, 0);
	CHECK_INT(st.stime, 0);

	/* status */
	CHECK_INT(parse_task_status("", 0, &ss), -EINVAL);
	CHECK_INT(ss.tgid, -1);
	CHECK_INT(ss.ppid, -1);
	CHECK_INT(status_lit("no colons\nat all\n", &ss), -EINVAL);
	CHECK_INT(status_lit("Tgid:\t99999999999\nPPid:\t-3\n", &ss), -EINVAL);
	CHECK_INT(ss.tgid, -1);
	CHECK_INT(ss.ppid, -1);
	CHECK_INT(status_lit("Name:\tqemu\nTgid:\t12", &ss), 0);	/* cut mid-file */
	CHECK_SLICE(ss.name, "qemu");
	CHECK_INT(ss.tgid, 12);
	CHECK_INT(ss.cpus_allowed_list.n, 0);
	CHECK_INT(status_lit("Cpus_allowed_list:\t0-3,8-1", &ss), -EINVAL);	/* kept as text, no name */
	CHECK_SLICE(ss.cpus_allowed_list, "0-3,8-1");

	/* garbage and 10 MB lines */
	bad_random(&b, 1 << 20, 5);
	int r = parse_task_stat(b.data, b.len, &st);
	CHECK(r == 0 || r == -EINVAL);
	r = parse_task_status(b.data, b.len, &ss);
	CHECK(r == 0 || r == -EINVAL);
	buf_reset(&b);
	bad_long_line(&b, "1 (", "x", BAD_LONG);
	buf_puts(&b, ") S 1");
	CHECK_INT(parse_task_stat(b.data, b.len, &st), 0);
	CHECK_INT(st.comm.n, BAD_LONG);
	buf_reset(&b);
	bad_long_line(&b, "1 (x) S", " 1", BAD_LONG);
	CHECK_INT(parse_task_stat(b.data, b.len, &st), 0);
	CHECK_INT(st.processor, 1);
	buf_reset(&b);
	bad_long_line(&b, "Name:\t", "n", BAD_LONG);
	CHECK_INT(parse_task_status(b.data, b.len, &ss), 0);
	CHECK_INT(ss.name.n, BAD_LONG);
	buf_free(&b);
}

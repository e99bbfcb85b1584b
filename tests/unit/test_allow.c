/* The write allow-list (src/act/allow.c) by path shape, and the journal parser that
 * enforces it: every writable shape accepted, every other one refused. */
#include "t.h"

#include <errno.h>
#include <string.h>

#include "act/allow.h"
#include "act/journal.h"
#include "parse/planfile.h"
#include "util/arena.h"

TEST(allow_path_shapes)
{
	static const char *const ok[] = {
		"proc/irq/0/smp_affinity", "proc/irq/41/smp_affinity_list", "proc/irq/default_smp_affinity",
		"sys/class/net/eth0/queues/rx-0/rps_cpus", "sys/class/net/enp1s0f0np0/queues/tx-63/xps_cpus",
		"sys/class/net/veth-a.b_c/queues/rx-10/rps_cpus",
	};
	static const char *const no[] = {
		"", "etc/shadow", "/etc/shadow", "/proc/irq/1/smp_affinity_list", "../etc/passwd",
		"proc/irq/1/../../etc/shadow", "proc/irq/./1/smp_affinity", "proc/irq//1/smp_affinity",
		"proc/irq/01/smp_affinity", "proc/irq/-1/smp_affinity", "proc/irq/1x/smp_affinity",
		"proc/irq/1234567890/smp_affinity", "proc/irq/1/smp_affinity_list/", "proc/irq/1/node",
		"proc/irq/1/effective_affinity_list", "proc/irq/default_smp_affinity/x", "proc/irq",
		"sys/class/net/../queues/rx-0/rps_cpus", "sys/class/net/./queues/rx-0/rps_cpus",
		"sys/class/net/eth0:1/queues/rx-0/rps_cpus", "sys/class/net/a23456789012345x/queues/rx-0/rps_cpus",
		"sys/class/net/eth0/queues/rx-0/xps_cpus", "sys/class/net/eth0/queues/tx-0/rps_cpus",
		"sys/class/net/eth0/queues/rx-0/rps_flow_cnt", "sys/class/net/eth0/queues/rx-/rps_cpus",
		"sys/class/net/eth0/queues/rx-00/rps_cpus", "sys/class/net/eth0/queues/rx-0/../../../../../etc/shadow",
		"sys/block/sda/queue/rps_cpus",
	};
	const char *why;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (act_allow_path(ok[i], &why))
			t_fail(__FILE__, __LINE__, "refused '%s': %s", ok[i], why);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		why = NULL;
		if (act_allow_path(no[i], &why) != -EPERM || !why)
			t_fail(__FILE__, __LINE__, "allowed '%s'", no[i]);
	}
	CHECK(act_ifname_ok("eth0") && act_ifname_ok("a23456789012345"));
	CHECK(!act_ifname_ok("") && !act_ifname_ok(".") && !act_ifname_ok("..") && !act_ifname_ok("a/b") &&
	      !act_ifname_ok("a b") && !act_ifname_ok("a2345678901234567"));
	CHECK(act_persist_allowed("etc/irqsight/plan") && act_persist_allowed("etc/default/irqbalance"));
	CHECK(!act_persist_allowed("etc/shadow") && !act_persist_allowed("../etc/irqsight/plan") &&
	      !act_persist_allowed(NULL));
}

/* A journal names its root, its paths pass the allow-list, its values are CPU sets, and
 * every bad line is refused with its number. */
TEST(journal_parse_refuses_with_line)
{
	struct arena a = { 0 };
	struct journal_data jd;
	const char *e;
	const char *hdr = "irqsight-journal 1\nstarted time=t pid=1 command=apply root=/tmp/r\n";
	static const struct {
		const char *body, *want;
	} bad[] = {
		{ "set path=\"proc/irq/1/smp_affinity_list old=0 new=1\n", "line 3: unterminated quote" },
		{ "set path=proc/irq/1/smp_affinity_list new=1\n", "line 3: a set line needs path=, old= and new=" },
		{ "set path=/etc/passwd old=1 new=2\n", "line 3: path '/etc/passwd': not a file" },
		{ "set path=etc/shadow old=3 new=2\n", "line 3: path 'etc/shadow': not a file" },
		{ "\n# c\nset path=proc/irq/1/smp_affinity_list old=x new=1\n", "line 5: old= or new= is not a CPU list" },
		{ "set path=proc/irq/1/smp_affinity old=0-1 new=1\n", "line 3: old= or new= is not a CPU mask" },
		{ "started root=/x\n", "line 3: a second 'started' line" },
		{ "frob x=1\n", "line 3: unknown keyword 'frob'" },
		{ "set path=proc/irq/1/smp_affinity_list old=0 new=1 a b\n", "line 3: a second bare word" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char txt[512];
		snprintf(txt, sizeof(txt), "%s%s", hdr, bad[i].body);
		e = NULL;
		if (journal_parse(txt, strlen(txt), &a, &jd, &e) != -EINVAL || !e || strncmp(e, bad[i].want, strlen(bad[i].want)))
			t_fail(__FILE__, __LINE__, "case %zu: got '%s', want '%s'", i, e ? e : "accepted", bad[i].want);
	}
	static const char *const noroot[] = {
		"irqsight-journal 1\nset path=proc/irq/default_smp_affinity old=1 new=3\n",
		"irqsight-journal 1\nstarted time=t pid=1 command=apply\nset path=proc/irq/default_smp_affinity old=1 new=3\n",
		"irqsight-journal 1\nstarted time=t root=relative/dir\n",
		"irqsight-journal 1\ndone time=t written=0 failed=0\n",
	};
	for (size_t i = 0; i < sizeof(noroot) / sizeof(noroot[0]); i++) {
		e = NULL;
		CHECK_INT(journal_parse(noroot[i], strlen(noroot[i]), &a, &jd, &e), -EINVAL);
		CHECK(e && !strncmp(e, "line ", 5) && (strstr(e, "root") || strstr(e, "started")));
	}
	const char *good = "irqsight-journal 1\nstarted time=t pid=1 command=apply root=/tmp/r plan=p\n"
			   "set path=proc/irq/1/smp_affinity old=ff,00000001 new=1\n"
			   "set path=sys/class/net/eth0/queues/tx-0/xps_cpus old=0 new=1 what=x\n"
			   "done time=t written=2 failed=0\nset path=proc/irq/2/smp";
	CHECK_INT(journal_parse(good, strlen(good), &a, &jd, &e), 0);
	CHECK_INT(jd.n, 2);
	CHECK_STR(jd.root, "/tmp/r");
	CHECK_INT(jd.v[1].line, 4);
	CHECK(jd.done);
	arena_free(&a);
}

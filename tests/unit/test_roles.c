/* The CPU roles model (model/roles.c): every source, and how they combine. */
#include "t.h"

#include <stdlib.h>

#include "model/host.h"
#include "parse/cmdline.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"

static const char *list_of(struct arena *a, const struct cpuset *s)
{
	struct buf b = { 0 };
	cpuset_format_list(s, &b);
	const char *r = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return r;
}

/* ncpu CPUs online, the given command line, roles derived. */
static void host_cmdline(struct host *h, int ncpu, const char *cmdline)
{
	memset(h, 0, sizeof(*h));
	struct arena *a = &h->arena;
	h->max_cpu = ncpu - 1;
	h->cpus = arena_calloc(a, (size_t)ncpu, sizeof(*h->cpus));
	cpuset_init(&h->online, a, h->max_cpu);
	for (int c = 0; c < ncpu; c++) {
		h->cpus[c].id = c;
		h->cpus[c].online = h->cpus[c].possible = true;
		cpuset_set(&h->online, c);
	}
	h->has_online = true;
	if (cmdline) {
		parse_cmdline(cmdline, strlen(cmdline), a, &h->cmdline);
		h->has_cmdline = true;
	}
	roles_derive(h);
}

#define ROLE(h, s) list_of(&(h).arena, &(h).roles.src[s])

TEST(roles_isolcpus_flags_nohz_rcu_irqaffinity)
{
	struct host h;
	host_cmdline(&h, 8, "ro isolcpus=managed_irq,domain,2-3 nohz_full=3-5 rcu_nocbs=6 irqaffinity=0-1 quiet");
	CHECK_STR(ROLE(h, RS_ISOLCPUS), "2-3");
	CHECK_INT(h.roles.isolcpus_flags, ISOL_MANAGED_IRQ | ISOL_DOMAIN);
	CHECK_STR(ROLE(h, RS_NOHZ_FULL), "3-5");
	CHECK_STR(ROLE(h, RS_RCU_NOCBS), "6");
	/* sources combine: isolcpus ∪ nohz_full; rcu_nocbs alone is not isolation */
	CHECK_STR(list_of(&h.arena, &h.roles.isolated), "2-5");
	CHECK_STR(list_of(&h.arena, &h.roles.reserved), "2-5");
	CHECK(!h.cpus[6].isolated);
	CHECK(h.cpus[6].roles & RS_BIT(RS_RCU_NOCBS));
	CHECK(h.cpus[3].isolated && h.cpus[3].nohz_full);
	CHECK(h.cpus[2].isolated && !h.cpus[2].nohz_full);
	CHECK_INT(h.cpus[3].roles, RS_BIT(RS_ISOLCPUS) | RS_BIT(RS_NOHZ_FULL));
	CHECK_STR(list_of(&h.arena, &h.roles.declared_hk), "0-1");
	CHECK_STR(list_of(&h.arena, &h.roles.housekeeping), "0-1");
	CHECK_STR(h.roles.where[RS_ISOLCPUS], "isolcpus=managed_irq,domain,2-3");
	CHECK_STR(roles_reserved_why(&h.arena, &h), "isolcpus=domain,managed_irq, nohz_full");
	arena_free(&h.arena);

	/* No flag means domain; nohz alone; an unknown flag is recorded (the kernel ignores
	 * the parameter then) but the CPUs stay reserved: the admin meant them isolated. */
	host_cmdline(&h, 8, "isolcpus=4-7");
	CHECK_INT(h.roles.isolcpus_flags, ISOL_DOMAIN);
	CHECK_STR(roles_reserved_why(&h.arena, &h), "isolcpus");
	CHECK_STR(list_of(&h.arena, &h.roles.housekeeping), "0-3");
	arena_free(&h.arena);
	host_cmdline(&h, 8, "isolcpus=nohz,6-7");
	CHECK_INT(h.roles.isolcpus_flags, ISOL_NOHZ);
	arena_free(&h.arena);
	host_cmdline(&h, 8, "isolcpus=bogus,managed_irq,1");
	CHECK_STR(h.roles.isolcpus_unknown, "bogus");
	CHECK_INT(h.roles.isolcpus_flags, ISOL_MANAGED_IRQ);
	CHECK_STR(list_of(&h.arena, &h.roles.isolated), "1");
	arena_free(&h.arena);
	/* bitmap_parselist's "all" */
	host_cmdline(&h, 4, "rcu_nocbs=all nohz_full=1-3");
	CHECK_STR(ROLE(h, RS_RCU_NOCBS), "0-3");
	CHECK_STR(list_of(&h.arena, &h.roles.isolated), "1-3");
	arena_free(&h.arena);
	/* nothing said: every online CPU is housekeeping, nothing reserved */
	host_cmdline(&h, 4, "quiet");
	CHECK(cpuset_empty(&h.roles.reserved));
	CHECK(cpuset_empty(&h.roles.declared_hk));
	CHECK_STR(list_of(&h.arena, &h.roles.housekeeping), "0-3");
	CHECK(roles_reserved_why(&h.arena, &h) == NULL);
	arena_free(&h.arena);
}

TEST(roles_housekeeping_sources_combine)
{
	struct host h;
	/* The real OpenShift RT worker line: tuned's hex mask and systemd agree on 5-10. */
	host_cmdline(&h, 80, "rcu_nocbs=0-4,11-79 tuned.non_isolcpus=000007e0 systemd.cpu_affinity=5,6,7,8,9,10 "
			     "isolcpus=managed_irq,0-4,11-79 nohz_full=0-4,11-79");
	CHECK_STR(ROLE(h, RS_TUNED), "5-10");
	CHECK_STR(ROLE(h, RS_SYSTEMD), "5-10");
	CHECK_STR(list_of(&h.arena, &h.roles.declared_hk), "5-10");
	CHECK_STR(list_of(&h.arena, &h.roles.housekeeping), "5-10");
	CHECK_STR(list_of(&h.arena, &h.roles.reserved), "0-4,11-79");
	CHECK_INT(h.cpus[7].roles, RS_BIT(RS_TUNED) | RS_BIT(RS_SYSTEMD));
	arena_free(&h.arena);

	/* ocp46's three-group mask */
	host_cmdline(&h, 80, "tuned.non_isolcpus=0000ffff,ffffffff,fffff81f isolcpus=managed_irq,5-10");
	CHECK_STR(ROLE(h, RS_TUNED), "0-4,11-79");
	CHECK_STR(list_of(&h.arena, &h.roles.housekeeping), "0-4,11-79");
	arena_free(&h.arena);

	/* Sources that overlap: the CPUs all of them name. */
	host_cmdline(&h, 8, "irqaffinity=0-2 systemd.cpu_affinity=1-3");
	CHECK_STR(list_of(&h.arena, &h.roles.declared_hk), "1-2");
	arena_free(&h.arena);
	/* Sources that disagree: irqaffinity= (the one about interrupts) wins. */
	host_cmdline(&h, 8, "irqaffinity=0 systemd.cpu_affinity=1");
	CHECK_STR(list_of(&h.arena, &h.roles.declared_hk), "0");
	arena_free(&h.arena);
	/* Declared housekeeping never includes a reserved CPU. */
	host_cmdline(&h, 8, "irqaffinity=0-3 isolcpus=2-3");
	CHECK_STR(list_of(&h.arena, &h.roles.declared_hk), "0-1");
	CHECK(h.cpus[2].isolated && (h.cpus[2].roles & RS_BIT(RS_IRQAFFINITY)));
	arena_free(&h.arena);
	/* A mask that does not parse is no source. */
	host_cmdline(&h, 8, "tuned.non_isolcpus=zz");
	CHECK(!h.roles.has[RS_TUNED]);
	arena_free(&h.arena);
}

TEST(roles_hexmask)
{
	struct arena a = { 0 };
	struct cpuset s;
	CHECK_INT(roles_parse_hexmask(&a, "000007e0", &s), 0);
	CHECK_STR(list_of(&a, &s), "5-10");
	CHECK_INT(roles_parse_hexmask(&a, "00000001,00000003", &s), 0);
	CHECK_STR(list_of(&a, &s), "0-1,32");
	CHECK_INT(roles_parse_hexmask(&a, "0x1f", &s), 0);
	CHECK_STR(list_of(&a, &s), "0-4");
	CHECK_INT(roles_parse_hexmask(&a, "100000000", &s), 0);	/* one long group */
	CHECK_STR(list_of(&a, &s), "32");
	CHECK(roles_parse_hexmask(&a, "", &s) < 0);
	CHECK(roles_parse_hexmask(&a, "0-3", &s) < 0);
	arena_free(&a);
}

static void put(const char *root, const char *path, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, path);
	t_write(p, text);
}

static void build(struct host *h, const char *root)
{
	struct source src;
	CHECK_INT(src_open(&src, root), 0);
	struct host_opts o = { 0 };
	CHECK_INT(host_build(h, &src, &o), 0);
	src_close(&src);
}

/* A tree with sysfs isolated, cgroup v2 partitions and systemd's system.conf. */
TEST(roles_sysfs_cpuset_partitions_systemd_conf)
{
	char root[64];
	snprintf(root, sizeof(root), "/tmp/irqsight-roles-XXXXXX");
	if (!mkdtemp(root))
		abort();
	put(root, "proc/interrupts",
	    "           CPU0       CPU1       CPU2       CPU3       CPU4       CPU5       CPU6       CPU7\n"
	    "  4:         10          0          0          0          0          0          0          0   IO-APIC    4-edge      ttyS0\n");
	put(root, "proc/cmdline", "ro quiet\n");
	put(root, "sys/devices/system/cpu/online", "0-7\n");
	put(root, "sys/devices/system/cpu/isolated", "6\n");
	put(root, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
	put(root, "sys/fs/cgroup/rt.slice/cpuset.cpus.partition", "isolated\n");
	put(root, "sys/fs/cgroup/rt.slice/cpuset.cpus.effective", "4-5\n");
	put(root, "sys/fs/cgroup/rt.slice/inner/cpuset.cpus.partition", "member\n");
	put(root, "sys/fs/cgroup/bad.slice/cpuset.cpus.partition",
	    "isolated invalid (Cpu list in cpuset.cpus not exclusive)\n");
	put(root, "sys/fs/cgroup/bad.slice/cpuset.cpus.effective", "7\n");
	put(root, "etc/systemd/system.conf", "[Manager]\n#CPUAffinity=1 2\nCPUAffinity=0 1\n");
	put(root, "etc/systemd/system.conf.d/10-hk.conf", "[Manager]\nCPUAffinity=0-2 3\n");

	struct host h;
	build(&h, root);
	struct arena *a = &h.arena;
	CHECK_STR(ROLE(h, RS_SYSFS_ISOLATED), "6");
	CHECK_STR(ROLE(h, RS_CPUSET), "4-5");	/* the invalid partition is not isolated */
	CHECK_STR(h.roles.where[RS_CPUSET], "sys/fs/cgroup/rt.slice/cpuset.cpus.partition");
	CHECK_STR(list_of(a, &h.roles.isolated), "4-6");
	CHECK_STR(ROLE(h, RS_SYSTEMD), "0-3");	/* the drop-in comes last */
	CHECK_STR(list_of(a, &h.roles.housekeeping), "0-3");
	CHECK_STR(roles_reserved_why(&h.arena, &h), "/sys/devices/system/cpu/isolated, an isolated cpuset partition");
	CHECK(!h.cpus[7].isolated);
	host_free(&h);

	/* The root's cpuset.cpus.isolated (6.7+) answers at once; the command line's
	 * systemd.cpu_affinity= overrides system.conf. */
	put(root, "sys/fs/cgroup/cpuset.cpus.isolated", "3-5\n");
	put(root, "proc/cmdline", "ro systemd.cpu_affinity=1\n");
	build(&h, root);
	CHECK_STR(ROLE(h, RS_CPUSET), "3-5");
	CHECK_STR(ROLE(h, RS_SYSTEMD), "1");
	CHECK_STR(list_of(&h.arena, &h.roles.housekeeping), "1");
	host_free(&h);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK_INT(system(cmd), 0);
}

/* The pinned VM on the real RT worker: its vCPUs add to isolcpus/nohz_full, the VM is named. */
TEST(roles_pinned_vcpus_with_isolation)
{
	struct host h;
	build(&h, t_fixture("scenario-rt-worker-80cpu-pinned-vm-irqbalance"));
	struct arena *a = &h.arena;
	CHECK_STR(list_of(a, &h.roles.vm), "16,22,24,38,42,66,76,78");
	CHECK_STR(list_of(a, &h.roles.reserved), "0-4,11-79");
	CHECK_STR(list_of(a, &h.roles.housekeeping), "5-10");
	CHECK(h.cpus[16].vm != NULL && h.cpus[16].vm->pid == 4242);
	CHECK(h.cpus[16].isolated && (h.cpus[16].roles & RS_BIT(RS_VCPU)));
	CHECK(h.cpus[1].isolated && h.cpus[1].vm == NULL);
	struct cpuset one;
	cpuset_parse_list(&one, a, "16", 2);
	CHECK_STR(roles_why_of(&h.arena, &h, &one),
		  "isolcpus=managed_irq, nohz_full, pinned vCPUs of VM 'qemu-kvm[4242]' (pid 4242)");
	cpuset_parse_list(&one, a, "1", 1);
	CHECK_STR(roles_why_of(&h.arena, &h, &one), "isolcpus=managed_irq, nohz_full");
	host_free(&h);
}

/* Without sysfs, the kernel's isolated file is read off isolcpus=: only the CPUs it takes
 * out of the scheduler domains (no flag, or "domain"). irqbalance bans what that file
 * lists, so isolcpus=managed_irq alone gets no ban from it; the roles still isolate. */
TEST(roles_sysfs_isolated_from_cmdline_is_domain_only)
{
	static const struct {
		const char *cmdline, *sysfs_isolated;
	} cases[] = {
		{ "isolcpus=4-5", "4-5" },
		{ "isolcpus=domain,managed_irq,4-5", "4-5" },
		{ "isolcpus=managed_irq,domain,4-5", "4-5" },
		{ "isolcpus=managed_irq,4-5", "" },
		{ "isolcpus=nohz,4-5", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char root[64], cl[128];
		snprintf(root, sizeof(root), "/tmp/irqsight-roles-XXXXXX");
		if (!mkdtemp(root))
			abort();
		put(root, "proc/interrupts",
		    "           CPU0       CPU1       CPU2       CPU3       CPU4       CPU5\n"
		    "  4:         10          0          0          0          0          0   IO-APIC    4-edge      ttyS0\n");
		snprintf(cl, sizeof(cl), "ro %s\n", cases[i].cmdline);
		put(root, "proc/cmdline", cl);
		struct host h;
		build(&h, root);
		CHECK(h.has_isolated);
		CHECK_STR(list_of(&h.arena, &h.isolated), cases[i].sysfs_isolated);
		CHECK_STR(list_of(&h.arena, &h.roles.isolated), "4-5");
		CHECK_STR(list_of(&h.arena, &h.roles.housekeeping), "0-3");
		host_free(&h);
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		CHECK_INT(system(cmd), 0);
	}
}

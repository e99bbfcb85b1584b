/* The planner on hand-built host models: NUMA spread, managed IRQs, isolcpus, safety. */
#include "t.h"

#include <errno.h>
#include <stdlib.h>

#include "act/plan.h"
#include "bad.h"
#include "model/host.h"
#include "parse/planfile.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"

static struct cpuset set_of(struct arena *a, const char *list)
{
	struct cpuset s;
	if (cpuset_parse_list(&s, a, list, strlen(list)))
		abort();
	return s;
}

static const char *list_of(struct arena *a, const struct cpuset *s)
{
	struct buf b = { 0 };
	cpuset_format_list(s, &b);
	const char *r = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return r;
}

/* The planner reads the roles model, which host_build() derives last: so do the tests,
 * after they change the hand-built model. */
static int plan_of(struct host *h, const struct plan_opts *o, struct arena *a, struct plan *p, const char **why)
{
	roles_derive(h);
	return plan_make(h, o, a, p, why);
}

/* A host with ncpu CPUs online, nodes given as lists ("0-3", "4-7"). */
static void host_init(struct host *h, int ncpu, const char *node0, const char *node1)
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
	h->has_isolated = h->has_nohz_full = true;
	cpuset_init(&h->isolated, a, h->max_cpu);
	cpuset_init(&h->nohz_full, a, h->max_cpu);
	h->nodes = arena_calloc(a, 2, sizeof(*h->nodes));
	h->nodes[0] = (struct numa_node){ 0, set_of(a, node0) };
	h->nnodes = 1;
	if (node1) {
		h->nodes[1] = (struct numa_node){ 1, set_of(a, node1) };
		h->nnodes = 2;
	}
	h->irqs = arena_calloc(a, 64, sizeof(*h->irqs));
	h->devs = arena_calloc(a, 8, sizeof(*h->devs));
}

static struct pci_dev *add_dev(struct host *h, const char *bdf, const char *driver, int node, const char *netdev)
{
	struct pci_dev *d = &h->devs[h->ndevs++];
	d->bdf = bdf;
	d->driver = driver;
	d->numa_node = node;
	d->netdev = netdev;
	d->irqs = arena_calloc(&h->arena, 32, sizeof(*d->irqs));
	return d;
}

static struct irq *add_irq(struct host *h, int number, const char *action, struct pci_dev *d, int vector,
			   const char *queue, const char *affinity)
{
	struct irq *q = &h->irqs[h->nirqs++];
	q->number = number;
	q->name = arena_printf(&h->arena, "%d", number);
	q->actions = action;
	q->action = arena_calloc(&h->arena, 1, sizeof(char *));
	q->action[0] = action;
	q->naction = 1;
	q->is_device = true;
	q->dev = d;
	q->vector = vector;
	q->queue = queue;
	q->has_affinity = q->has_effective = true;
	q->smp_affinity = set_of(&h->arena, affinity);
	q->effective_affinity = set_of(&h->arena, affinity);
	q->managed = TRI_NO;
	q->settable = TRI_YES;
	q->node = d ? d->numa_node : -1;
	if (d)
		d->irqs[d->nirqs++] = q;
	return q;
}

static void add_arch(struct host *h, const char *name)
{
	struct irq *q = &h->irqs[h->nirqs++];
	q->name = name;
	q->number = -1;
	q->is_arch = true;
}

static const struct plan_irq *find(const struct plan *p, int irq)
{
	for (int i = 0; i < p->nirqs; i++)
		if (p->irqs[i].irq == irq)
			return &p->irqs[i];
	return NULL;
}

/* Two nodes of 4 CPUs; a 4-queue NIC on node 1, an NVMe on node 0 with managed queues. */
static void numa_host(struct host *h)
{
	host_init(h, 8, "0-3", "4-7");
	struct pci_dev *nic = add_dev(h, "0000:81:00.0", "ice", 1, "ens1f0");
	add_irq(h, 40, "ice-ens1f0-misc", nic, 0, NULL, "0-7");
	add_irq(h, 41, "ice-ens1f0-TxRx-0", nic, 1, "TxRx-0", "0-7");
	add_irq(h, 42, "ice-ens1f0-TxRx-1", nic, 2, "TxRx-1", "0-7");
	add_irq(h, 43, "ice-ens1f0-TxRx-2", nic, 3, "TxRx-2", "0-7");
	add_irq(h, 44, "ice-ens1f0-TxRx-3", nic, 4, "TxRx-3", "0-7");
	struct pci_dev *nvme = add_dev(h, "0000:01:00.0", "nvme", 0, NULL);
	add_irq(h, 50, "nvme0q0", nvme, 0, "q0", "0-7");
	struct irq *m = add_irq(h, 51, "nvme0q1", nvme, 1, "q1", "0-3");
	m->managed = TRI_YES;
	m->settable = TRI_NO;
	m->managed_why = "smp_affinity mode 0444";
	m = add_irq(h, 52, "nvme0q2", nvme, 2, "q2", "4-7");
	m->managed = TRI_YES;
	m->effective_affinity = set_of(&h->arena, "6");
	add_irq(h, 4, "ttyS0", NULL, -1, NULL, "0-7");
	add_arch(h, "LOC");
	add_arch(h, "RES");
}

TEST(plan_numa_spread_and_managed)
{
	struct host h;
	numa_host(&h);
	struct arena *a = &h.arena;
	struct cpuset vm = set_of(a, "2-3,6-7");
	struct plan_opts o = { .vm_cpus = &vm };
	struct plan p;
	const char *why = NULL;
	CHECK_INT(plan_of(&h, &o, a, &p, &why), 0);
	CHECK_STR(list_of(a, &p.housekeeping), "0-1,4-5");
	CHECK_STR(p.vm_cpus_from, "--vm-cpus");
	/* NIC on node 1: its four queues one per CPU over node 1's housekeeping CPUs 4,5. */
	CHECK_STR(list_of(a, &find(&p, 41)->cpus), "4");
	CHECK_STR(list_of(a, &find(&p, 42)->cpus), "5");
	CHECK_STR(list_of(a, &find(&p, 43)->cpus), "4");
	CHECK_STR(list_of(a, &find(&p, 44)->cpus), "5");
	/* The misc vector (no queue) gets the node's housekeeping set. */
	CHECK_STR(list_of(a, &find(&p, 40)->cpus), "4-5");
	CHECK_INT(find(&p, 40)->kind, PLAN_MOVE);
	/* NVMe admin queue q0 is settable: node 0 housekeeping. Managed q1/q2 listed, not moved. */
	CHECK_STR(list_of(a, &find(&p, 50)->cpus), "0-1");
	CHECK_INT(find(&p, 51)->kind, PLAN_MANAGED);
	CHECK_INT(find(&p, 52)->kind, PLAN_MANAGED);
	CHECK(strstr(find(&p, 51)->why, "0444") != NULL);
	CHECK(strstr(find(&p, 52)->why, "isolcpus=managed_irq,domain,2-3,6-7 irqaffinity=0-1,4-5") != NULL);
	CHECK_STR(p.boot_params, "isolcpus=managed_irq,domain,2-3,6-7 irqaffinity=0-1,4-5");
	/* No device: all housekeeping CPUs. Arch rows never appear. */
	CHECK_STR(list_of(a, &find(&p, 4)->cpus), "0-1,4-5");
	CHECK_INT(p.nirqs, 9);
	/* Names are reboot-stable patterns, not numbers. */
	CHECK_STR(find(&p, 51)->action, "nvme*q1");
	CHECK_STR(find(&p, 41)->action, "ice-ens1f0-TxRx-0");
	CHECK_STR(find(&p, 41)->bdf, "0000:81:00.0");
	CHECK_INT(find(&p, 41)->vector, 1);
	CHECK_STR(list_of(a, &p.default_affinity), "0-1,4-5");
	CHECK_STR(list_of(a, &p.irqbalance_banned), "2-3,6-7");
	CHECK_INT(p.nrps, 1);
	CHECK_STR(p.rps[0].netdev, "ens1f0");
	CHECK_STR(list_of(a, &p.rps[0].cpus), "4-5");
	arena_free(a);
}

TEST(plan_node_without_housekeeping_uses_all)
{
	struct host h;
	numa_host(&h);
	struct arena *a = &h.arena;
	struct cpuset vm = set_of(a, "4-7");	/* node 1 entirely for VMs */
	struct plan_opts o = { .vm_cpus = &vm };
	struct plan p;
	const char *why = NULL;
	CHECK_INT(plan_of(&h, &o, a, &p, &why), 0);
	CHECK_STR(list_of(a, &find(&p, 41)->cpus), "0");
	CHECK_STR(list_of(a, &find(&p, 42)->cpus), "1");
	CHECK_STR(list_of(a, &find(&p, 43)->cpus), "2");
	CHECK_STR(list_of(a, &find(&p, 44)->cpus), "3");
	CHECK(strstr(find(&p, 40)->why, "no housekeeping CPU") != NULL);
	/* Managed q2 runs on CPU 6 (a VM CPU): boot parameters needed. */
	CHECK(strstr(find(&p, 52)->why, "boot with") != NULL);
	arena_free(a);
}

TEST(plan_unknown_node_uses_all_housekeeping)
{
	struct host h;
	host_init(&h, 4, "0-3", NULL);
	struct arena *a = &h.arena;
	struct pci_dev *d = add_dev(&h, "0000:00:04.0", "virtio-pci", -1, "eth0");
	add_irq(&h, 40, "virtio3-config", d, 0, NULL, "0-3");
	add_irq(&h, 41, "virtio3-input.0", d, 1, "input.0", "0-3");
	add_irq(&h, 42, "virtio3-output.0", d, 2, "output.0", "0-3");
	add_irq(&h, 43, "virtio3-input.1", d, 3, "input.1", "0-3");
	add_irq(&h, 44, "virtio3-output.1", d, 4, "output.1", "0-3");
	struct cpuset hk = set_of(a, "0,2");
	struct plan_opts o = { .housekeeping = &hk };
	struct plan p;
	const char *why = NULL;
	CHECK_INT(plan_of(&h, &o, a, &p, &why), 0);
	CHECK_STR(list_of(a, &p.vm_cpus), "1,3");
	CHECK_STR(p.vm_cpus_from, "--housekeeping");
	/* rx/tx of the same queue pair share a CPU; pairs spread over 0 and 2. */
	CHECK_STR(list_of(a, &find(&p, 41)->cpus), "0");
	CHECK_STR(list_of(a, &find(&p, 42)->cpus), "0");
	CHECK_STR(list_of(a, &find(&p, 43)->cpus), "2");
	CHECK_STR(list_of(a, &find(&p, 44)->cpus), "2");
	CHECK_STR(list_of(a, &find(&p, 40)->cpus), "0,2");
	CHECK(strstr(find(&p, 40)->why, "NUMA node unknown") != NULL);
	CHECK_STR(find(&p, 41)->action, "virtio*-input.0");
	arena_free(a);
}

TEST(plan_vm_cpus_from_isolcpus_nohz_and_pinning)
{
	struct host h;
	host_init(&h, 4, "0-3", NULL);
	struct arena *a = &h.arena;
	add_irq(&h, 4, "ttyS0", NULL, -1, NULL, "0-3");
	struct plan p;
	const char *why = NULL;
	struct plan_opts o = { 0 };
	CHECK_INT(plan_of(&h, &o, a, &p, &why), -EINVAL);
	CHECK(why && strstr(why, "--vm-cpus") != NULL);

	h.nohz_full = set_of(a, "3");
	CHECK_INT(plan_of(&h, &o, a, &p, &why), 0);
	CHECK_STR(p.vm_cpus_from, "nohz_full");
	CHECK_STR(list_of(a, &p.vm_cpus), "3");

	/* Sources combine: isolated 2-3 and nohz_full 3. */
	h.isolated = set_of(a, "2-3");
	CHECK_INT(plan_of(&h, &o, a, &p, &why), 0);
	CHECK_STR(p.vm_cpus_from, "nohz_full,sysfs-isolated");
	CHECK_STR(list_of(a, &p.housekeeping), "0-1");
	CHECK_STR(list_of(a, &find(&p, 4)->cpus), "0-1");

	/* Pinned vCPUs add to the kernel's isolation, they do not replace it. */
	h.vms = arena_calloc(a, 1, sizeof(*h.vms));
	h.nvms = 1;
	h.vms[0].vcpus_pinned = true;
	h.vms[0].vcpu_cpus = set_of(a, "1");
	CHECK_INT(plan_of(&h, &o, a, &p, &why), 0);
	CHECK_STR(p.vm_cpus_from, "nohz_full,sysfs-isolated,vcpu-pinning");
	CHECK_STR(list_of(a, &p.vm_cpus), "1-3");
	CHECK_STR(list_of(a, &p.housekeeping), "0");
	CHECK_STR(list_of(a, &p.irqbalance_banned), "1-3");
	CHECK(p.warning == NULL);
	h.nvms = 0;

	/* --vm-cpus adds too: CPU 0 kept free as well as 2-3, never a target. */
	struct cpuset one = set_of(a, "0");
	struct plan_opts ov = { .vm_cpus = &one };
	CHECK_INT(plan_of(&h, &ov, a, &p, &why), 0);
	CHECK_STR(p.vm_cpus_from, "--vm-cpus,nohz_full,sysfs-isolated");
	CHECK_STR(list_of(a, &p.vm_cpus), "0,2-3");
	CHECK_STR(list_of(a, &find(&p, 4)->cpus), "1");

	/* Only --housekeeping may name an isolated CPU, and the plan says so. */
	struct cpuset hk = set_of(a, "0,2");
	struct plan_opts oh = { .housekeeping = &hk };
	CHECK_INT(plan_of(&h, &oh, a, &p, &why), 0);
	CHECK_STR(list_of(a, &find(&p, 4)->cpus), "0,2");
	CHECK(p.warning && strstr(p.warning, "--housekeeping names CPU(s) 2, reserved by") != NULL);
	CHECK_STR(list_of(a, &p.irqbalance_banned), "1,3");
	struct buf b = { 0 };
	plan_format(&p, &b);
	CHECK(b.data && strstr(b.data, "\n# warning: --housekeeping names CPU(s) 2") != NULL);
	buf_free(&b);
	arena_free(a);
}

TEST(plan_refuses_unsafe)
{
	struct host h;
	host_init(&h, 2, "0-1", NULL);
	struct arena *a = &h.arena;
	struct plan p;
	const char *why = NULL;
	struct cpuset all = set_of(a, "0-1");
	struct plan_opts o = { .vm_cpus = &all };
	CHECK_INT(plan_of(&h, &o, a, &p, &why), -EINVAL);
	CHECK(strstr(why, "no online housekeeping CPU") != NULL);
	/* Housekeeping only offline CPUs. */
	struct cpuset off = set_of(a, "5");
	struct plan_opts o2 = { .housekeeping = &off };
	CHECK_INT(plan_of(&h, &o2, a, &p, &why), -EINVAL);
	/* Overlapping flags. */
	struct cpuset one = set_of(a, "1"), both = set_of(a, "0-1");
	struct plan_opts o3 = { .vm_cpus = &one, .housekeeping = &both };
	CHECK_INT(plan_of(&h, &o3, a, &p, &why), -EINVAL);
	CHECK(strstr(why, "overlap") != NULL);
	/* --vm-cpus 1 on top of isolated CPU 0 leaves no CPU for the host. */
	h.isolated = set_of(a, "0");
	struct plan_opts o4 = { .vm_cpus = &one };
	CHECK_INT(plan_of(&h, &o4, a, &p, &why), -EINVAL);
	CHECK(strstr(why, "no online housekeeping CPU") != NULL);
	arena_free(a);
}

TEST(plan_text_roundtrip)
{
	struct host h;
	numa_host(&h);
	struct arena *a = &h.arena;
	h.platform.kernel_release = "6.18.44 #1";
	struct cpuset vm = set_of(a, "2-3,6-7");
	struct plan_opts o = { .vm_cpus = &vm };
	struct plan p, q;
	const char *why = NULL, *perr = NULL;
	CHECK_INT(plan_of(&h, &o, a, &p, &why), 0);
	struct buf b = { 0 };
	plan_format(&p, &b);
	CHECK_INT(parse_planfile(b.data, b.len, a, &q, &perr), 0);
	if (perr)
		fprintf(stderr, "%s\n", perr);
	CHECK_INT(q.ncpus, 8);
	CHECK_INT(q.nnodes, 2);
	CHECK_STR(list_of(a, &q.nodes[1].cpus), "4-7");
	CHECK_STR(q.kernel, "6.18.44 #1");
	CHECK_STR(list_of(a, &q.vm_cpus), "2-3,6-7");
	CHECK_STR(q.vm_cpus_from, "--vm-cpus");
	CHECK_STR(list_of(a, &q.housekeeping), "0-1,4-5");
	CHECK_STR(q.boot_params, p.boot_params);
	CHECK_INT(q.nirqs, p.nirqs);
	for (int i = 0; i < p.nirqs && i < q.nirqs; i++) {
		CHECK_INT(q.irqs[i].kind, p.irqs[i].kind);
		CHECK_STR(q.irqs[i].action, p.irqs[i].action);
		CHECK_INT(q.irqs[i].vector, p.irqs[i].vector);
		CHECK_INT(q.irqs[i].irq, p.irqs[i].irq);
		CHECK_STR(q.irqs[i].why, p.irqs[i].why);
		CHECK(cpuset_equal(&q.irqs[i].cpus, &p.irqs[i].cpus));
	}
	CHECK_INT(q.nrps, 1);
	CHECK_STR(q.rps[0].netdev, "ens1f0");
	/* The plan matches the host it was made for and not a changed one. */
	CHECK(plan_matches_host(&q, &h, a, &why));
	h.nodes[1].cpus = set_of(a, "4-6");
	CHECK(!plan_matches_host(&q, &h, a, &why));
	CHECK(strstr(why, "NUMA node 1") != NULL);
	h.max_cpu = 15;
	CHECK(!plan_matches_host(&q, &h, a, &why));
	CHECK(strstr(why, "8 CPUs") != NULL);
	buf_free(&b);
	arena_free(a);
}

TEST(planfile_rejects_bad_input)
{
	struct arena a = { 0 };
	struct plan p;
	const char *e = NULL;
	static const char *const bad[] = {
		"",
		"hello\n",
		"irqsight-plan 2\nhost cpus=2 online=0-1\nhousekeeping 0\n",
		"irqsight-plan 1\nhousekeeping 0\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\nirq cpus= action=x\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\nirq cpus=0 action=\"x\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\nfrobnicate 1\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\nrps netdev=../x cpus=0\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0-1x\n",
		/* once-only lines given twice, a second header, a second bare word, a NUL */
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\nhousekeeping 1\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\ndefault-affinity 0\ndefault-affinity 1\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\nirqsight-plan 1\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0 1\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\nrps netdev=. cpus=0\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\nrps netdev=eth0:1 cpus=0\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e = NULL;
		CHECK_INT(parse_planfile(bad[i], strlen(bad[i]), &a, &p, &e), -EINVAL);
		CHECK(e != NULL && !strncmp(e, "line ", 5));
	}
	const char *ok = "irqsight-plan 1   # comment\nhost cpus=2 online=0-1\nhousekeeping 0\n"
			 "irq cpus=0 action=\"a b\\\"c#\" # trailing\n";
	CHECK_INT(parse_planfile(ok, strlen(ok), &a, &p, &e), 0);
	CHECK_INT(p.nirqs, 1);
	CHECK_STR(p.irqs[0].action, "a b\"c#");
	arena_free(&a);
}

TEST(plan_managed_on_housekeeping_needs_nothing)
{
	struct host h;
	numa_host(&h);
	struct arena *a = &h.arena;
	struct cpuset vm = set_of(a, "2-3,7");
	struct plan_opts o = { .vm_cpus = &vm };
	struct plan p;
	const char *why = NULL;
	CHECK_INT(plan_of(&h, &o, a, &p, &why), 0);
	/* q2 takes its interrupts on CPU 6, a housekeeping CPU now. */
	CHECK(strstr(find(&p, 52)->why, "housekeeping CPUs already") != NULL);
	arena_free(a);
}

/* Bad input the table above does not have: overflowing and negative numbers, NULs,
 * random bytes, a cut plan, one 10 MB line. Always a defined answer and a "line N" error. */
TEST(planfile_bad_numbers_garbage_long_lines)
{
	struct arena a = { 0 };
	struct plan p;
	const char *e;
	static const char *const bad[] = {
		"irqsight-plan 99999999999999999999\nhost cpus=2 online=0-1\nhousekeeping 0\n",
		"irqsight-plan -1\nhost cpus=2 online=0-1\nhousekeeping 0\n",
		"irqsight-plan 1\nhost cpus=4294967297 online=0-1\nhousekeeping 0\n",
		"irqsight-plan 1\nhost cpus=-2 online=0-1\nhousekeeping 0\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\nirq cpus=0 action=x vector=99999999999\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\nirq cpus=0 action=x irq=-5\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0-99999999999999999999\n",
		"irqsight-plan 1\nhost cpus=2 online=0-1\nnode -1 cpus=0\nhousekeeping 0\n",
		/* cut in the middle of the housekeeping line */
		"irqsight-plan 1\nhost cpus=2 online=0-1\nhouse",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e = NULL;
		if (parse_planfile(bad[i], strlen(bad[i]), &a, &p, &e) != -EINVAL || !e || strncmp(e, "line ", 5))
			t_fail(__FILE__, __LINE__, "case %zu: not refused with a line number (%s)", i, e ? e : "no error");
	}
	/* NULs inside a valid plan */
	static const char nul[] = "irqsight-plan 1\nhost cpus=2\0 online=0-1\nhousekeeping 0\n";
	e = NULL;
	int r = parse_planfile(nul, sizeof(nul) - 1, &a, &p, &e);
	CHECK(r == 0 || (r == -EINVAL && e));
	struct buf b = { 0 };
	bad_random(&b, 1 << 20, 77);
	e = NULL;
	CHECK_INT(parse_planfile(b.data, b.len, &a, &p, &e), -EINVAL);
	CHECK(e != NULL);
	buf_reset(&b);
	/* 2 MB lines: a comment, a quoted value, an unterminated quote (PF_MAX_BYTES is 8 MiB) */
	const size_t LONG = 2u << 20;
	buf_puts(&b, "irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\n");
	bad_long_line(&b, "# ", "x", LONG);
	buf_puts(&b, "\n");
	CHECK_INT(parse_planfile(b.data, b.len, &a, &p, &e), 0);
	bad_long_line(&b, "irq cpus=1 action=\"", "y", LONG);
	buf_puts(&b, "\"\n");
	CHECK_INT(parse_planfile(b.data, b.len, &a, &p, &e), 0);
	CHECK_INT(p.nirqs, 1);
	CHECK_INT(strlen(p.irqs[0].action), LONG);
	bad_long_line(&b, "irq cpus=1 action=\"", "z", LONG);
	e = NULL;
	CHECK_INT(parse_planfile(b.data, b.len, &a, &p, &e), -EINVAL);
	if (!e || !strstr(e, "line 6: unterminated quote"))
		t_fail(__FILE__, __LINE__, "got %s", e ? e : "none");
	/* one 10 MB line: past the size limit, refused with the limit, never cut */
	buf_reset(&b);
	buf_puts(&b, "irqsight-plan 1\nhost cpus=2 online=0-1\nhousekeeping 0\n");
	bad_long_line(&b, "# ", "x", BAD_LONG);
	buf_puts(&b, "\n");
	e = NULL;
	CHECK_INT(parse_planfile(b.data, b.len, &a, &p, &e), -EINVAL);
	CHECK(e && strstr(e, "limit of 8 MiB"));
	buf_free(&b);
	arena_free(&a);
}

/* A vector whose queue name has no number (virtio's "config", found on the lab's real
 * NUMA host) is not queue 0: it is one of the device's other vectors and gets its node's
 * whole housekeeping set, and the numbered queues still spread one per CPU. */
TEST(plan_unnumbered_queue_name_is_not_queue_0)
{
	struct host h;
	host_init(&h, 8, "0-3", "4-7");
	struct pci_dev *vn = add_dev(&h, "0000:81:00.0", "virtio-pci", 1, "eth1");
	add_irq(&h, 34, "virtio2-config", vn, 0, "config", "0-7");
	add_irq(&h, 35, "virtio2-input.0", vn, 1, "input.0", "0-7");
	add_irq(&h, 36, "virtio2-input.1", vn, 2, "input.1", "0-7");
	struct arena *a = &h.arena;
	struct cpuset vm = set_of(a, "2-3,6-7");
	struct plan_opts o = { .vm_cpus = &vm };
	struct plan p;
	const char *why = NULL;
	CHECK_INT(plan_of(&h, &o, a, &p, &why), 0);
	CHECK_STR(list_of(a, &find(&p, 34)->cpus), "4-5");
	CHECK(strstr(find(&p, 34)->why, "queue 0") == NULL);
	CHECK_STR(list_of(a, &find(&p, 35)->cpus), "4");
	CHECK_STR(list_of(a, &find(&p, 36)->cpus), "5");
	arena_free(a);
}

/*
 * Queue names read off a real host: mlx5 names its vectors "mlx5_compN@pci:<bdf>"
 * (tests/rules/queue-affinity-collapsed, realdata 80-CPU RT worker). Each completion
 * queue gets one housekeeping CPU by its index; the async event queue is no queue and
 * keeps the device's whole set.
 */
TEST(plan_mlx5_queues_from_names)
{
	struct source src;
	CHECK_INT(src_open(&src, "tests/rules/queue-affinity-collapsed/fires/mlx5-pf-63-queues-on-cpu14"), 0);
	struct host h;
	struct host_opts ho = { 0 };
	CHECK_INT(host_build(&h, &src, &ho), 0);
	src_close(&src);
	struct arena *a = &h.arena;
	struct cpuset hk = set_of(a, "0-4,11-20");
	struct plan_opts o = { .housekeeping = &hk };
	struct plan p;
	const char *why = NULL;
	CHECK_INT(plan_of(&h, &o, a, &p, &why), 0);
	const struct irq *comp5 = host_irq_by_number(&h, 298);
	CHECK(comp5 != NULL);
	CHECK_STR(comp5 ? comp5->queue : "", "comp5");
	CHECK_STR(list_of(a, &find(&p, 273)->cpus), "0");	/* mlx5_comp0 */
	CHECK_STR(list_of(a, &find(&p, 298)->cpus), "11");	/* mlx5_comp5: the 6th CPU */
	CHECK_STR(list_of(a, &find(&p, 268)->cpus), "0-4,11-20");	/* mlx5_async */
	CHECK(strstr(find(&p, 268)->why, "queue") == NULL);
	host_free(&h);
}

/* Apply, journal and rollback against a copy tree (a fake root), with a hand-built model. */
#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act/apply.h"
#include "act/journal.h"
#include "act/plan.h"
#include "model/host.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"

static void put(const char *root, const char *rel, const char *text)
{
	char p[4096], dir[4200];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "mkdir -p \"$(dirname '%s')\"", p);
	if (system(dir))
		abort();
	FILE *f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static const char *get(struct arena *a, const char *root, const char *rel)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	struct buf b = { 0 };
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return "(missing)";
	buf_read_fd(&b, fd, 0);
	close(fd);
	const char *r = arena_strdup(a, b.data ? b.data : "");
	buf_free(&b);
	return r;
}

static struct cpuset set_of(struct arena *a, const char *list)
{
	struct cpuset s;
	if (cpuset_parse_list(&s, a, list, strlen(list)))
		abort();
	return s;
}

/* Four CPUs; a virtio-net with two queue pairs, a managed virtio-blk queue. */
static void small_host(struct host *h)
{
	memset(h, 0, sizeof(*h));
	struct arena *a = &h->arena;
	h->max_cpu = 3;
	h->online = set_of(a, "0-3");
	h->has_online = true;
	h->nodes = arena_calloc(a, 1, sizeof(*h->nodes));
	h->nodes[0] = (struct numa_node){ 0, set_of(a, "0-3") };
	h->nnodes = 1;
	h->devs = arena_calloc(a, 2, sizeof(*h->devs));
	h->irqs = arena_calloc(a, 8, sizeof(*h->irqs));
	struct pci_dev *net = &h->devs[h->ndevs++];
	net->bdf = "0000:00:04.0";
	net->driver = "virtio-pci";
	net->numa_node = 0;
	net->netdev = "eth0";
	net->irqs = arena_calloc(a, 8, sizeof(struct irq *));
	struct pci_dev *blk = &h->devs[h->ndevs++];
	blk->bdf = "0000:00:02.0";
	blk->driver = "virtio-pci";
	blk->numa_node = -1;
	blk->irqs = arena_calloc(a, 8, sizeof(struct irq *));
	static const struct {
		int n;
		const char *act, *queue;
		int dev, vec;
	} rows[] = {
		{ 40, "virtio3-config", NULL, 0, 0 }, { 41, "virtio3-input.0", "input.0", 0, 1 },
		{ 42, "virtio3-output.0", "output.0", 0, 2 }, { 43, "virtio3-input.1", "input.1", 0, 3 },
		{ 44, "virtio3-output.1", "output.1", 0, 4 }, { 36, "virtio1-req.0", "req.0", 1, 1 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct irq *q = &h->irqs[h->nirqs++];
		struct pci_dev *d = rows[i].dev ? blk : net;
		q->number = rows[i].n;
		q->actions = rows[i].act;
		q->action = arena_calloc(a, 1, sizeof(char *));
		q->action[0] = rows[i].act;
		q->naction = 1;
		q->queue = rows[i].queue;
		q->vector = rows[i].vec;
		q->dev = d;
		q->is_device = q->has_affinity = true;
		q->smp_affinity = set_of(a, "0-3");
		q->managed = rows[i].dev ? TRI_YES : TRI_NO;
		q->settable = rows[i].dev ? TRI_NO : TRI_YES;
		d->irqs[d->nirqs++] = q;
	}
}

static void fake_root(char *root, size_t n)
{
	snprintf(root, n, "/tmp/irqsight-test-XXXXXX");
	if (!mkdtemp(root))
		abort();
	static const int irqs[] = { 36, 40, 41, 42, 43, 44 };
	for (size_t i = 0; i < sizeof(irqs) / sizeof(irqs[0]); i++) {
		char p[64];
		snprintf(p, sizeof(p), "proc/irq/%d/smp_affinity_list", irqs[i]);
		put(root, p, "0-3\n");
		snprintf(p, sizeof(p), "proc/irq/%d/effective_affinity_list", irqs[i]);
		put(root, p, "1\n");
	}
	put(root, "proc/irq/default_smp_affinity", "f\n");
	put(root, "sys/class/net/eth0/queues/rx-0/rps_cpus", "e\n");
	put(root, "sys/class/net/eth0/queues/rx-1/rps_cpus", "0\n");
	put(root, "sys/class/net/eth0/queues/tx-0/xps_cpus", "0\n");
}

static int count(const struct act_list *l, enum act_status s)
{
	int n = 0;
	for (int i = 0; i < l->n; i++)
		n += l->v[i].status == s;
	return n;
}

TEST(apply_journal_rollback_fake_root)
{
	struct host h;
	small_host(&h);
	struct arena *a = &h.arena;
	char root[64], state[128], cmd[256];
	fake_root(root, sizeof(root));
	snprintf(state, sizeof(state), "%s/state", root);
	struct source src;
	CHECK_INT(src_open(&src, root), 0);

	struct cpuset vm = set_of(a, "2-3");
	struct plan_opts po = { .vm_cpus = &vm };
	struct plan p;
	const char *why;
	roles_derive(&h);	/* what host_build() does last; plan_make() reads the roles */
	CHECK_INT(plan_make(&h, &po, a, &p, &why), 0);

	/* Dry run: nothing written, no journal. */
	struct act_list ops;
	CHECK_INT(act_resolve(&p, &h, &src, a, &ops), 0);
	struct act_opts dry = { .dry_run = true };
	struct journal j;
	journal_init(&j, state, root, "apply", "plan");
	CHECK_INT(act_run(&src, &ops, &dry, &j, a), 0);
	CHECK_INT(count(&ops, ACT_DRY), 7);	/* 5 IRQs, default affinity, rps rx-0 */
	CHECK_INT(count(&ops, ACT_MANAGED), 1);
	CHECK_STR(get(a, root, "proc/irq/41/smp_affinity_list"), "0-3\n");
	CHECK(j.fd < 0);
	char *latest;
	CHECK(journal_latest(state, a, &latest) < 0);

	/* Real run. */
	CHECK_INT(act_resolve(&p, &h, &src, a, &ops), 0);
	struct act_opts yes = { 0 };
	CHECK_INT(act_run(&src, &ops, &yes, &j, a), 0);
	journal_close(&j);
	CHECK_INT(count(&ops, ACT_DONE), 7);
	CHECK_STR(get(a, root, "proc/irq/41/smp_affinity_list"), "0\n");
	CHECK_STR(get(a, root, "proc/irq/42/smp_affinity_list"), "0\n");
	CHECK_STR(get(a, root, "proc/irq/43/smp_affinity_list"), "1\n");
	CHECK_STR(get(a, root, "proc/irq/40/smp_affinity_list"), "0-1\n");
	CHECK_STR(get(a, root, "proc/irq/36/smp_affinity_list"), "0-3\n");	/* managed: untouched */
	CHECK_STR(get(a, root, "proc/irq/default_smp_affinity"), "3\n");
	CHECK_STR(get(a, root, "sys/class/net/eth0/queues/rx-0/rps_cpus"), "3\n");
	CHECK_STR(get(a, root, "sys/class/net/eth0/queues/rx-1/rps_cpus"), "0\n");	/* RPS off stays off */

	/* A second apply writes nothing and leaves no new journal. */
	struct journal j2;
	journal_init(&j2, state, root, "apply", "plan");
	CHECK_INT(act_resolve(&p, &h, &src, a, &ops), 0);
	CHECK_INT(act_run(&src, &ops, &yes, &j2, a), 0);
	CHECK_INT(count(&ops, ACT_SAME), 7);
	CHECK(j2.fd < 0);

	/* The journal holds every old value; rollback restores them, twice is a no-op. */
	CHECK_INT(journal_latest(state, a, &latest), 0);
	CHECK_STR(latest, j.path);
	struct buf b = { 0 };
	t_read(latest, &b);
	struct journal_data jd;
	const char *jerr = NULL;
	CHECK_INT(journal_parse(b.data, b.len, a, &jd, &jerr), 0);
	CHECK_INT(jd.n, 7);
	CHECK_STR(jd.root, root);
	CHECK_STR(jd.v[0].path, "proc/irq/40/smp_affinity_list");
	CHECK_STR(jd.v[0].old, "0-3");
	CHECK_STR(jd.v[0].new_, "0-1");
	CHECK(strstr(jd.v[0].what, "virtio3-config") != NULL);
	CHECK_INT(act_restore_ops(&jd, a, &ops), 0);
	CHECK_INT(act_run(&src, &ops, &yes, NULL, a), 0);
	CHECK_INT(count(&ops, ACT_DONE), 7);
	CHECK_STR(get(a, root, "proc/irq/41/smp_affinity_list"), "0-3\n");
	CHECK_STR(get(a, root, "proc/irq/default_smp_affinity"), "f\n");
	CHECK_STR(get(a, root, "sys/class/net/eth0/queues/rx-0/rps_cpus"), "e\n");
	CHECK_INT(act_restore_ops(&jd, a, &ops), 0);
	CHECK_INT(act_run(&src, &ops, &yes, NULL, a), 0);
	CHECK_INT(count(&ops, ACT_SAME), 7);

	/* A torn last line (crash mid-append) is ignored; garbage is refused. */
	CHECK_INT(journal_parse(b.data, b.len - 5, a, &jd, &jerr), 0);
	CHECK_INT(jd.n, 6);
	CHECK_INT(journal_parse("set path=x old=1 new=2\n", 23, a, &jd, &jerr), -EINVAL);
	const char *evil = "irqsight-journal 1\nset path=/etc/passwd old=1 new=2\n";
	CHECK_INT(journal_parse(evil, strlen(evil), a, &jd, &jerr), -EINVAL);
	buf_free(&b);
	src_close(&src);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK_INT(system(cmd), 0);
	arena_free(a);
}

TEST(apply_missing_and_offline)
{
	struct host h;
	small_host(&h);
	struct arena *a = &h.arena;
	char root[64], cmd[128];
	fake_root(root, sizeof(root));
	struct source src;
	CHECK_INT(src_open(&src, root), 0);
	const char *txt = "irqsight-plan 1\nhost cpus=4 online=0-3\nhousekeeping 0\n"
			  "irq cpus=0 dev=0000:00:09.0 action=\"nvme*q1\"\n"
			  "irq cpus=7 dev=0000:00:04.0 action=\"virtio*-config\"\n"
			  "irq cpus=0 dev=0000:00:02.0 action=\"virtio*-req.0\"\n";
	struct plan p;
	const char *e = NULL;
	CHECK_INT(parse_planfile(txt, strlen(txt), a, &p, &e), 0);
	struct act_list ops;
	CHECK_INT(act_resolve(&p, &h, &src, a, &ops), 0);
	CHECK_INT(ops.n, 3);
	CHECK_INT(ops.v[0].status, ACT_MISSING);
	CHECK_INT(ops.v[1].status, ACT_SKIPPED);	/* CPU 7 is not online */
	CHECK_INT(ops.v[2].status, ACT_MANAGED);	/* the model says managed now */
	struct act_opts yes = { 0 };
	CHECK_INT(act_run(&src, &ops, &yes, NULL, a), 0);
	CHECK_STR(get(a, root, "proc/irq/40/smp_affinity_list"), "0-3\n");
	CHECK_STR(get(a, root, "proc/irq/36/smp_affinity_list"), "0-3\n");
	/* Errors are explained. */
	CHECK(strstr(act_explain(EPERM), "kernel-managed") != NULL);
	CHECK(strstr(act_explain(ENOSPC), "vector") != NULL);
	CHECK(strstr(act_explain(EROFS), "container") != NULL);
	src_close(&src);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK_INT(system(cmd), 0);
	arena_free(a);
}

/* The Prometheus exposition writer, on hand-built host models. The expositions are
 * also written to build/prom-fixtures/ so that tests/stages/75-fleet.sh can run
 * `promtool check metrics` on them. */
#include "t.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/host.h"
#include "render/prom.h"
#include "rules/finding.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"

/* A 4-CPU host: NVMe (MSI-X, 4 queues), a NIC on INTx, a vfio device; remapping off. */
static void mk_host(struct host *h, int nirq_extra)
{
	memset(h, 0, sizeof(*h));
	struct arena *a = &h->arena;
	h->root = "tests/hosts/hand";
	h->max_cpu = 3;
	h->ncols = 4;
	h->cpus = arena_calloc(a, 4, sizeof(*h->cpus));
	for (int i = 0; i < 4; i++) {
		struct host_cpu *c = &h->cpus[i];
		c->id = i;
		c->possible = c->online = true;
		c->col = i;
		c->node = 0;
		c->dev_irq_count = i == 0 ? 9000 : 1000;
		c->dev_irq_rate = -1;
		c->has_softirq = true;
		c->softirq[SOFTIRQ_NET_RX] = 100u * (unsigned)(i + 1);
		c->softirq[SOFTIRQ_BLOCK] = 7;
		c->stat.present = true;
		c->stat.v[ST_IRQ] = 250;
		c->stat.v[ST_SOFTIRQ] = 1234;
		c->irq_pct = c->softirq_pct = -1;
	}
	struct platform *p = &h->platform;
	p->kernel_release = "6.1.0-18-amd64";
	p->arch = "x86_64";
	p->iommu = TRI_YES;
	p->interrupt_remapping = TRI_NO;
	p->ir_mode = IR_MODE_NONE;
	p->iommu_vendor = IOMMU_VENDOR_INTEL;
	p->x2apic = TRI_UNKNOWN;
	p->vfio_devices = 1;
	h->irqbalance.running = TRI_YES;
	cpuset_parse_list(&h->irqbalance.banned, a, "2-3", 3);
	h->irqbalance.banned_known = true;

	h->ndevs = 3;
	h->devs = arena_calloc(a, 3, sizeof(*h->devs));
	struct pci_dev *nvme = &h->devs[0], *nic = &h->devs[1], *vf = &h->devs[2];
	nvme->bdf = "0000:01:00.0";
	nvme->has_ids = true;
	nvme->vendor = 0x144d;
	nvme->device = 0xa808;
	nvme->driver = "nvme";
	nvme->irq_mode = IRQ_MODE_MSIX;
	nvme->cfg.has_msix = TRI_YES;
	nvme->cfg.msix_table_size = 33;
	nic->bdf = "0000:02:00.0";
	nic->has_ids = true;
	nic->vendor = 0x8086;
	nic->device = 0x10d3;
	nic->driver = "e1000e";
	nic->irq_mode = IRQ_MODE_INTX;
	nic->cfg.has_msix = TRI_UNKNOWN;
	vf->bdf = "0000:03:00.0";
	vf->driver = "vfio-pci";
	vf->irq_mode = IRQ_MODE_UNKNOWN;

	h->nirqs = 5 + nirq_extra;
	h->irqs = arena_calloc(a, (size_t)h->nirqs, sizeof(*h->irqs));
	nvme->irqs = arena_calloc(a, 4, sizeof(*nvme->irqs));
	for (int i = 0; i < h->nirqs; i++) {
		struct irq *q = &h->irqs[i];
		q->number = 40 + i;
		q->name = arena_printf(a, "%d", q->number);
		q->is_device = true;
		q->rate = -1;
		q->has_effective = true;
		cpuset_init(&q->effective_affinity, a, 3);
		cpuset_set(&q->effective_affinity, i % 4);
		q->total = 100u + (unsigned)i;
		if (i < 4) {
			q->dev = nvme;
			nvme->irqs[nvme->nirqs++] = q;
			q->actions = arena_printf(a, "nvme0q%d", i);
		} else if (i == 4) {
			q->dev = nic;
			q->total = 50000;
			/* a kernel name with every character that needs escaping */
			q->actions = "eth\"0\\x\n\xff";
			nic->irqs = arena_calloc(a, 1, sizeof(*nic->irqs));
			nic->irqs[nic->nirqs++] = q;
		} else {
			q->actions = arena_printf(a, "extra%d", i);
		}
		q->action = arena_calloc(a, 1, sizeof(*q->action));
		q->action[0] = q->actions;
		q->naction = 1;
	}
	h->nvms = 1;
	h->vms = arena_calloc(a, 1, sizeof(*h->vms));
	h->vms[0].pid = 4242;
	h->vms[0].nvcpus = 2;
	cpuset_parse_list(&h->vms[0].vcpu_cpus, a, "0-1", 3);
}

static void mk_findings(struct host *h, struct findings *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs->arena = &h->arena;
	finding_new(fs, "ir-disabled", SEV_CRITICAL, "Interrupt remapping is off");
	finding_new(fs, "intx-fallback", SEV_WARNING, "e1000e on INTx");
	finding_new(fs, "intx-fallback", SEV_WARNING, "another on INTx");
	finding_new(fs, "drift-kernel", SEV_INFO, "kernel changed");
}

static void save(const char *name, const struct buf *b)
{
	mkdir("build", 0755);
	mkdir("build/prom-fixtures", 0755);
	char path[256];
	snprintf(path, sizeof(path), "build/prom-fixtures/%s.prom", name);
	CHECK_INT(prom_write_atomic(path, b->data, b->len), 0);
}

static bool has_line(const struct buf *b, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = b->data; p && (p = strstr(p, line)); p++)
		if ((p == b->data || p[-1] == '\n') && (p[n] == '\n'))
			return true;
	return false;
}

static int count_prefix(const struct buf *b, const char *prefix)
{
	int n = 0;
	size_t l = strlen(prefix);
	for (const char *p = b->data; p && *p;) {
		if (!strncmp(p, prefix, l))
			n++;
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

TEST(prom_platform_and_findings)
{
	struct host h;
	struct findings fs;
	struct prom_opts o;
	struct buf b = { 0 };
	mk_host(&h, 0);
	mk_findings(&h, &fs);
	prom_opts_init(&o);
	o.version = "0.1.0";
	o.run_timestamp = 1700000000.5;
	o.run_duration = 0.0123;
	o.has_baseline = true;
	CHECK_INT(render_prom(&h, &fs, &o, &b), 0);
	save("hand", &b);
	CHECK(has_line(&b, "irqsight_up 1"));
	CHECK(has_line(&b, "irqsight_interrupt_remapping 0"));
	CHECK(has_line(&b, "irqsight_iommu 1"));
	CHECK(has_line(&b, "irqsight_x2apic NaN"));	/* unknown is not "off" */
	CHECK(has_line(&b, "irqsight_finding{id=\"intx-fallback\",severity=\"warning\"} 2"));
	CHECK(has_line(&b, "irqsight_finding{id=\"ir-disabled\",severity=\"critical\"} 1"));
	CHECK(has_line(&b, "irqsight_findings{severity=\"critical\"} 1"));
	CHECK(has_line(&b, "irqsight_findings{severity=\"warning\"} 2"));
	CHECK(has_line(&b, "irqsight_worst_severity 2"));
	CHECK(has_line(&b, "irqsight_drift_findings 1"));
	CHECK(has_line(&b, "irqsight_last_run_timestamp_seconds 1700000000.500"));
	CHECK(has_line(&b, "irqsight_irqbalance_banned_cpus 2"));
	CHECK(has_line(&b, "irqsight_device_irq_mode{bdf=\"0000:02:00.0\",device=\"8086:10d3\",driver=\"e1000e\",mode=\"intx\"} 1"));
	CHECK(has_line(&b, "irqsight_device_vectors{bdf=\"0000:01:00.0\",driver=\"nvme\"} 4"));
	CHECK(has_line(&b, "irqsight_device_msix_table_size{bdf=\"0000:01:00.0\",driver=\"nvme\"} 33"));
	/* MSI-X capability unknown: no sample rather than a false 0 */
	CHECK_INT(count_prefix(&b, "irqsight_device_msix_table_size{"), 1);
	CHECK(has_line(&b, "irqsight_cpu_softirqs_total{cpu=\"3\",type=\"NET_RX\"} 400"));
	CHECK(has_line(&b, "irqsight_cpu_irq_seconds_total{cpu=\"0\"} 2.5"));
	CHECK(has_line(&b, "irqsight_hot_cpu 0"));
	CHECK(has_line(&b, "irqsight_hot_cpu_share 0.75"));
	/* vCPUs on 0-1, device IRQs effective on 0,1,2,3: two overlapping CPUs */
	CHECK(has_line(&b, "irqsight_vcpu_irq_overlap_cpus 2"));
	/* escaping: quote, backslash, newline; invalid UTF-8 byte -> U+FFFD */
	CHECK(strstr(b.data, "name=\"eth\\\"0\\\\x\\n\xef\xbf\xbd\"}") != NULL);
	/* not sampled: no rate families */
	CHECK(!strstr(b.data, "_per_second"));
	/* each family has exactly one HELP and one TYPE line */
	CHECK_INT(count_prefix(&b, "# TYPE irqsight_finding "), 1);
	CHECK_INT(count_prefix(&b, "# HELP irqsight_cpu_softirqs_total "), 1);
	buf_free(&b);
	arena_free(&h.arena);
}

TEST(prom_top_irqs_bounded)
{
	struct host h;
	struct findings fs;
	struct prom_opts o;
	struct buf b = { 0 };
	mk_host(&h, 500);
	mk_findings(&h, &fs);
	prom_opts_init(&o);
	CHECK_INT(render_prom(&h, &fs, &o, &b), 0);
	save("many-irqs", &b);
	CHECK_INT(count_prefix(&b, "irqsight_irq_interrupts_total{"), PROM_TOP_IRQS_DEFAULT);
	CHECK(has_line(&b, "irqsight_device_irqs 505"));
	/* the busiest IRQ (the NIC, 50000) comes first */
	CHECK(strstr(b.data, "irqsight_irq_interrupts_total{irq=\"44\"") != NULL);
	/* no baseline: no drift gauge; no timestamp when not given */
	CHECK(!strstr(b.data, "irqsight_drift_findings"));
	CHECK(!strstr(b.data, "irqsight_last_run_timestamp_seconds"));
	buf_reset(&b);
	o.top_irqs = 100000;	/* clamped */
	CHECK_INT(render_prom(&h, &fs, &o, &b), 0);
	CHECK_INT(count_prefix(&b, "irqsight_irq_interrupts_total{"), PROM_TOP_IRQS_MAX);
	buf_reset(&b);
	o.top_irqs = 0;
	CHECK_INT(render_prom(&h, &fs, &o, &b), 0);
	CHECK_INT(count_prefix(&b, "irqsight_irq_interrupts_total"), 0);
	buf_free(&b);
	arena_free(&h.arena);
}

TEST(prom_sampled_rates)
{
	struct host h;
	struct findings fs;
	struct prom_opts o;
	struct buf b = { 0 };
	mk_host(&h, 0);
	mk_findings(&h, &fs);
	h.sample_seconds = 1;
	for (int i = 0; i < 4; i++) {
		h.cpus[i].dev_irq_rate = i == 3 ? 900 : 50;
		h.cpus[i].softirq_rate[SOFTIRQ_NET_RX] = 10;
		for (int k = 0; k < SOFTIRQ_NR; k++)
			if (k != SOFTIRQ_NET_RX)
				h.cpus[i].softirq_rate[k] = -1;
		h.cpus[i].irq_pct = 1.5;
		h.cpus[i].softirq_pct = 2.5;
	}
	for (int i = 0; i < h.nirqs; i++)
		h.irqs[i].rate = i == 2 ? 800 : 1;
	prom_opts_init(&o);
	o.top_irqs = 1;
	CHECK_INT(render_prom(&h, &fs, &o, &b), 0);
	save("sampled", &b);
	/* sampled: the hot CPU is chosen by rate, not by counts since boot */
	CHECK(has_line(&b, "irqsight_hot_cpu 3"));
	CHECK(has_line(&b, "irqsight_hot_cpu_share 0.857143"));
	CHECK(has_line(&b, "irqsight_cpu_irq_time_ratio{cpu=\"1\"} 0.04"));
	CHECK(has_line(&b, "irqsight_irq_interrupts_per_second{irq=\"42\",bdf=\"0000:01:00.0\",name=\"nvme0q2\"} 800"));
	CHECK_INT(count_prefix(&b, "irqsight_cpu_softirqs_per_second{"), 4);
	buf_free(&b);
	arena_free(&h.arena);
}

TEST(prom_down)
{
	struct prom_opts o;
	struct buf b = { 0 };
	prom_opts_init(&o);
	o.up = false;
	o.scrape_errors = 3;
	CHECK_INT(render_prom(NULL, NULL, &o, &b), 0);
	save("down", &b);
	CHECK(has_line(&b, "irqsight_up 0"));
	CHECK(has_line(&b, "irqsight_scrape_errors_total 3"));
	CHECK(!strstr(b.data, "irqsight_finding"));
	buf_free(&b);
}

TEST(prom_write_atomic_replaces)
{
	char dir[] = "build/prom-atomic-XXXXXX";
	mkdir("build", 0755);
	CHECK(mkdtemp(dir) != NULL);
	char path[128];
	snprintf(path, sizeof(path), "%s/irqsight.prom", dir);
	CHECK_INT(prom_write_atomic(path, "a 1\n", 4), 0);
	CHECK_INT(prom_write_atomic(path, "b 2\n", 4), 0);
	struct buf b = { 0 };
	t_read(path, &b);
	CHECK_STR(b.data, "b 2\n");
	struct stat st;
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644);
	/* no temporary file left behind */
	unlink(path);
	CHECK_INT(rmdir(dir), 0);
	/* a missing directory is an error, not a crash */
	CHECK_INT(prom_write_atomic("build/no-such-dir/x.prom", "x", 1), -ENOENT);
	buf_free(&b);
}

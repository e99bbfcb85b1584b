/* Baselines: file format round trip, strict parsing, and drift findings. */
#include "t.h"

#include <errno.h>
#include <stdlib.h>

#include "model/baseline.h"
#include "model/host.h"
#include "render/baseline.h"
#include "rules/drift.h"
#include "rules/finding.h"
#include "source/source.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/cpuset.h"

/* A profile as baseline_from_host() would take it: an Intel host with remapping in
 * x2APIC mode, an NVMe with 33 vectors, a NIC with 8 queues, a vfio-passed GPU. */
static void mk(struct baseline *b)
{
	memset(b, 0, sizeof(*b));
	struct arena *a = &b->arena;
	b->version = BASELINE_VERSION;
	b->kernel = "6.1.0-18-amd64";
	b->has_cmdline = true;
	b->ncmdline = 2;
	b->cmdline = arena_calloc(a, 2, sizeof(*b->cmdline));
	b->cmdline[0] = "intel_iommu=on";
	b->cmdline[1] = "iommu=pt";
	b->iommu = b->interrupt_remapping = b->x2apic = TRI_YES;
	b->ir_mode = IR_MODE_X2APIC;
	b->online_cpus = 32;
	b->irqbalance = TRI_YES;
	b->irqbalance_banned = "2-7";
	b->ndevs = 3;
	b->devs = arena_calloc(a, 3, sizeof(*b->devs));
	struct baseline_dev *d = b->devs;
	d[0] = (struct baseline_dev){ "0000:01:00.0", true, 0x10de, 0x2204, "vfio-pci", IRQ_MODE_NONE, 0, 0, -1, -1, NULL, NULL };
	d[1] = (struct baseline_dev){ "0000:02:00.0", true, 0x144d, 0xa808, "nvme", IRQ_MODE_MSIX, 33, 33, -1, -1, "managed", NULL };
	d[2] = (struct baseline_dev){ "0000:05:00.0", true, 0x8086, 0x15f3, "igc", IRQ_MODE_MSIX, 5, 5, 4, 4, "0/1/2/3/4", NULL };
}

static int count_id(const struct findings *fs, const char *id)
{
	int n = 0;
	for (int i = 0; i < fs->n; i++)
		n += !strcmp(fs->v[i].id, id);
	return n;
}

static const struct finding *find(const struct findings *fs, const char *id)
{
	for (int i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].id, id))
			return &fs->v[i];
	return NULL;
}

static const char *ev(const struct finding *f, const char *key)
{
	for (int i = 0; f && i < f->nevidence; i++)
		if (!strcmp(f->evidence[i].key, key))
			return f->evidence[i].value;
	return NULL;
}

TEST(baseline_roundtrip_no_drift)
{
	struct baseline a, b;
	struct buf t1 = { 0 }, t2 = { 0 };
	char err[200];
	mk(&a);
	CHECK_INT(baseline_format(&a, &t1), 0);
	CHECK(strstr(t1.data, "\nirqsight-baseline 1\n") != NULL);
	CHECK(strstr(t1.data, "\ndevice 0000:02:00.0 id=144d:a808 driver=nvme irq-mode=msix msix-table=33 vectors=33 rx-queues=unknown tx-queues=unknown affinity=managed handler=unknown\n") != NULL);
	CHECK_INT(baseline_parse(&b, t1.data, t1.len, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(baseline_format(&b, &t2), 0);
	CHECK_STR(t2.data, t1.data);
	struct findings fs = { .arena = &b.arena };
	CHECK_INT(baseline_compare(&a, &b, &fs), 0);
	CHECK_INT(fs.n, 0);
	buf_free(&t1);
	buf_free(&t2);
	baseline_free(&a);
	baseline_free(&b);
}

TEST(baseline_escaping)
{
	struct baseline a, b;
	struct buf t1 = { 0 };
	char err[200];
	mk(&a);
	a.kernel = "unknown";		/* a literal value equal to the unknown word */
	a.devs[0].driver = "-";		/* ... and to the empty word */
	a.devs[1].driver = "we ird%\n";
	a.devs[2].driver = "";		/* no driver */
	a.irqbalance_banned = NULL;	/* unknown */
	CHECK_INT(baseline_format(&a, &t1), 0);
	CHECK(strstr(t1.data, "driver=we%20ird%25%0A ") != NULL);
	CHECK(strstr(t1.data, "irqbalance-banned unknown\n") != NULL);
	CHECK_INT(baseline_parse(&b, t1.data, t1.len, err, sizeof(err)), 0);
	CHECK_STR(b.kernel, "unknown");
	CHECK_STR(b.devs[0].driver, "-");
	CHECK_STR(b.devs[1].driver, "we ird%\n");
	CHECK_STR(b.devs[2].driver, "");
	CHECK(b.irqbalance_banned == NULL);
	buf_free(&t1);
	baseline_free(&a);
	baseline_free(&b);
}

static int parse_err(const char *text, char *err, size_t n)
{
	struct baseline b;
	int rc = baseline_parse(&b, text, strlen(text), err, n);
	baseline_free(&b);
	return rc;
}

TEST(baseline_parse_strict)
{
	char err[200];
	CHECK_INT(parse_err("", err, sizeof(err)), -EINVAL);
	CHECK_INT(parse_err("{\"json\": 1}\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "line 1: not an irqsight baseline") != NULL);
	CHECK_INT(parse_err("irqsight-baseline 2\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "newer") != NULL);
	CHECK_INT(parse_err("# c\nirqsight-baseline 1\nkernel 6.1\nbogus 1\n", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "line 4: unknown key 'bogus'");
	CHECK_INT(parse_err("irqsight-baseline 1\nkernel a\nkernel b\n", err, sizeof(err)), -EINVAL);
	CHECK_INT(parse_err("irqsight-baseline 1\niommu maybe\n", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "line 2: bad value for iommu: 'maybe'");
	CHECK_INT(parse_err("irqsight-baseline 1\nonline-cpus -3\n", err, sizeof(err)), -EINVAL);
	CHECK_INT(parse_err("irqsight-baseline 1\nirqbalance-banned 7-2\n", err, sizeof(err)), -EINVAL);
	CHECK_INT(parse_err("irqsight-baseline 1\nkernel a%4\n", err, sizeof(err)), -EINVAL);
	CHECK_INT(parse_err("irqsight-baseline 1\nkernel a%00b\n", err, sizeof(err)), -EINVAL);
	CHECK_INT(parse_err("irqsight-baseline 1\ndevice 00:02.0\n", err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "not a PCI address") != NULL);
	CHECK_INT(parse_err("irqsight-baseline 1\ndevice 0000:00:02.0 color=red\n", err, sizeof(err)), -EINVAL);
	CHECK_INT(parse_err("irqsight-baseline 1\ndevice 0000:00:02.0 vectors=1 vectors=2\n", err, sizeof(err)), -EINVAL);
	CHECK_INT(parse_err("irqsight-baseline 1\ndevice 0000:00:02.0 irq-mode=msi-x\n", err, sizeof(err)), -EINVAL);
	CHECK_INT(parse_err("irqsight-baseline 1\ndevice 0000:00:02.0 affinity=0-1//2\n", err, sizeof(err)), -EINVAL);
	CHECK_INT(parse_err("irqsight-baseline 1\ndevice 0000:00:02.0\ndevice 0000:00:02.0\n", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "line 3: device 0000:00:02.0 listed twice");
	struct baseline b;
	static const char nul[] = "irqsight-baseline 1\nkernel a\0b\n";
	CHECK_INT(baseline_parse(&b, nul, sizeof(nul) - 1, err, sizeof(err)), -EINVAL);
	baseline_free(&b);
	/* missing keys are unknown, not an error; a device line may carry only some keys */
	const char *ok = "irqsight-baseline 1\r\ndevice 0000:00:02.0 id=8086:1234 vectors=3\n";
	CHECK_INT(baseline_parse(&b, ok, strlen(ok), err, sizeof(err)), 0);
	CHECK_INT(b.ndevs, 1);
	CHECK_INT(b.devs[0].vectors, 3);
	CHECK_INT(b.devs[0].msix_table, -1);
	CHECK(b.devs[0].driver == NULL);
	CHECK(b.kernel == NULL);
	CHECK_INT(b.online_cpus, -1);
	baseline_free(&b);
}

/* Firmware profile reset: VT-d off takes DMA and interrupt remapping with it. */
TEST(baseline_drift_bios_reset)
{
	struct baseline a, b;
	mk(&a);
	mk(&b);
	b.iommu = TRI_NO;
	b.interrupt_remapping = TRI_NO;
	b.ir_mode = IR_MODE_NONE;
	b.x2apic = TRI_UNKNOWN;		/* not read now: no drift */
	struct findings fs = { .arena = &b.arena };
	baseline_compare(&a, &b, &fs);
	const struct finding *f = find(&fs, "drift-iommu");
	CHECK(f && f->severity == SEV_CRITICAL);	/* a vfio device is baselined */
	CHECK_STR(ev(f, "baseline"), "on");
	CHECK_STR(ev(f, "now"), "off");
	CHECK(strstr(ev(f, "likely cause"), "BIOS profile reset") != NULL);
	f = find(&fs, "drift-interrupt-remapping");
	CHECK(f && f->severity == SEV_CRITICAL);
	CHECK(f && strstr(ev(f, "likely cause"), "BIOS profile reset") != NULL);
	CHECK_INT(count_id(&fs, "drift-ir-mode"), 1);
	CHECK_INT(count_id(&fs, "drift-x2apic"), 0);
	CHECK_INT(count_id(&fs, "drift-kernel"), 0);
	CHECK_INT(fs.n, 3);
	baseline_free(&a);
	baseline_free(&b);
}

/* Same, but the command line lost intel_iommu=on: the cause is the command line. */
TEST(baseline_drift_cmdline_cause)
{
	struct baseline a, b;
	mk(&a);
	mk(&b);
	b.iommu = TRI_NO;
	b.cmdline[0] = "iommu=pt";
	b.ncmdline = 1;
	struct findings fs = { .arena = &b.arena };
	baseline_compare(&a, &b, &fs);
	const struct finding *f = find(&fs, "drift-cmdline");
	CHECK(f && f->severity == SEV_WARNING);
	CHECK_STR(ev(f, "baseline"), "intel_iommu=on");
	CHECK_STR(ev(f, "now"), "(none added)");
	f = find(&fs, "drift-iommu");
	CHECK(f && strstr(ev(f, "likely cause"), "command line") != NULL);
	baseline_free(&a);
	baseline_free(&b);
}

/* A kernel update whose NVMe/igc drivers come up with fewer queues. */
TEST(baseline_drift_kernel_update_fewer_queues)
{
	struct baseline a, b;
	mk(&a);
	mk(&b);
	b.kernel = "6.8.0-1-amd64";
	b.devs[1].vectors = 9;
	b.devs[2].rx_queues = 2;
	b.devs[2].tx_queues = 2;
	b.devs[2].vectors = 3;
	b.devs[2].affinity = "0/1/2";
	struct findings fs = { .arena = &b.arena };
	int n = baseline_compare(&a, &b, &fs);
	CHECK_INT(n, fs.n);
	CHECK_INT(count_id(&fs, "drift-kernel"), 1);
	CHECK_INT(count_id(&fs, "drift-vectors"), 2);
	CHECK_INT(count_id(&fs, "drift-queues"), 2);
	CHECK_INT(count_id(&fs, "drift-affinity"), 1);
	const struct finding *f = find(&fs, "drift-vectors");
	CHECK(f && f->severity == SEV_WARNING);
	CHECK_STR(f ? f->device : NULL, "0000:02:00.0");
	CHECK_STR(ev(f, "baseline"), "33");
	CHECK_STR(ev(f, "now"), "9");
	CHECK(f && strstr(ev(f, "likely cause"), "kernel update") != NULL);
	CHECK(find(&fs, "drift-kernel")->severity == SEV_INFO);
	baseline_free(&a);
	baseline_free(&b);
}

TEST(baseline_drift_devices)
{
	struct baseline a, b;
	mk(&a);
	mk(&b);
	b.devs[0].driver = "nouveau";		/* vfio binding lost */
	b.devs[0].irq_mode = IRQ_MODE_MSI;
	b.devs[2].irq_mode = IRQ_MODE_INTX;	/* NIC fell back to INTx */
	b.devs[2].msix_table = 3;
	b.devs[1].bdf = "0000:03:00.0";		/* NVMe at another bdf: paired by vendor:device */
	b.devs[1].vectors = 17;
	struct findings fs = { .arena = &b.arena };
	baseline_compare(&a, &b, &fs);
	const struct finding *f = find(&fs, "drift-driver");
	CHECK(f && strstr(ev(f, "likely cause"), "vfio binding lost") != NULL);
	f = find(&fs, "drift-irq-mode");
	CHECK_INT(count_id(&fs, "drift-irq-mode"), 2);
	for (int i = 0; i < fs.n; i++)
		if (!strcmp(fs.v[i].id, "drift-irq-mode") && !strcmp(fs.v[i].device, "0000:05:00.0"))
			CHECK_INT(fs.v[i].severity, SEV_CRITICAL);
	CHECK_INT(count_id(&fs, "drift-msix-table"), 1);
	CHECK_INT(count_id(&fs, "drift-device-missing"), 0);
	CHECK_INT(count_id(&fs, "drift-device-new"), 0);
	f = find(&fs, "drift-vectors");
	CHECK_STR(f ? f->device : NULL, "0000:03:00.0");
	CHECK_STR(ev(f, "matched by vendor:device"), "baseline 0000:02:00.0 = now 0000:03:00.0");
	baseline_free(&a);
	baseline_free(&b);
}

/* Two identical NICs that moved bus numbers: paired in order, no drift. Three
 * baselined, two present: ambiguous, so they are reported missing/new. */
TEST(baseline_bdf_insensitive)
{
	struct baseline a, b;
	mk(&a);
	mk(&b);
	a.devs[0] = a.devs[2];
	a.devs[0].bdf = "0000:04:00.0";
	b.devs[0] = b.devs[2];
	b.devs[0].bdf = "0000:08:00.0";
	b.devs[2].bdf = "0000:09:00.0";
	struct findings fs = { .arena = &b.arena };
	CHECK_INT(baseline_compare(&a, &b, &fs), 0);
	/* a third igc in the baseline only */
	a.devs[1] = a.devs[2];
	a.devs[1].bdf = "0000:05:00.0";
	a.devs[2].bdf = "0000:06:00.0";
	b.ndevs = 2;
	b.devs[1] = b.devs[2];
	fs.n = 0;
	baseline_compare(&a, &b, &fs);
	CHECK_INT(count_id(&fs, "drift-device-missing"), 3);
	CHECK_INT(count_id(&fs, "drift-device-new"), 2);
	const struct finding *f = find(&fs, "drift-device-missing");
	CHECK(f && f->severity == SEV_WARNING);
	baseline_free(&a);
	baseline_free(&b);
}

/* sysfs not readable (devices known from IRQ names only): the handler names show
 * the vfio -> host driver switch of a device when the IOMMU went off. */
TEST(baseline_drift_handler_names)
{
	struct baseline a, b;
	mk(&a);
	mk(&b);
	for (int i = 0; i < 3; i++) {
		a.devs[i].has_ids = b.devs[i].has_ids = false;
		a.devs[i].driver = b.devs[i].driver = NULL;
	}
	a.devs[0].handler = "vfio-msix";
	b.devs[0].handler = "nvmeNqN";
	a.devs[1].handler = b.devs[1].handler = "nvmeNqN";
	struct findings fs = { .arena = &b.arena };
	baseline_compare(&a, &b, &fs);
	CHECK_INT(fs.n, 1);
	const struct finding *f = find(&fs, "drift-driver");
	CHECK_STR(f ? f->device : NULL, "0000:01:00.0");
	CHECK_STR(ev(f, "baseline"), "vfio-msix");
	CHECK(f && strstr(ev(f, "likely cause"), "vfio binding lost") != NULL);
	baseline_free(&a);
	baseline_free(&b);
}

TEST(baseline_relevant_cmdline)
{
	CHECK(baseline_cmdline_relevant("intel_iommu"));
	CHECK(baseline_cmdline_relevant("kvm-intel.enable_apicv"));
	CHECK(baseline_cmdline_relevant("vfio_iommu_type1.allow_unsafe_interrupts"));
	CHECK(baseline_cmdline_relevant("nohz-full"));
	CHECK(!baseline_cmdline_relevant("root"));
	CHECK(!baseline_cmdline_relevant("quiet"));
	CHECK(!baseline_cmdline_relevant("BOOT_IMAGE"));
}

/*
 * `baseline save` builds the host without VM threads (skip_vms) but must still read the
 * process list for irqbalance: skipping it recorded "irqbalance unknown" on every host,
 * and drift-irqbalance could never fire (issue 16). The scenario host runs irqbalance
 * (proc/1500/comm) with no ban file.
 */
TEST(baseline_records_irqbalance)
{
	struct source src;
	CHECK_INT(src_open(&src, t_fixture("scenario-rt-worker-80cpu-pinned-vm-irqbalance")), 0);
	struct host h;
	struct host_opts ho = { .skip_vms = true };
	CHECK_INT(host_build(&h, &src, &ho), 0);
	src_close(&src);
	CHECK_INT(h.irqbalance.running, TRI_YES);
	CHECK_INT(h.nvms, 0);
	struct baseline b;
	baseline_from_host(&b, &h);
	CHECK_INT(b.irqbalance, TRI_YES);
	struct buf t = { 0 };
	CHECK_INT(baseline_format(&b, &t), 0);
	CHECK(t.data && strstr(t.data, "\nirqbalance on\n") != NULL);
	buf_free(&t);
	baseline_free(&b);
	host_free(&h);
}

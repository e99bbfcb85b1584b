/* Joins: IRQ <-> PCI device, device IRQ modes, managed IRQs; per-CPU load. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/build.h"
#include "util/str.h"

/* A "dddd:bb:dd.f" inside an action name ("vfio-msix[0](0000:c8:00.0)", "mlx5_comp0@pci:0000:19:00.0"). */
static const char *bdf_in_text(struct host *h, const char *s)
{
	for (const char *p = s; *p; p++) {
		if (!isxdigit((unsigned char)p[0]))
			continue;
		size_t i = 0;
		while (isxdigit((unsigned char)p[i]))
			i++;
		if (i < 4 || p[i] != ':' || (p != s && isxdigit((unsigned char)p[-1])))
			continue;
		const char *q = p + i + 1;
		if (isxdigit((unsigned char)q[0]) && isxdigit((unsigned char)q[1]) && q[2] == ':' &&
		    isxdigit((unsigned char)q[3]) && isxdigit((unsigned char)q[4]) && q[5] == '.' &&
		    q[6] >= '0' && q[6] <= '7')
			return arena_strndup(&h->arena, p, (size_t)(q + 7 - p));
	}
	return NULL;
}

static bool is_msi_chip(enum irq_chip_kind k)
{
	return k == CHIP_PCI_MSI || k == CHIP_PCI_MSIX || k == CHIP_ITS;
}

static bool is_intx_chip(enum irq_chip_kind k)
{
	return k == CHIP_IOAPIC || k == CHIP_XTPIC || k == CHIP_GIC || k == CHIP_XEN;
}

/* Platform/timer lines that are not device work (they would fake CPU0 hotspots). */
static bool is_platform_action(const char *a)
{
	static const char *const exact[] = { "cascade", "acpi", "ACPI:Ged", "ACPI:Event", "i8042", "twd", "vgic", "kvm guest vtimer", "kvm guest ptimer", "dmar0", "hpet" };
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(a, exact[i]))
			return true;
	return strstr(a, "timer") || !strncmp(a, "rtc", 3) || !strncmp(a, "dmar", 4) ||
	       !strncmp(a, "AMD-Vi", 6) || !strncmp(a, "IPI", 3) || !strncmp(a, "hpet", 4);
}

static void classify_device_irq(struct irq *q)
{
	if (q->is_arch)
		return;
	switch (q->chip_kind) {
	case CHIP_DMAR:
	case CHIP_HPET:
	case CHIP_IOMMU:
		return;
	default:
		break;
	}
	if (!q->naction)
		return;
	bool any = false;
	for (int i = 0; i < q->naction; i++)
		if (!is_platform_action(q->action[i]))
			any = true;
	if (!any)
		return;
	/* GIC PPIs (hwirq < 32) are per-CPU private interrupts, not device lines. */
	if (q->chip_kind == CHIP_GIC && q->hwirq && atoi(q->hwirq) < 32)
		return;
	q->is_device = true;
}

/* Kernel-managed affinity (docs/kernel-interfaces.md §3.3). */
static void classify_managed(struct host *h, struct irq *q)
{
	if (q->is_arch)
		return;
	if (is_intx_chip(q->chip_kind) && q->chip_kind != CHIP_GIC) {
		q->managed = TRI_NO;	/* only PCI_IRQ_AFFINITY MSI vectors are managed */
		return;
	}
	/* Kernel-managed affinity (PCI_IRQ_AFFINITY) exists since 4.8: a kernel known to be
	 * older, or one that prints the pre-4.0 fused chip names ("IR-PCI-MSI-edge"), has
	 * none, whatever the driver's queue names say. */
	const struct platform *pl = &h->platform;
	if (q->fused || (pl->kernel_major >= 0 && (pl->kernel_major < 4 || (pl->kernel_major == 4 && pl->kernel_minor < 8)))) {
		q->managed = TRI_NO;
		q->managed_why = q->fused ? "pre-4.0 chip names: kernel-managed affinity came in 4.8"
					  : "kernel older than 4.8: no kernel-managed affinity";
		return;
	}
	if (q->settable == TRI_NO && q->is_device && is_msi_chip(q->chip_kind)) {
		q->managed = TRI_YES;
		q->managed_why = "smp_affinity is read-only (0444): the kernel does not let users set it (6.12+)";
		return;
	}
	const char *a = q->naction ? q->action[0] : "";
	int c, n, end = 0;
	if (sscanf(a, "nvme%dq%d%n", &c, &n, &end) == 2 && !a[end]) {
		if (n > 0) {
			q->managed = TRI_YES;
			q->managed_why = "NVMe I/O queue: the nvme driver spreads these with kernel-managed affinity";
		} else {
			q->managed = q->settable == TRI_YES ? TRI_NO : TRI_UNKNOWN;
		}
		return;
	}
	if (sscanf(a, "virtio%d-req.%d%n", &c, &n, &end) == 2 && !a[end]) {
		q->managed = TRI_YES;
		q->managed_why = "virtio-blk request queue: allocated with kernel-managed affinity";
		return;
	}
	static const char *const hba[] = { "megasas", "hpsa", "mpt2sas", "mpt3sas", "smartpqi" };
	for (size_t i = 0; i < sizeof(hba) / sizeof(hba[0]); i++)
		if (!strncmp(a, hba[i], strlen(hba[i])) && strstr(a, "msix")) {
			q->managed = TRI_YES;
			q->managed_why = "SCSI HBA reply queue: allocated with kernel-managed affinity";
			return;
		}
	/* NIC queue vectors: the Intel drivers' "<drv>-<if>-TxRx-N" (i40e, ice, ixgbe, igb,
	 * iavf) and virtio-net's "virtioN-input.M"/"-output.M" are allocated without
	 * PCI_IRQ_AFFINITY (an affinity hint at most), so users can move them. */
	if (strstr(a, "-TxRx-") || (sscanf(a, "virtio%d-%n", &c, &end) == 1 &&
				     (!strncmp(a + end, "input.", 6) || !strncmp(a + end, "output.", 7)))) {
		q->managed = TRI_NO;
		q->managed_why = "network queue vector: its driver sets an affinity hint, not kernel-managed affinity";
		return;
	}
	if (q->settable == TRI_YES)
		q->managed = TRI_NO;
}

/* The queue part of an action name, for display and plans. */
static const char *queue_of(struct host *h, const struct irq *q)
{
	if (!q->naction)
		return NULL;
	const char *a = q->action[0];
	int c, n, end = 0;
	if (sscanf(a, "nvme%dq%d%n", &c, &n, &end) == 2 && !a[end])
		return arena_printf(&h->arena, "q%d", n);
	if (sscanf(a, "virtio%d-%n", &c, &end) == 1 && end)
		return a + end;
	struct slice drv, word, bdf;
	if (irq_action_pci_split(a, &drv, &word, &bdf)) {
		/* the word ("comp3", "q2"); mlx5's async event queues ("mlx5_async0") are no queue */
		if (isdigit((unsigned char)word.p[word.n - 1]) && !slice_starts(word, "async"))
			return arena_strndup(&h->arena, word.p, word.n);
		return NULL;
	}
	if (a[irq_action_stem(a)])
		return NULL;	/* "...@pci:<bdf>" without a word: its digits are the BDF's */
	const char *d = strrchr(a, '-');
	if (d && d[1] && isdigit((unsigned char)d[strlen(d) - 1]))
		return d + 1;
	return NULL;
}

/*
 * Is one of the line's handlers this device's? Drivers name their handlers after
 * themselves or their interface: "ehci-pci" -> "ehci_hcd:usb1", "virtio-pci" ->
 * "virtio6", "snd_hda_intel", "nvme0q0", e1000e -> "enp0s2" (the netdev), pcieport ->
 * "PCIe PME, aerdrv". The irq file names the routing even when the device's own
 * handler is elsewhere or absent, so a line is attributed only on such a match.
 */
static bool handler_is_devices(const struct pci_dev *d, const struct irq *q)
{
	char stem[32];
	size_t n = strcspn(d->driver, "-_");
	if (n < 3)
		n = strlen(d->driver);
	if (n >= sizeof(stem))
		n = sizeof(stem) - 1;
	memcpy(stem, d->driver, n);
	stem[n] = '\0';
	for (int k = 0; k < q->naction; k++) {
		const char *a = q->action[k];
		if (strcasestr(a, stem) || (d->netdev && strstr(a, d->netdev)) || strstr(a, d->bdf))
			return true;
		if (!strcmp(d->driver, "pcieport") &&
		    (!strncmp(a, "PCIe", 4) || !strcmp(a, "aerdrv") || !strcmp(a, "pciehp")))
			return true;
	}
	return false;
}

static void dev_add_irq(struct host *h, struct pci_dev *d, struct irq *q)
{
	for (int i = 0; i < d->nirqs; i++)
		if (d->irqs[i] == q)
			return;
	d->irqs = arena_grow(&h->arena, d->irqs, (size_t)d->nirqs, sizeof(*d->irqs));
	d->irqs[d->nirqs++] = q;
	if (!q->dev)
		q->dev = d;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct pci_dev *)a)->bdf, ((const struct pci_dev *)b)->bdf);
}

/*
 * The device an IRQ names: the chip's BDF (per-device domain, or decoded from the hwirq)
 * when sysfs has that device, else the first BDF in an action (a driver's dev_name,
 * "mana_q0@pci:7870:00:00.0"), else the chip's. NULL when neither names one. Pseudo-
 * devices do not count, so the answer is the same before and after they are added.
 */
static const char *irq_bdf(struct host *h, const struct irq *q)
{
	const struct pci_dev *d = q->chip_bdf ? host_dev_by_bdf(h, q->chip_bdf) : NULL;
	if (d && d->in_sysfs)
		return q->chip_bdf;
	for (int k = 0; k < q->naction; k++) {
		const char *bdf = bdf_in_text(h, q->action[k]);
		if (bdf)
			return bdf;
	}
	return q->chip_bdf;
}

/* Devices named by IRQs but absent from sysfs (a snapshot of /proc only). bdf_of[i]:
 * irq_bdf() of IRQ i. */
static void add_pseudo_devices(struct host *h, const char *const *bdf_of)
{
	/*
	 * Collected, sorted and made unique: a pairwise search was 2 million strcmp()s
	 * on 8,192 IRQs of 256 devices. The devices are sorted by BDF below, so the
	 * order they are found in does not matter.
	 */
	int n = 0, extra = 0;
	const char **bdfs = h->nirqs ? malloc((size_t)h->nirqs * sizeof(*bdfs)) : NULL;
	if (!bdfs)
		return;
	for (int i = 0; i < h->nirqs; i++) {
		struct irq *q = &h->irqs[i];
		if (q->is_arch)
			continue;
		const char *bdf = bdf_of[i];
		if (!bdf || (n && !strcmp(bdfs[n - 1], bdf)) || host_dev_by_bdf(h, bdf))
			continue;
		bdfs[n++] = bdf;
	}
	qsort(bdfs, (size_t)n, sizeof(*bdfs), cmp_str);
	for (int k = 0; k < n; k++)
		if (!extra || strcmp(bdfs[extra - 1], bdfs[k]))
			bdfs[extra++] = bdfs[k];
	if (!extra) {
		free(bdfs);
		return;
	}
	struct pci_dev *v = arena_calloc(&h->arena, (size_t)(h->ndevs + extra), sizeof(*v));
	if (h->ndevs)
		memcpy(v, h->devs, (size_t)h->ndevs * sizeof(*v));
	for (int k = 0; k < extra; k++) {
		struct pci_dev *d = &v[h->ndevs + k];
		d->bdf = bdfs[k];
		d->numa_node = -1;
		d->iommu_group = -1;
		d->sysfs_irq = -1;
		d->net_rx_queues = d->net_tx_queues = -1;
		d->net_channels = d->net_channels_max = -1;
		d->msi_irqs_mode = IRQ_MODE_UNKNOWN;
		d->cfg.has_msi = d->cfg.has_msix = TRI_UNKNOWN;
	}
	free(bdfs);
	h->devs = v;
	h->ndevs += extra;
	qsort(h->devs, (size_t)h->ndevs, sizeof(*h->devs), cmp_dev);
}

static int cmp_vec(const void *a, const void *b)
{
	const struct irq *x = *(struct irq *const *)a, *y = *(struct irq *const *)b;
	if (x->vector != y->vector)
		return (x->vector > y->vector) - (x->vector < y->vector);
	return (x->number > y->number) - (x->number < y->number);
}

void derive_links(struct host *h)
{
	/* Each IRQ's BDF once (it scans the actions and allocates): the same before and
	 * after the pseudo-devices are added (see irq_bdf). */
	const char **bdf_of = h->nirqs ? calloc((size_t)h->nirqs, sizeof(*bdf_of)) : NULL;
	if (h->nirqs && !bdf_of)
		arena_oom((size_t)h->nirqs * sizeof(*bdf_of));
	for (int i = 0; i < h->nirqs; i++)
		if (!h->irqs[i].is_arch)
			bdf_of[i] = irq_bdf(h, &h->irqs[i]);
	add_pseudo_devices(h, bdf_of);
	for (int i = 0; i < h->nirqs; i++) {
		classify_device_irq(&h->irqs[i]);
		classify_managed(h, &h->irqs[i]);
		h->irqs[i].queue = h->irqs[i].is_device ? queue_of(h, &h->irqs[i]) : NULL;
	}
	/* 1. msi_irqs/: authoritative. */
	for (int d = 0; d < h->ndevs; d++) {
		struct pci_dev *dev = &h->devs[d];
		for (int k = 0; k < dev->nmsi_irqs; k++) {
			struct irq *q = host_irq_by_number(h, dev->msi_irqs[k]);
			if (!q)
				continue;
			if (q->vector < 0)
				q->vector = k;
			dev_add_irq(h, dev, q);
		}
	}
	/* 2. BDF in the chip name or the action. */
	for (int i = 0; i < h->nirqs; i++) {
		struct irq *q = &h->irqs[i];
		if (q->is_arch || q->dev)
			continue;
		const char *bdf = bdf_of[i];
		struct pci_dev *dev = bdf ? host_dev_by_bdf(h, bdf) : NULL;
		if (dev)
			dev_add_irq(h, dev, q);
	}
	free(bdf_of);
	/* 3. INTx: the device's irq file names its legacy line when it uses no MSI. */
	for (int d = 0; d < h->ndevs; d++) {
		struct pci_dev *dev = &h->devs[d];
		if (dev->nmsi_irqs || dev->sysfs_irq <= 0 || !dev->driver || dev->nirqs)
			continue;
		struct irq *q = host_irq_by_number(h, dev->sysfs_irq);
		if (q && is_intx_chip(q->chip_kind) && q->naction && handler_is_devices(dev, q))
			dev_add_irq(h, dev, q);
	}
	/* 4. Modes. */
	for (int d = 0; d < h->ndevs; d++) {
		struct pci_dev *dev = &h->devs[d];
		if (dev->nirqs > 1)
			qsort(dev->irqs, (size_t)dev->nirqs, sizeof(*dev->irqs), cmp_vec);
		bool any_intx = false, any_msix = false, any_msi = false, global_msi = false;
		for (int k = 0; k < dev->nirqs; k++) {
			enum irq_chip_kind c = dev->irqs[k]->chip_kind;
			any_intx |= is_intx_chip(c);
			any_msix |= c == CHIP_PCI_MSIX;
			if (c == CHIP_PCI_MSI || c == CHIP_ITS) {
				if (dev->irqs[k]->chip_bdf && strstr(dev->irqs[k]->chip, dev->irqs[k]->chip_bdf))
					any_msi = true;	/* per-device PCI-MSI-<bdf>: MSI proper */
				else
					global_msi = true;	/* global domain: MSI or MSI-X */
			}
		}
		if (dev->nmsi_irqs && dev->msi_irqs_mode != IRQ_MODE_UNKNOWN)
			dev->irq_mode = dev->msi_irqs_mode;
		else if (any_msix)
			dev->irq_mode = IRQ_MODE_MSIX;
		else if (any_msi)
			dev->irq_mode = IRQ_MODE_MSI;
		else if (global_msi && dev->cfg_full)
			dev->irq_mode = dev->cfg.msix_enabled ? IRQ_MODE_MSIX : dev->cfg.msi_enabled ? IRQ_MODE_MSI : IRQ_MODE_UNKNOWN;
		else if (any_intx)
			dev->irq_mode = IRQ_MODE_INTX;
		else if (dev->in_sysfs && (!dev->driver || (dev->has_msi_irqs_dir == false && dev->sysfs_irq == 0)))
			dev->irq_mode = IRQ_MODE_NONE;
		else if (dev->in_sysfs && dev->driver && dev->sysfs_irq > 0 && !dev->nmsi_irqs)
			/* The irq file names the INTx routing even when no handler was
			 * requested (a NIC whose interface is down). A line with a handler
			 * is always in /proc/interrupts (kernel/irq/proc.c:show_interrupts),
			 * so a full file without it means no interrupt in use; an excerpt
			 * (no CPU header) cannot tell. */
			dev->irq_mode = h->cpu_ids_assumed || host_irq_by_number(h, dev->sysfs_irq)
					? IRQ_MODE_UNKNOWN	/* its line has handlers, none recognisably its own */
					: IRQ_MODE_NONE;
		else
			dev->irq_mode = IRQ_MODE_UNKNOWN;
	}
}

void derive_load(struct host *h)
{
	/* Sums from scratch (callable again after a sample). Sampled: every CPU with a
	 * column has a device IRQ rate, 0 unless an IRQ moved there (rows that did not
	 * fire have no per-CPU rates). */
	for (int c = 0; c <= h->max_cpu && h->cpus; c++) {
		h->cpus[c].dev_irq_count = 0;
		h->cpus[c].dev_irq_rate = h->sample_seconds > 0 && h->cpus[c].col >= 0 ? 0 : -1;
	}
	/*
	 * Counts are summed per column into a flat array first (8,192 IRQs x 512 CPUs:
	 * a loop the compiler vectorises), then once into the CPUs. Rates are added in
	 * the order they always were (floating point).
	 */
	uint64_t *sum = h->ncols > 0 ? calloc((size_t)h->ncols, sizeof(*sum)) : NULL;
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (!q->is_device || !q->counts)
			continue;
		if (sum) {
			for (int col = 0; col < h->ncols; col++)
				sum[col] += q->counts[col];
		} else {
			for (int col = 0; col < h->ncols; col++)
				h->cpus[h->col_cpu[col]].dev_irq_count += q->counts[col];
		}
		if (q->cpu_rate)
			for (int col = 0; col < h->ncols; col++)
				h->cpus[h->col_cpu[col]].dev_irq_rate += q->cpu_rate[col];
	}
	for (int col = 0; sum && col < h->ncols; col++)
		h->cpus[h->col_cpu[col]].dev_irq_count += sum[col];
	free(sum);
}

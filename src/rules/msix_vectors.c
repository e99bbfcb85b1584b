/* msix-disabled (MSI-X capable, not using it) and single-vector (one vector where many are possible). */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"

/* Vectors the device has allocated: sysfs msi_irqs/ lists them; else the IRQ rows of
 * /proc/interrupts that name it; -1 when neither was read (never a made-up 0). */
static int vectors_in_use(const struct host *h, const struct pci_dev *d, const char **from)
{
	if (d->has_msi_irqs_dir && d->nmsi_irqs > 0) {
		*from = "msi_irqs";
		return d->nmsi_irqs;
	}
	if (h->has_interrupts) {
		*from = "/proc/interrupts";
		return d->nirqs;
	}
	*from = NULL;
	return -1;
}

static bool is_io_device(const struct pci_dev *d)
{
	unsigned base = d->class >> 16, sub = (d->class >> 8) & 0xff;
	return base == 0x02 || (base == 0x01 && (sub == 0x08 || sub == 0x04 || sub == 0x07 || sub == 0x00));
}

void rule_msix_disabled(const struct host *h, struct findings *fs)
{
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		/* On INTx the device is intx-fallback's: one cause, one finding. */
		if (!d->cfg_full || d->cfg.has_msix != TRI_YES || d->cfg.msix_enabled || !d->driver || d->is_vfio ||
		    d->is_bridge || d->irq_mode != IRQ_MODE_MSI)
			continue;
		struct finding *f =
			finding_new(fs, "msix-disabled", is_io_device(d) ? SEV_WARNING : SEV_INFO,
				    "%s supports MSI-X (%u vectors) but runs on %s", dev_label(fs->arena, h, d),
				    d->cfg.msix_table_size, irq_mode_name(d->irq_mode));
		f->device = d->bdf;
		finding_evidence(fs, f, "config", "MSI-X capability at 0x%02x: table size %u, Enable-", d->cfg.msix_offset,
				 d->cfg.msix_table_size);
		if (d->cfg.has_msi == TRI_YES)
			finding_evidence(fs, f, "config", "MSI capability: %s, %u/%u vectors", d->cfg.msi_enabled ? "Enable+" : "Enable-",
					 d->cfg.msi_vectors_enabled, d->cfg.msi_vectors_capable);
		const char *from;
		int used = vectors_in_use(h, d, &from);
		if (used >= 0)
			finding_evidence(fs, f, "vectors", "%d in use (%s)", used, from);
		else
			finding_evidence(fs, f, "vectors", "unknown (no msi_irqs, no /proc/interrupts)");
		for (size_t k = 0; k < h->klog.nevents; k++)
			if (h->klog.events[k].kind == KLOG_MSI_FALLBACK && h->klog.events[k].arg &&
			    !strcmp(h->klog.events[k].arg, d->bdf))
				finding_evidence(fs, f, "dmesg", "%s", h->klog.events[k].text);
		finding_meaning(fs, f, "With one MSI (or INTx) vector all of the device's queues share one interrupt "
				"on one CPU; MSI-X would give each queue its own vector and CPU.");
		finding_decision(fs, f, "Find out whether the driver fell back (MSI-X allocation failed, vector space "
				 "full) or was configured for MSI.");
		finding_fix(fs, f, "dmesg | grep -i -e msi -e %s", d->bdf);
		if (d->driver)
			finding_fix(fs, f, "modinfo %s | grep -i -e msi -e queue", d->driver);
	}
}

void rule_single_vector(const struct host *h, struct findings *fs)
{
	int online = h->has_online ? cpuset_count(&h->online) : h->ncols;
	if (online < 2)
		return;
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		if (!d->driver || d->is_vfio || !is_io_device(d) || !d->cfg_full || d->cfg.has_msix != TRI_YES ||
		    d->irq_mode != IRQ_MODE_MSIX)
			continue;	/* on MSI or INTx: msix-disabled / intx-fallback say it */
		unsigned cap = d->cfg.msix_table_size;
		const char *from;
		int used = vectors_in_use(h, d, &from);
		/* Vectors a multiqueue driver would use: one per CPU plus one or two for
		 * admin/config/misc, bounded by the table. */
		unsigned want = (unsigned)online + 1 < cap ? (unsigned)online + 1 : cap;
		bool single = used >= 0 && used <= 1 && cap >= 2;
		/* A table of 8+ entries means a multiqueue NIC (e1000e has 5 for one rx/tx pair). */
		bool few_queues = d->netdev && d->net_rx_queues == 1 && cap >= 8 && online >= 2;
		if (!single && !few_queues)
			continue;
		struct finding *f = finding_new(
			fs, "single-vector", SEV_WARNING, "%s runs %s although it could use up to %u vectors",
			dev_label(fs->arena, h, d), single ? "a single interrupt vector" : "a single queue", want);
		f->device = d->bdf;
		finding_evidence(fs, f, "config", "MSI-X table size %u (%s)", cap, d->cfg.msix_enabled ? "enabled" : "disabled");
		if (used >= 0)
			finding_evidence(fs, f, "vectors", "%d in use (%s), %d online CPUs", used, from, online);
		else
			finding_evidence(fs, f, "vectors", "unknown (no msi_irqs, no /proc/interrupts), %d online CPUs", online);
		if (d->netdev)
			finding_evidence(fs, f, "queues", "%s: %d rx / %d tx queue(s)", d->netdev, d->net_rx_queues, d->net_tx_queues);
		finding_meaning(fs, f, "All of the device's traffic is handled by one interrupt on one CPU: that CPU "
				"becomes a hotspot under load and every vCPU placed there stalls.");
		finding_decision(fs, f, "Raise the queue count to the CPUs you dedicate to host I/O.");
		/* One queue per housekeeping CPU, within the MSI-X table (one vector stays for misc). */
		struct cpuset hk;
		housekeeping_cpus(fs->arena, h, &hk);
		unsigned nq = (unsigned)cpuset_count(&hk);
		if (nq + 1 > cap)
			nq = cap > 1 ? cap - 1 : 1;
		if (d->netdev) {
			finding_fix(fs, f, "ethtool -l %s   # the most queues it supports", d->netdev);
			finding_fix(fs, f, "ethtool -L %s combined %u   # one per housekeeping CPU (%s)", d->netdev, nq,
				    cpulist(fs->arena, h, &hk));
		} else {
			finding_fix(fs, f, "modinfo %s | grep -i -e queue -e vector   # the driver's queue parameters", d->driver);
		}
		if (h->platform.is_virtual)
			finding_note(fs, f, "For virtio in a guest, the queues come from the host: e.g. QEMU -device "
				     "virtio-net-pci,mq=on,vectors=%u with queues=%u on its -netdev.", 2 * nq + 2, nq);
	}
}

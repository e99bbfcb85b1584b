/* intx-fallback (MSI-capable device on a legacy line) and intx-shared (several handlers on one line). */
#include <stdio.h>
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"

static const struct klog_event *fallback_msg(const struct host *h, const struct pci_dev *d)
{
	for (size_t i = 0; i < h->klog.nevents; i++) {
		const struct klog_event *e = &h->klog.events[i];
		if (e->kind != KLOG_MSI_FALLBACK)
			continue;
		if (e->arg && !strcmp(e->arg, d->bdf))
			return e;
		if (d->netdev && strstr(e->text, d->netdev))
			return e;
	}
	return NULL;
}

void rule_intx_fallback(const struct host *h, struct findings *fs)
{
	for (int i = 0; i < h->ndevs; i++) {
		const struct pci_dev *d = &h->devs[i];
		if (d->irq_mode != IRQ_MODE_INTX || !d->driver || d->is_bridge)
			continue;
		bool capable = d->cfg.has_msi == TRI_YES || d->cfg.has_msix == TRI_YES;
		const struct klog_event *e = fallback_msg(h, d);
		if (!capable && !e)
			continue;
		struct finding *f = finding_new(
			fs, "intx-fallback", SEV_WARNING, "%s uses a legacy INTx line although it supports %s",
			dev_label(fs->arena, h, d), d->cfg.has_msix == TRI_YES ? "MSI-X" : "MSI");
		f->device = d->bdf;
		if (d->cfg.has_msix == TRI_YES)
			finding_evidence(fs, f, "config", "MSI-X capability at 0x%02x: %u vectors, %s", d->cfg.msix_offset,
					 d->cfg.msix_table_size, d->cfg.msix_enabled ? "enabled" : "disabled");
		if (d->cfg.has_msi == TRI_YES)
			finding_evidence(fs, f, "config", "MSI capability at 0x%02x: %s", d->cfg.msi_offset,
					 d->cfg.msi_enabled ? "enabled" : "disabled");
		for (int k = 0; k < d->nirqs; k++) {
			const struct irq *q = d->irqs[k];
			f->irq = q->number;
			finding_evidence(fs, f, "proc/interrupts", "%d: %s %s (%llu interrupts)", q->number,
					 host_irq_chip_text(fs->arena, h, q), q->actions, (unsigned long long)q->total);
		}
		if (e)
			finding_evidence(fs, f, "dmesg", "%s", e->text);
		bool nomsi = h->has_cmdline && cmdline_has_word(&h->cmdline, "pci", "nomsi");
		if (nomsi)
			finding_evidence(fs, f, "cmdline", "pci=nomsi");
		finding_meaning(fs, f, "A legacy line is one interrupt for the whole device, level-triggered and often "
				"shared: no per-queue interrupts, no spreading over CPUs, an extra EOI exit per "
				"interrupt, and a stuck or shared line stalls everything on it.");
		finding_decision(fs, f, "Find why MSI is not used: a boot parameter, a driver option, or a "
				 "platform quirk that disabled MSI for this device or its bridge.");
		if (nomsi)
			finding_note(fs, f, "Remove pci=nomsi from the kernel command line (see pci-nomsi).");
		if (d->driver)
			finding_fix(fs, f, "modinfo %s | grep -i msi   # the driver's MSI options", d->driver);
		finding_fix(fs, f, "cat /sys/bus/pci/devices/%s/msi_bus   # 0: no MSI there", d->bdf);
		finding_fix(fs, f, "dmesg | grep -i -e msi -e %s", d->bdf);
	}
}

void rule_intx_shared(const struct host *h, struct findings *fs)
{
	/* Lines that carry one device's own handlers: one finding for all of them (a
	 * Chromebook has six; six "nothing to do" blocks buried the rest). */
	struct finding *own = NULL;
	int nown = 0;
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (q->is_arch || !q->is_device || q->naction < 2)
			continue;
		if (q->chip_kind != CHIP_IOAPIC && q->chip_kind != CHIP_XTPIC && q->chip_kind != CHIP_GIC &&
		    q->chip_kind != CHIP_XEN)
			continue;
		/* One NVMe controller's own queues on its one line (pci=nomsi, an INTx
		 * fallback): no other device shares it; intx-fallback / pci-nomsi report the
		 * cause. One cause, one finding. */
		int ctl = -1, c, n, end = 0;
		bool one_nvme = true;
		for (int k = 0; k < q->naction && one_nvme; k++) {
			one_nvme = sscanf(q->action[k], "nvme%dq%d%n", &c, &n, &end) == 2 && !q->action[k][end] &&
				   (ctl < 0 || c == ctl);
			ctl = c;
		}
		if (one_nvme)
			continue;
		bool busy = h->sample_seconds > 0 ? q->rate >= 100 : q->total >= 100000;
		/* Handlers of one function sharing its own line ("idma64.5, i2c_designware.5":
		 * the LPSS DMA engine and its controller) are inherent, not a contention. */
		bool one_instance = true;
		const char *dot0 = strrchr(q->action[0], '.');
		for (int k = 1; k < q->naction && one_instance; k++) {
			const char *dot = strrchr(q->action[k], '.');
			one_instance = dot0 && dot && !strcmp(dot0, dot) && dot0[1];
		}
		one_instance = one_instance && dot0;
		if (one_instance) {
			if (!own) {
				own = finding_new(fs, "intx-shared", SEV_INFO, "Legacy line %d carries %d handlers of "
						  "one device: %s", q->number, q->naction, q->actions);
				own->irq = q->number;
				finding_meaning(fs, own, "The handlers on each line end in the same instance number: one "
						"device's parts (e.g. the LPSS DMA engine and its I2C/SPI/UART "
						"controller) on the device's own line. No other device contends there.");
				finding_decision(fs, own, "Nothing to do.");
			} else if (++nown == 1) {
				own->title = "Legacy lines that carry handlers of one device each";
				own->irq = -1;
			}
			finding_evidence(fs, own, "proc/interrupts", "%d: %s %s (%llu interrupts)", q->number,
					 host_irq_chip_text(fs->arena, h, q), q->actions, (unsigned long long)q->total);
			continue;
		}
		struct finding *f = finding_new(fs, "intx-shared", busy ? SEV_WARNING : SEV_INFO,
						"Legacy line %d is shared by %d handlers: %s", q->number, q->naction,
						q->actions);
		f->irq = q->number;
		finding_evidence(fs, f, "proc/interrupts", "%d: %s %s (%llu interrupts%s)", q->number,
				 host_irq_chip_text(fs->arena, h, q), q->actions, (unsigned long long)q->total,
				 h->sample_seconds > 0 ? arena_printf(fs->arena, ", %.0f/s", q->rate) : "");
		for (int d = 0; d < h->ndevs; d++)
			for (int k = 0; k < h->devs[d].nirqs; k++)
				if (h->devs[d].irqs[k] == q)
					finding_evidence(fs, f, "device", "%s", dev_label(fs->arena, h, &h->devs[d]));
		finding_meaning(fs, f, "Every interrupt on the line runs all %d handlers until one claims it; a busy "
				"device makes the others' interrupts slower, and one misbehaving device can get the "
				"whole line disabled (\"nobody cared\").", q->naction);
		finding_decision(fs, f, "%s", busy ? "Move the busy device to MSI/MSI-X, or to a slot whose line it does not share."
						   : "Low traffic: acceptable, but watch it if one of these devices gets busy.");
		finding_fix(fs, f, "lspci -vv | grep -e MSI -e 'Interrupt: pin'   # which can use MSI");
		finding_fix(fs, f, "grep -H . /sys/bus/pci/devices/*/irq | grep ':%d$'   # who shares it", q->number);
	}
}

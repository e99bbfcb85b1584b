/*
 * vfio-probe-failed: vfio-pci refused a device ("vfio-pci: probe of BDF failed with error
 * -22"; QEMU/DPDK's "no iommu_group"), so no VM can be given it. vfio-pci returns -EINVAL
 * for a device without an IOMMU group (drivers/vfio/group.c:vfio_group_find_or_alloc,
 * vfio_pci_probe before 5.x): DMA remapping is off, interrupt remapping alone gives no groups.
 */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"

void rule_vfio_probe_failed(const struct host *h, struct findings *fs)
{
	const struct platform *p = &h->platform;
	struct arena *a = fs->arena;
	for (size_t i = 0; i < h->klog.nevents; i++) {
		const struct klog_event *e = &h->klog.events[i];
		if (e->kind != KLOG_VFIO_PROBE_FAILED)
			continue;
		const char *bdf = e->arg;
		bool seen = false;	/* one finding per device; every line is evidence */
		for (int k = 0; k < fs->n && !seen; k++) {
			struct finding *g = &fs->v[k];
			if (strcmp(g->id, "vfio-probe-failed") || (bdf ? !g->device || strcmp(g->device, bdf) : g->device != NULL))
				continue;
			finding_evidence(fs, g, "dmesg", "%s", e->text);
			seen = true;
		}
		if (seen)
			continue;
		const struct pci_dev *d = bdf ? host_dev_by_bdf(h, bdf) : NULL;
		struct finding *f = finding_new(fs, "vfio-probe-failed", SEV_WARNING, "vfio-pci could not take %s%s",
						bdf ? bdf : "a device", d && d->driver ? arena_printf(a, " (now %s)", d->driver) : "");
		f->device = bdf;
		finding_evidence(fs, f, "dmesg", "%s", e->text);
		/* Bound to vfio-pci now: a later bind worked, the line is history. */
		if (d && d->is_vfio) {
			f->severity = SEV_INFO;
			finding_evidence(fs, f, "driver", "vfio-pci now: a later bind worked");
		}
		bool einval = e->value == -22;
		if (d && d->in_sysfs)
			finding_evidence(fs, f, "iommu group", "%s", d->iommu_group >= 0 ? arena_printf(a, "%d", d->iommu_group)
											 : "none (no iommu_group link)");
		finding_evidence(fs, f, "iommu", "%s: %s", tri_onoff(p->iommu), p->iommu_evidence);
		finding_evidence(fs, f, "interrupt remapping", "%s", tri_onoff(p->interrupt_remapping));
		finding_meaning(fs, f, "The device stays without a driver (or with its host driver), so a VM configured to "
				"pass it through fails to start (QEMU: \"no iommu_group found\"). %s",
				einval ? (p->iommu == TRI_YES
					  ? "vfio-pci answers EINVAL (-22) for a device without an IOMMU group: the IOMMU is on, "
					    "so this device is outside it (a bridge, an ACS quirk) or the driver was bound early."
					  : "vfio-pci answers EINVAL (-22) for a device without an IOMMU group, which is what a host "
					    "with DMA remapping off gives every device; interrupt remapping alone creates no groups.")
				       : "The error is the driver core's: read the lines around it in the log.");
		finding_decision(fs, f, "%s", p->iommu == TRI_YES
				 ? "Find out why this device has no IOMMU group, then bind it again."
				 : "Turn DMA remapping on (firmware VT-d/AMD-Vi, intel_iommu=on on Intel), reboot, then bind the "
				   "device again; do not use vfio's unsafe no-IOMMU mode on a host that runs guests.");
		/* Look first, bind last: the bind printed before the IOMMU fix read as
		 * "run this now", and it fails the same way until the device has a group. */
		if (bdf)	/* no output: no IOMMU group (kept short: fix lines are not wrapped) */
			finding_fix(fs, f, "readlink /sys/bus/pci/devices/%s/iommu_group", bdf);
		finding_fix(fs, f, "dmesg | grep -i -e DMAR -e IOMMU -e AMD-Vi");
		if (bdf) {
			finding_note(fs, f, "Once readlink prints a group:");
			finding_fix(fs, f, "echo %s > /sys/bus/pci/drivers/vfio-pci/bind", bdf);
		}
	}
}

/* ir-disabled: an IOMMU (or its firmware table) is there but interrupt remapping is off. */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"

void rule_ir_disabled(const struct host *h, struct findings *fs)
{
	const struct platform *p = &h->platform;
	if (p->interrupt_remapping != TRI_NO)
		return;
	bool intremap_off = h->has_cmdline && (cmdline_has_word(&h->cmdline, "intremap", "off") ||
					       cmdline_get(&h->cmdline, "nointremap"));
	bool capable = p->iommu == TRI_YES || p->firmware_dmar || p->firmware_ivrs ||
		       klog_find(&h->klog, KLOG_DMAR_TABLE) || intremap_off;
	if (!capable)
		return;	/* no IOMMU at all: iommu-off says it */
	struct finding *f = finding_new(fs, "ir-disabled", SEV_CRITICAL,
					"Interrupt remapping is off although an IOMMU is present");
	finding_evidence(fs, f, "remapping", "%s", p->ir_evidence);
	finding_evidence(fs, f, "iommu", "%s", p->iommu_evidence);
	if (intremap_off) {
		const struct cmdline_param *cp = cmdline_get(&h->cmdline, "intremap");
		finding_evidence(fs, f, "cmdline", "%s", cp ? cp->raw : "nointremap");
	}
	if (h->has_klog && !klog_find(&h->klog, KLOG_DMAR_IR_ENABLED) && !klog_find(&h->klog, KLOG_AMDVI_IR_ENABLED))
		finding_evidence(fs, f, "dmesg", "no \"Enabled IRQ remapping\" / \"Interrupt remapping enabled\" message");
	finding_meaning(fs, f, "Device MSIs reach CPUs unchecked: a passed-through device can inject arbitrary "
			"interrupts (VFIO refuses such devices unless allow_unsafe_interrupts is set), posted "
			"interrupts to vCPUs are impossible, so every device interrupt of a VM exits to the host, "
			"and x2APIC with more than 255 CPUs cannot be used.");
	finding_decision(fs, f, "Turn remapping on unless a firmware bug forces it off (see ir-firmware-disabled).");
	if (!intremap_off && !p->is_virtual)
		finding_note(fs, f, "Enable interrupt remapping in the firmware setup (often under VT-d / IOMMU).");
	if (p->is_virtual)
		finding_note(fs, f, "In a guest: give it a vIOMMU with remapping on the host (QEMU: -M "
			     "q35,kernel-irqchip=split -device intel-iommu,intremap=on).");
	const struct cmdline_param *off = intremap_off ? cmdline_get(&h->cmdline, "intremap") : NULL;
	const char *del[] = { off && cmdline_has_word(&h->cmdline, "intremap", "off") ? off->raw : NULL,
			      cmdline_get(&h->cmdline, "nointremap") ? "nointremap" : NULL, NULL };
	if (!del[0]) {
		del[0] = del[1];
		del[1] = NULL;
	}
	if (!fix_boot_params(h, fs, f, NULL, del))
		finding_note(fs, f, "Reboot, then run irqsight check again.");
}

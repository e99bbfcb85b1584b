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
	if (intremap_off)
		finding_fix(fs, f, "remove 'intremap=off' / 'nointremap' from GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub");
	else
		finding_fix(fs, f, "enable interrupt remapping in the firmware setup (often under VT-d / IOMMU) and make sure 'intremap=off' is not on the command line");
	if (p->is_virtual)
		finding_fix(fs, f, "in a guest: qemu ... -M q35,kernel-irqchip=split -device intel-iommu,intremap=on");
	finding_fix(fs, f, "reboot, then run: irqsight check");
}

/* ir-firmware-disabled: the kernel turned remapping off because of firmware. */
#include "rules/common.h"
#include "rules/rules.h"

void rule_ir_firmware_disabled(const struct host *h, struct findings *fs)
{
	static const struct {
		enum klog_kind kind;
		const char *cause;
	} causes[] = {
		{ KLOG_DMAR_IR_ERRATUM, "a chipset erratum (Intel 5500/5520/X58 rev ≤ 0x13 or 0x3405 rev 0x22): the kernel disables remapping on purpose" },
		{ KLOG_DMAR_IR_NO_IOAPIC_IOMMU, "the DMAR table does not put every IO-APIC under an IOMMU (firmware bug)" },
		{ KLOG_DMAR_IR_NOT_ENABLING, "an IO-APIC is not described under any DRHD in the DMAR table (firmware bug)" },
		{ KLOG_DMAR_IR_FAILED, "enabling remapping failed" },
		{ KLOG_AMDVI_IR_DISABLING, "the IVRS table misses the southbridge IO-APIC (firmware bug)" },
	};
	for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++) {
		const struct klog_event *e = klog_find(&h->klog, causes[i].kind);
		if (!e)
			continue;
		struct finding *f = finding_new(fs, "ir-firmware-disabled", SEV_CRITICAL,
						"The kernel disabled interrupt remapping because of the firmware");
		finding_evidence(fs, f, "dmesg", "%s", e->text);
		finding_evidence(fs, f, "cause", "%s", causes[i].cause);
		if (causes[i].kind == KLOG_AMDVI_IR_DISABLING)
			for (size_t k = 0; k < h->klog.nevents; k++)
				if (h->klog.events[k].line_no + 1 == e->line_no || h->klog.events[k].line_no == e->line_no - 1)
					finding_evidence(fs, f, "dmesg", "%s", h->klog.events[k].text);
		finding_meaning(fs, f, "Interrupt remapping stays off whatever the command line says: no interrupt "
				"isolation for passed-through devices and no posted interrupts.");
		finding_decision(fs, f, "Update the firmware (BIOS/UEFI); the kernel cannot fix this safely.");
		finding_note(fs, f, "Update the system firmware to the vendor's latest release, reboot, then run "
			     "irqsight check again.");
		if (causes[i].kind == KLOG_AMDVI_IR_DISABLING)
			finding_note(fs, f, "As a workaround, describe the IO-APIC on the kernel command line: "
				     "ivrs_ioapic[ID]=BB:DD.F, the ID and PCI address from the firmware's MADT and "
				     "the chipset's documentation.");
		if (causes[i].kind == KLOG_DMAR_IR_ERRATUM)
			finding_note(fs, f, "If no firmware fix exists, do not pass devices through on this host.");
		return;
	}
}

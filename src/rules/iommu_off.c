/* iommu-off: no DMA remapping (VT-d / AMD-Vi) active. */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"

void rule_iommu_off(const struct host *h, struct findings *fs)
{
	const struct platform *p = &h->platform;
	if (p->iommu != TRI_NO)
		return;
	/* Severity fits the host: passing devices through without an IOMMU is unsafe;
	 * a guest without a vIOMMU and without VMs of its own is normal. */
	enum severity sev = SEV_WARNING;
	if (p->vfio_devices > 0)
		sev = SEV_CRITICAL;
	else if (p->is_virtual && h->nvms == 0)
		sev = SEV_INFO;
	struct finding *f = finding_new(fs, "iommu-off", sev, "No IOMMU is active (DMA remapping is off)");
	finding_evidence(fs, f, "iommu", "%s", p->iommu_evidence);
	if (p->vfio_devices)
		finding_evidence(fs, f, "vfio-pci", "%d device(s) bound to vfio-pci", p->vfio_devices);
	static const char *const keys[] = { "intel_iommu", "amd_iommu", "iommu", "intremap", "iommu.passthrough" };
	for (size_t i = 0; h->has_cmdline && i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct cmdline_param *cp = cmdline_get(&h->cmdline, keys[i]);
		/* The other vendor's parameter is no cause here (bad-boot-param says so). */
		if (cp && host_iommu_param(h, keys[i], NULL, NULL) == PARAM_OTHER_VENDOR)
			finding_evidence(fs, f, "cmdline", "%s (no effect on this host: see bad-boot-param)", cp->raw);
		else if (cp)
			finding_evidence(fs, f, "cmdline", "%s", cp->raw);
	}
	if (p->is_virtual)
		finding_evidence(fs, f, "cpu", "this machine is itself a virtual machine (hypervisor CPU flag)");
	/* The host's own remapping state, not the usual case, when it was read. */
	finding_meaning(fs, f, "Without an IOMMU a device cannot be passed through to a VM safely%s",
			p->interrupt_remapping == TRI_YES
			? "; interrupt remapping is on here all the same (the DMAR/AMD-Vi units run it without DMA "
			  "remapping), so device interrupts stay isolated and routable."
			: p->interrupt_remapping == TRI_NO
			? ", and interrupt remapping (which isolates and routes device interrupts, and enables "
			  "posted interrupts to vCPUs) is off as well."
			: ", and interrupt remapping (which isolates and routes device interrupts, and enables "
			  "posted interrupts to vCPUs) is usually off as well.");
	finding_decision(fs, f, "%s", p->vfio_devices ? "Devices are bound to vfio-pci: enable the IOMMU before running those VMs."
				    : p->is_virtual && !h->nvms ? "Expected in a guest without a virtual IOMMU; act only if this guest runs VMs or uses VFIO."
				    : p->interrupt_remapping == TRI_YES ? "Enable the IOMMU if this host passes devices through to VMs."
				    : "Enable the IOMMU if this host passes devices through or should isolate device interrupts.");
	int changed = 0;
	if (p->is_virtual) {
		finding_note(fs, f, "Give the guest a vIOMMU on its host (QEMU: -M q35,kernel-irqchip=split "
			     "-device intel-iommu,intremap=on).");
	} else {
		/* The vendor from the CPU, else from the firmware's IOMMU table (DMAR: VT-d, IVRS: AMD-Vi). */
		bool intel = (p->cpu_vendor && strstr(p->cpu_vendor, "Intel")) || p->iommu_vendor == IOMMU_VENDOR_INTEL ||
			     p->firmware_dmar || klog_find(&h->klog, KLOG_DMAR_TABLE);
		bool amd = !intel && ((p->cpu_vendor && strstr(p->cpu_vendor, "AMD")) ||
				      p->iommu_vendor == IOMMU_VENDOR_AMD || p->firmware_ivrs);
		/* Remapping on, or the firmware's table there: the firmware has it on already. */
		bool firmware_on = p->interrupt_remapping == TRI_YES || p->firmware_dmar || p->firmware_ivrs ||
				   klog_find(&h->klog, KLOG_DMAR_TABLE);
		if (!firmware_on)
			finding_note(fs, f, "%s", intel ? "Enable VT-d in the firmware setup."
					   : amd ? "Enable the IOMMU (AMD-Vi) in the firmware setup."
						 : "Enable VT-d (Intel) or the IOMMU / AMD-Vi (AMD) in the firmware setup.");
		/* What turns it off at boot goes; Intel needs intel_iommu=on, AMD's is on by default. */
		const char *del[8];
		int nd = 0;
		static const char *const offs[] = { "intel_iommu", "amd_iommu", "iommu" };
		for (size_t i = 0; h->has_cmdline && i < sizeof(offs) / sizeof(offs[0]); i++) {
			const struct cmdline_param *cp = cmdline_get(&h->cmdline, offs[i]);
			if (cp && cmdline_has_word(&h->cmdline, offs[i], "off"))
				del[nd++] = cp->raw;
		}
		del[nd] = NULL;
		const char *add[] = { intel ? "intel_iommu=on" : NULL, intel ? "iommu=pt" : NULL, NULL };
		if (intel || amd)
			changed = fix_boot_params(h, fs, f, add, del);
		else
			finding_note(fs, f, "At boot, Intel needs intel_iommu=on (and iommu=pt for passthrough default "
				     "domains); AMD's IOMMU is on when the firmware enables it (iommu=pt likewise).");
	}
	if (!changed)
		finding_note(fs, f, "Reboot, then run irqsight check again.");
}

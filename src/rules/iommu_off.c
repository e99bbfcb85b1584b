/* iommu-off: no DMA remapping (VT-d / AMD-Vi) active. */
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
	if (p->is_virtual) {
		finding_fix(fs, f, "give the guest a vIOMMU: qemu ... -M q35,kernel-irqchip=split -device intel-iommu,intremap=on");
	} else {
		finding_fix(fs, f, "enable VT-d (Intel) or IOMMU/AMD-Vi (AMD) in the firmware setup");
		finding_fix(fs, f, "Intel: add 'intel_iommu=on iommu=pt' to GRUB_CMDLINE_LINUX in /etc/default/grub; AMD: add 'iommu=pt' (the AMD IOMMU is on when firmware enables it)");
		finding_fix(fs, f, "update-grub   # Debian/Ubuntu/Proxmox; RHEL: grub2-mkconfig -o /boot/grub2/grub.cfg");
	}
	finding_fix(fs, f, "reboot, then run: irqsight check");
}

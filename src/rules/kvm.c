/* unsafe-interrupts and apicv-off: KVM/VFIO module settings. */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"

void rule_unsafe_interrupts(const struct host *h, struct findings *fs)
{
	const struct platform *p = &h->platform;
	if (p->unsafe_interrupts != TRI_YES)
		return;
	bool exposed = p->vfio_devices > 0 || p->interrupt_remapping != TRI_YES;
	struct finding *f = finding_new(fs, "unsafe-interrupts", exposed ? SEV_CRITICAL : SEV_WARNING,
					"VFIO allows devices without interrupt isolation (allow_unsafe_interrupts=Y)");
	finding_evidence(fs, f, p->unsafe_param, "Y");
	finding_evidence(fs, f, "remapping", "%s", tri_onoff(p->interrupt_remapping));
	if (p->vfio_devices)
		finding_evidence(fs, f, "vfio-pci", "%d device(s) bound", p->vfio_devices);
	finding_meaning(fs, f, "A guest that owns a passed-through device can make it write MSIs that the host "
			"accepts as any interrupt: a guest-to-host escalation path. The option exists only to "
			"run on platforms without interrupt remapping.");
	finding_decision(fs, f, "Turn it off once remapping works; never set it on a multi-tenant host.");
	finding_fix(fs, f, "remove 'options vfio_iommu_type1 allow_unsafe_interrupts=1' from /etc/modprobe.d/*.conf");
	finding_fix(fs, f, "update-initramfs -u && reboot   # RHEL: dracut -f");
}

void rule_apicv_off(const struct host *h, struct findings *fs)
{
	const struct platform *p = &h->platform;
	if (p->apicv != TRI_NO || !p->apicv_param)
		return;
	bool amd = strstr(p->apicv_param, "kvm_amd") != NULL;
	struct finding *f = finding_new(fs, "apicv-off", amd ? SEV_INFO : SEV_WARNING, "%s is off",
					amd ? "AVIC (AMD APIC virtualisation)" : "APICv (Intel APIC virtualisation)");
	finding_evidence(fs, f, p->apicv_param, "N");
	finding_meaning(fs, f, "Without hardware APIC virtualisation every guest interrupt and EOI, and every IPI, "
			"costs a VM exit, and device interrupts cannot be posted to running vCPUs.%s",
			amd ? " Older kernels leave AVIC off by default; it has trade-offs with some guests." : "");
	finding_decision(fs, f, "%s", amd ? "Consider enabling AVIC after testing your guests."
					  : "Enable APICv unless a known erratum or nested setup needs it off.");
	if (amd)
		finding_fix(fs, f, "echo 'options kvm_amd avic=1' > /etc/modprobe.d/kvm-avic.conf; reload kvm_amd with VMs stopped");
	else
		finding_fix(fs, f, "remove 'enable_apicv=0' from /etc/modprobe.d/*.conf; reload kvm_intel with VMs stopped");
}

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
	finding_fix(fs, f, "sed -i -E 's/ ?allow_unsafe_interrupts=(1|Y|y)//' /etc/modprobe.d/*.conf");
	if (h->boot.family == OS_DEBIAN)
		finding_fix(fs, f, "update-initramfs -u");
	else if (h->boot.family == OS_RHEL || h->boot.family == OS_SUSE)
		finding_fix(fs, f, "dracut -f");
	else {
		finding_fix(fs, f, "update-initramfs -u   # Debian, Ubuntu");
		finding_fix(fs, f, "dracut -f   # RHEL, Fedora, SUSE");
	}
	finding_note(fs, f, "Reboot (or reload vfio_iommu_type1 with no device in use), then run irqsight check again.");
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
		finding_fix(fs, f, "echo 'options kvm_amd avic=1' > /etc/modprobe.d/kvm-avic.conf");
	else
		finding_fix(fs, f, "sed -i -E 's/ ?enable_apicv=(0|N|n)//' /etc/modprobe.d/*.conf");
	finding_note(fs, f, "With every VM stopped, reload the module (modprobe -r %s && modprobe %s) or reboot.",
		     amd ? "kvm_amd" : "kvm_intel", amd ? "kvm_amd" : "kvm_intel");
}

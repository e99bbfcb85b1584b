/* The rule table: adding a rule = one file + one line here + one fixture. `ok` stays last. */
#include "rules/finding.h"
#include "rules/rules.h"

const struct rule rules_table[] = {
	{ "iommu-off", rule_iommu_off, "no IOMMU (DMA remapping) active" },
	{ "ir-disabled", rule_ir_disabled, "IOMMU present, interrupt remapping off" },
	{ "ir-firmware-disabled", rule_ir_firmware_disabled, "kernel disabled remapping because of the firmware" },
	{ "ir-xapic-optout", rule_ir_xapic_optout, "remapping in xAPIC mode: BIOS opted out of x2APIC" },
	{ "pci-nomsi", rule_pci_nomsi, "pci=nomsi forces every device onto INTx" },
	{ "bad-boot-param", rule_bad_boot_param, "boot parameters rejected or ineffective on this hardware" },
	{ "intx-fallback", rule_intx_fallback, "MSI/MSI-X capable device on a legacy INTx line" },
	{ "intx-shared", rule_intx_shared, "several handlers share one legacy line" },
	{ "msix-disabled", rule_msix_disabled, "MSI-X capable device not using MSI-X" },
	{ "single-vector", rule_single_vector, "multiqueue-capable device on one vector/queue" },
	{ "queue-affinity-collapsed", rule_queue_affinity_collapsed, "all queue vectors of a device on one CPU" },
	{ "irq-hotspot", rule_irq_hotspot, "one CPU takes most device interrupts" },
	{ "cpu0-overload", rule_cpu0_overload, "CPU 0 carries the device interrupts" },
	{ "softirq-hotspot", rule_softirq_hotspot, "NET_RX/NET_TX/BLOCK softirq piles onto one CPU" },
	{ "vcpu-irq-overlap", rule_vcpu_irq_overlap, "vCPUs on CPUs that take hot interrupts" },
	{ "irq-on-vm-cpu", rule_irq_on_vm_cpu, "movable device IRQs on CPUs reserved for guests" },
	{ "managed-irq-on-vm-cpu", rule_managed_irq_on_vm_cpu, "kernel-managed IRQs on CPUs reserved for VMs" },
	{ "irqbalance-vs-isolation", rule_irqbalance_vs_isolation, "irqbalance may move IRQs onto VM CPUs" },
	{ "irqbalance-off-no-plan", rule_irqbalance_off_no_plan, "no irqbalance and no affinity plan" },
	{ "keep-contested", rule_keep_contested, "another writer keeps rewriting an IRQ keep holds" },
	{ "unsafe-interrupts", rule_unsafe_interrupts, "VFIO allow_unsafe_interrupts is on" },
	{ "apicv-off", rule_apicv_off, "APICv/AVIC off" },
	{ "vfio-probe-failed", rule_vfio_probe_failed, "vfio-pci could not bind a device (no IOMMU group)" },
	{ "ok", rule_ok, "summary of what was checked and found healthy" },
};
const size_t rules_count = sizeof(rules_table) / sizeof(rules_table[0]);

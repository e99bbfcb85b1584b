/*
 * Kernel log facts about IOMMUs, interrupt remapping, x2APIC, MSI fallbacks and
 * boot parameters. Pure: text in, events out (strings copied into the arena).
 *
 * Accepts every shape the log comes in: /dev/kmsg records ("6,123,4567,-;text",
 * continuation lines " KEY=value" ignored), dmesg ("[    0.123456] text"),
 * syslog-level prefixes ("<6>text", "<6>[ 0.1] text"), journal/syslog lines
 * ("Mon dd hh:mm:ss host kernel: text", "kernel: [0.1] text") and CRLF endings.
 * Message texts and their kernel sources are in docs/kernel-interfaces.md §6.1.
 */
#ifndef IRQSIGHT_PARSE_KLOG_H
#define IRQSIGHT_PARSE_KLOG_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

enum klog_kind {
	/* Intel VT-d (drivers/iommu/intel/{dmar,iommu,irq_remapping}.c) */
	KLOG_DMAR_TABLE,		/* "DMAR: Host address width", "DMAR: DRHD base:" */
	KLOG_DMAR_UNIT,			/* "DMAR: dmar0: reg_base_addr ..." (one per unit) */
	KLOG_DMAR_IOMMU_ON_ECHO,	/* "DMAR: IOMMU enabled" (only echoes intel_iommu=on) */
	KLOG_DMAR_IOMMU_OFF_ECHO,	/* "DMAR: IOMMU disabled" */
	KLOG_DMAR_VTD_INIT,		/* "Intel(R) Virtualization Technology for Directed I/O" */
	KLOG_DMAR_FORCE_ON,		/* "Intel-IOMMU force enabled due to platform opt in" */
	KLOG_DMAR_IR_ENABLED,		/* "DMAR-IR: Enabled IRQ remapping in x2apic|xapic mode"; arg = "x2apic"/"xapic" */
	KLOG_DMAR_IR_X2APIC_OPTOUT,	/* "x2apic is disabled because BIOS sets x2apic opt out bit" */
	KLOG_DMAR_IR_NO_EIM,		/* "%s does not support EIM"; arg = unit */
	KLOG_DMAR_IR_NOT_ENABLING,	/* "Not enabling interrupt remapping" */
	KLOG_DMAR_IR_ERRATUM,		/* "This system BIOS has enabled interrupt remapping ... erratum" */
	KLOG_DMAR_IR_FAILED,		/* "Failed to enable irq remapping" */
	KLOG_DMAR_IR_NO_IOAPIC_IOMMU,	/* FW_BUG "ioapic %d has no mapping iommu, interrupt remapping will be disabled" */
	KLOG_DMAR_IR_PREENABLED,	/* "IRQ remapping was enabled on %s but we are not in kdump mode" */
	/* AMD-Vi (drivers/iommu/amd/init.c) */
	KLOG_AMDVI_FOUND,		/* "AMD-Vi: Found IOMMU at ..." / "Found IOMMU cap" / "Extended features" */
	KLOG_AMDVI_IR_ENABLED,		/* "AMD-Vi: Interrupt remapping enabled" */
	KLOG_AMDVI_X2APIC,		/* "AMD-Vi: X2APIC enabled" */
	KLOG_AMDVI_VAPIC,		/* "AMD-Vi: Virtual APIC enabled" */
	KLOG_AMDVI_IR_DISABLING,	/* "AMD-Vi: Disabling interrupt remapping" (+ the IVRS reason line) */
	KLOG_AMDVI_UNKNOWN_OPTION,	/* "AMD-Vi: Unknown option - '%s'"; arg = the option */
	/* x86 APIC (arch/x86/kernel/apic/apic.c) */
	KLOG_X2APIC_ENABLED,		/* "x2apic enabled", "x2apic: enabled by BIOS, switching to x2apic ops" */
	KLOG_X2APIC_DISABLED,		/* "x2apic disabled" */
	KLOG_X2APIC_IR_UNSUPPORTED,	/* "x2apic: IRQ remapping doesn't support X2APIC mode" */
	/* generic IOMMU (drivers/iommu/iommu.c) */
	KLOG_IOMMU_DEFAULT_DOMAIN,	/* "iommu: Default domain type: %s"; arg = "Passthrough"/"Translated"/... */
	/* VFIO / iommufd refusing unsafe MSI */
	KLOG_VFIO_NO_IR,		/* "No interrupt remapping support.  Use the module param \"allow_unsafe_interrupts\"" */
	KLOG_IOMMUFD_MSI_INSECURE,	/* "MSI interrupts are not secure, they cannot be isolated by the platform" */
	/* boot */
	KLOG_CMDLINE,			/* "Command line: ..." / "Kernel command line: ..."; arg = the command line */
	KLOG_UNKNOWN_PARAMS,		/* "Unknown kernel command line parameters \"%s\""; arg = the list */
	/* interrupt trouble */
	KLOG_IRQ_NOBODY_CARED,		/* "irq %d: nobody cared"; irq set */
	KLOG_IRQ_DISABLING,		/* "Disabling IRQ #%d"; irq set */
	KLOG_VECTOR_EXHAUSTED,		/* "Affinity broken due to vector space exhaustion", "no vector available" */
	KLOG_MSI_FALLBACK,		/* driver fell back MSI-X -> MSI -> INTx, e.g. e1000e "Failed to initialize
					 * MSI-X interrupts.  Falling back to MSI interrupts." / "... to legacy
					 * interrupts."; arg = the device name the line names (bdf or netdev) if any */
	KLOG_KVM_AVIC,			/* "kvm_amd: AVIC enabled" */
	KLOG_HYPERVISOR,		/* "Hypervisor detected: KVM" (arch/x86/kernel/cpu/hypervisor.c); arg = the name */
	/* x86 "smpboot: Allowing %d CPUs, %d hotplug CPUs" (≤6.8 smpboot.c) or "CPU topo: Allowing
	 * %u present CPUs plus %u hotplug CPUs" (6.9+ topology.c); value = the possible CPU count */
	KLOG_SMP_ALLOWING,
	/* The driver core refusing vfio-pci: "vfio-pci: probe of 0000:03:00.0 failed with error -22"
	 * (≤5.13 drivers/base/dd.c), "vfio-pci 0000:03:00.0: probe with driver vfio-pci failed with
	 * error -22" (5.14+); arg = the BDF, value = the error (negative errno). Also QEMU/DPDK's
	 * "vfio ...: no iommu_group found" when a journal carries it (value = -22 then). */
	KLOG_VFIO_PROBE_FAILED,
	KLOG_KIND_COUNT
};

struct klog_event {
	enum klog_kind kind;
	const char *text;	/* the message without timestamp/level/host prefixes */
	const char *arg;	/* kind-specific (see above), or NULL */
	int irq;		/* for IRQ events, else -1 */
	int value;		/* smp-allowing: the possible CPU count; vfio-probe-failed: the error
				 * (negative errno); 0 for every other kind */
	unsigned line_no;	/* 1-based line in the input */
};

struct klog {
	struct klog_event *events;
	size_t nevents;
	size_t nlines;		/* lines read (0 = empty log) */
	bool has_boot_start;	/* the log reaches back to "Linux version" (boot messages are present) */
	const char *linux_version;	/* the release in the first "Linux version <release> (...)", or NULL */
};

/* Returns 0. Never fails on content; lines it does not recognise are skipped. */
int parse_klog(const char *buf, size_t len, struct arena *a, struct klog *out);
/* First event of a kind, or NULL. */
const struct klog_event *klog_find(const struct klog *k, enum klog_kind kind);
size_t klog_count(const struct klog *k, enum klog_kind kind);
const char *klog_kind_name(enum klog_kind kind);

#endif

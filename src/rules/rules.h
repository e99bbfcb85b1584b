/* The rules: one function per finding (rules/table.c lists them in order). */
#ifndef IRQSIGHT_RULES_RULES_H
#define IRQSIGHT_RULES_RULES_H

struct host;
struct findings;

#define RULE(name) void rule_##name(const struct host *h, struct findings *fs)
RULE(iommu_off);
RULE(ir_disabled);
RULE(ir_firmware_disabled);
RULE(ir_xapic_optout);
RULE(pci_nomsi);
RULE(bad_boot_param);
RULE(intx_fallback);
RULE(intx_shared);
RULE(msix_disabled);
RULE(single_vector);
RULE(queue_affinity_collapsed);
RULE(irq_hotspot);
RULE(cpu0_overload);
RULE(softirq_hotspot);
RULE(vcpu_irq_overlap);
RULE(managed_irq_on_vm_cpu);
RULE(irq_on_vm_cpu);
RULE(irqbalance_vs_isolation);
RULE(irqbalance_off_no_plan);
RULE(keep_contested);
RULE(unsafe_interrupts);
RULE(apicv_off);
RULE(vfio_probe_failed);
RULE(ok);
#undef RULE

#endif

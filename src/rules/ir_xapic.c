/* ir-xapic-optout: remapping runs in xAPIC mode because the BIOS opted out of x2APIC. */
#include "rules/common.h"
#include "rules/rules.h"

void rule_ir_xapic_optout(const struct host *h, struct findings *fs)
{
	const struct klog_event *e = klog_find(&h->klog, KLOG_DMAR_IR_X2APIC_OPTOUT);
	if (!e)
		return;
	int ncpu = h->has_possible ? cpuset_count(&h->possible) : h->ncols;
	enum severity sev = ncpu > 255 ? SEV_CRITICAL : SEV_WARNING;
	struct finding *f = finding_new(fs, "ir-xapic-optout", sev,
					"Interrupt remapping runs in xAPIC mode: the BIOS opted out of x2APIC");
	finding_evidence(fs, f, "dmesg", "%s", e->text);
	const struct klog_event *m = klog_find(&h->klog, KLOG_DMAR_IR_ENABLED);
	if (m)
		finding_evidence(fs, f, "dmesg", "%s", m->text);
	const struct klog_event *x = klog_find(&h->klog, KLOG_X2APIC_IR_UNSUPPORTED);
	if (x)
		finding_evidence(fs, f, "dmesg", "%s", x->text);
	finding_evidence(fs, f, "cpus", "%d possible CPUs", ncpu);
	finding_meaning(fs, f, "In xAPIC mode interrupts can target only APIC IDs below 255 and IPIs cost an "
			"MMIO exit under virtualisation; %s",
			ncpu > 255 ? "this host has more CPUs than xAPIC can address." : "on this CPU count it works, but slower.");
	finding_decision(fs, f, "Prefer switching the firmware to x2APIC; the kernel override ignores the BIOS on purpose.");
	finding_note(fs, f, "Set the firmware's x2APIC option to enabled (Dell: 'x2APIC Mode'; HPE: 'x2APIC'), "
		     "reboot and run irqsight check again; or override the BIOS at boot:");
	const char *add[] = { "intremap=no_x2apic_optout", NULL };
	fix_boot_params(h, fs, f, add, NULL);
}

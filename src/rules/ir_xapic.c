/* ir-xapic-optout: remapping runs in xAPIC mode because the BIOS opted out of x2APIC. */
#include "rules/common.h"
#include "rules/rules.h"

void rule_ir_xapic_optout(const struct host *h, struct findings *fs)
{
	const struct klog_event *e = klog_find(&h->klog, KLOG_DMAR_IR_X2APIC_OPTOUT);
	if (!e)
		return;
	/* The CPU count from what was read: sysfs possible, the log's "Allowing N CPUs",
	 * /proc/interrupts' columns; none of them read: unknown, and no sentence about it. */
	const struct klog_event *al = klog_find(&h->klog, KLOG_SMP_ALLOWING);
	int ncpu = -1;
	const char *from = NULL;
	bool from_log = false;
	if (h->has_possible && !cpuset_empty(&h->possible)) {
		ncpu = cpuset_count(&h->possible);
		from = "possible CPUs (sys/devices/system/cpu/possible)";
	} else if (al && al->value > 0) {
		ncpu = al->value;
		from = "possible CPUs (kernel log)";
		from_log = true;
	} else if (h->has_interrupts && h->ncols > 0) {
		ncpu = h->ncols;
		from = "online CPUs (/proc/interrupts)";
	}
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
	if (from_log)
		finding_evidence(fs, f, "dmesg", "%s", al->text);
	if (ncpu > 0)
		finding_evidence(fs, f, "cpus", "%d %s", ncpu, from);
	else
		finding_evidence(fs, f, "cpus", "unknown (no CPU list, no \"Allowing N CPUs\" line and no /proc/interrupts read)");
	finding_meaning(fs, f, "In xAPIC mode interrupts can target only APIC IDs below 255 and IPIs cost an "
			"MMIO exit under virtualisation; %s",
			ncpu > 255 ? "this host has more CPUs than xAPIC can address."
			: ncpu > 0 ? "on this CPU count it works, but slower."
				   : "whether this host has more CPUs than that is not known.");
	finding_decision(fs, f, "Prefer switching the firmware to x2APIC; the kernel override ignores the BIOS on purpose.");
	finding_note(fs, f, "Set the firmware's x2APIC option to enabled (Dell: 'x2APIC Mode'; HPE: 'x2APIC'), "
		     "reboot and run irqsight check again; or override the BIOS at boot:");
	const char *add[] = { "intremap=no_x2apic_optout", NULL };
	fix_boot_params(h, fs, f, add, NULL);
}

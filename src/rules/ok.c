/* ok: what was checked and found healthy, and what could not be judged. Runs last. */
#include <string.h>

#include "rules/common.h"
#include "rules/rules.h"

static bool fired(const struct findings *fs, const char *id)
{
	for (int i = 0; i < fs->n; i++)
		if (!strcmp(fs->v[i].id, id))
			return true;
	return false;
}

void rule_ok(const struct host *h, struct findings *fs)
{
	const struct platform *p = &h->platform;
	struct finding *f = finding_new(fs, "ok", SEV_INFO, "Checked and healthy");
	if (p->iommu == TRI_YES)
		finding_evidence(fs, f, "iommu", "on: %s", p->iommu_evidence);
	if (p->interrupt_remapping == TRI_YES && !fired(fs, "ir-xapic-optout"))
	{
		/* "(unknown mode)" told nothing, and on a GIC ITS there is no x2APIC mode to know */
		if (p->ir_mode == IR_MODE_UNKNOWN)
			finding_evidence(fs, f, "interrupt remapping", "on: %s", p->ir_evidence);
		else
			finding_evidence(fs, f, "interrupt remapping", "on (%s mode): %s", ir_mode_name(p->ir_mode),
					 p->ir_evidence);
	}
	int msix = 0, msi = 0, intx = 0;
	for (int i = 0; i < h->ndevs; i++) {
		msix += h->devs[i].irq_mode == IRQ_MODE_MSIX;
		msi += h->devs[i].irq_mode == IRQ_MODE_MSI;
		intx += h->devs[i].irq_mode == IRQ_MODE_INTX;
	}
	/* A device's INTx use is known from sysfs (its irq file beside an empty msi_irqs/);
	 * devices known only from IRQ chip names show their MSI vectors, never their INTx
	 * line, so "0 on INTx" would be a count of nothing. */
	bool sysfs = false;
	for (int i = 0; i < h->ndevs; i++)
		sysfs |= h->devs[i].in_sysfs;
	if (!fired(fs, "intx-fallback") && !fired(fs, "pci-nomsi") && (msix || msi)) {
		if (fired(fs, "intx-shared"))
			finding_evidence(fs, f, "interrupt modes", "%d device(s) on MSI-X, %d on MSI; INTx: see intx-shared",
					 msix, msi);
		else if (sysfs)
			finding_evidence(fs, f, "interrupt modes", "%d device(s) on MSI-X, %d on MSI, %d on INTx", msix, msi, intx);
		else
			finding_evidence(fs, f, "interrupt modes", "%d device(s) on MSI-X, %d on MSI (INTx devices are not "
					 "known without sysfs)", msix, msi);
	}
	if (!h->has_interrupts) {
		finding_evidence(fs, f, "unknown", "device interrupt load: /proc/interrupts %s",
				 h->interrupts_unusable ? h->interrupts_unusable : "not read");
	} else if (!fired(fs, "irq-hotspot") && !fired(fs, "cpu0-overload")) {
		struct load l;
		device_load(fs->arena, h, &l);
		int online = h->has_online ? cpuset_count(&h->online) : h->ncols;	/* as irq-hotspot */
		if (load_is_significant(&l))
			/* "spread" was said of one CPU in 4 taking 60%: name the mark it is under */
			finding_evidence(fs, f, "device interrupt load", "no hotspot: the busiest CPU (%d) takes %.0f%% "
					 "(the mark is %.0f%% on %d CPUs)", l.top_cpu, 100.0 * l.top_share,
					 100.0 * hotspot_mark(online), online);
		else
			finding_evidence(fs, f, "device interrupt load", "too little to judge (%.0f%s%s)", l.total,
					 l.rate_based ? "/s" : " since boot",
					 h->cpu_ids_assumed ? " in the rows of a file without a CPU header, maybe an excerpt" : "");
	}
	if (!fired(fs, "queue-affinity-collapsed") && h->has_interrupts)
		finding_evidence(fs, f, "queue affinity", "no busy multiqueue device has all its queues on one CPU");
	if (!fired(fs, "softirq-hotspot")) {
		bool have = false;
		double net = 0;
		for (int c = 0; c <= h->max_cpu; c++) {
			const struct host_cpu *cpu = &h->cpus[c];
			have |= cpu->has_softirq;
			if (h->sample_seconds > 0)
				net += (cpu->softirq_rate[SOFTIRQ_NET_RX] > 0 ? cpu->softirq_rate[SOFTIRQ_NET_RX] : 0) +
				       (cpu->softirq_rate[SOFTIRQ_BLOCK] > 0 ? cpu->softirq_rate[SOFTIRQ_BLOCK] : 0);
			else
				net += (double)(cpu->softirq[SOFTIRQ_NET_RX] + cpu->softirq[SOFTIRQ_BLOCK]);
		}
		if (!have)
			finding_evidence(fs, f, "unknown", "softirq load: proc/softirqs not read");
		else if (h->sample_seconds > 0 ? net < 500 : net < 1e6)
			finding_evidence(fs, f, "softirq", "NET_RX/BLOCK: too little to judge (%.0f%s)", net,
					 h->sample_seconds > 0 ? "/s" : " since boot");
		else
			finding_evidence(fs, f, "softirq", "no NET_RX/NET_TX/BLOCK hotspot");
	}
	if (h->nvms && !fired(fs, "vcpu-irq-overlap"))
		finding_evidence(fs, f, "vcpu placement", "%d VM(s): no vCPU on a CPU with hot interrupts", h->nvms);
	if (p->unsafe_interrupts == TRI_NO)
		finding_evidence(fs, f, "vfio", "allow_unsafe_interrupts is off");
	if (p->apicv == TRI_YES)
		finding_evidence(fs, f, "apicv", "on (%s)", p->apicv_param);
	/* Rejections are kernel log lines: without the log only the values were checked. */
	if (!fired(fs, "bad-boot-param") && h->has_cmdline)
		finding_evidence(fs, f, "boot parameters", "%s", h->has_klog ? "no rejected or ineffective IOMMU/IRQ parameters"
					 : "no invalid or ineffective IOMMU/IRQ values (rejections are in the kernel log, not read)");

	/* What could not be judged: unknown is an answer, not a pass. */
	if (p->iommu == TRI_UNKNOWN)
		finding_evidence(fs, f, "unknown", "IOMMU: %s", p->iommu_evidence);
	if (p->interrupt_remapping == TRI_UNKNOWN)
		finding_evidence(fs, f, "unknown", "interrupt remapping: %s", p->ir_evidence);
	if (h->irqbalance.running == TRI_UNKNOWN)
		finding_evidence(fs, f, "unknown", "irqbalance: process list not available");
	if (!h->proc_scanned)
		finding_evidence(fs, f, "unknown", "VM threads: process list not available");
	int nocfg = 0;
	for (int i = 0; i < h->ndevs; i++)
		nocfg += !h->devs[i].cfg_full;
	if (nocfg)
		finding_evidence(fs, f, "unknown", "MSI/MSI-X capabilities of %d device(s): config space not readable%s", nocfg,
				 h->is_live && !h->is_root_user ? " (run as root)" : "");
	finding_meaning(fs, f, "Each line is a check that passed, or an honest 'unknown' where the facts could not be read.");
}

/* Helpers shared by rules: fix lines (plans, boot parameters, irqbalance bans) and labels.
 * The questions rules share with renderers are model/query.h's. */
#ifndef IRQSIGHT_RULES_COMMON_H
#define IRQSIGHT_RULES_COMMON_H

#include "model/host.h"
#include "model/query.h"
#include "rules/finding.h"

/*
 * Add the fix lines that make and apply a plan, so that they run as printed here:
 *   $ irqsight plan[ ARGS] -o /etc/irqsight/plan
 *   $ irqsight apply /etc/irqsight/plan --yes
 *   $ irqsight persist /etc/irqsight/plan          (with persist)
 * ARGS are what the planner needs on this host (checked with plan_make): none when the
 * roles say what to keep free; " --vm-cpus LIST" for extra_vm (may be NULL) unless the
 * roles keep those CPUs free already; " --housekeeping LIST" when nothing is reserved
 * (all online CPUs: it spreads queues) or everything is, and then the finding's decision
 * (set it first) says what to decide. false when no plan can be made here (no line
 * added; the decision says so).
 */
bool finding_plan_fix(const struct host *h, struct findings *fs, struct finding *f, const struct cpuset *extra_vm,
		      bool persist);
/* Only ARGS (as above, with a leading space; "" when none), and *decide; NULL when no plan can be made. */
const char *plan_fix_args(struct arena *a, const struct host *h, const struct cpuset *extra_vm, const char **decide);

/*
 * What interrupt work cost a CPU over the sample, naming where the numbers come from:
 *   "38.0% of its time in IRQ 36 virtio1-req.0 and BLOCK softirq (tracepoints over 2.0 s:
 *    hardirq 12.3%, IRQ 36 11.9%; softirq 25.7%, BLOCK 25.0%)"
 *   "1.2% of its time in hardirq and 3.4% in softirq (/proc/stat over 2.0 s)"
 *   "hardirq time not accounted by this kernel (...), softirq about 3.4% (...); tracepoints not used: not root"
 * *key is "tracepoints" or "proc/stat". NULL when not sampled.
 */
const char *cpu_time_text(struct arena *a, const struct host *h, int cpu, const char **key);
/*
 * The vCPUs on a CPU, named by VM: "vCPU 2 of VM 'db1' (pid 2315) is pinned there",
 * "vCPUs 0,1 of VM 'web' (pid 77) last ran there (not pinned)". Only VM vm when not NULL.
 * NULL when no vCPU thread is pinned to (or, unpinned, last ran on) cpu.
 */
const char *vcpus_there(struct arena *a, const struct host *h, const struct vm *vm, int cpu);

/*
 * Boot parameter changes as fix steps for this host's boot loader (h->boot, one place
 * for what each loader needs): GRUB (sed on /etc/default/grub, then update-grub, grubby
 * or grub2-mkconfig by distribution), ostree (rpm-ostree kargs; on OpenShift a note on
 * MachineConfig / PerformanceProfile), systemd-boot (/etc/kernel/cmdline, then
 * proxmox-boot-tool refresh or kernel-install), kernelstub; when the loader is not
 * known, each of them, labelled. add[] and del[] are NULL-terminated raw parameters
 * ("irqaffinity=5-10"); a parameter the command line already has is not added again and
 * one it lacks is not removed. Ends with the reboot note. Returns how many parameters
 * change (0: nothing to change at boot, no step added).
 */
int fix_boot_params(const struct host *h, struct findings *fs, struct finding *f, const char *const *add,
		    const char *const *del);
/* Is this exact parameter (key=value or flag, '-' == '_' in the key) on the command line? */
bool cmdline_has_raw(const struct host *h, const char *raw);
/* The hex mask of a CPU set as /proc/irq and sysfs write it ("ff,ffffffff"). */
const char *cpumask_hex(struct arena *a, const struct host *h, const struct cpuset *s);

/*
 * Fix steps that make irqbalance leave the CPUs in ban alone, in the form the installed
 * irqbalance reads: IRQBALANCE_BANNED_CPULIST from 1.7 on, the hex mask
 * IRQBALANCE_BANNED_CPUS before; both, labelled, when the version is unknown. Written to
 * the config file it reads (or the distribution's); then start is "restart" or "enable --now".
 */
void fix_irqbalance_ban(const struct host *h, struct findings *fs, struct finding *f, const struct cpuset *ban,
			const char *start);

/* A short label for an IRQ: "41 virtio3-rx" / "LOC". */
const char *irq_label(struct arena *a, const struct host *h, const struct irq *q);
/* A label for a device: "0000:00:04.0 (virtio-pci, eth0)". */
const char *dev_label(struct arena *a, const struct host *h, const struct pci_dev *d);

#endif

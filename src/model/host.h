/*
 * The host model: built once from a source (live "/" or a snapshot), then read-only.
 * Everything lives in one arena (h->arena) and is freed by host_free().
 *
 * Invariants:
 *  - CPU ids are kernel CPU ids, never column positions. h->cpus[] holds one entry
 *    per CPU id 0..h->max_cpu (possible or not); count arrays of an IRQ are indexed
 *    by position in h->online_ids[] (the /proc/interrupts header order).
 *  - A fact that could not be read is TRI_UNKNOWN / -1 / NULL and has an entry in
 *    h->unreadable[]; it is never reported as "no".
 *  - Pointers between objects (irq->dev, dev->irqs, vm->threads) point inside the
 *    same model.
 */
#ifndef IRQSIGHT_MODEL_HOST_H
#define IRQSIGHT_MODEL_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse/cmdline.h"
#include "parse/keepstate.h"
#include "parse/klog.h"
#include "parse/pci_config.h"
#include "parse/softirqs.h"
#include "util/arena.h"
#include "util/compat.h"
#include "util/cpuset.h"
#include "util/str.h"

struct source;

/* ---------------------------------------------------------------- CPUs */
/* Where a CPU's time in hardirq/softirq comes from. */
enum time_src {
	TIME_NONE = 0,		/* unknown (not sampled, /proc/stat unreadable, not accounted) */
	TIME_STAT,		/* /proc/stat, the kernel accounts it (CONFIG_IRQ_TIME_ACCOUNTING) */
	TIME_STAT_TICK,		/* /proc/stat softirq under tick accounting: a statistical estimate */
	TIME_TRACE,		/* irq/softirq/irq_vectors tracepoints: handler self time */
};
const char *time_src_name(enum time_src s);	/* "none", "stat", "stat-tick", "tracepoints" */

struct stat_times {
	/* /proc/stat cpuN, in USER_HZ ticks (fs/proc/stat.c): user nice system idle iowait irq softirq steal guest guest_nice */
	uint64_t v[10];
	bool present;
};
enum { ST_USER, ST_NICE, ST_SYSTEM, ST_IDLE, ST_IOWAIT, ST_IRQ, ST_SOFTIRQ, ST_STEAL, ST_GUEST, ST_GUEST_NICE };

struct host_cpu {
	int id;
	bool possible, online;
	/* From the roles model (model/roles.c): isolated by any isolation source, and
	 * nohz_full in particular. */
	bool isolated, nohz_full;
	unsigned roles;			/* RS_* bits: every source that names this CPU */
	const struct vm *vm;		/* the first VM with a vCPU thread pinned here, or NULL */
	int node;			/* NUMA node, -1 unknown */
	int col;			/* position in /proc/interrupts columns, -1 if not online there */
	struct stat_times stat;
	uint64_t softirq[SOFTIRQ_NR];	/* /proc/softirqs counts, by vector */
	bool has_softirq;
	/* Derived: sums over device IRQs (numeric rows with a device-ish chip). */
	uint64_t dev_irq_count;
	/* Rates when sampled (per second); < 0 when not sampled. */
	double dev_irq_rate;
	double softirq_rate[SOFTIRQ_NR];
	/* % of this CPU's time in hardirq (device handlers and x86 vectors) and softirq over
	 * the sample, < 0 unknown; irq_src/softirq_src say how it was measured. Without
	 * CONFIG_IRQ_TIME_ACCOUNTING /proc/stat has no hardirq time: irq_pct stays unknown
	 * unless tracepoints measured it (kernel-interfaces.md §2.2). */
	double irq_pct, softirq_pct;
	enum time_src irq_src, softirq_src;
	/* Tracepoints: % of this CPU's time in each softirq vector (self time), < 0 not traced. */
	double softirq_time_pct[SOFTIRQ_NR];
};

struct numa_node {
	int id;
	struct cpuset cpus;
};

/* ---------------------------------------------------------------- IRQs */
enum irq_chip_kind {
	CHIP_OTHER = 0,
	CHIP_IOAPIC,		/* IO-APIC / IR-IO-APIC (legacy INTx lines, ISA) */
	CHIP_XTPIC,
	CHIP_PCI_MSI,		/* PCI-MSI (global domain ≤6.1: MSI or MSI-X) or PCI-MSI-<bdf> */
	CHIP_PCI_MSIX,		/* PCI-MSIX-<bdf> */
	CHIP_DMAR,		/* DMAR-MSI: IOMMU fault interrupts */
	CHIP_HPET,
	CHIP_IOMMU,		/* AMD IOMMU-MSI / intcapxt */
	CHIP_GIC,		/* GICv2/v3 lines */
	CHIP_ITS,		/* ITS-MSI / ITS-PCI-MSI(X)-<bdf> */
	CHIP_XEN,
};

/* How an IRQ relates to its device. */
enum irq_mode {
	IRQ_MODE_UNKNOWN = 0,
	IRQ_MODE_NONE,		/* device has no IRQ in use */
	IRQ_MODE_INTX,
	IRQ_MODE_MSI,
	IRQ_MODE_MSIX,
};
const char *irq_mode_name(enum irq_mode m);	/* "unknown", "none", "intx", "msi", "msix" */

struct pci_dev;

struct irq {
	const char *name;	/* "36", "LOC", "IPI0" — the key for deltas */
	int number;		/* -1 for architecture rows */
	bool is_arch;		/* NMI, LOC, RES, ... (per-CPU vectors; never moved) */
	const char *desc;	/* architecture rows: "Local timer interrupts" */
	/* numeric rows */
	const char *chip;	/* raw chip field ("IR-PCI-MSIX-0000:00:02.0") */
	enum irq_chip_kind chip_kind;
	bool remapped;		/* "IR-" chip prefix (or ITS): goes through interrupt remapping */
	const char *chip_bdf;	/* BDF from a per-device chip name or decoded old hwirq, or NULL */
	const char *hwirq;	/* as printed, or NULL */
	const char *flow;	/* "edge", "fasteoi", or NULL */
	const char *trigger;	/* "Level"/"Edge" (arm), or NULL */
	const char *actions;	/* raw action list ("uhci_hcd:usb1, virtio6") */
	const char **action;	/* split on ", " */
	int naction;
	bool short_row;		/* fewer count columns than the header has CPUs (torn read or total row) */
	bool fused;		/* old (<4.0) "IO-APIC-fasteoi" chip-flow form */

	uint32_t *counts;	/* per online CPU column (h->ncols), NULL for total-only rows */
	uint64_t total;

	/* /proc/irq/N */
	bool has_affinity, has_effective;
	struct cpuset smp_affinity;		/* smp_affinity_list */
	struct cpuset effective_affinity;	/* effective_affinity_list (x86: one CPU) */
	int node;				/* -1 unknown */
	enum tri managed;	/* kernel-managed affinity (cannot be moved at run time) */
	const char *managed_why;	/* the evidence for managed (file mode, driver pattern) */
	enum tri settable;	/* writable smp_affinity by mode (6.12+ makes unsettable 0444) */

	/* links */
	struct pci_dev *dev;
	int vector;		/* MSI/MSI-X index within the device, -1 unknown */
	const char *queue;	/* queue part of the action ("rx-3", "q2", "req.0"), or NULL */
	bool is_device;		/* a device interrupt (not arch, not IOMMU fault, not timer/ACPI) */

	/* sampled */
	double rate;		/* per second, all CPUs; < 0 not sampled (or unknown: changed during the sample) */
	double *cpu_rate;	/* per online column; NULL when not sampled or when it did not fire */
	/* Tracepoints: % of each CPU's time (by column) in this IRQ's handlers; NULL when
	 * not traced, or traced and it took no time. Architecture rows get the x86 vector
	 * events (LOC: local_timer, RES: reschedule, ...). */
	double *cpu_time_pct;
};

/* ---------------------------------------------------------------- PCI */
struct pci_dev {
	const char *bdf;	/* "0000:00:02.0" */
	uint32_t class;		/* 0xCCSSPP, from sysfs "class" */
	uint16_t vendor, device, subsys_vendor, subsys_device;
	bool has_ids;
	const char *driver;	/* bound driver, NULL if none */
	int numa_node;		/* -1 unknown */
	struct cpuset local_cpus;
	bool has_local_cpus;
	int iommu_group;	/* -1 none/unknown */
	const char *iommu_unit;	/* "dmar0", "ivhd0", or NULL */
	int sysfs_irq;		/* the "irq" file: first MSI irq, or INTx irq; 0 = none; -1 unknown */

	/* msi_irqs/ directory: the Linux IRQs and the device's mode. */
	int *msi_irqs;
	int nmsi_irqs;
	enum irq_mode msi_irqs_mode;	/* MSI or MSIX, NONE when the directory is empty/absent */
	bool has_msi_irqs_dir;

	struct pci_cfg cfg;	/* decoded config space */
	bool cfg_read;		/* config file read at all */
	bool cfg_full;		/* more than the unprivileged 64 bytes */

	enum irq_mode irq_mode;	/* derived: msix/msi/intx/none/unknown */
	struct irq **irqs;	/* IRQs attributed to this device, by vector when known */
	int nirqs;
	const char *netdev;	/* first network interface of the device, or NULL */
	int net_rx_queues, net_tx_queues;	/* from /sys/class/net/X/queues, -1 unknown */
	int net_channels_max, net_channels;	/* ethtool combined channels (live only), -1 unknown */
	bool is_vfio;		/* bound to vfio-pci */
	bool in_sysfs;		/* false: known only from IRQ chip names (snapshot without sysfs) */
	bool is_bridge;		/* class 0x0604 */
};

/* ---------------------------------------------------------------- VMs */
enum vm_thread_kind {
	VMT_VCPU_KVM,		/* QEMU "CPU n/KVM" */
	VMT_VCPU_TCG,		/* QEMU "CPU n/TCG", "ALL CPUs/TCG" */
	VMT_VCPU_FC,		/* Firecracker "fc_vcpu n" */
	VMT_VCPU_CH,		/* cloud-hypervisor "vcpuN" */
	VMT_VCPU_CROSVM,	/* "crosvm_vcpuN" */
	VMT_VHOST,		/* "vhost-<pid>" worker */
	VMT_OTHER,
};

struct vm_thread {
	int pid, tid;
	int stat_pid;		/* whose proc/PID/task/ holds it: pid, or tid for a kthread */
	const char *comm;
	enum vm_thread_kind kind;
	int vcpu;		/* vCPU index, -1 for non-vCPU threads */
	int last_cpu;		/* stat field 39, -1 unknown */
	struct cpuset allowed;	/* Cpus_allowed_list */
	bool has_allowed;
	bool pinned;		/* allowed set is a strict subset of online CPUs */
	uint64_t guest_time;	/* stat field 43 (ticks) */
	char state;
};

struct vm {
	int pid;
	const char *name;	/* VM name (libvirt machine scope, ...) or process name */
	const char *vmm;	/* "qemu", "firecracker", "cloud-hypervisor", "crosvm" */
	struct vm_thread *threads;
	int nthreads;
	int nvcpus;
	struct cpuset vcpu_cpus;	/* union of vCPU allowed sets */
	bool vcpus_pinned;		/* every vCPU thread pinned */
};

/* ---------------------------------------------------------------- platform */
enum iommu_vendor { IOMMU_VENDOR_UNKNOWN = 0, IOMMU_VENDOR_INTEL, IOMMU_VENDOR_AMD, IOMMU_VENDOR_ARM, IOMMU_VENDOR_NONE };
enum ir_mode { IR_MODE_UNKNOWN = 0, IR_MODE_X2APIC, IR_MODE_XAPIC, IR_MODE_NONE };
const char *ir_mode_name(enum ir_mode m);	/* "unknown", "x2apic", "xapic", "none" */

struct platform {
	const char *arch;		/* "x86_64", "aarch64", ... from uname/osrelease guess */
	const char *kernel_release;	/* proc/sys/kernel/osrelease */
	int kernel_major, kernel_minor;	/* -1 unknown */
	const char *cpu_vendor;		/* "GenuineIntel", "AuthenticAMD", ... (proc/cpuinfo) */
	bool is_virtual;		/* "hypervisor" CPU flag */
	enum tri iommu;			/* DMA remapping active */
	enum tri interrupt_remapping;
	enum ir_mode ir_mode;
	enum iommu_vendor iommu_vendor;
	const char *iommu_evidence;	/* one line saying how the iommu verdict was reached */
	const char *ir_evidence;
	int iommu_units;		/* /sys/class/iommu entries, -1 unknown */
	int iommu_groups;		/* /sys/kernel/iommu_groups entries, -1 unknown */
	const char *default_domain;	/* "Passthrough", "Translated", ... from the log */
	bool firmware_dmar, firmware_ivrs;	/* ACPI table present (sys/firmware/acpi/tables) */
	enum tri x2apic;
	int remapped_irqs, unremapped_irqs;	/* count of IO-APIC/MSI IRQs with and without IR- */
	/* KVM / VFIO module parameters */
	enum tri kvm_loaded;
	enum tri apicv;			/* kvm_intel enable_apicv / kvm_amd avic */
	const char *apicv_param;	/* the file it came from */
	enum tri device_posted_irqs;	/* enable_device_posted_irqs (6.16+) */
	enum tri unsafe_interrupts;	/* vfio_iommu_type1 / iommufd allow_unsafe_interrupts */
	const char *unsafe_param;
	int vfio_devices;		/* devices bound to vfio-pci */
	struct cpuset default_smp_affinity;
	bool has_default_affinity;
};

struct irqbalance {
	enum tri running;
	int pid;
	const char *config_path;	/* the file read, or NULL */
	const char *banned_cpulist;	/* IRQBALANCE_BANNED_CPULIST (NULL unset; "" set-but-empty) */
	const char *banned_cpus;	/* IRQBALANCE_BANNED_CPUS (hex, deprecated) */
	const char *args;		/* IRQBALANCE_ARGS */
	bool oneshot;
	/* The ban irqbalance applies (cputree.c:setup_banned_cpus): the env var if set,
	 * otherwise isolated ∪ nohz_full. */
	struct cpuset banned;
	bool banned_known;
	const char *banned_source;	/* "IRQBALANCE_BANNED_CPULIST", "isolcpus/nohz_full", ... */
};

/* ---------------------------------------------------------------- CPU roles */
/*
 * What each CPU is for, from every source that says so (model/roles.c); sources
 * combine, none replaces another (docs/plan.md "CPU roles"):
 *  - isolated: isolcpus= (any flags), nohz_full=, /sys/devices/system/cpu/isolated,
 *    a cgroup v2 isolated cpuset partition. rcu_nocbs= is recorded but is not isolation
 *    for IRQ purposes: it only moves RCU callbacks off the CPU, which still takes its
 *    tick and every interrupt routed to it.
 *  - housekeeping (declared): irqaffinity=, tuned.non_isolcpus=, systemd.cpu_affinity= /
 *    CPUAffinity= in systemd's system.conf.
 *  - vm: a pinned vCPU thread may run there.
 * The planner never targets a reserved CPU (isolated or vm) unless --housekeeping names it.
 */
enum role_src {
	RS_ISOLCPUS,		/* isolcpus= (flags in host_roles.isolcpus_flags) */
	RS_NOHZ_FULL,		/* nohz_full= or sys/devices/system/cpu/nohz_full */
	RS_SYSFS_ISOLATED,	/* sys/devices/system/cpu/isolated */
	RS_CPUSET,		/* cgroup v2 isolated partition (cpuset.cpus.isolated / .partition) */
	RS_RCU_NOCBS,		/* rcu_nocbs= (recorded, not isolation) */
	RS_IRQAFFINITY,		/* irqaffinity= */
	RS_TUNED,		/* tuned.non_isolcpus= (hex mask) */
	RS_SYSTEMD,		/* systemd.cpu_affinity= or CPUAffinity= */
	RS_VCPU,		/* a pinned vCPU thread */
	RS_N,
};
#define RS_BIT(s) (1u << (s))
#define RS_ISOLATION (RS_BIT(RS_ISOLCPUS) | RS_BIT(RS_NOHZ_FULL) | RS_BIT(RS_SYSFS_ISOLATED) | RS_BIT(RS_CPUSET))
#define RS_HOUSEKEEPING (RS_BIT(RS_IRQAFFINITY) | RS_BIT(RS_TUNED) | RS_BIT(RS_SYSTEMD))
/* isolcpus= flags (kernel/sched/isolation.c); without a flag the kernel means domain. */
enum { ISOL_DOMAIN = 1, ISOL_MANAGED_IRQ = 2, ISOL_NOHZ = 4 };

struct host_roles {
	bool derived;			/* roles_derive() ran */
	struct cpuset src[RS_N];	/* the CPUs each source names */
	bool has[RS_N];			/* the source was present (and parsed) */
	const char *where[RS_N];	/* what was read: "isolcpus=managed_irq,0-4", a path */
	unsigned isolcpus_flags;	/* ISOL_* */
	const char *isolcpus_unknown;	/* an unknown isolcpus flag: the kernel then ignores isolcpus= */
	struct cpuset isolated;		/* union of the isolation sources */
	struct cpuset vm;		/* CPUs of pinned vCPU threads */
	struct cpuset reserved;		/* isolated ∪ vm: never an IRQ target by default */
	/* Housekeeping as declared: the CPUs every present housekeeping source names (irqaffinity=
	 * alone, then their union, when they disagree), online and not reserved. Empty when no
	 * source is present. */
	struct cpuset declared_hk;
	/* Where host interrupts go by default: declared_hk when non-empty, else online − reserved. */
	struct cpuset housekeeping;
};

/* How this host's kernel command line is changed (build_boot.c). */
enum boot_loader {
	BOOT_UNKNOWN = 0,
	BOOT_GRUB,		/* /etc/default/grub, then update-grub / grubby / grub2-mkconfig */
	BOOT_OSTREE,		/* ostree= on the command line: rpm-ostree kargs */
	BOOT_SYSTEMD_BOOT,	/* /etc/kernel/cmdline (proxmox-boot-tool refresh, kernel-install) */
	BOOT_KERNELSTUB,	/* Pop!_OS: kernelstub -a / -d */
};
enum os_family { OS_UNKNOWN = 0, OS_DEBIAN, OS_RHEL, OS_SUSE };

struct boot {
	enum boot_loader loader;
	enum os_family family;	/* which GRUB tool: update-grub, grubby, grub2-mkconfig */
	bool proxmox;		/* proxmox-boot-tool keeps the boot partitions (ESPs) in sync */
	bool openshift;		/* RHCOS: kernel arguments belong in a MachineConfig / PerformanceProfile */
	const char *evidence;	/* what told it: "ostree= on the command line", ... */
};

/* ---------------------------------------------------------------- the host */
struct unreadable {
	const char *path;	/* path or pattern (a glob such as proc/irq/N/effective_affinity_list) */
	const char *reason;	/* strerror text, or "not present on this kernel" */
	const char *effect;	/* what is unknown because of it */
	int count;		/* how many paths matched the pattern */
};

struct host {
	struct arena arena;
	const char *root;	/* "/" or the snapshot path */
	bool is_live;
	bool is_root_user;

	struct platform platform;
	struct cmdline cmdline;
	bool has_cmdline;
	struct klog klog;
	bool has_klog;

	/* CPUs: cpus[id] for id in 0..max_cpu */
	int max_cpu;
	struct host_cpu *cpus;
	/* Raw CPU sets: sysfs, else isolated/nohz_full from the command line (what irqbalance
	 * bans). Rules and the planner read roles instead. */
	struct cpuset possible, online, isolated, nohz_full;
	bool has_possible, has_online, has_isolated, has_nohz_full;
	bool isolated_sysfs, nohz_full_sysfs;	/* isolated / nohz_full came from sysfs */
	struct host_roles roles;
	int ncols;		/* online CPUs in /proc/interrupts (its header) */
	int *col_cpu;		/* column -> CPU id */
	bool cpu_ids_assumed;	/* no header: columns assumed to be CPUs 0..n-1 */
	struct numa_node *nodes;
	int nnodes;

	bool has_interrupts;	/* proc/interrupts was read and parsed (else a partial report from the log) */
	/* Why proc/interrupts gives nothing to judge: "not present", an errno text, "empty",
	 * "does not parse as /proc/interrupts (...)"; NULL when it was read. Then IRQ counts,
	 * device interrupt load and the CPU table are unknown, and the summary says UNKNOWN
	 * (check exits 3) unless a warning or critical finding stands on other evidence. */
	const char *interrupts_unusable;
	struct irq *irqs;	/* numeric rows first (ascending), then architecture rows */
	int nirqs;
	struct pci_dev *devs;	/* sorted by BDF */
	int ndevs;
	struct vm *vms;
	int nvms;
	struct irqbalance irqbalance;
	/* What a running `irqsight keep` reports (its keep.state; .present false when none). */
	struct keep_state keep;
	const char *keep_state_path;	/* the file read, relative to the root */
	enum tri keep_running;		/* its pid is an irqsight process now (proc/PID/comm) */
	struct boot boot;
	/* The installed irqbalance's version ("1.9.2-1"), NULL unknown: 1.7 added
	 * IRQBALANCE_BANNED_CPULIST; older ones read only the mask IRQBALANCE_BANNED_CPUS. */
	const char *irqbalance_version;
	const char *irqbalance_version_source;

	/* Sampling (check --interval, top). */
	double sample_seconds;	/* 0 when not sampled */
	/* /proc/stat's irq column is real time: TRI_NO when it is 0 on every CPU while
	 * interrupts were counted (no CONFIG_IRQ_TIME_ACCOUNTING). */
	enum tri irq_accounted;
	enum time_src time_src;	/* how irq_pct/softirq_pct were measured (TIME_NONE: not sampled) */
	const char *time_note;	/* one line saying so, and why tracepoints were not used; NULL unsampled */
	const char *trace_why;	/* sampled without tracepoint times: why ("not root", "--no-trace", ...) */
	bool traced;		/* tracepoint times are in the model (cpu_time_pct, softirq_time_pct) */
	double trace_seconds;	/* the recorded window */
	uint64_t trace_events, trace_lost;	/* events decoded, and dropped by the kernel (times are lower bounds) */
	/* Handler entries recorded / interrupts and softirqs counted by /proc over the same
	 * window, on the CPU where it is lowest (< 0 unknown). Below 0.9 the kernel did not
	 * deliver every tracepoint sample (seen on idle CPUs of a VM) and each handler's
	 * time is scaled from the mean of the recorded ones; trace_coverage_cpu names it. */
	double trace_coverage;
	int trace_coverage_cpu;
	double trace_cpu_seconds;	/* CPU time irqsight spent draining the rings (the recorder's own cost) */
	double uptime;		/* seconds (proc/uptime), < 0 unknown */
	bool proc_scanned;	/* proc/<pid>/comm was listable: process facts (irqbalance, VMs) are known */

	struct unreadable *unreadable;
	int nunreadable;
};

/* What to build. */
struct host_opts {
	double sample_seconds;	/* > 0: sample rates over this long (live only) */
	/* With sample_seconds, as root: record irq/softirq/irq_vectors tracepoints during
	 * the sample for time per CPU, per IRQ and per softirq vector (sample/trace.h). */
	bool trace;
	const char *no_trace_why;	/* trace off: why, for time_note ("--no-trace"); NULL = not asked */
	bool skip_vms;		/* no VM threads (irqbalance is still looked for) */
};

/* Build the model. Returns 0 (with unreadable[] entries for what failed) or -errno
 * when nothing usable could be read (e.g. the root has no proc/interrupts). */
int host_build(struct host *h, const struct source *src, const struct host_opts *opt);
void host_free(struct host *h);

/* Record something that could not be read (deduplicated by path pattern). */
void host_note_unreadable(struct host *h, const char *path, int err, const char *effect);
void host_note_missing(struct host *h, const char *path, const char *why, const char *effect);

/*
 * The one reading of the IOMMU boot parameters that every verdict and rule uses, so
 * that no two findings disagree about a parameter. intel_iommu= is read only by the
 * Intel (VT-d) driver and amd_iommu= only by the AMD one; iommu=off by both.
 * host_iommu_hw: the IOMMU hardware family this host has, from the CPU vendor, sysfs,
 * the log, ACPI tables or DMAR-MSI rows; IOMMU_VENDOR_UNKNOWN when nothing says.
 */
enum iommu_vendor host_iommu_hw(const struct host *h);
enum param_effect {
	PARAM_ABSENT = 0,	/* not on the command line (or the command line is unknown) */
	PARAM_APPLIES,		/* read by this host's IOMMU driver */
	PARAM_OTHER_VENDOR,	/* the other vendor's parameter: no effect on this host */
	PARAM_VENDOR_UNKNOWN,	/* a vendor-specific parameter on a host whose vendor is unknown */
};
/* How "key=off"-style words act here: key is "intel_iommu", "amd_iommu" or "iommu";
 * *raw gets the parameter as written. word NULL: any value. */
enum param_effect host_iommu_param(const struct host *h, const char *key, const char *word, const char **raw);

/* Lookups. */
struct irq *host_irq_by_number(const struct host *h, int number);
struct irq *host_irq_by_name(const struct host *h, const char *name);
struct pci_dev *host_dev_by_bdf(const struct host *h, const char *bdf);
/* The length of an action name without the "@pci:<bdf>" mlx5 and mana append to theirs
 * ("mlx5_comp3@pci:0000:19:00.0" -> 10: "mlx5_comp3"). */
size_t irq_action_stem(const char *a);
/* "<driver>_<word>@pci:<bdf>" (mlx5_comp3@pci:0000:19:00.0, mana_q0@pci:...): true with
 * "mlx5", "comp3" and the BDF text (slices into a); false for any other name. */
bool irq_action_pci_split(const char *a, struct slice *driver, struct slice *word, struct slice *bdf);
const struct host_cpu *host_cpu(const struct host *h, int id);	/* NULL if out of range */
/* Effective CPUs of an IRQ: effective_affinity when known, else smp_affinity, else the
 * CPUs whose count is non-zero. Writes into *out (arena-backed). */
void host_irq_cpus(const struct host *h, const struct irq *q, struct cpuset *out);
/* The chip/hwirq/flow fields as /proc/interrupts shows them: "IR-PCI-MSIX-0000:00:02.0 1-edge",
 * "IO-APIC-fasteoi" (old fused form). Arena string. */
const char *host_irq_chip_text(const struct host *h, const struct irq *q);
/*
 * The roles model (model/roles.c). roles_derive() computes h->roles and cpus[].roles
 * from the command line, the raw sets, roles.src[RS_CPUSET]/[RS_SYSTEMD] when a
 * reader filled them, and the VMs; host_build() calls it last. Pure (tests call it
 * on hand-built hosts).
 */
void roles_derive(struct host *h);
/* The online CPUs: sysfs, else the CPUs /proc/interrupts has columns for. */
void host_online_cpus(const struct host *h, struct arena *a, struct cpuset *out);
/* "isolcpus", "nohz_full", "sysfs-isolated", "cpuset-partition", "rcu_nocbs", "irqaffinity",
 * "tuned.non_isolcpus", "systemd-cpu-affinity", "vcpu-pinning" */
const char *role_src_name(enum role_src s);
/* The sources that reserve CPUs, for a reader: "isolcpus=managed_irq, nohz_full, pinned vCPUs
 * of VM 'db' (pid 77)"; NULL when nothing is reserved. Arena string. */
const char *roles_reserved_why(const struct host *h);
/* Why CPUs in s are reserved, naming only the sources that cover some of them. */
const char *roles_why_of(const struct host *h, const struct cpuset *s);
/* The same without the VMs: only the isolation sources. */
const char *roles_isolated_why(const struct host *h, const struct cpuset *s);
/* tuned.non_isolcpus=: a hex mask, 32-bit groups joined by commas. 0 or -EINVAL. */
int roles_parse_hexmask(struct arena *a, const char *v, struct cpuset *out);
/* Count of this IRQ on CPU id (0 if that CPU has no column). */
uint64_t host_irq_count_on(const struct host *h, const struct irq *q, int cpu);

#endif

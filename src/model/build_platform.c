/* Kernel identity, command line, kernel log, CPU sets; then IOMMU/IR verdicts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "model/build.h"
#include "util/str.h"

static void read_kernel(struct host *h, const struct source *src)
{
	struct platform *p = &h->platform;
	p->kernel_major = p->kernel_minor = -1;
	const char *rel = NULL;
	if (!host_read_str(h, src, "proc/sys/kernel/osrelease", &rel) && *rel) {
		p->kernel_release = rel;
	} else {
		/* Taken from the log's "Linux version <release>" after read_log(), if there. */
		p->kernel_release = NULL;
	}
	if (p->kernel_release)
		sscanf(p->kernel_release, "%d.%d", &p->kernel_major, &p->kernel_minor);

	/* Architecture: a snapshot says it through its files; live, uname. */
	const char *arch = NULL;
	if (!host_read_str(h, src, "proc/sys/kernel/arch", &arch) && *arch) {
		p->arch = arch;
	} else if (h->is_live) {
		struct utsname u;
		if (!uname(&u))
			p->arch = arena_strdup(&h->arena, u.machine);
	}

	struct buf b = { 0 };
	if (!src_read(src, "proc/cpuinfo", &b, 8u << 20)) {
		struct slice all = { b.data, b.len }, line;
		while (slice_line(&all, &line)) {
			const char *colon = memchr(line.p, ':', line.n);
			if (!colon)
				continue;
			struct slice key = slice_trim((struct slice){ line.p, (size_t)(colon - line.p) });
			struct slice val = slice_trim((struct slice){ colon + 1, line.n - (size_t)(colon - line.p) - 1 });
			if (slice_eq(key, "vendor_id") && !p->cpu_vendor)
				p->cpu_vendor = arena_strndup(&h->arena, val.p, val.n);
			else if (slice_eq(key, "flags")) {
				struct slice t;
				while ((t = slice_token(&val)).n) {
					if (slice_eq(t, "hypervisor"))
						p->is_virtual = true;
					if (slice_eq(t, "x2apic") && p->x2apic == TRI_UNKNOWN)
						p->x2apic = TRI_UNKNOWN;	/* capability only */
				}
				break;	/* one CPU is enough */
			}
		}
	}
	buf_free(&b);
}

static void read_log(struct host *h, const struct source *src)
{
	struct buf b = { 0 };
	int r = src_read_kernel_log(src, &b);
	if (r) {
		host_note_unreadable(h, h->is_live ? "/dev/kmsg" : "dmesg", r,
				     "kernel log facts (IOMMU/remapping messages, fallbacks) are unknown");
	} else {
		parse_klog(b.data, b.len, &h->arena, &h->klog);
		h->has_klog = h->klog.nlines > 0;
		if (!h->has_klog)
			host_note_missing(h, h->is_live ? "/dev/kmsg" : "dmesg", "empty",
					  "kernel log facts are unknown");
		else if (!h->klog.has_boot_start)
			host_note_missing(h, h->is_live ? "/dev/kmsg" : "dmesg",
					  "boot messages not in the log (ring buffer wrapped or excerpt)",
					  "a missing boot message proves nothing");
	}
	buf_free(&b);
}

static void read_cmdline(struct host *h, const struct source *src)
{
	struct buf b = { 0 };
	int r = src_read(src, "proc/cmdline", &b, 65536);
	if (!r) {
		parse_cmdline(b.data, b.len, &h->arena, &h->cmdline);
		h->has_cmdline = true;
	} else {
		const struct klog_event *e = klog_find(&h->klog, KLOG_CMDLINE);
		if (e && e->arg) {
			parse_cmdline(e->arg, strlen(e->arg), &h->arena, &h->cmdline);
			h->has_cmdline = true;
			host_note_missing(h, "proc/cmdline", "not present", "command line taken from the kernel log");
		} else {
			host_note_unreadable(h, "proc/cmdline", r, "boot parameters are unknown");
		}
	}
	buf_free(&b);
}

static void read_cpusets(struct host *h, const struct source *src)
{
	static const struct {
		const char *path;
		size_t set_off, has_off;
		bool optional;	/* absent on kernels without the feature */
	} f[] = {
		{ "sys/devices/system/cpu/possible", offsetof(struct host, possible), offsetof(struct host, has_possible), false },
		{ "sys/devices/system/cpu/online", offsetof(struct host, online), offsetof(struct host, has_online), false },
		{ "sys/devices/system/cpu/isolated", offsetof(struct host, isolated), offsetof(struct host, has_isolated), false },
		{ "sys/devices/system/cpu/nohz_full", offsetof(struct host, nohz_full), offsetof(struct host, has_nohz_full), true },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		struct cpuset *set = (struct cpuset *)((char *)h + f[i].set_off);
		bool *has = (bool *)((char *)h + f[i].has_off);
		int r = host_read_cpulist(h, src, f[i].path, set);
		if (!r) {
			*has = true;
			/* the roles model tells sysfs facts from the command line fallback below */
			h->isolated_sysfs |= set == &h->isolated;
			h->nohz_full_sysfs |= set == &h->nohz_full;
		} else if (f[i].optional && r == -ENOENT) {
			/* nohz_full exists only with CONFIG_NO_HZ_FULL; fall back to the command line below. */
		} else {
			host_note_unreadable(h, f[i].path, r, "CPU sets are taken from /proc/interrupts and the command line");
		}
	}
	/* Without sysfs, the command line still says what is isolated. */
	if (h->has_cmdline) {
		const struct cmdline_param *p;
		if (!h->has_isolated && (p = cmdline_get(&h->cmdline, "isolcpus")) && p->val) {
			/* isolcpus=[flags,]list: flags are words, the list starts at the first digit. */
			const char *v = p->val;
			const char *list = v;
			for (const char *q = v; *q; q++)
				if (*q >= '0' && *q <= '9' && (q == v || q[-1] == ',')) {
					list = q;
					break;
				}
			/* The sysfs file lists the CPUs out of the scheduler domains only
			 * (drivers/base/cpu.c: possible minus housekeeping HK_TYPE_DOMAIN): an
			 * isolcpus= with flags but no "domain" (managed_irq,...) leaves it empty,
			 * and irqbalance, which reads it, does not ban those CPUs. */
			bool domain = list == v;
			for (const char *q = v; q < list && !domain; q += strcspn(q, ",") + (q[strcspn(q, ",")] ? 1 : 0))
				domain = !strncmp(q, "domain,", 7);
			if (!domain) {
				cpuset_init(&h->isolated, &h->arena, 0);
				h->has_isolated = true;
			} else if (!cpuset_parse_list(&h->isolated, &h->arena, list, strlen(list))) {
				h->has_isolated = true;
			}
		}
		if (!h->has_nohz_full && (p = cmdline_get(&h->cmdline, "nohz_full")) && p->val &&
		    !cpuset_parse_list(&h->nohz_full, &h->arena, p->val, strlen(p->val)))
			h->has_nohz_full = true;
	}
}

int build_platform_early(struct host *h, const struct source *src)
{
	read_kernel(h, src);
	read_log(h, src);
	/* No osrelease (a log-only capture): the log's "Linux version <release>" names it. */
	struct platform *p = &h->platform;
	if (!p->kernel_release && h->klog.linux_version) {
		p->kernel_release = h->klog.linux_version;
		sscanf(p->kernel_release, "%d.%d", &p->kernel_major, &p->kernel_minor);
	}
	read_cmdline(h, src);
	read_cpusets(h, src);
	const char *up;
	if (!host_read_str(h, src, "proc/uptime", &up))
		h->uptime = strtod(up, NULL);
	return 0;
}

/* ------------------------------------------------------------ late: IOMMU, IR, modules */

static int count_entries(struct host *h, const struct source *src, const char *path, bool *readable)
{
	char **names;
	size_t n;
	int r = src_list(src, &h->arena, path, &names, &n);
	*readable = r == 0;
	return r ? -1 : (int)n;
}

static enum tri read_yn(struct host *h, const struct source *src, const char *path)
{
	const char *v;
	if (host_read_str(h, src, path, &v))
		return TRI_UNKNOWN;
	if (!strcmp(v, "Y") || !strcmp(v, "1") || !strcmp(v, "y"))
		return TRI_YES;
	if (!strcmp(v, "N") || !strcmp(v, "0") || !strcmp(v, "n"))
		return TRI_NO;
	return TRI_UNKNOWN;
}

static void read_modules(struct host *h, const struct source *src)
{
	struct platform *p = &h->platform;
	bool intel = src_exists(src, "sys/module/kvm_intel"), amd = src_exists(src, "sys/module/kvm_amd");
	if (intel || amd || src_exists(src, "sys/module/kvm"))
		p->kvm_loaded = TRI_YES;
	else if (src_exists(src, "sys/module"))
		p->kvm_loaded = TRI_NO;
	if (intel) {
		p->apicv_param = "sys/module/kvm_intel/parameters/enable_apicv";
		p->apicv = read_yn(h, src, p->apicv_param);
		p->device_posted_irqs = read_yn(h, src, "sys/module/kvm_intel/parameters/enable_device_posted_irqs");
	} else if (amd) {
		p->apicv_param = "sys/module/kvm_amd/parameters/avic";
		p->apicv = read_yn(h, src, p->apicv_param);
		p->device_posted_irqs = read_yn(h, src, "sys/module/kvm_amd/parameters/enable_device_posted_irqs");
	}
	static const char *const unsafe[] = {
		"sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
		"sys/module/iommufd/parameters/allow_unsafe_interrupts",
	};
	for (size_t i = 0; i < 2; i++) {
		enum tri t = read_yn(h, src, unsafe[i]);
		if (t == TRI_YES || (t == TRI_NO && p->unsafe_interrupts != TRI_YES)) {
			p->unsafe_interrupts = t;
			p->unsafe_param = unsafe[i];
		}
	}
}

static bool cmdline_word(const struct host *h, const char *key, const char *word)
{
	return h->has_cmdline && cmdline_has_word(&h->cmdline, key, word);
}

/* Where vfio's unsafe no-IOMMU mode is on (then vfio-pci rows prove no IOMMU): its sysfs
 * parameter or the command line; NULL when off or not known to be on. */
static const char *vfio_noiommu(struct host *h, const struct source *src)
{
	if (src_exists(src, "sys/module/vfio/parameters/enable_unsafe_noiommu_mode") &&
	    read_yn(h, src, "sys/module/vfio/parameters/enable_unsafe_noiommu_mode") != TRI_NO)
		return "sys/module/vfio/parameters/enable_unsafe_noiommu_mode";
	if (h->has_cmdline && cmdline_get(&h->cmdline, "vfio.enable_unsafe_noiommu_mode") &&
	    !cmdline_word(h, "vfio.enable_unsafe_noiommu_mode", "0") &&
	    !cmdline_word(h, "vfio.enable_unsafe_noiommu_mode", "N") &&
	    !cmdline_word(h, "vfio.enable_unsafe_noiommu_mode", "n"))
		return "vfio.enable_unsafe_noiommu_mode on the command line";
	return NULL;
}

/* Why the IOMMU is unknown, naming what was seen (maybe_raw: an off switch of a vendor
 * not known here; dmar_rows: DMAR-MSI rows). */
static const char *iommu_unknown_why(struct host *h, const char *maybe_raw, int dmar_rows)
{
	struct arena *a = &h->arena;
	const struct klog *k = &h->klog;
	/* A log read here has no boot start (else the branch above judged it): say so,
	 * never "no boot log" */
	const char *no_tree = h->has_klog ? "no sysfs IOMMU tree, and the kernel log is partial (no boot start)"
					  : "no sysfs IOMMU tree or boot log";
	if (maybe_raw)
		return arena_printf(a,
				    "%s turns the IOMMU off only on that vendor's hardware, and this "
				    "host's vendor is not known; %s",
				    maybe_raw, no_tree);
	else if (dmar_rows)
		return arena_printf(a,
				    "%d DMAR-MSI row(s) in /proc/interrupts: Intel DMAR units exist "
				    "(set up for interrupt remapping alone too: DMA remapping is not "
				    "shown)%s; %s",
				    dmar_rows,
				    host_iommu_param(h, "intel_iommu", "on", NULL) == PARAM_APPLIES
					    ? "; the command line asks for it (intel_iommu=on)"
					    : "",
				    no_tree);
	else if (h->has_klog && (klog_find(k, KLOG_DMAR_UNIT) || klog_find(k, KLOG_DMAR_TABLE)))
		return "the log (without its boot start) lists DMAR units but no VT-d initialisation; "
		       "a partial log proves nothing missing, and there is no sysfs IOMMU tree";
	else if (h->has_klog)
		return "no sysfs IOMMU tree, and the kernel log is partial (no boot start): "
		       "a missing VT-d/AMD-Vi line proves nothing";
	else
		return "no sysfs IOMMU tree and no boot log to tell";
}

static void iommu_verdict(struct host *h, const struct source *src)
{
	struct platform *p = &h->platform;
	struct arena *a = &h->arena;
	bool units_ok, groups_ok;
	char **names;
	size_t n = 0;
	p->iommu_units = count_entries(h, src, "sys/class/iommu", &units_ok);
	if (units_ok && !src_list(src, a, "sys/class/iommu", &names, &n) && n) {
		if (!strncmp(names[0], "dmar", 4))
			p->iommu_vendor = IOMMU_VENDOR_INTEL;
		else if (!strncmp(names[0], "ivhd", 4))
			p->iommu_vendor = IOMMU_VENDOR_AMD;
		else if (!strncmp(names[0], "smmu", 4))
			p->iommu_vendor = IOMMU_VENDOR_ARM;
	}
	p->iommu_groups = count_entries(h, src, "sys/kernel/iommu_groups", &groups_ok);
	p->firmware_dmar = src_exists(src, "sys/firmware/acpi/tables/DMAR");
	p->firmware_ivrs = src_exists(src, "sys/firmware/acpi/tables/IVRS");
	const struct klog *k = &h->klog;
	bool log_intel = klog_find(k, KLOG_DMAR_VTD_INIT) || klog_find(k, KLOG_DMAR_UNIT);
	bool log_amd = klog_find(k, KLOG_AMDVI_FOUND) || klog_find(k, KLOG_AMDVI_IR_ENABLED);
	if (p->iommu_vendor == IOMMU_VENDOR_UNKNOWN) {
		if (log_intel || klog_find(k, KLOG_DMAR_TABLE) || p->firmware_dmar)
			p->iommu_vendor = IOMMU_VENDOR_INTEL;
		else if (log_amd || p->firmware_ivrs)
			p->iommu_vendor = IOMMU_VENDOR_AMD;
	}
	int dev_groups = 0;
	for (int i = 0; i < h->ndevs; i++)
		if (h->devs[i].iommu_group >= 0)
			dev_groups++;
	/* /proc/interrupts: DMAR-MSI rows are the fault interrupts of Intel DMAR units,
	 * set up whenever the units are (for interrupt remapping alone too, so they prove
	 * the hardware, not DMA remapping); vfio-msix/-msi/-intx actions are devices that
	 * vfio-pci bound, which it does only for a device in an IOMMU group, unless the
	 * unsafe no-IOMMU mode is on (kernel-interfaces.md §1.4, §1.5, §6.2). */
	int dmar_rows = 0;
	const struct irq *vfio_row = NULL;
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (q->chip_kind == CHIP_DMAR)
			dmar_rows++;
		for (int j = 0; j < q->naction && !vfio_row; j++)
			if (!strncmp(q->action[j], "vfio-msi", 8) || !strncmp(q->action[j], "vfio-intx(", 10))
				vfio_row = q;
	}
	if (dmar_rows && p->iommu_vendor == IOMMU_VENDOR_UNKNOWN)
		p->iommu_vendor = IOMMU_VENDOR_INTEL;
	const char *noiommu = vfio_noiommu(h, src);
	/* One reading of the off switches (host_iommu_param): the other vendor's parameter
	 * turns nothing off. */
	const char *off_raw = NULL, *maybe_raw = NULL, *raw;
	static const char *const off_keys[] = { "iommu", "intel_iommu", "amd_iommu" };
	for (size_t i = 0; i < 3 && !off_raw; i++) {
		enum param_effect e = host_iommu_param(h, off_keys[i], "off", &raw);
		if (e == PARAM_APPLIES)
			off_raw = raw;
		else if (e == PARAM_VENDOR_UNKNOWN && !maybe_raw)
			maybe_raw = raw;
	}

	if (p->iommu_units > 0 || p->iommu_groups > 0 || dev_groups > 0) {
		p->iommu = TRI_YES;
		/* Name what was found: a tree with only iommu_group links has no unit count. */
		p->iommu_evidence = p->iommu_units > 0 || p->iommu_groups > 0
			? arena_printf(a, "%d IOMMU unit(s) in sys/class/iommu, %d IOMMU group(s)",
				       p->iommu_units > 0 ? p->iommu_units : 0, p->iommu_groups > 0 ? p->iommu_groups : 0)
			: arena_printf(a, "%d PCI device(s) with an iommu_group link (sys/class/iommu and "
				       "sys/kernel/iommu_groups %s)", dev_groups,
				       units_ok || groups_ok ? "empty or not captured" : "not captured");
	} else if (units_ok && groups_ok) {
		p->iommu = TRI_NO;
		p->iommu_evidence = "sys/class/iommu and sys/kernel/iommu_groups are empty";
	} else if (units_ok) {
		/* An active IOMMU registers its units (dmarN, ivhdN) in sys/class/iommu. */
		p->iommu = TRI_NO;
		p->iommu_evidence = "sys/class/iommu is empty (no IOMMU unit registered)";
	} else if (off_raw) {
		p->iommu = TRI_NO;
		p->iommu_evidence = arena_printf(a, "the command line turns the IOMMU off (%s)", off_raw);
	} else if (vfio_row && !noiommu) {
		p->iommu = TRI_YES;
		p->iommu_evidence = arena_printf(a, "/proc/interrupts has vfio-pci interrupts (IRQ %d %s): vfio-pci binds "
						 "only devices in an IOMMU group (no sign of its unsafe no-IOMMU mode)",
						 vfio_row->number, vfio_row->action[0]);
	} else if (klog_find(k, KLOG_DMAR_VTD_INIT)) {
		/* Only the VT-d init line proves DMA remapping: the DMAR table lines
		 * ("dmarN: reg_base_addr") are printed with the IOMMU off too. */
		p->iommu = TRI_YES;
		p->iommu_evidence = "kernel log: Intel VT-d DMA remapping initialised";
	} else if (klog_find(k, KLOG_AMDVI_FOUND)) {
		p->iommu = TRI_YES;
		p->iommu_evidence = "kernel log: AMD-Vi IOMMU found";
	} else if (h->has_klog && h->klog.has_boot_start) {
		p->iommu = TRI_NO;
		if (klog_find(k, KLOG_DMAR_IOMMU_ON_ECHO) && !klog_find(k, KLOG_DMAR_TABLE))
			p->iommu_evidence = "the boot log echoes intel_iommu=on (\"DMAR: IOMMU enabled\") but has no DMAR "
					    "table (no \"DMAR: Host address width\"/DRHD lines): nothing to enable";
		else
			p->iommu_evidence = "the boot log has no DMAR (VT-d) or AMD-Vi initialisation";
	} else {
		p->iommu = TRI_UNKNOWN;
		p->iommu_evidence = iommu_unknown_why(h, maybe_raw, dmar_rows);
	}
	if (p->iommu == TRI_NO && p->iommu_vendor == IOMMU_VENDOR_UNKNOWN)
		p->iommu_vendor = IOMMU_VENDOR_NONE;
	const struct klog_event *dd = klog_find(k, KLOG_IOMMU_DEFAULT_DOMAIN);
	if (dd && dd->arg)
		p->default_domain = dd->arg;
}

static void ir_verdict(struct host *h)
{
	struct platform *p = &h->platform;
	struct arena *a = &h->arena;
	const struct klog *k = &h->klog;
	for (int i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		if (q->is_arch)
			continue;
		switch (q->chip_kind) {
		case CHIP_IOAPIC:
		case CHIP_PCI_MSI:
		case CHIP_PCI_MSIX:
		case CHIP_HPET:
			if (q->remapped)
				p->remapped_irqs++;
			else
				p->unremapped_irqs++;
			break;
		case CHIP_ITS:
			p->remapped_irqs++;
			break;
		default:
			break;
		}
	}
	const struct klog_event *ir_on = klog_find(k, KLOG_DMAR_IR_ENABLED);
	const struct klog_event *amd_on = klog_find(k, KLOG_AMDVI_IR_ENABLED);
	const struct klog_event *off_msg = NULL;
	static const enum klog_kind off_kinds[] = { KLOG_DMAR_IR_ERRATUM, KLOG_DMAR_IR_NOT_ENABLING,
						    KLOG_DMAR_IR_FAILED, KLOG_DMAR_IR_NO_IOAPIC_IOMMU,
						    KLOG_AMDVI_IR_DISABLING };
	for (size_t i = 0; i < sizeof(off_kinds) / sizeof(off_kinds[0]) && !off_msg; i++)
		off_msg = klog_find(k, off_kinds[i]);
	bool intremap_off = cmdline_word(h, "intremap", "off") || (h->has_cmdline && cmdline_get(&h->cmdline, "nointremap"));

	if (p->remapped_irqs > 0) {
		p->interrupt_remapping = TRI_YES;
		bool its = false;
		for (int i = 0; i < h->nirqs && !its; i++)
			its = h->irqs[i].chip_kind == CHIP_ITS;
		p->ir_evidence = arena_printf(a, its ? "%d IRQ(s) translated by the GIC ITS (MSI isolation)"
						     : "%d IRQ(s) on remapped (IR-) chips in /proc/interrupts", p->remapped_irqs);
	} else if (ir_on || amd_on) {
		p->interrupt_remapping = TRI_YES;
		p->ir_evidence = arena_printf(a, "kernel log: %s", (ir_on ? ir_on : amd_on)->text);
	} else if (p->unremapped_irqs > 0) {
		p->interrupt_remapping = TRI_NO;
		p->ir_evidence = arena_printf(a, "%d IRQ(s) on IO-APIC/PCI-MSI chips, none remapped (no IR- prefix)",
					      p->unremapped_irqs);
	} else if (intremap_off) {
		p->interrupt_remapping = TRI_NO;
		p->ir_evidence = "intremap=off on the command line";
	} else if (off_msg) {
		p->interrupt_remapping = TRI_NO;
		p->ir_evidence = arena_printf(a, "kernel log: %s", off_msg->text);
	} else {
		p->interrupt_remapping = TRI_UNKNOWN;
		p->ir_evidence = h->has_interrupts ? "no IO-APIC/MSI interrupts and no remapping message in the kernel log"
				 : h->has_klog ? "/proc/interrupts not read and no remapping message in the kernel log"
					       : "/proc/interrupts and the kernel log not read";
	}

	/* Mode: x2APIC or xAPIC. */
	if (p->interrupt_remapping == TRI_NO) {
		p->ir_mode = IR_MODE_NONE;
	} else if (ir_on && ir_on->arg) {
		p->ir_mode = !strcmp(ir_on->arg, "x2apic") ? IR_MODE_X2APIC : !strcmp(ir_on->arg, "xapic") ? IR_MODE_XAPIC : IR_MODE_UNKNOWN;
	} else if (amd_on) {
		if (klog_find(k, KLOG_AMDVI_X2APIC))
			p->ir_mode = IR_MODE_X2APIC;
		else if (h->klog.has_boot_start)
			p->ir_mode = IR_MODE_XAPIC;
	} else if (klog_find(k, KLOG_DMAR_IR_X2APIC_OPTOUT) || klog_find(k, KLOG_X2APIC_IR_UNSUPPORTED)) {
		p->ir_mode = IR_MODE_XAPIC;
	}
	if (klog_find(k, KLOG_X2APIC_ENABLED))
		p->x2apic = TRI_YES;
	else if (klog_find(k, KLOG_X2APIC_DISABLED) || klog_find(k, KLOG_X2APIC_IR_UNSUPPORTED))
		p->x2apic = TRI_NO;
	else if (p->ir_mode == IR_MODE_X2APIC)
		p->x2apic = TRI_YES;
}

void build_platform_late(struct host *h, const struct source *src)
{
	read_modules(h, src);
	iommu_verdict(h, src);
	ir_verdict(h);
	struct platform *p = &h->platform;
	for (int i = 0; i < h->ndevs; i++)
		if (h->devs[i].is_vfio)
			p->vfio_devices++;
	const struct klog_event *hv = klog_find(&h->klog, KLOG_HYPERVISOR);
	if (hv && !p->is_virtual)
		p->is_virtual = true;	/* "Hypervisor detected: KVM" when proc/cpuinfo was not captured */
	const char *m;
	if (!host_read_str(h, src, "proc/irq/default_smp_affinity", &m) &&
	    !cpuset_parse_mask(&p->default_smp_affinity, &h->arena, m, strlen(m)))
		p->has_default_affinity = true;
	if (!p->arch) {
		/* A snapshot without proc/sys/kernel/arch: the chips tell. */
		for (int i = 0; i < h->nirqs && !p->arch; i++) {
			enum irq_chip_kind c = h->irqs[i].chip_kind;
			if (c == CHIP_IOAPIC || c == CHIP_DMAR || c == CHIP_HPET || c == CHIP_XTPIC)
				p->arch = "x86_64";
			else if (c == CHIP_GIC || c == CHIP_ITS)
				p->arch = "arm";
		}
		if (!p->arch && host_irq_by_name(h, "LOC"))
			p->arch = "x86_64";
	}
}

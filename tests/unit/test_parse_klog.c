/*
 * parse/klog on real kernel logs (tests/unit/data/parse/README.md): every kind the
 * header lists that a real log in the corpus has, in every prefix shape the logs come
 * in (/dev/kmsg records, dmesg timestamps, "<6>", journal "kernel:", a hostname, none,
 * CRLF). Kinds no captured log has are checked on the message texts of
 * docs/kernel-interfaces.md §6.1, marked as such. Then bad input.
 */
#include "t.h"

#include <errno.h>

#include "bad.h"
#include "parse/klog.h"
#include "util/arena.h"
#include "util/buf.h"

#define DK "tests/unit/data/parse/dmesg/"

struct kl {
	struct buf b;
	struct arena a;
	struct klog k;
};

static void kl_load(struct kl *l, const char *file)
{
	char path[512];
	memset(l, 0, sizeof(*l));
	snprintf(path, sizeof(path), DK "%s", file);
	t_read(path, &l->b);
	CHECK_INT(parse_klog(l->b.data, l->b.len, &l->a, &l->k), 0);
}

static void kl_free(struct kl *l)
{
	buf_free(&l->b);
	arena_free(&l->a);
}

static const struct klog_event *nth(const struct klog *k, enum klog_kind kind, size_t n)
{
	for (size_t i = 0; i < k->nevents; i++)
		if (k->events[i].kind == kind && n-- == 0)
			return &k->events[i];
	return NULL;
}

/* The n-th event of kind is on line_no and its text is text (arg when given). */
#define EV(k, kind, n, line, txt, argv)                                                          \
	do {                                                                                     \
		const struct klog_event *e_ = nth(k, kind, n);                                   \
		if (!e_) {                                                                       \
			t_fail(__FILE__, __LINE__, "no event %s #%d", klog_kind_name(kind), (int)(n)); \
			break;                                                                   \
		}                                                                                \
		CHECK_INT(e_->line_no, line);                                                    \
		if (txt)                                                                         \
			CHECK_STR(e_->text, (const char *)(txt));                                \
		if (argv)                                                                        \
			CHECK_STR(e_->arg, (const char *)(argv));                                \
	} while (0)

static const char *const NOARG = NULL;

/* The only event's arg, or a marker when there is not exactly one event. */
static const char *arg1(const struct klog *k)
{
	if (k->nevents != 1)
		return "(not one event)";
	return k->events[0].arg ? k->events[0].arg : "(null)";
}

TEST(klog_intel_xapic_optout_journal_prefix)
{
	/* Dell XPS 13 7390, Ubuntu 5.15, journal lines "[    0.156581] kernel: DMAR-IR: ..." */
	struct kl l;
	kl_load(&l, "intel-dell-xps13-7390-5.15-dmar-ir-xapic-bios-x2apic-optout-full.txt");
	CHECK_INT(l.k.nlines, 1210);
	CHECK(l.k.has_boot_start);
	CHECK_INT(l.k.nevents, 17);	/* + smpboot: Allowing N CPUs */
	EV(&l.k, KLOG_CMDLINE, 0, 3, NOARG,
	   "BOOT_IMAGE=/vmlinuz-5.15.0-41-generic root=/dev/mapper/vgubuntu-root ro quiet splash "
	   "mem_sleep_default=deep vt.handoff=7");
	EV(&l.k, KLOG_UNKNOWN_PARAMS, 0, 200, NOARG, "splash BOOT_IMAGE=/vmlinuz-5.15.0-41-generic");
	CHECK_INT(klog_count(&l.k, KLOG_DMAR_TABLE), 4);	/* Host address width + 3 DRHDs */
	CHECK_INT(klog_count(&l.k, KLOG_DMAR_UNIT), 3);
	EV(&l.k, KLOG_DMAR_TABLE, 0, 222, "DMAR: Host address width 39", NOARG);
	EV(&l.k, KLOG_DMAR_UNIT, 2, 228,
	   "DMAR: dmar2: reg_base_addr fed91000 ver 1:0 cap d2008c40660462 ecap f050da", NOARG);
	EV(&l.k, KLOG_DMAR_IR_X2APIC_OPTOUT, 0, 233,
	   "DMAR-IR: x2apic is disabled because BIOS sets x2apic opt out bit.", NOARG);
	EV(&l.k, KLOG_DMAR_IR_ENABLED, 0, 235, "DMAR-IR: Enabled IRQ remapping in xapic mode", "xapic");
	EV(&l.k, KLOG_X2APIC_IR_UNSUPPORTED, 0, 236, "x2apic: IRQ remapping doesn't support X2APIC mode", NOARG);
	EV(&l.k, KLOG_IOMMU_DEFAULT_DOMAIN, 0, 461, "iommu: Default domain type: Translated", "Translated");
	EV(&l.k, KLOG_DMAR_FORCE_ON, 0, 566, "DMAR: Intel-IOMMU force enabled due to platform opt in", NOARG);
	EV(&l.k, KLOG_DMAR_VTD_INIT, 0, 608, "DMAR: Intel(R) Virtualization Technology for Directed I/O", NOARG);
	CHECK(!klog_find(&l.k, KLOG_X2APIC_ENABLED));
	CHECK(!klog_find(&l.k, KLOG_DMAR_IOMMU_ON_ECHO));
	kl_free(&l);
}

TEST(klog_intel_r520_xapic_no_vtd)
{
	struct kl l;
	kl_load(&l, "intel-dell-r520-48cpu-el7-5.1-dmar-ir-xapic-bios-x2apic-optout-full.txt");
	CHECK_INT(l.k.nevents, 11);	/* + smpboot: Allowing N CPUs */
	CHECK_INT(klog_count(&l.k, KLOG_DMAR_UNIT), 2);
	EV(&l.k, KLOG_DMAR_IR_X2APIC_OPTOUT, 0, 268, NOARG, NOARG);
	EV(&l.k, KLOG_DMAR_IR_ENABLED, 0, 270, NOARG, "xapic");
	EV(&l.k, KLOG_X2APIC_IR_UNSUPPORTED, 0, 271, NOARG, NOARG);
	/* No intel_iommu=on and no VT-d init line: DMA remapping is off, IR is on. */
	CHECK(!klog_find(&l.k, KLOG_DMAR_VTD_INIT));
	CHECK(!klog_find(&l.k, KLOG_DMAR_IOMMU_ON_ECHO));
	kl_free(&l);
}

TEST(klog_intel_x2apic_syslog_level_prefix)
{
	/* ChromeOS: every line "<6>[    0.086739] ..." */
	struct kl l;
	kl_load(&l, "intel-chromebook-alderlake-n-dmar-ir-x2apic-enabled-full.txt");
	CHECK_INT(l.k.nlines, 1007);
	CHECK(l.k.has_boot_start);
	CHECK_INT(l.k.nevents, 14);	/* + smpboot: Allowing N CPUs */
	EV(&l.k, KLOG_DMAR_IOMMU_ON_ECHO, 0, 103, "DMAR: IOMMU enabled", NOARG);
	EV(&l.k, KLOG_DMAR_TABLE, 0, 131, "DMAR: Host address width 39", NOARG);
	CHECK_INT(klog_count(&l.k, KLOG_DMAR_UNIT), 2);
	EV(&l.k, KLOG_DMAR_IR_ENABLED, 0, 140, "DMAR-IR: Enabled IRQ remapping in x2apic mode", "x2apic");
	EV(&l.k, KLOG_X2APIC_ENABLED, 0, 141, "x2apic enabled", NOARG);
	EV(&l.k, KLOG_IOMMU_DEFAULT_DOMAIN, 0, 318, NOARG, "Translated");
	EV(&l.k, KLOG_DMAR_VTD_INIT, 0, 419, NOARG, NOARG);
	kl_free(&l);
}

TEST(klog_intel_gce_echo_without_table_hypervisor)
{
	struct kl l;
	kl_load(&l, "intel-gce-vm-ocp-4.18-dmar-iommu-enabled-no-dmar-table-x2apic-no-ir-full.txt");
	CHECK_INT(l.k.nevents, 7);	/* + smpboot: Allowing N CPUs */
	EV(&l.k, KLOG_HYPERVISOR, 0, 27, "Hypervisor detected: KVM", "KVM");
	EV(&l.k, KLOG_DMAR_IOMMU_ON_ECHO, 0, 151, NOARG, NOARG);
	EV(&l.k, KLOG_X2APIC_ENABLED, 0, 172, NOARG, NOARG);
	EV(&l.k, KLOG_IOMMU_DEFAULT_DOMAIN, 0, 277, "iommu: Default domain type: Passthrough (set via kernel command line)",
	   "Passthrough");
	CHECK_INT(klog_count(&l.k, KLOG_DMAR_TABLE), 0);
	CHECK(!klog_find(&l.k, KLOG_DMAR_IR_ENABLED));
	kl_free(&l);
}

TEST(klog_intel_erratum_excerpt_and_grep)
{
	struct kl l;
	/* HP DL380 G6 (5520 IOH): the erratum warning; its 4 unprefixed lines are no events */
	kl_load(&l, "intel-hp-dl380-g6-5520-5.15-dmar-ir-bios-erratum-ir-disabled-excerpt.txt");
	CHECK_INT(l.k.nlines, 10);
	CHECK(!l.k.has_boot_start);
	CHECK_INT(l.k.nevents, 1);
	EV(&l.k, KLOG_DMAR_IR_ERRATUM, 0, 4, "DMAR-IR: This system BIOS has enabled interrupt remapping", NOARG);
	kl_free(&l);

	/* grep DMAR -e IOMMU: IR on in x2apic mode, no VT-d; "AMD-Vi: AMD IOMMUv2 functionality
	 * not available" is not an AMD IOMMU found */
	kl_load(&l, "intel-laptop-dmar-ir-x2apic-enabled-but-no-dma-remapping-vfio-probe-fails-grep-excerpt.txt");
	CHECK_INT(l.k.nevents, 4);
	EV(&l.k, KLOG_DMAR_UNIT, 0, 5, NOARG, NOARG);
	EV(&l.k, KLOG_DMAR_IR_ENABLED, 0, 9, NOARG, "x2apic");
	CHECK(!klog_find(&l.k, KLOG_AMDVI_FOUND));
	CHECK(!klog_find(&l.k, KLOG_DMAR_VTD_INIT));
	kl_free(&l);
}

TEST(klog_intel_q45_hostname_prefix_and_rhel5_bare_lines)
{
	struct kl l;
	/* "[    0.000000] lit.home.arpa kernel: ...", 4 units with ecap 1000 (no IR) */
	kl_load(&l, "intel-q45-hp-compaq-8000-dmar-ecap-no-ir-support-full.txt");
	CHECK_INT(l.k.nevents, 14);	/* + smpboot: Allowing N CPUs */
	EV(&l.k, KLOG_CMDLINE, 0, 2, NOARG, NOARG);
	CHECK(!strncmp(klog_find(&l.k, KLOG_CMDLINE)->arg, "BOOT_IMAGE=../vmlinuz-linux-hpe8k root=/dev/sda2 rw", 51));
	CHECK_INT(klog_count(&l.k, KLOG_DMAR_UNIT), 4);
	EV(&l.k, KLOG_DMAR_UNIT, 3, 125,
	   "DMAR: dmar3: reg_base_addr fed93000 ver 1:0 cap c9008020630272 ecap 1000", NOARG);
	CHECK(!klog_find(&l.k, KLOG_DMAR_IR_ENABLED));
	kl_free(&l);

	/* RHEL5 2.6.18: no timestamps at all, old "DMAR:Host address width" without a space */
	kl_load(&l, "intel-sun-8cpu-rhel5-2.6.18-dmar-unknown-structure-full.txt");
	CHECK(l.k.has_boot_start);
	CHECK_INT(l.k.nevents, 3);
	EV(&l.k, KLOG_CMDLINE, 0, 2, "Command line: ro root=/dev/VolGroup00/LogVol00 rhgb quiet",
	   "ro root=/dev/VolGroup00/LogVol00 rhgb quiet");
	EV(&l.k, KLOG_CMDLINE, 1, 102, NOARG, "ro root=/dev/VolGroup00/LogVol00 rhgb quiet");
	EV(&l.k, KLOG_DMAR_TABLE, 0, 257, "DMAR:Host address width 40", NOARG);
	kl_free(&l);
}

TEST(klog_amd_epyc_crlf)
{
	/* Supermicro H13 (2x EPYC Genoa), published with CRLF line endings. */
	struct kl l;
	kl_load(&l, "amd-epyc-genoa-2s-384cpu-supermicro-h13dsg-8-iommus-ir-x2apic-full.txt");
	CHECK(strstr(l.b.data, "\r\n") != NULL);
	CHECK_INT(l.k.nlines, 2955);
	CHECK(l.k.has_boot_start);
	CHECK_INT(l.k.nevents, 11);	/* + smpboot: Allowing N CPUs */
	EV(&l.k, KLOG_X2APIC_ENABLED, 0, 149, "x2apic: enabled by BIOS, switching to x2apic ops", NOARG);
	EV(&l.k, KLOG_AMDVI_FOUND, 0, 808, "AMD-Vi: Using global IVHD EFR:0x25bf732fa2295afe, EFR2:0x1d", NOARG);
	EV(&l.k, KLOG_AMDVI_FOUND, 1, 1832,
	   "AMD-Vi: Extended features (0x25bf732fa2295afe, 0x1d): PPR X2APIC NX GT [5] IA GA PC GA_vAPIC", NOARG);
	EV(&l.k, KLOG_AMDVI_IR_ENABLED, 0, 1833, "AMD-Vi: Interrupt remapping enabled", NOARG);
	EV(&l.k, KLOG_AMDVI_X2APIC, 0, 1834, "AMD-Vi: X2APIC enabled", NOARG);
	EV(&l.k, KLOG_AMDVI_VAPIC, 0, 1835, "AMD-Vi: Virtual APIC enabled", NOARG);
	EV(&l.k, KLOG_IOMMU_DEFAULT_DOMAIN, 0, 1438, "iommu: Default domain type: Translated", "Translated");
	/* No '\r' survives into texts and args */
	for (size_t i = 0; i < l.k.nevents; i++) {
		CHECK(!strchr(l.k.events[i].text, '\r'));
		CHECK(!l.k.events[i].arg || !strchr(l.k.events[i].arg, '\r'));
	}
	const char *cl = klog_find(&l.k, KLOG_CMDLINE)->arg;
	CHECK(strlen(cl) > 10 && !strcmp(cl + strlen(cl) - 10, "rhgb quiet"));
	kl_free(&l);
}

TEST(klog_amd_old_and_grep_and_bad_option)
{
	struct kl l;
	/* Arch 4.4: old "Found IOMMU at" and "AMD-Vi:  Extended features:" (two spaces) */
	kl_load(&l, "amd-msi-ms7721-fm2-a75-4.4-amd-vi-found-iommu-ir-enabled-full.txt");
	CHECK_INT(l.k.nevents, 6);	/* + smpboot: Allowing N CPUs */
	EV(&l.k, KLOG_AMDVI_FOUND, 0, 464, "AMD-Vi: Found IOMMU at 0000:00:00.2 cap 0x40", NOARG);
	EV(&l.k, KLOG_AMDVI_FOUND, 1, 465, "AMD-Vi:  Extended features:  PreF PPR GT IA", NOARG);
	EV(&l.k, KLOG_AMDVI_IR_ENABLED, 0, 466, NOARG, NOARG);
	CHECK(!klog_find(&l.k, KLOG_AMDVI_X2APIC));
	kl_free(&l);

	/* grep AMD-Vi on a Ryzen laptop: "pci 0000:00:00.2: AMD-Vi: Found IOMMU cap 0x40"; IR on
	 * without X2APIC; the "ivrs, add hid" and "performance counters" lines are no events */
	kl_load(&l, "amd-ryzen-laptop-amd-vi-ir-enabled-efr-without-x2apic-grep-excerpt.txt");
	CHECK(!l.k.has_boot_start);
	CHECK_INT(l.k.nevents, 5);
	CHECK_INT(klog_count(&l.k, KLOG_AMDVI_FOUND), 3);
	EV(&l.k, KLOG_AMDVI_FOUND, 1, 7, "pci 0000:00:00.2: AMD-Vi: Found IOMMU cap 0x40", NOARG);
	EV(&l.k, KLOG_AMDVI_IR_ENABLED, 0, 9, NOARG, NOARG);
	EV(&l.k, KLOG_AMDVI_VAPIC, 0, 10, NOARG, NOARG);
	CHECK(!klog_find(&l.k, KLOG_AMDVI_X2APIC));
	kl_free(&l);

	/* Proxmox 6.5 with amd_iommu=on (not a valid value); the ring buffer lost the boot start */
	kl_load(&l, "amd-ryzen7-5700u-proxmox-amd-vi-ir-x2apic-enabled-bad-option-on-full.txt");
	CHECK(!l.k.has_boot_start);
	CHECK_INT(l.k.nevents, 11);	/* + smpboot: Allowing N CPUs */
	EV(&l.k, KLOG_CMDLINE, 0, 61, NOARG, NOARG);
	CHECK(strstr(klog_find(&l.k, KLOG_CMDLINE)->arg, "amd_iommu=on iommu=pt") != NULL);
	EV(&l.k, KLOG_AMDVI_UNKNOWN_OPTION, 0, 62, "AMD-Vi: Unknown option - 'on'", "on");
	EV(&l.k, KLOG_UNKNOWN_PARAMS, 0, 65, NOARG, "BOOT_IMAGE=/boot/vmlinuz-6.5.13-1-pve");
	EV(&l.k, KLOG_IOMMU_DEFAULT_DOMAIN, 0, 332, NOARG, "Passthrough");
	EV(&l.k, KLOG_AMDVI_IR_ENABLED, 0, 484, NOARG, NOARG);
	EV(&l.k, KLOG_AMDVI_X2APIC, 0, 485, NOARG, NOARG);
	EV(&l.k, KLOG_AMDVI_VAPIC, 0, 486, NOARG, NOARG);
	CHECK_INT(klog_count(&l.k, KLOG_AMDVI_FOUND), 3);	/* "AMD IOMMUv2 loaded" is not one */
	kl_free(&l);

	/* IOMMU off in firmware: no AMD-Vi line at all */
	kl_load(&l, "amd-fx8350-sabertooth-990fx-proxmox-5.15-iommu-disabled-in-bios-no-amd-vi-excerpt.txt");
	CHECK_INT(l.k.nlines, 27);
	CHECK_INT(l.k.nevents, 0);
	kl_free(&l);
}

TEST(klog_msi_fallback_lab_e1000e)
{
	/* Debian 6.1 with pci=nomsi under QEMU (tests/hosts/lab-6.1-nomsi) */
	struct kl l;
	kl_load(&l, "lab-6.1-nomsi-qemu-e1000e-msi-fallback.txt");
	CHECK_INT(klog_count(&l.k, KLOG_MSI_FALLBACK), 2);
	EV(&l.k, KLOG_MSI_FALLBACK, 0, 364,
	   "e1000e 0000:00:04.0 0000:00:04.0 (uninitialized): Failed to initialize MSI-X interrupts.  "
	   "Falling back to MSI interrupts.",
	   "0000:00:04.0");
	EV(&l.k, KLOG_MSI_FALLBACK, 1, 365, NOARG, "0000:00:04.0");
	CHECK(strstr(klog_find(&l.k, KLOG_CMDLINE)->arg, "pci=nomsi") != NULL);
	kl_free(&l);
}

TEST(klog_dev_kmsg_records)
{
	/* /dev/kmsg of this project's dev machine (6.18): "pri,seq,usec,flags;text" and
	 * continuation lines " SUBSYSTEM=acpi" */
	struct kl l;
	kl_load(&l, "live-firecracker-6.18-dev-kmsg-records.txt");
	CHECK(!strncmp(l.b.data, "5,0,0,-;Linux version 6.18.44", 29));
	CHECK_INT(l.k.nlines, 415);
	CHECK(l.k.has_boot_start);
	CHECK_INT(l.k.nevents, 6);	/* + smpboot: Allowing N CPUs */
	EV(&l.k, KLOG_CMDLINE, 0, 2, NOARG, NOARG);
	CHECK(!strncmp(klog_find(&l.k, KLOG_CMDLINE)->arg, "console=ttyS0 quiet reboot=k panic=1", 36));
	EV(&l.k, KLOG_HYPERVISOR, 0, 13, "Hypervisor detected: KVM", "KVM");
	EV(&l.k, KLOG_X2APIC_ENABLED, 0, 107, "x2apic enabled", NOARG);
	EV(&l.k, KLOG_IOMMU_DEFAULT_DOMAIN, 0, 256, NOARG, "Translated");
	kl_free(&l);
}

/* Messages from kernel-interfaces.md §6.1 that no captured log has, in several prefix shapes. */
TEST(klog_documented_messages_every_prefix)
{
	static const struct {
		enum klog_kind kind;
		const char *msg;
		const char *arg;
		int irq;
	} m[] = {
		{ KLOG_DMAR_IOMMU_OFF_ECHO, "DMAR: IOMMU disabled", NULL, -1 },
		{ KLOG_DMAR_IR_NO_EIM, "DMAR-IR: dmar1 does not support EIM", "dmar1", -1 },
		{ KLOG_DMAR_IR_NOT_ENABLING, "DMAR-IR: Not enabling interrupt remapping", NULL, -1 },
		{ KLOG_DMAR_IR_FAILED, "DMAR-IR: Failed to enable irq remapping. You are vulnerable to irq-injection attacks.", NULL, -1 },
		{ KLOG_DMAR_IR_NO_IOAPIC_IOMMU, "[Firmware Bug]: ioapic 8 has no mapping iommu, interrupt remapping will be disabled", NULL, -1 },
		{ KLOG_DMAR_IR_PREENABLED, "DMAR-IR: IRQ remapping was enabled on dmar0 but we are not in kdump mode", NULL, -1 },
		{ KLOG_AMDVI_IR_DISABLING, "AMD-Vi: Disabling interrupt remapping", NULL, -1 },
		{ KLOG_X2APIC_DISABLED, "x2apic disabled", NULL, -1 },
		{ KLOG_VFIO_NO_IR, "vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param "
				   "\"allow_unsafe_interrupts\" to enable VFIO IOMMU support on this platform", NULL, -1 },
		{ KLOG_IOMMUFD_MSI_INSECURE, "iommufd: MSI interrupts are not secure, they cannot be isolated by the platform. "
					     "Check that platform features like interrupt remapping are enabled.", NULL, -1 },
		{ KLOG_IRQ_NOBODY_CARED, "irq 16: nobody cared (try booting with the \"irqpoll\" option)", NULL, 16 },
		{ KLOG_IRQ_DISABLING, "Disabling IRQ #16", NULL, 16 },
		{ KLOG_VECTOR_EXHAUSTED, "Affinity broken due to vector space exhaustion.", NULL, -1 },
		{ KLOG_KVM_AVIC, "kvm_amd: AVIC enabled", NULL, -1 },
		{ KLOG_IOMMU_DEFAULT_DOMAIN, "iommu: Default domain type: Translated ", "Translated", -1 },
	};
	static const struct {
		const char *pre, *post;
	} shapes[] = {
		{ "", "" },
		{ "[   12.345678] ", "" },
		{ "6,1234,12345678,-;", "" },
		{ "4,99,0,c;", "" },
		{ "<6>", "" },
		{ "<4>[    0.268774] ", "" },
		{ "Dec  1 18:01:02 host kernel: ", "" },
		{ "Dec 01 18:01:02 host.example kernel: [    2.314523] ", "" },
		{ "[    0.156578] kernel: ", "" },
		{ "", "\r" },
	};
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
			struct arena a = { 0 };
			struct klog k;
			char line[512];
			snprintf(line, sizeof(line), "%s%s%s", shapes[s].pre, m[i].msg, shapes[s].post);
			CHECK_INT(parse_klog(line, strlen(line), &a, &k), 0);
			CHECK_INT(k.nlines, 1);
			if (k.nevents != 1) {
				t_fail(__FILE__, __LINE__, "'%s': %zu events", line, k.nevents);
				arena_free(&a);
				continue;
			}
			CHECK_INT(k.events[0].kind, m[i].kind);
			CHECK_INT(k.events[0].irq, m[i].irq);
			CHECK_INT(k.events[0].line_no, 1);
			if (m[i].arg)
				CHECK_STR(k.events[0].arg, m[i].arg);
			/* the prefix is gone, the message is whole (trailing blanks trimmed) */
			size_t ml = strlen(m[i].msg);
			while (ml && m[i].msg[ml - 1] == ' ')
				ml--;
			if (strlen(k.events[0].text) != ml || strncmp(k.events[0].text, m[i].msg, ml))
				t_fail(__FILE__, __LINE__, "'%s': text '%s'", line, k.events[0].text);
			arena_free(&a);
		}
	}
	/* Not an event: the SVM x2AVIC line alone, a MSI-X vector limit, IOMMUv2 */
	static const char *const quiet[] = {
		"i40e 0000:02:00.0: MSI-X vector limit reached, attempting to redistribute vectors",
		"AMD-Vi: AMD IOMMUv2 loaded and initialized",
		"DMAR-IR: Queued invalidation will be enabled to support x2apic and Intr-remapping.",
		"AVIC enabled",
	};
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
		struct arena a = { 0 };
		struct klog k;
		parse_klog(quiet[i], strlen(quiet[i]), &a, &k);
		CHECK_INT(k.nevents, 0);
		arena_free(&a);
	}
	CHECK_STR(klog_kind_name(KLOG_DMAR_IR_ENABLED), "dmar-ir-enabled");
	CHECK_STR(klog_kind_name(KLOG_KIND_COUNT), "?");
	CHECK_STR(klog_kind_name((enum klog_kind)-1), "?");
	for (int kk = 0; kk < KLOG_KIND_COUNT; kk++)
		CHECK(strcmp(klog_kind_name((enum klog_kind)kk), "?") != 0);
}

TEST(klog_bad_input)
{
	struct arena a = { 0 };
	struct klog k;
	CHECK_INT(parse_klog("", 0, &a, &k), 0);
	CHECK_INT(k.nlines, 0);
	CHECK_INT(k.nevents, 0);
	CHECK(!k.has_boot_start);
	CHECK(!klog_find(&k, KLOG_CMDLINE));
	CHECK_INT(klog_count(&k, KLOG_CMDLINE), 0);
	CHECK_INT(parse_klog("\n\n\r\n", 4, &a, &k), 0);
	CHECK_INT(k.nlines, 3);
	CHECK_INT(k.nevents, 0);

	/* IRQ numbers that are no IRQ numbers: negative, past int, past u64, missing */
	static const char *const irqs[] = {
		"irq -5: nobody cared", "irq 2147483648: nobody cared", "irq 99999999999999999999999: nobody cared",
		"irq : nobody cared", ": nobody cared", "Disabling IRQ #", "Disabling IRQ #-1",
		"Disabling IRQ #4294967312", "Disabling IRQ #99999999999999999999999",
	};
	for (size_t i = 0; i < sizeof(irqs) / sizeof(irqs[0]); i++) {
		CHECK_INT(parse_klog(irqs[i], strlen(irqs[i]), &a, &k), 0);
		CHECK_INT(k.nevents, 1);
		if (k.nevents == 1 && k.events[0].irq != -1)
			t_fail(__FILE__, __LINE__, "'%s': irq %d, expected -1", irqs[i], k.events[0].irq);
	}
	CHECK_INT(parse_klog("irq 2147483647: nobody cared", 28, &a, &k), 0);
	CHECK_INT(k.nevents, 1);
	CHECK_INT(k.nevents == 1 ? k.events[0].irq : -2, 2147483647);

	/* Truncated: in the middle of a needle (no event), right after it (empty arg) */
	static const char t1[] = "[    0.093000] DMAR-IR: Enabled IRQ remapping in x2a";
	CHECK_INT(parse_klog(t1, sizeof(t1) - 1, &a, &k), 0);
	CHECK_STR(arg1(&k), "x2a");
	/* cut right after the needle's last space: the line is trimmed, so no event */
	static const char t2[] = "[    0.093000] DMAR-IR: Enabled IRQ remapping in ";
	CHECK_INT(parse_klog(t2, sizeof(t2) - 1, &a, &k), 0);
	CHECK_INT(k.nevents, 0);
	static const char t3[] = "[    0.093000] DMAR-IR: Enabled IRQ remap";
	CHECK_INT(parse_klog(t3, sizeof(t3) - 1, &a, &k), 0);
	CHECK_INT(k.nevents, 0);
	static const char t4[] = "AMD-Vi: Unknown option - '";
	CHECK_INT(parse_klog(t4, sizeof(t4) - 1, &a, &k), 0);
	CHECK_STR(arg1(&k), "");
	static const char t5[] = "<6";
	CHECK_INT(parse_klog(t5, sizeof(t5) - 1, &a, &k), 0);
	static const char t6[] = "[    0.0";
	CHECK_INT(parse_klog(t6, sizeof(t6) - 1, &a, &k), 0);
	static const char t7[] = "6,1234,5";
	CHECK_INT(parse_klog(t7, sizeof(t7) - 1, &a, &k), 0);

	/* Every cut of a real log keeps the events of the lines before the cut. */
	struct buf b = { 0 };
	t_read(DK "intel-laptop-dmar-ir-x2apic-enabled-but-no-dma-remapping-vfio-probe-fails-grep-excerpt.txt", &b);
	int odd = 0;
	for (size_t cut = 0; cut <= b.len; cut++) {
		struct klog kc;
		parse_klog(b.data, cut, &a, &kc);
		size_t whole = 0;
		for (size_t i = 0; i < cut; i++)
			if (b.data[i] == '\n')
				whole++;
		/* line 9 is the last event line; after it is whole, 4 events */
		if (kc.nevents > 4 || (whole >= 9 && kc.nevents != 4))
			odd++;
	}
	CHECK_INT(odd, 0);
	buf_reset(&b);

	/* Garbage: random bytes, a real log with NULs */
	bad_random(&b, 4 << 20, 42);
	CHECK_INT(parse_klog(b.data, b.len, &a, &k), 0);
	buf_reset(&b);
	struct buf real = { 0 };
	t_read(DK "intel-chromebook-alderlake-n-dmar-ir-x2apic-enabled-full.txt", &real);
	bad_with_nuls(&b, real.data, real.len, 13);
	CHECK_INT(parse_klog(b.data, b.len, &a, &k), 0);
	CHECK(k.nlines > 900 && k.nlines <= 1007);	/* some newlines became NULs */
	buf_free(&real);
	buf_reset(&b);

	/* One 10 MB line: no newline, a message at its end, a huge command line */
	bad_long_line(&b, "", "x", BAD_LONG);
	CHECK_INT(parse_klog(b.data, b.len, &a, &k), 0);
	CHECK_INT(k.nlines, 1);
	CHECK_INT(k.nevents, 0);
	buf_reset(&b);
	bad_long_line(&b, "[    0.1] ", "y", BAD_LONG);
	buf_puts(&b, " DMAR-IR: Enabled IRQ remapping in x2apic mode");
	CHECK_INT(parse_klog(b.data, b.len, &a, &k), 0);
	CHECK_STR(arg1(&k), "x2apic");
	buf_reset(&b);
	bad_long_line(&b, "Command line: ", "a=1 ", BAD_LONG);
	CHECK_INT(parse_klog(b.data, b.len, &a, &k), 0);
	CHECK_INT(strlen(arg1(&k)), BAD_LONG - 1);	/* "a=1 ... a=1" */
	buf_free(&b);
	arena_free(&a);
}

/* The possible-CPU count from smpboot (≤6.8) and, written from its format in
 * arch/x86/kernel/cpu/topology.c, the 6.9+ "CPU topo:" form. */
TEST(klog_smp_allowing)
{
	struct kl l;
	kl_load(&l, "intel-dell-r520-48cpu-el7-5.1-dmar-ir-xapic-bios-x2apic-optout-full.txt");
	const struct klog_event *e = klog_find(&l.k, KLOG_SMP_ALLOWING);
	CHECK(e != NULL);
	CHECK_INT(e ? e->value : 0, 48);
	CHECK_STR(e ? e->text : "", "smpboot: Allowing 48 CPUs, 24 hotplug CPUs");
	kl_free(&l);
	static const char t[] = "[    0.012] CPU topo: Allowing 8 present CPUs plus 4 hotplug CPUs\n"
				"[    0.013] Allowing 9 CPUs in the cgroup (not smpboot)\n";
	struct arena a = { 0 };
	struct klog k;
	CHECK_INT(parse_klog(t, sizeof(t) - 1, &a, &k), 0);
	CHECK_INT(klog_count(&k, KLOG_SMP_ALLOWING), 1);
	e = klog_find(&k, KLOG_SMP_ALLOWING);
	CHECK_INT(e ? e->value : 0, 12);
	arena_free(&a);
}

/* vfio-pci refused a device: the real ≤5.13 driver-core line (a laptop with DMA remapping
 * off), the 5.14+ form written from drivers/base/dd.c, and QEMU's journal line. */
TEST(klog_vfio_probe_failed)
{
	struct kl l;
	kl_load(&l, "intel-laptop-vfio-pci-probe-failed-error-22-no-iommu-group-excerpt.txt");
	CHECK_INT(l.k.nevents, 1);
	EV(&l.k, KLOG_VFIO_PROBE_FAILED, 0, 2, "vfio-pci: probe of 0000:03:00.0 failed with error -22", "0000:03:00.0");
	CHECK_INT(klog_find(&l.k, KLOG_VFIO_PROBE_FAILED)->value, -22);
	kl_free(&l);
	static const char t[] = "[ 9.1] vfio-pci 0000:41:00.1: probe with driver vfio-pci failed with error -16\n"
				"Dec 05 10:00:00 h qemu-system-x86_64[77]: vfio 0000:03:00.0: no iommu_group found: Invalid argument\n";
	struct arena a = { 0 };
	struct klog k;
	CHECK_INT(parse_klog(t, sizeof(t) - 1, &a, &k), 0);
	CHECK_INT(klog_count(&k, KLOG_VFIO_PROBE_FAILED), 2);
	EV(&k, KLOG_VFIO_PROBE_FAILED, 0, 1, NOARG, "0000:41:00.1");
	CHECK_INT(k.events[0].value, -16);
	EV(&k, KLOG_VFIO_PROBE_FAILED, 1, 2, NOARG, "0000:03:00.0");
	CHECK_INT(k.events[1].value, -22);
	arena_free(&a);
}

#include "parse/klog.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/str.h"

static const char *const kind_names[KLOG_KIND_COUNT] = {
	[KLOG_DMAR_TABLE] = "dmar-table",
	[KLOG_DMAR_UNIT] = "dmar-unit",
	[KLOG_DMAR_IOMMU_ON_ECHO] = "dmar-iommu-enabled-echo",
	[KLOG_DMAR_IOMMU_OFF_ECHO] = "dmar-iommu-disabled-echo",
	[KLOG_DMAR_VTD_INIT] = "dmar-vtd-initialised",
	[KLOG_DMAR_FORCE_ON] = "dmar-force-enabled",
	[KLOG_DMAR_IR_ENABLED] = "dmar-ir-enabled",
	[KLOG_DMAR_IR_X2APIC_OPTOUT] = "dmar-ir-x2apic-optout",
	[KLOG_DMAR_IR_NO_EIM] = "dmar-ir-no-eim",
	[KLOG_DMAR_IR_NOT_ENABLING] = "dmar-ir-not-enabling",
	[KLOG_DMAR_IR_ERRATUM] = "dmar-ir-bios-erratum",
	[KLOG_DMAR_IR_FAILED] = "dmar-ir-failed",
	[KLOG_DMAR_IR_NO_IOAPIC_IOMMU] = "dmar-ir-ioapic-no-iommu",
	[KLOG_DMAR_IR_PREENABLED] = "dmar-ir-preenabled",
	[KLOG_AMDVI_FOUND] = "amdvi-found",
	[KLOG_AMDVI_IR_ENABLED] = "amdvi-ir-enabled",
	[KLOG_AMDVI_X2APIC] = "amdvi-x2apic",
	[KLOG_AMDVI_VAPIC] = "amdvi-vapic",
	[KLOG_AMDVI_IR_DISABLING] = "amdvi-ir-disabling",
	[KLOG_AMDVI_UNKNOWN_OPTION] = "amdvi-unknown-option",
	[KLOG_X2APIC_ENABLED] = "x2apic-enabled",
	[KLOG_X2APIC_DISABLED] = "x2apic-disabled",
	[KLOG_X2APIC_IR_UNSUPPORTED] = "x2apic-ir-unsupported",
	[KLOG_IOMMU_DEFAULT_DOMAIN] = "iommu-default-domain",
	[KLOG_VFIO_NO_IR] = "vfio-no-ir",
	[KLOG_IOMMUFD_MSI_INSECURE] = "iommufd-msi-insecure",
	[KLOG_CMDLINE] = "cmdline",
	[KLOG_UNKNOWN_PARAMS] = "unknown-params",
	[KLOG_IRQ_NOBODY_CARED] = "irq-nobody-cared",
	[KLOG_IRQ_DISABLING] = "irq-disabling",
	[KLOG_VECTOR_EXHAUSTED] = "vector-exhausted",
	[KLOG_MSI_FALLBACK] = "msi-fallback",
	[KLOG_KVM_AVIC] = "kvm-avic",
	[KLOG_HYPERVISOR] = "hypervisor",
	[KLOG_SMP_ALLOWING] = "smp-allowing",
	[KLOG_VFIO_PROBE_FAILED] = "vfio-probe-failed",
};

const char *klog_kind_name(enum klog_kind kind)
{
	return kind >= 0 && kind < KLOG_KIND_COUNT && kind_names[kind] ? kind_names[kind] : "?";
}

/* Strip "<6>", "6,123,4567,-;", "[   0.123]", "Mon dd hh:mm:ss host kernel: ". */
static struct slice strip_prefixes(struct slice s)
{
	for (int round = 0; round < 4; round++) {
		s = slice_trim(s);
		if (s.n && s.p[0] == '<') {
			size_t i = 1;
			while (i < s.n && isdigit((unsigned char)s.p[i]))
				i++;
			if (i > 1 && i < s.n && s.p[i] == '>') {
				s.p += i + 1;
				s.n -= i + 1;
				continue;
			}
		}
		if (s.n && s.p[0] == '[') {
			const char *e = memchr(s.p, ']', s.n < 32 ? s.n : 32);
			if (e) {
				bool ts = true;
				for (const char *q = s.p + 1; q < e; q++)
					if (!isdigit((unsigned char)*q) && *q != '.' && *q != ' ')
						ts = false;
				if (ts) {
					s.n -= (size_t)(e + 1 - s.p);
					s.p = e + 1;
					continue;
				}
			}
		}
		/* /dev/kmsg: "pri,seq,usec,flags[,...];text" */
		if (s.n && isdigit((unsigned char)s.p[0])) {
			const char *semi = memchr(s.p, ';', s.n < 64 ? s.n : 64);
			if (semi) {
				bool ok = true;
				for (const char *q = s.p; q < semi; q++)
					if (!isdigit((unsigned char)*q) && *q != ',' && *q != '-' && *q != 'c')
						ok = false;
				if (ok) {
					s.n -= (size_t)(semi + 1 - s.p);
					s.p = semi + 1;
					continue;
				}
			}
		}
		/* journal / syslog: "... kernel: text" within the first 80 bytes */
		long k = slice_find((struct slice){ s.p, s.n < 96 ? s.n : 96 }, "kernel: ");
		if (k >= 0) {
			s.p += k + 8;
			s.n -= (size_t)k + 8;
			continue;
		}
		break;
	}
	return s;
}

struct matcher {
	enum klog_kind kind;
	const char *needle;
};

/* Order matters only for lines that could match two needles; first match wins. */
static const struct matcher matchers[] = {
	{ KLOG_DMAR_IR_ENABLED, "Enabled IRQ remapping in " },
	{ KLOG_DMAR_IR_X2APIC_OPTOUT, "x2apic is disabled because BIOS sets x2apic opt out bit" },
	{ KLOG_DMAR_IR_NOT_ENABLING, "Not enabling interrupt remapping" },
	{ KLOG_DMAR_IR_ERRATUM, "This system BIOS has enabled interrupt remapping" },
	{ KLOG_DMAR_IR_FAILED, "Failed to enable irq remapping" },
	{ KLOG_DMAR_IR_NO_IOAPIC_IOMMU, "has no mapping iommu, interrupt remapping will be disabled" },
	{ KLOG_DMAR_IR_PREENABLED, "IRQ remapping was enabled on" },
	{ KLOG_DMAR_IR_NO_EIM, " does not support EIM" },
	{ KLOG_DMAR_FORCE_ON, "Intel-IOMMU force enabled due to platform opt in" },
	{ KLOG_DMAR_VTD_INIT, "Intel(R) Virtualization Technology for Directed I/O" },
	{ KLOG_DMAR_IOMMU_ON_ECHO, "DMAR: IOMMU enabled" },
	{ KLOG_DMAR_IOMMU_OFF_ECHO, "DMAR: IOMMU disabled" },
	{ KLOG_DMAR_UNIT, ": reg_base_addr " },
	{ KLOG_DMAR_TABLE, "DMAR: Host address width" },
	{ KLOG_DMAR_TABLE, "DMAR:Host address width" },
	{ KLOG_DMAR_TABLE, "DMAR: DRHD base:" },
	{ KLOG_AMDVI_IR_ENABLED, "AMD-Vi: Interrupt remapping enabled" },
	{ KLOG_AMDVI_X2APIC, "AMD-Vi: X2APIC enabled" },
	{ KLOG_AMDVI_VAPIC, "AMD-Vi: Virtual APIC enabled" },
	{ KLOG_AMDVI_IR_DISABLING, "AMD-Vi: Disabling interrupt remapping" },
	{ KLOG_AMDVI_UNKNOWN_OPTION, "AMD-Vi: Unknown option - '" },
	{ KLOG_AMDVI_FOUND, "AMD-Vi: Found IOMMU" },
	{ KLOG_AMDVI_FOUND, "AMD-Vi: Extended features" },
	{ KLOG_AMDVI_FOUND, "AMD-Vi:  Extended features" },
	{ KLOG_AMDVI_FOUND, "AMD-Vi: Using global IVHD EFR" },
	{ KLOG_X2APIC_IR_UNSUPPORTED, "IRQ remapping doesn't support X2APIC mode" },
	{ KLOG_X2APIC_ENABLED, "x2apic: enabled by BIOS, switching to x2apic ops" },
	{ KLOG_X2APIC_ENABLED, "x2apic enabled" },
	{ KLOG_X2APIC_ENABLED, "Enabled x2apic" },
	{ KLOG_X2APIC_DISABLED, "x2apic disabled" },
	{ KLOG_IOMMU_DEFAULT_DOMAIN, "Default domain type: " },
	{ KLOG_VFIO_NO_IR, "No interrupt remapping support.  Use the module param" },
	{ KLOG_VFIO_NO_IR, "No interrupt remapping support. Use the module param" },
	{ KLOG_IOMMUFD_MSI_INSECURE, "MSI interrupts are not secure, they cannot be isolated by the platform" },
	{ KLOG_UNKNOWN_PARAMS, "Unknown kernel command line parameters \"" },
	{ KLOG_CMDLINE, "Kernel command line: " },
	{ KLOG_CMDLINE, "Command line: " },
	{ KLOG_IRQ_NOBODY_CARED, ": nobody cared" },
	{ KLOG_IRQ_DISABLING, "Disabling IRQ #" },
	{ KLOG_VECTOR_EXHAUSTED, "Affinity broken due to vector space exhaustion" },
	{ KLOG_VECTOR_EXHAUSTED, "no vector available" },
	{ KLOG_MSI_FALLBACK, "Falling back to MSI interrupts" },
	{ KLOG_MSI_FALLBACK, "Falling back to legacy interrupts" },
	{ KLOG_MSI_FALLBACK, "falling back to legacy" },
	{ KLOG_MSI_FALLBACK, "falling back to INTx" },
	{ KLOG_MSI_FALLBACK, "Failed to initialize MSI-X interrupts" },
	{ KLOG_MSI_FALLBACK, "Failed to initialize MSI interrupts" },
	{ KLOG_KVM_AVIC, "AVIC enabled" },
	{ KLOG_HYPERVISOR, "Hypervisor detected: " },
	{ KLOG_SMP_ALLOWING, "Allowing " },
	{ KLOG_VFIO_PROBE_FAILED, "vfio-pci: probe of " },
	{ KLOG_VFIO_PROBE_FAILED, "probe with driver vfio-pci failed with error " },
	{ KLOG_VFIO_PROBE_FAILED, "no iommu_group" },
};

static const char *after(struct arena *a, struct slice s, long at, size_t skip, char stop)
{
	const char *p = s.p + at + skip;
	size_t n = s.n - (size_t)at - skip;
	size_t k = 0;
	while (k < n && p[k] != stop && !(stop == ' ' && isspace((unsigned char)p[k])))
		k++;
	struct slice v = slice_trim((struct slice){ p, k });
	return arena_strndup(a, v.p, v.n);
}

/* An IRQ number is 0..INT_MAX: a negative or overflowing number is none (-1). */
static int irq_number(struct slice s)
{
	uint64_t v;
	return slice_u64(s, 10, &v) && v <= INT_MAX ? (int)v : -1;
}

/* The device the line is about: "e1000e 0000:00:02.0: ..." → "0000:00:02.0". */
static const char *device_of(struct arena *a, struct slice s)
{
	struct slice r = s;
	for (int i = 0; i < 3; i++) {
		struct slice t = slice_token(&r);
		if (t.n && t.p[t.n - 1] == ':')
			t.n--;
		if (t.n >= 7 && t.p[t.n - 2] == '.' && memchr(t.p, ':', t.n))
			return arena_strndup(a, t.p, t.n);
	}
	return NULL;
}

int parse_klog(const char *buf, size_t len, struct arena *a, struct klog *out)
{
	memset(out, 0, sizeof(*out));
	struct slice all = { buf, len }, line;
	size_t cap = 0;
	unsigned no = 0;
	while (slice_line(&all, &line)) {
		no++;
		out->nlines++;
		/* /dev/kmsg continuation lines (" SUBSYSTEM=pci") carry no message. */
		if (line.n && line.p[0] == ' ' && memchr(line.p, '=', line.n) &&
		    slice_trim(line).n && !memchr(line.p, ':', line.n))
			continue;
		struct slice s = strip_prefixes(line);
		if (!s.n)
			continue;
		long lv;
		if (!out->has_boot_start && (lv = slice_find(s, "Linux version ")) >= 0) {
			out->has_boot_start = true;
			out->linux_version = after(a, s, lv, 14, ' ');
			if (!*out->linux_version)
				out->linux_version = NULL;
		}
		for (size_t m = 0; m < sizeof(matchers) / sizeof(matchers[0]); m++) {
			long at = slice_find(s, matchers[m].needle);
			if (at < 0)
				continue;
			struct klog_event ev = { matchers[m].kind, NULL, NULL, -1, 0, no };
			size_t nl = strlen(matchers[m].needle);
			switch (ev.kind) {
			case KLOG_DMAR_IR_ENABLED:
			case KLOG_HYPERVISOR:
				ev.arg = after(a, s, at, nl, ' ');
				break;
			case KLOG_AMDVI_UNKNOWN_OPTION:
				ev.arg = after(a, s, at, nl, '\'');
				break;
			case KLOG_IOMMU_DEFAULT_DOMAIN:
				ev.arg = after(a, s, at, nl, ' ');
				break;
			case KLOG_CMDLINE:
				ev.arg = arena_strndup(a, s.p + at + nl, s.n - (size_t)at - nl);
				break;
			case KLOG_UNKNOWN_PARAMS:
				ev.arg = after(a, s, at, nl, '"');
				break;
			case KLOG_DMAR_IR_NO_EIM: {
				/* "DMAR-IR: %s does not support EIM": the unit is the word before. */
				size_t b = (size_t)at;
				while (b > 0 && !isspace((unsigned char)s.p[b - 1]))
					b--;
				ev.arg = arena_strndup(a, s.p + b, (size_t)at - b);
				break;
			}
			case KLOG_IRQ_NOBODY_CARED: {
				long i = slice_find(s, "irq ");
				if (i >= 0 && i < at)
					ev.irq = irq_number((struct slice){ s.p + i + 4, (size_t)(at - i - 4) });
				break;
			}
			case KLOG_IRQ_DISABLING: {
				const char *p = s.p + at + nl;
				size_t k = 0;
				while (k < s.n - (size_t)at - nl && isdigit((unsigned char)p[k]))
					k++;
				ev.irq = irq_number((struct slice){ p, k });
				break;
			}
			case KLOG_MSI_FALLBACK:
				ev.arg = device_of(a, s);
				break;
			case KLOG_KVM_AVIC:
				if (slice_find(s, "kvm_amd") < 0)
					continue;
				break;
			case KLOG_SMP_ALLOWING: {
				/* "Allowing 48 CPUs, 24 hotplug CPUs" / "Allowing 8 present CPUs plus 0
				 * hotplug CPUs": possible = the first, plus the second in the new form. */
				if (slice_find(s, "smpboot: ") < 0 && slice_find(s, "CPU topo: ") < 0)
					continue;
				unsigned long x = 0, y = 0;
				char word[16] = "";
				const char *p = arena_strndup(a, s.p + at + nl, s.n - (size_t)at - nl);
				if (sscanf(p, "%lu present CPUs plus %lu hotplug", &x, &y) == 2)
					x += y;
				else if (sscanf(p, "%lu %15s", &x, word) != 2 || strncmp(word, "CPUs", 4))
					continue;
				if (!x || x > INT_MAX)
					continue;
				ev.value = (int)x;
				break;
			}
			case KLOG_VFIO_PROBE_FAILED: {
				/* The BDF: after "probe of " in the old form, the device name before the
				 * driver's text in the new one; QEMU/DPDK name it in their own ways. */
				long e = slice_find(s, "failed with error ");
				if (matchers[m].needle[0] == 'v') {
					ev.arg = after(a, s, at, nl, ' ');
				} else {
					/* the last BDF-shaped word before the message ("... qemu[77]:
					 * vfio 0000:03:00.0: no iommu_group found") */
					struct slice r = { s.p, (size_t)at }, t;
					while ((t = slice_token(&r)).n) {
						if (t.p[t.n - 1] == ':')
							t.n--;
						if (t.n >= 7 && t.p[t.n - 2] == '.' && memchr(t.p, ':', t.n))
							ev.arg = arena_strndup(a, t.p, t.n);
					}
				}
				if (e >= 0) {
					const char *p = s.p + e + 18;
					size_t k = 0, rest = s.n - (size_t)e - 18;
					if (k < rest && p[k] == '-')
						k++;
					while (k < rest && k < 8 && isdigit((unsigned char)p[k]))
						k++;	/* an errno has a few digits: no overflow */
					ev.value = (int)strtol(arena_strndup(a, p, k), NULL, 10);
				} else {
					ev.value = -22;	/* vfio returns -EINVAL for a device without a group */
				}
				break;
			}
			default:
				break;
			}
			ev.text = arena_strndup(a, s.p, s.n);
			if (out->nevents == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				out->events = arena_realloc(a, out->events, cap * sizeof(*out->events),
							    ncap * sizeof(*out->events));
				cap = ncap;
			}
			out->events[out->nevents++] = ev;
			break;
		}
	}
	return 0;
}

const struct klog_event *klog_find(const struct klog *k, enum klog_kind kind)
{
	for (size_t i = 0; i < k->nevents; i++)
		if (k->events[i].kind == kind)
			return &k->events[i];
	return NULL;
}

size_t klog_count(const struct klog *k, enum klog_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < k->nevents; i++)
		if (k->events[i].kind == kind)
			n++;
	return n;
}

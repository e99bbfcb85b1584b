/*
 * parse/interrupts: header, rows, chip classification and the old MSI hwirq, on real
 * /proc/interrupts captures (tests/unit/data/parse/README.md names each source), then
 * bad input. Every expected value below was read off the data file by hand.
 */
#include "t.h"

#include <errno.h>
#include <stdlib.h>

#include "bad.h"
#include "parse/interrupts.h"
#include "util/buf.h"
#include "util/str.h"

#define DI "tests/unit/data/parse/interrupts/"
#define MAXC 256

struct pif {
	struct buf b;
	int ncpus;		/* -1: no header (an excerpt) */
	int ids[MAXC];
	int nrows, nbad;	/* rows parsed, non-blank lines refused */
};

static struct slice first_line(const struct buf *b, struct slice *rest)
{
	struct slice all = { b->data, b->len }, line = SLICE_EMPTY;
	while (slice_line(&all, &line))
		if (slice_trim(line).n)
			break;
	*rest = all;
	return line;
}

static void pif_load(struct pif *f, const char *path)
{
	memset(f, 0, sizeof(*f));
	t_read(path, &f->b);
	struct slice rest, line = first_line(&f->b, &rest);
	f->ncpus = -1;
	if (pi_is_header(line)) {
		int n;
		if (pi_parse_header(line, f->ids, MAXC, &n) == 0)
			f->ncpus = n;
	} else {
		rest = (struct slice){ f->b.data, f->b.len };
	}
	struct pi_row row;
	uint32_t counts[1024];
	while (slice_line(&rest, &line)) {
		if (!slice_trim(line).n)
			continue;
		if (pi_parse_row(line, f->ncpus, counts, 1024, &row) == 0)
			f->nrows++;
		else
			f->nbad++;
	}
}

/* Parse the row called name; counts[] gets its counts. */
static bool pif_row(struct pif *f, const char *name, uint32_t *counts, struct pi_row *row)
{
	struct slice all = { f->b.data, f->b.len }, line;
	while (slice_line(&all, &line)) {
		if (pi_is_header(line))
			continue;
		if (pi_parse_row(line, f->ncpus, counts, MAXC, row) == 0 && slice_eq(row->name, name))
			return true;
	}
	t_fail(__FILE__, __LINE__, "row '%s' not found", name);
	memset(row, 0, sizeof(*row));
	return false;
}

static int nactions(struct slice acts)
{
	struct slice a;
	int n = 0;
	while (pi_next_action(&acts, &a))
		n++;
	return n;
}

static struct slice action_at(struct slice acts, int k)
{
	struct slice a = SLICE_EMPTY;
	for (int i = 0; i <= k; i++)
		if (!pi_next_action(&acts, &a))
			return SLICE_EMPTY;
	return a;
}

static struct pi_chip_info classify(const char *chip)
{
	struct pi_chip_info ci;
	pi_classify_chip(slice_of(chip), &ci);
	return ci;
}

static struct slice S(const char *s)
{
	return slice_of(s);
}

/* ------------------------------------------------------------------ real captures */

TEST(pi_header_real_8cpu)
{
	struct pif f;
	pif_load(&f, DI "x86-8cpu-desktop-ioapic-intx-rt2800pci-sysstat-root1.txt");
	CHECK_INT(f.ncpus, 8);
	for (int i = 0; i < 8; i++)
		CHECK_INT(f.ids[i], i);
	/* 21 IRQ rows + 22 architecture rows (NMI ... PIW), nothing refused. */
	CHECK_INT(f.nrows, 43);
	CHECK_INT(f.nbad, 0);
	struct slice rest, hdr = first_line(&f.b, &rest);
	CHECK(pi_is_header(hdr));
	struct slice row0;
	slice_line(&rest, &row0);
	CHECK(!pi_is_header(row0));
	buf_free(&f.b);
}

TEST(pi_ioapic_and_global_pci_msi)
{
	struct pif f;
	pif_load(&f, DI "x86-8cpu-desktop-ioapic-intx-rt2800pci-sysstat-root1.txt");
	uint32_t c[MAXC];
	struct pi_row r;
	struct pi_chip_info ci;

	/* "  0:          8          0 ...   IO-APIC   2-edge      timer" */
	pif_row(&f, "0", c, &r);
	CHECK(r.is_numeric);
	CHECK_INT(r.irq, 0);
	CHECK_INT(r.ncounts, 8);
	CHECK_INT(c[0], 8);
	CHECK_INT(r.total, 8);
	CHECK_SLICE(r.chip, "IO-APIC");
	CHECK_SLICE(r.hwirq, "2");
	CHECK_SLICE(r.flow, "edge");
	CHECK_SLICE(r.actions, "timer");
	CHECK(!r.fused);
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_IOAPIC);
	CHECK(!ci.remapped);
	CHECK_INT(ci.bdf.n, 0);

	/* " 19: ... 180401 (CPU4) ...   IO-APIC  19-fasteoi   rt2800pci" (legacy INTx) */
	pif_row(&f, "19", c, &r);
	CHECK_INT(r.irq, 19);
	CHECK_INT(c[4], 180401);
	CHECK_INT(c[3], 0);
	CHECK_INT(r.total, 180401);
	CHECK_SLICE(r.hwirq, "19");
	CHECK_SLICE(r.flow, "fasteoi");
	CHECK_SLICE(r.actions, "rt2800pci");

	/* " 24: ... 220950 (CPU2) ...   PCI-MSI 512000-edge      ahci[0000:00:1f.2]" */
	pif_row(&f, "24", c, &r);
	CHECK_INT(c[2], 220950);
	CHECK_SLICE(r.chip, "PCI-MSI");
	CHECK_SLICE(r.hwirq, "512000");
	CHECK_SLICE(r.flow, "edge");
	CHECK_SLICE(r.actions, "ahci[0000:00:1f.2]");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_PCI_MSI);
	CHECK(!ci.remapped);
	CHECK_INT(ci.bdf.n, 0);
	/* The global domain encodes the BDF: 512000 = 0x7d000 -> devid 0xfa = 00:1f.2, the
	 * same device the action names. */
	char bdf[16];
	unsigned idx = 99;
	pi_decode_msi_hwirq(512000, bdf, &idx);
	CHECK_STR(bdf, "0000:00:1f.2");
	CHECK_INT(idx, 0);
	/* xhci_hcd vectors 3670016.. = 0x380000 + index -> 07:00.0 */
	pif_row(&f, "26", c, &r);
	CHECK_SLICE(r.hwirq, "3670017");
	pi_decode_msi_hwirq(3670017, bdf, &idx);
	CHECK_STR(bdf, "0000:07:00.0");
	CHECK_INT(idx, 1);
	/* enp6s0: 3145728 = 0x300000 -> 06:00.0, 53442 on CPU3 */
	pif_row(&f, "33", c, &r);
	CHECK_INT(c[3], 53442);
	CHECK_SLICE(r.actions, "enp6s0");
	pi_decode_msi_hwirq(3145728, bdf, &idx);
	CHECK_STR(bdf, "0000:06:00.0");
	/* nvkm: 524288 = 0x80000 -> 01:00.0 (kernel-interfaces.md §1.4 worked example) */
	pi_decode_msi_hwirq(524288, bdf, NULL);
	CHECK_STR(bdf, "0000:01:00.0");
	buf_free(&f.b);
}

TEST(pi_named_rows_nmi_loc_res_cal_tlb_err_mis)
{
	struct pif f;
	pif_load(&f, DI "x86-8cpu-desktop-ioapic-intx-rt2800pci-sysstat-root1.txt");
	uint32_t c[MAXC];
	struct pi_row r;
	static const uint32_t nmi[8] = { 375, 405, 600, 591, 338, 345, 100, 137 };

	pif_row(&f, "NMI", c, &r);
	CHECK(!r.is_numeric);
	CHECK_INT(r.ncounts, 8);
	for (int i = 0; i < 8; i++)
		CHECK_INT(c[i], nmi[i]);
	CHECK_INT(r.total, 2891);
	CHECK_SLICE(r.desc, "Non-maskable interrupts");
	CHECK_INT(r.chip.n, 0);

	pif_row(&f, "LOC", c, &r);
	CHECK_INT(c[0], 11058684);
	CHECK_INT(c[7], 12490140);
	CHECK_INT(r.total, 90448884);
	CHECK_SLICE(r.desc, "Local timer interrupts");
	pif_row(&f, "RES", c, &r);
	CHECK_INT(c[0], 1416697);
	CHECK_INT(r.total, 3001998);
	CHECK_SLICE(r.desc, "Rescheduling interrupts");
	pif_row(&f, "CAL", c, &r);
	CHECK_INT(r.total, 264665);
	CHECK_SLICE(r.desc, "Function call interrupts");
	pif_row(&f, "TLB", c, &r);
	CHECK_INT(c[6], 70678);
	CHECK_INT(r.total, 342879);
	CHECK_SLICE(r.desc, "TLB shootdowns");

	/* ERR and MIS print one total (≤7.1: "%*s: %10u"), not one count per CPU. */
	pif_row(&f, "ERR", c, &r);
	CHECK_INT(r.ncounts, 1);
	CHECK_INT(r.total, 0);
	CHECK_INT(r.desc.n, 0);
	pif_row(&f, "MIS", c, &r);
	CHECK_INT(r.ncounts, 1);
	buf_free(&f.b);

	/* chromebook: the same rows indented by one space, ERR = 1 */
	pif_load(&f, DI "x86-4cpu-chromebook-adln-ir-ioapic-ir-pci-msix-per-device-intel-gpio.txt");
	pif_row(&f, "NMI", c, &r);
	CHECK_INT(r.ncounts, 4);
	CHECK_INT(r.total, 8780);
	pif_row(&f, "LOC", c, &r);
	CHECK_INT(c[1], 280651);
	CHECK_INT(r.total, 998926);
	pif_row(&f, "ERR", c, &r);
	CHECK_INT(r.ncounts, 1);
	CHECK_INT(r.total, 1);
	buf_free(&f.b);
}

TEST(pi_ir_ioapic_dmar_msi_ir_pci_msi_msix_per_device)
{
	struct pif f;
	pif_load(&f, DI "x86-4cpu-chromebook-adln-ir-ioapic-ir-pci-msix-per-device-intel-gpio.txt");
	CHECK_INT(f.ncpus, 4);
	CHECK_INT(f.nrows, 32 + 18);
	CHECK_INT(f.nbad, 0);
	uint32_t c[MAXC];
	struct pi_row r;
	struct pi_chip_info ci;

	/* "  42:          0     538409 ...  IR-IO-APIC   42-fasteoi   idma64.5, i2c_designware.5" */
	pif_row(&f, "42", c, &r);
	CHECK_INT(c[1], 538409);
	CHECK_SLICE(r.chip, "IR-IO-APIC");
	CHECK_SLICE(r.hwirq, "42");
	CHECK_SLICE(r.flow, "fasteoi");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_IOAPIC);
	CHECK(ci.remapped);
	CHECK_INT(nactions(r.actions), 2);
	CHECK_SLICE(action_at(r.actions, 0), "idma64.5");
	CHECK_SLICE(action_at(r.actions, 1), "i2c_designware.5");

	/* " 120: ...  DMAR-MSI    0-edge      dmar0" */
	pif_row(&f, "120", c, &r);
	CHECK_SLICE(r.chip, "DMAR-MSI");
	CHECK_SLICE(r.hwirq, "0");
	CHECK_SLICE(r.actions, "dmar0");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_DMAR);
	CHECK(!ci.remapped);

	/* " 122: ...  IR-PCI-MSI-0000:00:1c.0    0-edge      PCIe PME, aerdrv, pciehp" */
	pif_row(&f, "122", c, &r);
	CHECK_SLICE(r.chip, "IR-PCI-MSI-0000:00:1c.0");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_PCI_MSI);
	CHECK(ci.remapped);
	CHECK_SLICE(ci.bdf, "0000:00:1c.0");
	CHECK_INT(nactions(r.actions), 3);
	CHECK_SLICE(action_at(r.actions, 0), "PCIe PME");
	CHECK_SLICE(action_at(r.actions, 2), "pciehp");

	/* " 131: 0 4275 0 0  IR-PCI-MSIX-0000:00:14.3    2-edge      iwlwifi:queue_2" */
	pif_row(&f, "131", c, &r);
	CHECK_INT(c[1], 4275);
	CHECK_INT(r.total, 4275);
	CHECK_SLICE(r.chip, "IR-PCI-MSIX-0000:00:14.3");
	CHECK_SLICE(r.hwirq, "2");
	CHECK_SLICE(r.flow, "edge");
	CHECK_SLICE(r.actions, "iwlwifi:queue_2");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_PCI_MSIX);
	CHECK(ci.remapped);
	CHECK_SLICE(ci.bdf, "0000:00:14.3");

	/* " 135: ...  intel-gpio   87  rt5682s": hwirq without a flow, then the action */
	pif_row(&f, "135", c, &r);
	CHECK_SLICE(r.chip, "intel-gpio");
	CHECK_SLICE(r.hwirq, "87");
	CHECK_INT(r.flow.n, 0);
	CHECK_SLICE(r.actions, "rt5682s");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_OTHER);
	buf_free(&f.b);
}

TEST(pi_pci_msix_per_device_not_remapped_1cpu)
{
	struct pif f;
	pif_load(&f, DI "x86-1cpu-kvm-guest-el9-pci-msix-per-device-chip-shared-intx.txt");
	CHECK_INT(f.ncpus, 1);
	CHECK_INT(f.ids[0], 0);
	CHECK_INT(f.nrows, 26 + 19);
	uint32_t c[MAXC];
	struct pi_row r;
	struct pi_chip_info ci;

	/* " 25:      11708  PCI-MSIX-0000:00:06.0   1-edge      virtio4-req.0" */
	pif_row(&f, "25", c, &r);
	CHECK_INT(r.ncounts, 1);
	CHECK_INT(c[0], 11708);
	CHECK_SLICE(r.chip, "PCI-MSIX-0000:00:06.0");
	CHECK_SLICE(r.hwirq, "1");
	CHECK_SLICE(r.flow, "edge");
	CHECK_SLICE(r.actions, "virtio4-req.0");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_PCI_MSIX);
	CHECK(!ci.remapped);
	CHECK_SLICE(ci.bdf, "0000:00:06.0");

	/* " 11:          0   IO-APIC  11-fasteoi   uhci_hcd:usb1, virtio6": shared INTx */
	pif_row(&f, "11", c, &r);
	CHECK_SLICE(r.chip, "IO-APIC");
	CHECK_SLICE(r.flow, "fasteoi");
	CHECK_INT(nactions(r.actions), 2);
	CHECK_SLICE(action_at(r.actions, 1), "virtio6");

	pif_row(&f, "LOC", c, &r);
	CHECK_INT(c[0], 93666);
	CHECK_SLICE(r.desc, "Local timer interrupts");
	buf_free(&f.b);
}

TEST(pi_ir_pci_msi_global_domain_and_empty_action)
{
	struct pif f;
	pif_load(&f, DI "x86-8cpu-laptop-ir-ioapic-dmar-msi-insights-core.txt");
	CHECK_INT(f.ncpus, 8);
	CHECK_INT(f.nrows, 19 + 18);
	uint32_t c[MAXC];
	struct pi_row r;
	struct pi_chip_info ci;

	/* " 27:     242965 ...  IR-PCI-MSI 512000-edge      ahci[0000:00:1f.2]" */
	pif_row(&f, "27", c, &r);
	CHECK_INT(c[0], 242965);
	CHECK_INT(c[7], 96634);
	CHECK_SLICE(r.chip, "IR-PCI-MSI");
	CHECK_SLICE(r.hwirq, "512000");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_PCI_MSI);
	CHECK(ci.remapped);
	CHECK_INT(ci.bdf.n, 0);

	/* " 30:        100 ...  IR-PCI-MSI 524288-edge" and nothing after: no action */
	pif_row(&f, "30", c, &r);
	CHECK_INT(c[0], 100);
	CHECK_SLICE(r.hwirq, "524288");
	CHECK_SLICE(r.flow, "edge");
	CHECK_INT(r.actions.n, 0);
	CHECK_INT(nactions(r.actions), 0);

	/* " 24: ...  DMAR-MSI   0-edge      dmar0" */
	pif_row(&f, "24", c, &r);
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_DMAR);
	buf_free(&f.b);
}

TEST(pi_old_fused_chip_flow)
{
	struct pif f;
	pif_load(&f, DI "x86-4cpu-laptop-ir-ioapic-dmar-iwlwifi-node-exporter-fixture.txt");
	CHECK_INT(f.ncpus, 4);
	CHECK_INT(f.nrows, 15 + 15);
	uint32_t c[MAXC];
	struct pi_row r;
	struct pi_chip_info ci;

	/* "  0:         18 ...  IR-IO-APIC-edge      timer" (before v4.0: no hwirq column) */
	pif_row(&f, "0", c, &r);
	CHECK(r.fused);
	CHECK_SLICE(r.chip, "IR-IO-APIC");
	CHECK_SLICE(r.flow, "edge");
	CHECK_INT(r.hwirq.n, 0);
	CHECK_SLICE(r.actions, "timer");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_IOAPIC);
	CHECK(ci.remapped);

	/* " 16: 328511 322879 293782 351412  IR-IO-APIC-fasteoi   ehci_hcd:usb1, mmc0" */
	pif_row(&f, "16", c, &r);
	CHECK_INT(r.total, 1296584);
	CHECK_SLICE(r.chip, "IR-IO-APIC");
	CHECK_SLICE(r.flow, "fasteoi");
	CHECK_INT(nactions(r.actions), 2);
	CHECK_SLICE(action_at(r.actions, 1), "mmc0");

	/* " 40: ...  DMAR_MSI-edge      dmar0" (underscore in old kernels) */
	pif_row(&f, "40", c, &r);
	CHECK(r.fused);
	CHECK_SLICE(r.chip, "DMAR_MSI");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_DMAR);

	/* " 46:   43078464 130 460171 290  IR-PCI-MSI-edge      iwlwifi": "edge" is the flow,
	 * not a device name */
	pif_row(&f, "46", c, &r);
	CHECK(r.fused);
	CHECK_INT(c[0], 43078464);
	CHECK_INT(r.total, 43539055);
	CHECK_SLICE(r.chip, "IR-PCI-MSI");
	CHECK_SLICE(r.flow, "edge");
	CHECK_SLICE(r.actions, "iwlwifi");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_PCI_MSI);
	CHECK(ci.remapped);
	CHECK_INT(ci.bdf.n, 0);
	/* Classifying the unsplit token must not take "edge" for a BDF either. */
	ci = classify("IR-PCI-MSI-edge");
	CHECK_INT(ci.bdf.n, 0);
	buf_free(&f.b);

	/* Ubuntu 3.2: "IR-PCI-MSI-edge      eth0", 68033968 interrupts all on CPU0 */
	pif_load(&f, DI "x86-8cpu-ir-ioapic-edge-eth0-68m-all-on-cpu0.txt");
	pif_row(&f, "43", c, &r);
	CHECK_INT(c[0], 68033968);
	CHECK_INT(r.total, 68033968);
	CHECK(r.fused);
	CHECK_SLICE(r.actions, "eth0");
	/* "fglrx[0]@PCI:1:0:0": an action with ':' and '@' */
	pif_row(&f, "47", c, &r);
	CHECK_SLICE(r.actions, "fglrx[0]@PCI:1:0:0");
	buf_free(&f.b);

	/* RHEL5/6 era, no IR: "IO-APIC-edge", "IO-APIC-fasteoi", and a Xen HYP row */
	pif_load(&f, DI "x86-1cpu-old-kernel-ioapic-edge-floppy-xen-hyp-insights-core.txt");
	CHECK_INT(f.nrows, 9);
	pif_row(&f, "6", c, &r);
	CHECK_INT(c[0], 3);
	CHECK(r.fused);
	CHECK_SLICE(r.chip, "IO-APIC");
	CHECK_SLICE(r.flow, "edge");
	CHECK_SLICE(r.actions, "floppy");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_IOAPIC);
	CHECK(!ci.remapped);
	pif_row(&f, "9", c, &r);
	CHECK_SLICE(r.flow, "fasteoi");
	pif_row(&f, "HYP", c, &r);
	CHECK(!r.is_numeric);
	CHECK_SLICE(r.desc, "Hypervisor callback interrupts");
	buf_free(&f.b);
}

TEST(pi_amd_vi_action_and_ir_pci_msix)
{
	/* Debian 6.12 under QEMU with amd-iommu (tests/hosts/lab-6.12-amd-badparam): the
	 * IOMMU's own interrupt is an action "AMD-Vi" on its PCI function's MSI domain. */
	struct pif f;
	pif_load(&f, DI "lab-6.12-amd-badparam-qemu-amd-vi.txt");
	CHECK_INT(f.ncpus, 2);
	CHECK_INT(f.nrows, 19 + 19);
	uint32_t c[MAXC];
	struct pi_row r;
	struct pi_chip_info ci;
	pif_row(&f, "24", c, &r);
	CHECK_SLICE(r.chip, "PCI-MSI-0000:00:01.0");
	CHECK_SLICE(r.hwirq, "0");
	CHECK_SLICE(r.flow, "edge");
	CHECK_SLICE(r.actions, "AMD-Vi");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_PCI_MSI);
	CHECK(!ci.remapped);
	CHECK_SLICE(ci.bdf, "0000:00:01.0");
	/* " 34:          0         12  IR-PCI-MSIX-0000:00:03.0   0-edge      nvme0q0" */
	pif_row(&f, "34", c, &r);
	CHECK_INT(c[1], 12);
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_PCI_MSIX);
	CHECK(ci.remapped);
	CHECK_SLICE(ci.bdf, "0000:00:03.0");
	CHECK_SLICE(r.actions, "nvme0q0");
	buf_free(&f.b);

	/* AMD's own chip names (docs/kernel-interfaces.md §1.4); no capture has them. */
	CHECK_INT(classify("IOMMU-MSI").kind, PI_CHIP_IOMMU);
	CHECK_INT(classify("AMD-Vi").kind, PI_CHIP_IOMMU);
	CHECK_INT(classify("IR-HPET-MSI").kind, PI_CHIP_HPET);
	CHECK(classify("IR-HPET-MSI").remapped);
	CHECK_INT(classify("XT-PIC").kind, PI_CHIP_XTPIC);
	CHECK_INT(classify("xen-percpu").kind, PI_CHIP_XEN);
	CHECK_INT(classify("xen-pirq").kind, PI_CHIP_XEN);
}

TEST(pi_arm64_gicv3_its_no_space_after_colon)
{
	struct pif f;
	pif_load(&f, DI "arm64-8cpu-graviton-gicv3-its-ena-nvme-node-exporter-fixture.txt");
	CHECK_INT(f.ncpus, 8);
	CHECK_INT(f.nrows, 51 + 8);
	CHECK_INT(f.nbad, 0);
	uint32_t c[MAXC];
	struct pi_row r;
	struct pi_chip_info ci;

	/* " 10: 3287008667 ... 3225020442     GICv3  27 Level     arch_timer": counts above
	 * INT32_MAX stay exact, the total is 64-bit */
	pif_row(&f, "10", c, &r);
	CHECK_INT(c[0], 3287008667u);
	CHECK_INT(c[5], 3641875466u);
	CHECK_INT(r.total, 26767542953ull);
	CHECK_SLICE(r.chip, "GICv3");
	CHECK_SLICE(r.hwirq, "27");
	CHECK_SLICE(r.trigger, "Level");
	CHECK_INT(r.flow.n, 0);
	CHECK_SLICE(r.actions, "arch_timer");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_GIC);

	/* " 51: 13 0 0 20 4 0 0 0   ITS-MSI 65536 Edge      nvme0q0" */
	pif_row(&f, "51", c, &r);
	CHECK_INT(r.total, 37);
	CHECK_SLICE(r.chip, "ITS-MSI");
	CHECK_SLICE(r.hwirq, "65536");
	CHECK_SLICE(r.trigger, "Edge");
	CHECK_SLICE(r.actions, "nvme0q0");
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_ITS);
	CHECK(ci.remapped);
	CHECK_INT(ci.bdf.n, 0);
	char bdf[16];
	pi_decode_msi_hwirq(65536, bdf, NULL);
	CHECK_STR(bdf, "0000:00:04.0");
	pi_decode_msi_hwirq(507904, bdf, NULL);	/* nvme1q0: the §1.4 worked example */
	CHECK_STR(bdf, "0000:00:1f.0");
	/* ena: "ITS-MSI 81921 Edge eth0-Tx-Rx-0" = 00:05.0 vector 1, as "ena-mgmnt@pci:0000:00:05.0" says */
	unsigned idx;
	pif_row(&f, "58", c, &r);
	CHECK_INT(c[2], 1195697946);
	CHECK_SLICE(r.actions, "eth0-Tx-Rx-0");
	pi_decode_msi_hwirq(81921, bdf, &idx);
	CHECK_STR(bdf, "0000:00:05.0");
	CHECK_INT(idx, 1);

	/* " 50: ...  ARMH0061:00   3 Edge      ACPI:Event": a chip name with ':' */
	pif_row(&f, "50", c, &r);
	CHECK_SLICE(r.chip, "ARMH0061:00");
	CHECK_SLICE(r.hwirq, "3");
	CHECK_SLICE(r.actions, "ACPI:Event");

	/* "IPI0:2768808080 2844211768 ...": no space after the colon (prec < 4, 10-digit count) */
	pif_row(&f, "IPI0", c, &r);
	CHECK(!r.is_numeric);
	CHECK_INT(r.ncounts, 8);
	CHECK_INT(c[0], 2768808080u);
	CHECK_INT(c[7], 2154252810u);
	CHECK_INT(r.total, 22166462124ull);
	CHECK_SLICE(r.desc, "Rescheduling interrupts");
	pif_row(&f, "IPI1", c, &r);
	CHECK_INT(c[0], 357815098);
	CHECK_INT(r.total, 1349036461);
	CHECK_SLICE(r.desc, "Function call interrupts");
	pif_row(&f, "Err", c, &r);
	CHECK_INT(r.ncounts, 1);
	CHECK_INT(r.total, 0);
	buf_free(&f.b);

	/* Linux 4.1 GICv2 (router SoC): "GIC  27 Edge gt", shared level lines "pcie, wlan0" */
	pif_load(&f, DI "arm-2cpu-zte-router-gic-pcie-wlan-level-shared.txt");
	CHECK_INT(f.ncpus, 2);
	CHECK_INT(f.nrows, 15 + 9);
	pif_row(&f, "16", c, &r);
	CHECK_INT(c[0], 169513);
	CHECK_INT(c[1], 169502);
	CHECK_SLICE(r.chip, "GIC");
	CHECK_SLICE(r.hwirq, "27");
	CHECK_SLICE(r.trigger, "Edge");
	CHECK_SLICE(r.actions, "gt");
	pif_row(&f, "27", c, &r);
	CHECK_INT(c[0], 117083);
	CHECK_SLICE(r.trigger, "Level");
	CHECK_INT(nactions(r.actions), 2);
	CHECK_SLICE(action_at(r.actions, 1), "wlan0");
	pif_row(&f, "IPI2", c, &r);
	CHECK_INT(c[1], 80300);
	CHECK_SLICE(r.desc, "Rescheduling interrupts");
	buf_free(&f.b);
}

TEST(pi_excerpt_without_header_128_columns)
{
	/* A grep of /proc/interrupts: no header, so every leading number is a count. */
	struct pif f;
	pif_load(&f, DI "x86-128cpu-kvm-host-vfio-msix-posted-interrupts-zero-host-counts-grep-excerpt.txt");
	CHECK_INT(f.ncpus, -1);
	CHECK_INT(f.nrows, 5);
	uint32_t c[MAXC];
	struct pi_row r;
	pif_row(&f, "101", c, &r);
	CHECK_INT(r.ncounts, 128);
	CHECK_INT(r.total, 0);
	CHECK_SLICE(r.chip, "IR-PCI-MSIX-0000:c8:00.0");
	CHECK_SLICE(r.hwirq, "1");
	CHECK_SLICE(r.flow, "edge");
	CHECK_SLICE(r.actions, "vfio-msix[1](0000:c8:00.0)");
	buf_free(&f.b);
}

TEST(pi_header_offline_cpus_holes)
{
	/*
	 * Offline CPUs get no column (kernel/irq/proc.c: for_each_online_cpu). No capture in
	 * the corpus has an offline CPU, so this header is written in the kernel's format
	 * ("%*s" then "CPU%-8d" per online CPU) for CPUs 0, 2 and 5 online of 6.
	 */
	static const char text[] = "           CPU0       CPU2       CPU5       \n"
				   " 24:         11          0        300  PCI-MSIX-0000:00:02.0   1-edge      virtio1-req.0\n"
				   "LOC:        100        200        300   Local timer interrupts\n"
				   "ERR:          0\n";
	struct slice all = { text, sizeof(text) - 1 }, line;
	slice_line(&all, &line);
	CHECK(pi_is_header(line));
	int ids[8] = { -1, -1, -1, -1, -1, -1, -1, -1 }, n;
	CHECK_INT(pi_parse_header(line, ids, 8, &n), 0);
	CHECK_INT(n, 3);
	CHECK_INT(ids[0], 0);
	CHECK_INT(ids[1], 2);
	CHECK_INT(ids[2], 5);
	CHECK_INT(ids[3], -1);
	/* A short ids[] still gets the true count (the caller sizes it from *n). */
	int two[2];
	CHECK_INT(pi_parse_header(line, two, 2, &n), 0);
	CHECK_INT(n, 3);
	CHECK_INT(two[1], 2);
	CHECK_INT(pi_parse_header(line, NULL, 0, &n), 0);
	CHECK_INT(n, 3);
	uint32_t c[8];
	struct pi_row r;
	slice_line(&all, &line);
	CHECK_INT(pi_parse_row(line, 3, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 3);
	CHECK_INT(c[2], 300);	/* column 2 is CPU5 */
	CHECK_SLICE(r.chip, "PCI-MSIX-0000:00:02.0");
	slice_line(&all, &line);
	CHECK_INT(pi_parse_row(line, 3, c, 8, &r), 0);
	CHECK_INT(r.total, 600);
	/* cap smaller than ncpus: counts beyond cap are summed but not stored */
	c[1] = 12345;
	CHECK_INT(pi_parse_row(line, 3, c, 1, &r), 0);
	CHECK_INT(r.ncounts, 3);
	CHECK_INT(c[0], 100);
	CHECK_INT(c[1], 12345);
	CHECK_INT(r.total, 600);
	/* counts == NULL: totals only */
	CHECK_INT(pi_parse_row(line, 3, NULL, 0, &r), 0);
	CHECK_INT(r.total, 600);
}

/*
 * A chip name with spaces: Hyper-V's vPCI MSI chip is "Hyper-V PCIe MSI"
 * (drivers/pci/controller/pci-hyperv.c). The line is built from the kernel's format
 * (" %8s" chip, " %*lu" hwirq, "-%-8s" flow, then the actions), not a capture. The chip
 * takes the words before a hwirq glued to a flow, or before digits and Level/Edge; a
 * row with no hwirq (old kernels) keeps a one-word chip, whatever its actions look like.
 */
TEST(pi_multiword_chip_name)
{
	uint32_t c[4];
	struct pi_row r;
	struct slice line = slice_of(" 24:          5          0  Hyper-V PCIe MSI 134217728-edge      mlx5_async0@pci:2bc9:00:02.0");
	CHECK_INT(pi_parse_row(line, 2, c, 4, &r), 0);
	CHECK_SLICE(r.chip, "Hyper-V PCIe MSI");
	CHECK_SLICE(r.hwirq, "134217728");
	CHECK_SLICE(r.flow, "edge");
	CHECK_SLICE(r.actions, "mlx5_async0@pci:2bc9:00:02.0");
	CHECK_INT(r.total, 5);
	/* two words, then digits and Edge (the GIC layout) */
	line = slice_of(" 30:          1          2  Some Chip 7 Edge      dev0");
	CHECK_INT(pi_parse_row(line, 2, c, 4, &r), 0);
	CHECK_SLICE(r.chip, "Some Chip");
	CHECK_SLICE(r.hwirq, "7");
	CHECK_SLICE(r.trigger, "Edge");
	CHECK_SLICE(r.actions, "dev0");
	/* the one-word chips stay one word */
	line = slice_of(" 36:          0        915  PCI-MSIX-0000:00:05.0   0-edge      virtio1-req.0");
	CHECK_INT(pi_parse_row(line, 2, c, 4, &r), 0);
	CHECK_SLICE(r.chip, "PCI-MSIX-0000:00:05.0");
	CHECK_SLICE(r.actions, "virtio1-req.0");
	/* no hwirq (before v4.0): an action that looks like a hwirq further on is an action */
	line = slice_of(" 16:        328        322  IR-IO-APIC-fasteoi   ehci_hcd:usb1, 12-edge");
	CHECK_INT(pi_parse_row(line, 2, c, 4, &r), 0);
	CHECK_SLICE(r.chip, "IR-IO-APIC");
	CHECK(r.fused);
	CHECK_SLICE(r.actions, "ehci_hcd:usb1, 12-edge");
	line = slice_of(" 17:          1          0  IR-PCI-MSI-edge      eth0 rx 3");
	CHECK_INT(pi_parse_row(line, 2, c, 4, &r), 0);
	CHECK_SLICE(r.chip, "IR-PCI-MSI");
	CHECK_SLICE(r.actions, "eth0 rx 3");
}

/*
 * Hyper-V's vPCI chip carries MSI and MSI-X alike, with the BDF in the hwirq as the old
 * global domain has it (index | devid << 11 | domain << 27). The row is quoted from a
 * mana (Azure NIC) report on netdev, March 2024: 4138200989697 = 0x7870 << 27 | 1.
 */
TEST(pi_hyperv_vpci_chip)
{
	uint32_t c[4];
	struct pi_row r;
	struct slice line = slice_of(" 25:          1        103          0    2989138  Hyper-V PCIe MSI 4138200989697-edge      mana_q0@pci:7870:00:00.0");
	CHECK_INT(pi_parse_row(line, 4, c, 4, &r), 0);
	CHECK_INT(c[3], 2989138);
	CHECK_SLICE(r.chip, "Hyper-V PCIe MSI");
	struct pi_chip_info ci;
	pi_classify_chip(r.chip, &ci);
	CHECK_INT(ci.kind, PI_CHIP_PCI_MSI);
	CHECK(!ci.remapped);
	CHECK_INT(ci.bdf.n, 0);
	char bdf[16];
	unsigned idx = 99;
	pi_decode_msi_hwirq(4138200989697ull, bdf, &idx);
	CHECK_STR(bdf, "7870:00:00.0");
	CHECK_INT(idx, 1);
	/* a chip that only starts like it is not it */
	pi_classify_chip(S("Hyper-V PCIe"), &ci);
	CHECK_INT(ci.kind, PI_CHIP_OTHER);
	/* since 6.17 (pci-hyperv.c, msi_create_parent_irq_domain, prefix "HV-") a per-device
	 * domain names the BDF, as PCI-MSIX-<bdf> does; no remapping */
	pi_classify_chip(S("HV-PCI-MSIX-7870:00:00.0"), &ci);
	CHECK_INT(ci.kind, PI_CHIP_PCI_MSIX);
	CHECK(!ci.remapped);
	CHECK_SLICE(ci.bdf, "7870:00:00.0");
	pi_classify_chip(S("HV-PCI-MSI-7870:00:00.0"), &ci);
	CHECK_INT(ci.kind, PI_CHIP_PCI_MSI);
}

/* ------------------------------------------------------------------ bad input */

TEST(pi_bad_header)
{
	int ids[4], n = 99;
	CHECK(!pi_is_header(SLICE_EMPTY));
	CHECK_INT(pi_parse_header(SLICE_EMPTY, ids, 4, &n), -EINVAL);
	CHECK_INT(n, 0);
	CHECK_INT(pi_parse_header(S("      \t  "), ids, 4, &n), -EINVAL);
	CHECK(!pi_is_header(S("CPU")));
	CHECK(!pi_is_header(S("CPUx CPU1")));
	CHECK(!pi_is_header(S("CPU-1")));
	CHECK_INT(pi_parse_header(S("CPU"), ids, 4, &n), -EINVAL);
	CHECK_INT(pi_parse_header(S("CPU-1"), ids, 4, &n), -EINVAL);
	/* A bad token after good ones: -EINVAL, but the good prefix is kept. */
	CHECK_INT(pi_parse_header(S("  CPU0  CPU1  garbage"), ids, 4, &n), -EINVAL);
	CHECK_INT(n, 2);
	CHECK_INT(ids[1], 1);
	/* Truncated in the middle of a label */
	CHECK_INT(pi_parse_header(S("   CPU0   CPU1   CP"), ids, 4, &n), -EINVAL);
	CHECK_INT(n, 2);
	/* Ids beyond the kernel's range and overflowing u64 */
	CHECK_INT(pi_parse_header(S("CPU0 CPU65536"), ids, 4, &n), -EINVAL);
	CHECK_INT(pi_parse_header(S("CPU0 CPU65535"), ids, 4, &n), 0);
	CHECK_INT(ids[1], 65535);
	CHECK_INT(pi_parse_header(S("CPU99999999999999999999999"), ids, 4, &n), -EINVAL);
	CHECK_INT(pi_parse_header(S("CPU4294967296"), ids, 4, &n), -EINVAL);
	/* NULs inside */
	static const char nul[] = "CPU0\0CPU1";
	CHECK_INT(pi_parse_header((struct slice){ nul, sizeof(nul) - 1 }, ids, 4, &n), -EINVAL);
}

TEST(pi_bad_rows)
{
	uint32_t c[8];
	struct pi_row r;
	CHECK_INT(pi_parse_row(SLICE_EMPTY, 8, c, 8, &r), -EINVAL);
	CHECK_INT(pi_parse_row(S("   "), 8, c, 8, &r), -EINVAL);
	CHECK_INT(pi_parse_row(S("no colon here 1 2 3"), 8, c, 8, &r), -EINVAL);
	CHECK_INT(pi_parse_row(S(":          1          2"), 8, c, 8, &r), -EINVAL);
	CHECK_INT(pi_parse_row(S("  :  1"), 8, c, 8, &r), -EINVAL);
	CHECK_INT(pi_parse_row(S("a b: 1 2"), 8, c, 8, &r), -EINVAL);

	/* Just the name */
	CHECK_INT(pi_parse_row(S(" 24:"), 8, c, 8, &r), 0);
	CHECK(r.is_numeric);
	CHECK_INT(r.irq, 24);
	CHECK_INT(r.ncounts, 0);
	CHECK_INT(r.chip.n, 0);
	CHECK_INT(r.actions.n, 0);

	/* Truncated in the middle of the counts: what was there is kept. */
	CHECK_INT(pi_parse_row(S(" 24:          7          0     2209"), 8, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 3);
	CHECK_INT(c[0], 7);
	CHECK_INT(c[2], 2209);
	CHECK_INT(r.total, 2216);
	CHECK_INT(r.chip.n, 0);
	/* ... in the middle of the chip, of the hwirq, after the flow dash */
	CHECK_INT(pi_parse_row(S(" 24: 1 2 IR-PCI-MS"), 2, c, 8, &r), 0);
	CHECK_SLICE(r.chip, "IR-PCI-MS");
	CHECK_INT(classify("IR-PCI-MS").kind, PI_CHIP_OTHER);
	CHECK_INT(pi_parse_row(S(" 24: 1 2 PCI-MSI 5120"), 2, c, 8, &r), 0);
	CHECK_SLICE(r.hwirq, "5120");
	CHECK_INT(r.flow.n, 0);
	CHECK_INT(pi_parse_row(S(" 24: 1 2 PCI-MSI 512000-"), 2, c, 8, &r), 0);
	CHECK_SLICE(r.chip, "PCI-MSI");
	CHECK_INT(r.hwirq.n, 0);
	CHECK_INT(pi_parse_row(S(" 24: 1 2 IR-PCI-MSIX-0000:00:1"), 2, c, 8, &r), 0);
	CHECK_INT(classify("IR-PCI-MSIX-0000:00:1").bdf.n, 0);	/* a cut BDF is no BDF */
	CHECK_INT(classify("PCI-MSIX-xyz").bdf.n, 0);
	CHECK_INT(classify("PCI-MSIX-").bdf.n, 0);

	/* Counts overflowing u32 (the kernel prints %10u) are clamped, also past u64. */
	CHECK_INT(pi_parse_row(S("  5: 4294967295 4294967296 99999999999999999999999999 7"), 4, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 4);
	CHECK_INT(c[0], UINT32_MAX);
	CHECK_INT(c[1], UINT32_MAX);
	CHECK_INT(c[2], UINT32_MAX);
	CHECK_INT(c[3], 7);
	CHECK_INT(r.total, 3ull * UINT32_MAX + 7);
	/* Negative counts are not counts: the row has none, and nothing crashes. */
	CHECK_INT(pi_parse_row(S("  5: -1 -2 IO-APIC 5-edge x"), 2, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 0);
	CHECK_INT(r.total, 0);
	/* IRQ numbers: negative, past int, past u64 are not IRQ numbers */
	CHECK_INT(pi_parse_row(S("-5: 1 2"), 2, c, 8, &r), 0);
	CHECK(!r.is_numeric);
	CHECK_INT(pi_parse_row(S("2147483647: 1"), 1, c, 8, &r), 0);
	CHECK(r.is_numeric);
	CHECK_INT(r.irq, 2147483647);
	CHECK_INT(pi_parse_row(S("2147483648: 1"), 1, c, 8, &r), 0);
	CHECK(!r.is_numeric);
	CHECK_INT(pi_parse_row(S("99999999999999999999999: 1"), 1, c, 8, &r), 0);
	CHECK(!r.is_numeric);
	/* Negative hwirq (signed %d before 2021) */
	CHECK_INT(pi_parse_row(S(" 60: 1 2 PCI-MSI -2147483648-edge eth0"), 2, c, 8, &r), 0);
	CHECK_SLICE(r.hwirq, "-2147483648");
	CHECK_SLICE(r.flow, "edge");
	CHECK_SLICE(r.actions, "eth0");
	/* More counts than CPUs: the rest is not a count but the chip */
	CHECK_INT(pi_parse_row(S(" 7: 1 2 3 IO-APIC"), 2, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 2);
	CHECK_SLICE(r.chip, "3");

	/* Action lists: empty, trailing separator */
	struct slice acts = SLICE_EMPTY, a;
	CHECK(!pi_next_action(&acts, &a));
	acts = S("a, ");
	CHECK(pi_next_action(&acts, &a));
	CHECK_SLICE(a, "a");
	CHECK(!pi_next_action(&acts, &a));
	acts = S(", ");
	CHECK(pi_next_action(&acts, &a));
	CHECK_INT(a.n, 0);
	CHECK(!pi_next_action(&acts, &a));

	/* Classification of junk */
	CHECK_INT(classify("").kind, PI_CHIP_OTHER);
	CHECK_INT(classify("IR-").kind, PI_CHIP_OTHER);
	CHECK_INT(classify("-").kind, PI_CHIP_OTHER);
	CHECK_INT(classify("None").kind, PI_CHIP_OTHER);

	/* The largest hwirq still makes a BDF that fits the 16-byte buffer. */
	char bdf[16];
	unsigned idx;
	pi_decode_msi_hwirq(UINT64_MAX, bdf, &idx);
	CHECK_STR(bdf, "ffff:ff:1f.7");
	CHECK_INT(idx, 0x7ff);
}

/* Every line of a real file cut at every byte: complete lines parse as in the whole
 * file, the cut line parses to a prefix of itself, nothing crashes. */
TEST(pi_bad_truncated_everywhere)
{
	struct pif f;
	pif_load(&f, DI "x86-4cpu-chromebook-adln-ir-ioapic-ir-pci-msix-per-device-intel-gpio.txt");
	struct slice all = { f.b.data, f.b.len }, line;
	slice_line(&all, &line);	/* header */
	int lines = 0, bad = 0;
	while (slice_line(&all, &line)) {
		uint32_t full[8], cut[8];
		struct pi_row rf, rc;
		if (pi_parse_row(line, 4, full, 8, &rf))
			continue;
		lines++;
		for (size_t k = 0; k <= line.n; k++) {
			int r = pi_parse_row((struct slice){ line.p, k }, 4, cut, 8, &rc);
			const char *colon = memchr(line.p, ':', k);
			if (!colon) {
				if (r != -EINVAL)
					bad++;
				continue;
			}
			if (r != 0 || rc.ncounts > rf.ncounts || rc.total > rf.total ||
			    rc.actions.n > rf.actions.n)
				bad++;
			/* counts fully present in the cut are the same numbers */
			for (int i = 0; i + 1 < rc.ncounts; i++)
				if (cut[i] != full[i])
					bad++;
		}
	}
	CHECK_INT(lines, 50);
	CHECK_INT(bad, 0);
	buf_free(&f.b);
}

TEST(pi_bad_garbage_nuls_and_long_lines)
{
	uint32_t c[64];
	struct pi_row r;
	struct buf b = { 0 };
	/* Random binary: whatever it is, each "line" gives 0 or -EINVAL. */
	bad_random(&b, 1 << 20, 12345);
	struct slice all = { b.data, b.len }, line;
	int odd = 0;
	while (slice_line(&all, &line)) {
		int rr = pi_parse_row(line, 8, c, 64, &r);
		if (rr != 0 && rr != -EINVAL)
			odd++;
		if (!rr && r.ncounts > 8)
			odd++;
		int ids[16], n;
		rr = pi_parse_header(line, ids, 16, &n);
		if (rr != 0 && rr != -EINVAL)
			odd++;
		pi_is_header(line);
	}
	CHECK_INT(odd, 0);
	buf_free(&b);

	/* A real file with NULs every 7 bytes */
	struct buf real = { 0 };
	t_read(DI "x86-8cpu-desktop-ioapic-intx-rt2800pci-sysstat-root1.txt", &real);
	bad_with_nuls(&b, real.data, real.len, 7);
	all = (struct slice){ b.data, b.len };
	while (slice_line(&all, &line)) {
		int rr = pi_parse_row(line, 8, c, 64, &r);
		if (rr != 0 && rr != -EINVAL)
			odd++;
	}
	CHECK_INT(odd, 0);
	buf_free(&b);
	buf_free(&real);

	/* One 10 MB line: counts stop at ncpus; unknown ncpus counts all but stores cap. */
	bad_long_line(&b, " 24:", "          1", BAD_LONG);
	CHECK_INT(pi_parse_row((struct slice){ b.data, b.len }, 8, c, 64, &r), 0);
	CHECK_INT(r.ncounts, 8);
	CHECK_INT(r.total, 8);
	CHECK_INT(pi_parse_row((struct slice){ b.data, b.len }, -1, c, 64, &r), 0);
	CHECK_INT(r.ncounts, BAD_LONG / 11);
	CHECK_INT(r.total, BAD_LONG / 11);
	CHECK_INT(c[63], 1);
	buf_free(&b);
	/* ... of one 10 MB number */
	bad_long_line(&b, " 24: ", "9", BAD_LONG);
	CHECK_INT(pi_parse_row((struct slice){ b.data, b.len }, 8, c, 64, &r), 0);
	CHECK_INT(r.ncounts, 1);
	CHECK_INT(c[0], UINT32_MAX);
	buf_free(&b);
	/* ... of a 10 MB action list and chip */
	bad_long_line(&b, " 24: 1 2 PCI-MSI 0-edge ", "a, ", BAD_LONG);
	CHECK_INT(pi_parse_row((struct slice){ b.data, b.len }, 2, c, 64, &r), 0);
	CHECK_INT(r.actions.n, BAD_LONG);	/* "a, a, ... a" */
	CHECK_SLICE(action_at(r.actions, 1), "a");
	buf_free(&b);
	bad_long_line(&b, " 24: 1 2 ", "X", BAD_LONG);
	CHECK_INT(pi_parse_row((struct slice){ b.data, b.len }, 2, c, 64, &r), 0);
	CHECK_INT(r.chip.n, BAD_LONG);
	buf_free(&b);
	/* ... without a colon, and a 10 MB header */
	bad_long_line(&b, "", "x", BAD_LONG);
	CHECK_INT(pi_parse_row((struct slice){ b.data, b.len }, 8, c, 64, &r), -EINVAL);
	CHECK(!pi_is_header((struct slice){ b.data, b.len }));
	buf_free(&b);
	bad_long_line(&b, "", "       CPU7", BAD_LONG - BAD_LONG % 11);
	int ids[4], n;
	CHECK(pi_is_header((struct slice){ b.data, b.len }));
	CHECK_INT(pi_parse_header((struct slice){ b.data, b.len }, ids, 4, &n), 0);
	CHECK_INT(n, BAD_LONG / 11);
	buf_free(&b);
	/* cut in the middle of the last label: refused, the labels before are counted */
	bad_long_line(&b, "", "       CPU7", BAD_LONG);
	CHECK_INT(pi_parse_header((struct slice){ b.data, b.len }, ids, 4, &n), -EINVAL);
	CHECK_INT(n, BAD_LONG / 11);
	CHECK_INT(ids[3], 7);
	buf_free(&b);
}

/* The shared line feeder: lines collected from runs, read in pieces of every size. */
struct feed_log {
	struct buf out;
	int runs, unterminated;
};

static void feed_log_run(void *ctx, const char *text, size_t n)
{
	struct feed_log *l = ctx;
	l->runs++;
	/* a run is whole lines: it ends in a newline unless it is the file's last line */
	if (!n || text[n - 1] != '\n')
		l->unterminated++;
	buf_append(&l->out, text, n);
}

/* Feed text in reads of at most step bytes; returns pi_feeder_space's error or 0. */
static int feed_in_steps(struct pi_feeder *f, const char *text, size_t len, size_t step, struct feed_log *l)
{
	size_t off = 0;
	for (;;) {
		char *p;
		size_t room;
		int r = pi_feeder_space(f, &p, &room);
		if (r)
			return r;
		size_t n = len - off < room ? len - off : room;
		if (n > step)
			n = step;
		memcpy(p, text + off, n);
		off += n;
		pi_feeder_commit(f, n, feed_log_run, l);
		if (!n)
			return 0;
	}
}

TEST(pi_feeder_lines_in_any_reads)
{
	struct buf text = { 0 }, want = { 0 };
	for (int i = 0; i < 40; i++) {
		int len = (i * 37) % 200;	/* 0 .. 199 bytes, under max_line */
		for (int k = 0; k < len; k++)
			buf_putc(&text, (char)('a' + (i + k) % 26));
		buf_putc(&text, '\n');
	}
	buf_append(&want, text.data, text.len);
	/* one line too long for max_line (256): dropped up to its newline, counted */
	for (int k = 0; k < 1000; k++)
		buf_putc(&text, 'x');
	buf_putc(&text, '\n');
	buf_append(&text, "tail\n last without newline", 26);
	buf_append(&want, "tail\n last without newline", 26);
	static const size_t steps[] = { 1, 3, 7, 64, 100, 4096 };
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct pi_feeder f = { .chunk = 64, .max_line = 256, .skip_overlong = true };
		struct feed_log l = { 0 };
		CHECK_INT(feed_in_steps(&f, text.data, text.len, steps[s], &l), 0);
		CHECK_INT(f.overlong, 1);
		CHECK_INT(l.unterminated, 1);	/* " last without newline" */
		CHECK_INT(l.out.len, want.len);
		CHECK(l.out.len == want.len && !memcmp(l.out.data, want.data, want.len));
		CHECK(f.cap <= 256);
		free(f.buf);
		buf_free(&l.out);
	}
	/* without skip_overlong the long line ends the read */
	struct pi_feeder f = { .chunk = 64, .max_line = 256 };
	struct feed_log l = { 0 };
	CHECK_INT(feed_in_steps(&f, text.data, text.len, 100, &l), -E2BIG);
	free(f.buf);
	buf_free(&l.out);
	buf_free(&text);
	buf_free(&want);
}

/* The one-digit field shortcut reads what the token loop reads: widths, tabs, wide
 * counts, a hwirq glued to a digit, a cut line. */
TEST(pi_row_padded_digit_fields)
{
	uint32_t c[8];
	struct pi_row r;
	CHECK_INT(pi_parse_row(S("  24:          0          7         12\t3          0  IO-APIC 5-edge x"), 5, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 5);
	CHECK_INT(c[1], 7);
	CHECK_INT(c[2], 12);
	CHECK_INT(c[3], 3);
	CHECK_INT(r.total, 22);
	CHECK_SLICE(r.chip, "IO-APIC");
	/* unknown column count: "1-edge" after counts is a hwirq, not a count */
	CHECK_INT(pi_parse_row(S("  24:          0          1-edge x"), -1, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 1);
	/* a field one wider than the first, and a line that ends in a count */
	CHECK_INT(pi_parse_row(S(" 5:          1           2          3"), -1, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 3);
	CHECK_INT(r.total, 6);
	CHECK_INT(pi_parse_row(S(" 5:          1          9\r"), -1, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 2);
	CHECK_INT(c[1], 9);
	/* runs of zero fields: stop at the column count, and at a field that is not one */
	static const char zeros[] = "  9:          0          0          0          0          0          0"
				    "          0          0          0          0          0          0  PCI-MSI 1-edge";
	CHECK_INT(pi_parse_row((struct slice){ zeros, sizeof(zeros) - 1 }, -1, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 12);
	CHECK_INT(r.total, 0);
	CHECK_SLICE(r.chip, "PCI-MSI");
	CHECK_INT(pi_parse_row((struct slice){ zeros, sizeof(zeros) - 1 }, 7, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 7);
	CHECK_SLICE(r.chip, "0");
	c[7] = 99;
	CHECK_INT(pi_parse_row(S("  9:          0          0          0          0          0          0          0          0          0          0          0          1          0  X"), -1, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 13);
	CHECK_INT(r.total, 1);
	CHECK_INT(c[7], 0);
	CHECK_INT(pi_parse_row(S("  9:          0          0          0          0          0          0          0          0          0          0          05-edge"), -1, c, 8, &r), 0);
	CHECK_INT(r.ncounts, 10);
	/* 6.13+ widths: 16-wide fields */
	CHECK_INT(pi_parse_row(S(" NMI:               0               4  Non-maskable interrupts"), 2, c, 8, &r), 0);
	CHECK_INT(r.total, 4);
	CHECK_SLICE(r.desc, "Non-maskable interrupts");
}
